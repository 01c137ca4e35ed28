// Server: owns everything mlsd runs — state store, RTSP server, previews, supervisor, core, API
// server and the web UI — in the order
// they must start and stop. run() loads the state (or seeds the embedded demo input on a first
// start), starts the pipelines and the API, and turns the main loop until SIGINT/SIGTERM; then it
// stops accepting requests, ends every output's stream (with a deadline), waits for every
// pipeline to reach NULL, closes the RTSP server's clients and sessions, and returns the process
// exit code. A second signal exits at once.
//
// It also audits the process (diag/thread_audit.h, diag/resource_report.h): a baseline of
// threads and fds once the API listens and before any pipeline starts; the threads by owner once
// the pipelines are up; and at exit, with every pipeline NULL and the main loop stopped, the
// threads and fds left and a resource report. With --fail-on-leak, leaks make the exit code
// kLeakExitCode. Main thread.
#pragma once

#include <glib.h>

#include <memory>

#include "api/backend.h"
#include "app/config.h"
#include "app/service_notify.h"
#include "diag/thread_audit.h"

namespace mls::api {
class ApiServer;
class PreviewRoute;
class StaticAssets;
}
namespace mls::media {
class PreviewService;
class Supervisor;
}
namespace mls::model {
class StateStore;
}
namespace mls::rtsp {
class RtspPublisher;
}

namespace mls::app {

class Core;
class Recordings;

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  // Returns the process exit code.
  int run();

 private:
  static gboolean onSignal(gpointer self) noexcept;
  void beginShutdown();
  bool shutdownComplete() const;
  static gboolean onStartAudit(gpointer self) noexcept;
  // Logs the exit audit; true when it found threads or fds left.
  bool exitAudit() const;

  ServerOptions options_;
  GMainLoop* loop_ = nullptr;
  std::unique_ptr<model::StateStore> store_;
  std::unique_ptr<rtsp::RtspPublisher> rtsp_;  // outlives the supervisor, which withdraws from it
  // The web UI's previews: the supervisor's publisher, forwarding to rtsp_.
  std::unique_ptr<media::PreviewService> previews_;
  std::unique_ptr<media::Supervisor> supervisor_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<Recordings> recordings_;  // the catalog, retention and recording events
  std::unique_ptr<api::ApiServer> api_;
  std::unique_ptr<api::StaticAssets> assets_;         // the web UI's files, on api_'s server
  std::unique_ptr<api::PreviewRoute> preview_route_;  // /api/v1/preview, on api_'s server
  ServiceNotify notify_;
  api::EventSink event_sink_;  // the API's SSE broker, once it exists
  bool shutting_down_ = false;
  int64_t shutdown_started_us_ = 0;
  guint sigint_ = 0;
  guint sigterm_ = 0;
  int64_t started_us_ = 0;
  // The audit's baseline: API listening, signal handlers installed, no pipeline started yet.
  diag::Baseline baseline_threads_;
  int baseline_fds_ = 0;
  guint start_audit_ = 0;  // polls until the pipelines are up, then logs the threads by owner
};

}  // namespace mls::app
