// Tests for src/base/npy: round trips for every supported dtype, byte compatibility with np.save,
// and the error for each kind of malformed file.
#include "src/ir/npy.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace finngl {
namespace {

using ::testing::HasSubstr;

class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("finngl_npy_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::string WriteBytes(const std::string& name, const std::string& bytes) const {
    const std::string path = Path(name);
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  static std::string ReadBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // A version-1.0 file with the given header dict (padded like np.save) followed by `data`.
  static std::string NpyV1(const std::string& dict, const std::string& data) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
    header.push_back('\n');
    std::string out("\x93NUMPY\x01\x00", 8);
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
    return out + header + data;
  }

  std::filesystem::path dir_;
};

// Fills a tensor with varied bit patterns (bools stay 0/1).
Tensor RandomTensor(ElementType type, const Dims& dims, std::mt19937* rng) {
  Tensor t(type, dims);
  auto* bytes = static_cast<unsigned char*>(t.raw());
  for (size_t i = 0; i < t.byte_size(); ++i) {
    bytes[i] = static_cast<unsigned char>((*rng)() & (type == ElementType::kBool ? 1 : 0xff));
  }
  return t;
}

TEST_F(NpyTest, RoundTripsEveryDtypeAndShape) {
  const ElementType types[] = {ElementType::kFloat,  ElementType::kDouble, ElementType::kInt8,
                               ElementType::kUint8,  ElementType::kInt16,  ElementType::kUint16,
                               ElementType::kInt32,  ElementType::kUint32, ElementType::kInt64,
                               ElementType::kUint64, ElementType::kBool,   ElementType::kFloat16};
  const Dims shapes[] = {{}, {0}, {1}, {5}, {2, 3}, {2, 0, 3}, {2, 1, 4}, {3, 2, 2, 2}};
  std::mt19937 rng(42);
  for (ElementType type : types) {
    for (const Dims& dims : shapes) {
      SCOPED_TRACE(std::string(ElementTypeName(type)) + DimsToString(dims));
      const Tensor t = RandomTensor(type, dims, &rng);
      const std::string path = Path("t.npy");
      ASSERT_TRUE(WriteNpy(path, t).ok());
      EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
      // np.save aligns the data to 64 bytes.
      EXPECT_EQ((ReadBytes(path).size() - t.byte_size()) % 64, 0u);
      absl::StatusOr<Tensor> back = ReadNpy(path);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(back->type(), type);
      EXPECT_EQ(back->dims(), dims);
      EXPECT_TRUE(back->SameContents(t));
    }
  }
}

TEST_F(NpyTest, ScalarValues) {
  const std::string path = Path("s.npy");
  ASSERT_TRUE(WriteNpy(path, Tensor::Scalar<double>(-2.25)).ok());
  absl::StatusOr<Tensor> t = ReadNpy(path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->rank(), 0);
  EXPECT_EQ(t->size(), 1);
  EXPECT_EQ(t->GetDouble(0), -2.25);
}

// The exact headers np.save (numpy 2.x) writes for these arrays.
TEST_F(NpyTest, HeaderMatchesNumpyByteForByte) {
  auto expected = [](const std::string& dict) {
    std::string h = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict;
    h.append(127 - h.size(), ' ');
    return h + "\n";
  };
  struct Case {
    Tensor t;
    std::string dict;
  };
  const Case cases[] = {
      {Tensor(ElementType::kFloat, {2, 3}),
       "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"},
      {Tensor::Scalar<double>(1.5), "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"},
      {Tensor(ElementType::kBool, {7}),
       "{'descr': '|b1', 'fortran_order': False, 'shape': (7,), }"},
      {Tensor(ElementType::kInt8, {0, 3}),
       "{'descr': '|i1', 'fortran_order': False, 'shape': (0, 3), }"},
  };
  for (const Case& c : cases) {
    // np.save reserves 21 digits for the first axis so it can grow in place.
    std::string dict = c.dict;
    if (c.t.rank() > 0) dict.append(21 - std::to_string(c.t.dim(0)).size(), ' ');
    const std::string path = Path("h.npy");
    ASSERT_TRUE(WriteNpy(path, c.t).ok());
    const std::string bytes = ReadBytes(path);
    ASSERT_EQ(bytes.size(), 128 + c.t.byte_size());
    EXPECT_EQ(bytes.substr(0, 128), expected(dict));
  }
}

TEST_F(NpyTest, ReadsHandWrittenHeaderVariants) {
  const std::string data("\x01\x00\x02\x00\x03\x00", 6);
  // Keys in another order, double quotes, no trailing comma, '=' byte order.
  absl::StatusOr<Tensor> t = ReadNpy(
      WriteBytes("a.npy", NpyV1("{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"=i2\"}",
                                data)));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->type(), ElementType::kInt16);
  EXPECT_EQ(t->ToInt64s(), (std::vector<int64_t>{1, 2, 3}));

  // Version 2.0 and 3.0 use a 4-byte header length.
  for (char major : {'\x02', '\x03'}) {
    std::string dict = "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 3), }";
    while ((12 + dict.size() + 1) % 64 != 0) dict.push_back(' ');
    dict.push_back('\n');
    std::string bytes("\x93NUMPY", 6);
    bytes.push_back(major);
    bytes.push_back('\0');
    bytes.push_back(static_cast<char>(dict.size()));
    bytes.append(3, '\0');
    absl::StatusOr<Tensor> v = ReadNpy(WriteBytes("v.npy", bytes + dict + data));
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->dims(), (Dims{1, 3}));
    EXPECT_EQ(v->type(), ElementType::kUint16);
  }

  // Python 2 numpy wrote longs ("3L"); bool bytes other than 0/1 read as true.
  absl::StatusOr<Tensor> b = ReadNpy(WriteBytes(
      "b.npy", NpyV1("{'descr': '|b1', 'fortran_order': False, 'shape': (3L,), }",
                     std::string("\x00\x07\x01", 3))));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->ToInt64s(), (std::vector<int64_t>{0, 1, 1}));
}

TEST_F(NpyTest, MissingFileIsNotFound) {
  const std::string path = Path("nope.npy");
  absl::StatusOr<Tensor> t = ReadNpy(path);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(t.status().message(), "cannot open '" + path + "'");
}

TEST_F(NpyTest, MalformedFilesAreInvalidArgument) {
  const std::string f4x2("\0\0\x80?\0\0\0@", 8);
  struct Case {
    std::string name;
    std::string bytes;
    std::string problem;
  };
  const Case cases[] = {
      {"empty", "", "file is too short"},
      {"magic", "PK\x03\x04 this is a zip file", "missing the \\x93NUMPY magic string"},
      {"version", std::string("\x93NUMPY\x09\x00\x10\x00", 10) + std::string(16, ' '),
       "unsupported format version 9.0"},
      {"header_len", std::string("\x93NUMPY\x01\x00\xff\x7f{'descr'", 17),
       "header length 32767 exceeds the file size"},
      {"fortran", NpyV1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }", f4x2),
       "Fortran-order arrays are not supported"},
      {"big_endian", NpyV1("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f4x2),
       "big-endian dtype '>f4' is not supported"},
      {"complex", NpyV1("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", f4x2),
       "unsupported dtype '<c8'"},
      {"object", NpyV1("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", f4x2),
       "unsupported dtype '|O'"},
      {"structured",
       NpyV1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4x2),
       "structured dtypes are not supported"},
      {"truncated", NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4x2),
       "truncated data: shape (2, 3) of <f4 needs 24 bytes but only 8 follow the header"},
      {"negative", NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", f4x2),
       "'shape' is not a tuple of non-negative integers"},
      {"huge", NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, "
                     "4294967296), }", f4x2),
       "shape (4294967296, 4294967296) is too large"},
      {"no_shape", NpyV1("{'descr': '<f4', 'fortran_order': False, }", f4x2),
       "header has no 'shape'"},
      {"not_a_dict", NpyV1("descr=<f4", f4x2), "header does not start with '{'"},
      {"unterminated", NpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", f4x2),
       "expected ',' or '}'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = WriteBytes(c.name + ".npy", c.bytes);
    absl::StatusOr<Tensor> t = ReadNpy(path);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(t.status().message()),
                HasSubstr(path + ": not a valid .npy file: " + c.problem));
  }
}

TEST_F(NpyTest, WriteErrorsLeaveNoFile) {
  const std::string path = Path("missing_dir/out.npy");
  absl::Status s = WriteNpy(path, Tensor(ElementType::kFloat, {2}));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(path));

  Tensor undefined;
  undefined.Resize(ElementType::kUndefined, {});
  s = WriteNpy(Path("u.npy"), undefined);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(Path("u.npy")));
  EXPECT_FALSE(std::filesystem::exists(Path("u.npy.tmp")));
}

TEST_F(NpyTest, OverwritesExistingFileAtomically) {
  const std::string path = Path("o.npy");
  ASSERT_TRUE(WriteNpy(path, Tensor::FromVector<int32_t>({2}, {1, 2})).ok());
  ASSERT_TRUE(WriteNpy(path, Tensor::FromVector<int32_t>({3}, {4, 5, 6})).ok());
  absl::StatusOr<Tensor> t = ReadNpy(path);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ToInt64s(), (std::vector<int64_t>{4, 5, 6}));
}

}  // namespace
}  // namespace finngl
