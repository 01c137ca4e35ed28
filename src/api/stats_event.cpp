// The SSE `stats` event. See stats_event.h.
#include "api/stats_event.h"

#include <json-glib/json-glib.h>

#include "api/json_io.h"

namespace mls::api {
namespace {

void addRates(JsonObject* object, const model::RunStatus& status) {
  json_object_set_double_member(object, "bitrate_bps", status.bitrate_bps);
  json_object_set_double_member(object, "fps", status.fps);
  json_object_set_int_member(object, "bytes", static_cast<gint64>(status.bytes));
  json_object_set_double_member(object, "uptime_s", status.uptime_s);
}

}  // namespace

std::string statsEventJson(const Backend& backend, const diag::ProcessFigures& process,
                           double uptime_s) {
  JsonObject* root = json_object_new();
  json_object_set_double_member(root, "uptime_s", uptime_s);
  json_object_set_double_member(root, "cpu_s", process.cpu_user_s + process.cpu_system_s);
  json_object_set_int_member(root, "rss_bytes", static_cast<gint64>(process.resident_bytes));
  json_object_set_int_member(root, "threads", process.threads);
  JsonArray* inputs = json_array_new();
  for (const model::InputSpec& input : backend.config().inputs) {
    JsonObject* in = json_object_new();
    json_object_set_string_member(in, "input", input.name.c_str());
    const model::InputStatus status = backend.inputStatus(input.name);
    addRates(in, status.run);
    if (status.recording.run.state != model::RunState::Stopped) {
      JsonObject* rec = json_object_new();
      addRates(rec, status.recording.run);
      json_object_set_string_member(rec, "segment", status.recording.segment.c_str());
      json_object_set_object_member(in, "recording", rec);
    }
    JsonArray* outputs = json_array_new();
    for (const model::OutputSpec& output : input.outputs) {
      JsonObject* out = json_object_new();
      json_object_set_string_member(out, "output", output.name.c_str());
      addRates(out, backend.outputStatus(input.name, output.name));
      json_array_add_object_element(outputs, out);
    }
    json_object_set_array_member(in, "outputs", outputs);
    json_array_add_object_element(inputs, in);
  }
  json_object_set_array_member(root, "inputs", inputs);
  JsonNode* node = json_node_init_object(json_node_alloc(), root);
  json_object_unref(root);
  std::string text = jsonText(node);
  json_node_unref(node);
  return text;
}

}  // namespace mls::api
