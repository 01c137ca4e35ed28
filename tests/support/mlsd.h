// Mlsd: the mlsd daemon under test, started as a separate process the way an operator starts it.
//
// It runs $MLSD (set by tests/meson.build; the build-tree binary when a test is run by hand) with
//   --listen 127.0.0.1:0 --rtsp-listen 127.0.0.1:0 --no-demo --state-dir <test output>/mlsd-state
// plus the test's extra arguments, waits for its log line "listening on http://HOST:PORT" and
// exposes that base URL. The state directory survives stop()/kill9(), so restart() checks what
// mlsd restores from it.
//
// Thread-bound to the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "process.h"

namespace mls::test {

struct MlsdOptions {
  std::vector<std::string> args;  // appended to the default arguments
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path stateDir;  // default: a fresh "mlsd-state" in the test output dir
};

class Mlsd {
 public:
  explicit Mlsd(MlsdOptions options = {});
  Mlsd(const Mlsd&) = delete;
  Mlsd& operator=(const Mlsd&) = delete;

  // Starts mlsd and waits for it to listen; the failure message carries the end of its log.
  ::testing::AssertionResult start(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGTERM, up to `grace` to drain and exit, then SIGKILL. Returns the exit code (128 + signal
  // number when a signal ended it).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(15));
  ExitStatus kill9() { return process_.kill9(); }
  // Starts again with the same state directory (after stop() or kill9(); stops it first if not).
  ::testing::AssertionResult restart(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // "http://127.0.0.1:PORT", valid after start().
  const std::string& baseUrl() const { return baseUrl_; }
  std::string url(const std::string& path) const { return baseUrl_ + path; }
  const std::filesystem::path& stateDir() const { return options_.stateDir; }
  // The full command line of the last start, for failure messages.
  std::string commandLine() const { return process_.commandLine(); }
  Process& process() { return process_; }

 private:
  MlsdOptions options_;
  std::string baseUrl_;
  Process process_;
};

}  // namespace mls::test
