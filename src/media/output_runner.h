// OutputRunner: supervises one output. It keeps the output's pipeline running whenever the
// output is enabled and its input is live, retries failures with backoff (on its own: siblings
// and the input never notice), gives up after a few errors that retrying will not fix (rejected
// stream key, auth), and reports the observed state. Owned by its InputRunner; main thread.
//
// An output that sends its input's FLV stream as it is (passthrough RTMP/RTMPS) is, when the
// InputRunner gives it a FanoutSender (--rtmp-sender=fanout), a destination of the input's
// fan-out instead of a pipeline of its own: the state comes from the destination's reports
// (live, retrying while the element reconnects by itself, failed), the bytes from its stats.
// The rest is the same for both: the accept deadline, giving up after repeated permanent errors,
// retries after a failure of the whole fan-out.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "media/fanout_sender.h"
#include "media/input_pipeline.h"
#include "media/output_pipeline.h"
#include "media/run_context.h"
#include "media/run_tracker.h"
#include "model/spec.h"

namespace mls::media {

class OutputRunner {
 public:
  // `fanout`: the input's fan-out, which passthrough RTMP outputs use; nullptr for rtmp2sink.
  OutputRunner(std::string input_name, model::OutputSpec spec, RunContext& ctx,
               FanoutSender* fanout);
  ~OutputRunner();
  OutputRunner(const OutputRunner&) = delete;
  OutputRunner& operator=(const OutputRunner&) = delete;

  const model::OutputSpec& spec() const { return spec_; }
  const model::RunStatus& status() const { return tracker_.status(); }
  // The pipeline that carries the output now (borrowed; the input's shared fan-out for a
  // destination of it), nullptr when there is none (idle, retrying, stopped).
  GstElement* pipelineElement() const;
  // Its gst-launch-1.0 line, stream key masked; "" when there is none.
  std::string launchLine() const;

  // A new desired spec; restarts the pipeline when anything that shapes it changed.
  void update(const model::OutputSpec& spec);
  // The input went live (`input` set) or down (nullptr).
  void setInput(InputPipeline* input);
  // Once a second: rates, and the deadline for a destination to accept the stream.
  void tick(double elapsed_s);
  // Takes the pipeline out of service; drain_ms > 0 ends the stream cleanly first.
  void stopPipeline(int drain_ms);

 private:
  void attempt();
  void attemptFanout();
  void onDestination(const FanoutSender::Report& report);
  void onLive();
  void deferFailure(const std::string& error, bool permanent);
  void onFailed(const std::string& error, bool permanent);
  bool sending() const { return pipeline_ || on_fanout_; }
  void publish();

  std::string input_name_;
  model::OutputSpec spec_;
  RunContext& ctx_;
  RunTracker tracker_;
  InputPipeline* input_ = nullptr;  // borrowed from the InputRunner while the input is live
  std::unique_ptr<OutputPipeline> pipeline_;
  FanoutSender* fanout_;    // the input's, outlives this runner; nullptr: rtmp2sink
  bool on_fanout_ = false;  // a destination of fanout_ now
  int permanent_errors_ = 0;
  SourceGuard deferred_;  // failure handling, run outside the pipeline's own callbacks
};

}  // namespace mls::media
