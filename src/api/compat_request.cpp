// Go-MLS request bodies and answers. See compat_request.h.
#include "api/compat_request.h"

#include "api/errors.h"
#include "api/json_io.h"

namespace mls::api {

Response statusResponse(const char* status) {
  JsonObject* root = json_object_new();
  json_object_set_string_member(root, "status", status);
  return jsonResponse(200, root);
}

Response compatError(const Error& error) { return compatErrorResponse(error); }

Response badRequest(const std::string& message) {
  return compatError(Error{ErrorCode::BadRequest, message, {}});
}

GoBody::~GoBody() {
  if (node) json_node_unref(node);
}

Result<void> readGoBody(const Request& request, const char* const* allowed, GoBody* body) {
  auto parsed = parseJsonBody(request);
  if (!parsed) {
    Error error = parsed.error();
    if (error.code == ErrorCode::BadRequest) error.message = "Invalid request: " + error.message;
    return fail(error);
  }
  body->node = *parsed;
  if (auto ok = refuseUnknownMembers(body->object(), allowed); !ok)
    return fail(ErrorCode::BadRequest, "Invalid request: " + ok.error().message, ok.error().field);
  return {};
}

Result<std::string> goField(const GoBody& body, const char* name) {
  auto value = readString(body.object(), name);
  if (!value) return fail(ErrorCode::BadRequest, "Invalid request: " + value.error().message, name);
  return value;
}

}  // namespace mls::api
