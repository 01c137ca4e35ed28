// JSON in and out of the API: reading a request body as a JSON object (415 when it is not
// declared as JSON, 400 when it is not JSON or not an object), building JSON responses, and
// small typed readers used by the Go-MLS routes. json-glib objects are not shared: main thread.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <optional>
#include <string>

#include "api/http.h"
#include "core/result.h"

namespace mls::api {

// True when the Content-Type's media type is `media_type` (parameters such as charset ignored;
// case-insensitive).
bool hasMediaType(const Request& request, const char* media_type);

// The body parsed as a JSON object (transfer full). UnsupportedMediaType unless the request
// says `Content-Type: application/json`; BadRequest for an empty body, malformed JSON or a
// value that is not an object.
Result<JsonNode*> parseJsonBody(const Request& request);

// Responses with Content-Type application/json. Both take ownership of `root`/`node`.
Response jsonResponse(int status, JsonObject* root);
Response jsonResponse(int status, JsonNode* node);
std::string jsonText(JsonNode* node);

// ISO 8601 UTC with milliseconds ("2026-11-25T03:15:00.123Z").
std::string isoTimeUtc(int64_t unix_ms);

// Strict readers for the Go-MLS request shapes (Go's encoding/json with DisallowUnknownFields):
// a member that is absent or null reads as "", any other non-string type is BadRequest.
Result<std::string> readString(JsonObject* object, const char* member);
// BadRequest naming the first member of `object` that is not in `allowed` (nullptr-terminated).
Result<void> refuseUnknownMembers(JsonObject* object, const char* const* allowed);

}  // namespace mls::api
