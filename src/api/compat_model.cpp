// Go-MLS relay shapes ↔ the mls model. See compat_model.h.
#include "api/compat_model.h"

#include <glib.h>

#include <cmath>
#include <cstdlib>

#include "api/json_io.h"
#include "api/masked_urls.h"
#include "model/names.h"
#include "model/presets.h"

namespace mls::api {

namespace {

std::string lower(const std::string& text) {
  g_autofree gchar* down = g_ascii_strdown(text.c_str(), -1);
  return down;
}

std::string trim(const std::string& text) {
  size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  size_t last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool allDigits(const std::string& text) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text)
    if (!g_ascii_isdigit(c)) return false;
  return true;
}

Error invalidOption(const char* key, const std::string& message) {
  return Error{ErrorCode::Invalid, message, std::string("ffmpeg_options.") + key};
}

Result<std::string> videoCodec(const std::string& value) {
  std::string v = lower(trim(value));
  if (v.empty() || v == "copy") return v;
  if (v == "libx264" || v == "h264") return std::string("h264");
  if (v == "libx265" || v == "hevc" || v == "h265") return std::string("h265");
  return fail(invalidOption(
      "video_codec", "unsupported video_codec \"" + value + "\" (use copy, libx264 or libx265)"));
}

Result<void> audioCodec(const std::string& value) {
  std::string v = lower(trim(value));
  if (v.empty() || v == "copy" || v == "aac") return {};
  return fail(
      invalidOption("audio_codec", "unsupported audio_codec \"" + value + "\" (use copy or aac)"));
}

Result<void> resolution(const std::string& value, int* width, int* height) {
  std::string v = lower(trim(value));
  if (v.empty()) return {};
  size_t x = v.find('x');
  if (x != std::string::npos && allDigits(v.substr(0, x)) && allDigits(v.substr(x + 1))) {
    *width = std::atoi(v.substr(0, x).c_str());
    *height = std::atoi(v.substr(x + 1).c_str());
    if (*width > 0 && *height > 0) return {};
  }
  return fail(invalidOption("resolution", "resolution must be WIDTHxHEIGHT, e.g. 1920x1080"));
}

Result<void> framerate(const std::string& value, int* fps) {
  std::string v = trim(value);
  if (v.empty()) return {};
  if (allDigits(v) && std::atoi(v.c_str()) > 0) {
    *fps = std::atoi(v.c_str());
    return {};
  }
  return fail(invalidOption("framerate", "framerate must be a whole number of frames per second"));
}

// ffmpeg's notation: "4500k", "4.5M", or a plain number of bits per second.
Result<void> bitrate(const std::string& value, int* kbps) {
  std::string v = trim(value);
  if (v.empty()) return {};
  double scale = 1.0 / 1000.0;
  char suffix = v.back();
  if (suffix == 'k' || suffix == 'K') {
    scale = 1.0;
    v.pop_back();
  } else if (suffix == 'm' || suffix == 'M') {
    scale = 1000.0;
    v.pop_back();
  }
  char* end = nullptr;
  double number = v.empty() ? 0 : g_ascii_strtod(v.c_str(), &end);
  if (!v.empty() && end && *end == '\0' && number > 0 && std::isfinite(number)) {
    double result = std::round(number * scale);
    if (result >= 1 && result <= 1000000) {
      *kbps = static_cast<int>(result);
      return {};
    }
  }
  return fail(invalidOption("bitrate", "bitrate must look like 4500k or 4.5M (at least 1k)"));
}

// Go-MLS passed `rotation` to ffmpeg as a filter graph; mls understands the transposes its UI
// offered that are pure rotations.
Result<void> rotation(const std::string& value, int* degrees) {
  std::string v = lower(trim(value));
  if (v.empty()) return {};
  if (v == "transpose=1" || v == "transpose=clock")
    *degrees = 90;
  else if (v == "transpose=2" || v == "transpose=cclock")
    *degrees = 270;
  else if (v == "transpose=1,transpose=1" || v == "transpose=2,transpose=2")
    *degrees = 180;
  else if (v == "transpose=0" || v == "transpose=3" || v == "transpose=cclock_flip" ||
           v == "transpose=clock_flip")
    return fail(invalidOption("rotation", "unsupported rotation (flip)"));
  else
    return fail(invalidOption(
        "rotation", "unsupported rotation \"" + value + "\" (use transpose=1 or transpose=2)"));
  return {};
}

const char* rotationFilter(int degrees) {
  switch (degrees) {
    case 90:
      return "transpose=1";
    case 180:
      return "transpose=1,transpose=1";
    case 270:
      return "transpose=2";
    default:
      return "";
  }
}

}  // namespace

Result<std::optional<GoOptions>> readGoOptions(JsonObject* parent, const char* member) {
  JsonNode* node = json_object_get_member(parent, member);
  if (!node || JSON_NODE_HOLDS_NULL(node)) return std::optional<GoOptions>();
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return fail(ErrorCode::BadRequest, std::string("\"") + member + "\" must be an object", member);
  JsonObject* object = json_node_get_object(node);
  GoOptions options;
  struct Field {
    const char* key;
    std::string* value;
  } fields[] = {{"video_codec", &options.video_codec}, {"audio_codec", &options.audio_codec},
                {"resolution", &options.resolution},   {"framerate", &options.framerate},
                {"bitrate", &options.bitrate},         {"rotation", &options.rotation}};
  for (const Field& field : fields) {
    auto value = readString(object, field.key);
    if (!value)
      return fail(ErrorCode::BadRequest, std::string(member) + "." + value.error().message,
                  std::string(member) + "." + field.key);
    *field.value = *value;
  }
  return std::optional<GoOptions>(options);
}

JsonObject* goOptionsJson(const GoOptions& options) {
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "video_codec", options.video_codec.c_str());
  json_object_set_string_member(object, "audio_codec", options.audio_codec.c_str());
  json_object_set_string_member(object, "resolution", options.resolution.c_str());
  json_object_set_string_member(object, "framerate", options.framerate.c_str());
  json_object_set_string_member(object, "bitrate", options.bitrate.c_str());
  json_object_set_string_member(object, "rotation", options.rotation.c_str());
  return object;
}

Result<void> applyGoOptions(model::OutputSpec& output, const std::string& platform_preset,
                            const std::optional<GoOptions>& options) {
  const model::Preset* preset = nullptr;
  if (!trim(platform_preset).empty()) {
    preset = model::findPreset(lower(trim(platform_preset)));
    if (!preset)
      return fail(
          ErrorCode::Invalid,
          "unknown platform_preset \"" + platform_preset + "\" (use YouTube, Instagram or TikTok)",
          "platform_preset");
  }

  model::TranscodeSettings wanted;
  if (preset) {
    wanted.video_codec = preset->settings.video_codec;
    wanted.keyframe_interval_s = preset->settings.keyframe_interval_s;
    wanted.audio_bitrate_kbps = preset->settings.audio_bitrate_kbps;
  }
  std::string codec;
  if (options) {
    auto vc = videoCodec(options->video_codec);
    if (!vc) return fail(vc.error());
    codec = *vc;
    if (auto ok = audioCodec(options->audio_codec); !ok) return ok;
    if (auto ok = resolution(options->resolution, &wanted.width, &wanted.height); !ok) return ok;
    if (auto ok = framerate(options->framerate, &wanted.framerate); !ok) return ok;
    if (auto ok = bitrate(options->bitrate, &wanted.bitrate_kbps); !ok) return ok;
    if (auto ok = rotation(options->rotation, &wanted.rotation); !ok) return ok;
  }
  const bool explicit_settings =
      wanted.width || wanted.framerate || wanted.bitrate_kbps || wanted.rotation;

  if (codec == "copy") {
    // Go-MLS ran exactly what the options said: a copy. Nothing to transcode, so no preset.
    if (explicit_settings)
      return fail(ErrorCode::Invalid,
                  "video_codec \"copy\" keeps the input's video; resolution, framerate, bitrate "
                  "and rotation need libx264 or libx265",
                  "ffmpeg_options.video_codec");
    output.preset.clear();
    output.transcode.reset();
    return {};
  }

  output.preset = preset ? preset->name : std::string();
  output.transcode.reset();
  if (!codec.empty()) wanted.video_codec = codec;
  if (!explicit_settings && (codec.empty() || (preset && codec == preset->settings.video_codec)))
    return {};  // the preset alone, or passthrough

  if (preset) {
    // Options copied from the preset (as the Go-MLS UI did) add nothing.
    const model::TranscodeSettings& p = preset->settings;
    auto same = [](int given, int preset_value) { return given == 0 || given == preset_value; };
    if (wanted.video_codec == p.video_codec && same(wanted.width, p.width) &&
        same(wanted.height, p.height) && same(wanted.framerate, p.framerate) &&
        same(wanted.bitrate_kbps, p.bitrate_kbps) && same(wanted.rotation, p.rotation))
      return {};
  }
  output.transcode = wanted;
  return {};
}

GoOptions goOptionsFromSettings(const model::TranscodeSettings& settings) {
  GoOptions options;
  options.video_codec = settings.video_codec == "h265" ? "libx265" : "libx264";
  options.audio_codec = "aac";
  if (settings.width > 0 && settings.height > 0)
    options.resolution = std::to_string(settings.width) + "x" + std::to_string(settings.height);
  if (settings.framerate > 0) options.framerate = std::to_string(settings.framerate);
  if (settings.bitrate_kbps > 0) options.bitrate = std::to_string(settings.bitrate_kbps) + "k";
  options.rotation = rotationFilter(settings.rotation);
  return options;
}

GoOutputView goOutputView(const model::OutputSpec& output) {
  GoOutputView view;
  if (const model::Preset* preset = model::findPreset(output.preset))
    view.platform_preset = preset->title;
  std::optional<model::TranscodeSettings> settings = model::effectiveTranscode(output);
  if (settings) {
    view.options = goOptionsFromSettings(*settings);
  } else {
    view.options.video_codec = "copy";
    view.options.audio_codec = "copy";
  }
  return view;
}

Result<model::InputSpec*> mergeGoInput(model::Config& config, const std::string& input_name,
                                       const std::string& input_url) {
  if (auto ok = model::checkName(input_name, "input_name"); !ok) return fail(ok.error());
  model::InputSpec* input = config.findInput(input_name);
  if (!input) {
    if (auto ok = refuseMaskedUrl(input_url, "input_url"); !ok) return fail(ok.error());
    model::InputSpec created;
    created.name = input_name;
    created.url = input_url;
    config.inputs.push_back(std::move(created));
    input = &config.inputs.back();
  } else if (!input_url.empty() && !sameUrlOrMasked(input_url, input->url)) {
    return fail(ErrorCode::Conflict,
                "input \"" + input_name +
                    "\" already exists with another URL; delete it first or pick another name",
                "input_url");
  }
  input->enabled = true;
  return input;
}

Result<model::OutputSpec*> mergeGoOutput(model::InputSpec& input, const GoRelay& relay,
                                         GoOptionsMode mode) {
  if (auto ok = model::checkName(relay.output_name, "output_name"); !ok) return fail(ok.error());
  model::OutputSpec* output = input.findOutput(relay.output_name);
  const bool created = output == nullptr;
  if (created) {
    if (auto ok = refuseMaskedUrl(relay.output_url, "output_url"); !ok) return fail(ok.error());
    model::OutputSpec fresh;
    fresh.name = relay.output_name;
    fresh.url = relay.output_url;
    input.outputs.push_back(std::move(fresh));
    output = &input.outputs.back();
  } else if (!relay.output_url.empty() && !sameUrlOrMasked(relay.output_url, output->url)) {
    if (auto ok = refuseMaskedUrl(relay.output_url, "output_url"); !ok) return fail(ok.error());
    output->url = relay.output_url;
  }
  const bool options_sent = relay.options.has_value() || !trim(relay.platform_preset).empty();
  if (created || options_sent || mode == GoOptionsMode::Define) {
    if (auto ok = applyGoOptions(*output, relay.platform_preset, relay.options); !ok)
      return fail(ok.error());
  }
  output->enabled = true;
  return output;
}

const char* goStatusName(model::RunState state) {
  switch (state) {
    case model::RunState::Live:
      return "Running";
    case model::RunState::Idle:
    case model::RunState::Connecting:
      return "Starting";
    case model::RunState::Retrying:
    case model::RunState::Failed:
      return "Error";
    case model::RunState::Stopped:
      return "Stopped";
  }
  return "Stopped";
}

}  // namespace mls::api
