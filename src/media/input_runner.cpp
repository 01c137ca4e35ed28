// Supervision of one input and its outputs. See input_runner.h.
#include "media/input_runner.h"

#include "core/log.h"
#include "model/source_params.h"
#include "model/url.h"

namespace mls::media {
namespace {
constexpr int kHlsStallTimeoutMs = 15000;
}  // namespace

InputRunner::InputRunner(const model::InputSpec& spec, RunContext& ctx)
    : spec_(spec),
      ctx_(ctx),
      tracker_(ctx.settings.backoff,
               [this]() { publishState(ctx_, spec_.name, "", tracker_.status()); }),
      fanout_(spec.name, ctx) {
  syncOutputs(spec);
  syncRecording(spec);
  attempt();
}

InputRunner::~InputRunner() { stopAll(0); }

// What the source pipeline is built from. The stall timeout is not: tick() reads it from spec_
// each second, so changing it leaves a live input (and every output it feeds) undisturbed.
bool InputRunner::sourceChanged(const model::InputSpec& a, const model::InputSpec& b) {
  return a.url != b.url || a.transport != b.transport || a.loop != b.loop ||
         a.latency_ms != b.latency_ms;
}

void InputRunner::update(const model::InputSpec& spec) {
  bool restart = sourceChanged(spec, spec_) || spec.enabled != spec_.enabled;
  model::InputSpec old = spec_;
  spec_ = spec;
  syncOutputs(spec);
  syncRecording(spec);
  if (restart) {
    MLS_INFO("input", "%s: %s", spec_.name.c_str(),
             spec_.enabled ? "source changed, restarting" : "stopped");
    teardown(spec_.enabled ? 0 : ctx_.settings.output_drain_ms);
    attempt();
  }
}

void InputRunner::syncOutputs(const model::InputSpec& spec) {
  for (auto it = outputs_.begin(); it != outputs_.end();) {
    if (!spec.findOutput(it->first)) {
      it->second->stopPipeline(ctx_.settings.output_drain_ms);
      it = outputs_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& out : spec.outputs) {
    auto it = outputs_.find(out.name);
    if (it == outputs_.end()) {
      auto runner = std::make_unique<OutputRunner>(spec.name, out, ctx_,
                                                   ctx_.settings.rtmp_fanout ? &fanout_ : nullptr);
      OutputRunner* r = runner.get();
      outputs_.emplace(out.name, std::move(runner));
      r->setInput(pipeline_ && pipeline_->ready() ? pipeline_.get() : nullptr);
    } else {
      it->second->update(out);
    }
  }
}

void InputRunner::syncRecording(const model::InputSpec& spec) {
  if (!spec.record) {
    if (recording_) recording_->stop(ctx_.settings.output_drain_ms);
    recording_.reset();
    return;
  }
  if (recording_) {
    recording_->update(spec);
    return;
  }
  recording_ = std::make_unique<RecordingRunner>(spec.name, spec, ctx_);
  recording_->setInput(pipeline_ && pipeline_->ready() ? pipeline_.get() : nullptr);
}

bool InputRunner::isPublish() const { return model::isRtspPublishUrl(spec_.url); }

void InputRunner::openIngest() {
  if (ingest_) return;
  if (!ctx_.ingest_host) {
    tracker_.failed("publish inputs need the embedded RTSP server", true, nullptr);
    return;
  }
  Ingest::Events events;
  events.arrived = [this](uint64_t session) { onPublisherArrived(session); };
  events.left = [this](uint64_t session) { onPublisherLeft(session); };
  auto ingest = std::make_shared<Ingest>(spec_.name, std::move(events));
  if (auto opened = ctx_.ingest_host->openIngest(spec_.name, ingest); !opened) {
    tracker_.failed(opened.error().message, true, nullptr);
    return;
  }
  ingest_ = std::move(ingest);
  MLS_INFO("input", "%s: waiting for a publisher", spec_.name.c_str());
}

void InputRunner::closeIngest() {
  if (!ingest_) return;
  ingest_->close();
  if (ctx_.ingest_host) ctx_.ingest_host->closeIngest(spec_.name);
  ingest_.reset();
}

void InputRunner::onPublisherArrived(uint64_t session) {
  if (!ingest_ || pipeline_ || !spec_.enabled) return;
  std::vector<std::string> codecs = ingest_->codecs(session);
  if (codecs.empty()) return;  // already gone
  std::string codec_list;
  for (const std::string& codec : codecs) codec_list += (codec_list.empty() ? "" : ", ") + codec;
  MLS_INFO("input", "%s: publisher %s connected (%s)", spec_.name.c_str(),
           ingest_->client(session).c_str(), codec_list.c_str());
  tracker_.cancelRetry();
  auto pipeline = InputPipeline::create(spec_, ctx_.settings.media_dir, ctx_.settings.source,
                                        pipelineCallbacks(), codecs);
  if (!pipeline) {
    MLS_WARN("input", "%s: %s", spec_.name.c_str(), pipeline.error().message.c_str());
    ingest_->disconnect(session);  // and waits for another publisher
    tracker_.failed(pipeline.error().message, false, [this]() { attempt(); });
    return;
  }
  pipeline_ = std::move(*pipeline);
  publisher_ = session;
  tracker_.resetCounters();
  tracker_.connecting();
  if (auto started = pipeline_->start(); !started) {
    onFailed(started.error().message);
    return;
  }
  // After start(): an appsrc below PAUSED drops what it is given (flushing), which could be the
  // keyframe each feed waits for.
  if (!ingest_->attach(session, pipeline_->publishSources())) onFailed("the publisher left");
}

void InputRunner::onPublisherLeft(uint64_t session) {
  if (session != publisher_) return;
  MLS_INFO("input", "%s: the publisher left; waiting for a publisher", spec_.name.c_str());
  teardown(0);
  tracker_.idle();
}

void InputRunner::attempt() {
  deferred_.reset();
  if (!spec_.enabled) {
    closeIngest();
    tracker_.stopped();
    return;
  }
  if (isPublish()) {
    openIngest();
    if (ingest_ && !pipeline_) tracker_.idle();  // waiting for a publisher
    return;
  }
  closeIngest();  // the URL was a publish one before
  auto pipeline = InputPipeline::create(spec_, ctx_.settings.media_dir, ctx_.settings.source,
                                        pipelineCallbacks());
  if (!pipeline) {
    MLS_WARN("input", "%s: %s", spec_.name.c_str(), pipeline.error().message.c_str());
    tracker_.failed(pipeline.error().message, pipeline.error().code == ErrorCode::Invalid,
                    [this]() { attempt(); });
    return;
  }
  pipeline_ = std::move(*pipeline);
  tracker_.resetCounters();
  tracker_.connecting();
  MLS_INFO("input", "%s: connecting to %s", spec_.name.c_str(), model::maskUrl(spec_.url).c_str());
  if (auto started = pipeline_->start(); !started) onFailed(started.error().message);
}

// What an input pipeline reports back, for a pulled source and a publisher alike. A failure is
// handled one idle turn later, so the pipeline is never torn down from inside its own callback.
InputPipeline::Callbacks InputRunner::pipelineCallbacks() {
  InputPipeline::Callbacks callbacks;
  callbacks.streams_ready = [this]() { onReady(); };
  callbacks.failed = [this](const std::string& error) {
    deferred_ = SourceGuard::idle([this, error]() {
      deferred_ = SourceGuard();
      onFailed(error);
      return G_SOURCE_REMOVE;
    });
  };
  return callbacks;
}

void InputRunner::onReady() {
  MLS_INFO("input", "%s: live", spec_.name.c_str());
  tracker_.live();
  fanout_.setInput(pipeline_.get());
  for (auto& [name, out] : outputs_) out->setInput(pipeline_.get());
  if (recording_) recording_->setInput(pipeline_.get());
  if (ctx_.publisher) ctx_.publisher->publish(spec_.name, *pipeline_);
}

void InputRunner::onFailed(const std::string& error) {
  MLS_WARN("input", "%s: %s; retrying", spec_.name.c_str(), error.c_str());
  teardown(0);
  tracker_.failed(error, false, [this]() { attempt(); });
}

void InputRunner::teardown(int output_drain_ms) {
  deferred_.reset();
  // The fan-out's EOS unpublishes all its destinations at once.
  if (output_drain_ms > 0) fanout_.stop(output_drain_ms);
  for (auto& [name, out] : outputs_) {
    if (output_drain_ms > 0) out->stopPipeline(output_drain_ms);
    out->setInput(nullptr);
  }
  fanout_.setInput(nullptr);                      // before the input pipeline it is fed from goes
  if (recording_) recording_->setInput(nullptr);  // ends its segment cleanly
  // A publish input's publisher is disconnected too (its session is on the input's path).
  if (pipeline_ && ctx_.publisher) ctx_.publisher->withdraw(spec_.name);
  if (ingest_) {
    ingest_->disconnect(publisher_);  // a publisher still there (the input failed) goes too
    ingest_->detach();                // before the appsrcs it feeds go
  }
  publisher_ = 0;
  if (pipeline_) InputPipeline::dispose(std::move(pipeline_), ctx_.reaper, nullptr);
}

void InputRunner::stopAll(int drain_ms) {
  fanout_.stop(drain_ms);  // EOS: every destination unpublishes
  for (auto& [name, out] : outputs_) out->stopPipeline(drain_ms);
  if (recording_) recording_->stop(drain_ms);
  teardown(0);
  closeIngest();
  tracker_.cancelRetry();
}

void InputRunner::tick(double elapsed_s) {
  if (pipeline_) {
    const FlowCounters& c = pipeline_->counters();
    tracker_.sample(c.bytes.load(), c.video_frames.load(), elapsed_s);
    int64_t now = g_get_monotonic_time();
    if (tracker_.state() == model::RunState::Live) {
      int64_t last = c.last_buffer_us.load();
      double silent_ms = (now - last) / 1000.0;
      if (last > 0 && silent_ms > stallTimeoutMs()) {
        g_autofree gchar* text =
            g_strdup_printf("no media from the source for %.1f s (stalled)", silent_ms / 1000);
        onFailed(text);
        return;
      }
    } else if (tracker_.state() == model::RunState::Connecting &&
               tracker_.secondsInState() * 1000 > ctx_.settings.input_connect_timeout_ms) {
      onFailed("no media from the source within " +
               std::to_string(ctx_.settings.input_connect_timeout_ms / 1000) + " s");
      return;
    }
  }
  fanout_.refresh();
  for (auto& [name, out] : outputs_) out->tick(elapsed_s);
  if (recording_) recording_->tick(elapsed_s);
}

int InputRunner::stallTimeoutMs() const {
  if (spec_.stall_timeout_ms > 0) return spec_.stall_timeout_ms;
  // HLS arrives a segment at a time: a gap of one or two segment durations is normal.
  bool hls = spec_.url.rfind("http://", 0) == 0 || spec_.url.rfind("https://", 0) == 0;
  return hls ? std::max(ctx_.settings.stall_timeout_ms, kHlsStallTimeoutMs)
             : ctx_.settings.stall_timeout_ms;
}

model::InputStatus InputRunner::status() {
  model::InputStatus s;
  s.run = tracker_.status();
  if (pipeline_ && pipeline_->ready()) last_media_ = pipeline_->media();
  s.media = last_media_;
  s.rtsp_clients = ctx_.publisher ? ctx_.publisher->clients(spec_.name) : 0;
  if (recording_)
    s.recording = recording_->status();
  else
    s.recording.run.state = model::RunState::Stopped;
  return s;
}

const model::RunStatus* InputRunner::outputStatus(const std::string& output) const {
  auto it = outputs_.find(output);
  return it == outputs_.end() ? nullptr : &it->second->status();
}

const OutputPipeline* InputRunner::recorderPipeline() const {
  return recording_ ? recording_->pipeline() : nullptr;
}

GstElement* InputRunner::outputPipeline(const std::string& output) const {
  auto it = outputs_.find(output);
  return it == outputs_.end() ? nullptr : it->second->pipelineElement();
}

std::string InputRunner::outputLaunchLine(const std::string& output) const {
  auto it = outputs_.find(output);
  return it == outputs_.end() ? std::string() : it->second->launchLine();
}

}  // namespace mls::media
