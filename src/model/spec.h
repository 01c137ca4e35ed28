// Desired state: what the user asked mls to run. An InputSpec is a named live source with its
// OutputSpecs nested under it. These are plain values (no GStreamer, no GLib objects): the
// Registry owns the live copy on the main thread, the StateStore persists it, the API maps it to
// and from JSON, and the media layer reads it to build pipelines.
//
// URLs are kept in full (stream keys included); anything shown to a person goes through
// maskUrl() in url.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mls::model {

// How an output treats audio.
enum class AudioMode {
  Auto,              // carry the input's audio if it has some; no audio track otherwise
  SilenceIfMissing,  // carry the input's audio, or a silent AAC track if the input has none
  None,              // never carry audio
};

// Transcode settings of one output. A field left at its zero value keeps the input's value
// (resolution, frame rate) or takes the encoder default documented in presets.cpp.
struct TranscodeSettings {
  std::string video_codec = "h264";  // "h264" or "h265"
  int width = 0;                     // 0: keep the input's
  int height = 0;
  int framerate = 0;             // frames per second; 0: keep the input's
  int bitrate_kbps = 0;          // video bitrate, CBR; 0: 2500
  int rotation = 0;              // clockwise degrees: 0, 90, 180, 270
  int keyframe_interval_s = 2;   // seconds between keyframes
  int audio_bitrate_kbps = 128;  // AAC bitrate

  bool operator==(const TranscodeSettings&) const = default;
};

struct OutputSpec {
  std::string name;  // ^[a-z0-9][a-z0-9_-]{0,63}$, unique within its input
  std::string url;   // full URL, secrets included
  bool enabled = true;
  // Transcoding is opt-in. Passthrough when preset is empty and transcode is absent.
  std::string preset;                          // "", "youtube", "instagram", "tiktok"
  std::optional<TranscodeSettings> transcode;  // explicit settings; override the preset's
  AudioMode audio = AudioMode::Auto;           // presets default to SilenceIfMissing (youtube)
  bool audio_explicit = false;                 // true when the user set `audio` (kept on export)

  bool operator==(const OutputSpec&) const = default;
};

struct InputSpec {
  std::string name;  // ^[a-z0-9][a-z0-9_-]{0,63}$, unique
  std::string url;   // full URL, secrets included
  bool enabled = true;
  bool record = false;          // recording wanted (persisted: it survives a restart)
  std::string transport;        // rtsp(s): "tcp" (default when empty) or "udp"
  bool loop = false;            // file://: start again at the end
  int stall_timeout_ms = 0;     // 0: the server default (3000)
  int latency_ms = -1;          // rtsp/srt jitter-buffer latency; -1: element default
  int segment_duration_s = 0;   // recording segment length; 0: the server default
  int retention_max_age_s = 0;  // delete finished segments older than this; 0: server default
  std::vector<OutputSpec> outputs;

  bool operator==(const InputSpec&) const = default;

  const OutputSpec* findOutput(const std::string& output_name) const;
  OutputSpec* findOutput(const std::string& output_name);
};

// The whole desired state: what the state file and GET /api/v1/config hold.
struct Config {
  std::vector<InputSpec> inputs;

  const InputSpec* findInput(const std::string& input_name) const;
  InputSpec* findInput(const std::string& input_name);
  bool operator==(const Config&) const = default;
};

// What validation needs to know about the server (file:// is confined to media_dir).
struct ValidationContext {
  std::string media_dir;  // absolute, canonical; empty: file:// inputs are refused
  // The embedded RTSP server's port: a publish input's URL (rtsp://…?mode=publish) that names a
  // port must name this one. 0: not known yet (the state file at start-up), not checked.
  int rtsp_port = 0;
};

}  // namespace mls::model
