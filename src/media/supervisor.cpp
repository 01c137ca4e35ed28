// Reconciliation of desired and running state. See supervisor.h.
#include "media/supervisor.h"

#include "elements.h"

#include "media/media_log.h"

namespace mls::media {

void init() {
  mediaLogInit();
  // The project's own elements (plugins/: mlsrtmpfanout, mlssegmentsink), linked in: no
  // GST_PLUGIN_PATH needed.
  if (!mls_elements_register_static()) GST_WARNING("the mls elements could not be registered");
}

Supervisor::Supervisor(RunSettings settings,
                       std::function<void(const std::string&, const std::string&)> events) {
  ctx_.settings = std::move(settings);
  ctx_.events = std::move(events);
  last_tick_us_ = g_get_monotonic_time();
  ticker_ = SourceGuard::timeout(1000, [this]() {
    tick();
    return G_SOURCE_CONTINUE;
  });
}

Supervisor::~Supervisor() {
  ticker_.reset();
  inputs_.clear();  // each runner disposes its pipelines; the reaper joins in ctx_'s destructor
}

void Supervisor::apply(const model::Config& config) {
  for (auto it = inputs_.begin(); it != inputs_.end();) {
    if (!config.findInput(it->first)) {
      it->second->stopAll(ctx_.settings.output_drain_ms);
      it = inputs_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& input : config.inputs) {
    auto it = inputs_.find(input.name);
    if (it == inputs_.end()) {
      inputs_.emplace(input.name, std::make_unique<InputRunner>(input, ctx_));
    } else {
      it->second->update(input);
    }
  }
}

model::InputStatus Supervisor::inputStatus(const std::string& input) const {
  auto it = inputs_.find(input);
  return it == inputs_.end() ? model::InputStatus{} : it->second->status();
}

model::RunStatus Supervisor::outputStatus(const std::string& input,
                                          const std::string& output) const {
  auto it = inputs_.find(input);
  if (it == inputs_.end()) return {};
  const model::RunStatus* s = it->second->outputStatus(output);
  return s ? *s : model::RunStatus{};
}

InputPipeline* Supervisor::inputPipeline(const std::string& input) const {
  auto it = inputs_.find(input);
  return it == inputs_.end() ? nullptr : it->second->pipeline();
}

GstElement* Supervisor::pipelineElement(const std::string& input,
                                        const std::string& output) const {
  auto it = inputs_.find(input);
  if (it == inputs_.end()) return nullptr;
  if (output.empty()) {
    InputPipeline* pipeline = it->second->pipeline();
    return pipeline ? pipeline->pipeline() : nullptr;
  }
  return it->second->outputPipeline(output);
}

GstElement* Supervisor::fanoutElement(const std::string& input) const {
  auto it = inputs_.find(input);
  return it == inputs_.end() ? nullptr : it->second->fanoutPipeline();
}

GstElement* Supervisor::recorderElement(const std::string& input) const {
  auto it = inputs_.find(input);
  if (it == inputs_.end()) return nullptr;
  const OutputPipeline* recorder = it->second->recorderPipeline();
  return recorder ? recorder->pipeline() : nullptr;
}

std::string Supervisor::launchLine(const std::string& input, const std::string& output) const {
  auto it = inputs_.find(input);
  if (it == inputs_.end()) return {};
  if (output.empty()) {
    InputPipeline* pipeline = it->second->pipeline();
    return pipeline ? pipeline->launchLine() : std::string();
  }
  return it->second->outputLaunchLine(output);
}

void Supervisor::stopAll(int drain_ms) {
  for (auto& [name, runner] : inputs_) runner->stopAll(drain_ms);
  inputs_.clear();
}

void Supervisor::tick() {
  int64_t now = g_get_monotonic_time();
  double elapsed = (now - last_tick_us_) / 1e6;
  last_tick_us_ = now;
  for (auto& [name, runner] : inputs_) runner->tick(elapsed);
  if (tick_hook_) tick_hook_();
}

}  // namespace mls::media
