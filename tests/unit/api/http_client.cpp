// Loopback HTTP and SSE client for the API tests. See http_client.h.
#include "http_client.h"

#include "api_test_util.h"

namespace mls::api::test {

namespace {

struct Pending {
  bool done = false;
  GBytes* bytes = nullptr;
  GError* error = nullptr;
};

void onSendAndRead(GObject* source, GAsyncResult* result, gpointer data) noexcept {
  auto* pending = static_cast<Pending*>(data);
  pending->bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &pending->error);
  pending->done = true;
}

}  // namespace

HttpClient::HttpClient()
    : session_(adopt(soup_session_new_with_options("proxy-resolver", nullptr, "timeout", 10u,
                                                   "max-conns-per-host", 16, nullptr))) {}

HttpReply HttpClient::send(const std::string& method, const std::string& url,
                           const std::string& body, const std::string& content_type,
                           const std::map<std::string, std::string>& headers, bool chunked) {
  HttpReply reply;
  g_autoptr(SoupMessage) msg = soup_message_new(method.c_str(), url.c_str());
  if (!msg) {
    reply.error = "bad URL " + url;
    return reply;
  }
  SoupMessageHeaders* request_headers = soup_message_get_request_headers(msg);
  for (const auto& [name, value] : headers)
    soup_message_headers_replace(request_headers, name.c_str(), value.c_str());
  if (!body.empty() || !content_type.empty()) {
    const char* type = content_type.empty() ? nullptr : content_type.c_str();
    if (chunked) {
      g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data(
          g_memdup2(body.data(), body.size()), static_cast<gssize>(body.size()), g_free);
      soup_message_set_request_body(msg, type, stream, -1);
    } else if (!body.empty()) {
      g_autoptr(GBytes) bytes = g_bytes_new(body.data(), body.size());
      soup_message_set_request_body_from_bytes(msg, type, bytes);
    }
  }
  Pending pending;
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  soup_session_send_and_read_async(session_.get(), msg, G_PRIORITY_DEFAULT, cancellable,
                                   onSendAndRead, &pending);
  if (!runUntil([&] { return pending.done; }, 8000)) {
    // Cancel and wait for the callback, which points at `pending`.
    g_cancellable_cancel(cancellable);
    runUntil([&] { return pending.done; }, 5000);
    reply.error = "timed out";
  }
  if (pending.error) {
    reply.error = pending.error->message;
    g_error_free(pending.error);
  }
  reply.status = static_cast<int>(soup_message_get_status(msg));
  if (pending.bytes) {
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(pending.bytes, &size));
    if (data) reply.body.assign(data, size);
    g_bytes_unref(pending.bytes);
  }
  SoupMessageHeadersIter iter;
  const char* name;
  const char* value;
  soup_message_headers_iter_init(&iter, soup_message_get_response_headers(msg));
  while (soup_message_headers_iter_next(&iter, &name, &value)) {
    g_autofree gchar* lower = g_ascii_strdown(name, -1);
    reply.headers[lower] = value;
  }
  return reply;
}

SseStream::SseStream(SoupSession* session, const std::string& url,
                     const std::optional<std::string>& last_event_id)
    : msg_(adopt(soup_message_new("GET", url.c_str()))), cancellable_(adopt(g_cancellable_new())) {
  SoupMessageHeaders* headers = soup_message_get_request_headers(msg_.get());
  soup_message_headers_replace(headers, "Accept", "text/event-stream");
  if (last_event_id) soup_message_headers_replace(headers, "Last-Event-ID", last_event_id->c_str());
  pending_ = true;
  soup_session_send_async(session, msg_.get(), G_PRIORITY_DEFAULT, cancellable_.get(), onSent,
                          this);
}

SseStream::~SseStream() {
  close();
  runUntil([this] { return !pending_; }, 5000);
  close();
}

void SseStream::close() {
  g_cancellable_cancel(cancellable_.get());
  if (stream_ && !pending_) {
    g_input_stream_close(stream_.get(), nullptr, nullptr);
    stream_.reset();
  }
}

void SseStream::onSent(GObject* source, GAsyncResult* result, gpointer self) noexcept {
  auto* s = static_cast<SseStream*>(self);
  s->pending_ = false;
  GInputStream* stream = soup_session_send_finish(SOUP_SESSION(source), result, nullptr);
  s->status_ = static_cast<int>(soup_message_get_status(s->msg_.get()));
  if (!stream) {
    s->ended_ = true;
    return;
  }
  s->stream_ = adopt(stream);
  s->readMore();
}

void SseStream::readMore() {
  if (g_cancellable_is_cancelled(cancellable_.get())) {
    ended_ = true;
    return;
  }
  pending_ = true;
  g_input_stream_read_bytes_async(stream_.get(), 4096, G_PRIORITY_DEFAULT, cancellable_.get(),
                                  onRead, this);
}

void SseStream::onRead(GObject* source, GAsyncResult* result, gpointer self) noexcept {
  auto* s = static_cast<SseStream*>(self);
  s->pending_ = false;
  g_autoptr(GBytes) bytes =
      g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, nullptr);
  gsize size = 0;
  const char* data = bytes ? static_cast<const char*>(g_bytes_get_data(bytes, &size)) : nullptr;
  if (!data || size == 0) {
    s->ended_ = true;
    // Give the connection back to the session.
    g_input_stream_close(s->stream_.get(), nullptr, nullptr);
    s->stream_.reset();
    return;
  }
  s->received_.append(data, size);
  s->readMore();
}

bool SseStream::waitFor(const std::string& text, int timeout_ms) {
  return runUntil([&] { return received_.find(text) != std::string::npos; }, timeout_ms);
}

bool SseStream::waitForEnd(int timeout_ms) {
  return runUntil([&] { return ended_; }, timeout_ms);
}

std::string SseStream::header(const char* name) const {
  const char* value =
      soup_message_headers_get_one(soup_message_get_response_headers(msg_.get()), name);
  return value ? value : "";
}

}  // namespace mls::api::test
