// Start-up and shutdown order of mlsd. See server.h.
#include "app/server.h"

#include <glib-unix.h>
#include <gst/gst.h>

#include <csignal>
#include <cstdlib>

#include "api/api_server.h"
#include "app/core.h"
#include "core/log.h"
#include "media/output_pipeline.h"
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

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  event_sink_ = nullptr;
  api_.reset();
  core_.reset();
  supervisor_.reset();
  rtsp_.reset();
  if (sigint_) g_source_remove(sigint_);
  if (sigterm_) g_source_remove(sigterm_);
  if (loop_) g_main_loop_unref(loop_);
}

int Server::run() {
  MLS_INFO("main", "mlsd %s starting (GStreamer %u.%u.%u)", MLS_VERSION, GST_VERSION_MAJOR,
           GST_VERSION_MINOR, GST_VERSION_MICRO);
  loop_ = g_main_loop_new(nullptr, FALSE);

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
  ListenAddress rtsp_address = options_.rtsp_listen;
  auto rtsp_port = rtsp_->listen(rtsp_address.host, static_cast<uint16_t>(rtsp_address.port));
  if (!rtsp_port) {
    MLS_ERROR("rtsp", "cannot listen on %s: %s", rtsp_address.toString().c_str(),
              rtsp_port.error().message.c_str());
    return 1;
  }
  rtsp_address.port = *rtsp_port;

  media::RunSettings settings;
  settings.media_dir = options_.media_dir;
  settings.stall_timeout_ms = options_.stall_timeout_ms;
  settings.backoff.initial_ms = options_.retry_initial_ms;
  settings.backoff.max_ms = options_.retry_max_ms;
  supervisor_ = std::make_unique<media::Supervisor>(
      settings, [this](const std::string& type, const std::string& json) {
        if (event_sink_) event_sink_(type, json);  // empty until the API exists
      });
  supervisor_->setPublisher(rtsp_.get());
  core_ = std::make_unique<Core>(config, validation, *store_, *supervisor_);

  api::ApiOptions api_options;
  api_options.api_token = options_.api_token;
  api_options.rtsp_authority = rtsp_address.toString();
  api_ = std::make_unique<api::ApiServer>(*core_, api_options);
  if (auto listening = api_->listen(options_.listen.host, options_.listen.port); !listening) {
    MLS_ERROR("api", "cannot listen on %s: %s", options_.listen.toString().c_str(),
              listening.error().message.c_str());
    return 1;
  }
  event_sink_ = api_->events().sink();
  core_->setEventSink(event_sink_);

  supervisor_->apply(core_->config());

  sigint_ = g_unix_signal_add(SIGINT, &Server::onSignal, this);
  sigterm_ = g_unix_signal_add(SIGTERM, &Server::onSignal, this);
  g_main_loop_run(loop_);

  event_sink_ = nullptr;
  supervisor_.reset();  // joins the reaper: every pipeline has reached NULL
  double took = (g_get_monotonic_time() - shutdown_started_us_) / 1e6;
  MLS_INFO("main", "shutdown complete in %.2f s", took);
  return 0;
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
  MLS_INFO("main", "1/3 closing the event streams (a final \"shutdown\" event each)");
  api_->events().closeAll("{\"reason\":\"shutdown\"}");
  int drain_ms = options_.shutdown_timeout_s * 1000;
  MLS_INFO("main", "2/3 ending every output's stream and stopping every pipeline (deadline %d s)",
           options_.shutdown_timeout_s);
  supervisor_->stopAll(drain_ms);
  // Wait only for what we are waiting for: outputs still draining, pipelines not yet in NULL.
  g_timeout_add(10, [](gpointer data) noexcept -> gboolean {
    auto* self = static_cast<Server*>(data);
    if (!self->shutdownComplete()) return G_SOURCE_CONTINUE;
    MLS_INFO("main", "3/3 all pipelines stopped; closing the RTSP server and the API");
    self->rtsp_->stop();
    self->api_->stop();
    g_main_loop_quit(self->loop_);
    return G_SOURCE_REMOVE;
  }, this);
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
