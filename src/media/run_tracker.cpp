// Observed state and retry bookkeeping. See run_tracker.h.
#include "media/run_tracker.h"

#include <glib.h>

namespace mls::media {

RunTracker::RunTracker(model::BackoffPolicy policy, std::function<void()> changed)
    : backoff_(policy), changed_(std::move(changed)), state_since_us_(g_get_monotonic_time()) {}

void RunTracker::set(model::RunState state) {
  bool change = status_.state != state;
  status_.state = state;
  if (change) {
    state_since_us_ = g_get_monotonic_time();
    if (changed_) changed_();
  }
}

void RunTracker::connecting() {
  status_.next_retry_unix_ms = 0;
  set(model::RunState::Connecting);
}

void RunTracker::live() {
  cancelRetry();
  backoff_.reset();
  status_.retries = 0;
  status_.last_error.clear();
  live_since_us_ = g_get_monotonic_time();
  set(model::RunState::Live);
}

void RunTracker::idle() {
  cancelRetry();
  set(model::RunState::Idle);
}

void RunTracker::stopped() {
  cancelRetry();
  backoff_.reset();
  status_.retries = 0;
  set(model::RunState::Stopped);
}

void RunTracker::failed(const std::string& error, bool give_up, std::function<void()> retry) {
  cancelRetry();
  status_.last_error = error;
  status_.retries++;
  status_.bitrate_bps = 0;
  status_.fps = 0;
  if (give_up) {
    bool was = status_.state == model::RunState::Failed;
    set(model::RunState::Failed);
    if (was && changed_) changed_();
    return;
  }
  status_.reconnects++;
  int delay = backoff_.nextDelayMs();
  status_.next_retry_unix_ms = g_get_real_time() / 1000 + delay;
  retry_timer_ = SourceGuard::timeout(static_cast<guint>(delay), [this, retry]() {
    retry_timer_ = SourceGuard();
    status_.next_retry_unix_ms = 0;
    if (retry) retry();
    return G_SOURCE_REMOVE;
  });
  bool was = status_.state == model::RunState::Retrying;
  set(model::RunState::Retrying);
  if (was && changed_) changed_();  // a new error or retry time is news too
}

void RunTracker::cancelRetry() {
  retry_timer_.reset();
  status_.next_retry_unix_ms = 0;
}

void RunTracker::sample(uint64_t bytes, uint64_t frames, double elapsed_s) {
  if (elapsed_s <= 0) return;
  if (bytes < last_bytes_ || frames < last_frames_) resetCounters();
  status_.bytes = bytes;
  status_.bytes_total += bytes - last_bytes_;
  bool live = status_.state == model::RunState::Live;
  status_.bitrate_bps = live ? (bytes - last_bytes_) * 8.0 / elapsed_s : 0;
  status_.fps = live ? (frames - last_frames_) / elapsed_s : 0;
  status_.uptime_s = live ? (g_get_monotonic_time() - live_since_us_) / 1e6 : 0;
  last_bytes_ = bytes;
  last_frames_ = frames;
}

void RunTracker::resetCounters() {
  last_bytes_ = 0;
  last_frames_ = 0;
  status_.bytes = 0;
}

double RunTracker::secondsInState() const {
  return (g_get_monotonic_time() - state_since_us_) / 1e6;
}

}  // namespace mls::media
