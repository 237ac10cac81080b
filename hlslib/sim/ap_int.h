// g++ stand-in for Vitis HLS's ap_int.h: arbitrary-width integers ap_int<W> / ap_uint<W> for C
// simulation of the hlslib kernels and of generated accelerator code. Only the behaviour that
// synthesizable finngl code relies on is modelled, and it is modelled exactly:
//
// - A value is W bits (1 <= W <= 65536) in two's complement (ap_int) or plain binary (ap_uint),
//   stored as 64-bit words with the bits above W kept zero. Every construction and assignment
//   wraps to W bits, as hardware does.
// - Up to 64 bits a value converts implicitly to a built-in integer, so + - * / % < == ... are
//   ordinary int64 arithmetic and exact for the operand ranges in a correct graph (Vitis widens
//   its results instead; both give the same value once it is assigned to a wide-enough type).
//   ap_int<W> and ap_uint<W < 64> convert to int64_t, so mixing signed and unsigned operands
//   compares and multiplies mathematically; only ap_uint<64> converts to uint64_t.
// - Shifts return the left operand's type (bits shifted out are lost, as in Vitis); >> of an
//   ap_int is arithmetic. & | ^ between ap types give the wider type. Values wider than 64 bits
//   (packed stream beats) support exactly the bit-level operations: shifts, & | ^ ~, comparisons,
//   range and bit access; they have no implicit integer conversion and no + - *.
// - x.range(hi, lo) and x(hi, lo) name bits [lo, hi] (hi >= lo): readable as an unsigned value
//   (constructing any ap type from it zero-extends or truncates) and assignable (the assigned
//   value is truncated or sign-extended to hi - lo + 1 bits). x[i] is one bit.
#ifndef FINNGL_HLSLIB_SIM_AP_INT_H_
#define FINNGL_HLSLIB_SIM_AP_INT_H_

#include <algorithm>
#include <cassert>
#include <concepts>
#include <cstdint>
#include <cstdlib>
#include <ostream>
#include <string>
#include <type_traits>

// Tells hlslib/pragma.h that this is g++ C simulation (HLS directives expand to nothing).
#define FGL_SIM 1

namespace fgl_sim {

template <int W, bool S>
class ApInt;
template <int W, bool S>
class ApRange;
template <int W, bool S>
class ApBit;

template <int W, bool S>
class ApInt {
  static_assert(W >= 1 && W <= 65536, "ap_int width must be in [1, 65536]");

 public:
  static constexpr int width = W;
  static constexpr int kWords = (W + 63) / 64;
  // The built-in type a value of at most 64 bits converts to (see the file comment).
  using Narrow = std::conditional_t<S || W < 64, int64_t, uint64_t>;

  constexpr ApInt() : w_{} {}
  template <std::integral T>
  constexpr ApInt(T v) : w_{} {  // NOLINT: implicit like Vitis
    const bool neg = std::is_signed_v<T> && v < 0;
    w_[0] = static_cast<uint64_t>(static_cast<std::conditional_t<std::is_signed_v<T>, int64_t,
                                                                 uint64_t>>(v));
    for (int k = 1; k < kWords; ++k) w_[k] = neg ? ~uint64_t{0} : 0;
    Normalize();
  }
  template <std::floating_point T>
  ApInt(T v) : ApInt(static_cast<int64_t>(v)) {}  // NOLINT: truncates like Vitis
  template <int W2, bool S2>
  constexpr ApInt(const ApInt<W2, S2>& o) : w_{} {  // NOLINT: implicit like Vitis
    for (int k = 0; k < kWords; ++k) w_[k] = o.ExtWord(k);
    Normalize();
  }
  template <int W2, bool S2>
  ApInt(const ApRange<W2, S2>& r) : w_{} {  // NOLINT: implicit like Vitis
    const int n = r.hi() - r.lo() + 1;
    for (int k = 0; k < kWords && 64 * k < n; ++k) {
      w_[k] = r.owner().GetBits(r.lo() + 64 * k, std::min(64, n - 64 * k));
    }
    Normalize();
  }
  template <int W2, bool S2>
  ApInt(const ApBit<W2, S2>& b) : ApInt(static_cast<bool>(b)) {}  // NOLINT
  // Parses "[-][0x|0b|0o]digits" in `radix` (a prefix overrides it), wrapping to W bits.
  explicit ApInt(const char* s, int radix = 10) : w_{} {
    bool neg = false;
    if (*s == '-') neg = true, ++s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) radix = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) radix = 2, s += 2;
    else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) radix = 8, s += 2;
    for (; *s; ++s) {
      int d = (*s >= '0' && *s <= '9')   ? *s - '0'
              : (*s >= 'a' && *s <= 'z') ? *s - 'a' + 10
              : (*s >= 'A' && *s <= 'Z') ? *s - 'A' + 10
                                         : 99;
      if (d >= radix) continue;  // separators such as '_' or '\''
      MulAddSmall(radix, d);
    }
    if (neg) {
      for (auto& x : w_) x = ~x;
      MulAddSmall(1, 1);
    }
    Normalize();
  }

  // Implicit conversion to a built-in integer, for values of at most 64 bits.
  constexpr operator Narrow() const  // NOLINT: implicit like Vitis
    requires(W <= 64)
  {
    return static_cast<Narrow>(to_int64());
  }

  // Low 64 bits, sign-extended for an ap_int of at most 64 bits.
  constexpr int64_t to_int64() const {
    if constexpr (S && W < 64) {
      return static_cast<int64_t>(w_[0] << (64 - W)) >> (64 - W);
    } else {
      return static_cast<int64_t>(w_[0]);
    }
  }
  constexpr uint64_t to_uint64() const { return static_cast<uint64_t>(to_int64()); }
  constexpr int to_int() const { return static_cast<int>(to_int64()); }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(to_int64()); }
  constexpr long to_long() const { return static_cast<long>(to_int64()); }
  constexpr unsigned long to_ulong() const { return static_cast<unsigned long>(to_int64()); }
  constexpr int length() const { return W; }
  constexpr bool is_negative() const { return S && Bit(W - 1); }
  constexpr bool iszero() const {
    for (uint64_t x : w_) {
      if (x) return false;
    }
    return true;
  }

  // Bits [lo, hi] as a readable and assignable unsigned value.
  ApRange<W, S> range(int hi, int lo) { return ApRange<W, S>(this, hi, lo); }
  ApRange<W, S> range(int hi, int lo) const {
    return ApRange<W, S>(const_cast<ApInt*>(this), hi, lo);
  }
  ApRange<W, S> range() { return range(W - 1, 0); }
  ApRange<W, S> operator()(int hi, int lo) { return range(hi, lo); }
  ApRange<W, S> operator()(int hi, int lo) const { return range(hi, lo); }
  ApBit<W, S> operator[](int i) { return ApBit<W, S>(this, i); }
  bool operator[](int i) const { return Bit(i); }
  bool get_bit(int i) const { return Bit(i); }
  void set_bit(int i, bool v) { SetBits(i, 1, v); }

  // Compound assignment through the (wrapping) binary operators.
  template <typename U>
  ApInt& operator+=(const U& v) { return *this = ApInt(*this + v); }
  template <typename U>
  ApInt& operator-=(const U& v) { return *this = ApInt(*this - v); }
  template <typename U>
  ApInt& operator*=(const U& v) { return *this = ApInt(*this * v); }
  template <typename U>
  ApInt& operator/=(const U& v) { return *this = ApInt(*this / v); }
  template <typename U>
  ApInt& operator%=(const U& v) { return *this = ApInt(*this % v); }
  template <typename U>
  ApInt& operator&=(const U& v) { return *this = ApInt(*this & v); }
  template <typename U>
  ApInt& operator|=(const U& v) { return *this = ApInt(*this | v); }
  template <typename U>
  ApInt& operator^=(const U& v) { return *this = ApInt(*this ^ v); }
  template <typename U>
  ApInt& operator<<=(const U& n) { return *this = *this << n; }
  template <typename U>
  ApInt& operator>>=(const U& n) { return *this = *this >> n; }
  ApInt& operator++() requires(W <= 64) { return *this += 1; }
  ApInt& operator--() requires(W <= 64) { return *this -= 1; }
  ApInt operator++(int) requires(W <= 64) { ApInt t = *this; *this += 1; return t; }
  ApInt operator--(int) requires(W <= 64) { ApInt t = *this; *this -= 1; return t; }
  ApInt operator~() const {
    ApInt r;
    for (int k = 0; k < kWords; ++k) r.w_[k] = ~w_[k];
    r.Normalize();
    return r;
  }

  std::string to_string(int radix = 16) const {
    if (W <= 64 && radix == 10) {
      return S ? std::to_string(to_int64()) : std::to_string(to_uint64());
    }
    static const char kDigits[] = "0123456789abcdef";
    std::string s;
    for (int nib = (W - 1) / 4; nib >= 0; --nib) {
      s += kDigits[GetBits(4 * nib, std::min(4, W - 4 * nib))];
    }
    size_t nz = s.find_first_not_of('0');
    return "0x" + (nz == std::string::npos ? std::string("0") : s.substr(nz));
  }

  // Word-level access, used by the operators, range proxies and other widths.
  constexpr bool Bit(int i) const { return (w_[i >> 6] >> (i & 63)) & 1; }
  // Word k of the value sign- or zero-extended to infinite width.
  constexpr uint64_t ExtWord(int k) const {
    const bool neg = is_negative();
    if (k >= kWords) return neg ? ~uint64_t{0} : 0;
    uint64_t x = w_[k];
    if (neg && k == kWords - 1 && W % 64) x |= ~uint64_t{0} << (W % 64);
    return x;
  }
  // n (1..64) bits starting at bit lo; bits at or above W read as zero.
  constexpr uint64_t GetBits(int lo, int n) const {
    const int k = lo >> 6, off = lo & 63;
    uint64_t x = k < kWords ? w_[k] >> off : 0;
    if (off && k + 1 < kWords) x |= w_[k + 1] << (64 - off);
    return n == 64 ? x : x & ((uint64_t{1} << n) - 1);
  }
  // Sets n (1..64) bits starting at bit lo to the low n bits of v (bits at or above W dropped).
  constexpr void SetBits(int lo, int n, uint64_t v) {
    const uint64_t mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    v &= mask;
    const int k = lo >> 6, off = lo & 63;
    if (k < kWords) w_[k] = (w_[k] & ~(mask << off)) | (v << off);
    if (off && off + n > 64 && k + 1 < kWords) {
      w_[k + 1] = (w_[k + 1] & ~(mask >> (64 - off))) | (v >> (64 - off));
    }
    Normalize();
  }
  constexpr uint64_t Word(int k) const { return w_[k]; }
  constexpr void SetWord(int k, uint64_t v) { w_[k] = v, Normalize(); }

 private:
  constexpr void Normalize() {
    if (W % 64) w_[kWords - 1] &= (uint64_t{1} << (W % 64)) - 1;
  }
  // *this = *this * m + a on the raw words (no normalisation), for the string parser.
  void MulAddSmall(uint64_t m, uint64_t a) {
    unsigned __int128 carry = a;
    for (auto& x : w_) {
      unsigned __int128 t = static_cast<unsigned __int128>(x) * m + carry;
      x = static_cast<uint64_t>(t);
      carry = t >> 64;
    }
  }

  uint64_t w_[kWords];
};

// Bits [lo, hi] of an ap value: reads as an unsigned value, assignments write the bits.
template <int W, bool S>
class ApRange {
 public:
  ApRange(ApInt<W, S>* p, int hi, int lo) : p_(p), hi_(hi), lo_(lo) {
    assert(lo >= 0 && hi >= lo && hi < W && "range(hi, lo) needs 0 <= lo <= hi < W");
  }
  ApRange(const ApRange&) = default;
  int hi() const { return hi_; }
  int lo() const { return lo_; }
  const ApInt<W, S>& owner() const { return *p_; }

  ApInt<W, false> get() const { return ApInt<W, false>(*this); }
  operator typename ApInt<W, false>::Narrow() const  // NOLINT: implicit like Vitis
    requires(W <= 64)
  {
    return static_cast<typename ApInt<W, false>::Narrow>(p_->GetBits(lo_, hi_ - lo_ + 1));
  }
  uint64_t to_uint64() const { return get().to_uint64(); }
  int64_t to_int64() const { return get().to_int64(); }
  unsigned to_uint() const { return get().to_uint(); }
  int to_int() const { return get().to_int(); }

  template <int W2, bool S2>
  ApRange& operator=(const ApInt<W2, S2>& v) {
    const int n = hi_ - lo_ + 1;
    for (int k = 0; 64 * k < n; ++k) p_->SetBits(lo_ + 64 * k, std::min(64, n - 64 * k), v.ExtWord(k));
    return *this;
  }
  template <std::integral T>
  ApRange& operator=(T v) {
    return *this = ApInt<64, std::is_signed_v<T>>(v);
  }
  template <int W2, bool S2>
  ApRange& operator=(const ApRange<W2, S2>& r) {
    return *this = r.get();
  }
  ApRange& operator=(const ApRange& r) { return *this = r.get(); }

 private:
  ApInt<W, S>* p_;
  int hi_, lo_;
};

// Bit i of an ap value.
template <int W, bool S>
class ApBit {
 public:
  ApBit(ApInt<W, S>* p, int i) : p_(p), i_(i) { assert(i >= 0 && i < W); }
  ApBit(const ApBit&) = default;
  operator bool() const { return p_->Bit(i_); }  // NOLINT: implicit like Vitis
  ApBit& operator=(bool v) {
    p_->SetBits(i_, 1, v);
    return *this;
  }
  ApBit& operator=(const ApBit& b) { return *this = static_cast<bool>(b); }

 private:
  ApInt<W, S>* p_;
  int i_;
};

// ---- Free operators. Narrow-with-builtin arithmetic goes through the implicit conversion. ----

template <int W1, bool S1, int W2, bool S2>
constexpr auto BitwiseOp(const ApInt<W1, S1>& a, const ApInt<W2, S2>& b, int op) {
  ApInt<std::max(W1, W2), S1 && S2> r;
  for (int k = 0; k < r.kWords; ++k) {
    uint64_t x = a.ExtWord(k), y = b.ExtWord(k);
    r.SetWord(k, op == 0 ? (x & y) : op == 1 ? (x | y) : (x ^ y));
  }
  return r;
}
template <int W1, bool S1, int W2, bool S2>
constexpr auto operator&(const ApInt<W1, S1>& a, const ApInt<W2, S2>& b) { return BitwiseOp(a, b, 0); }
template <int W1, bool S1, int W2, bool S2>
constexpr auto operator|(const ApInt<W1, S1>& a, const ApInt<W2, S2>& b) { return BitwiseOp(a, b, 1); }
template <int W1, bool S1, int W2, bool S2>
constexpr auto operator^(const ApInt<W1, S1>& a, const ApInt<W2, S2>& b) { return BitwiseOp(a, b, 2); }
// A wide value with a built-in integer: the integer is converted to the wide type first.
template <int W, bool S, std::integral T>
  requires(W > 64)
constexpr ApInt<W, S> operator&(const ApInt<W, S>& a, T b) { return a & ApInt<W, S>(b); }
template <int W, bool S, std::integral T>
  requires(W > 64)
constexpr ApInt<W, S> operator|(const ApInt<W, S>& a, T b) { return a | ApInt<W, S>(b); }
template <int W, bool S, std::integral T>
  requires(W > 64)
constexpr ApInt<W, S> operator^(const ApInt<W, S>& a, T b) { return a ^ ApInt<W, S>(b); }
template <int W, bool S, std::integral T>
  requires(W > 64)
constexpr ApInt<W, S> operator&(T b, const ApInt<W, S>& a) { return a & ApInt<W, S>(b); }
template <int W, bool S, std::integral T>
  requires(W > 64)
constexpr ApInt<W, S> operator|(T b, const ApInt<W, S>& a) { return a | ApInt<W, S>(b); }
template <int W, bool S, std::integral T>
  requires(W > 64)
constexpr ApInt<W, S> operator^(T b, const ApInt<W, S>& a) { return a ^ ApInt<W, S>(b); }

// Shifts keep the left operand's type. A negative amount shifts the other way.
template <int W, bool S>
constexpr ApInt<W, S> ShiftLeft(const ApInt<W, S>& a, int64_t n);
template <int W, bool S>
constexpr ApInt<W, S> ShiftRight(const ApInt<W, S>& a, int64_t n) {
  if (n < 0) return ShiftLeft(a, -n);
  ApInt<W, S> r;
  const bool neg = a.is_negative();
  if (n >= W) return neg ? ~r : r;
  const int words = static_cast<int>(n >> 6), off = static_cast<int>(n & 63);
  for (int k = 0; k < r.kWords; ++k) {
    // Bits above W read as the sign, so an ap_int shifts arithmetically.
    uint64_t x = a.ExtWord(k + words) >> off;
    if (off) x |= a.ExtWord(k + words + 1) << (64 - off);
    r.SetWord(k, x);
  }
  return r;
}
template <int W, bool S>
constexpr ApInt<W, S> ShiftLeft(const ApInt<W, S>& a, int64_t n) {
  if (n < 0) return ShiftRight(a, -n);
  ApInt<W, S> r;
  if (n >= W) return r;
  const int words = static_cast<int>(n >> 6), off = static_cast<int>(n & 63);
  for (int k = words; k < r.kWords; ++k) {
    uint64_t x = a.Word(k - words) << off;
    if (off && k - words - 1 >= 0) x |= a.Word(k - words - 1) >> (64 - off);
    r.SetWord(k, x);
  }
  return r;
}
template <int W, bool S, std::integral T>
constexpr ApInt<W, S> operator<<(const ApInt<W, S>& a, T n) { return ShiftLeft(a, static_cast<int64_t>(n)); }
template <int W, bool S, std::integral T>
constexpr ApInt<W, S> operator>>(const ApInt<W, S>& a, T n) { return ShiftRight(a, static_cast<int64_t>(n)); }
template <int W, bool S, int W2, bool S2>
constexpr ApInt<W, S> operator<<(const ApInt<W, S>& a, const ApInt<W2, S2>& n) { return ShiftLeft(a, n.to_int64()); }
template <int W, bool S, int W2, bool S2>
constexpr ApInt<W, S> operator>>(const ApInt<W, S>& a, const ApInt<W2, S2>& n) { return ShiftRight(a, n.to_int64()); }

// Comparisons involving a value wider than 64 bits compare mathematical values.
template <int W1, bool S1, int W2, bool S2>
constexpr int Compare(const ApInt<W1, S1>& a, const ApInt<W2, S2>& b) {
  constexpr int kW = std::max(W1, W2) + 1;
  const ApInt<kW, true> x(a), y(b);
  if (x.is_negative() != y.is_negative()) return x.is_negative() ? -1 : 1;
  for (int k = x.kWords - 1; k >= 0; --k) {
    if (x.Word(k) != y.Word(k)) return x.Word(k) < y.Word(k) ? -1 : 1;
  }
  return 0;
}
#define FGL_SIM_WIDE_COMPARE(OP)                                                              \
  template <int W1, bool S1, int W2, bool S2>                                                 \
    requires(W1 > 64 || W2 > 64)                                                              \
  constexpr bool operator OP(const ApInt<W1, S1>& a, const ApInt<W2, S2>& b) {                \
    return Compare(a, b) OP 0;                                                                \
  }                                                                                           \
  template <int W, bool S, std::integral T>                                                   \
    requires(W > 64)                                                                          \
  constexpr bool operator OP(const ApInt<W, S>& a, T b) {                                     \
    return Compare(a, ApInt<64, std::is_signed_v<T>>(b)) OP 0;                                \
  }                                                                                           \
  template <int W, bool S, std::integral T>                                                   \
    requires(W > 64)                                                                          \
  constexpr bool operator OP(T b, const ApInt<W, S>& a) {                                     \
    return 0 OP Compare(a, ApInt<64, std::is_signed_v<T>>(b));                                \
  }
FGL_SIM_WIDE_COMPARE(==)
FGL_SIM_WIDE_COMPARE(!=)
FGL_SIM_WIDE_COMPARE(<)
FGL_SIM_WIDE_COMPARE(<=)
FGL_SIM_WIDE_COMPARE(>)
FGL_SIM_WIDE_COMPARE(>=)
#undef FGL_SIM_WIDE_COMPARE

template <int W, bool S>
std::ostream& operator<<(std::ostream& os, const ApInt<W, S>& v) {
  return os << v.to_string(W <= 64 ? 10 : 16);
}

}  // namespace fgl_sim

template <int W>
using ap_int = fgl_sim::ApInt<W, true>;
template <int W>
using ap_uint = fgl_sim::ApInt<W, false>;

#endif  // FINNGL_HLSLIB_SIM_AP_INT_H_
