// The one table that maps mls::ErrorCode to an HTTP status, and the two error body shapes the
// API sends: the v1 shape {"error":{"code","message","field"?}} and the Go-MLS compatibility
// shape {"error":"message"} (same status codes). Pure functions; any thread.
#pragma once

#include <string>

#include "api/http.h"
#include "core/result.h"

namespace mls::api {

// 400 BadRequest, 401 Unauthorized, 403 Forbidden, 404 NotFound, 405 MethodNotAllowed,
// 409 Conflict, 413 TooLarge, 415 UnsupportedMediaType, 422 Invalid, 503 Unavailable,
// 500 Internal.
int httpStatus(ErrorCode code);

// {"error":{"code":"not_found","message":"…","field":"url"}} with the mapped status.
// 401 responses carry `WWW-Authenticate: Bearer realm="mls"`.
Response errorResponse(const Error& error);
// {"error":"…"} with the mapped status (Go-MLS routes).
Response compatErrorResponse(const Error& error);

// 405 with an `Allow` header listing `allow` (e.g. "GET, POST").
Response methodNotAllowed(const std::string& allow, bool compat);

}  // namespace mls::api
