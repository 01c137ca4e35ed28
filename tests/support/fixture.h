// The test fixture shared by every mls test that runs a main loop or starts real peers.
//
// - runUntil() iterates the thread-default GMainContext (the default one unless a test pushed
//   its own) until a predicate holds or a deadline passes, waking at least every 20 ms, so tests
//   wait on conditions instead of sleeping blindly.
// - Watchdog aborts a hung test with a message naming it, after killing every process the
//   test started (see process.h), so CI fails fast instead of hanging until meson's timeout.
// - testOutputDir() is a per-test directory under $MLS_BUILD_ROOT/test-output/<suite>.<test>/
//   for logs, configs, state and screenshots; it is emptied the first time a test asks for it.
//
// Thread-bound: runUntil() and testOutputDir() are called from the test's main thread. The
// watchdog owns a private thread that only sleeps, kills child processes and aborts.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace mls::test {

using namespace std::chrono_literals;

// Iterates the thread-default main context until `predicate` returns true (→ true) or `timeout`
// has passed (→ false). The predicate is checked first, so a condition that already holds costs
// no iteration.
bool runUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

// Iterates the thread-default main context for `duration`, for tests that must observe that
// something does NOT happen during a window (never to wait for something that should happen).
void runFor(std::chrono::milliseconds duration);

// "<suite>.<test>" of the running GoogleTest test ("/" of parameterized names become "_"), or
// "no-test" outside a test.
std::string currentTestName();

// The current test's output directory, created (fresh: removed first if it exists) on the first
// call within a test. Falls back to $TMPDIR/mls-test-output when MLS_BUILD_ROOT is unset (a
// test binary run by hand).
std::filesystem::path testOutputDir();
// Empties and recreates the current test's output directory (LoopTest::SetUp calls it, so each
// run of a test starts fresh even under --gtest_repeat).
std::filesystem::path freshTestOutputDir();

// A file path inside testOutputDir() that does not exist yet: "<stem><ext>", else
// "<stem>-2<ext>", "<stem>-3<ext>"…, so two peers of one kind never share a log.
std::filesystem::path uniqueOutputPath(const std::string& stem, const std::string& ext);

// Aborts the process with a message if not disarmed (destroyed or reset) within `timeout`.
// Before aborting it kills every process started through mls::test::Process.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::milliseconds timeout, std::string what = currentTestName());
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void watch(std::chrono::steady_clock::time_point deadline);

  std::string what_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool disarmed_ = false;  // protected by mutex_
  std::thread thread_;
};

// Base fixture: a fresh output directory and a watchdog for each test. Override
// watchdogTimeout() for tests that legitimately run longer (keep it below the meson timeout).
class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  virtual std::chrono::milliseconds watchdogTimeout() const { return 100s; }

  std::filesystem::path outputDir_;

 private:
  std::unique_ptr<Watchdog> watchdog_;
};

// Reads the environment variable `name`, or `fallback` when it is unset or empty.
std::string envOr(const char* name, const std::string& fallback);

}  // namespace mls::test
