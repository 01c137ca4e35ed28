// Transcode presets (YouTube, Instagram, TikTok) and how an output's preset and explicit
// settings combine into the settings its pipeline uses. Pure, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/spec.h"

namespace mls::model {

struct Preset {
  std::string name;   // "youtube"
  std::string title;  // "YouTube"
  TranscodeSettings settings;
  AudioMode audio = AudioMode::Auto;
  std::string description;
};

const std::vector<Preset>& presets();
const Preset* findPreset(std::string_view name);

// The settings an output's pipeline uses: nullopt for passthrough; otherwise the preset's
// settings with the explicit ones laid over (explicit non-zero fields win).
std::optional<TranscodeSettings> effectiveTranscode(const OutputSpec& output);

// The audio mode in force: the explicit one if set, else the preset's, else Auto.
AudioMode effectiveAudio(const OutputSpec& output);

}  // namespace mls::model
