// Validate → persist → adopt → reconcile. See core.h.
#include "app/core.h"

#include <unistd.h>

#include <algorithm>

#include "core/log.h"
#include "diag/pipeline_graph.h"
#include "diag/process_stats.h"
#include "diag/resource_report.h"
#include "diag/thread_audit.h"
#include "mls_config.h"
#include "model/validate.h"

namespace mls::app {

Core::Core(model::Config initial, model::ValidationContext validation, model::StateStore& store,
           media::Supervisor& supervisor)
    : config_(std::move(initial)),
      validation_(std::move(validation)),
      store_(store),
      supervisor_(supervisor),
      started_us_(g_get_monotonic_time()) {}

Result<void> Core::commit(model::Config next) {
  if (auto valid = model::validateConfig(next, validation_); !valid) return valid;
  if (auto saved = store_.save(next); !saved) {
    MLS_ERROR("state", "%s", saved.error().message.c_str());
    return fail(ErrorCode::Internal, "the change could not be saved: " + saved.error().message);
  }
  config_ = std::move(next);
  supervisor_.apply(config_);
  return {};
}

void Core::publish(const char* type, const std::string& input, const std::string& output) {
  if (!events_) return;
  std::string json = "{\"input\":\"" + input + "\"";  // names are [a-z0-9_-]: no escaping needed
  if (!output.empty()) json += ",\"output\":\"" + output + "\"";
  json += "}";
  events_(type, json);
}

model::InputStatus Core::inputStatus(const std::string& input) const {
  return supervisor_.inputStatus(input);
}

model::RunStatus Core::outputStatus(const std::string& input, const std::string& output) const {
  return supervisor_.outputStatus(input, output);
}

Result<void> Core::createInput(model::InputSpec input) {
  if (config_.findInput(input.name))
    return fail(ErrorCode::Conflict, "an input named '" + input.name + "' already exists", "name");
  model::Config next = config_;
  std::string name = input.name;
  next.inputs.push_back(std::move(input));
  if (auto r = commit(std::move(next)); !r) return r;
  MLS_INFO("api", "input %s created", name.c_str());
  publish("input.created", name);
  return {};
}

Result<void> Core::updateInput(model::InputSpec input) {
  model::Config next = config_;
  model::InputSpec* existing = next.findInput(input.name);
  if (!existing) return fail(ErrorCode::NotFound, "no input named '" + input.name + "'");
  input.outputs = existing->outputs;
  *existing = std::move(input);
  std::string name = existing->name;
  if (auto r = commit(std::move(next)); !r) return r;
  publish("input.updated", name);
  return {};
}

Result<void> Core::deleteInput(const std::string& input) {
  model::Config next = config_;
  auto it = std::find_if(next.inputs.begin(), next.inputs.end(),
                         [&](const model::InputSpec& i) { return i.name == input; });
  if (it == next.inputs.end()) return fail(ErrorCode::NotFound, "no input named '" + input + "'");
  size_t outputs = it->outputs.size();
  next.inputs.erase(it);
  if (auto r = commit(std::move(next)); !r) return r;
  MLS_INFO("api", "input %s deleted with its %zu output(s)", input.c_str(), outputs);
  publish("input.deleted", input);
  return {};
}

Result<void> Core::createOutput(const std::string& input, model::OutputSpec output) {
  model::Config next = config_;
  model::InputSpec* in = next.findInput(input);
  if (!in) return fail(ErrorCode::NotFound, "no input named '" + input + "'");
  if (in->findOutput(output.name))
    return fail(ErrorCode::Conflict,
                "input '" + input + "' already has an output named '" + output.name + "'", "name");
  std::string name = output.name;
  in->outputs.push_back(std::move(output));
  if (auto r = commit(std::move(next)); !r) return r;
  MLS_INFO("api", "output %s/%s created", input.c_str(), name.c_str());
  publish("output.created", input, name);
  return {};
}

Result<void> Core::updateOutput(const std::string& input, model::OutputSpec output) {
  model::Config next = config_;
  model::InputSpec* in = next.findInput(input);
  if (!in) return fail(ErrorCode::NotFound, "no input named '" + input + "'");
  model::OutputSpec* existing = in->findOutput(output.name);
  if (!existing)
    return fail(ErrorCode::NotFound, "input '" + input + "' has no output named '" +
                                         output.name + "'");
  std::string name = output.name;
  *existing = std::move(output);
  if (auto r = commit(std::move(next)); !r) return r;
  publish("output.updated", input, name);
  return {};
}

Result<void> Core::deleteOutput(const std::string& input, const std::string& output) {
  model::Config next = config_;
  model::InputSpec* in = next.findInput(input);
  if (!in) return fail(ErrorCode::NotFound, "no input named '" + input + "'");
  auto it = std::find_if(in->outputs.begin(), in->outputs.end(),
                         [&](const model::OutputSpec& o) { return o.name == output; });
  if (it == in->outputs.end())
    return fail(ErrorCode::NotFound, "input '" + input + "' has no output named '" + output + "'");
  in->outputs.erase(it);
  if (auto r = commit(std::move(next)); !r) return r;
  MLS_INFO("api", "output %s/%s deleted", input.c_str(), output.c_str());
  publish("output.deleted", input, output);
  return {};
}

Result<void> Core::replaceConfig(model::Config config) {
  if (auto r = commit(std::move(config)); !r) return r;
  MLS_INFO("api", "configuration imported: %zu input(s)", config_.inputs.size());
  if (events_) events_("config.replaced", "{}");
  return {};
}

api::SystemInfo Core::systemInfo() const {
  api::SystemInfo info;
  info.version = MLS_VERSION;
  g_autofree gchar* gst = gst_version_string();
  info.gstreamer_version = gst;
  info.uptime_s = (g_get_monotonic_time() - started_us_) / 1e6;
  for (const auto& in : config_.inputs) {
    info.inputs++;
    if (supervisor_.inputStatus(in.name).run.state == model::RunState::Live) info.inputs_live++;
    for (const auto& out : in.outputs) {
      info.outputs++;
      if (supervisor_.outputStatus(in.name, out.name).state == model::RunState::Live)
        info.outputs_live++;
    }
  }
  const diag::ProcessFigures process = diag::readProcessStats();
  info.threads = process.threads;
  info.rss_bytes = static_cast<uint64_t>(process.resident_bytes);
  info.cpu_user_s = process.cpu_user_s;
  info.cpu_system_s = process.cpu_system_s;
  info.open_fds = process.open_fds;
  info.start_time_unix_s = process.start_time_unix_s;
  info.threads_by_owner = diag::countByOwner(threads());
  const diag::Resources resources = diag::readResources();
  info.fds = resources.fds;
  info.peak_rss_bytes = resources.peak_rss_bytes;
  info.heap_bytes = resources.heap_in_use_bytes;
  const diag::ObjectCensus objects = diag::object_census::snapshot();
  info.gst_objects_alive = objects.alive;
  info.gst_objects_created = objects.created;
  return info;
}

std::vector<api::ReadinessCheck> Core::readiness() const {
  // The Core is made from the loaded state file (or the first-start state, already saved), so
  // once it exists the state is loaded.
  std::vector<api::ReadinessCheck> checks;
  checks.push_back({"state", true, {}});
  if (rtsp_) {
    bool rtsp_ready = rtsp_->listening();
    checks.push_back({"rtsp", rtsp_ready,
                      rtsp_ready ? std::string() : "the RTSP server is not accepting connections"});
  }
  checks.push_back({"shutdown", !shutting_down_,
                    shutting_down_ ? "mlsd is shutting down" : std::string()});
  return checks;
}

std::string Core::pipelineDot(const std::string& input, const std::string& output) const {
  GstElement* pipeline = supervisor_.pipelineElement(input, output);
  return pipeline ? diag::pipelineDot(pipeline) : std::string();
}

std::optional<std::vector<model::RtspSession>> Core::rtspSessions() const {
  if (!rtsp_ || !rtsp_->listening()) return std::nullopt;
  return rtsp_->sessions();
}

std::optional<std::vector<model::RtspPublication>> Core::rtspPublications() const {
  if (!rtsp_ || !rtsp_->listening()) return std::nullopt;
  return rtsp_->publications();
}

std::vector<diag::AttributedThread> Core::threads() const {
  // Read the threads first: a pipeline that starts meanwhile leaves its new threads unknown
  // rather than a pipeline that stopped meanwhile leaving its elements owning others' names.
  std::vector<diag::ThreadInfo> list = diag::readThreads();
  diag::ElementOwners elements;
  diag::ElementAddresses addresses;
  for (const model::InputSpec& input : config_.inputs) {
    if (GstElement* pipeline = supervisor_.pipelineElement(input.name, ""))
      diag::collectElementOwners(pipeline, {diag::OwnerKind::Input, input.name}, &elements,
                                 &addresses);
    // The RTMP fan-out serves several outputs of the input with one thread: the input's.
    GstElement* fanout = supervisor_.fanoutElement(input.name);
    if (fanout)
      diag::collectElementOwners(fanout, {diag::OwnerKind::Input, input.name}, &elements,
                                 &addresses);
    if (GstElement* recorder = supervisor_.recorderElement(input.name))
      diag::collectElementOwners(recorder, {diag::OwnerKind::Recording, input.name}, &elements,
                                 &addresses);
    for (const model::OutputSpec& output : input.outputs)
      if (GstElement* pipeline = supervisor_.pipelineElement(input.name, output.name);
          pipeline && pipeline != fanout)
        diag::collectElementOwners(pipeline,
                                   {diag::OwnerKind::Output, input.name + "/" + output.name},
                                   &elements, &addresses);
  }
  diag::addTaskOwners(diag::task_registry::liveTasks(), addresses, &elements);
  std::vector<diag::AttributedThread> threads =
      diag::attribute(list, static_cast<int>(getpid()), elements,
                      diag::threadOwners(diag::task_registry::streamingThreads(), addresses));
  diag::applyBaseline(&threads, thread_baseline_);
  return threads;
}

std::string Core::launchLine(const std::string& input, const std::string& output) const {
  return supervisor_.launchLine(input, output);
}

}  // namespace mls::app
