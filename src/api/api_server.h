// ApiServer: the HTTP transport of the REST API. It owns a SoupServer listening on the address
// the app gives it, serves every path under /api and the operations paths (/metrics, /healthz,
// /readyz, /debug) through the pure router (router.h) and hands GET /api/v1/events to its
// SseBroker. Request bodies are bounded before they are read: a Content-Length over
// ApiOptions::max_body_bytes is answered 413 at once (the body is drained without being kept),
// and a chunked body is cut off as soon as it passes the limit. A deferred response
// (Response::deferred: an SVG rendered by graphviz) pauses its message until it is ready. A
// file response (Response::file: a recording download) is streamed by its FileSender, and GET
// /api/recording/sse (Go-MLS) is handed to a second, plain SseBroker (recordingNudges()).
//
// Resource reads (GET /api/v1/inputs and the like, marked `cacheable` in the route table) are
// answered from a ResponseCache while nothing has changed (response_cache.h says what
// invalidates it): a hit skips the router and the handler.
//
// A response whose body is set at once leaves in one TCP segment (write_coalescer.h).
//
// Connections stay open between requests (HTTP/1.1 keep-alive) except after a download or a
// 413; on libsoup 3.2, whose server leaks the idle connections clients close, a ConnectionReaper
// closes those (connection_reaper.h). The listening socket has a backlog of SOMAXCONN.
//
// Other parts of mlsd (the web UI) add their own handlers on soupServer() for other paths.
// Owned by the app's Server; main thread (default main context).
#pragma once

#include <libsoup/soup.h>

#include <memory>
#include <string>

#include "api/api_options.h"
#include "api/backend.h"
#include "api/connection_reaper.h"
#include "api/file_sender.h"
#include "api/response_cache.h"
#include "api/http.h"
#include "api/sse_broker.h"
#include "api/write_coalescer.h"
#include "core/gobj.h"
#include "core/result.h"

namespace mls::api {

class ApiServer {
 public:
  ApiServer(Backend& backend, ApiOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Listens on `host` (an IP address, or "localhost") and `port` (0: the kernel picks one).
  Result<void> listen(const std::string& host, int port);
  // "http://127.0.0.1:8080" — with the port actually bound; empty before listen().
  const std::string& baseUrl() const { return base_url_; }
  int port() const { return port_; }
  // Stops accepting and closes every connection (event streams included). Idempotent.
  void stop();

  SseBroker& events() { return *events_; }
  // The Go-MLS recordings stream: plain `data: update` nudges (SseBroker::Options::typed false).
  SseBroker& recordingNudges() { return *recording_nudges_; }
  size_t activeDownloads() const { return downloads_.active(); }
  // Whether connections stay open after a response (HTTP keep-alive); set by listen().
  bool keepsConnectionsAlive() const { return keep_alive_; }
  const ResponseCache& responseCache() const { return cache_; }
  // The idle-connection reaper (connection_reaper.h); null when this libsoup does not need one.
  const ConnectionReaper* reaper() const { return reaper_.get(); }
  SoupServer* soupServer() const { return server_.get(); }

 private:
  static void onEarlyRequest(SoupServer* server, SoupServerMessage* msg, const char* path,
                             GHashTable* query, gpointer self) noexcept;
  static void onRequest(SoupServer* server, SoupServerMessage* msg, const char* path,
                        GHashTable* query, gpointer self) noexcept;
  // The server's "request-finished", for the coalescer and the reaper (one handler).
  static void onRequestFinished(SoupServer* server, SoupServerMessage* msg,
                                gpointer self) noexcept;
  static void onGotChunk(SoupServerMessage* msg, GBytes* chunk, gpointer self) noexcept;
  void rejectTooLarge(SoupServerMessage* msg);
  void startDeferred(SoupServerMessage* msg, const Request& request, Response response);

  Backend& backend_;
  const ApiOptions options_;
  GObjectPtr<SoupServer> server_;
  std::unique_ptr<SseBroker> events_;  // destroyed before server_
  std::unique_ptr<SseBroker> recording_nudges_;  // destroyed before server_
  // Closes the idle connections libsoup 3.2 forgets (null when libsoup does not need it).
  std::unique_ptr<ConnectionReaper> reaper_;
  // Whether responses may leave their connection open: set by listen() (false when libsoup 3.2
  // leaks idle connections and the reaper cannot hook it; every response then closes).
  bool keep_alive_ = false;
  FileSender downloads_;
  ResponseCache cache_;
  WriteCoalescer coalescer_;
  gulong finished_handler_ = 0;  // onRequestFinished
  GObjectPtr<GCancellable> cancellable_;  // cancelled by stop(): deferred responses give up
  std::shared_ptr<bool> stopped_;         // deferred responses check it before they send
  std::string base_url_;
  int port_ = 0;
};

}  // namespace mls::api
