// Transcode presets and how they combine with an output's explicit settings. See presets.h.
//
// Encoder defaults for fields left at zero (the media layer applies them): bitrate 2500 kb/s,
// keyframe interval 2 s, AAC 128 kb/s; width, height and frame rate keep the input's.
// Vertical presets (instagram, tiktok) are 720x1280 made by scaling and padding/cropping in the
// media layer, never by rotating the picture (Go-MLS rotated it, which is not what a vertical
// video is).
#include "model/presets.h"

namespace mls::model {

namespace {

TranscodeSettings h264(int width, int height, int framerate, int bitrate_kbps) {
  TranscodeSettings s;
  s.video_codec = "h264";
  s.width = width;
  s.height = height;
  s.framerate = framerate;
  s.bitrate_kbps = bitrate_kbps;
  s.rotation = 0;
  s.keyframe_interval_s = 2;
  s.audio_bitrate_kbps = 128;
  return s;
}

std::vector<Preset> makePresets() {
  return {
      {"youtube", "YouTube", h264(1920, 1080, 30, 4500), AudioMode::SilenceIfMissing,
       "1920x1080 30 fps H.264 4500 kb/s, keyframe every 2 s, AAC 128 kb/s; a silent AAC track "
       "when the input has no audio"},
      {"instagram", "Instagram", h264(720, 1280, 30, 3500), AudioMode::Auto,
       "720x1280 (vertical, scaled and padded) 30 fps H.264 3500 kb/s, keyframe every 2 s, "
       "AAC 128 kb/s"},
      {"tiktok", "TikTok", h264(720, 1280, 30, 2500), AudioMode::Auto,
       "720x1280 (vertical, scaled and padded) 30 fps H.264 2500 kb/s, keyframe every 2 s, "
       "AAC 128 kb/s"},
  };
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = makePresets();
  return all;
}

const Preset* findPreset(std::string_view name) {
  for (const Preset& p : presets()) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

std::optional<TranscodeSettings> effectiveTranscode(const OutputSpec& output) {
  const Preset* preset = output.preset.empty() ? nullptr : findPreset(output.preset);
  if (!preset) {
    return output.transcode;  // nullopt: passthrough
  }
  TranscodeSettings result = preset->settings;
  if (!output.transcode) {
    return result;
  }

  // Explicit fields win when they differ from their "not set" value.
  const TranscodeSettings& explicit_settings = *output.transcode;
  const TranscodeSettings unset;
  if (explicit_settings.video_codec != unset.video_codec) {
    result.video_codec = explicit_settings.video_codec;
  }
  if (explicit_settings.width != 0 && explicit_settings.height != 0) {
    result.width = explicit_settings.width;
    result.height = explicit_settings.height;
  }
  if (explicit_settings.framerate != 0) {
    result.framerate = explicit_settings.framerate;
  }
  if (explicit_settings.bitrate_kbps != 0) {
    result.bitrate_kbps = explicit_settings.bitrate_kbps;
  }
  if (explicit_settings.rotation != 0) {
    result.rotation = explicit_settings.rotation;
  }
  if (explicit_settings.keyframe_interval_s != unset.keyframe_interval_s) {
    result.keyframe_interval_s = explicit_settings.keyframe_interval_s;
  }
  if (explicit_settings.audio_bitrate_kbps != unset.audio_bitrate_kbps) {
    result.audio_bitrate_kbps = explicit_settings.audio_bitrate_kbps;
  }
  return result;
}

AudioMode effectiveAudio(const OutputSpec& output) {
  if (output.audio_explicit) {
    return output.audio;
  }
  if (const Preset* preset = output.preset.empty() ? nullptr : findPreset(output.preset)) {
    return preset->audio;
  }
  return AudioMode::Auto;
}

}  // namespace mls::model
