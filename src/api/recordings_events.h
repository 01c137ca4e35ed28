// RecordingEvents: turns the catalog's changes (recordings/catalog.h) into server-sent events.
// On /api/v1/events, through the same EventSink as the core's events:
//   recording.segment {"input","file","state","size_bytes","phase":"new|growing|closed"}
//   recording.deleted {"input","file"}
// (`growing` is already limited to once a second per segment by the catalog.) And on the
// Go-MLS /api/recording/sse stream a plain `data: update` nudge, at most one per `nudge_ms`
// (the first at once, the rest of a burst folded into one at the end of the interval).
// Also recordingJson(), the v1 JSON of a segment (recordings.cpp). Main thread.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "api/backend.h"
#include "api/sse_broker.h"
#include "core/gobj.h"
#include "recordings/catalog.h"

namespace mls::api {

// {"input","file","size_bytes","start","end","duration_s","video_codec","audio_codec","state",
// "url"} (transfer full).
JsonObject* recordingJson(const recordings::Segment& segment);

// The event type and JSON of a change.
std::pair<std::string, std::string> recordingEvent(const recordings::Change& change);

class RecordingEvents {
 public:
  RecordingEvents(EventSink sink, SseBroker& nudges, unsigned nudge_ms = 1000)
      : sink_(std::move(sink)), nudges_(nudges), nudge_ms_(nudge_ms) {}
  void publish(const recordings::Change& change);

 private:
  void nudge();
  EventSink sink_;
  SseBroker& nudges_;
  unsigned nudge_ms_;
  int64_t last_nudge_us_ = 0;
  SourceGuard pending_;
};

}  // namespace mls::api
