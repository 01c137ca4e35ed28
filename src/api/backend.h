// Backend: the narrow interface the REST API drives. The real one is app::Core (registry,
// state store, supervisor); API tests pass a plain fake. Every method runs on the main thread
// and returns at once (pipelines start and stop asynchronously; their progress shows in the
// observed status and in events).
//
// Every mutating method validates the complete result first and changes nothing when it fails.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::api {

struct SystemInfo {
  std::string version;           // mls version
  std::string gstreamer_version; // gst_version_string()
  double uptime_s = 0;
  int inputs = 0;
  int outputs = 0;
  int inputs_live = 0;
  int outputs_live = 0;
  int threads = 0;               // process threads (/proc/self/task)
  uint64_t rss_bytes = 0;
  double cpu_user_s = 0;
  double cpu_system_s = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Desired state. References stay valid until the next mutating call.
  virtual const model::Config& config() const = 0;
  virtual const model::ValidationContext& validation() const = 0;

  // Observed state; Idle/zero for unknown names.
  virtual model::InputStatus inputStatus(const std::string& input) const = 0;
  virtual model::RunStatus outputStatus(const std::string& input,
                                        const std::string& output) const = 0;

  // ErrorCode::Conflict when the name exists, ErrorCode::NotFound for an unknown parent.
  virtual Result<void> createInput(model::InputSpec input) = 0;
  // Replaces the input's own fields (name and outputs unchanged). NotFound when unknown.
  virtual Result<void> updateInput(model::InputSpec input) = 0;
  // Deletes the input and its outputs.
  virtual Result<void> deleteInput(const std::string& input) = 0;
  virtual Result<void> createOutput(const std::string& input, model::OutputSpec output) = 0;
  virtual Result<void> updateOutput(const std::string& input, model::OutputSpec output) = 0;
  virtual Result<void> deleteOutput(const std::string& input, const std::string& output) = 0;
  // Config import: validates everything, then replaces the whole desired state in one step.
  virtual Result<void> replaceConfig(model::Config config) = 0;

  virtual SystemInfo systemInfo() const = 0;
};

// Where the core publishes events for SSE clients (`event:` type and a JSON object as data).
// Types: input.created/updated/deleted/state, output.created/updated/deleted/state.
using EventSink = std::function<void(const std::string& type, const std::string& json)>;

}  // namespace mls::api
