// Server-sent events for /api/v1/events. See sse_broker.h.
#include "api/sse_broker.h"

#include <cstdlib>

#include "api/errors.h"
#include "core/log.h"

namespace mls::api {

namespace {

// Per-signal-connection data: which broker, which client.
struct ClientRef {
  SseBroker* broker;
  uint64_t id;
};

void freeClientRef(gpointer data, GClosure*) noexcept { delete static_cast<ClientRef*>(data); }

std::optional<uint64_t> parseId(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  return std::strtoull(text.c_str(), nullptr, 10);
}

}  // namespace

SseBroker::SseBroker(Options options) : options_(options) {}

SseBroker::~SseBroker() { detachAll(); }

void SseBroker::detachAll() {
  keepalive_.reset();
  while (!clients_.empty()) drop(clients_.begin()->first);
}

// `data:` lines for one payload (a line break in it starts another `data:` line).
std::string SseBroker::formatData(const std::string& data) {
  std::string text;
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    text += "data: " + data.substr(start, end == std::string::npos ? end : end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  return text;
}

std::string SseBroker::formatEvent(uint64_t id, const std::string& type, const std::string& data) {
  return "id: " + std::to_string(id) + "\nevent: " + type + "\n" + formatData(data) + "\n";
}

std::string SseBroker::preamble(const std::optional<std::string>& last_event_id) const {
  std::string text = "retry: " + std::to_string(options_.retry_ms) + "\n\n";
  if (!last_event_id || !options_.typed) return text;
  std::optional<uint64_t> seen = parseId(*last_event_id);
  if (seen && *seen == last_id_) return text;
  const uint64_t oldest = ring_.empty() ? last_id_ + 1 : ring_.front().id;
  if (!seen || *seen > last_id_ || *seen + 1 < oldest) {
    // Too far behind (or ids from before a restart): the client must re-read the resources.
    return text +
           formatEvent(
               last_id_, "reset",
               "{\"reason\":\"history_lost\",\"last_event_id\":" + std::to_string(last_id_) + "}");
  }
  for (const Event& event : ring_)
    if (event.id > *seen) text += event.text;
  return text;
}

void SseBroker::publish(const std::string& type, const std::string& json) {
  if (publish_hook_) publish_hook_();
  const uint64_t id = ++last_id_;
  Event event{id, options_.typed ? formatEvent(id, type, json) : formatData(json) + "\n"};
  if (options_.history > 0) {
    ring_.push_back(event);
    while (ring_.size() > options_.history) ring_.pop_front();
  }
  sendToAll(event.text);
}

void SseBroker::publishTransient(const std::string& type, const std::string& json) {
  if (publish_hook_) publish_hook_();
  if (clients_.empty()) return;
  sendToAll("event: " + type + "\n" + formatData(json) + "\n");
}

EventSink SseBroker::sink() {
  return [this](const std::string& type, const std::string& json) { publish(type, json); };
}

void SseBroker::attach(SoupServerMessage* msg) {
  if (closed_) {
    Response response =
        errorResponse(Error{ErrorCode::Unavailable, "the server is shutting down", {}});
    soup_server_message_set_status(msg, response.status, nullptr);
    soup_server_message_set_response(msg, response.content_type.c_str(), SOUP_MEMORY_COPY,
                                     response.body.data(), response.body.size());
    return;
  }
  SoupMessageHeaders* request_headers = soup_server_message_get_request_headers(msg);
  const char* last_id = soup_message_headers_get_one(request_headers, "Last-Event-ID");

  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type(headers, "text/event-stream", nullptr);
  soup_message_headers_replace(headers, "Cache-Control", "no-cache");
  soup_message_headers_replace(headers, "X-Accel-Buffering", "no");
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);

  const uint64_t id = next_client_id_++;
  Client& client = clients_[id];
  client.msg = retain(msg);
  client.finished_handler =
      g_signal_connect_data(msg, "finished", G_CALLBACK(onFinished), new ClientRef{this, id},
                            freeClientRef, GConnectFlags(0));
  client.wrote_handler =
      g_signal_connect_data(msg, "wrote-body-data", G_CALLBACK(onWroteBodyData),
                            new ClientRef{this, id}, freeClientRef, GConnectFlags(0));
  // No pause here: libsoup has not written the headers yet; it pauses by itself once the body
  // runs dry, and send() unpauses.
  std::string first = preamble(last_id ? std::optional<std::string>(last_id) : std::nullopt);
  SoupMessageBody* body = soup_server_message_get_response_body(msg);
  soup_message_body_append(body, SOUP_MEMORY_COPY, first.data(), first.size());
  client.backlog += first.size();
  MLS_DEBUG("api", "event stream client %llu attached (%zu clients)",
            static_cast<unsigned long long>(id), clients_.size());
  updateKeepalive();
}

void SseBroker::closeAll(const std::string& final_event_json) {
  closed_ = true;
  keepalive_.reset();
  // No id: a client that reconnects to the next mlsd resumes from the last real event.
  const std::string text =
      options_.typed ? "event: shutdown\n" + formatData(final_event_json) + "\n" : std::string();
  for (auto& [id, client] : clients_) {
    SoupServerMessage* msg = client.msg.get();
    SoupMessageBody* body = soup_server_message_get_response_body(msg);
    if (!text.empty()) soup_message_body_append(body, SOUP_MEMORY_COPY, text.data(), text.size());
    soup_message_body_complete(body);
    soup_server_message_unpause(msg);
  }
}

void SseBroker::send(uint64_t client_id, const std::string& text) {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return;
  Client& client = it->second;
  if (client.cut_off) return;
  if (client.backlog + text.size() > kMaxBacklogBytes) {
    // The client stopped reading: cut it off instead of queueing without bound. It reconnects
    // and resumes from its Last-Event-ID.
    client.cut_off = true;
    MLS_WARN("api", "event stream client %llu is not reading; disconnecting it",
             static_cast<unsigned long long>(client_id));
    GSocket* socket = soup_server_message_get_socket(client.msg.get());
    if (socket) g_socket_shutdown(socket, TRUE, TRUE, nullptr);
    soup_server_message_unpause(client.msg.get());
    return;
  }
  SoupMessageBody* body = soup_server_message_get_response_body(client.msg.get());
  soup_message_body_append(body, SOUP_MEMORY_COPY, text.data(), text.size());
  client.backlog += text.size();
  soup_server_message_unpause(client.msg.get());
}

void SseBroker::sendToAll(const std::string& text) {
  if (closed_) return;
  // send() never removes clients synchronously (libsoup reports 'finished' later), but keep
  // the iteration safe anyway.
  std::vector<uint64_t> ids;
  for (const auto& [id, client] : clients_) ids.push_back(id);
  for (uint64_t id : ids) send(id, text);
}

void SseBroker::drop(uint64_t client_id) {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return;
  GObjectPtr<SoupServerMessage> msg = std::move(it->second.msg);
  g_signal_handler_disconnect(msg.get(), it->second.finished_handler);
  g_signal_handler_disconnect(msg.get(), it->second.wrote_handler);
  clients_.erase(it);
  MLS_DEBUG("api", "event stream client %llu gone (%zu clients)",
            static_cast<unsigned long long>(client_id), clients_.size());
  updateKeepalive();
}

void SseBroker::updateKeepalive() {
  if (clients_.empty() || closed_) {
    keepalive_.reset();
  } else if (!keepalive_) {
    keepalive_ = SourceGuard::timeout(options_.keepalive_ms, [this]() {
      sendToAll(": keepalive\n\n");
      return G_SOURCE_CONTINUE;
    });
  }
}

void SseBroker::onFinished(SoupServerMessage*, gpointer data) noexcept {
  auto* ref = static_cast<ClientRef*>(data);
  ref->broker->drop(ref->id);  // frees `ref` (the handler is disconnected): do not touch it after
}

void SseBroker::onWroteBodyData(SoupServerMessage*, guint size, gpointer data) noexcept {
  auto* ref = static_cast<ClientRef*>(data);
  auto it = ref->broker->clients_.find(ref->id);
  if (it == ref->broker->clients_.end()) return;
  it->second.backlog = it->second.backlog > size ? it->second.backlog - size : 0;
}

}  // namespace mls::api
