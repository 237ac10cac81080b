// The generated host driver (driver/driver.py): its numpy pack/unpack must produce exactly the AXI
// word layout of docs/hw_layers.md (checked against a bit-by-bit packing written out here) and
// invert each other. Runs the project's Python venv; skipped when it is missing.
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "src/codegen/project.h"
#include "tests/cpp/codegen_test_util.h"

namespace finngl::codegen::testing {
namespace {

namespace fs = std::filesystem;

// Bytes of `values` packed `fold` elements of `bits` bits per `port_width`-bit little-endian word.
std::vector<uint8_t> PackReference(const std::vector<int64_t>& values, int bits, int fold,
                                   int port_width) {
  const size_t beats = values.size() / fold;
  std::vector<uint8_t> out(beats * port_width / 8, 0);
  for (size_t b = 0; b < beats; ++b) {
    for (int e = 0; e < fold; ++e) {
      const uint64_t u = static_cast<uint64_t>(values[b * fold + e]);
      for (int i = 0; i < bits; ++i) {
        const size_t bit = b * port_width + e * bits + i;
        if ((u >> i) & 1) out[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
      }
    }
  }
  return out;
}

std::string ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CodegenDriver, PackUnpackMatchTheWordLayout) {
  const fs::path python = fs::path(FINNGL_SOURCE_DIR) / ".venv" / "bin" / "python";
  // make test sets the venv up first; without it this test cannot check the driver.
  ASSERT_TRUE(fs::exists(python)) << "no Python venv at " << python << " (run scripts/setup.sh)";
  // MVAU with INT5 inputs, SIMD 3 (15-bit beats on a 16-bit port) and INT7 outputs, PE 3
  // (21-bit beats on a 24-bit port).
  std::mt19937_64 rng(3);
  HwGraph g;
  Value* x = g.Input("x", {4, 6}, DataType::Int(5));
  Node* n = g.Add("MVAU", "MVAU_0", {x, g.Const("W", {6, 3}, RandomValues(rng, 18, DataType::Int(2)), DataType::Int(2))});
  SetMvau(n, 6, 3, 3, 3, "INT5", "INT2", "INT7", "INT7",
          /*no_activation=*/1);
  g.Output(n->output(0));
  const fs::path dir = TestDir("driver");
  ASSERT_TRUE(GenerateProject(*g.Take(), CodegenOptions{}, dir.string()).ok());

  const std::vector<int64_t> xs = RandomValues(rng, 24, DataType::Int(5));
  const std::vector<int64_t> ys = RandomValues(rng, 12, DataType::Int(7));
  std::ofstream(dir / "x.i64", std::ios::binary)
      .write(reinterpret_cast<const char*>(xs.data()), xs.size() * 8);
  const std::vector<uint8_t> y_words = PackReference(ys, 7, 3, 24);
  std::ofstream(dir / "y.words", std::ios::binary)
      .write(reinterpret_cast<const char*>(y_words.data()), y_words.size());
  std::ofstream(dir / "check.py") << R"PY(
import sys
import numpy as np
sys.path.insert(0, "driver")
import driver

x = np.fromfile("x.i64", dtype=np.int64).reshape(4, 6)
driver.pack_input(0, x).tofile("x.words")
y = driver.unpack_output(0, np.fromfile("y.words", dtype=np.uint8))
y.astype(np.int64).tofile("y.i64")
assert y.shape == (4, 3), y.shape
rng = np.random.default_rng(0)
for bits, fold, port, signed in [(1, 8, 8, False), (4, 3, 16, True), (13, 5, 72, True),
                                 (64, 2, 128, True), (33, 1, 40, False), (2, 1, 8, True)]:
    lo = -(1 << (bits - 1)) if signed else 0
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    v = rng.integers(lo, hi, size=(7, fold * 2), endpoint=True, dtype=np.int64) if bits < 64 else \
        rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(7, fold * 2), dtype=np.int64)
    words = driver.pack(v, bits, fold, port)
    assert words.size == 7 * 2 * port // 8
    back = driver.unpack(words, bits, fold, port, signed, (fold * 2,))
    assert np.array_equal(back, v), (bits, fold, port, signed)
print("ROUNDTRIP OK")
)PY";
  const std::string cmd = "cd '" + dir.string() + "' && '" + python.string() +
                          "' check.py > check.log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadBytes(dir / "check.log");
  EXPECT_NE(ReadBytes(dir / "check.log").find("ROUNDTRIP OK"), std::string::npos);

  const std::vector<uint8_t> want = PackReference(xs, 5, 3, 16);
  const std::string got = ReadBytes(dir / "x.words");
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), want);
  const std::string y_back = ReadBytes(dir / "y.i64");
  ASSERT_EQ(y_back.size(), ys.size() * 8);
  std::vector<int64_t> y_vals(ys.size());
  std::memcpy(y_vals.data(), y_back.data(), y_back.size());
  EXPECT_EQ(y_vals, ys);
}

}  // namespace
}  // namespace finngl::codegen::testing
