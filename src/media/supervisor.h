// Supervisor: turns the desired state (model::Config) into running pipelines and reports what
// they do. apply() reconciles: new inputs and outputs start, removed ones stop (outputs end
// their stream cleanly), changed ones restart, unchanged ones are not touched. A one-second tick
// computes rates and watches for stalls and deadlines. Owned by the Server; main thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "media/input_runner.h"
#include "media/run_context.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::media {

// Initializes GStreamer-side state of the media layer (debug categories, the project's own
// elements). Call once after gst_init().
void init();

class Supervisor {
 public:
  explicit Supervisor(RunSettings settings,
                      std::function<void(const std::string&, const std::string&)> events = {});
  ~Supervisor();

  // Where live inputs are published (not owned; must outlive the Supervisor). Set before apply().
  void setPublisher(Publisher* publisher) { ctx_.publisher = publisher; }
  // Where publish inputs accept their publishers (not owned; must outlive the Supervisor).
  void setIngestHost(IngestHost* host) { ctx_.ingest_host = host; }

  void apply(const model::Config& config);

  // Called at the end of every one-second tick, once the rates are fresh (the app publishes
  // the SSE `stats` event from it). May be empty.
  void setTickHook(std::function<void()> hook) { tick_hook_ = std::move(hook); }

  model::InputStatus inputStatus(const std::string& input) const;
  model::RunStatus outputStatus(const std::string& input, const std::string& output) const;
  InputPipeline* inputPipeline(const std::string& input) const;
  // For debugging: the running GStreamer pipeline of an input (`output` empty) or of one of its
  // outputs, and the gst-launch-1.0 description it was built from (secrets masked). nullptr / ""
  // when that pipeline is not running now. The element is borrowed: use it before returning to
  // the main loop.
  GstElement* pipelineElement(const std::string& input, const std::string& output) const;
  std::string launchLine(const std::string& input, const std::string& output) const;
  // The input's RTMP fan-out pipeline (shared by its passthrough RTMP outputs), nullptr when
  // not running. Borrowed, like pipelineElement().
  GstElement* fanoutElement(const std::string& input) const;
  // The pipeline of the input's recorder, nullptr when it is not recording now. Borrowed.
  GstElement* recorderElement(const std::string& input) const;

  // Stops every input and output (outputs drained at most drain_ms); pipelines then reach NULL
  // on the reaper thread.
  void stopAll(int drain_ms);
  // Pipelines handed to the reaper and not yet released.
  int pendingTeardowns() const { return ctx_.reaper.pending(); }

 private:
  void tick();

  RunContext ctx_;
  std::map<std::string, std::unique_ptr<InputRunner>> inputs_;
  SourceGuard ticker_;
  std::function<void()> tick_hook_;
  int64_t last_tick_us_ = 0;
};

}  // namespace mls::media
