// Input and output resources with their observed state. See resources.h.
#include "api/resources.h"

#include "api/json_io.h"
#include "model/json_mapping.h"
#include "model/presets.h"

namespace mls::api {

void addRunStatus(JsonObject* object, const model::RunStatus& status) {
  json_object_set_string_member(object, "state", model::runStateName(status.state));
  if (status.last_error.empty())
    json_object_set_null_member(object, "last_error");
  else
    json_object_set_string_member(object, "last_error", status.last_error.c_str());
  json_object_set_int_member(object, "retries", status.retries);
  if (status.next_retry_unix_ms > 0)
    json_object_set_string_member(object, "next_retry_at",
                                  isoTimeUtc(status.next_retry_unix_ms).c_str());
  else
    json_object_set_null_member(object, "next_retry_at");
  json_object_set_double_member(object, "bitrate_bps", status.bitrate_bps);
  json_object_set_double_member(object, "fps", status.fps);
  json_object_set_int_member(object, "bytes", static_cast<gint64>(status.bytes));
  json_object_set_double_member(object, "uptime_s", status.uptime_s);
}

JsonObject* mediaJson(const model::MediaInfo& media) {
  JsonObject* object = json_object_new();
  json_object_set_boolean_member(object, "has_video", media.has_video);
  json_object_set_boolean_member(object, "has_audio", media.has_audio);
  json_object_set_string_member(object, "video_codec", media.video_codec.c_str());
  json_object_set_string_member(object, "video_profile", media.video_profile.c_str());
  json_object_set_int_member(object, "width", media.width);
  json_object_set_int_member(object, "height", media.height);
  json_object_set_double_member(object, "framerate", media.framerate);
  json_object_set_string_member(object, "audio_codec", media.audio_codec.c_str());
  json_object_set_int_member(object, "audio_rate", media.audio_rate);
  json_object_set_int_member(object, "audio_channels", media.audio_channels);
  return object;
}

JsonObject* recordingJson(const model::RecordingStatus& recording) {
  JsonObject* object = json_object_new();
  addRunStatus(object, recording.run);
  json_object_set_string_member(object, "segment", recording.segment.c_str());
  json_object_set_int_member(object, "segments", recording.segments);
  if (recording.started_unix_s > 0 && recording.run.state != model::RunState::Stopped)
    json_object_set_string_member(object, "started_at",
                                  isoTimeUtc(recording.started_unix_s * 1000).c_str());
  else
    json_object_set_null_member(object, "started_at");
  return object;
}

const char* audioModeName(model::AudioMode mode) {
  switch (mode) {
    case model::AudioMode::Auto:
      return "auto";
    case model::AudioMode::SilenceIfMissing:
      return "silence-if-missing";
    case model::AudioMode::None:
      return "none";
  }
  return "auto";
}

namespace {

// The settings the output's pipeline uses, or null for passthrough.
void addEffective(JsonObject* object, const model::OutputSpec& output) {
  std::optional<model::TranscodeSettings> settings = model::effectiveTranscode(output);
  json_object_set_string_member(object, "profile", settings ? "transcode" : "passthrough");
  if (!settings) {
    json_object_set_null_member(object, "effective");
    return;
  }
  JsonObject* effective = json_object_new();
  json_object_set_string_member(effective, "video_codec", settings->video_codec.c_str());
  if (settings->width > 0 && settings->height > 0) {
    g_autofree gchar* resolution = g_strdup_printf("%dx%d", settings->width, settings->height);
    json_object_set_string_member(effective, "resolution", resolution);
  } else {
    json_object_set_null_member(effective, "resolution");  // the input's
  }
  json_object_set_int_member(effective, "framerate", settings->framerate);
  json_object_set_int_member(effective, "bitrate", settings->bitrate_kbps);
  json_object_set_int_member(effective, "rotation", settings->rotation);
  json_object_set_int_member(effective, "keyframe_interval", settings->keyframe_interval_s);
  json_object_set_int_member(effective, "audio_bitrate", settings->audio_bitrate_kbps);
  json_object_set_string_member(effective, "audio", audioModeName(model::effectiveAudio(output)));
  json_object_set_object_member(object, "effective", effective);
}

}  // namespace

JsonNode* outputResource(const std::string& input, const model::OutputSpec& output,
                         const Backend& backend) {
  JsonNode* node = model::outputToJson(output, model::Secrets::Mask);
  JsonObject* object = json_node_get_object(node);
  addRunStatus(object, backend.outputStatus(input, output.name));
  addEffective(object, output);
  return node;
}

JsonNode* inputResource(const model::InputSpec& input, const Backend& backend,
                        const ApiOptions& options) {
  JsonNode* node = model::inputToJson(input, model::Secrets::Mask, /*with_outputs=*/false);
  JsonObject* object = json_node_get_object(node);
  const std::string rtsp_url = "rtsp://" + options.rtsp_authority + "/" + input.name;
  json_object_set_string_member(object, "rtsp_url", rtsp_url.c_str());
  model::InputStatus status = backend.inputStatus(input.name);
  addRunStatus(object, status.run);
  json_object_set_object_member(object, "media", mediaJson(status.media));
  json_object_set_int_member(object, "rtsp_clients", status.rtsp_clients);
  json_object_set_object_member(object, "recording", recordingJson(status.recording));
  JsonArray* outputs = json_array_new();
  for (const model::OutputSpec& output : input.outputs)
    json_array_add_element(outputs, outputResource(input.name, output, backend));
  json_object_set_array_member(object, "outputs", outputs);
  return node;
}

}  // namespace mls::api
