// RtspTestServer: the mls-test-rtsp-server program (rtsp_test_server.cpp) as a test peer, the
// RTSP camera that mlsd pulls from. It finds the program through $MLS_TEST_RTSP_SERVER (set by
// tests/meson.build for every test) or, for a test binary run by hand, the build-tree path.
//
// Thread-bound to the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "process.h"

namespace mls::test {

struct RtspServerOptions {
  int width = 1280;
  int height = 720;
  int fps = 30;
  bool audio = true;
};

class RtspTestServer {
 public:
  RtspTestServer() = default;
  RtspTestServer(const RtspTestServer&) = delete;
  RtspTestServer& operator=(const RtspTestServer&) = delete;

  // Starts the server (the first time on a port it picks, later on the same port) and waits for
  // its "listening on" line.
  ::testing::AssertionResult start(const RtspServerOptions& options = {},
                                   std::chrono::milliseconds timeout = std::chrono::seconds(15));
  ExitStatus stop() { return process_.stop(); }
  ExitStatus kill9() { return process_.kill9(); }
  bool pause() { return process_.pause(); }
  bool resume() { return process_.resume(); }

  std::uint16_t port() const { return port_; }
  std::string url() const { return url_; }  // "rtsp://127.0.0.1:<port>/test"

  // RTSP connections made to this server since it (re)started.
  int clientConnections() const;
  bool waitForClients(int count, std::chrono::milliseconds timeout);

  Process& process() { return process_; }

 private:
  RtspServerOptions options_;
  std::uint16_t port_ = 0;
  std::string url_;
  Process process_;
};

}  // namespace mls::test
