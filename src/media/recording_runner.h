// RecordingRunner: supervises the recording of one input while the input's `record` flag is
// set. It keeps a recorder (OutputPipeline::createRecorder) running whenever the input is live:
// the input losing its source ends the current segment cleanly (EOS), and its return starts a
// new one. A recorder that fails (disk full, no permission) stops with state `failed` and the
// error, touching nothing else: the input, its outputs and its RTSP publication carry on.
// Other errors are retried with backoff. Owned by its InputRunner; main thread.
//
// Events: recording.started / recording.stopped / recording.failed (input, error) and
// recording.state (the whole status) on every change.
#pragma once

#include <memory>
#include <string>

#include "media/input_pipeline.h"
#include "media/output_pipeline.h"
#include "media/run_context.h"
#include "media/run_tracker.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::media {

class RecordingRunner {
 public:
  RecordingRunner(std::string input_name, const model::InputSpec& spec, RunContext& ctx);
  ~RecordingRunner();  // ends the current segment cleanly (see stop())
  RecordingRunner(const RecordingRunner&) = delete;
  RecordingRunner& operator=(const RecordingRunner&) = delete;

  // A new desired spec of the input (segment length may have changed).
  void update(const model::InputSpec& spec);
  // The input went live (`input` set) or down (nullptr: the segment is finished cleanly).
  void setInput(InputPipeline* input);
  void tick(double elapsed_s);
  // Ends the recording; drain_ms > 0 finalizes the open segment first (EOS, at most drain_ms).
  void stop(int drain_ms);

  model::RecordingStatus status() const;
  const OutputPipeline* pipeline() const { return pipeline_.get(); }

 private:
  void attempt();
  void onFailed(const std::string& error, bool permanent);
  void stopPipeline(int drain_ms);
  void publish(const char* type, const std::string& error = {});
  RecorderSettings settings() const;

  std::string input_name_;
  model::InputSpec spec_;
  RunContext& ctx_;
  RunTracker tracker_;
  InputPipeline* input_ = nullptr;  // borrowed from the InputRunner while the input is live
  std::unique_ptr<OutputPipeline> pipeline_;
  std::string segment_;
  int segments_ = 0;
  int64_t started_unix_s_;
  bool started_reported_ = false;
  SourceGuard deferred_;
};

}  // namespace mls::media
