// Go-MLS relay shapes ↔ the mls model. Go-MLS described a relay as (input_name, input_url,
// output_name, output_url, platform_preset, ffmpeg_options{video_codec, audio_codec,
// resolution, framerate, bitrate, rotation}); mls has named inputs with named outputs, each
// passthrough or transcoded. This file translates both ways and merges a Go-MLS relay into a
// Config; the compat route handlers (compat_relay.cpp, compat_config.cpp) stay thin.
//
// Where Go-MLS was wrong mls does the right thing: empty options (or video_codec "copy") mean
// passthrough, never an FLV1 re-encode, and platform_preset is applied server-side. Values mls
// cannot honour are ErrorCode::Invalid (422), never silently ignored; only unknown
// ffmpeg_options keys are ignored, as Go-MLS did. Pure functions; main thread (json-glib).
#pragma once

#include <json-glib/json-glib.h>

#include <optional>
#include <string>

#include "core/result.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::api {

// Go-MLS `ffmpeg_options` (a map of strings).
struct GoOptions {
  std::string video_codec;  // "", "copy", "libx264"/"h264", "libx265"/"hevc"/"h265"
  std::string audio_codec;  // "", "copy", "aac"
  std::string resolution;   // "1920x1080"
  std::string framerate;    // "30"
  std::string bitrate;      // "4500k", "4.5M", or bits per second ("4500000")
  std::string rotation;     // "", "transpose=1" (90° clockwise), "transpose=2" (90° counter-cw)

  bool operator==(const GoOptions&) const = default;
};

// Reads `member` of `parent` as ffmpeg_options: nullopt when absent or null; BadRequest when it
// is not an object of strings. Unknown keys are ignored (Go-MLS used a map).
Result<std::optional<GoOptions>> readGoOptions(JsonObject* parent, const char* member);
JsonObject* goOptionsJson(const GoOptions& options);  // transfer full

// Sets output.preset and output.transcode from a Go-MLS preset title ("YouTube", any case; ""
// for none) and options (nullopt or all empty: the preset alone, or passthrough).
Result<void> applyGoOptions(model::OutputSpec& output, const std::string& platform_preset,
                            const std::optional<GoOptions>& options);

// How Go-MLS would describe an output: the preset title ("" for none) and the options that
// produce the output's effective settings ({"video_codec":"copy","audio_codec":"copy"} for
// passthrough, which Go-MLS also understood as a copy).
struct GoOutputView {
  std::string platform_preset;
  GoOptions options;
};
GoOutputView goOutputView(const model::OutputSpec& output);
GoOptions goOptionsFromSettings(const model::TranscodeSettings& settings);

// The parts of a Go-MLS relay that name an output under an input.
struct GoRelay {
  std::string input_name;
  std::string input_url;
  std::string output_name;
  std::string output_url;
  std::string platform_preset;
  std::optional<GoOptions> options;
};

// Finds or adds `input_name` in `config`. An existing input keeps its URL: `input_url` must be
// empty, the same URL or its masked form, else Conflict. A new input needs a URL (Invalid).
// The input is enabled.
Result<model::InputSpec*> mergeGoInput(model::Config& config, const std::string& input_name,
                                       const std::string& input_url);

enum class GoOptionsMode {
  KeepWhenAbsent,  // relay/start: no preset and no options keep an existing output's settings
  Define,          // relay/import: the entry defines the output (no options: passthrough)
};
// Finds or adds the relay's output under `input` and enables it; a different output_url
// replaces the stored one (a masked form of it keeps it).
Result<model::OutputSpec*> mergeGoOutput(model::InputSpec& input, const GoRelay& relay,
                                         GoOptionsMode mode);

// The Go-MLS status string of a run state: Live → "Running", Idle/Connecting → "Starting",
// Retrying/Failed → "Error", Stopped → "Stopped".
const char* goStatusName(model::RunState state);

}  // namespace mls::api
