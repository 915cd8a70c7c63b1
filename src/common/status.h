// Status and Result<T>: the error type at every layer boundary (no exceptions across modules).
//
// Modelled on leveldb::Status: a code plus a one-line message. Messages name the thing that is
// wrong (file, column, key) and never contain secrets. The CLI maps codes to exit statuses:
// kInvalidArgument/kCorruption/kNotSupported/kIOError/kNotFound -> 1 (bad input), usage errors
// -> 2.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace pe {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad config or arguments
  kCorruption,       // input bytes violate the format (truncated, bad magic, offsets past the end)
  kNotSupported,     // valid input this build cannot handle (names the feature)
  kIOError,          // disk or network
  kNotFound,
  kConflict,        // a concurrent writer won (409, failed compare-and-set): reload and retry
  kUnknownOutcome,  // the request may or may not have taken effect (reply lost): check first
  kCancelled,       // the caller asked to stop
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status NotSupported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status UnknownOutcome(std::string m) {
    return {StatusCode::kUnknownOutcome, std::move(m)};
  }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return msg_; }
  // "<code name>: <message>", or "OK".
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(const std::string& context) const;
  bool IsCorruption() const { return code_ == StatusCode::kCorruption; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsIOError() const { return code_ == StatusCode::kIOError; }
  bool IsInvalidArgument() const { return code_ == StatusCode::kInvalidArgument; }
  bool IsNotSupported() const { return code_ == StatusCode::kNotSupported; }
  bool IsConflict() const { return code_ == StatusCode::kConflict; }
  bool IsUnknownOutcome() const { return code_ == StatusCode::kUnknownOutcome; }
  bool IsCancelled() const { return code_ == StatusCode::kCancelled; }

 private:
  Status(StatusCode c, std::string m) : code_(c), msg_(std::move(m)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string msg_;
};

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace pe

#define PE_CONCAT_INNER(a, b) a##b
#define PE_CONCAT(a, b) PE_CONCAT_INNER(a, b)

#define PE_RETURN_IF_ERROR(expr)     \
  do {                               \
    ::pe::Status _pe_st = (expr);    \
    if (!_pe_st.ok()) return _pe_st; \
  } while (0)

#define PE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

// PE_ASSIGN_OR_RETURN(auto x, MakeX()); returns the Status from the enclosing function on error.
#define PE_ASSIGN_OR_RETURN(lhs, expr) \
  PE_ASSIGN_OR_RETURN_IMPL(PE_CONCAT(_pe_res_, __LINE__), lhs, expr)
