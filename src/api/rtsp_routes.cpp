// The embedded RTSP server as the API shows it: GET /api/v1/rtsp/sessions (every session playing
// a published input or publishing to a publish input: input, session id, client address,
// transport, role "read" or "publish") and Go-MLS's
// GET /api/rtsp/status (its stream list shape, GO-MLS.md §1 row 10: name, path, client_count,
// bytes_received, start_time, and a "Stream" member that was always null). Both answer 503 when
// mlsd runs no RTSP server. Pure handlers; main thread.
#include <json-glib/json-glib.h>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"

namespace mls::api {

namespace {

// RFC 3339 in UTC, as Go's time.Time marshals it ("2026-11-30T18:00:00Z").
std::string rfc3339(int64_t unix_s) {
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(unix_s);
  if (!time) return {};
  g_autofree gchar* text = g_date_time_format(time, "%Y-%m-%dT%H:%M:%SZ");
  return text ? text : "";
}

const char* kNoRtspServer = "the RTSP server is not running";

}  // namespace

Response rtsp_sessions(const Request&, Backend& backend, const ApiOptions&) {
  auto sessions = backend.rtspSessions();
  if (!sessions) return errorResponse(Error{ErrorCode::Unavailable, kNoRtspServer, {}});
  JsonArray* list = json_array_new();
  for (const model::RtspSession& s : *sessions) {
    JsonObject* item = json_object_new();
    json_object_set_string_member(item, "input", s.input.c_str());
    json_object_set_string_member(item, "session", s.session.c_str());
    json_object_set_string_member(item, "client", s.client.c_str());
    json_object_set_string_member(item, "transport", s.transport.c_str());
    json_object_set_string_member(item, "role", s.role.c_str());
    json_array_add_object_element(list, item);
  }
  JsonObject* root = json_object_new();
  json_object_set_int_member(root, "total", static_cast<gint64>(sessions->size()));
  json_object_set_array_member(root, "sessions", list);
  return jsonResponse(200, root);
}

Response rtsp_status(const Request&, Backend& backend, const ApiOptions&) {
  auto publications = backend.rtspPublications();
  if (!publications)
    return compatErrorResponse(Error{ErrorCode::Unavailable, "RTSP server not available", {}});
  JsonArray* streams = json_array_new();
  for (const model::RtspPublication& p : *publications) {
    JsonObject* item = json_object_new();
    json_object_set_string_member(item, "name", p.input.c_str());
    json_object_set_string_member(item, "path", p.path.c_str());
    json_object_set_int_member(item, "client_count", p.clients);
    // What the input received: the bytes the published stream carried to mlsd.
    json_object_set_int_member(item, "bytes_received",
                               static_cast<gint64>(backend.inputStatus(p.input).run.bytes_total));
    json_object_set_string_member(item, "start_time", rfc3339(p.since_unix_s).c_str());
    json_object_set_null_member(item, "Stream");
    json_array_add_object_element(streams, item);
  }
  JsonObject* root = json_object_new();
  json_object_set_array_member(root, "streams", streams);
  json_object_set_int_member(root, "total", static_cast<gint64>(publications->size()));
  return jsonResponse(200, root);
}

}  // namespace mls::api
