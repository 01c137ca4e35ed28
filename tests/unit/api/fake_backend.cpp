// In-memory Backend for the API tests. See fake_backend.h.
#include "fake_backend.h"

#include "model/validate.h"

namespace mls::api::test {

model::InputStatus FakeBackend::inputStatus(const std::string& input) const {
  auto it = input_status_.find(input);
  return it == input_status_.end() ? model::InputStatus{} : it->second;
}

model::RunStatus FakeBackend::outputStatus(const std::string& input,
                                           const std::string& output) const {
  auto it = output_status_.find({input, output});
  return it == output_status_.end() ? model::RunStatus{} : it->second;
}

namespace {

std::string lookup(const std::map<std::string, std::string>& map, const std::string& input,
                   const std::string& output) {
  auto it = map.find(output.empty() ? input : input + "/" + output);
  return it == map.end() ? std::string() : it->second;
}

}  // namespace

std::string FakeBackend::pipelineDot(const std::string& input, const std::string& output) const {
  return lookup(dot_, input, output);
}

std::string FakeBackend::launchLine(const std::string& input, const std::string& output) const {
  return lookup(launch_, input, output);
}

Result<void> FakeBackend::commit(model::Config next) {
  if (auto ok = model::validateConfig(next, validation_); !ok) return ok;
  config_ = std::move(next);
  ++applied_;
  return {};
}

Result<void> FakeBackend::createInput(model::InputSpec input) {
  if (config_.findInput(input.name))
    return fail(ErrorCode::Conflict, "input \"" + input.name + "\" exists", "name");
  model::Config next = config_;
  next.inputs.push_back(std::move(input));
  return commit(std::move(next));
}

Result<void> FakeBackend::updateInput(model::InputSpec input) {
  model::Config next = config_;
  model::InputSpec* current = next.findInput(input.name);
  if (!current) return fail(ErrorCode::NotFound, "no input \"" + input.name + "\"");
  input.outputs = current->outputs;
  *current = std::move(input);
  return commit(std::move(next));
}

Result<void> FakeBackend::deleteInput(const std::string& input) {
  model::Config next = config_;
  auto before = next.inputs.size();
  std::erase_if(next.inputs, [&](const model::InputSpec& i) { return i.name == input; });
  if (next.inputs.size() == before) return fail(ErrorCode::NotFound, "no input \"" + input + "\"");
  return commit(std::move(next));
}

Result<void> FakeBackend::createOutput(const std::string& input, model::OutputSpec output) {
  model::Config next = config_;
  model::InputSpec* parent = next.findInput(input);
  if (!parent) return fail(ErrorCode::NotFound, "no input \"" + input + "\"");
  if (parent->findOutput(output.name))
    return fail(ErrorCode::Conflict, "output \"" + output.name + "\" exists", "name");
  parent->outputs.push_back(std::move(output));
  return commit(std::move(next));
}

Result<void> FakeBackend::updateOutput(const std::string& input, model::OutputSpec output) {
  model::Config next = config_;
  model::InputSpec* parent = next.findInput(input);
  model::OutputSpec* current = parent ? parent->findOutput(output.name) : nullptr;
  if (!current) return fail(ErrorCode::NotFound, "no output \"" + output.name + "\"");
  *current = std::move(output);
  return commit(std::move(next));
}

Result<void> FakeBackend::deleteOutput(const std::string& input, const std::string& output) {
  model::Config next = config_;
  model::InputSpec* parent = next.findInput(input);
  if (!parent) return fail(ErrorCode::NotFound, "no input \"" + input + "\"");
  auto before = parent->outputs.size();
  std::erase_if(parent->outputs, [&](const model::OutputSpec& o) { return o.name == output; });
  if (parent->outputs.size() == before)
    return fail(ErrorCode::NotFound, "no output \"" + output + "\"");
  return commit(std::move(next));
}

Result<void> FakeBackend::replaceConfig(model::Config config) { return commit(std::move(config)); }

}  // namespace mls::api::test
