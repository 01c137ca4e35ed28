// RunTracker: the observed state of one input or output (model::RunStatus) and the bookkeeping
// behind it: state transitions, the retry backoff and its timer, and per-second rates computed
// from monotonically growing counters. Shared by InputRunner and OutputRunner. Main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/gobj.h"
#include "model/backoff.h"
#include "model/status.h"

namespace mls::media {

class RunTracker {
 public:
  RunTracker(model::BackoffPolicy policy, std::function<void()> changed);

  const model::RunStatus& status() const { return status_; }
  model::RunState state() const { return status_.state; }

  // Transitions. Each notifies `changed` when the state or error actually changes.
  void connecting();
  void live();
  void idle();
  void stopped();
  // Failed attempt: schedule `retry` after the next backoff delay (state Retrying), or, when
  // `give_up`, state Failed with no retry. An empty `retry`: something else retries (the
  // fan-out element reconnecting a destination); the state shows when it is due.
  void failed(const std::string& error, bool give_up, std::function<void()> retry);
  void cancelRetry();

  // Once a second: rates from counters since the last sample (bytes, video frames).
  void sample(uint64_t bytes, uint64_t frames, double elapsed_s);
  // Counters restart with every run.
  void resetCounters();
  // How long the current run has been in its current state.
  double secondsInState() const;

 private:
  void set(model::RunState state);

  model::RunStatus status_;
  model::Backoff backoff_;
  std::function<void()> changed_;
  SourceGuard retry_timer_;
  int64_t state_since_us_ = 0;
  int64_t live_since_us_ = 0;
  uint64_t last_bytes_ = 0;
  uint64_t last_frames_ = 0;
};

}  // namespace mls::media
