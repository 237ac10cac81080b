// The quantization datatype of a tensor: what values it may hold, independent of its container.
//
// Mirrors qonnx's DataType system (names, ranges, parsing, smallest-type rules) so annotations in
// QONNX/FINN-ONNX files (`finn_datatype`) mean exactly what qonnx means by them.
#ifndef FINNGL_SRC_IR_DATATYPE_H_
#define FINNGL_SRC_IR_DATATYPE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace finngl {

class DataType {
 public:
  enum class Kind { kFloat32, kFloat16, kBinary, kBipolar, kTernary, kInt, kUInt, kFixed, kScaledInt };

  DataType() : DataType(Kind::kFloat32, 32, 0) {}
  static DataType Float32() { return DataType(Kind::kFloat32, 32, 0); }
  static DataType Float16() { return DataType(Kind::kFloat16, 16, 0); }
  static DataType Binary() { return DataType(Kind::kBinary, 1, 0); }
  static DataType Bipolar() { return DataType(Kind::kBipolar, 1, 0); }
  static DataType Ternary() { return DataType(Kind::kTernary, 2, 0); }
  // INT<bits>, 1 <= bits <= 64.
  static DataType Int(int bits) { return DataType(Kind::kInt, bits, 0); }
  // UINT<bits>; UINT1 is BINARY (qonnx prints it so).
  static DataType UInt(int bits) {
    return bits == 1 ? Binary() : DataType(Kind::kUInt, bits, 0);
  }
  // FIXED<width,int_bits>, signed, int_bits < width.
  static DataType Fixed(int width, int int_bits) { return DataType(Kind::kFixed, width, int_bits); }
  static DataType ScaledInt(int bits) { return DataType(Kind::kScaledInt, bits, 0); }

  // Parses a qonnx name ("INT4", "UINT8", "BIPOLAR", "FIXED<8,3>", "SCALEDINT<8>", "FLOAT32").
  static absl::StatusOr<DataType> Parse(const std::string& name);

  Kind kind() const { return kind_; }
  int bit_width() const { return bits_; }
  int int_bits() const { return int_bits_; }  // FIXED only
  std::string Name() const;                   // canonical qonnx name

  bool IsInteger() const;     // BINARY, BIPOLAR, TERNARY, INTn, UINTn
  bool IsFixedPoint() const { return kind_ == Kind::kFixed; }
  bool IsFloat() const { return kind_ == Kind::kFloat32 || kind_ == Kind::kFloat16; }
  bool Signed() const;        // min() < 0, as in qonnx (so FLOAT*, BIPOLAR, TERNARY are signed)

  // Value range. For INT64/UINT64 the double is the nearest representable value.
  double Min() const;
  double Max() const;
  // Exact integer range for integer types (undefined for others).
  int64_t MinInt() const;
  uint64_t MaxIntMagnitude() const;  // max as unsigned, exact up to UINT64
  double NumPossibleValues() const;   // |min| + |max| + 1 for integers

  // Whether `v` is a value of this type (integers: integral and in range; BIPOLAR: +-1; FIXED:
  // on the fixed-point grid and in range; floats: always).
  bool Allowed(double v) const;

  // HLS spelling: ap_int<n>, ap_uint<n>, ap_fixed<w,i>, float, half.
  std::string HlsTypeString() const;

  // qonnx get_smallest_possible: FLOAT32 for non-integral v, else the first of BINARY,
  // UINT2..UINT64, BIPOLAR, TERNARY, INT1..INT64 whose range contains v.
  static DataType SmallestPossible(double v);
  // The smallest integer type holding every integer in [lo, hi] (unsigned preferred, BIPOLAR never
  // chosen because it has a hole at 0). FLOAT32 when lo/hi are not integral or exceed 64 bits.
  static DataType SmallestHolding(double lo, double hi);

  friend bool operator==(const DataType& a, const DataType& b) {
    return a.kind_ == b.kind_ && a.bits_ == b.bits_ && a.int_bits_ == b.int_bits_;
  }
  friend bool operator!=(const DataType& a, const DataType& b) { return !(a == b); }

 private:
  DataType(Kind kind, int bits, int int_bits) : kind_(kind), bits_(bits), int_bits_(int_bits) {}
  Kind kind_;
  int bits_;
  int int_bits_;
};

}  // namespace finngl

#endif  // FINNGL_SRC_IR_DATATYPE_H_
