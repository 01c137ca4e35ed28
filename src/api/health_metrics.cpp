// GET /metrics (Prometheus text format 0.0.4), GET /healthz and GET /readyz. Thin handlers: the
// metrics text is diag::renderMetrics() over a snapshot of the Backend's observed state and
// process figures; docs/metrics.md lists the metrics. None of them needs the API token (they
// are read-only and show no secrets), as scrapers and probes expect. Pure handlers; main thread.
#include <json-glib/json-glib.h>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "diag/metrics.h"

namespace mls::api {
namespace {

// "1.22.0" from gst_version_string()'s "GStreamer 1.22.0".
std::string versionNumber(const std::string& text) {
  size_t space = text.rfind(' ');
  return space == std::string::npos ? text : text.substr(space + 1);
}

}  // namespace

Response metrics_get(const Request&, Backend& backend, const ApiOptions&) {
  const SystemInfo info = backend.systemInfo();
  diag::MetricsSnapshot snapshot;
  snapshot.version = info.version;
  snapshot.gstreamer_version = versionNumber(info.gstreamer_version);
  snapshot.process.threads = info.threads;
  snapshot.process.open_fds = info.open_fds;
  snapshot.process.resident_bytes = static_cast<double>(info.rss_bytes);
  snapshot.process.cpu_user_s = info.cpu_user_s;
  snapshot.process.cpu_system_s = info.cpu_system_s;
  snapshot.process.start_time_unix_s = info.start_time_unix_s;
  snapshot.threads_by_owner = info.threads_by_owner;
  for (const model::InputSpec& input : backend.config().inputs) {
    const model::InputStatus status = backend.inputStatus(input.name);
    diag::InputMetrics in{input.name, diag::schemeOf(input.url), status.run, {}};
    in.rtsp_clients = status.rtsp_clients;
    in.recording = status.recording;
    for (const model::OutputSpec& output : input.outputs)
      in.outputs.push_back(
          {output.name, diag::schemeOf(output.url), backend.outputStatus(input.name, output.name)});
    snapshot.inputs.push_back(std::move(in));
  }
  Response response;
  response.content_type = diag::kMetricsContentType;
  response.body = diag::renderMetrics(snapshot);
  return response;
}

// This handler runs on the main loop, so answering at all proves the loop is turning.
Response healthz_get(const Request&, Backend&, const ApiOptions&) {
  Response response;
  response.content_type = "text/plain; charset=utf-8";
  response.body = "ok\n";
  return response;
}

Response readyz_get(const Request&, Backend& backend, const ApiOptions&) {
  // The API is up (it is answering); the rest is the backend's checks.
  const std::vector<ReadinessCheck> checks = backend.readiness();
  std::string reasons;
  JsonArray* list = json_array_new();
  for (const ReadinessCheck& check : checks) {
    JsonObject* item = json_object_new();
    json_object_set_string_member(item, "name", check.name.c_str());
    json_object_set_boolean_member(item, "ready", check.ready);
    json_array_add_object_element(list, item);
    if (!check.ready)
      reasons += (reasons.empty() ? "" : "; ") + check.name + ": " +
                 (check.reason.empty() ? "not ready" : check.reason);
  }
  if (!reasons.empty()) {
    json_array_unref(list);
    return errorResponse(Error{ErrorCode::Unavailable, "not ready: " + reasons, {}});
  }
  JsonObject* root = json_object_new();
  json_object_set_string_member(root, "status", "ready");
  json_object_set_array_member(root, "checks", list);
  return jsonResponse(200, root);
}

}  // namespace mls::api
