// StaticAssets: serves the web UI (web/, compiled into mlsd as a GResource) on the ApiServer's
// SoupServer: GET / is index.html, GET /assets/<file> the rest. Every response carries its
// Content-Type, a strong ETag (a hash of the bytes; If-None-Match answers 304) with
// `Cache-Control: no-cache` (the browser revalidates, so a new mlsd is picked up at once), and a
// Content-Security-Policy that allows only mlsd's own scripts, styles, images and media (even an
// injected tag could neither run nor load anything), and gzip when the client accepts it
// (compressed once, kept). The files need no API token (they hold no
// data); the API they call does. Registered for the path "/", so it answers every path no more
// specific handler (/api, /metrics, /debug, …) takes: anything else is 404.
//
// Owned by the app's Server next to the ApiServer; main thread.
#pragma once

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <string>

namespace mls::api {

class StaticAssets {
 public:
  // `server` is not owned and must outlive this object; `keep_alive`: whether responses may leave
  // their connection open (ApiServer::keepsConnectionsAlive()).
  StaticAssets(SoupServer* server, bool keep_alive);
  ~StaticAssets();
  StaticAssets(const StaticAssets&) = delete;
  StaticAssets& operator=(const StaticAssets&) = delete;

  // The GResource path for a request path ("/" → "/mls/web/index.html"), or "" when the path
  // names no asset (pure).
  static std::string resourcePath(const std::string& request_path);
  // "text/html; charset=utf-8" etc. by file extension (pure).
  static const char* contentType(const std::string& path);

 private:
  static void onRequest(SoupServer* server, SoupServerMessage* msg, const char* path,
                        GHashTable* query, gpointer self) noexcept;
  const std::string& etagOf(const std::string& resource, GBytes* bytes);
  // The gzip form of a file (made once), or nullptr when it would not be smaller.
  GBytes* gzipOf(const std::string& resource, GBytes* bytes);

  struct BytesUnref {
    void operator()(GBytes* b) const noexcept {
      if (b) g_bytes_unref(b);
    }
  };
  using BytesPtr = std::unique_ptr<GBytes, BytesUnref>;

  SoupServer* server_;
  const bool keep_alive_;
  std::map<std::string, std::string> etags_;  // by resource path; the bytes never change
  std::map<std::string, BytesPtr> gzipped_;   // by resource path
};

}  // namespace mls::api
