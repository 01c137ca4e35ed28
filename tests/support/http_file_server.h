// HttpFileServer: a plain HTTP server over one directory, for inputs that pull over HTTP (an HLS
// playlist and its segments that ffmpeg writes with -f hls). It is Debian's nginx, in the
// foreground with its own prefix, config, pid file and logs in the test's output directory, on
// 127.0.0.1 and a free port. Playlists are served with Cache-Control: no-cache.
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

class HttpFileServer {
 public:
  HttpFileServer();
  HttpFileServer(const HttpFileServer&) = delete;
  HttpFileServer& operator=(const HttpFileServer&) = delete;

  // Starts nginx serving root() and waits until its port accepts connections.
  ::testing::AssertionResult start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ExitStatus stop() { return process_.stop(); }

  // The directory served at "/": write files here.
  const std::filesystem::path& root() const { return root_; }
  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>/<path>"
  std::string url(const std::string& path) const;
  Process& process() { return process_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path root_;
  std::uint16_t port_ = 0;
  Process process_;
};

}  // namespace mls::test
