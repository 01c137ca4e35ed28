// Core: the API's Backend over the real thing. It holds the desired state, and every change
// goes the same way: build the complete new Config, validate all of it, write it to the state
// file, and only then adopt it and let the Supervisor reconcile. A change that fails at any step
// leaves memory, disk and pipelines exactly as they were. Owned by the Server; main thread.
#pragma once

#include <string>

#include "api/backend.h"
#include "diag/thread_audit.h"
#include "media/supervisor.h"
#include "model/spec.h"
#include "model/state_store.h"
#include "rtsp/rtsp_publisher.h"

namespace mls::app {

class Core : public api::Backend {
 public:
  Core(model::Config initial, model::ValidationContext validation, model::StateStore& store,
       media::Supervisor& supervisor);

  // Events of desired-state changes ("input.created", …) go here; state events come from the
  // Supervisor directly.
  void setEventSink(api::EventSink sink) { events_ = std::move(sink); }

  const model::Config& config() const override { return config_; }
  const model::ValidationContext& validation() const override { return validation_; }
  model::InputStatus inputStatus(const std::string& input) const override;
  model::RunStatus outputStatus(const std::string& input,
                                const std::string& output) const override;
  Result<void> createInput(model::InputSpec input) override;
  Result<void> updateInput(model::InputSpec input) override;
  Result<void> deleteInput(const std::string& input) override;
  Result<void> createOutput(const std::string& input, model::OutputSpec output) override;
  Result<void> updateOutput(const std::string& input, model::OutputSpec output) override;
  Result<void> deleteOutput(const std::string& input, const std::string& output) override;
  Result<void> replaceConfig(model::Config config) override;
  api::SystemInfo systemInfo() const override;
  std::vector<api::ReadinessCheck> readiness() const override;
  std::string pipelineDot(const std::string& input, const std::string& output) const override;
  std::string launchLine(const std::string& input, const std::string& output) const override;
  std::vector<diag::AttributedThread> threads() const override;

  // Threads alive before any pipeline started (diag::applyBaseline()); set once by the Server.
  void setThreadBaseline(diag::Baseline baseline) { thread_baseline_ = std::move(baseline); }

  // The embedded RTSP server, for GET /readyz (not owned; may stay unset in tests).
  void setRtsp(const rtsp::RtspPublisher* rtsp) { rtsp_ = rtsp; }
  // The recording catalog the API serves (owned by the Server); nullptr until set.
  void setRecordings(recordings::RecordingStore* store) { recordings_ = store; }
  recordings::RecordingStore* recordings() const override { return recordings_; }
  std::optional<std::vector<model::RtspSession>> rtspSessions() const override;
  std::optional<std::vector<model::RtspPublication>> rtspPublications() const override;

  // From now on GET /readyz answers 503 (the Server is draining pipelines before it exits).
  void setShuttingDown() { shutting_down_ = true; }

 private:
  Result<void> commit(model::Config next);
  void publish(const char* type, const std::string& input, const std::string& output = {});

  model::Config config_;
  model::ValidationContext validation_;
  model::StateStore& store_;
  media::Supervisor& supervisor_;
  api::EventSink events_;
  int64_t started_us_;
  bool shutting_down_ = false;
  const rtsp::RtspPublisher* rtsp_ = nullptr;
  diag::Baseline thread_baseline_;
  recordings::RecordingStore* recordings_ = nullptr;
};

}  // namespace mls::app
