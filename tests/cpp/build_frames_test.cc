// How `finngl build` executes models on its verification frames (flow::RunInChunks): a model
// that takes a whole batch runs a bounded chunk of frames at a time. Regression guard for the
// build's memory: one run over every frame kept every node output of every frame in the
// executor (about 11 MB a frame on the case study, 2.6 GB for 240 frames), so the executor's
// kept state after a run must be one chunk's, never all frames'.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/exec/executor.h"
#include "src/flow/build.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using testing::ParseModel;

constexpr char kHeader[] = R"(<ir_version: 8, opset_import: ["" : 17]>)";

// `frames` frames of 4 distinct values each.
Tensor Frames(int64_t frames) {
  std::vector<float> v(frames * 4);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f - 7;
  return Tensor::FromVector<float>({frames, 4}, v);
}

// y = -x + x * x through the node output `mid`, for a batch `batch` ("N" or "1").
std::unique_ptr<Executor> Elementwise(const std::string& batch) {
  std::unique_ptr<Model> model = ParseModel(std::string(kHeader) + R"(
  g (float[)" + batch + R"(, 4] x) => (float[)" + batch + R"(, 4] y) {
    mid = Neg(x)
    sq = Mul(x, x)
    y = Add(mid, sq)
  })");
  EXPECT_NE(model, nullptr);
  if (model == nullptr) return nullptr;
  absl::StatusOr<std::unique_ptr<Executor>> exe = Executor::Create(*model);
  EXPECT_TRUE(exe.ok()) << exe.status();
  return exe.ok() ? *std::move(exe) : nullptr;
}

// What one run of the model over all frames computes.
Tensor WholeRun(const std::string& batch, const Tensor& x) {
  std::unique_ptr<Executor> exe = Elementwise(batch);
  absl::StatusOr<std::vector<Tensor>> out = exe->Run(std::vector<Tensor>{x});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? (*out)[0] : Tensor();
}

TEST(RunInChunksTest, ABatchRunsInChunksAndTheExecutorKeepsOneChunk) {
  std::unique_ptr<Executor> exe = Elementwise("N");
  ASSERT_NE(exe, nullptr);
  const Tensor x = Frames(20);
  absl::StatusOr<std::vector<Tensor>> got = flow::RunInChunks(*exe, {x}, 8);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_TRUE((*got)[0].SameContents(WholeRun("N", x)));
  // Chunks of 8, 8 and 4 frames: what the executor holds is the last chunk's.
  const Tensor* mid = exe->Intermediate("mid");
  ASSERT_NE(mid, nullptr);
  EXPECT_EQ(mid->dims(), Dims({4, 4}));
}

TEST(RunInChunksTest, ALastSingleFrameJoinsThePreviousChunk) {
  // Float products round a one-row batch differently from the same row in a larger batch.
  std::unique_ptr<Executor> exe = Elementwise("N");
  ASSERT_NE(exe, nullptr);
  const Tensor x = Frames(17);
  absl::StatusOr<std::vector<Tensor>> got = flow::RunInChunks(*exe, {x}, 8);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE((*got)[0].SameContents(WholeRun("N", x)));
  EXPECT_EQ(exe->Intermediate("mid")->dims(), Dims({9, 4}));
}

TEST(RunInChunksTest, ABatchOneModelRunsFrameByFrame) {
  std::unique_ptr<Executor> exe = Elementwise("1");
  ASSERT_NE(exe, nullptr);
  const Tensor x = Frames(20);
  absl::StatusOr<std::vector<Tensor>> got = flow::RunInChunks(*exe, {x}, 8);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE((*got)[0].SameContents(WholeRun("N", x)));
  EXPECT_EQ(exe->Intermediate("mid")->dims(), Dims({1, 4}));
}

TEST(RunInChunksTest, OutputsWithoutTheFramesAlongAxis0RunOnAllFramesAtOnce) {
  // The frames end up along axis 1: chunks could not be stacked along axis 0.
  std::unique_ptr<Model> model = ParseModel(std::string(kHeader) + R"(
  g (float[N, 4] x) => (float[4, N] t) {
    mid = Neg(x)
    t = Transpose <perm = [1, 0]> (mid)
  })");
  ASSERT_NE(model, nullptr);
  absl::StatusOr<std::unique_ptr<Executor>> exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  const Tensor x = Frames(20);
  absl::StatusOr<std::vector<Tensor>> got = flow::RunInChunks(**exe, {x}, 8);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ((*got)[0].dims(), Dims({4, 20}));
  for (int64_t f = 0; f < 20; ++f) {
    for (int64_t c = 0; c < 4; ++c) {
      EXPECT_EQ((*got)[0].GetDouble(c * 20 + f), -x.GetDouble(f * 4 + c));
    }
  }
  EXPECT_EQ((*exe)->Intermediate("mid")->dims(), Dims({20, 4}));
}

}  // namespace
}  // namespace finngl
