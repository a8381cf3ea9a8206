// Result<T>: expected failures as values (conventions §3). Mirrors std::expected so it can
// become an alias when the compiler has one. Error details never carry personal data.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace redress::core {

enum class Errc {
  kMalformed,           // 400: the request could not be parsed
  kInvalid,             // 422: parsed, but a field is wrong or missing
  kUnauthenticated,     // 401
  kForbidden,           // 403
  kNotFound,            // 404
  kConflict,            // 409: illegal transition, version clash, in-flight duplicate
  kPreconditionFailed,  // 412
  kMethodNotAllowed,    // 405 (with Allow)
  kPayloadTooLarge,     // 413
  kHeadersTooLarge,     // 431
  kUnsupportedMedia,    // 415
  kRateLimited,         // 429
  kOverloaded,          // 503 with Retry-After
  kUnavailable,         // 503: store failed and refuses writes
  kInternal,            // 500
};

// One field-level problem, located by a JSON pointer ("/complainant/email").
struct FieldError {
  std::string pointer;
  std::string message;
};

struct Error {
  Errc code = Errc::kInternal;
  std::string detail;              // free of personal data
  std::vector<FieldError> fields;  // empty unless kInvalid/kMalformed
  std::string type;                // problem type slug, e.g. "illegal-transition"; derived if empty
};

inline Error MakeError(Errc code, std::string detail, std::vector<FieldError> fields = {}) {
  return Error{code, std::move(detail), std::move(fields), {}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  // By reference, so a large value (a Complaint) is moved once, not into a parameter first.
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}    // NOLINT: implicit
  Result(const T& value) : v_(std::in_place_index<0>, value) {}          // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace redress::core
