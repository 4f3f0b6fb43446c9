// Errors as values. Every fallible function in pullkeeper returns a Status or a StatusOr<T>;
// exceptions thrown by third-party libraries are caught in the adapter that calls them and
// never cross a component boundary. Codes follow abseil's canonical set, reduced to the ones
// pullkeeper has a use for; src/cli/exit_codes.h maps them to process exit codes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace pullkeeper {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong: flags, files, documents
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // create of something that exists
  kPermissionDenied,    // authenticated, but not allowed (AccessDenied, 403)
  kUnauthenticated,     // credentials missing, wrong or expired (SignatureDoesNotMatch, 401)
  kFailedPrecondition,  // the system is not in a state where this can work
  kAborted,             // optimistic-concurrency conflict; retrying may succeed
  kUnavailable,         // transport failure, 5xx, throttling: transient
  kDeadlineExceeded,    // timed out
  kResourceExhausted,   // rate-limited past our retry budget
  kUnimplemented,       // a documented gap in pullkeeper
  kInternal,            // a broken invariant or an unexpected answer from a peer
};

std::string_view StatusCodeName(StatusCode code);

// A code and a human message. Messages start lowercase, end without a period, and name the
// operation, the object, the cause and, where there is one, the next step for the operator.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message", so each layer adds what it was doing
  // without losing the cause underneath.
  Status WithContext(std::string_view context) const;

  // "CODE_NAME: message", for logs and test failure output.
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) {
  return {StatusCode::kAlreadyExists, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status UnauthenticatedError(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status AbortedError(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status UnimplementedError(std::string m) {
  return {StatusCode::kUnimplemented, std::move(m)};
}
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a value or a non-OK Status. Accessing value() of an error is a programming error and
// aborts (an invariant, not an input problem).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(state_).ok()) {
      state_ = Status(StatusCode::kInternal, "StatusOr constructed from an OK status");
    }
  }
  StatusOr(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(state_);
  }

  T& value() & { return CheckedValue(); }
  const T& value() const& { return const_cast<StatusOr*>(this)->CheckedValue(); }
  T&& value() && { return std::move(CheckedValue()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  T& CheckedValue() {
    if (!ok()) AbortOnBadAccess(std::get<Status>(state_));
    return std::get<T>(state_);
  }
  [[noreturn]] static void AbortOnBadAccess(const Status& status);

  std::variant<Status, T> state_;
};

[[noreturn]] void AbortOnStatusOrBadAccess(const Status& status);

template <typename T>
void StatusOr<T>::AbortOnBadAccess(const Status& status) {
  AbortOnStatusOrBadAccess(status);
}

}  // namespace pullkeeper

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define PK_RETURN_IF_ERROR(expr)                      \
  do {                                                \
    ::pullkeeper::Status pk_status_ = (expr);         \
    if (!pk_status_.ok()) return pk_status_;          \
  } while (false)

#define PK_CONCAT_INNER(a, b) a##b
#define PK_CONCAT(a, b) PK_CONCAT_INNER(a, b)
// Declares `lhs` from a StatusOr, or returns its Status from the enclosing function.
#define PK_ASSIGN_OR_RETURN(lhs, expr) \
  PK_ASSIGN_OR_RETURN_IMPL(PK_CONCAT(pk_statusor_, __LINE__), lhs, expr)
#define PK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
