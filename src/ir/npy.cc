#include "src/ir/npy.h"

#include <bit>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"

namespace finngl {
namespace {

static_assert(std::endian::native == std::endian::little,
              ".npy I/O copies little-endian data verbatim");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kArrayAlign = 64;
// np.save leaves room for the first axis to grow to this many digits without rewriting the file.
constexpr size_t kGrowthAxisMaxDigits = 21;
// No real header comes close; the bound keeps a corrupt length field from driving a huge read.
constexpr uint32_t kMaxHeaderLen = 1 << 24;

absl::Status Malformed(const std::string& path, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid .npy file: ", problem));
}

struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<Dims> shape;
};

// Parses the Python dict literal np.save writes, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Only the subset of Python syntax that numpy produces (and older numpy's "3L" longs) is accepted;
// errors are returned as plain problem descriptions for Malformed().
class HeaderParser {
 public:
  explicit HeaderParser(const std::string& text) : s_(text) {}

  absl::StatusOr<NpyHeader> Parse() {
    NpyHeader h;
    SkipSpace();
    if (!Consume('{')) return Error("header does not start with '{'");
    while (true) {
      SkipSpace();
      if (Consume('}')) break;
      std::string key;
      if (!ParseString(&key)) return Error("expected a quoted key");
      SkipSpace();
      if (!Consume(':')) return Error(absl::StrCat("expected ':' after key '", key, "'"));
      SkipSpace();
      if (key == "descr") {
        if (Peek() == '[') return Error("structured dtypes are not supported");
        std::string descr;
        if (!ParseString(&descr)) return Error("'descr' is not a string");
        h.descr = descr;
      } else if (key == "fortran_order") {
        if (ConsumeWord("True")) {
          h.fortran_order = true;
        } else if (ConsumeWord("False")) {
          h.fortran_order = false;
        } else {
          return Error("'fortran_order' is not True or False");
        }
      } else if (key == "shape") {
        Dims dims;
        if (!ParseTuple(&dims)) return Error("'shape' is not a tuple of non-negative integers");
        h.shape = dims;
      } else {
        return Error(absl::StrCat("unexpected key '", key, "'"));
      }
      SkipSpace();
      if (Consume(',')) continue;
      SkipSpace();
      if (Consume('}')) break;
      return Error("expected ',' or '}'");
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("trailing characters after the header dict");
    if (!h.descr) return Error("header has no 'descr'");
    if (!h.fortran_order) return Error("header has no 'fortran_order'");
    if (!h.shape) return Error("header has no 'shape'");
    return h;
  }

 private:
  static absl::Status Error(const std::string& problem) {
    return absl::InvalidArgumentError(problem);
  }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  bool ConsumeWord(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool ParseString(std::string* out) {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return false;
    const size_t end = s_.find(quote, pos_ + 1);
    if (end == std::string::npos) return false;
    *out = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return true;
  }
  bool ParseInt(int64_t* out) {
    if (!std::isdigit(static_cast<unsigned char>(Peek()))) return false;
    int64_t v = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) {
      if (v > (int64_t{1} << 56)) return false;  // far beyond any real array
      v = v * 10 + (s_[pos_++] - '0');
    }
    Consume('L');
    *out = v;
    return true;
  }
  bool ParseTuple(Dims* dims) {
    if (!Consume('(')) return false;
    while (true) {
      SkipSpace();
      if (Consume(')')) return true;
      int64_t d;
      if (!ParseInt(&d)) return false;
      dims->push_back(d);
      SkipSpace();
      if (Consume(',')) continue;
      SkipSpace();
      return Consume(')');
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
};

// Maps a descr to an element type, or explains why it is not supported.
absl::StatusOr<ElementType> ElementTypeFromDescr(const std::string& descr) {
  if (descr.size() < 3) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported dtype '", descr, "'"));
  }
  const char order = descr[0];
  const std::string code = descr.substr(1);
  struct Entry {
    const char* code;
    ElementType type;
  };
  static constexpr Entry kTable[] = {
      {"f2", ElementType::kFloat16}, {"f4", ElementType::kFloat},  {"f8", ElementType::kDouble},
      {"i1", ElementType::kInt8},    {"u1", ElementType::kUint8},  {"b1", ElementType::kBool},
      {"i2", ElementType::kInt16},   {"u2", ElementType::kUint16}, {"i4", ElementType::kInt32},
      {"u4", ElementType::kUint32},  {"i8", ElementType::kInt64},  {"u8", ElementType::kUint64},
  };
  for (const Entry& e : kTable) {
    if (code != e.code) continue;
    const bool single_byte = ElementSize(e.type) == 1;
    // Byte order is meaningless for one-byte types, so numpy's '|' and any other marker are fine.
    if (single_byte && (order == '|' || order == '<' || order == '>' || order == '=')) {
      return e.type;
    }
    if (order == '<' || order == '=') return e.type;
    if (order == '>') {
      return absl::InvalidArgumentError(
          absl::StrCat("big-endian dtype '", descr, "' is not supported"));
    }
    break;
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported dtype '", descr, "'"));
}

std::string ShapeRepr(const Dims& dims) {
  if (dims.empty()) return "()";
  if (dims.size() == 1) return absl::StrCat("(", dims[0], ",)");
  return absl::StrCat("(", absl::StrJoin(dims, ", "), ")");
}

uint32_t ReadLe(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string NpyDescr(ElementType type) {
  switch (type) {
    case ElementType::kFloat16: return "<f2";
    case ElementType::kFloat: return "<f4";
    case ElementType::kDouble: return "<f8";
    case ElementType::kInt8: return "|i1";
    case ElementType::kUint8: return "|u1";
    case ElementType::kBool: return "|b1";
    case ElementType::kInt16: return "<i2";
    case ElementType::kUint16: return "<u2";
    case ElementType::kInt32: return "<i4";
    case ElementType::kUint32: return "<u4";
    case ElementType::kInt64: return "<i8";
    case ElementType::kUint64: return "<u8";
    default: return "";
  }
}

absl::StatusOr<Tensor> ReadNpy(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrCat("cannot open '", path, "' (it is a directory)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open '", path, "'"));
  in.seekg(0, std::ios::end);
  const std::streamoff file_size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (file_size < 0) return Malformed(path, "cannot determine the file size");

  unsigned char prefix[12];
  if (file_size < 10 || !in.read(reinterpret_cast<char*>(prefix), 8)) {
    return Malformed(path, "file is too short for a .npy header");
  }
  if (std::memcmp(prefix, kMagic, kMagicLen) != 0) {
    return Malformed(path, "missing the \\x93NUMPY magic string");
  }
  const int major = prefix[6], minor = prefix[7];
  if (major < 1 || major > 3 || minor != 0) {
    return Malformed(path, absl::StrCat("unsupported format version ", major, ".", minor));
  }
  // Version 1.0 stores the header length in 2 bytes; 2.0 and 3.0 (utf-8 header) in 4.
  const int len_bytes = major == 1 ? 2 : 4;
  if (!in.read(reinterpret_cast<char*>(prefix + 8), len_bytes)) {
    return Malformed(path, "file is too short for a .npy header");
  }
  const uint32_t header_len = ReadLe(prefix + 8, len_bytes);
  const std::streamoff data_offset = 8 + len_bytes + static_cast<std::streamoff>(header_len);
  if (header_len > kMaxHeaderLen || data_offset > file_size) {
    return Malformed(path, absl::StrCat("header length ", header_len, " exceeds the file size"));
  }
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) return Malformed(path, "cannot read the header");

  absl::StatusOr<NpyHeader> parsed = HeaderParser(header).Parse();
  if (!parsed.ok()) return Malformed(path, std::string(parsed.status().message()));
  absl::StatusOr<ElementType> type = ElementTypeFromDescr(*parsed->descr);
  if (!type.ok()) return Malformed(path, std::string(type.status().message()));
  if (*parsed->fortran_order) {
    return Malformed(path, "Fortran-order arrays are not supported (save a C-contiguous array)");
  }
  const Dims& dims = *parsed->shape;
  // Overflow-checked element count; the data size check below then bounds the allocation by the
  // file size, so a corrupt shape cannot trigger a huge allocation.
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d != 0 && count > (int64_t{1} << 56) / d) {
      return Malformed(path, absl::StrCat("shape ", ShapeRepr(dims), " is too large"));
    }
    count *= d;
  }
  const int64_t data_bytes = count * ElementSize(*type);
  const int64_t available = file_size - data_offset;
  if (available < data_bytes) {
    return Malformed(path, absl::StrCat("truncated data: shape ", ShapeRepr(dims), " of ",
                                        *parsed->descr, " needs ", data_bytes, " bytes but only ",
                                        available, " follow the header"));
  }
  Tensor t(*type, dims);
  if (data_bytes > 0 && !in.read(static_cast<char*>(t.raw()), data_bytes)) {
    return Malformed(path, "truncated data (read failed)");
  }
  if (*type == ElementType::kBool) {
    // Any non-zero byte is True to numpy; storing it as 1 keeps reads through `bool` defined.
    auto* bytes = static_cast<unsigned char*>(t.raw());
    for (int64_t i = 0; i < count; ++i) bytes[i] = bytes[i] != 0;
  }
  // Like np.load, bytes after the array are ignored.
  return t;
}

absl::Status WriteNpy(const std::string& path, const Tensor& t) {
  const std::string descr = NpyDescr(t.type());
  if (descr.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": cannot write a tensor of element type ", ElementTypeName(t.type()), " as .npy"));
  }
  std::string dict = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ",
                                  ShapeRepr(t.dims()), ", }");
  if (!t.dims().empty()) {
    const size_t digits = absl::StrCat(t.dims()[0]).size();
    if (digits < kGrowthAxisMaxDigits) dict.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  // Same padding rule as numpy's _wrap_header: magic + length + header + '\n' is a multiple of 64.
  auto wrap = [&](int major) {
    const size_t len_bytes = major == 1 ? 2 : 4;
    const size_t hlen = dict.size() + 1;
    const size_t padlen = kArrayAlign - ((kMagicLen + 2 + len_bytes + hlen) % kArrayAlign);
    const size_t total = hlen + padlen;
    std::string out(kMagic, kMagicLen);
    out.push_back(static_cast<char>(major));
    out.push_back('\0');
    for (size_t i = 0; i < len_bytes; ++i) {
      out.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
    }
    out += dict;
    out.append(padlen, ' ');
    out.push_back('\n');
    return std::make_pair(out, total);
  };
  auto [prefix, total] = wrap(1);
  if (total > 0xffff) prefix = wrap(2).first;

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::NotFoundError(absl::StrCat("cannot open '", tmp, "' for writing"));
    out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.byte_size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return absl::DataLossError(absl::StrCat("cannot write '", tmp, "'"));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return absl::NotFoundError(
        absl::StrCat("cannot rename '", tmp, "' to '", path, "': ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace finngl
