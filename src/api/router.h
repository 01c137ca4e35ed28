// The router: the route table (routes.cpp, one block), path matching with {input}/{output}
// parameters (a whole segment, or one with a literal suffix: {input}.dot), and dispatch — the
// checks every route shares, in this order: unknown route (404), wrong method (405 + Allow), a
// path name that cannot exist (404), auth (401), body size (413), content type (415); then the
// route's handler. dispatch() is pure (no sockets): ApiServer
// feeds it requests, tests call it directly. Main thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/api_options.h"
#include "api/backend.h"
#include "api/http.h"

namespace mls::api {

// A route handler: a pure function of the request and the backend.
using Handler = Response (*)(const Request& request, Backend& backend, const ApiOptions& options);

enum class BodyKind {
  None,       // no body expected (any body is ignored)
  Json,       // Content-Type: application/json required (415 otherwise)
  Multipart,  // Content-Type: multipart/form-data required (415 otherwise)
};

struct Route {
  const char* method;   // "GET", "POST", "PUT", "PATCH", "DELETE"
  const char* pattern;  // "/api/v1/inputs/{input}/outputs/{output}"
  Handler handler;      // nullptr for the SSE event stream (served by ApiServer + SseBroker)
  BodyKind body;
  bool compat;  // a Go-MLS route: errors as {"error":"…"}
  // A read of resources whose 200 answer ApiServer may keep in its ResponseCache
  // (response_cache.h): the handler reads only the path and the backend, no query or header.
  bool cacheable = false;
};

// The route table, in the order it is matched.
const std::vector<Route>& routes();

// True when `request` carries `Authorization: Bearer <token>` (constant-time comparison).
bool bearerMatches(const Request& request, const std::string& token);
// Constant-time string comparison (time depends on the lengths only).
bool constantTimeEquals(const std::string& a, const std::string& b);

// Routes `request` and runs its handler (see the file comment for the order of checks).
Response dispatch(Request request, Backend& backend, const ApiOptions& options);

}  // namespace mls::api
