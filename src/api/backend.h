// Backend: the narrow interface the REST API drives. The real one is app::Core (registry,
// state store, supervisor); API tests pass a plain fake. Every method runs on the main thread
// and returns at once (pipelines start and stop asynchronously; their progress shows in the
// observed status and in events).
//
// Every mutating method validates the complete result first and changes nothing when it fails.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "diag/resource_report.h"
#include "diag/thread_audit.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::recordings {
class RecordingStore;
}

namespace mls::api {

struct SystemInfo {
  std::string version;           // mls version
  std::string gstreamer_version; // gst_version_string()
  double uptime_s = 0;
  int inputs = 0;
  int outputs = 0;
  int inputs_live = 0;
  int outputs_live = 0;
  int threads = 0;               // process threads
  uint64_t rss_bytes = 0;
  double cpu_user_s = 0;
  double cpu_system_s = 0;
  int open_fds = 0;
  double start_time_unix_s = 0;  // when the process started (seconds since the epoch)
  std::map<std::string, int> threads_by_owner;  // diag::countByOwner(): "input cam1" -> 3
  diag::FdCounts fds;                           // open fds by kind
  uint64_t peak_rss_bytes = 0;                  // VmHWM
  uint64_t heap_bytes = 0;                      // heap in use (mallinfo2)
  uint64_t gst_objects_alive = 0;    // GstObjects created since start-up and alive now
  uint64_t gst_objects_created = 0;  // GstObjects created since start-up
};

// One condition mlsd must meet to be ready to serve (GET /readyz). Each part of mlsd that can
// be not ready yet contributes its own check (the embedded RTSP server will add "rtsp").
struct ReadinessCheck {
  std::string name;    // "state", "shutdown"
  bool ready = false;
  std::string reason;  // why not, when not ready (safe to show)
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
  virtual std::vector<ReadinessCheck> readiness() const = 0;

  // Debugging. The running pipeline of `input` (`output` empty) or of its output `output`: its
  // graph as DOT text (gst_debug_bin_to_dot_data) and the gst-launch-1.0 description it was
  // built from. Empty when that pipeline is not running now (not started yet, retrying,
  // stopped). The DOT text holds element properties verbatim, secrets included: the API redacts
  // both before they leave mlsd.
  virtual std::string pipelineDot(const std::string& input, const std::string& output) const = 0;
  virtual std::string launchLine(const std::string& input, const std::string& output) const = 0;
  // Every thread of the process with its owner (diag/thread_audit.h), for GET /debug/threads.
  // The default is an empty list, for fakes that have no process to audit.
  virtual std::vector<diag::AttributedThread> threads() const { return {}; }

  // The recording catalog (list, download, delete of segments); nullptr when there is none
  // (the recording routes then answer 503).
  virtual recordings::RecordingStore* recordings() const { return nullptr; }

  // The embedded RTSP server: its sessions and its published inputs; nullopt when mlsd has no
  // RTSP server (the RTSP routes then answer 503).
  virtual std::optional<std::vector<model::RtspSession>> rtspSessions() const {
    return std::nullopt;
  }
  virtual std::optional<std::vector<model::RtspPublication>> rtspPublications() const {
    return std::nullopt;
  }
};

// Where the core publishes events for SSE clients (`event:` type and a JSON object as data).
// Types: input.created/updated/deleted/state, output.created/updated/deleted/state,
// recording.segment/deleted (api/recordings_events.h); the app adds `stats` once a second
// (stats_event.h).
using EventSink = std::function<void(const std::string& type, const std::string& json)>;

}  // namespace mls::api
