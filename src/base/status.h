// Status helpers shared by every finngl library.
//
// finngl never throws across library boundaries: fallible functions return absl::Status or
// absl::StatusOr<T>. User errors (bad model, bad input) are InvalidArgument / NotFound /
// Unimplemented and name the file, node, op and tensor involved; compiler bugs are Internal.
#ifndef FINNGL_SRC_BASE_STATUS_H_
#define FINNGL_SRC_BASE_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define FINNGL_CONCAT_INNER_(a, b) a##b
#define FINNGL_CONCAT_(a, b) FINNGL_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status finngl_status_ = (expr);        \
    if (!finngl_status_.ok()) return finngl_status_; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                           \
  if (!tmp.ok()) return tmp.status();           \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(FINNGL_CONCAT_(finngl_statusor_, __LINE__), lhs, rexpr)

// Internal invariant check: failure is a compiler bug, reported as an Internal error.
#define RET_CHECK(cond)                                                                    \
  do {                                                                                     \
    if (!(cond))                                                                           \
      return ::absl::InternalError(                                                        \
          ::absl::StrCat("internal error (finngl bug): check failed: " #cond " at ", __FILE__, \
                         ":", __LINE__));                                                  \
  } while (0)

namespace finngl {

// Prepends context ("file.onnx: ") to an error message, keeping the status code.
absl::Status Annotate(const absl::Status& status, const std::string& prefix);

}  // namespace finngl

#endif  // FINNGL_SRC_BASE_STATUS_H_
