// Tap: the seam between an input pipeline and the output pipelines fed from it. A Tap ends a
// branch of the input pipeline in an appsink; every buffer that reaches it is handed, by
// reference (no copy), to each subscribed Feed, which pushes it into its output pipeline's appsrc
// (or, for the input's RTMP fan-out, straight into the fan-out element's pad: Feed::direct).
// Nothing flows back: an output's errors, EOS or back-pressure never reach the input pipeline,
// which is what keeps a failing destination from disturbing its siblings (GStreamer 1.22's tee
// propagates a branch's GST_FLOW_ERROR upstream within ~3 buffers; appsink never does).
//
// Kinds: Flv and MpegTs taps carry one muxed stream (mux once, send many); Video and Audio taps
// carry parsed elementary streams for outputs that re-mux or transcode. An RTMP input's Flv tap
// carries the source's own FLV tags instead (sourceFlv(): nothing is muxed at all), with caps
// that a FlvStreamHeaders makes from the header tags it has seen.
//
// Each Feed has a bounded backlog: when its appsrc holds more than `max_backlog_bytes` (a slow or
// stalled destination), buffers are dropped until the next keyframe, so a stalled peer costs
// only its own output. A Tap keeps the current GOP so a new Feed starts at once from a keyframe
// (unless the stream paused since: see StreamDemand).
//
// Threads: deliver() runs on the input pipeline's streaming thread (appsink callback);
// subscribe()/unsubscribe() run on the main thread for outputs, and on gst-rtsp-server threads for
// RTSP media (rtsp::TapSource, which guarantees the tap outlives the call). `lock_` protects
// feeds_, gop_ and caps_.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/gobj.h"
#include "media/flv_headers.h"

namespace mls::media {

enum class TapKind { Flv, MpegTs, Video, Audio };
const char* tapKindName(TapKind kind);

// Counters of one feed, written by the streaming thread and read by the main thread.
struct FeedCounters {
  std::atomic<uint64_t> buffers{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> video_frames{0};
  std::atomic<uint64_t> dropped{0};
};

// Who needs an input's parsed streams, shared by the taps fed from them and the input's parse
// gate (InputPipeline): `feeds` counts their subscribers, and `pauses` how many times the stream
// stopped flowing because nobody did (a tap's cached GOP from before a pause is not replayed).
struct StreamDemand {
  std::atomic<int> feeds{0};
  std::atomic<uint64_t> pauses{0};
};

// One output's subscription to a tap. Usually an appsrc it pushes into, which decouples the
// output pipeline (its own streaming thread takes the buffers from there). A direct feed instead
// pushes into an element's sink pad on the tap's own thread: no queue, no thread hand-off per
// buffer. That is only for an element whose chain never waits (mlsrtmpfanout hands each buffer
// to its own loop thread and bounds each destination's backlog itself; its EOS does not wait
// either) and which is PLAYING before it is subscribed, so nothing can block the input.
class Feed {
 public:
  // `timestamp_offset`: added to PTS/DTS (running time of the input pipeline) to give the
  // running time of the output pipeline (base_time_in - base_time_out; both use the system clock).
  Feed(GstElement* appsrc, int64_t timestamp_offset, uint64_t max_backlog_bytes);
  // A direct feed into `sinkpad` (see above).
  static std::shared_ptr<Feed> direct(GstPad* sinkpad);

  GstAppSrc* appsrc() const { return appsrc_ ? GST_APP_SRC(appsrc_.get()) : nullptr; }
  const FeedCounters& counters() const { return counters_; }
  // A direct feed: ends its stream (EOS into the pad; the element reports its own EOS on its
  // bus). Call after unsubscribing, so no streaming thread pushes at the same time.
  void endOfStream();

 private:
  friend class Tap;
  Feed() = default;
  // Streaming thread, under the tap's lock.
  // `video_frames`: how many video frames start in `buffer` (for the output's fps).
  void push(GstBuffer* buffer, GstCaps* caps, const GstSegment& segment, bool retime,
            int video_frames, bool is_keyframe);
  void pushDirect(GstBuffer* buffer, GstCaps* caps, int video_frames);
  void startDirect(GstCaps* caps);
  void countPushed(gsize size, int video_frames);

  GstPtr<GstElement> appsrc_;    // an appsrc feed
  GstPtr<GstPad> pad_;           // a direct feed
  bool direct_started_ = false;  // under the tap's lock
  int64_t timestamp_offset_ = 0;
  uint64_t max_backlog_bytes_ = 0;
  bool need_keyframe_ = true;      // under the tap's lock
  GstMiniPtr<GstCaps> sent_caps_;  // under the tap's lock: the caps last set on the appsrc
  FeedCounters counters_;
};

class Tap {
 public:
  // `has_video`: the tapped stream carries video, so feeds start on a video keyframe.
  Tap(TapKind kind, std::string name, bool has_video);
  // An Flv tap fed with the RTMP source element's output as it is. It caches from its first buffer,
  // so it is linked when the pipeline is built; setSourceStreams() makes it ready for subscribers.
  static std::unique_ptr<Tap> sourceFlv(std::string name);
  ~Tap();
  Tap(const Tap&) = delete;
  Tap& operator=(const Tap&) = delete;

  TapKind kind() const { return kind_; }
  // The appsink that ends the tap's branch; the InputPipeline adds and links it.
  GstElement* sink() const { return appsink_.get(); }

  // Any thread, while the tap is alive. The feed starts with the cached GOP (if any), then live
  // buffers.
  void subscribe(std::shared_ptr<Feed> feed);
  void unsubscribe(const Feed* feed);
  size_t subscribers() const;

  // Caps of the tapped stream, once known (ref'd copy or nullptr). Any thread.
  GstCaps* caps() const;

  // A sourceFlv() tap: the streams the input carries (from its parsed streams). Any thread.
  void setSourceStreams(bool has_video, bool has_audio);
  // Counts this tap's subscribers in `*demand` (which must outlive the tap). Main thread, before
  // the first subscriber.
  void countSubscribersIn(StreamDemand* demand) {
    std::lock_guard<std::mutex> guard(lock_);
    demand_ = demand;
  }

 private:
  static GstFlowReturn onNewSample(GstAppSink* sink, gpointer self) noexcept;
  void deliver(GstSample* sample);
  bool isKeyframe(GstBuffer* buffer, bool* is_video) const;

  TapKind kind_;
  std::string name_;
  std::atomic<bool> has_video_;
  GstPtr<GstElement> appsink_;
  std::unique_ptr<FlvStreamHeaders> source_flv_;  // sourceFlv() taps; protected by lock_

  mutable std::mutex lock_;
  std::vector<std::shared_ptr<Feed>> feeds_;  // protected by lock_
  std::vector<GstMiniPtr<GstBuffer>> gop_;    // protected by lock_: since the last keyframe
  uint64_t gop_bytes_ = 0;                    // protected by lock_
  GstMiniPtr<GstCaps> caps_;                  // protected by lock_
  StreamDemand* demand_ = nullptr;            // protected by lock_
  uint64_t gop_pause_ = 0;  // protected by lock_: demand_->pauses when the newest buffer came
  GstSegment segment_;      // protected by lock_
};

}  // namespace mls::media
