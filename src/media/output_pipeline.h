// OutputPipeline: the pipeline of one output, fed from its input's taps through appsrc. Being a
// pipeline of its own is what isolates it: its errors, EOS, back-pressure and state changes stay
// on its own bus and threads. (The fan-out takes its buffers on the input's thread instead, as
// its element never pushes back: see Feed::direct in tap.h.)
//
// Shapes (chosen by OutputPlan from the URL scheme, the profile and what the input carries):
//   passthrough RTMP      Flv tap    → appsrc → rtmp2sink chunk-size=4096 (--rtmp-sender=rtmp2sink)
//   an input's fan-out    Flv tap    → mlsrtmpfanout (pushed into directly: Feed::direct), one
//                         per input, every passthrough RTMP output a destination of it
//                         (see fanout_sender.h)
//   passthrough SRT/UDP   MpegTs tap → appsrc → srtsink | udpsink
//   everything else       Video/Audio taps → appsrc → [decode → scale/rotate/rate → encode]
//                         (+ silent AAC when asked) → flvmux | mpegtsmux | rtspclientsink
//   a recording           Video/Audio taps → appsrc → parse → mlssegmentsink (segment files;
//                         see recorder_builder.h and recording_files.h)
//
// Owned by an OutputRunner on the main thread. Probes run on streaming threads and only touch
// atomics and post to the main context.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/gobj.h"
#include "core/result.h"
#include "media/input_pipeline.h"
#include "media/reaper.h"
#include "media/recording_files.h"
#include "media/tap.h"
#include "model/spec.h"

namespace mls::media {

// What a recorder needs to know beyond its input.
struct RecorderSettings {
  std::string recordings_dir;  // absolute
  int segment_duration_s = 600;
  model::SegmentFormat format = model::SegmentFormat::Mp4;
};

class OutputPipeline {
 public:
  struct Callbacks {
    std::function<void()> live;  // main thread, once: the destination is taking media
    // main thread, once. `permanent`: retrying will not help (auth, rejected key, codec).
    std::function<void(const std::string& error, bool permanent)> failed;
    // Recordings only, main thread: a segment file was opened (`opened`) or closed cleanly.
    std::function<void(const std::string& file, bool opened)> segment;
    // Main thread: every element message, until the pipeline is disposed (the fan-out's
    // per-destination reports).
    std::function<void(const GstStructure* message)> element;
  };

  // What the fan-out element of an input is set up with (see fanout_sender.h).
  struct FanoutSettings {
    guint reconnect_min_ms = 1000;
    guint reconnect_max_ms = 30000;
    guint eos_timeout_ms = 2000;
  };

  // Builds the pipeline for `output` of `input` (which must be ready). Errors the operator must
  // fix (a codec the container cannot carry) are ErrorCode::Invalid.
  static Result<std::unique_ptr<OutputPipeline>> create(const std::string& input_name,
                                                        const model::OutputSpec& output,
                                                        InputPipeline& input, Callbacks callbacks);
  // Builds the recorder of `input`: its streams as they are, in segment files under
  // <recordings_dir>/<input_name>/. Errors the operator must fix are ErrorCode::Invalid.
  static Result<std::unique_ptr<OutputPipeline>> createRecorder(const std::string& input_name,
                                                                const RecorderSettings& settings,
                                                                InputPipeline& input,
                                                                Callbacks callbacks);
  // Builds the fan-out pipeline of `input` (which must be ready): its FLV stream into one
  // mlsrtmpfanout, named "fanout", with no destination yet.
  static Result<std::unique_ptr<OutputPipeline>> createFanout(const std::string& input_name,
                                                              const FanoutSettings& settings,
                                                              InputPipeline& input,
                                                              Callbacks callbacks);
  ~OutputPipeline();

  // Sets PLAYING and subscribes to the input's taps.
  Result<void> start();
  // Unsubscribes from the input's taps; call before the input pipeline goes away. Main thread.
  void detach();

  // Takes the pipeline out of service. With drain_ms > 0, EOS is sent through first and awaited
  // (at most drain_ms) so the destination sees a clean end (RTMP unpublish); then the reaper
  // sets NULL off the main thread. `done` runs on the main context at the end.
  static void dispose(std::unique_ptr<OutputPipeline> self, Reaper& reaper, int drain_ms,
                      std::function<void()> done);

  // Outputs still ending their stream (between dispose() with drain and the hand-over to the
  // reaper). Main thread.
  static int drainsInFlight();

  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t videoFrames() const;
  uint64_t dropped() const;
  bool muxedFeed() const { return muxed_feed_; }
  const std::string& launchLine() const { return launch_; }
  GstElement* pipeline() const { return pipeline_.get(); }

 private:
  struct Anchor;
  struct Subscription {
    Tap* tap;
    std::shared_ptr<Feed> feed;
  };

  OutputPipeline(std::string name, Callbacks callbacks);
  static gboolean onBusMessage(GstBus* bus, GstMessage* message, gpointer self) noexcept;
  static GstPadProbeReturn onSinkBuffer(GstPad* pad, GstPadProbeInfo* info,
                                        gpointer self) noexcept;
  void watchSinkPad(GstPad* pad);
  void finishDrain();
  void reportFailure(const std::string& error, bool permanent);

  // Adds an appsrc fed from the input's tap of `kind`, subscribed in start().
  Result<GstElement*> addFeed(InputPipeline& input, TapKind kind);
  void onElementMessage(GstMessage* message);
  static GstPipeline* newPipeline(const std::string& name, InputPipeline& input);

  friend class OutputBuilder;
  friend class RecorderBuilder;
  std::string name_;  // "input/output", for logs
  Callbacks callbacks_;
  GstPtr<GstElement> pipeline_;
  guint bus_watch_ = 0;
  std::shared_ptr<Anchor> anchor_;
  std::vector<Subscription> subscriptions_;
  std::shared_ptr<Feed> direct_feed_;  // the fan-out's feed into its element's pad (tap.h)
  bool muxed_feed_ = false;
  bool live_reported_ = false;
  bool failed_ = false;
  std::string launch_;
  std::shared_ptr<RecordingFiles> recording_;  // recorders only
  bool ended_cleanly_ = false;                 // EOS came through while draining
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> sink_buffers_{0};

  // Draining (main thread).
  Reaper* drain_reaper_ = nullptr;
  std::function<void()> drain_done_;
  SourceGuard drain_timer_;
  bool draining_ = false;
};

}  // namespace mls::media
