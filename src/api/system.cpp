// GET /api/v1/system: version, uptime, counts and process figures (Backend::systemInfo): threads
// by owner, open fds by kind, resident, peak resident and heap memory, live GstObjects. Pure
// handler; main
// thread.
#include <json-glib/json-glib.h>

#include "api/handlers.h"
#include "api/json_io.h"

namespace mls::api {

Response system_get(const Request&, Backend& backend, const ApiOptions&) {
  const SystemInfo info = backend.systemInfo();
  JsonObject* root = json_object_new();
  json_object_set_string_member(root, "version", info.version.c_str());
  json_object_set_string_member(root, "gstreamer_version", info.gstreamer_version.c_str());
  json_object_set_double_member(root, "uptime_s", info.uptime_s);
  json_object_set_int_member(root, "inputs", info.inputs);
  json_object_set_int_member(root, "outputs", info.outputs);
  json_object_set_int_member(root, "inputs_live", info.inputs_live);
  json_object_set_int_member(root, "outputs_live", info.outputs_live);
  json_object_set_int_member(root, "threads", info.threads);
  json_object_set_int_member(root, "rss_bytes", static_cast<gint64>(info.rss_bytes));
  json_object_set_double_member(root, "cpu_user_s", info.cpu_user_s);
  json_object_set_double_member(root, "cpu_system_s", info.cpu_system_s);
  json_object_set_int_member(root, "peak_rss_bytes", static_cast<gint64>(info.peak_rss_bytes));
  json_object_set_int_member(root, "heap_bytes", static_cast<gint64>(info.heap_bytes));
  json_object_set_int_member(root, "gst_objects_alive", static_cast<gint64>(info.gst_objects_alive));
  json_object_set_int_member(root, "gst_objects_created",
                             static_cast<gint64>(info.gst_objects_created));
  JsonObject* by_owner = json_object_new();
  for (const auto& [owner, count] : info.threads_by_owner)
    json_object_set_int_member(by_owner, owner.c_str(), count);
  json_object_set_object_member(root, "threads_by_owner", by_owner);
  JsonObject* fds = json_object_new();
  json_object_set_int_member(fds, "total", info.fds.total());
  json_object_set_int_member(fds, "sockets", info.fds.sockets);
  json_object_set_int_member(fds, "files", info.fds.files);
  json_object_set_int_member(fds, "pipes", info.fds.pipes);
  json_object_set_int_member(fds, "other", info.fds.other);
  json_object_set_object_member(root, "fds", fds);
  return jsonResponse(200, root);
}

}  // namespace mls::api
