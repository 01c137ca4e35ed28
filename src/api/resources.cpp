// Input and output resources with their observed state. See resources.h.
#include "api/resources.h"

#include "api/json_io.h"
#include "model/json_mapping.h"

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

JsonNode* outputResource(const std::string& input, const model::OutputSpec& output,
                         const Backend& backend) {
  JsonNode* node = model::outputToJson(output, model::Secrets::Mask);
  addRunStatus(json_node_get_object(node), backend.outputStatus(input, output.name));
  return node;
}

JsonNode* inputResource(const model::InputSpec& input, const Backend& backend) {
  JsonNode* node = model::inputToJson(input, model::Secrets::Mask, /*with_outputs=*/false);
  JsonObject* object = json_node_get_object(node);
  model::InputStatus status = backend.inputStatus(input.name);
  addRunStatus(object, status.run);
  json_object_set_object_member(object, "media", mediaJson(status.media));
  JsonArray* outputs = json_array_new();
  for (const model::OutputSpec& output : input.outputs)
    json_array_add_element(outputs, outputResource(input.name, output, backend));
  json_object_set_array_member(object, "outputs", outputs);
  return node;
}

}  // namespace mls::api
