// Synchronous HTTP requests, JSON lookups and an SSE reader for tests (see http_client.h).
#include "http_client.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "fixture.h"

namespace mls::test {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void collectHeader(const char* name, const char* value, gpointer map) noexcept {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(map);
  std::string& slot = headers[lower(name)];
  slot = slot.empty() ? std::string(value) : slot + ", " + value;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

JsonNodePtr HttpResponse::json() const { return parseJson(body); }

JsonNodePtr parseJson(const std::string& text) {
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text.data(), static_cast<gssize>(text.size()), nullptr)) {
    return nullptr;
  }
  JsonNode* root = json_parser_get_root(parser);
  return JsonNodePtr(root ? json_node_copy(root) : nullptr);
}

JsonNode* jsonAt(JsonNode* root, const std::string& path) {
  JsonNode* node = root;
  std::size_t start = 0;
  while (node && start <= path.size() && !path.empty()) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (JSON_NODE_HOLDS_OBJECT(node)) {
      JsonObject* object = json_node_get_object(node);
      node = json_object_has_member(object, key.c_str())
                 ? json_object_get_member(object, key.c_str())
                 : nullptr;
    } else if (JSON_NODE_HOLDS_ARRAY(node) && !key.empty() &&
               std::all_of(key.begin(), key.end(),
                           [](unsigned char c) { return std::isdigit(c); })) {
      JsonArray* array = json_node_get_array(node);
      const unsigned long index = std::strtoul(key.c_str(), nullptr, 10);
      node = index < json_array_get_length(array)
                 ? json_array_get_element(array, static_cast<guint>(index))
                 : nullptr;
    } else {
      node = nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node;
}

std::optional<std::string> jsonString(JsonNode* root, const std::string& path) {
  JsonNode* node = jsonAt(root, path);
  if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
    return std::nullopt;
  }
  return std::string(json_node_get_string(node));
}

std::optional<std::int64_t> jsonInt(JsonNode* root, const std::string& path) {
  JsonNode* node = jsonAt(root, path);
  if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
    return std::nullopt;
  }
  return json_node_get_int(node);
}

std::optional<double> jsonDouble(JsonNode* root, const std::string& path) {
  JsonNode* node = jsonAt(root, path);
  if (!node || !JSON_NODE_HOLDS_VALUE(node)) return std::nullopt;
  const GType type = json_node_get_value_type(node);
  if (type == G_TYPE_DOUBLE) return json_node_get_double(node);
  if (type == G_TYPE_INT64) return static_cast<double>(json_node_get_int(node));
  return std::nullopt;
}

std::optional<bool> jsonBool(JsonNode* root, const std::string& path) {
  JsonNode* node = jsonAt(root, path);
  if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
    return std::nullopt;
  }
  return json_node_get_boolean(node) != FALSE;
}

int jsonSize(JsonNode* root, const std::string& path) {
  JsonNode* node = path.empty() ? root : jsonAt(root, path);
  if (node && JSON_NODE_HOLDS_ARRAY(node)) {
    return static_cast<int>(json_array_get_length(json_node_get_array(node)));
  }
  if (node && JSON_NODE_HOLDS_OBJECT(node)) {
    return static_cast<int>(json_object_get_size(json_node_get_object(node)));
  }
  return -1;
}

HttpClient::HttpClient(std::chrono::seconds timeout) : context_(g_main_context_new()) {
  g_main_context_push_thread_default(context_);
  session_ = soup_session_new_with_options("timeout", static_cast<guint>(timeout.count()),
                                           "idle-timeout", 5u, nullptr);
  g_main_context_pop_thread_default(context_);
}

HttpClient::~HttpClient() {
  g_main_context_push_thread_default(context_);
  soup_session_abort(session_);
  g_object_unref(session_);
  g_main_context_pop_thread_default(context_);
  g_main_context_unref(context_);
}

HttpResponse HttpClient::request(const std::string& method, const std::string& url,
                                 const std::string& body, const Headers& headers) {
  HttpResponse response;
  g_autoptr(SoupMessage) message = soup_message_new(method.c_str(), url.c_str());
  if (!message) {
    response.error = "invalid URL: " + url;
    return response;
  }
  SoupMessageHeaders* request_headers = soup_message_get_request_headers(message);
  std::string content_type = "application/json";
  for (const auto& [name, value] : headers) {
    if (lower(name) == "content-type") {
      content_type = value;
    } else {
      soup_message_headers_append(request_headers, name.c_str(), value.c_str());
    }
  }
  if (!body.empty()) {
    g_autoptr(GBytes) bytes = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(message, content_type.c_str(), bytes);
  }

  g_main_context_push_thread_default(context_);
  g_autoptr(GError) error = nullptr;
  g_autoptr(GBytes) reply = soup_session_send_and_read(session_, message, nullptr, &error);
  g_main_context_pop_thread_default(context_);

  if (!reply) {
    response.error = error ? error->message : "no response";
    return response;
  }
  response.status = soup_message_get_status(message);
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(reply, &size));
  response.body.assign(data ? data : "", size);
  soup_message_headers_foreach(soup_message_get_response_headers(message), collectHeader,
                               &response.headers);
  return response;
}

HttpResponse request(const std::string& method, const std::string& url, const std::string& body,
                     const Headers& headers) {
  thread_local HttpClient client;
  return client.request(method, url, body, headers);
}

// ---- SseClient ----------------------------------------------------------------------------

SseClient::SseClient(std::string url, Headers headers)
    : url_(std::move(url)),
      headers_(std::move(headers)),
      context_(g_main_context_new()),
      cancellable_(g_cancellable_new()) {
  thread_ = std::thread([this] { run(); });
}

SseClient::~SseClient() {
  stopping_ = true;
  g_cancellable_cancel(cancellable_);
  g_main_context_wakeup(context_);
  thread_.join();
  g_object_unref(cancellable_);
  g_main_context_unref(context_);
}

void SseClient::run() noexcept {
  g_main_context_push_thread_default(context_);
  session_ = soup_session_new();
  message_ = soup_message_new("GET", url_.c_str());
  if (message_) {
    SoupMessageHeaders* request_headers = soup_message_get_request_headers(message_);
    soup_message_headers_replace(request_headers, "Accept", "text/event-stream");
    for (const auto& [name, value] : headers_) {
      soup_message_headers_replace(request_headers, name.c_str(), value.c_str());
    }
    ++pending_;
    soup_session_send_async(session_, message_, G_PRIORITY_DEFAULT, cancellable_, onSent, this);
  } else {
    finish("invalid URL: " + url_);
  }
  while (!stopping_) g_main_context_iteration(context_, TRUE);
  // Cancelled by the destructor: let the operations in flight complete before freeing.
  while (pending_ > 0) g_main_context_iteration(context_, TRUE);
  if (stream_) g_object_unref(stream_);
  if (message_) g_object_unref(message_);
  soup_session_abort(session_);
  g_object_unref(session_);
  g_main_context_pop_thread_default(context_);
}

void SseClient::onSent(GObject* source, GAsyncResult* result, gpointer data) noexcept {
  auto* self = static_cast<SseClient*>(data);
  --self->pending_;
  g_autoptr(GError) error = nullptr;
  GInputStream* body = soup_session_send_finish(SOUP_SESSION(source), result, &error);
  if (!body) {
    self->finish(error ? error->message : "request failed");
    return;
  }
  self->status_ = soup_message_get_status(self->message_);
  self->connected_ = true;
  self->stream_ = g_data_input_stream_new(body);
  g_object_unref(body);
  g_data_input_stream_set_newline_type(self->stream_, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  if (self->status_ != SOUP_STATUS_OK) {
    self->finish("HTTP status " + std::to_string(self->status_.load()));
    return;
  }
  self->readNextLine();
}

void SseClient::readNextLine() {
  if (stopping_) return;
  ++pending_;
  g_data_input_stream_read_line_async(stream_, G_PRIORITY_DEFAULT, cancellable_, onLineRead, this);
}

void SseClient::onLineRead(GObject* source, GAsyncResult* result, gpointer data) noexcept {
  auto* self = static_cast<SseClient*>(data);
  --self->pending_;
  g_autoptr(GError) error = nullptr;
  gsize length = 0;
  g_autofree char* line =
      g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source), result, &length, &error);
  if (!line) {
    self->finish(error ? error->message : "stream ended");
    return;
  }
  self->onLine(line);
  self->readNextLine();
}

// One line of the event-stream format (WHATWG HTML, "server-sent events").
void SseClient::onLine(const char* line) {
  const std::string text(line);
  if (text.empty()) {
    dispatch();
    return;
  }
  if (text[0] == ':') {
    ++comments_;
    return;
  }
  const std::size_t colon = text.find(':');
  const std::string field = text.substr(0, colon);
  std::string value = colon == std::string::npos ? std::string() : text.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.erase(0, 1);
  if (field == "event") {
    eventType_ = value;
  } else if (field == "data") {
    data_ += value;
    data_ += '\n';
    hasData_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string::npos) lastId_ = value;
  } else if (field == "retry") {
    if (!value.empty() &&
        std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
      retryMs_ = std::atoi(value.c_str());
    }
  }
}

void SseClient::dispatch() {
  if (hasData_) {
    SseEvent event;
    event.id = lastId_;
    event.event = eventType_.empty() ? "message" : eventType_;
    event.data = data_.substr(0, data_.size() - 1);  // the last '\n'
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  eventType_.clear();
  data_.clear();
  hasData_ = false;
}

void SseClient::finish(const std::string& error) {
  {
    std::lock_guard lock(mutex_);
    if (error_.empty()) error_ = error;
  }
  closed_ = true;
}

bool SseClient::waitConnected(std::chrono::milliseconds timeout) {
  runUntil([this] { return connected_.load() || closed_.load(); }, timeout);
  return connected_ && status_ == SOUP_STATUS_OK;
}

std::string SseClient::lastError() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::optional<SseEvent> SseClient::waitForEvent(
    const std::string& type, const std::function<bool(const SseEvent&)>& predicate,
    std::chrono::milliseconds timeout) {
  std::optional<SseEvent> found;
  runUntil(
      [&] {
        std::lock_guard lock(mutex_);
        while (cursor_ < events_.size()) {
          const SseEvent& event = events_[cursor_++];
          if ((type.empty() || event.event == type) && (!predicate || predicate(event))) {
            found = event;
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

std::optional<SseEvent> SseClient::waitForEvent(const std::string& type,
                                                std::chrono::milliseconds timeout) {
  return waitForEvent(type, nullptr, timeout);
}

std::vector<SseEvent> SseClient::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

}  // namespace mls::test
