// Helpers for the API tests: building Requests, calling the router, reading JSON responses,
// and running the default main context until a predicate holds (with a deadline, never a blind
// sleep). Header-only; main thread.
#pragma once

#include <glib.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <functional>
#include <string>

#include "api/http.h"
#include "api/router.h"

namespace mls::api::test {

inline Request makeRequest(const std::string& method, const std::string& path,
                           const std::string& body = {},
                           const std::string& content_type = "application/json") {
  Request request;
  request.method = method;
  auto q = path.find('?');
  request.path = path.substr(0, q);
  if (q != std::string::npos) {
    GHashTable* query = soup_form_decode(path.substr(q + 1).c_str());
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, query);
    while (g_hash_table_iter_next(&iter, &key, &value))
      request.query[static_cast<const char*>(key)] = static_cast<const char*>(value);
    g_hash_table_unref(query);
  }
  if (!body.empty() && !content_type.empty()) request.headers["content-type"] = content_type;
  request.body = body;
  return request;
}

// A parsed JSON response body (object or array root).
class Json {
 public:
  explicit Json(const std::string& text) {
    g_autoptr(JsonParser) parser = json_parser_new();
    if (json_parser_load_from_data(parser, text.c_str(), static_cast<gssize>(text.size()),
                                   nullptr) &&
        json_parser_get_root(parser))
      root_ = json_node_copy(json_parser_get_root(parser));
  }
  ~Json() {
    if (root_) json_node_unref(root_);
  }
  Json(const Json&) = delete;
  Json& operator=(const Json&) = delete;

  bool valid() const { return root_ != nullptr; }
  JsonNode* root() const { return root_; }
  JsonObject* object() const {
    return root_ && JSON_NODE_HOLDS_OBJECT(root_) ? json_node_get_object(root_) : nullptr;
  }
  JsonArray* array() const {
    return root_ && JSON_NODE_HOLDS_ARRAY(root_) ? json_node_get_array(root_) : nullptr;
  }
  // The node at a dotted path ("error.code", "inputs.0.name"); nullptr when absent.
  JsonNode* at(const std::string& path) const {
    JsonNode* node = root_;
    size_t start = 0;
    while (node && start <= path.size()) {
      size_t end = path.find('.', start);
      std::string key = path.substr(start, end == std::string::npos ? end : end - start);
      if (JSON_NODE_HOLDS_OBJECT(node)) {
        node = json_object_get_member(json_node_get_object(node), key.c_str());
      } else if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray* array = json_node_get_array(node);
        guint index = static_cast<guint>(std::stoul(key));
        node =
            index < json_array_get_length(array) ? json_array_get_element(array, index) : nullptr;
      } else {
        return nullptr;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return node;
  }
  std::string str(const std::string& path) const {
    JsonNode* node = at(path);
    return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
               ? json_node_get_string(node)
               : "<not a string: " + path + ">";
  }
  double num(const std::string& path) const {
    JsonNode* node = at(path);
    return node && JSON_NODE_HOLDS_VALUE(node) ? json_node_get_double(node) : -12345;
  }
  bool boolean(const std::string& path) const {
    JsonNode* node = at(path);
    return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_boolean(node);
  }
  bool isNull(const std::string& path) const {
    JsonNode* node = at(path);
    return node && JSON_NODE_HOLDS_NULL(node);
  }
  bool has(const std::string& path) const { return at(path) != nullptr; }
  guint length(const std::string& path) const {
    JsonNode* node = path.empty() ? root_ : at(path);
    return node && JSON_NODE_HOLDS_ARRAY(node) ? json_array_get_length(json_node_get_array(node))
                                               : 9999;
  }

 private:
  JsonNode* root_ = nullptr;
};

// Iterates the default main context until `done()` or the deadline; false on timeout.
inline bool runUntil(const std::function<bool()>& done, int timeout_ms = 5000) {
  const gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(1000);
  }
  return true;
}

}  // namespace mls::api::test
