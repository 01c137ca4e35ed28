// Metrics: the Prometheus text exposition format (version 0.0.4) of what mlsd observes, made
// from plain data so it is testable without sockets. The API's GET /metrics fills a
// MetricsSnapshot from the Backend (observed state of each input and output, process figures)
// and serves renderMetrics(); docs/metrics.md lists every metric.
//
// Labels are bounded on purpose: `input` and `output` (names, [a-z0-9_-]), `scheme` (the URL
// scheme, never the URL, its host or its key) and `state` (one of the six run states). Pure
// functions; any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace mls::diag {

// The Content-Type of the text format.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Figures of the mlsd process (see process_stats.h).
struct ProcessFigures {
  int threads = 0;
  int open_fds = 0;
  double resident_bytes = 0;
  double cpu_user_s = 0;
  double cpu_system_s = 0;
  double start_time_unix_s = 0;
};

struct OutputMetrics {
  std::string name;
  std::string scheme;  // "rtmp", "srt", … (schemeOf)
  model::RunStatus status;
};

struct InputMetrics {
  std::string name;
  std::string scheme;
  model::RunStatus status;
  std::vector<OutputMetrics> outputs;
  int rtsp_clients = 0;               // sessions playing its RTSP publication
  model::RecordingStatus recording;  // Stopped when it is not recorded
};

struct MetricsSnapshot {
  std::string version;            // mls version
  std::string gstreamer_version;  // "1.22.0"
  ProcessFigures process;
  std::vector<InputMetrics> inputs;  // in the order of the configuration
  // Threads by owner kind and owner (diag::countByOwner keys: "input cam1", "runtime", …).
  std::map<std::string, int> threads_by_owner;
};

// The exposition text: every family once, with # HELP and # TYPE, then its samples.
std::string renderMetrics(const MetricsSnapshot& snapshot);

// The lower-case scheme of a URL ("rtmp" for "RTMP://host/app/key"), or "unknown" when the text
// does not start with one. Nothing after "://" is ever looked at.
std::string schemeOf(std::string_view url);

// A label value with \, " and newline escaped, as the text format wants.
std::string escapeLabelValue(std::string_view value);
// A sample value: integers without a fraction ("1048576"), others in the shortest form that
// reads back exactly ("0.1"), "NaN", "+Inf", "-Inf".
std::string formatValue(double value);

}  // namespace mls::diag
