// Exponential backoff with jitter (model/backoff.h).
#include "model/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace mls::model {
namespace {

TEST(Backoff, DoublesUpToTheCapWithoutJitterAtMidpoint) {
  // r = 0.5 makes the jitter factor exactly 1.
  Backoff backoff({.initial_ms = 1000, .max_ms = 30000, .jitter = 0.2}, [] { return 0.5; });
  std::vector<int> delays;
  for (int i = 0; i < 8; i++) delays.push_back(backoff.nextDelayMs());
  EXPECT_EQ(delays, (std::vector<int>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
  EXPECT_EQ(backoff.attempts(), 8);
}

TEST(Backoff, ResetStartsAgain) {
  Backoff backoff({.initial_ms = 500, .max_ms = 4000, .jitter = 0}, [] { return 0.9; });
  EXPECT_EQ(backoff.nextDelayMs(), 500);
  EXPECT_EQ(backoff.nextDelayMs(), 1000);
  backoff.reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_EQ(backoff.nextDelayMs(), 500);
  EXPECT_EQ(backoff.attempts(), 1);
}

TEST(Backoff, JitterStretchesBothWays) {
  Backoff low({.initial_ms = 1000, .max_ms = 30000, .jitter = 0.2}, [] { return 0.0; });
  EXPECT_EQ(low.nextDelayMs(), 800);
  EXPECT_EQ(low.nextDelayMs(), 1600);
  Backoff high({.initial_ms = 1000, .max_ms = 30000, .jitter = 0.2}, [] { return 0.999999; });
  EXPECT_EQ(high.nextDelayMs(), 1200);
  // The cap applies before the jitter, so capped delays still spread.
  for (int i = 0; i < 10; i++) high.nextDelayMs();
  EXPECT_EQ(high.nextDelayMs(), 36000);
}

TEST(Backoff, DefaultRandomStaysWithinTheJitterBounds) {
  Backoff backoff({.initial_ms = 1000, .max_ms = 8000, .jitter = 0.25});
  for (int n = 0; n < 200; n++) {
    int base = n < 3 ? 1000 << n : 8000;
    int delay = backoff.nextDelayMs();
    EXPECT_GE(delay, base * 3 / 4) << n;
    EXPECT_LE(delay, base * 5 / 4) << n;
  }
}

TEST(Backoff, ManyAttemptsDoNotOverflow) {
  Backoff backoff({.initial_ms = 1000, .max_ms = 30000, .jitter = 0}, [] { return 0.5; });
  int last = 0;
  for (int i = 0; i < 5000; i++) last = backoff.nextDelayMs();
  EXPECT_EQ(last, 30000);
}

}  // namespace
}  // namespace mls::model
