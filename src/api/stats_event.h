// The SSE `stats` event: once a second (from the Supervisor's tick, while at least one event
// client is connected), the rates of every input and output and the figures of the mlsd process,
// so the web UI shows bitrate, fps, uptime, CPU and memory live without polling. State changes
// keep their own events (input.state, output.state); this one carries numbers only:
//   {"uptime_s":…, "cpu_s":…, "rss_bytes":…, "threads":…,
//    "inputs":[{"input":"cam1","bitrate_bps":…,"fps":…,"bytes":…,"uptime_s":…,
//               "recording":{"bitrate_bps":…,"bytes":…,"segment":"…",…} (while recording),
//               "outputs":[{"output":"yt","bitrate_bps":…,"fps":…,"bytes":…,"uptime_s":…}]}]}
// "cpu_s" is user + system CPU seconds since start: a client derives CPU % from two events.
// Sent with SseBroker::publishTransient (no id, not replayed).
// Pure function of the backend and the process figures; main thread.
#pragma once

#include <string>

#include "api/backend.h"
#include "diag/metrics.h"

namespace mls::api {

std::string statsEventJson(const Backend& backend, const diag::ProcessFigures& process,
                           double uptime_s);

}  // namespace mls::api
