// JSON mapping of the desired state. See json_mapping.h for the shapes.
//
// Reading is strict: a member that is neither a field of the object nor one of the observed
// fields in kObservedFields is refused, and so is a member of the wrong JSON type, with
// Error.field naming it ("outputs[1].bitrate"). Numbers may be written as 4500 or 4500.0;
// bitrates also as text ("4500k", "4.5M", "4500000" b/s; see units.h).
//
// Output transcode fields: when any of video_codec, resolution, framerate, bitrate, rotation,
// keyframe_interval, audio_bitrate is present, the output transcodes (fields absent take their
// defaults, or keep their value in a PATCH). "video_codec": "copy" alone means passthrough
// (and in a PATCH, back to passthrough); combined with another transcode field, or with a
// preset still set, it is refused.
#include "model/json_mapping.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "model/units.h"
#include "model/url.h"

namespace mls::model {

namespace {

// Observed fields the API adds to responses. Accepted and ignored on read, whatever their type.
constexpr std::array<std::string_view, 14> kObservedFields = {
    "state",    "last_error", "retries", "next_retry_at", "bitrate_bps",  "fps",      "bytes",
    "uptime_s", "media",      "profile", "rtsp_url",      "effective",    "rtsp_clients",
    "recording"};

constexpr std::array<const char*, 7> kTranscodeFields = {
    "video_codec", "resolution",        "framerate",    "bitrate",
    "rotation",    "keyframe_interval", "audio_bitrate"};

const char* audioModeName(AudioMode mode) {
  switch (mode) {
    case AudioMode::Auto:
      return "auto";
    case AudioMode::SilenceIfMissing:
      return "silence-if-missing";
    case AudioMode::None:
      return "none";
  }
  return "auto";
}

JsonNode* takeObject(JsonObject* object) {
  JsonNode* node = json_node_init_object(json_node_alloc(), object);
  json_object_unref(object);
  return node;
}

std::string urlFor(const std::string& url, Secrets secrets) {
  return secrets == Secrets::Mask ? maskUrl(url) : url;
}

tl::unexpected<Error> invalid(std::string message, std::string field) {
  return fail(ErrorCode::Invalid, std::move(message), std::move(field));
}

// Typed access to the members of one JSON object, naming fields with a prefix ("outputs[1].").
class Reader {
 public:
  Reader(JsonObject* object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {}

  bool has(const char* name) const { return json_object_has_member(object_, name); }
  std::string field(const char* name) const { return prefix_ + name; }
  JsonNode* node(const char* name) const { return json_object_get_member(object_, name); }

  // Every member must be in `known` (or in kTranscodeFields when `transcode`), or be an
  // observed field when `observed` is true.
  Result<void> checkKnown(std::initializer_list<const char*> known, bool transcode,
                          bool observed) const {
    g_autoptr(GList) members = json_object_get_members(object_);
    for (GList* m = members; m; m = m->next) {
      std::string_view name(static_cast<const char*>(m->data));
      auto is = [&](const char* k) { return name == k; };
      if (std::any_of(known.begin(), known.end(), is) ||
          (transcode && std::any_of(kTranscodeFields.begin(), kTranscodeFields.end(), is)) ||
          (observed && isObservedField(name))) {
        continue;
      }
      std::string shown =
          name.size() > 40 ? std::string(name.substr(0, 40)) + "..." : std::string(name);
      return invalid("unknown field \"" + shown + "\"", prefix_ + shown);
    }
    return {};
  }

  Result<std::string> string(const char* name) const {
    JsonNode* n = node(name);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
      return invalid(field(name) + " must be a string", field(name));
    }
    return std::string(json_node_get_string(n));
  }

  Result<bool> boolean(const char* name) const {
    JsonNode* n = node(name);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
      return invalid(field(name) + " must be true or false", field(name));
    }
    return static_cast<bool>(json_node_get_boolean(n));
  }

  // An integer, written as 42 or 42.0.
  Result<int> integer(const char* name) const {
    JsonNode* n = node(name);
    if (JSON_NODE_HOLDS_VALUE(n)) {
      GType type = json_node_get_value_type(n);
      double value = type == G_TYPE_INT64    ? static_cast<double>(json_node_get_int(n))
                     : type == G_TYPE_DOUBLE ? json_node_get_double(n)
                                             : NAN;
      if (std::isfinite(value) && value == std::floor(value) && value >= -2147483648.0 &&
          value <= 2147483647.0) {
        return static_cast<int>(value);
      }
    }
    return invalid(field(name) + " must be an integer", field(name));
  }

  // kb/s as a number, or a bitrate as text ("4500k", "4.5M", "4500000").
  Result<int> kbps(const char* name) const {
    JsonNode* n = node(name);
    if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING) {
      return parseBitrateKbps(json_node_get_string(n), field(name));
    }
    auto value = integer(name);
    if (!value) {
      return invalid(field(name) + " must be kb/s as an integer, or text such as \"4500k\"",
                     field(name));
    }
    return value;
  }

 private:
  JsonObject* object_;
  std::string prefix_;
};

Result<JsonObject*> objectOf(JsonNode* node, const std::string& field) {
  if (node && JSON_NODE_HOLDS_OBJECT(node)) {
    return json_node_get_object(node);
  }
  if (field.empty()) {
    return fail(ErrorCode::BadRequest, "expected a JSON object");
  }
  return invalid(field + " must be a JSON object", field);
}

// Sets *target from a string member when present.
Result<void> readString(const Reader& r, const char* name, std::string* target) {
  if (!r.has(name)) {
    return {};
  }
  auto value = r.string(name);
  if (!value) {
    return fail(value.error());
  }
  *target = std::move(*value);
  return {};
}

Result<void> readBool(const Reader& r, const char* name, bool* target) {
  if (!r.has(name)) {
    return {};
  }
  auto value = r.boolean(name);
  if (!value) {
    return fail(value.error());
  }
  *target = *value;
  return {};
}

Result<void> readInt(const Reader& r, const char* name, int* target) {
  if (!r.has(name)) {
    return {};
  }
  auto value = r.integer(name);
  if (!value) {
    return fail(value.error());
  }
  *target = *value;
  return {};
}

Result<void> readKbps(const Reader& r, const char* name, int* target) {
  if (!r.has(name)) {
    return {};
  }
  auto value = r.kbps(name);
  if (!value) {
    return fail(value.error());
  }
  *target = *value;
  return {};
}

// "name" on create; on a PATCH it may only repeat the current name.
Result<void> readName(const Reader& r, bool patch, const char* kind, std::string* name) {
  if (!r.has("name")) {
    return {};
  }
  auto value = r.string("name");
  if (!value) {
    return fail(value.error());
  }
  if (patch && *value != *name) {
    return invalid(std::string("name cannot be changed: it is the ") + kind +
                       "'s identity (create a new one and delete the old one instead)",
                   r.field("name"));
  }
  *name = std::move(*value);
  return {};
}

// "url"; on a PATCH the masked form of the current URL means "unchanged".
Result<void> readUrl(const Reader& r, bool patch, std::string* url) {
  if (!r.has("url")) {
    return {};
  }
  auto value = r.string("url");
  if (!value) {
    return fail(value.error());
  }
  if (patch && *value == maskUrl(*url)) {
    return {};
  }
  *url = std::move(*value);
  return {};
}

Result<void> readTranscode(const Reader& r, OutputSpec* spec) {
  bool any = std::any_of(kTranscodeFields.begin(), kTranscodeFields.end(),
                         [&](const char* f) { return r.has(f); });
  if (!any) {
    return {};
  }
  std::string codec;
  if (auto ok = readString(r, "video_codec", &codec); !ok) {
    return ok;
  }
  if (codec == "copy") {
    for (const char* f : kTranscodeFields) {
      if (std::string_view(f) != "video_codec" && r.has(f)) {
        return invalid(
            std::string("video_codec \"copy\" (passthrough) cannot be combined with ") + f,
            r.field("video_codec"));
      }
    }
    if (!spec->preset.empty()) {
      return invalid("video_codec \"copy\" (passthrough) cannot be combined with preset '" +
                         spec->preset + "' (set \"preset\": \"\" as well)",
                     r.field("video_codec"));
    }
    spec->transcode.reset();
    return {};
  }
  TranscodeSettings t = spec->transcode.value_or(TranscodeSettings{});
  if (r.has("video_codec")) {
    t.video_codec = codec;
  }
  if (r.has("resolution")) {
    auto text = r.string("resolution");
    if (!text) {
      return fail(text.error());
    }
    if (text->empty()) {
      t.width = t.height = 0;
    } else if (!parseResolution(*text, &t.width, &t.height)) {
      return invalid(r.field("resolution") + " must be WIDTHxHEIGHT, like \"1280x720\"",
                     r.field("resolution"));
    }
  }
  if (auto ok = readInt(r, "framerate", &t.framerate); !ok) {
    return ok;
  }
  if (auto ok = readKbps(r, "bitrate", &t.bitrate_kbps); !ok) {
    return ok;
  }
  if (auto ok = readInt(r, "rotation", &t.rotation); !ok) {
    return ok;
  }
  if (auto ok = readInt(r, "keyframe_interval", &t.keyframe_interval_s); !ok) {
    return ok;
  }
  if (auto ok = readKbps(r, "audio_bitrate", &t.audio_bitrate_kbps); !ok) {
    return ok;
  }
  spec->transcode = std::move(t);
  return {};
}

Result<void> applyOutput(JsonNode* node, const std::string& prefix, bool patch, OutputSpec* spec) {
  auto object = objectOf(node, prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1));
  if (!object) {
    return fail(object.error());
  }
  Reader r(*object, prefix);
  if (auto ok = r.checkKnown({"name", "url", "enabled", "preset", "audio"}, true, true); !ok) {
    return ok;
  }
  if (auto ok = readName(r, patch, "output", &spec->name); !ok) {
    return ok;
  }
  if (auto ok = readUrl(r, patch, &spec->url); !ok) {
    return ok;
  }
  if (auto ok = readBool(r, "enabled", &spec->enabled); !ok) {
    return ok;
  }
  if (auto ok = readString(r, "preset", &spec->preset); !ok) {
    return ok;
  }
  if (auto ok = readTranscode(r, spec); !ok) {
    return ok;
  }
  if (r.has("audio")) {
    auto text = r.string("audio");
    if (!text) {
      return fail(text.error());
    }
    if (*text == "auto") {
      spec->audio = AudioMode::Auto;
    } else if (*text == "silence-if-missing") {
      spec->audio = AudioMode::SilenceIfMissing;
    } else if (*text == "none") {
      spec->audio = AudioMode::None;
    } else {
      return invalid(r.field("audio") + " must be \"auto\", \"silence-if-missing\" or \"none\"",
                     r.field("audio"));
    }
    spec->audio_explicit = true;
  }
  return {};
}

Result<void> applyInput(JsonNode* node, const std::string& prefix, bool patch, InputSpec* spec) {
  auto object = objectOf(node, prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1));
  if (!object) {
    return fail(object.error());
  }
  Reader r(*object, prefix);
  if (auto ok = r.checkKnown({"name", "url", "enabled", "record", "transport", "loop",
                              "stall_timeout_ms", "latency_ms", "segment_duration_s",
                              "retention_max_age_s", "outputs"},
                             false, true);
      !ok) {
    return ok;
  }
  if (auto ok = readName(r, patch, "input", &spec->name); !ok) {
    return ok;
  }
  if (auto ok = readUrl(r, patch, &spec->url); !ok) {
    return ok;
  }
  if (auto ok = readBool(r, "enabled", &spec->enabled); !ok) {
    return ok;
  }
  if (auto ok = readBool(r, "record", &spec->record); !ok) {
    return ok;
  }
  if (auto ok = readString(r, "transport", &spec->transport); !ok) {
    return ok;
  }
  if (auto ok = readBool(r, "loop", &spec->loop); !ok) {
    return ok;
  }
  if (auto ok = readInt(r, "stall_timeout_ms", &spec->stall_timeout_ms); !ok) {
    return ok;
  }
  if (auto ok = readInt(r, "latency_ms", &spec->latency_ms); !ok) {
    return ok;
  }
  if (auto ok = readInt(r, "segment_duration_s", &spec->segment_duration_s); !ok) {
    return ok;
  }
  if (auto ok = readInt(r, "retention_max_age_s", &spec->retention_max_age_s); !ok) {
    return ok;
  }
  if (patch || !r.has("outputs")) {
    return {};  // a PATCH ignores "outputs" (see the header)
  }

  JsonNode* outputs = r.node("outputs");
  if (!JSON_NODE_HOLDS_ARRAY(outputs)) {
    return invalid(r.field("outputs") + " must be an array", r.field("outputs"));
  }
  JsonArray* array = json_node_get_array(outputs);
  spec->outputs.clear();
  for (guint i = 0; i < json_array_get_length(array); i++) {
    OutputSpec output;
    std::string output_prefix = prefix + "outputs[" + std::to_string(i) + "].";
    if (auto ok = applyOutput(json_array_get_element(array, i), output_prefix, false, &output);
        !ok) {
      return ok;
    }
    spec->outputs.push_back(std::move(output));
  }
  return {};
}

}  // namespace

bool isObservedField(std::string_view name) {
  return std::find(kObservedFields.begin(), kObservedFields.end(), name) != kObservedFields.end();
}

JsonNode* outputToJson(const OutputSpec& output, Secrets secrets) {
  JsonObject* o = json_object_new();
  json_object_set_string_member(o, "name", output.name.c_str());
  json_object_set_string_member(o, "url", urlFor(output.url, secrets).c_str());
  json_object_set_boolean_member(o, "enabled", output.enabled);
  json_object_set_string_member(o, "preset", output.preset.c_str());
  if (const auto& t = output.transcode) {
    json_object_set_string_member(o, "video_codec", t->video_codec.c_str());
    if (t->width != 0 && t->height != 0) {
      json_object_set_string_member(o, "resolution", formatResolution(t->width, t->height).c_str());
    }
    json_object_set_int_member(o, "framerate", t->framerate);
    json_object_set_int_member(o, "bitrate", t->bitrate_kbps);
    json_object_set_int_member(o, "rotation", t->rotation);
    json_object_set_int_member(o, "keyframe_interval", t->keyframe_interval_s);
    json_object_set_int_member(o, "audio_bitrate", t->audio_bitrate_kbps);
  }
  if (output.audio_explicit) {
    json_object_set_string_member(o, "audio", audioModeName(output.audio));
  }
  return takeObject(o);
}

JsonNode* inputToJson(const InputSpec& input, Secrets secrets, bool with_outputs) {
  JsonObject* o = json_object_new();
  json_object_set_string_member(o, "name", input.name.c_str());
  json_object_set_string_member(o, "url", urlFor(input.url, secrets).c_str());
  json_object_set_boolean_member(o, "enabled", input.enabled);
  json_object_set_boolean_member(o, "record", input.record);
  json_object_set_string_member(o, "transport", input.transport.c_str());
  json_object_set_boolean_member(o, "loop", input.loop);
  json_object_set_int_member(o, "stall_timeout_ms", input.stall_timeout_ms);
  json_object_set_int_member(o, "latency_ms", input.latency_ms);
  json_object_set_int_member(o, "segment_duration_s", input.segment_duration_s);
  json_object_set_int_member(o, "retention_max_age_s", input.retention_max_age_s);
  if (with_outputs) {
    JsonArray* outputs = json_array_sized_new(static_cast<guint>(input.outputs.size()));
    for (const OutputSpec& output : input.outputs) {
      json_array_add_element(outputs, outputToJson(output, secrets));
    }
    json_object_set_array_member(o, "outputs", outputs);
  }
  return takeObject(o);
}

JsonNode* configToJson(const Config& config, Secrets secrets) {
  JsonObject* o = json_object_new();
  json_object_set_int_member(o, "version", 1);
  JsonArray* inputs = json_array_sized_new(static_cast<guint>(config.inputs.size()));
  for (const InputSpec& input : config.inputs) {
    json_array_add_element(inputs, inputToJson(input, secrets, true));
  }
  json_object_set_array_member(o, "inputs", inputs);
  return takeObject(o);
}

Result<OutputSpec> outputFromJson(JsonNode* node) {
  OutputSpec spec;
  if (auto ok = applyOutput(node, "", false, &spec); !ok) {
    return fail(ok.error());
  }
  return spec;
}

Result<InputSpec> inputFromJson(JsonNode* node) {
  InputSpec spec;
  if (auto ok = applyInput(node, "", false, &spec); !ok) {
    return fail(ok.error());
  }
  return spec;
}

Result<Config> configFromJson(JsonNode* node) {
  auto object = objectOf(node, "");
  if (!object) {
    return fail(object.error());
  }
  Reader r(*object, "");
  if (auto ok = r.checkKnown({"version", "inputs"}, false, false); !ok) {
    return fail(ok.error());
  }
  int version = 1;
  if (auto ok = readInt(r, "version", &version); !ok) {
    return fail(ok.error());
  }
  if (version != 1) {
    return invalid("unsupported config version " + std::to_string(version) + " (this mls reads 1)",
                   "version");
  }
  Config config;
  if (!r.has("inputs")) {
    return config;
  }
  JsonNode* inputs = r.node("inputs");
  if (!JSON_NODE_HOLDS_ARRAY(inputs)) {
    return invalid("inputs must be an array", "inputs");
  }
  JsonArray* array = json_node_get_array(inputs);
  for (guint i = 0; i < json_array_get_length(array); i++) {
    InputSpec input;
    std::string prefix = "inputs[" + std::to_string(i) + "].";
    if (auto ok = applyInput(json_array_get_element(array, i), prefix, false, &input); !ok) {
      return fail(ok.error());
    }
    config.inputs.push_back(std::move(input));
  }
  return config;
}

Result<OutputSpec> patchOutput(const OutputSpec& base, JsonNode* patch) {
  OutputSpec spec = base;
  if (auto ok = applyOutput(patch, "", true, &spec); !ok) {
    return fail(ok.error());
  }
  return spec;
}

Result<InputSpec> patchInput(const InputSpec& base, JsonNode* patch) {
  InputSpec spec = base;
  if (auto ok = applyInput(patch, "", true, &spec); !ok) {
    return fail(ok.error());
  }
  return spec;
}

Result<JsonNode*> parseJson(const std::string& text) {
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = nullptr;
  if (!json_parser_load_from_data(parser, text.data(), static_cast<gssize>(text.size()), &error)) {
    std::string message = error->message;
    if (message.rfind("<data>:", 0) == 0) {
      message.erase(0, strlen("<data>:"));
    }
    return fail(ErrorCode::BadRequest, "invalid JSON: " + message);
  }
  JsonNode* root = json_parser_steal_root(parser);
  if (!root) {
    return fail(ErrorCode::BadRequest, "empty body: expected JSON");
  }
  return root;
}

std::string toJsonText(JsonNode* node, bool pretty) {
  g_autofree gchar* text = json_to_string(node, pretty);
  return text ? std::string(text) : std::string();
}

}  // namespace mls::model
