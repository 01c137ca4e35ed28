// Result and Error: how mls reports failures that are part of normal operation (a bad request,
// a refused destination, a corrupt state file) — as values, never as exceptions. Programmer
// errors use g_return_val_if_fail / g_assert instead.
//
// ErrorCode is the one vocabulary shared by the model, the media layer and the API; the API maps
// each code to an HTTP status in one table (src/api/errors.cpp). Thread-safe: plain values.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace mls {

enum class ErrorCode {
  BadRequest,            // malformed request (bad JSON, wrong shape)
  Unauthorized,          // missing or wrong API token
  Forbidden,             // authenticated but not allowed
  NotFound,              // unknown input, output, route or file
  MethodNotAllowed,      // route exists, method does not
  Conflict,              // name already taken, file busy
  TooLarge,              // request body over the limit
  UnsupportedMediaType,  // body is not application/json (or multipart where accepted)
  Invalid,               // well-formed but a field is invalid (name, URL, value range)
  Unavailable,           // temporarily unable (shutting down, not ready)
  Internal,              // I/O failure or bug: the message says what failed
};

// The stable machine-readable name of a code, as sent in {"error":{"code":…}}.
const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;  // human-readable, safe to show (no secrets, no absolute paths)
  std::string field;    // the request field at fault, when there is one ("url", "name", …)
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}

inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

}  // namespace mls
