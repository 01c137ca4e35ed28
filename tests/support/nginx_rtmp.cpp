// NginxRtmp: nginx + RTMP module as a test peer (see nginx_rtmp.h).
#include "nginx_rtmp.h"

#include <glib.h>

#include <cstdlib>
#include <fstream>

#include "fixture.h"
#include "http_client.h"
#include "ports.h"

namespace mls::test {

namespace {

constexpr const char* kRtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

std::string tail(const std::string& text, std::size_t max = 2000) {
  return text.size() > max ? "…" + text.substr(text.size() - max) : text;
}

// GMarkup callbacks for the /stat XML: <server><application><name>live</name><live><stream>
// <name>key</name>…<nclients>2</nclients><publishing/><active/></stream>…
struct StatParser {
  std::vector<std::string> path;  // open elements
  std::string text;
  std::string app;
  RtmpStreamStat stream;
  std::vector<RtmpStreamStat> streams;

  std::string parent() const { return path.size() >= 2 ? path[path.size() - 2] : std::string(); }
};

void statStart(GMarkupParseContext*, const gchar* element, const gchar**, const gchar**,
               gpointer data, GError**) noexcept {
  auto* p = static_cast<StatParser*>(data);
  p->path.emplace_back(element);
  p->text.clear();
  if (p->path.back() == "stream") p->stream = RtmpStreamStat{p->app};
}

void statEnd(GMarkupParseContext*, const gchar* element, gpointer data, GError**) noexcept {
  auto* p = static_cast<StatParser*>(data);
  const std::string name(element);
  const std::string parent = p->parent();
  if (name == "name" && parent == "application") p->app = p->text;
  if (parent == "stream") {
    if (name == "name") p->stream.name = p->text;
    if (name == "publishing") p->stream.publishing = true;
    if (name == "nclients") p->stream.clients = std::atoi(p->text.c_str());
    if (name == "bytes_in") p->stream.bytesIn = std::strtoull(p->text.c_str(), nullptr, 10);
    if (name == "bytes_out") p->stream.bytesOut = std::strtoull(p->text.c_str(), nullptr, 10);
  }
  if (name == "stream") p->streams.push_back(p->stream);
  p->path.pop_back();
  p->text.clear();
}

void statText(GMarkupParseContext*, const gchar* text, gsize length, gpointer data,
              GError**) noexcept {
  static_cast<StatParser*>(data)->text.append(text, length);
}

}  // namespace

std::vector<RtmpStreamStat> parseRtmpStat(const std::string& xml) {
  GMarkupParser callbacks{};
  callbacks.start_element = statStart;
  callbacks.end_element = statEnd;
  callbacks.text = statText;
  StatParser parser;
  GMarkupParseContext* context =
      g_markup_parse_context_new(&callbacks, G_MARKUP_IGNORE_QUALIFIED, &parser, nullptr);
  // The XML declaration is not part of what GMarkup accepts.
  std::string body = xml;
  if (body.rfind("<?xml", 0) == 0) body.erase(0, body.find("?>") + 2);
  const bool ok = g_markup_parse_context_parse(context, body.data(),
                                               static_cast<gssize>(body.size()), nullptr) &&
                  g_markup_parse_context_end_parse(context, nullptr);
  g_markup_parse_context_free(context);
  return ok ? parser.streams : std::vector<RtmpStreamStat>{};
}

NginxRtmp::NginxRtmp() : dir_(uniqueOutputPath("nginx", "")) {
  std::filesystem::create_directories(dir_ / "tmp");
}

std::string NginxRtmp::rtmpUrl(const std::string& app, const std::string& key) const {
  return "rtmp://127.0.0.1:" + std::to_string(port_) + "/" + app + "/" + key;
}

void NginxRtmp::writeConfig() const {
  const std::string d = dir_.string();
  const std::string http = "127.0.0.1:" + std::to_string(httpPort_);
  std::ofstream conf(dir_ / "nginx.conf");
  conf << "# Written by tests/support/nginx_rtmp.cpp for one test; see that file.\n"
       << "load_module " << kRtmpModule << ";\n"
       << "daemon off;\n"
       << "master_process off;\n"
       << "worker_processes 1;\n"
       << "pid " << d << "/nginx.pid;\n"
       << "error_log stderr info;\n"
       << "events { worker_connections 512; }\n"
       << "rtmp {\n"
       << "  server {\n"
       << "    listen 127.0.0.1:" << port_ << ";\n"
       << "    chunk_size 4096;\n"
       << "    notify_method get;\n"
       << "    application live { live on; record off; }\n"
       << "    application guarded { live on; record off; on_publish http://" << http
       << "/auth; }\n"
       << "  }\n"
       << "}\n"
       << "http {\n"
       << "  access_log " << d << "/access.log;\n"
       << "  client_body_temp_path " << d << "/tmp/body;\n"
       << "  proxy_temp_path " << d << "/tmp/proxy;\n"
       << "  fastcgi_temp_path " << d << "/tmp/fastcgi;\n"
       << "  uwsgi_temp_path " << d << "/tmp/uwsgi;\n"
       << "  scgi_temp_path " << d << "/tmp/scgi;\n"
       << "  server {\n"
       << "    listen " << http << ";\n"
       << "    location /auth { if ($arg_name = \"good\") { return 200; } return 403; }\n"
       << "    location /stat { rtmp_stat all; }\n"
       << "  }\n"
       << "}\n";
}

::testing::AssertionResult NginxRtmp::start(std::chrono::milliseconds timeout) {
  if (process_.running()) return ::testing::AssertionFailure() << "nginx is already running";
  if (!g_file_test(kRtmpModule, G_FILE_TEST_EXISTS)) {
    return ::testing::AssertionFailure()
           << kRtmpModule << " is missing: install libnginx-mod-rtmp (./tools/dev.sh setup --test)";
  }
  if (port_ == 0) {
    port_ = freeTcpPort();
    httpPort_ = freeTcpPort();
    writeConfig();
  }
  process_ = Process(ProcessOptions{
      {"nginx", "-p", dir_.string() + "/", "-c", (dir_ / "nginx.conf").string(), "-e", "stderr"},
      "nginx",
      {},
      {},
      {}});
  if (!process_.started()) return ::testing::AssertionFailure() << process_.startError();
  const bool ready = runUntil(
      [&] { return !process_.running() || (tcpPortAccepts(port_) && tcpPortAccepts(httpPort_)); },
      timeout);
  if (!ready || !process_.running()) {
    return ::testing::AssertionFailure()
           << "nginx-rtmp not ready on 127.0.0.1:" << port_ << " (" << process_.logPath() << "):\n"
           << tail(process_.log());
  }
  return ::testing::AssertionSuccess();
}

ExitStatus NginxRtmp::stop() { return process_.stop(); }
ExitStatus NginxRtmp::kill9() { return process_.kill9(); }

::testing::AssertionResult NginxRtmp::restart(std::chrono::milliseconds timeout) {
  process_.stop();
  return start(timeout);
}

std::vector<RtmpStreamStat> NginxRtmp::streams() const {
  if (httpPort_ == 0) return {};
  const HttpResponse response =
      request("GET", "http://127.0.0.1:" + std::to_string(httpPort_) + "/stat");
  return response.status == 200 ? parseRtmpStat(response.body) : std::vector<RtmpStreamStat>{};
}

bool NginxRtmp::waitForPublisher(const std::string& app, const std::string& key,
                                 std::chrono::milliseconds timeout) {
  // /stat is polled at most every 200 ms; runUntil's own tick is finer than needed here.
  auto next_poll = std::chrono::steady_clock::now();
  return runUntil(
      [&] {
        if (std::chrono::steady_clock::now() < next_poll) return false;
        next_poll = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        for (const auto& stream : streams()) {
          if (stream.app == app && stream.name == key && stream.publishing) return true;
        }
        return false;
      },
      timeout);
}

}  // namespace mls::test
