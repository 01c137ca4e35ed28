// Recording events for SSE. See recordings_events.h.
#include "api/recordings_events.h"

#include "api/json_io.h"

namespace mls::api {

std::pair<std::string, std::string> recordingEvent(const recordings::Change& change) {
  const recordings::Segment& segment = change.segment;
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "input", segment.input.c_str());
  json_object_set_string_member(object, "file", segment.file.c_str());
  std::string type = "recording.deleted";
  if (change.phase != recordings::ChangePhase::Deleted) {
    type = "recording.segment";
    json_object_set_string_member(object, "state", recordings::segmentStateName(segment.state));
    json_object_set_int_member(object, "size_bytes", static_cast<gint64>(segment.size_bytes));
    json_object_set_string_member(object, "phase", recordings::changePhaseName(change.phase));
  }
  JsonNode* node = json_node_init_object(json_node_alloc(), object);
  json_object_unref(object);
  std::string json = jsonText(node);
  json_node_unref(node);
  return {type, json};
}

void RecordingEvents::publish(const recordings::Change& change) {
  if (sink_) {
    auto [type, json] = recordingEvent(change);
    sink_(type, json);
  }
  nudge();
}

void RecordingEvents::nudge() {
  if (pending_) return;  // one is due at the end of the interval
  const int64_t now = g_get_monotonic_time();
  const int64_t wait_us = last_nudge_us_ + int64_t(nudge_ms_) * 1000 - now;
  if (last_nudge_us_ == 0 || wait_us <= 0) {
    last_nudge_us_ = now;
    nudges_.publish("update", "update");
    return;
  }
  pending_ = SourceGuard::timeout(static_cast<guint>(wait_us / 1000 + 1), [this] {
    pending_ = SourceGuard();
    last_nudge_us_ = g_get_monotonic_time();
    nudges_.publish("update", "update");
    return G_SOURCE_REMOVE;
  });
}

}  // namespace mls::api
