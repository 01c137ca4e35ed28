// NginxRtmp: a real RTMP server for tests, Debian's nginx with libnginx-mod-rtmp, as an RTMP
// destination for mlsd's outputs and as an RTMP source that ffmpeg publishes to.
//
// Each instance runs its own nginx in the foreground (daemon off, master_process off) with its
// own prefix, config, pid file and logs in the test's output directory, on 127.0.0.1 and two free
// ports: RTMP, and HTTP for the publish check and the statistics page. Applications:
//   live     live on; any stream key is accepted
//   guarded  on_publish asks http://127.0.0.1:<http>/auth, which answers 200 only for the
//            stream key "good" and 403 otherwise (the "stream key rejected" case)
// It can be stopped, frozen (SIGSTOP: a destination that stops reading), resumed, and restarted
// on the same ports (a destination that comes back).
//
// Thread-bound to the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "process.h"

namespace mls::test {

// One stream as nginx-rtmp's statistics page reports it.
struct RtmpStreamStat {
  std::string app;
  std::string name;         // the stream key
  bool publishing = false;  // a publisher is connected and sending
  int clients = 0;          // publisher + players
  std::uint64_t bytesIn = 0;
  std::uint64_t bytesOut = 0;
};

class NginxRtmp {
 public:
  NginxRtmp();
  ~NginxRtmp() = default;
  NginxRtmp(const NginxRtmp&) = delete;
  NginxRtmp& operator=(const NginxRtmp&) = delete;

  // Starts nginx (the first time on two fresh ports, later on the same ones) and waits until both
  // ports accept connections.
  ::testing::AssertionResult start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ExitStatus stop();
  ExitStatus kill9();
  ::testing::AssertionResult restart(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool pause() { return process_.pause(); }
  bool resume() { return process_.resume(); }
  bool running() { return process_.running(); }

  std::uint16_t port() const { return port_; }
  std::uint16_t httpPort() const { return httpPort_; }
  // "rtmp://127.0.0.1:<port>/<app>/<key>"
  std::string rtmpUrl(const std::string& app, const std::string& key) const;

  // The streams nginx knows right now (from its /stat page); empty if it does not answer. Not
  // while paused: a frozen nginx answers nothing, so this would wait for the HTTP timeout.
  std::vector<RtmpStreamStat> streams() const;
  // Waits until `app`/`key` has an active publisher.
  bool waitForPublisher(const std::string& app, const std::string& key,
                        std::chrono::milliseconds timeout);

  Process& process() { return process_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void writeConfig() const;

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::uint16_t httpPort_ = 0;
  Process process_;
};

// Parses nginx-rtmp's statistics XML (exposed for tests of the parser itself).
std::vector<RtmpStreamStat> parseRtmpStat(const std::string& xml);

}  // namespace mls::test
