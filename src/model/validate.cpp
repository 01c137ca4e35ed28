// Whole-spec validation. See validate.h.
//
// Error.field names the JSON field at fault, as json_mapping.cpp spells it ("bitrate",
// "resolution", "keyframe_interval"); inside an input, an output's fields are prefixed
// "outputs[2].", and inside a config "inputs[0].". Zero means "not set" for width, height,
// framerate and bitrate (keep the input's, or the encoder default).
#include "model/validate.h"

#include <set>
#include <string>

#include "model/names.h"
#include "model/presets.h"
#include "model/source_params.h"
#include "model/units.h"
#include "model/url.h"

namespace mls::model {

namespace {

tl::unexpected<Error> invalid(std::string message, std::string field) {
  return fail(ErrorCode::Invalid, std::move(message), std::move(field));
}

// Re-homes an error found in a nested spec: "url" inside outputs[2] becomes "outputs[2].url",
// and the message says which one ("output 'youtube': …") when its name is usable.
Error nested(Error error, const std::string& prefix, const char* kind, const std::string& name) {
  error.field = error.field.empty() ? prefix.substr(0, prefix.size() - 1) : prefix + error.field;
  if (isValidName(name)) {
    error.message = std::string(kind) + " '" + name + "': " + error.message;
  }
  return error;
}

Result<void> checkRange(const char* field, int value, int min, int max, const char* unit,
                        bool zero_allowed) {
  if ((zero_allowed && value == 0) || (value >= min && value <= max)) {
    return {};
  }
  return invalid(std::string(field) + " must be " + (zero_allowed ? "0 (not set) or " : "") +
                     std::to_string(min) + ".." + std::to_string(max) + unit + " (got " +
                     std::to_string(value) + ")",
                 field);
}

Result<void> validateTranscode(const TranscodeSettings& t) {
  if (t.video_codec != "h264" && t.video_codec != "h265") {
    return invalid("video_codec must be h264 or h265 (or \"copy\" alone for passthrough)",
                   "video_codec");
  }
  if ((t.width == 0) != (t.height == 0)) {
    return invalid("resolution needs both a width and a height, like \"1280x720\"", "resolution");
  }
  if (t.width != 0) {
    bool ok = t.width >= 16 && t.width <= 7680 && t.height >= 16 && t.height <= 4320 &&
              t.width % 2 == 0 && t.height % 2 == 0;
    if (!ok) {
      return invalid("resolution must be even, from 16x16 to 7680x4320 (got " +
                         formatResolution(t.width, t.height) + ")",
                     "resolution");
    }
  }
  if (auto ok = checkRange("framerate", t.framerate, 1, 120, " fps", true); !ok) {
    return ok;
  }
  if (auto ok = checkRange("bitrate", t.bitrate_kbps, 100, 100000, " kb/s", true); !ok) {
    return ok;
  }
  if (t.rotation != 0 && t.rotation != 90 && t.rotation != 180 && t.rotation != 270) {
    return invalid(
        "rotation must be 0, 90, 180 or 270 degrees (got " + std::to_string(t.rotation) + ")",
        "rotation");
  }
  if (auto ok = checkRange("keyframe_interval", t.keyframe_interval_s, 1, 20, " s", false); !ok) {
    return ok;
  }
  if (auto ok = checkRange("audio_bitrate", t.audio_bitrate_kbps, 32, 512, " kb/s", false); !ok) {
    return ok;
  }
  return {};
}

}  // namespace

Result<void> validateOutput(const OutputSpec& output) {
  if (auto ok = checkName(output.name, "name"); !ok) {
    return ok;
  }
  if (auto url = parseOutputUrl(output.url); !url) {
    return fail(url.error());
  }
  if (!output.preset.empty() && !findPreset(output.preset)) {
    std::string names;
    for (const Preset& p : presets()) {
      names += (names.empty() ? "" : ", ") + p.name;
    }
    std::string shown =
        output.preset.size() > 32 ? output.preset.substr(0, 32) + "..." : output.preset;
    return invalid("unknown preset '" + shown + "': use " + names + ", or \"\" for none", "preset");
  }
  if (output.transcode) {
    if (auto ok = validateTranscode(*output.transcode); !ok) {
      return ok;
    }
  }
  return {};
}

Result<void> validateInput(const InputSpec& input, const ValidationContext& ctx) {
  if (auto ok = checkName(input.name, "name"); !ok) {
    return ok;
  }
  auto url = parseInputUrl(input.url, ctx.media_dir);
  if (!url) {
    return fail(url.error());
  }
  const std::string& scheme = url->scheme;
  const bool publish = isRtspPublish(*url);
  if (publish) {
    if (auto ok = checkRtspPublish(*url, input.name, ctx.rtsp_port); !ok) {
      return ok;
    }
    if (!input.transport.empty()) {
      return invalid(
          "transport does not apply to a publish input: the publisher chooses TCP or UDP",
          "transport");
    }
    if (input.latency_ms != -1) {
      return invalid("latency_ms does not apply to a publish input", "latency_ms");
    }
  }
  if (!input.transport.empty()) {
    if (input.transport != "tcp" && input.transport != "udp") {
      return invalid("transport must be \"tcp\" or \"udp\" (or \"\" for tcp)", "transport");
    }
    if (scheme != "rtsp" && scheme != "rtsps") {
      return invalid("transport applies to rtsp:// and rtsps:// inputs only", "transport");
    }
  }
  if (input.loop && scheme != "file") {
    return invalid("loop applies to file:// inputs only", "loop");
  }
  if (input.stall_timeout_ms != 0 &&
      (input.stall_timeout_ms < 500 || input.stall_timeout_ms > 600000)) {
    return invalid("stall_timeout_ms must be 0 (server default) or 500..600000 (got " +
                       std::to_string(input.stall_timeout_ms) + ")",
                   "stall_timeout_ms");
  }
  if (input.segment_duration_s != 0 &&
      (input.segment_duration_s < 1 || input.segment_duration_s > 86400)) {
    return invalid("segment_duration_s must be 0 (server default) or 1..86400 (got " +
                       std::to_string(input.segment_duration_s) + ")",
                   "segment_duration_s");
  }
  if (input.retention_max_age_s < 0) {
    return invalid("retention_max_age_s must be 0 (server default) or a number of seconds (got " +
                       std::to_string(input.retention_max_age_s) + ")",
                   "retention_max_age_s");
  }
  if (input.latency_ms != -1 && (input.latency_ms < 0 || input.latency_ms > 10000)) {
    return invalid("latency_ms must be -1 (element default) or 0..10000 (got " +
                       std::to_string(input.latency_ms) + ")",
                   "latency_ms");
  }

  std::set<std::string> names;
  for (size_t i = 0; i < input.outputs.size(); i++) {
    const OutputSpec& output = input.outputs[i];
    const std::string prefix = "outputs[" + std::to_string(i) + "].";
    if (auto ok = validateOutput(output); !ok) {
      return fail(nested(ok.error(), prefix, "output", output.name));
    }
    if (!names.insert(output.name).second) {
      return invalid("duplicate output name '" + output.name + "' in input '" + input.name + "'",
                     prefix + "name");
    }
  }
  return {};
}

Result<void> validateConfig(const Config& config, const ValidationContext& ctx) {
  std::set<std::string> names;
  for (size_t i = 0; i < config.inputs.size(); i++) {
    const InputSpec& input = config.inputs[i];
    const std::string prefix = "inputs[" + std::to_string(i) + "].";
    if (auto ok = validateInput(input, ctx); !ok) {
      return fail(nested(ok.error(), prefix, "input", input.name));
    }
    if (!names.insert(input.name).second) {
      return invalid("duplicate input name '" + input.name + "'", prefix + "name");
    }
  }
  return {};
}

}  // namespace mls::model
