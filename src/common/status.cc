#include "common/status.h"

namespace pe {

namespace {
const char* CodeName(StatusCode c) {
  switch (c) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kCorruption:
      return "corrupt input";
    case StatusCode::kNotSupported:
      return "not supported";
    case StatusCode::kIOError:
      return "I/O error";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kConflict:
      return "conflict";
    case StatusCode::kUnknownOutcome:
      return "unknown outcome";
    case StatusCode::kCancelled:
      return "cancelled";
  }
  return "unknown";
}
}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + msg_;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + msg_);
}

}  // namespace pe
