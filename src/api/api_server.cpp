// The libsoup transport of the REST API. See api_server.h.
#include "api/api_server.h"

#include <gio/gio.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>

#include "api/connection_reaper.h"
#include "api/errors.h"
#include "api/http.h"
#include "api/router.h"
#include "core/log.h"
#include "mls_config.h"

namespace mls::api {

namespace {

// Bytes of a chunked request body read so far (object data on the message).
constexpr const char* kBodyBytesKey = "mls-body-bytes";

Request toRequest(SoupServerMessage* msg, GHashTable* query) {
  Request request;
  request.method = soup_server_message_get_method(msg);
  const char* path = g_uri_get_path(soup_server_message_get_uri(msg));
  request.path = path && *path ? path : "/";
  if (query) {
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, query);
    while (g_hash_table_iter_next(&iter, &key, &value))
      request.query[static_cast<const char*>(key)] = value ? static_cast<const char*>(value) : "";
  }
  SoupMessageHeadersIter iter;
  const char* name;
  const char* value;
  soup_message_headers_iter_init(&iter, soup_server_message_get_request_headers(msg));
  while (soup_message_headers_iter_next(&iter, &name, &value)) {
    g_autofree gchar* lower = g_ascii_strdown(name, -1);
    auto [it, inserted] = request.headers.emplace(lower, value);
    if (!inserted) it->second += std::string(", ") + value;
  }
  g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(body, &size));
  if (data && size) request.body.assign(data, size);
  return request;
}

// `keep_alive`: whether the connection may stay open after this response (ApiServer::listen()
// says, see connection_reaper.h).
void sendResponse(SoupServerMessage* msg, const Response& response, bool keep_alive) {
  soup_server_message_set_status(msg, response.status, nullptr);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  for (const auto& [name, value] : response.headers)
    soup_message_headers_append(headers, name.c_str(), value.c_str());
  // A download is one long transfer: a new connection costs nothing next to it, and closing
  // afterwards leaves no idle connection behind (a file that shrinks while it is sent already
  // ends with FileSender shutting the socket).
  if (!keep_alive || response.file) soup_message_headers_replace(headers, "Connection", "close");
  if (response.file) {
    // The body follows from the FileSender (or not at all for HEAD): announce its length.
    soup_message_headers_set_content_type(headers, response.content_type.c_str(), nullptr);
    soup_message_headers_set_content_length(headers, static_cast<goffset>(response.file->length));
  } else if (!response.content_type.empty())
    soup_server_message_set_response(msg, response.content_type.c_str(), SOUP_MEMORY_COPY,
                                     response.body.data(), response.body.size());
}

// The paths served through the router: the REST API, and the operations routes outside it.
constexpr const char* kServedPaths[] = {"/api", "/metrics", "/healthz", "/readyz", "/debug"};

// A paused message waiting for its deferred response; `finished` once libsoup is done with it
// (the client went away, the server closed the connection): then it must not be touched.
struct DeferredReply {
  GObjectPtr<SoupServerMessage> msg;
  gulong finished_handler = 0;
  bool finished = false;
};

// A bound, listening TCP socket for `address` with a backlog of SOMAXCONN (the kernel caps it
// at net.core.somaxconn); IPv6 only for an IPv6 address, as libsoup does.
GSocket* listeningSocket(GSocketAddress* address, GError** error) {
  const GSocketFamily family = g_socket_address_get_family(address);
  g_autoptr(GSocket) socket =
      g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (!socket) return nullptr;
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return nullptr;
  g_socket_set_listen_backlog(socket, SOMAXCONN);
  if (!g_socket_bind(socket, address, TRUE, error) || !g_socket_listen(socket, error))
    return nullptr;
  return static_cast<GSocket*>(g_steal_pointer(&socket));
}

bool isCompatPath(const char* path) {
  return g_str_has_prefix(path, "/api/relay/") || g_str_has_prefix(path, "/api/input/") ||
         g_str_has_prefix(path, "/api/output/") || g_str_has_prefix(path, "/api/recording/");
}

}  // namespace

ApiServer::ApiServer(Backend& backend, ApiOptions options)
    : backend_(backend),
      options_(std::move(options)),
      server_(adopt(soup_server_new("server-header", "mls/" MLS_VERSION " ", nullptr))),
      events_(std::make_unique<SseBroker>(SseBroker::Options{
          options_.sse_keepalive_ms, options_.sse_history, options_.sse_retry_ms})),
      recording_nudges_(std::make_unique<SseBroker>(SseBroker::Options{
          options_.sse_keepalive_ms, 0, options_.sse_retry_ms, /*typed=*/false})),
      reaper_(ConnectionReaper::needed() ? std::make_unique<ConnectionReaper>(server_.get())
                                         : nullptr),
      cancellable_(adopt(g_cancellable_new())),
      stopped_(std::make_shared<bool>(false)) {
  events_->setPublishHook([this] { cache_.invalidate(); });
  finished_handler_ =
      g_signal_connect(server_.get(), "request-finished", G_CALLBACK(onRequestFinished), this);
  for (const char* path : kServedPaths) {
    soup_server_add_early_handler(server_.get(), path, onEarlyRequest, this, nullptr);
    soup_server_add_handler(server_.get(), path, onRequest, this, nullptr);
  }
}

ApiServer::~ApiServer() {
  stop();
  g_signal_handler_disconnect(server_.get(), finished_handler_);
  reaper_.reset();
  events_.reset();
  recording_nudges_.reset();
  for (const char* path : kServedPaths) soup_server_remove_handler(server_.get(), path);
}

Result<void> ApiServer::listen(const std::string& host, int port) {
  const std::string ip = host == "localhost" ? "127.0.0.1" : host;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(ip.c_str());
  if (!address)
    return fail(ErrorCode::Invalid, "the API listen address must be an IP address: " + host,
                "listen");
  if (port < 0 || port > 65535)
    return fail(ErrorCode::Invalid, "the API port must be 0-65535", "listen");
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new(address, port);
  g_autoptr(GError) error = nullptr;
  // The listening socket is made here rather than by soup_server_listen(), whose backlog is
  // GSocket's default of 10: 50 clients connecting at once overflowed it, and each dropped SYN
  // costs its client a 1 s retransmission.
  g_autoptr(GSocket) socket = listeningSocket(socket_address, &error);
  if (!socket ||
      !soup_server_listen_socket(server_.get(), socket, SoupServerListenOptions(0), &error))
    return fail(ErrorCode::Unavailable,
                "cannot listen on " + host + ":" + std::to_string(port) + ": " + error->message);
  // libsoup's connection type exists once the server listens: the reaper can hook it now.
  keep_alive_ = !ConnectionReaper::needed() || reaper_->enable();
  if (!keep_alive_)
    MLS_WARN("api", "libsoup %u.%u.%u: closing every API connection after its response",
             soup_get_major_version(), soup_get_minor_version(), soup_get_micro_version());

  // The port actually bound (port 0 lets the kernel choose).
  GSList* listeners = soup_server_get_listeners(server_.get());
  for (GSList* l = listeners; l && port_ == 0; l = l->next) {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(G_SOCKET(l->data), nullptr);
    if (local && G_IS_INET_SOCKET_ADDRESS(local))
      port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  }
  g_slist_free(listeners);
  const bool v6 = g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6;
  base_url_ = "http://" + (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port_);
  MLS_INFO("api", "REST API listening on %s", base_url_.c_str());
  return {};
}

void ApiServer::stop() {
  if (!server_) return;
  // Deferred responses give up and will not touch their messages any more.
  *stopped_ = true;
  g_cancellable_cancel(cancellable_.get());
  // Event streams first: once the connections are gone their messages must not be touched.
  if (events_) events_->detachAll();
  if (recording_nudges_) recording_nudges_->detachAll();
  downloads_.stop();
  soup_server_disconnect(server_.get());
}

void ApiServer::rejectTooLarge(SoupServerMessage* msg) {
  const char* path = g_uri_get_path(soup_server_message_get_uri(msg));
  Error error{ErrorCode::TooLarge,
              "request body is larger than " + std::to_string(options_.max_body_bytes) + " bytes",
              {}};
  Response response =
      isCompatPath(path ? path : "") ? compatErrorResponse(error) : errorResponse(error);
  // The rest of the body is read and dropped, not kept; then the connection closes, so a client
  // still sending a body of any size is not read from any longer than this exchange.
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  soup_message_body_set_accumulate(body, FALSE);
  soup_message_body_truncate(body);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                               "close");
  sendResponse(msg, response, false);
  MLS_INFO("api", "%s %s -> 413 (body over %zu bytes)", soup_server_message_get_method(msg),
           path ? path : "", options_.max_body_bytes);
}

void ApiServer::onEarlyRequest(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*,
                               gpointer self) noexcept {
  auto* api = static_cast<ApiServer*>(self);
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  const SoupEncoding encoding = soup_message_headers_get_encoding(headers);
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH) {
    if (static_cast<uint64_t>(soup_message_headers_get_content_length(headers)) >
        api->options_.max_body_bytes)
      api->rejectTooLarge(msg);
    return;
  }
  // No body (a request with neither Content-Length nor Transfer-Encoding: every GET): nothing
  // to count, and no per-message data or signal handler to set up.
  if (encoding == SOUP_ENCODING_NONE) return;
  // Chunked body: count it as it arrives.
  g_object_set_data_full(G_OBJECT(msg), kBodyBytesKey, g_new0(guint64, 1), g_free);
  g_signal_connect(msg, "got-chunk", G_CALLBACK(onGotChunk), self);
}

void ApiServer::onRequestFinished(SoupServer*, SoupServerMessage* msg, gpointer self) noexcept {
  auto* api = static_cast<ApiServer*>(self);
  api->coalescer_.requestFinished(msg);
  if (api->reaper_) api->reaper_->requestFinished(msg);
}

void ApiServer::onGotChunk(SoupServerMessage* msg, GBytes* chunk, gpointer self) noexcept {
  auto* api = static_cast<ApiServer*>(self);
  auto* total = static_cast<guint64*>(g_object_get_data(G_OBJECT(msg), kBodyBytesKey));
  if (!total || soup_server_message_get_status(msg) != 0) return;
  *total += g_bytes_get_size(chunk);
  if (*total > api->options_.max_body_bytes) api->rejectTooLarge(msg);
}

void ApiServer::startDeferred(SoupServerMessage* msg, const Request& request, Response response) {
  auto reply = std::make_shared<DeferredReply>();
  reply->msg = retain(msg);
  reply->finished_handler = g_signal_connect_data(
      msg, "finished",
      G_CALLBACK(+[](SoupServerMessage*, gpointer data) noexcept {
        if (auto r = static_cast<std::weak_ptr<DeferredReply>*>(data)->lock()) r->finished = true;
      }),
      new std::weak_ptr<DeferredReply>(reply),
      [](gpointer data, GClosure*) noexcept {
        delete static_cast<std::weak_ptr<DeferredReply>*>(data);
      },
      GConnectFlags(0));
  soup_server_message_pause(msg);
  Respond respond = [reply, stopped = stopped_, keep_alive = keep_alive_,
                     method = request.method, path = request.path](Response final_response) {
    if (!reply->msg) return;  // answered already
    GObjectPtr<SoupServerMessage> msg = std::move(reply->msg);
    g_signal_handler_disconnect(msg.get(), reply->finished_handler);
    if (reply->finished || *stopped) {
      MLS_DEBUG("api", "%s %s: the client or the server went away before the response",
                method.c_str(), path.c_str());
      return;
    }
    sendResponse(msg.get(), final_response, keep_alive);
    soup_server_message_unpause(msg.get());
    MLS_DEBUG("api", "%s %s -> %d", method.c_str(), path.c_str(), final_response.status);
  };
  response.deferred(std::move(respond), cancellable_.get());
}

void ApiServer::onRequest(SoupServer*, SoupServerMessage* msg, const char*, GHashTable* query,
                          gpointer self) noexcept {
  auto* api = static_cast<ApiServer*>(self);
  const char* method = soup_server_message_get_method(msg);
  // libsoup interns the method names it knows: a pointer comparison.
  const bool read = method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
  // Only reads without a query string are cached: their answer is the path's alone (the routes
  // marked cacheable read no header, and a read needs no token without a query).
  const bool cache_key = read && (!query || g_hash_table_size(query) == 0);
  const int64_t now_us = cache_key ? g_get_monotonic_time() : 0;
  if (cache_key) {
    const char* path = g_uri_get_path(soup_server_message_get_uri(msg));
    if (const Response* cached = api->cache_.find(path ? path : "", now_us)) {
      api->coalescer_.cork(msg);
      sendResponse(msg, *cached, api->keep_alive_);
      return;
    }
  } else if (method != SOUP_METHOD_OPTIONS) {
    api->cache_.invalidate();  // a change may follow; invalidated again once it is made
  }
  Request request = toRequest(msg, query);
  Response response = dispatch(request, api->backend_, api->options_);
  if (cache_key && response.cacheable)
    api->cache_.store(request.path, response, now_us);
  else if (!read && method != SOUP_METHOD_OPTIONS)
    api->cache_.invalidate();
  if (response.event_stream && request.method == "HEAD") {
    response.event_stream = false;
    response.status = 200;
    response.headers.emplace_back("Content-Type", "text/event-stream");
  } else if (response.event_stream) {
    api->events_->attach(msg);
    return;
  }
  if (response.recording_nudges && request.method != "HEAD") {
    api->recording_nudges_->attach(msg);
    return;
  }
  if (response.deferred) {
    api->startDeferred(msg, request, std::move(response));
    return;
  }
  if (!response.file) api->coalescer_.cork(msg);
  sendResponse(msg, response, api->keep_alive_);
  if (response.file && request.method != "HEAD" && response.file->length > 0)
    api->downloads_.start(msg, response.file);
  if (request.method == "GET" || request.method == "HEAD")
    MLS_DEBUG("api", "%s %s -> %d", request.method.c_str(), request.path.c_str(), response.status);
  else
    MLS_INFO("api", "%s %s -> %d", request.method.c_str(), request.path.c_str(), response.status);
}

}  // namespace mls::api
