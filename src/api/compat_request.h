// Go-MLS compatibility requests and answers, shared by the compat route files: a request body
// that must be one JSON object with exactly the allowed string members (unknown fields are 400
// "Invalid request", as Go-MLS's DisallowUnknownFields did), {"status":"…"} answers and
// {"error":"…"} errors. Pure; main thread.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "api/http.h"
#include "core/result.h"

namespace mls::api {

Response statusResponse(const char* status);
Response compatError(const Error& error);
Response badRequest(const std::string& message);

// The body of a Go-MLS request, once read.
struct GoBody {
  GoBody() = default;
  GoBody(const GoBody&) = delete;
  GoBody& operator=(const GoBody&) = delete;
  ~GoBody();
  JsonObject* object() const { return json_node_get_object(node); }
  JsonNode* node = nullptr;  // owned
};

// Reads the body as a Go-MLS request object with only the `allowed` members (nullptr-ended).
Result<void> readGoBody(const Request& request, const char* const* allowed, GoBody* body);
// A string member ("" when absent); ErrorCode::BadRequest when it is not a string.
Result<std::string> goField(const GoBody& body, const char* name);

}  // namespace mls::api
