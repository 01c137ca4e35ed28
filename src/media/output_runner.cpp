// Supervision of one output. See output_runner.h.
#include "media/output_runner.h"

#include "core/log.h"
#include "media/output_builder.h"
#include "model/url.h"

namespace mls::media {

OutputRunner::OutputRunner(std::string input_name, model::OutputSpec spec, RunContext& ctx,
                           FanoutSender* fanout)
    : input_name_(std::move(input_name)),
      spec_(std::move(spec)),
      ctx_(ctx),
      tracker_(ctx.settings.backoff, [this]() { publish(); }),
      fanout_(fanout) {
  if (!spec_.enabled) tracker_.stopped();
}

OutputRunner::~OutputRunner() { stopPipeline(0); }

void OutputRunner::publish() { publishState(ctx_, input_name_, spec_.name, tracker_.status()); }

void OutputRunner::update(const model::OutputSpec& spec) {
  // Any update of a failed output (POST …/start included) is the operator saying "try again".
  bool retry_failed = spec.enabled && tracker_.state() == model::RunState::Failed;
  if (spec == spec_ && !retry_failed) return;
  bool reshape = spec.url != spec_.url || spec.preset != spec_.preset ||
                 spec.transcode != spec_.transcode || spec.audio != spec_.audio;
  bool enabled_changed = spec.enabled != spec_.enabled;
  spec_ = spec;
  if (!reshape && !enabled_changed && !retry_failed) return;
  permanent_errors_ = 0;
  stopPipeline(spec_.enabled ? 0 : ctx_.settings.output_drain_ms);
  if (!spec_.enabled) {
    MLS_INFO("output", "%s/%s: stopped", input_name_.c_str(), spec_.name.c_str());
    tracker_.stopped();
    return;
  }
  attempt();
}

void OutputRunner::setInput(InputPipeline* input) {
  input_ = input;
  if (!input) {
    stopPipeline(0);
    if (spec_.enabled && tracker_.state() != model::RunState::Failed) tracker_.idle();
    return;
  }
  if (spec_.enabled && tracker_.state() != model::RunState::Failed) attempt();
}

void OutputRunner::stopPipeline(int drain_ms) {
  deferred_.reset();
  if (on_fanout_) fanout_->remove(spec_.name);  // the element unpublishes it
  on_fanout_ = false;
  if (pipeline_) OutputPipeline::dispose(std::move(pipeline_), ctx_.reaper, drain_ms, nullptr);
}

GstElement* OutputRunner::pipelineElement() const {
  if (on_fanout_) return fanout_->pipeline();
  return pipeline_ ? pipeline_->pipeline() : nullptr;
}

std::string OutputRunner::launchLine() const {
  if (on_fanout_) return fanout_->launchLine(spec_.name);
  return pipeline_ ? pipeline_->launchLine() : std::string();
}

void OutputRunner::onLive() {
  permanent_errors_ = 0;
  MLS_INFO("output", "%s/%s: live → %s", input_name_.c_str(), spec_.name.c_str(),
           model::maskUrl(spec_.url).c_str());
  tracker_.live();
}

void OutputRunner::deferFailure(const std::string& error, bool permanent) {
  // Handled from the main loop, not from inside a pipeline's own bus callback.
  deferred_ = SourceGuard::idle([this, error, permanent]() {
    deferred_ = SourceGuard();
    onFailed(error, permanent);
    return G_SOURCE_REMOVE;
  });
}

void OutputRunner::attemptFanout() {
  FanoutSender::Listener listener;
  listener.report = [this](const FanoutSender::Report& report) { onDestination(report); };
  listener.failed = [this](const std::string& error, bool permanent) {
    on_fanout_ = false;  // the fan-out removed it already
    onFailed(error, permanent);
  };
  tracker_.resetCounters();
  tracker_.connecting();
  if (auto added = fanout_->add(spec_.name, spec_.url, std::move(listener)); !added) {
    MLS_WARN("output", "%s/%s: %s", input_name_.c_str(), spec_.name.c_str(),
             added.error().message.c_str());
    tracker_.failed(added.error().message, added.error().code == ErrorCode::Invalid,
                    [this]() { attempt(); });
    return;
  }
  on_fanout_ = true;
}

void OutputRunner::onDestination(const FanoutSender::Report& report) {
  if (!on_fanout_) return;
  if (report.state == "live") {
    if (tracker_.state() != model::RunState::Live) onLive();
  } else if (report.state == "connecting") {
    if (tracker_.state() == model::RunState::Retrying) tracker_.connecting();
  } else if (report.state == "retrying") {
    // The element reconnects by itself, with the same backoff settings: only the state shows it.
    MLS_WARN("output", "%s/%s: %s; reconnecting", input_name_.c_str(), spec_.name.c_str(),
             report.error.c_str());
    tracker_.failed(report.error, false, nullptr);
  } else if (report.state == "failed") {
    // The destination refused the stream (a rejected key): the element will not retry it.
    deferFailure(report.error, true);
  }
}

void OutputRunner::attempt() {
  stopPipeline(0);
  if (!spec_.enabled) {
    tracker_.stopped();
    return;
  }
  if (!input_ || !input_->ready()) {
    tracker_.idle();
    return;
  }
  if (fanout_ && sendsInputFlv(spec_, input_->media())) {
    attemptFanout();
    return;
  }
  OutputPipeline::Callbacks callbacks;
  callbacks.live = [this]() { onLive(); };
  callbacks.failed = [this](const std::string& error, bool permanent) {
    deferFailure(error, permanent);
  };
  auto pipeline = OutputPipeline::create(input_name_, spec_, *input_, std::move(callbacks));
  if (!pipeline) {
    // The output cannot be built for this input (container/codec mismatch): the operator must
    // change something, retrying would not help.
    MLS_WARN("output", "%s/%s: %s", input_name_.c_str(), spec_.name.c_str(),
             pipeline.error().message.c_str());
    tracker_.failed(pipeline.error().message,
                    pipeline.error().code == ErrorCode::Invalid, [this]() { attempt(); });
    return;
  }
  pipeline_ = std::move(*pipeline);
  tracker_.resetCounters();
  tracker_.connecting();
  if (auto started = pipeline_->start(); !started) {
    onFailed(started.error().message, false);
  }
}

void OutputRunner::onFailed(const std::string& error, bool permanent) {
  stopPipeline(0);
  permanent_errors_ = permanent ? permanent_errors_ + 1 : 0;
  bool give_up = permanent_errors_ >= ctx_.settings.permanent_error_limit;
  MLS_WARN("output", "%s/%s: %s%s", input_name_.c_str(), spec_.name.c_str(), error.c_str(),
           give_up ? " — giving up: fix the destination or the stream key, then start it again"
                   : "");
  tracker_.failed(error, give_up, [this]() { attempt(); });
}

void OutputRunner::tick(double elapsed_s) {
  if (pipeline_) {
    tracker_.sample(pipeline_->bytes(), pipeline_->videoFrames(), elapsed_s);
  } else if (on_fanout_) {
    tracker_.sample(fanout_->bytes(spec_.name), fanout_->videoFrames(spec_.name), elapsed_s);
  }
  if (tracker_.state() == model::RunState::Connecting && sending() &&
      tracker_.secondsInState() * 1000 > ctx_.settings.output_accept_timeout_ms) {
    onFailed("the destination did not accept the stream within " +
                 std::to_string(ctx_.settings.output_accept_timeout_ms / 1000) + " s",
             false);
  }
}

}  // namespace mls::media
