// GET /api/v1/presets: the transcode presets (model/presets.h) with their settings, so clients
// can show what "youtube" means before they pick it. Pure handler; main thread.
#include <json-glib/json-glib.h>

#include "api/handlers.h"
#include "api/json_io.h"
#include "api/resources.h"
#include "model/presets.h"

namespace mls::api {

namespace {

JsonNode* presetJson(const model::Preset& preset) {
  const model::TranscodeSettings& s = preset.settings;
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "name", preset.name.c_str());
  json_object_set_string_member(object, "title", preset.title.c_str());
  json_object_set_string_member(object, "description", preset.description.c_str());
  json_object_set_string_member(object, "video_codec", s.video_codec.c_str());
  if (s.width > 0 && s.height > 0) {
    g_autofree gchar* resolution = g_strdup_printf("%dx%d", s.width, s.height);
    json_object_set_string_member(object, "resolution", resolution);
  } else {
    json_object_set_null_member(object, "resolution");
  }
  json_object_set_int_member(object, "framerate", s.framerate);
  json_object_set_int_member(object, "bitrate", s.bitrate_kbps);
  json_object_set_int_member(object, "rotation", s.rotation);
  json_object_set_int_member(object, "keyframe_interval", s.keyframe_interval_s);
  json_object_set_int_member(object, "audio_bitrate", s.audio_bitrate_kbps);
  json_object_set_string_member(object, "audio", audioModeName(preset.audio));
  JsonNode* node = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(node, object);
  return node;
}

}  // namespace

Response presets_list(const Request&, Backend&, const ApiOptions&) {
  JsonArray* list = json_array_new();
  for (const model::Preset& preset : model::presets())
    json_array_add_element(list, presetJson(preset));
  JsonObject* root = json_object_new();
  json_object_set_array_member(root, "presets", list);
  return jsonResponse(200, root);
}

}  // namespace mls::api
