// FakeBackend: an in-memory api::Backend for the API tests. It keeps a Config, validates every
// mutation with model::validateConfig before it changes anything (as the real core does), counts
// the mutations it applied, and returns whatever observed state, readiness, pipeline graphs and
// launch lines, threads and recording store a test sets. Main thread.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "api/backend.h"

namespace mls::api::test {

class FakeBackend : public Backend {
 public:
  model::Config config_;
  model::ValidationContext validation_;
  std::map<std::string, model::InputStatus> input_status_;
  std::map<std::pair<std::string, std::string>, model::RunStatus> output_status_;
  SystemInfo system_;
  std::vector<ReadinessCheck> readiness_{{"state", true, {}}};
  // Pipelines "running", by "input" or "input/output": their DOT text and launch line.
  std::map<std::string, std::string> dot_;
  std::map<std::string, std::string> launch_;
  std::vector<diag::AttributedThread> threads_;  // what GET /debug/threads shows
  int applied_ = 0;  // mutations that changed the config
  recordings::RecordingStore* store_ = nullptr;  // what the recording routes see

  const model::Config& config() const override { return config_; }
  const model::ValidationContext& validation() const override { return validation_; }
  model::InputStatus inputStatus(const std::string& input) const override;
  model::RunStatus outputStatus(const std::string& input, const std::string& output) const override;

  Result<void> createInput(model::InputSpec input) override;
  Result<void> updateInput(model::InputSpec input) override;
  Result<void> deleteInput(const std::string& input) override;
  Result<void> createOutput(const std::string& input, model::OutputSpec output) override;
  Result<void> updateOutput(const std::string& input, model::OutputSpec output) override;
  Result<void> deleteOutput(const std::string& input, const std::string& output) override;
  Result<void> replaceConfig(model::Config config) override;
  SystemInfo systemInfo() const override { return system_; }
  std::vector<ReadinessCheck> readiness() const override { return readiness_; }
  std::string pipelineDot(const std::string& input, const std::string& output) const override;
  std::string launchLine(const std::string& input, const std::string& output) const override;
  std::vector<diag::AttributedThread> threads() const override { return threads_; }
  recordings::RecordingStore* recordings() const override { return store_; }

 private:
  Result<void> commit(model::Config next);
};

}  // namespace mls::api::test
