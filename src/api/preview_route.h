// PreviewRoute: GET /api/v1/preview/{input}.mp4 — an input live as fragmented MP4 for the web
// UI's <video> element (media/preview.h makes the stream). The response is chunked and endless:
// each fragment is appended to the body as it comes (soup_message_body_append, then
// soup_server_message_unpause, as the SseBroker does). The preview stops when the client
// disconnects (libsoup's `finished`), when its backlog passes kMaxBacklogBytes (a client that
// does not read), and the response ends when the input goes away. Errors use the API's JSON
// shape: 404 unknown input or not live, 422 nothing a browser can play, 503 too many previews.
// Reading needs no API token, like every GET.
//
// A handler of its own on the ApiServer's SoupServer (libsoup picks the longest matching path,
// so "/api/v1/preview" is ours and the rest of /api stays the router's). Owned by the app's
// Server; main thread.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <memory>
#include <string>

#include "media/preview.h"

namespace mls::api {

class PreviewRoute {
 public:
  static constexpr const char* kPath = "/api/v1/preview";
  static constexpr uint64_t kMaxBacklogBytes = 8 * 1024 * 1024;

  PreviewRoute(SoupServer* server, media::PreviewService& previews);  // neither owned
  ~PreviewRoute();
  PreviewRoute(const PreviewRoute&) = delete;
  PreviewRoute& operator=(const PreviewRoute&) = delete;

  // The input name of "/api/v1/preview/cam1.mp4", or "" when the path is not of that form (pure).
  static std::string inputOf(const std::string& path);

 private:
  static void onRequest(SoupServer* server, SoupServerMessage* msg, const char* path,
                        GHashTable* query, gpointer self) noexcept;
  void serve(SoupServerMessage* msg, const std::string& input);

  SoupServer* server_;
  media::PreviewService& previews_;
  std::shared_ptr<bool> alive_;  // false once destroyed: late libsoup signals do nothing
};

}  // namespace mls::api
