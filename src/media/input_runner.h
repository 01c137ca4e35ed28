// InputRunner: supervises one input and owns the runners of its outputs. It keeps the input's
// pipeline running while enabled; a source that errors, ends (EOS) or stalls (no media for the
// stall timeout) is torn down and retried with backoff, while its outputs stay configured and
// wait (idle) to resume when it is live again. The same holds for its recording (when `record`
// is set), which ends its segment cleanly when the source goes and starts a new one when it is
// back. Its passthrough RTMP outputs share the input's FanoutSender (fanout_sender.h) unless
// --rtmp-sender=rtmp2sink.
//
// A publish input (rtsp://…?mode=publish) pulls nothing: it opens an Ingest on the RTSP server
// and waits (idle) for a publisher. A publisher's arrival builds the pipeline from its streams
// (connecting, then live at the first media); its departure tears it down the way a lost source
// is (outputs wait, the recording closes its segment, RTSP readers are ended) and the input
// waits again. A failure (stall, error) disconnects the publisher and retries with backoff.
//
// Owned by the Supervisor; main thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "media/fanout_sender.h"
#include "media/ingest.h"
#include "media/input_pipeline.h"
#include "media/output_runner.h"
#include "media/recording_runner.h"
#include "media/run_context.h"
#include "media/run_tracker.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::media {

class InputRunner {
 public:
  InputRunner(const model::InputSpec& spec, RunContext& ctx);
  ~InputRunner();
  InputRunner(const InputRunner&) = delete;
  InputRunner& operator=(const InputRunner&) = delete;

  // A new desired spec (outputs included): restarts what changed, nothing else.
  void update(const model::InputSpec& spec);
  void tick(double elapsed_s);

  model::InputStatus status();
  const model::RunStatus* outputStatus(const std::string& output) const;
  InputPipeline* pipeline() const { return pipeline_.get(); }
  // The pipeline carrying the output now (the fan-out's, for a destination of it) and its
  // launch line; nullptr / "" when it has none (or there is no such output).
  GstElement* outputPipeline(const std::string& output) const;
  std::string outputLaunchLine(const std::string& output) const;
  // The input's fan-out pipeline, nullptr when it is not running. Its threads are the input's.
  GstElement* fanoutPipeline() const { return fanout_.pipeline(); }
  // The recorder's running pipeline, nullptr when there is none.
  const OutputPipeline* recorderPipeline() const;

  // Stops everything: outputs drained (drain_ms), then the input pipeline.
  void stopAll(int drain_ms);

 private:
  void attempt();
  void teardown(int output_drain_ms);
  InputPipeline::Callbacks pipelineCallbacks();
  void onReady();
  void onFailed(const std::string& error);
  bool isPublish() const;
  void openIngest();
  void closeIngest();
  void onPublisherArrived(uint64_t session);
  void onPublisherLeft(uint64_t session);
  void syncOutputs(const model::InputSpec& spec);
  void syncRecording(const model::InputSpec& spec);
  int stallTimeoutMs() const;
  static bool sourceChanged(const model::InputSpec& a, const model::InputSpec& b);

  model::InputSpec spec_;
  RunContext& ctx_;
  RunTracker tracker_;
  std::unique_ptr<InputPipeline> pipeline_;
  std::shared_ptr<Ingest> ingest_;  // a publish input while enabled: open on the RTSP server
  uint64_t publisher_ = 0;          // the Ingest session feeding pipeline_ (0: none)
  FanoutSender fanout_;             // declared before outputs_, which use it, so it outlives them
  std::map<std::string, std::unique_ptr<OutputRunner>> outputs_;
  std::unique_ptr<RecordingRunner> recording_;  // while spec_.record
  model::MediaInfo last_media_;
  SourceGuard deferred_;
};

}  // namespace mls::media
