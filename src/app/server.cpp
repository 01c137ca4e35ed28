// Start-up and shutdown order of mlsd. See server.h.
#include "app/server.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <libsoup/soup.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

#include "api/api_server.h"
#include "api/preview_route.h"
#include "api/static_assets.h"
#include "api/stats_event.h"
#include "app/core.h"
#include "app/recordings.h"
#include "core/log.h"
#include "diag/object_census.h"
#include "diag/process_stats.h"
#include "diag/resource_report.h"
#include "diag/task_registry.h"
#include "diag/thread_audit.h"
#include "media/output_pipeline.h"
#include "media/preview.h"
#include "media/segment_repair.h"
#include "media/supervisor.h"
#include "mls_config.h"
#include "model/state_store.h"
#include "model/url.h"
#include "model/validate.h"
#include "rtsp/rtsp_publisher.h"

namespace mls::app {
namespace {

model::InputSpec demoInput() {
  model::InputSpec demo;
  demo.name = "demo";
  demo.url = "test://smpte?size=1280x720&fps=30";
  return demo;
}

// Test-only (documented in docs/threads.md): MLS_TEST_LEAK_THREAD=1 starts a thread that never
// exits, so tests can prove that the exit audit reports it. Any other value, or none, does
// nothing.
void startTestLeakThread() {
  const char* hook = g_getenv("MLS_TEST_LEAK_THREAD");
  if (!hook || std::strcmp(hook, "1") != 0) return;
  MLS_WARN("audit", "MLS_TEST_LEAK_THREAD=1 (test only): starting thread \"%s\" that never exits",
           diag::kTestLeakThreadName);
  GThread* thread = g_thread_new(
      diag::kTestLeakThreadName,
      [](gpointer) noexcept -> gpointer {
        for (;;) pause();
        return nullptr;
      },
      nullptr);
  g_thread_unref(thread);  // detached: nobody joins it, on purpose
}

void logLines(const std::vector<diag::ReportLine>& lines) {
  for (const diag::ReportLine& line : lines) {
    if (line.warning)
      MLS_WARN("audit", "%s", line.text.c_str());
    else
      MLS_INFO("audit", "%s", line.text.c_str());
  }
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  event_sink_ = nullptr;
  preview_route_.reset();
  assets_.reset();
  api_.reset();
  recordings_.reset();
  core_.reset();
  supervisor_.reset();
  previews_.reset();
  rtsp_.reset();
  if (sigint_) g_source_remove(sigint_);
  if (sigterm_) g_source_remove(sigterm_);
  if (start_audit_) g_source_remove(start_audit_);
  if (loop_) g_main_loop_unref(loop_);
}

int Server::run() {
  MLS_INFO("main", "mlsd %s starting (GStreamer %u.%u.%u)", MLS_VERSION, GST_VERSION_MAJOR,
           GST_VERSION_MINOR, GST_VERSION_MICRO);
  loop_ = g_main_loop_new(nullptr, FALSE);
  started_us_ = g_get_monotonic_time();
  diag::task_registry::install();  // before any element makes a task
  diag::object_census::install();  // before any pipeline exists

  // Desired state: the state file, or the embedded demo on a first start.
  store_ = std::make_unique<model::StateStore>(options_.state_dir);
  auto loaded = store_->load();
  if (!loaded) {
    MLS_ERROR("main", "%s", loaded.error().message.c_str());
    return 1;
  }
  model::Config config;
  model::ValidationContext validation{options_.media_dir};
  if (loaded->has_value()) {
    config = std::move(**loaded);
    MLS_INFO("main", "state: %zu input(s) from %s", config.inputs.size(), store_->path().c_str());
    if (auto valid = model::validateConfig(config, validation); !valid) {
      MLS_ERROR("main", "state file %s is not valid: %s (left untouched)", store_->path().c_str(),
                valid.error().message.c_str());
      return 1;
    }
  } else {
    if (options_.demo) config.inputs.push_back(demoInput());
    if (auto saved = store_->save(config); !saved) {
      MLS_ERROR("main", "%s", saved.error().message.c_str());
      return 1;
    }
    MLS_INFO("main", "state: first start, %s", options_.demo ? "embedded demo input" : "empty");
  }

  // The RTSP server listens first: with --rtsp-listen …:0 the API must show the real port.
  rtsp_ = std::make_unique<rtsp::RtspPublisher>();
  if (!options_.rtsp_read_user.empty())
    rtsp_->requireReadCredentials(options_.rtsp_read_user, options_.rtsp_read_password,
                                  options_.rtsp_auth_basic, options_.rtsp_auth_digest);
  if (!options_.rtsp_publish_user.empty())
    rtsp_->requirePublishCredentials(options_.rtsp_publish_user, options_.rtsp_publish_password,
                                     options_.rtsp_auth_basic, options_.rtsp_auth_digest);
  ListenAddress rtsp_address = options_.rtsp_listen;
  auto rtsp_port = rtsp_->listen(rtsp_address.host, static_cast<uint16_t>(rtsp_address.port));
  if (!rtsp_port) {
    MLS_ERROR("rtsp", "cannot listen on %s: %s", rtsp_address.toString().c_str(),
              rtsp_port.error().message.c_str());
    return 1;
  }
  rtsp_address.port = *rtsp_port;
  // From now on a publish input's URL that names a port must name this one (the state file was
  // checked without it: a changed --rtsp-listen must not make it unloadable).
  validation.rtsp_port = *rtsp_port;

  // Recordings: the folder exists, and what a crash left open is repaired before anything
  // lists or extends it.
  if (g_mkdir_with_parents(options_.recordings_dir.c_str(), 0755) != 0) {
    MLS_ERROR("recording", "cannot create the recordings directory %s: %s",
              options_.recordings_dir.c_str(), g_strerror(errno));
    return 1;
  }
  if (int repaired = media::recoverInterrupted(options_.recordings_dir); repaired > 0)
    MLS_WARN("recording", "%d segment(s) left open by a crash were repaired and marked interrupted",
             repaired);

  media::RunSettings settings;
  settings.media_dir = options_.media_dir;
  settings.recordings_dir = options_.recordings_dir;
  settings.segment_duration_s = options_.segment_duration_s;
  settings.recording_format = options_.recording_format;
  settings.stall_timeout_ms = options_.stall_timeout_ms;
  settings.backoff.initial_ms = options_.retry_initial_ms;
  settings.backoff.max_ms = options_.retry_max_ms;
  settings.rtmp_fanout = options_.rtmp_fanout;
  settings.source.rtmp_element = options_.rtmp_source;
  supervisor_ = std::make_unique<media::Supervisor>(
      settings, [this](const std::string& type, const std::string& json) {
        if (event_sink_) event_sink_(type, json);  // empty until the API exists
      });
  previews_ = std::make_unique<media::PreviewService>(rtsp_.get());
  supervisor_->setPublisher(previews_.get());
  supervisor_->setIngestHost(rtsp_.get());
  core_ = std::make_unique<Core>(config, validation, *store_, *supervisor_);
  core_->setRtsp(rtsp_.get());

  // The recording catalog watches and scans the recordings directory (before the baseline).
  recordings_ = std::make_unique<Recordings>(options_, [this](const std::string& input) {
    const model::InputSpec* spec = core_->config().findInput(input);
    return spec && spec->retention_max_age_s > 0 ? int64_t(spec->retention_max_age_s)
                                                 : options_.retention_max_age_s;
  });
  if (auto started = recordings_->start(); !started) {
    MLS_ERROR("recordings", "%s", started.error().message.c_str());
    return 1;
  }
  core_->setRecordings(&recordings_->catalog());

  api::ApiOptions api_options;
  api_options.api_token = options_.api_token;
  api_options.rtsp_authority = rtsp_address.toString();
  api_ = std::make_unique<api::ApiServer>(*core_, api_options);
  if (auto listening = api_->listen(options_.listen.host, options_.listen.port); !listening) {
    MLS_ERROR("api", "cannot listen on %s: %s", options_.listen.toString().c_str(),
              listening.error().message.c_str());
    return 1;
  }
  assets_ = std::make_unique<api::StaticAssets>(api_->soupServer(), api_->keepsConnectionsAlive());
  preview_route_ = std::make_unique<api::PreviewRoute>(api_->soupServer(), *previews_);
  event_sink_ = api_->events().sink();
  core_->setEventSink(event_sink_);
  recordings_->connect(event_sink_, api_->recordingNudges());
  // Rates once a second for the web UI, only while someone listens: an idle UI costs nothing.
  supervisor_->setTickHook([this]() {
    if (!api_ || !event_sink_ || api_->events().clientCount() == 0) return;
    api_->events().publishTransient(
        "stats", api::statsEventJson(*core_, diag::readProcessStats(),
                                     (g_get_monotonic_time() - started_us_) / 1e6));
  });

  sigint_ = g_unix_signal_add(SIGINT, &Server::onSignal, this);
  sigterm_ = g_unix_signal_add(SIGTERM, &Server::onSignal, this);

  // The audit's baseline: what runs with the API up and before any pipeline.
  baseline_threads_ = diag::baselineOf(diag::readThreads());
  baseline_fds_ = diag::countFds().total();
  core_->setThreadBaseline(baseline_threads_);
  startTestLeakThread();

  supervisor_->apply(core_->config());
  start_audit_ = g_timeout_add(250, &Server::onStartAudit, this);
  notify_.ready("API on " + api_->baseUrl() + ", RTSP on rtsp://" + rtsp_address.toString());
  g_main_loop_run(loop_);

  event_sink_ = nullptr;
  recordings_->stop();  // monitors off, its worker job done: nothing of it left for the audit
  supervisor_.reset();  // joins the reaper: every pipeline has reached NULL
  double took = (g_get_monotonic_time() - shutdown_started_us_) / 1e6;
  MLS_INFO("main", "shutdown complete in %.2f s", took);
  bool leaks = exitAudit();
  if (leaks && options_.fail_on_leak) {
    MLS_WARN("main", "exiting with code %d: --fail-on-leak and the audit found leaks",
             kLeakExitCode);
    return kLeakExitCode;
  }
  return 0;
}

gboolean Server::onStartAudit(gpointer data) noexcept {
  // Logged once the pipelines are up: every input live, or 5 s after start at the latest (an
  // input that cannot connect must not keep the report back).
  auto* self = static_cast<Server*>(data);
  if (self->shutting_down_) {
    self->start_audit_ = 0;
    return G_SOURCE_REMOVE;
  }
  const api::SystemInfo info = self->core_->systemInfo();
  const bool up = info.inputs_live == info.inputs && info.outputs_live == info.outputs;
  if (!up && g_get_monotonic_time() - self->started_us_ < 5 * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  logLines(diag::formatStartAudit(self->core_->threads()));
  self->start_audit_ = 0;
  return G_SOURCE_REMOVE;
}

bool Server::exitAudit() const {
  // Every pipeline is NULL and destroyed and the reaper joined, so no element owns a thread:
  // whatever is not the runtime's is left over.
  //
  // A GstTask runs on a thread of GLib's shared pool and renames it "element:pad"; when the task
  // ends the thread goes back to the pool under that name (GLib does not rename it), waits half
  // a second for more work of the same pool, then parks as an unused thread for up to 15 s. Such
  // a thread is GLib's, not a leak, but its name cannot tell it from a task still running. So
  // the audit asks GLib to end its parked threads (g_thread_pool_stop_unused_threads()) and
  // looks again, for up to 2 s, before it calls what is left a leak. The loop has stopped and
  // mlsd is exiting, so waiting here blocks nobody.
  diag::ExitAudit audit;
  audit.initial_threads = static_cast<int>(baseline_threads_.size());
  const int64_t settle_until = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  for (;;) {
    audit.threads = diag::attribute(diag::readThreads(), static_cast<int>(getpid()), {});
    diag::applyBaseline(&audit.threads, baseline_threads_);
    if (diag::applicationThreads(audit.threads).empty() || g_get_monotonic_time() > settle_until)
      break;
    g_thread_pool_stop_unused_threads();
    g_usleep(50 * 1000);
  }
  audit.baseline_fds = baseline_fds_;
  audit.resources = diag::readResources();
  audit.fds = audit.resources.fds;
  audit.objects = diag::object_census::snapshot();
  audit.platform = diag::readPlatform();
  audit.platform.mls_version = MLS_VERSION;
  audit.platform.soup_version = std::to_string(soup_get_major_version()) + "." +
                                std::to_string(soup_get_minor_version()) + "." +
                                std::to_string(soup_get_micro_version());
  audit.uptime_s = (g_get_monotonic_time() - started_us_) / 1e6;
  logLines(diag::formatExitAudit(audit));
  return !diag::leakedThreads(audit).empty() || diag::leakedFds(audit) > 0;
}

gboolean Server::onSignal(gpointer data) noexcept {
  auto* self = static_cast<Server*>(data);
  if (self->shutting_down_) {
    MLS_WARN("main", "second signal: exiting now");
    _exit(130);
  }
  self->beginShutdown();
  return G_SOURCE_CONTINUE;
}

void Server::beginShutdown() {
  shutting_down_ = true;
  shutdown_started_us_ = g_get_monotonic_time();
  core_->setShuttingDown();
  MLS_INFO("main", "signal received: shutting down");
  notify_.stopping();
  MLS_INFO("main", "1/3 closing the event streams (a final \"shutdown\" event each)");
  api_->events().closeAll("{\"reason\":\"shutdown\"}");
  int drain_ms = options_.shutdown_timeout_s * 1000;
  MLS_INFO("main", "2/3 ending every output's stream and stopping every pipeline (deadline %d s)",
           options_.shutdown_timeout_s);
  supervisor_->stopAll(drain_ms);
  // Wait only for what we are waiting for: outputs still draining, pipelines not yet in NULL.
  g_timeout_add(
      10,
      [](gpointer data) noexcept -> gboolean {
        auto* self = static_cast<Server*>(data);
        if (!self->shutdownComplete()) return G_SOURCE_CONTINUE;
        MLS_INFO("main", "3/3 all pipelines stopped; closing the RTSP server and the API");
        self->rtsp_->stop();
        self->api_->stop();
        g_main_loop_quit(self->loop_);
        return G_SOURCE_REMOVE;
      },
      this);
}

bool Server::shutdownComplete() const {
  // Event streams get up to a second to deliver their final event; pipelines as long as their
  // drain deadline gives them.
  bool streams_done = api_->events().clientCount() == 0 ||
                      g_get_monotonic_time() - shutdown_started_us_ > G_USEC_PER_SEC;
  return streams_done && media::OutputPipeline::drainsInFlight() == 0 &&
         supervisor_->pendingTeardowns() == 0;
}

}  // namespace mls::app
