// InputPipeline: the one GStreamer pipeline of an input. It pulls the source once, parses it into
// elementary streams (at most one video and one audio), puts a tee on each, and grows taps on
// demand for the outputs fed from it:
//
//   source ─▶ parse ─▶ tee(video) ─┬─▶ appsink                      Tap Video
//                                  ├─▶ queue ▶ h264parse ▶ flvmux ▶ appsink  Tap Flv
//                                  └─▶ queue ▶ h264parse config-interval=-1 ▶ mpegtsmux ▶ appsink
//                                  Tap MpegTs
//                    tee(audio) ─── (the same, with aacparse)
//
// An RTMP source is FLV already: mlsrtmpsrc ─▶ tee ─┬─▶ parse ─▶ (as above)
//                                                   └─▶ appsink   Tap Flv (the source's tags)
// so its RTMP outputs cost no demux, parse or mux, and get the tags exactly as the source sent
// them (the flvmux tap stays for sources whose audio FLV cannot carry). Media goes on into parse
// only while a tap fed by the parsed streams has a subscriber (ParseGate).
//
// Media never flows from a tap back into the pipeline, so nothing an output does reaches the
// source. Running time follows the clock: at the first buffer the source's running time is
// shifted onto the clock's (an RTMP source passes the publisher's timestamps, rtspsrc's come a
// jitterbuffer latency late), so live muxers in taps and outputs see buffers on time. EOS from
// the source is a failure (a live source does not end) and stops at the taps.
//
// Owned by an InputRunner on the main thread. Pad-added and probe callbacks run on streaming
// threads: they only build the source's own branches, update atomics and post to the main
// context. Taps are created on the main thread while PLAYING.
#pragma once

#include <gst/gst.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/gobj.h"
#include "core/result.h"
#include "media/flow_counters.h"
#include "media/parse_gate.h"
#include "media/reaper.h"
#include "media/sources.h"
#include "media/tap.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::media {

class InputPipeline {
 public:
  struct Callbacks {
    std::function<void()> streams_ready;             // main thread, once
    std::function<void(const std::string&)> failed;  // main thread; error or EOS (once)
  };

  // `publish_codecs`: a publish input's announced streams (see buildSource).
  static Result<std::unique_ptr<InputPipeline>> create(
      const model::InputSpec& spec, const std::string& media_dir, const SourceDefaults& defaults,
      Callbacks callbacks, const std::vector<std::string>& publish_codecs = {});
  ~InputPipeline();

  Result<void> start();
  // Takes the pipeline out of service: the reaper sets it to NULL off the main thread and then
  // destroys the object (streaming-thread callbacks use it until NULL). `done` runs on the main
  // context afterwards.
  static void dispose(std::unique_ptr<InputPipeline> self, Reaper& reaper,
                      std::function<void()> done);

  bool ready() const { return ready_; }
  // What the source carries; details (resolution, rate) are refreshed from negotiated caps.
  const model::MediaInfo& media() {
    if (ready_) refreshMedia();
    return media_;
  }
  const FlowCounters& counters() const { return counters_; }
  GstElement* pipeline() const { return pipeline_.get(); }
  GstClockTime baseTime() const;
  // A gst-launch-1.0 description of the source side (secrets masked) that runs on its own: the
  // source recipe, each chain ending in a fakesink where this pipeline's tees begin.
  const std::string& launchLine() const { return launch_; }
  // A publish input's appsrcs, one per announced stream (see SourceRecipe).
  const std::vector<GstElement*>& publishSources() const { return publish_sources_; }

  // The tap of that kind, created on first use. Fails with a message an operator understands
  // when this input cannot feed it (RTMP needs H.264, nothing to tap before streams are ready).
  Result<Tap*> tap(TapKind kind);

 private:
  struct Stream {
    GstPtr<GstElement> tee;
    std::string codec;          // "h264", "h265", "aac", "mp3", "opus"; empty: no such stream
    GstPtr<GstPad> source_pad;  // looped files: the demuxed pad (seeks go upstream from it)
    GstPtr<GstPad> loop_pad;    // looped files: where the running-time offset is applied
    // The stream's elementary tap (Video or Audio), linked to the tee before the stream's first
    // buffer, so its cached GOP starts at the source's first keyframe; moved into taps_ when
    // first asked for.
    std::unique_ptr<Tap> tap;
  };
  struct Anchor;  // lets posted callbacks find out whether this object is still alive

  InputPipeline(const model::InputSpec& spec, Callbacks callbacks);
  static void onPadAdded(GstElement* element, GstPad* pad, gpointer self) noexcept;
  static void onRtpPadAdded(GstElement* element, GstPad* pad, gpointer self) noexcept;
  static void onNoMorePads(GstElement* element, gpointer self) noexcept;
  void postStreamsChanged();  // any thread: onStreamAdded() on the main loop
  static GstPadProbeReturn onBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer self) noexcept;
  static GstPadProbeReturn onVideoBuffer(GstPad* pad, GstPadProbeInfo* info,
                                         gpointer self) noexcept;
  static GstPadProbeReturn onFirstBuffer(GstPad* pad, GstPadProbeInfo* info,
                                         gpointer self) noexcept;
  static GstPadProbeReturn onLoopEvent(GstPad* pad, GstPadProbeInfo* info, gpointer self) noexcept;
  void restartLoop();  // main thread
  static gboolean onBusMessage(GstBus* bus, GstMessage* message, gpointer self) noexcept;
  void linkStreamPad(GstPad* pad);  // streaming thread (or main thread for static pads)
  void onStreamAdded();             // main thread
  void markReady();                 // main thread
  void refreshMedia();              // main thread: codec details from the negotiated caps
  void reportFailure(const std::string& message);
  Result<std::unique_ptr<Tap>> buildTap(TapKind kind);

  std::string name_;
  bool loop_ = false;
  bool paced_ = false;
  bool wait_for_media_ = false;               // ready only once a buffer arrived (publish inputs)
  std::atomic<bool> media_seen_{false};       // a stream pad has seen its first buffer
  std::vector<GstElement*> publish_sources_;  // borrowed from pipeline_
  Callbacks callbacks_;
  GstPtr<GstElement> pipeline_;
  guint bus_watch_ = 0;
  std::shared_ptr<Anchor> anchor_;
  std::string launch_;

  std::mutex streams_lock_;
  Stream video_;                 // protected by streams_lock_ until ready_, then read-only
  Stream audio_;                 // protected by streams_lock_ until ready_, then read-only
  int unsupported_streams_ = 0;  // protected by streams_lock_
  // The shift from the source's running time to the clock's, decided at the first buffer of
  // any stream and applied to every stream alike (so they stay in sync). Protected by
  // streams_lock_.
  std::optional<GstClockTimeDiff> clock_offset_;

  bool playing_ = false;  // main thread: the pipeline has reached PLAYING
  bool ready_ = false;    // main thread
  bool failed_ = false;   // main thread
  SourceGuard settle_timer_;
  model::MediaInfo media_;
  FlowCounters counters_;
  // RTMP sources (ParseGate): it outlives the taps that count their subscribers in it.
  std::unique_ptr<ParseGate> parse_gate_;
  std::array<std::unique_ptr<Tap>, 4> taps_;  // by TapKind; main thread
  // RTMP sources: the FLV tap on the source element's own output, linked from the start and moved
  // into taps_ when an output first asks for FLV (unless the source's audio cannot go into FLV).
  std::unique_ptr<Tap> source_flv_;
  std::atomic<int> discovering_{0};   // parsebins (and rtspsrc) that have not said no-more-pads
  std::atomic<bool> looping_{false};  // a loop seek is under way: swallow its flushes
  std::atomic<int> streams_ended_{0};
  gint64 loop_offset_ = 0;  // main thread
  int loops_ = 0;           // main thread
};

}  // namespace mls::media
