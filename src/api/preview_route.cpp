// GET /api/v1/preview/{input}.mp4. See preview_route.h.
#include "api/preview_route.h"

#include <cstring>

#include "api/errors.h"
#include "core/gobj.h"
#include "core/log.h"
#include "model/names.h"

namespace mls::api {
namespace {

void sendError(SoupServerMessage* msg, const Error& error) {
  Response response = errorResponse(error);
  soup_server_message_set_status(msg, response.status, nullptr);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  for (const auto& [name, value] : response.headers)
    soup_message_headers_append(headers, name.c_str(), value.c_str());
  soup_message_headers_replace(headers, "Connection", "close");
  soup_server_message_set_response(msg, response.content_type.c_str(), SOUP_MEMORY_COPY,
                                   response.body.data(), response.body.size());
}

// One HTTP client of one preview; shared by the preview's callbacks and libsoup's signals.
struct Viewer {
  GObjectPtr<SoupServerMessage> msg;
  uint64_t preview = 0;
  uint64_t backlog = 0;   // bytes appended, not yet written
  bool done = false;      // the response is complete or the client is gone
  std::weak_ptr<bool> route_alive;
};

}  // namespace

PreviewRoute::PreviewRoute(SoupServer* server, media::PreviewService& previews)
    : server_(server), previews_(previews), alive_(std::make_shared<bool>(true)) {
  soup_server_add_handler(server_, kPath, onRequest, this, nullptr);
}

PreviewRoute::~PreviewRoute() {
  *alive_ = false;
  soup_server_remove_handler(server_, kPath);
}

std::string PreviewRoute::inputOf(const std::string& path) {
  const std::string prefix = std::string(kPath) + "/";
  constexpr const char* suffix = ".mp4";
  if (path.rfind(prefix, 0) != 0 || path.size() <= prefix.size() + std::strlen(suffix)) return {};
  std::string name = path.substr(prefix.size());
  if (name.compare(name.size() - std::strlen(suffix), std::strlen(suffix), suffix) != 0) return {};
  name.resize(name.size() - std::strlen(suffix));
  return model::isValidName(name) ? name : std::string();
}

void PreviewRoute::onRequest(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                             gpointer data) noexcept {
  auto* self = static_cast<PreviewRoute*>(data);
  const std::string input = inputOf(path ? path : "");
  if (input.empty()) {
    sendError(msg, Error{ErrorCode::NotFound,
                         std::string("no such API route: ") + (path ? path : "") +
                             " (previews are at /api/v1/preview/<input>.mp4)",
                         {}});
    return;
  }
  const char* method = soup_server_message_get_method(msg);
  if (std::strcmp(method, "GET") != 0) {
    sendError(msg, Error{ErrorCode::MethodNotAllowed, "a preview is read with GET", {}});
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET");
    return;
  }
  self->serve(msg, input);
}

void PreviewRoute::serve(SoupServerMessage* msg, const std::string& input) {
  auto viewer = std::make_shared<Viewer>();
  viewer->msg = retain(msg);
  viewer->route_alive = alive_;
  media::PreviewService* previews = &previews_;

  auto finish = [viewer]() {
    if (viewer->done) return;
    viewer->done = true;
    soup_message_body_complete(soup_server_message_get_response_body(viewer->msg.get()));
    soup_server_message_unpause(viewer->msg.get());
  };
  auto on_data = [viewer, previews, finish](GBytes* bytes) {
    if (viewer->done) return;
    const gsize size = g_bytes_get_size(bytes);
    if (viewer->backlog + size > kMaxBacklogBytes) {
      MLS_WARN("preview", "preview %llu: the client is not reading; ending it",
               static_cast<unsigned long long>(viewer->preview));
      previews->close(viewer->preview);
      finish();
      return;
    }
    soup_message_body_append_bytes(soup_server_message_get_response_body(viewer->msg.get()),
                                   bytes);
    viewer->backlog += size;
    soup_server_message_unpause(viewer->msg.get());
  };
  auto on_end = [finish](const std::string&) { finish(); };

  auto opened = previews_.open(input, on_data, on_end);
  if (!opened) {
    sendError(msg, opened.error());
    MLS_INFO("api", "GET %s/%s.mp4 -> %d (%s)", kPath, input.c_str(),
             httpStatus(opened.error().code), opened.error().message.c_str());
    return;
  }
  viewer->preview = *opened;

  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type(headers, "video/mp4", nullptr);
  soup_message_headers_replace(headers, "Cache-Control", "no-store");
  soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
  // The stream lasts as long as the client watches and may be cut short (a client that does not
  // read); a <video> element asks again on a new request, so the connection ends with the stream
  // rather than waiting idle for a request that does not come.
  soup_message_headers_replace(headers, "Connection", "close");
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);

  // Signal data: a heap shared_ptr, freed with the handler.
  auto* ref = new std::shared_ptr<Viewer>(viewer);
  g_signal_connect_data(
      msg, "wrote-body-data",
      G_CALLBACK(+[](SoupServerMessage*, guint size, gpointer data) noexcept {
        auto& v = *static_cast<std::shared_ptr<Viewer>*>(data);
        v->backlog = v->backlog > size ? v->backlog - size : 0;
      }),
      ref, [](gpointer data, GClosure*) noexcept { delete static_cast<std::shared_ptr<Viewer>*>(data); },
      GConnectFlags(0));
  struct FinishedRef {
    std::shared_ptr<Viewer> viewer;
    media::PreviewService* previews;
  };
  g_signal_connect_data(
      msg, "finished",
      G_CALLBACK(+[](SoupServerMessage*, gpointer data) noexcept {
        auto* r = static_cast<FinishedRef*>(data);
        const bool route_alive = !r->viewer->route_alive.expired() && *r->viewer->route_alive.lock();
        if (!r->viewer->done && route_alive) r->previews->close(r->viewer->preview);
        r->viewer->done = true;
        r->viewer->msg.reset();  // breaks the cycle message → handler data → viewer → message
      }),
      new FinishedRef{viewer, previews},
      [](gpointer data, GClosure*) noexcept { delete static_cast<FinishedRef*>(data); },
      GConnectFlags(0));
  MLS_INFO("api", "GET %s/%s.mp4 -> 200 (preview %llu)", kPath, input.c_str(),
           static_cast<unsigned long long>(viewer->preview));
}

}  // namespace mls::api
