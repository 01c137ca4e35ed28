// Exponential backoff with jitter for retrying inputs and outputs: initial delay doubling up to
// a maximum, each delay spread by ±jitter so many relays that failed together do not retry in
// lock step. A value type, owned by whoever retries (main thread).
#pragma once

#include <cstdint>
#include <functional>

namespace mls::model {

struct BackoffPolicy {
  int initial_ms = 1000;
  int max_ms = 30000;
  double jitter = 0.2;  // each delay is multiplied by a factor in [1 - jitter, 1 + jitter]
};

class Backoff {
 public:
  // `random01` returns a number in [0, 1); tests pass a fixed one.
  explicit Backoff(BackoffPolicy policy, std::function<double()> random01 = {});

  // The delay before the next attempt; each call doubles the base, up to max_ms.
  int nextDelayMs();
  // Back to the initial delay (call when the thing has been healthy).
  void reset();
  int attempts() const { return attempts_; }

 private:
  BackoffPolicy policy_;
  std::function<double()> random01_;
  int attempts_ = 0;
};

}  // namespace mls::model
