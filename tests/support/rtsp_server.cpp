// RtspTestServer launcher (see rtsp_server.h).
#include "rtsp_server.h"

#include <cstdlib>

#include "fixture.h"

#ifndef MLS_TEST_RTSP_SERVER_PATH
#define MLS_TEST_RTSP_SERVER_PATH "mls-test-rtsp-server"
#endif

namespace mls::test {

::testing::AssertionResult RtspTestServer::start(const RtspServerOptions& options,
                                                 std::chrono::milliseconds timeout) {
  options_ = options;
  std::vector<std::string> argv = {
      envOr("MLS_TEST_RTSP_SERVER", MLS_TEST_RTSP_SERVER_PATH),
      "--port",
      std::to_string(port_),
      "--size",
      std::to_string(options.width) + "x" + std::to_string(options.height),
      "--fps",
      std::to_string(options.fps)};
  if (!options.audio) argv.push_back("--no-audio");
  if (!options.record.empty()) {
    argv.push_back("--record");
    argv.push_back(options.record.string());
  }
  process_ = Process(argv, "rtsp-server");
  if (!process_.started()) return ::testing::AssertionFailure() << process_.startError();
  const auto line =
      process_.waitForLine(R"(listening on (rtsp://127\.0\.0\.1:(\d+)/test))", timeout);
  if (!line) {
    return ::testing::AssertionFailure()
           << "mls-test-rtsp-server did not start (" << process_.logPath() << "):\n"
           << process_.log();
  }
  url_ = line->groups[1];
  port_ = static_cast<std::uint16_t>(std::atoi(line->groups[2].c_str()));
  return ::testing::AssertionSuccess();
}

std::string RtspTestServer::recordUrl() const {
  return "rtsp://127.0.0.1:" + std::to_string(port_) + "/record";
}

int RtspTestServer::clientConnections() const {
  return process_.countLines(R"(^client connected \d+$)");
}

bool RtspTestServer::waitForClients(int count, std::chrono::milliseconds timeout) {
  return runUntil([&] { return clientConnections() >= count; }, timeout);
}

std::string RtspTestServer::waitForSetupTransport(int client, std::chrono::milliseconds timeout) {
  const auto line =
      process_.waitForLine("^client " + std::to_string(client) + " setup (.*)$", timeout);
  return line ? line->groups[1] : std::string();
}

bool RtspTestServer::waitForRecord(std::chrono::milliseconds timeout) {
  return process_.waitForLine(R"(^client \d+ record$)", timeout).has_value();
}

}  // namespace mls::test
