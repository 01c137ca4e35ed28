// JSON request/response helpers. See json_io.h.
#include "api/json_io.h"

#include <glib.h>

#include <cstring>

#include "model/json_mapping.h"

namespace mls::api {

const std::string* Response::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (g_ascii_strcasecmp(key.c_str(), name.c_str()) == 0) return &value;
  return nullptr;
}

bool hasMediaType(const Request& request, const char* media_type) {
  const std::string* value = request.header("content-type");
  if (!value) return false;
  std::string type = value->substr(0, value->find(';'));
  g_autofree gchar* stripped = g_strstrip(g_strdup(type.c_str()));
  return g_ascii_strcasecmp(stripped, media_type) == 0;
}

Result<JsonNode*> parseJsonBody(const Request& request) {
  if (!hasMediaType(request, "application/json"))
    return fail(ErrorCode::UnsupportedMediaType, "the request body must be application/json");
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return fail(ErrorCode::BadRequest, "the request body is empty");
  auto node = model::parseJson(request.body);
  if (!node) return fail(ErrorCode::BadRequest, node.error().message);
  if (!*node || !JSON_NODE_HOLDS_OBJECT(*node)) {
    if (*node) json_node_unref(*node);
    return fail(ErrorCode::BadRequest, "the request body must be a JSON object");
  }
  return *node;
}

Response jsonResponse(int status, JsonObject* root) {
  JsonNode* node = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(node, root);
  return jsonResponse(status, node);
}

Response jsonResponse(int status, JsonNode* node) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = jsonText(node);
  json_node_unref(node);
  return response;
}

std::string jsonText(JsonNode* node) { return model::toJsonText(node, false); }

std::string isoTimeUtc(int64_t unix_ms) {
  int64_t seconds = unix_ms / 1000;
  int millis = static_cast<int>(unix_ms % 1000);
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(seconds);
  if (!time) return {};
  g_autofree gchar* base = g_date_time_format(time, "%Y-%m-%dT%H:%M:%S");
  g_autofree gchar* text = g_strdup_printf("%s.%03dZ", base, millis);
  return text;
}

Result<std::string> readString(JsonObject* object, const char* member) {
  JsonNode* node = json_object_get_member(object, member);
  if (!node || JSON_NODE_HOLDS_NULL(node)) return std::string();
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
    return fail(ErrorCode::BadRequest, std::string("\"") + member + "\" must be a string", member);
  return std::string(json_node_get_string(node));
}

Result<void> refuseUnknownMembers(JsonObject* object, const char* const* allowed) {
  g_autoptr(GList) members = json_object_get_members(object);
  for (GList* l = members; l; l = l->next) {
    const char* name = static_cast<const char*>(l->data);
    bool known = false;
    for (const char* const* a = allowed; *a && !known; ++a) known = std::strcmp(*a, name) == 0;
    if (!known)
      return fail(ErrorCode::BadRequest, std::string("unknown field \"") + name + "\"", name);
  }
  return {};
}

}  // namespace mls::api
