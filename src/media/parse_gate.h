// ParseGate: an RTMP input parses its media only while something needs the parsed streams.
//
// An RTMP input's pipeline tees its source's FLV: one branch is the Flv tap (the source's own
// tags, for RTMP outputs), the other goes into parsebin for the taps fed by parsed streams
// (recordings, RTSP readers, transcoding or re-muxing outputs, previews). The gate is a buffer
// probe on that second branch. Once armed (the streams are known), media passes only while
// those taps have a subscriber (StreamDemand counts them), or has had one in the last
// kLinger: a plain RTMP-to-RTMP relay then costs no demuxing and no parsing. The linger is what
// lets an output created with the input (it subscribes a few ms after the input goes live), or
// one that retries within seconds, start at once instead of waiting a whole GOP for the gate to
// reopen at a keyframe. Header tags (onMetaData, sequence headers) always pass, so the
// parsers keep the current configuration; after a pause media resumes at a video keyframe, and
// a tap's cached GOP from before the pause is not replayed (StreamDemand::pauses). While media
// does not pass, the input's FlowCounters are kept from the tags, so its figures and its stall
// watch go on.
//
// Owned by its InputPipeline. arm() runs on the main thread; the probe on the source's streaming
// thread.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <string>

#include "media/flow_counters.h"
#include "media/tap.h"

namespace mls::media {

class ParseGate {
 public:
  ParseGate(std::string input_name, FlowCounters& counters);

  // Puts the gate on `branch` (the tee's src pad into parsebin), while the pipeline is built.
  void attach(GstPad* branch);
  // The streams are known: from now on media may stop at the gate. Main thread.
  void arm(bool has_video);
  StreamDemand& demand() { return demand_; }

 private:
  static GstPadProbeReturn onBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer self) noexcept;

  const std::string input_name_;
  FlowCounters& counters_;
  StreamDemand demand_;
  std::atomic<bool> armed_{false};
  std::atomic<bool> has_video_{false};  // resume at a video keyframe
  bool paused_ = false;                 // streaming thread only
  gint64 unwanted_since_us_ = 0;        // streaming thread only: 0 while wanted
};

}  // namespace mls::media
