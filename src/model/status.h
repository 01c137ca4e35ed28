// Observed state: what an input or output is actually doing, as reported by the media layer
// (Supervisor) and shown by the API. Plain values, copied out of the media layer on the main
// thread; no locking rule of their own.
#pragma once

#include <cstdint>
#include <string>

namespace mls::model {

enum class RunState {
  Idle,        // enabled, waiting for something (an output whose input is not live yet)
  Connecting,  // pipeline starting, no media through yet
  Live,        // media flowing
  Retrying,    // failed; a retry is scheduled (see next_retry_unix_ms)
  Failed,      // failed in a way retrying will not fix (auth, rejected key); needs a change
  Stopped,     // disabled by the user
};

const char* runStateName(RunState state);

struct RunStatus {
  RunState state = RunState::Idle;
  std::string last_error;          // empty when none; secrets masked
  int retries = 0;                 // consecutive failed attempts since the last time it was live
  int64_t next_retry_unix_ms = 0;  // 0 when no retry is scheduled
  double bitrate_bps = 0;          // over the last second
  double fps = 0;                  // video frames per second over the last second
  uint64_t bytes = 0;              // since this run started
  double uptime_s = 0;             // since it last went live; 0 when not live
  // Counters for metrics (never decrease while the input/output exists; not in the API JSON):
  uint64_t bytes_total = 0;  // bytes over every run, sampled once a second
  uint64_t reconnects = 0;   // retries scheduled after a failure
};

// What the input's source turned out to carry (empty/zero until detected).
struct MediaInfo {
  bool has_video = false;
  bool has_audio = false;
  std::string video_codec;  // "h264", "h265"
  std::string video_profile;
  int width = 0;
  int height = 0;
  double framerate = 0;
  std::string audio_codec;  // "aac", "opus", "mp3"
  int audio_rate = 0;
  int audio_channels = 0;
};

// The recorder of an input (recording_runner.h): RunStatus plus the files it writes.
struct RecordingStatus {
  RunStatus run;               // Stopped when the input is not being recorded
  std::string segment;         // the file being written, empty when none
  int segments = 0;            // segments opened since recording started
  int64_t started_unix_s = 0;  // when recording was started (0: not recording)
};

// One RTSP session playing a published input (GET /api/v1/rtsp/sessions).
struct RtspSession {
  std::string input;
  std::string session;    // the RTSP session id
  std::string client;     // the client's IP address
  std::string transport;  // "tcp" (interleaved in the RTSP connection), "udp" or "udp-multicast"
  std::string role;       // "read" (DESCRIBE/PLAY) or "publish" (ANNOUNCE/RECORD)
};

// One input served by the RTSP server (Go-MLS GET /api/rtsp/status).
struct RtspPublication {
  std::string input;
  std::string path;          // the mount path, "/cam"
  int clients = 0;           // sessions playing it
  int64_t since_unix_s = 0;  // when it was mounted
};

struct InputStatus {
  RunStatus run;
  MediaInfo media;
  RecordingStatus recording;
  int rtsp_clients = 0;  // RTSP sessions playing the input's publication
};

}  // namespace mls::model
