// The ErrorCode → HTTP status table and the error bodies. See errors.h.
#include "api/errors.h"

#include <json-glib/json-glib.h>

#include "api/json_io.h"

namespace mls::api {

int httpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest:
      return 400;
    case ErrorCode::Unauthorized:
      return 401;
    case ErrorCode::Forbidden:
      return 403;
    case ErrorCode::NotFound:
      return 404;
    case ErrorCode::MethodNotAllowed:
      return 405;
    case ErrorCode::Conflict:
      return 409;
    case ErrorCode::TooLarge:
      return 413;
    case ErrorCode::UnsupportedMediaType:
      return 415;
    case ErrorCode::Invalid:
      return 422;
    case ErrorCode::Unavailable:
      return 503;
    case ErrorCode::Internal:
      return 500;
  }
  return 500;
}

namespace {

void addAuthChallenge(const Error& error, Response& response) {
  if (error.code == ErrorCode::Unauthorized)
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"mls\"");
}

}  // namespace

Response errorResponse(const Error& error) {
  JsonObject* detail = json_object_new();
  json_object_set_string_member(detail, "code", errorCodeName(error.code));
  json_object_set_string_member(detail, "message", error.message.c_str());
  if (!error.field.empty()) json_object_set_string_member(detail, "field", error.field.c_str());
  JsonObject* root = json_object_new();
  json_object_set_object_member(root, "error", detail);
  Response response = jsonResponse(httpStatus(error.code), root);
  addAuthChallenge(error, response);
  return response;
}

Response compatErrorResponse(const Error& error) {
  JsonObject* root = json_object_new();
  json_object_set_string_member(root, "error", error.message.c_str());
  Response response = jsonResponse(httpStatus(error.code), root);
  addAuthChallenge(error, response);
  return response;
}

Response methodNotAllowed(const std::string& allow, bool compat) {
  Error error{ErrorCode::MethodNotAllowed, "method not allowed; allowed: " + allow, {}};
  Response response = compat ? compatErrorResponse(error) : errorResponse(error);
  response.headers.emplace_back("Allow", allow);
  return response;
}

}  // namespace mls::api
