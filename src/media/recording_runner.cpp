// Supervision of one input's recording. See recording_runner.h.
#include "media/recording_runner.h"

#include <json-glib/json-glib.h>

#include "core/log.h"

namespace mls::media {

RecordingRunner::RecordingRunner(std::string input_name, const model::InputSpec& spec,
                                 RunContext& ctx)
    : input_name_(std::move(input_name)),
      spec_(spec),
      ctx_(ctx),
      tracker_(ctx.settings.backoff, [this]() { publish("recording.state"); }),
      started_unix_s_(g_get_real_time() / G_USEC_PER_SEC) {
  MLS_INFO("recording", "%s: recording requested", input_name_.c_str());
}

RecordingRunner::~RecordingRunner() { stop(ctx_.settings.output_drain_ms); }

RecorderSettings RecordingRunner::settings() const {
  RecorderSettings s;
  s.recordings_dir = ctx_.settings.recordings_dir;
  s.segment_duration_s =
      spec_.segment_duration_s > 0 ? spec_.segment_duration_s : ctx_.settings.segment_duration_s;
  s.format = ctx_.settings.recording_format;
  return s;
}

void RecordingRunner::publish(const char* type, const std::string& error) {
  if (!ctx_.events) return;
  model::RecordingStatus s = status();
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "input");
  json_builder_add_string_value(b, input_name_.c_str());
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, model::runStateName(s.run.state));
  json_builder_set_member_name(b, "segment");
  json_builder_add_string_value(b, s.segment.c_str());
  json_builder_set_member_name(b, "segments");
  json_builder_add_int_value(b, s.segments);
  json_builder_set_member_name(b, error.empty() ? "last_error" : "error");
  json_builder_add_string_value(b, error.empty() ? s.run.last_error.c_str() : error.c_str());
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree gchar* text = json_to_string(root, FALSE);
  ctx_.events(type, text);
}

model::RecordingStatus RecordingRunner::status() const {
  model::RecordingStatus s;
  s.run = tracker_.status();
  s.segment = pipeline_ ? segment_ : std::string();
  s.segments = segments_;
  s.started_unix_s = started_unix_s_;
  return s;
}

void RecordingRunner::update(const model::InputSpec& spec) {
  bool reshape = spec.segment_duration_s != spec_.segment_duration_s;
  spec_ = spec;
  if (reshape && pipeline_) {
    MLS_INFO("recording", "%s: segment length changed; starting a new segment",
             input_name_.c_str());
    stopPipeline(ctx_.settings.output_drain_ms);
    attempt();
  }
}

void RecordingRunner::setInput(InputPipeline* input) {
  input_ = input;
  // Failed waits for the operator; Stopped is final (the runner is going away).
  bool waiting = tracker_.state() == model::RunState::Failed ||
                 tracker_.state() == model::RunState::Stopped;
  if (!input) {
    // The source is gone: finish the segment cleanly; the next one starts when it is back.
    stopPipeline(ctx_.settings.output_drain_ms);
    if (!waiting) tracker_.idle();
    return;
  }
  if (!waiting) attempt();
}

void RecordingRunner::stopPipeline(int drain_ms) {
  deferred_.reset();
  segment_.clear();
  if (pipeline_) OutputPipeline::dispose(std::move(pipeline_), ctx_.reaper, drain_ms, nullptr);
}

void RecordingRunner::stop(int drain_ms) {
  bool was_running = tracker_.state() != model::RunState::Stopped;
  stopPipeline(drain_ms);
  tracker_.cancelRetry();
  if (was_running) {
    MLS_INFO("recording", "%s: recording stopped", input_name_.c_str());
    tracker_.stopped();
    publish("recording.stopped");
  }
}

void RecordingRunner::attempt() {
  stopPipeline(0);
  if (!input_ || !input_->ready()) {
    tracker_.idle();
    return;
  }
  OutputPipeline::Callbacks callbacks;
  callbacks.live = [this]() {
    tracker_.live();
    if (!started_reported_) {
      started_reported_ = true;
      publish("recording.started");
    }
  };
  callbacks.failed = [this](const std::string& error, bool permanent) {
    deferred_ = SourceGuard::idle([this, error, permanent]() {
      deferred_ = SourceGuard();
      onFailed(error, permanent);
      return G_SOURCE_REMOVE;
    });
  };
  callbacks.segment = [this](const std::string& file, bool opened) {
    if (opened) {
      segment_ = file;
      segments_++;
      MLS_INFO("recording", "%s: segment %s", input_name_.c_str(), file.c_str());
    } else if (segment_ == file) {
      segment_.clear();
    }
    publish("recording.state");
  };
  RecorderSettings s = settings();
  auto pipeline = OutputPipeline::createRecorder(input_name_, s, *input_, std::move(callbacks));
  if (!pipeline) {
    onFailed(pipeline.error().message, pipeline.error().code == ErrorCode::Invalid);
    return;
  }
  pipeline_ = std::move(*pipeline);
  tracker_.resetCounters();
  tracker_.connecting();
  if (auto started = pipeline_->start(); !started) onFailed(started.error().message, false);
}

void RecordingRunner::onFailed(const std::string& error, bool permanent) {
  // A recorder that cannot write (disk full, permissions, a path that is not a folder) will not
  // do better by retrying: the operator must act. Other errors are retried.
  stopPipeline(0);
  MLS_WARN("recording", "%s: %s%s", input_name_.c_str(), error.c_str(),
           permanent ? " — recording stopped; fix it, then start recording again" : "; retrying");
  tracker_.failed(error, permanent, [this]() { attempt(); });
  publish("recording.failed", error);
}

void RecordingRunner::tick(double elapsed_s) {
  if (pipeline_) tracker_.sample(pipeline_->bytes(), pipeline_->videoFrames(), elapsed_s);
}

}  // namespace mls::media
