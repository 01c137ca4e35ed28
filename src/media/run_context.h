// RunContext: what every runner needs from the Supervisor that owns it — settings, the reaper,
// and where to report state changes. Owned by the Supervisor; main thread.
#pragma once

#include <functional>
#include <string>

#include "media/ingest.h"
#include "media/publisher.h"
#include "media/reaper.h"
#include "media/sources.h"
#include "model/backoff.h"
#include "model/recording_names.h"
#include "model/status.h"

namespace mls::media {

struct RunSettings {
  std::string media_dir;
  std::string recordings_dir;    // absolute; segments go to <recordings_dir>/<input>/
  int segment_duration_s = 600;  // unless the input sets its own
  model::SegmentFormat recording_format = model::SegmentFormat::Mp4;
  int stall_timeout_ms = 3000;           // an input with no media for this long has failed
  int input_connect_timeout_ms = 15000;  // an input must be live this long after starting
  int output_accept_timeout_ms = 15000;  // a destination must take media this long after start
  int output_drain_ms = 2000;            // clean end of stream on stop/delete, at most this long
  int permanent_error_limit = 3;         // errors retrying will not fix, before giving up
  // Passthrough RTMP outputs of an input are destinations of one shared mlsrtmpfanout
  // (fanout_sender.h); false: each has its own rtmp2sink pipeline (--rtmp-sender).
  bool rtmp_fanout = true;
  model::BackoffPolicy backoff;
  SourceDefaults source;
};

struct RunContext {
  RunSettings settings;
  Reaper reaper;
  // "input.state" / "output.state" with a JSON object; may be empty.
  std::function<void(const std::string& type, const std::string& json)> events;
  // Serves live inputs (the embedded RTSP server); not owned, may be null.
  Publisher* publisher = nullptr;
  // Accepts the publishers of publish inputs (the embedded RTSP server); not owned, may be null.
  IngestHost* ingest_host = nullptr;
};

}  // namespace mls::media

namespace mls::media {
// Publishes "input.state" (output empty) or "output.state" with the status as JSON.
void publishState(RunContext& ctx, const std::string& input, const std::string& output,
                  const model::RunStatus& status);
}  // namespace mls::media
