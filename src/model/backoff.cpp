// Exponential backoff with jitter. See backoff.h.
//
// delay_n = min(max_ms, initial_ms * 2^n) * (1 + jitter * (2r - 1)), n = attempts so far,
// r = random01() in [0, 1). The cap applies before the jitter, so a capped delay still spreads.
#include "model/backoff.h"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace mls::model {

Backoff::Backoff(BackoffPolicy policy, std::function<double()> random01)
    : policy_(policy), random01_(std::move(random01)) {
  if (!random01_) {
    random01_ = [] { return g_random_double(); };
  }
}

int Backoff::nextDelayMs() {
  // 2^n overflows nothing in a double until n ~ 1000; cap n anyway so it stays exact.
  int n = std::min(attempts_, 62);
  double base = std::min<double>(policy_.max_ms, policy_.initial_ms * std::ldexp(1.0, n));
  double r = std::clamp(random01_(), 0.0, 1.0);
  double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  double delay = base * (1.0 + jitter * (2.0 * r - 1.0));
  if (attempts_ < 1'000'000) {
    attempts_++;
  }
  return static_cast<int>(std::max(0.0, std::round(delay)));
}

void Backoff::reset() { attempts_ = 0; }

}  // namespace mls::model
