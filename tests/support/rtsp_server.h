// RtspTestServer: the mls-test-rtsp-server program (rtsp_test_server.cpp) as a test peer, the
// RTSP camera that mlsd pulls from, and (with RtspServerOptions::record) the RTSP server that
// mlsd's rtsp:// outputs publish to, writing what it receives to an MPEG-TS file. It finds the
// program through $MLS_TEST_RTSP_SERVER (set by tests/meson.build for every test) or, for a test
// binary run by hand, the build-tree path.
//
// Thread-bound to the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "process.h"

namespace mls::test {

struct RtspServerOptions {
  int width = 1280;
  int height = 720;
  int fps = 30;
  bool audio = true;
  // When set: accept publishers (ANNOUNCE/RECORD) at recordUrl() and write their streams to this
  // file as MPEG-TS.
  std::filesystem::path record;
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
  // "rtsp://127.0.0.1:<port>/record", where publishers go (with options.record only).
  std::string recordUrl() const;

  // RTSP connections made to this server since it (re)started.
  int clientConnections() const;
  bool waitForClients(int count, std::chrono::milliseconds timeout);
  // The Transport header of the first SETUP of connection number `client` (1 = the first), e.g.
  // "RTP/AVP/TCP;unicast;interleaved=0-1" or "RTP/AVP;unicast;client_port=…"; "" if it made none
  // within `timeout`.
  std::string waitForSetupTransport(int client, std::chrono::milliseconds timeout);
  // Waits until some connection sent RECORD (a publisher started sending).
  bool waitForRecord(std::chrono::milliseconds timeout);

  Process& process() { return process_; }

 private:
  RtspServerOptions options_;
  std::uint16_t port_ = 0;
  std::string url_;
  Process process_;
};

}  // namespace mls::test
