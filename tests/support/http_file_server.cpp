// HttpFileServer: nginx serving a directory (see http_file_server.h).
#include "http_file_server.h"

#include <fstream>

#include "fixture.h"
#include "ports.h"

namespace mls::test {

HttpFileServer::HttpFileServer() : dir_(uniqueOutputPath("http-files", "")), root_(dir_ / "root") {
  std::filesystem::create_directories(dir_ / "tmp");
  std::filesystem::create_directories(root_);
}

std::string HttpFileServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

::testing::AssertionResult HttpFileServer::start(std::chrono::milliseconds timeout) {
  if (process_.running()) return ::testing::AssertionFailure() << "nginx is already running";
  if (port_ == 0) port_ = freeTcpPort();
  const std::string d = dir_.string();
  {
    std::ofstream conf(dir_ / "nginx.conf");
    conf << "# Written by tests/support/http_file_server.cpp for one test.\n"
         << "daemon off;\n"
         << "master_process off;\n"
         << "worker_processes 1;\n"
         << "pid " << d << "/nginx.pid;\n"
         << "error_log stderr info;\n"
         << "events { worker_connections 64; }\n"
         << "http {\n"
         << "  access_log " << d << "/access.log;\n"
         << "  client_body_temp_path " << d << "/tmp/body;\n"
         << "  proxy_temp_path " << d << "/tmp/proxy;\n"
         << "  fastcgi_temp_path " << d << "/tmp/fastcgi;\n"
         << "  uwsgi_temp_path " << d << "/tmp/uwsgi;\n"
         << "  scgi_temp_path " << d << "/tmp/scgi;\n"
         << "  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }\n"
         << "  default_type application/octet-stream;\n"
         << "  server {\n"
         << "    listen 127.0.0.1:" << port_ << ";\n"
         << "    root " << root_.string() << ";\n"
         << "    location ~ \\.m3u8$ { add_header Cache-Control no-cache; }\n"
         << "  }\n"
         << "}\n";
  }
  process_ = Process(
      ProcessOptions{{"nginx", "-p", d + "/", "-c", (dir_ / "nginx.conf").string(), "-e", "stderr"},
                     "nginx-http",
                     {},
                     {},
                     {}});
  if (!process_.started()) return ::testing::AssertionFailure() << process_.startError();
  const bool ready =
      runUntil([&] { return !process_.running() || tcpPortAccepts(port_); }, timeout);
  if (!ready || !process_.running()) {
    return ::testing::AssertionFailure() << "nginx (http) not ready on 127.0.0.1:" << port_ << ":\n"
                                         << process_.log();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace mls::test
