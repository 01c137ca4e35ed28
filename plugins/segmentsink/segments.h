// The state of one mlssegmentsink (gstmlssegmentsink.cpp) and the life of its segments: each
// segment is a muxer and a filesink of its own inside the element's bin, made when the leading
// stream cuts (openSegment), fed by the streams' proxy pads (switchStream), ended pad by pad with
// EOS (endPads), and removed once its file is complete (removeSegment, from a
// gst_element_call_async thread). Owned by the element; the functions run on the thread named
// in each comment. `Impl::lock` protects what its comments say; no function here holds it while
// it pushes, sends an event into a muxer or changes an element's state.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN(mls_segment_sink_debug);

namespace mls::segment {

// A follower waits at most this long for the leader to pass it (a stalled video must not wedge
// the audio), and an old segment waits this long after the cut for a silent stream before that
// stream's pad in it is ended without it.
constexpr auto kFollowerWait = std::chrono::seconds(2);
constexpr gint64 kStaleStreamUs = 2 * G_USEC_PER_SEC;

struct Segment {
  guint id = 0;
  GstElement* muxer = nullptr;  // owned reference
  GstElement* sink = nullptr;   // owned reference
  std::string location;
  GstClockTime start = GST_CLOCK_TIME_NONE;  // running time of its first leader buffer
  GstClockTime end = GST_CLOCK_TIME_NONE;    // the next segment's start, once cut
  gint64 cut_us = 0;                         // monotonic time of the cut (0: current)
  std::vector<GstPad*> pads;                 // per stream index, owned references
  std::vector<bool> ended;                   // per stream: EOS sent into pads[i]; under lock
  bool removed = false;                      // under lock

  ~Segment() {
    for (GstPad* pad : pads)
      if (pad) gst_object_unref(pad);
    if (muxer) gst_object_unref(muxer);
    if (sink) gst_object_unref(sink);
  }
};
using SegmentPtr = std::shared_ptr<Segment>;
using SegmentPads = std::vector<std::pair<SegmentPtr, size_t>>;  // (segment, stream index)

struct Stream {
  size_t index = 0;
  bool video = false;
  GstPad* sinkpad = nullptr;  // the element's request pad (owned by the element)
  GstPad* proxy = nullptr;    // owned reference, no parent
  GstSegment segment;         // streaming thread only
  SegmentPtr target;          // the segment its proxy is linked to; under lock
  bool eos = false;           // under lock
  bool flushing = false;      // under lock
  bool pushing = false;       // under lock
};

struct Impl {
  std::mutex lock;
  std::condition_variable cond;
  std::vector<std::unique_ptr<Stream>> streams;        // under lock (appended by request_new_pad)
  std::vector<SegmentPtr> segments;                    // alive, oldest first; under lock
  SegmentPtr current;                                  // under lock
  GstClockTime leader_position = GST_CLOCK_TIME_NONE;  // under lock
  bool stopping = true;                                // under lock: not PAUSED/PLAYING
  guint next_id = 0;                                   // under lock
  guint audio_pads = 0;                                // under GST_OBJECT_LOCK

  // Properties, under GST_OBJECT_LOCK.
  guint64 max_size_time = 0;
  std::string muxer_factory = "mp4mux";
  std::string sink_factory = "filesink";
  std::string location;
  GstStructure* muxer_properties = nullptr;
};

// The muxer's sink pad template for a stream: its own kind first (mp4mux's video_%u /
// audio_%u), then a generic one (mpegtsmux's sink_%d). Any thread.
GstStaticPadTemplate* muxerTemplate(GstElementFactory* factory, bool video);

// Streaming thread of `stream`: makes the segment that starts at `start` and writes `location`
// (muxer + sink in `bin`, a request pad per stream configured with the other streams' sticky
// events, running) and posts splitmuxsink-fragment-opened. Null when it could not (an error
// was posted).
SegmentPtr openSegment(GstElement* bin, Impl& impl, Stream& stream, const std::string& location,
                       GstClockTime start, guint id);

// Streaming thread of `stream`: moves its proxy from its old segment to `target`, ending its
// pads in every older segment.
void switchStream(Impl& impl, Stream& stream, const SegmentPtr& target);

// Sends EOS into each (segment, stream) pad. Not under lock.
void endPads(const SegmentPads& pads);
// Under lock: marks and returns the pads of `stream` in segments older than `before` (in every
// alive segment when null) that have not been ended yet.
SegmentPads takeOlderPads(Impl& impl, const Stream& stream, const Segment* before);
// Under lock: pads of streams that went silent in a segment cut more than kStaleStreamUs ago,
// so that segment can finish without them.
SegmentPads takeStalePads(Impl& impl);

// Any thread: posts splitmuxsink's element message `name` (-opened / -closed) from `bin`.
void postSegmentMessage(GstElement* bin, const char* name, const std::string& location,
                        GstClockTime running_time);

// Not on a streaming thread of `bin`: sets the segment's elements to NULL and takes them out.
void removeSegment(GstElement* bin, Impl& impl, const SegmentPtr& segment);
// Streaming thread (the finished segment's filesink): removes it from a
// gst_element_call_async thread.
void removeSegmentLater(GstElement* bin, Impl& impl, const SegmentPtr& segment);

}  // namespace mls::segment
