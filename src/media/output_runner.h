// OutputRunner: supervises one output. It keeps the output's pipeline running whenever the
// output is enabled and its input is live, retries failures with backoff (on its own: siblings
// and the input never notice), gives up after a few errors that retrying will not fix (rejected
// stream key, auth), and reports the observed state. Owned by its InputRunner; main thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "media/input_pipeline.h"
#include "media/output_pipeline.h"
#include "media/run_context.h"
#include "media/run_tracker.h"
#include "model/spec.h"

namespace mls::media {

class OutputRunner {
 public:
  OutputRunner(std::string input_name, model::OutputSpec spec, RunContext& ctx);
  ~OutputRunner();
  OutputRunner(const OutputRunner&) = delete;
  OutputRunner& operator=(const OutputRunner&) = delete;

  const model::OutputSpec& spec() const { return spec_; }
  const model::RunStatus& status() const { return tracker_.status(); }
  // The running pipeline, nullptr when there is none (idle, retrying, stopped).
  const OutputPipeline* pipeline() const { return pipeline_.get(); }

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
  void onFailed(const std::string& error, bool permanent);
  void publish();

  std::string input_name_;
  model::OutputSpec spec_;
  RunContext& ctx_;
  RunTracker tracker_;
  InputPipeline* input_ = nullptr;  // borrowed from the InputRunner while the input is live
  std::unique_ptr<OutputPipeline> pipeline_;
  int permanent_errors_ = 0;
  SourceGuard deferred_;  // failure handling, run outside the pipeline's own callbacks
};

}  // namespace mls::media
