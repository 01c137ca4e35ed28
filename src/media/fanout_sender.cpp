// The fan-out of an input's passthrough RTMP outputs. See fanout_sender.h.
#include "media/fanout_sender.h"

#include <vector>

#include "core/log.h"
#include "media/media_log.h"
#include "model/url.h"

#define GST_CAT_DEFAULT mls_output_debug

namespace mls::media {

FanoutSender::FanoutSender(std::string input_name, RunContext& ctx)
    : input_name_(std::move(input_name)), ctx_(ctx) {}

FanoutSender::~FanoutSender() { stop(0); }

void FanoutSender::setInput(InputPipeline* input) {
  if (!input) stop(0);
  input_ = input;
}

Result<void> FanoutSender::ensurePipeline() {
  idle_teardown_.reset();
  if (pipeline_) return {};
  if (!input_ || !input_->ready()) return fail(ErrorCode::Internal, "the input is not live");
  OutputPipeline::FanoutSettings settings;
  settings.reconnect_min_ms = static_cast<guint>(ctx_.settings.backoff.initial_ms);
  settings.reconnect_max_ms = static_cast<guint>(ctx_.settings.backoff.max_ms);
  settings.eos_timeout_ms = static_cast<guint>(ctx_.settings.output_drain_ms);
  OutputPipeline::Callbacks callbacks;
  callbacks.element = [this](const GstStructure* message) { onElementMessage(message); };
  callbacks.failed = [this](const std::string& error, bool permanent) {
    // From inside the pipeline's bus callback: dispose it from the main loop instead.
    deferred_ = SourceGuard::idle([this, error, permanent]() {
      deferred_ = SourceGuard();
      onPipelineFailed(error, permanent);
      return G_SOURCE_REMOVE;
    });
  };
  auto pipeline = OutputPipeline::createFanout(input_name_, settings, *input_, std::move(callbacks));
  if (!pipeline) return fail(pipeline.error());
  pipeline_ = std::move(*pipeline);
  fanout_ = gst_bin_get_by_name(GST_BIN(pipeline_->pipeline()), "fanout");
  gst_object_unref(fanout_);  // the pipeline keeps it alive
  if (auto started = pipeline_->start(); !started) {
    stop(0);
    return fail(started.error());
  }
  MLS_INFO("output", "%s: fan-out started", input_name_.c_str());
  return {};
}

Result<void> FanoutSender::add(const std::string& id, const std::string& url, Listener listener) {
  remove(id);
  if (auto ready = ensurePipeline(); !ready) return ready;
  gboolean ok = FALSE;
  g_signal_emit_by_name(fanout_, "add-destination", id.c_str(), url.c_str(), &ok);
  if (!ok) {
    if (destinations_.empty()) stop(0);
    return fail(ErrorCode::Invalid, "mlsrtmpfanout refused the destination " + model::maskUrl(url),
                "url");
  }
  destinations_[id] = Destination{url, std::move(listener), 0, feedFrames()};
  return {};
}

void FanoutSender::remove(const std::string& id) {
  if (destinations_.erase(id) == 0) return;
  if (fanout_) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(fanout_, "remove-destination", id.c_str(), &ok);
  }
  if (destinations_.empty() && pipeline_) {
    idle_teardown_ = SourceGuard::idle([this]() {
      idle_teardown_ = SourceGuard();
      if (destinations_.empty()) stop(0);
      return G_SOURCE_REMOVE;
    });
  }
}

void FanoutSender::stop(int drain_ms) {
  idle_teardown_.reset();
  deferred_.reset();
  fanout_ = nullptr;
  if (!pipeline_) return;
  MLS_INFO("output", "%s: fan-out %s", input_name_.c_str(),
           drain_ms > 0 ? "ending its stream (every destination unpublishes)" : "stopped");
  OutputPipeline::dispose(std::move(pipeline_), ctx_.reaper, drain_ms, nullptr);
}

void FanoutSender::onElementMessage(const GstStructure* message) {
  if (!gst_structure_has_name(message, "mls-rtmp-fanout-destination")) return;
  const gchar* id = gst_structure_get_string(message, "id");
  auto it = id ? destinations_.find(id) : destinations_.end();
  if (it == destinations_.end()) return;  // removed meanwhile
  guint64 bytes = 0;
  if (gst_structure_get_uint64(message, "bytes", &bytes)) it->second.bytes = bytes;
  const gchar* state = gst_structure_get_string(message, "state");
  const gchar* error = gst_structure_get_string(message, "error");
  Report report{state ? state : "", error ? error : ""};
  GST_DEBUG("%s/%s: destination %s%s%s", input_name_.c_str(), id, report.state.c_str(),
            report.error.empty() ? "" : ": ", report.error.c_str());
  // Copied: the listener may remove this very destination.
  auto on_report = it->second.listener.report;
  if (on_report) on_report(report);
}

void FanoutSender::onPipelineFailed(const std::string& error, bool permanent) {
  MLS_WARN("output", "%s: the fan-out failed: %s", input_name_.c_str(), error.c_str());
  stop(0);
  // Every destination went with it. Each output retries on its own and adds itself again.
  std::vector<Listener> listeners;
  for (auto& [id, destination] : destinations_) listeners.push_back(destination.listener);
  destinations_.clear();
  for (const Listener& listener : listeners)
    if (listener.failed) listener.failed(error, permanent);
}

void FanoutSender::refresh() {
  if (!fanout_) return;
  GstStructure* stats = nullptr;
  g_object_get(fanout_, "stats", &stats, nullptr);
  if (!stats) return;
  const GValue* list = gst_structure_get_value(stats, "destinations");
  for (guint i = 0; list && i < gst_value_array_get_size(list); i++) {
    const GstStructure* s = gst_value_get_structure(gst_value_array_get_value(list, i));
    const gchar* id = s ? gst_structure_get_string(s, "id") : nullptr;
    auto it = id ? destinations_.find(id) : destinations_.end();
    guint64 bytes = 0;
    if (it != destinations_.end() && gst_structure_get_uint64(s, "bytes", &bytes))
      it->second.bytes = bytes;
  }
  gst_structure_free(stats);
}

uint64_t FanoutSender::feedFrames() const { return pipeline_ ? pipeline_->videoFrames() : 0; }

uint64_t FanoutSender::bytes(const std::string& id) const {
  auto it = destinations_.find(id);
  return it == destinations_.end() ? 0 : it->second.bytes;
}

uint64_t FanoutSender::videoFrames(const std::string& id) const {
  auto it = destinations_.find(id);
  if (it == destinations_.end()) return 0;
  uint64_t frames = feedFrames();
  return frames > it->second.frames_at_add ? frames - it->second.frames_at_add : 0;
}

GstElement* FanoutSender::pipeline() const { return pipeline_ ? pipeline_->pipeline() : nullptr; }

std::string FanoutSender::launchLine(const std::string& id) const {
  auto it = destinations_.find(id);
  if (!pipeline_ || it == destinations_.end()) return {};
  return pipeline_->launchLine() + " destinations=\"" + id + "=" + model::maskUrl(it->second.url) +
         "\"";
}

}  // namespace mls::media
