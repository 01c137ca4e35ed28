// Tests of the test-support library itself, with no media peers: runUntil, the watchdog, output
// directories, Process (logs, stop escalation, pause, cleanup), ports, JSON lookups, the
// nginx-rtmp statistics parser, and the HTTP and SSE clients against an in-process SoupServer.
#include <arpa/inet.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "fixture.h"
#include "http_client.h"
#include "nginx_rtmp.h"
#include "ports.h"
#include "process.h"

namespace mls::test {
namespace {

using SupportTest = LoopTest;

TEST_F(SupportTest, RunUntilReturnsAsSoonAsThePredicateHolds) {
  bool fired = false;
  GSource* source = g_timeout_source_new(50);
  g_source_set_callback(
      source,
      [](gpointer flag) noexcept -> gboolean {
        *static_cast<bool*>(flag) = true;
        return G_SOURCE_REMOVE;
      },
      &fired, nullptr);
  g_source_attach(source, nullptr);
  g_source_unref(source);

  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(runUntil([&] { return fired; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(SupportTest, RunUntilGivesUpAtTheDeadlineWithoutSpinning) {
  int checks = 0;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(runUntil(
      [&] {
        ++checks;
        return false;
      },
      300ms));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 2s);
  // One check per 20 ms tick (plus slack): a busy loop would make hundreds of thousands.
  EXPECT_GE(checks, 5);
  EXPECT_LE(checks, 40);
}

TEST_F(SupportTest, OutputDirIsPerTestAndFresh) {
  EXPECT_EQ(outputDir_.filename().string(), "SupportTest.OutputDirIsPerTestAndFresh");
  EXPECT_TRUE(std::filesystem::is_directory(outputDir_));
  EXPECT_TRUE(std::filesystem::is_empty(outputDir_));
  EXPECT_EQ(testOutputDir(), outputDir_);
  const auto first = uniqueOutputPath("peer", ".log");
  std::ofstream(first) << "x";
  const auto second = uniqueOutputPath("peer", ".log");
  EXPECT_EQ(first.filename(), "peer.log");
  EXPECT_EQ(second.filename(), "peer-2.log");
}

TEST(SupportDeathTest, WatchdogAbortsAHungTestAndNamesIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Watchdog watchdog(200ms, "HungExample");
        runUntil([] { return false; }, 10s);
      },
      "watchdog: HungExample is hung");
}

TEST_F(SupportTest, ProcessLogsOutputAndWaitsForALine) {
  Process p({"sh", "-c", "echo starting; echo 'listening on http://127.0.0.1:4242'; sleep 30"},
            "sh-listen");
  ASSERT_TRUE(p.started());
  const auto line = p.waitForLine(R"(listening on (http://[^ /]+))", 5s);
  ASSERT_TRUE(line.has_value()) << p.log();
  EXPECT_EQ(line->groups[1], "http://127.0.0.1:4242");
  EXPECT_EQ(p.countLines("^starting$"), 1);
  EXPECT_EQ(p.logPath().parent_path(), outputDir_);
  EXPECT_TRUE(p.running());
  const ExitStatus status = p.stop();
  EXPECT_EQ(status.signal, SIGTERM) << status.describe();
  EXPECT_FALSE(p.running());
}

TEST_F(SupportTest, WaitForLineReturnsEarlyWhenTheProcessEnds) {
  Process p({"sh", "-c", "echo bye; exit 3"});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(p.waitForLine("never printed", 20s).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_TRUE(p.exitStatus().has_value());
  EXPECT_EQ(p.exitStatus()->code, 3);
  // A line printed just before exiting is still found.
  Process q({"sh", "-c", "printf 'last words'"});
  EXPECT_TRUE(q.waitForLine("last words", 5s).has_value());
}

TEST_F(SupportTest, WaitForLineSinceAMarkIgnoresOlderLines) {
  Process p({"sh", "-c", "echo ready; sleep 30"});
  ASSERT_TRUE(p.waitForLine("ready", 5s));
  const std::size_t mark = p.logMark();
  EXPECT_FALSE(p.waitForLine("ready", 200ms, mark).has_value());
}

TEST_F(SupportTest, StopEscalatesToSigkillWhenSigtermIsIgnored) {
  Process p({"sh", "-c", "trap '' TERM; echo armed; while :; do sleep 1; done"});
  ASSERT_TRUE(p.waitForLine("armed", 5s));
  const auto start = std::chrono::steady_clock::now();
  const ExitStatus status = p.stop(500ms);
  EXPECT_EQ(status.signal, SIGKILL) << status.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(SupportTest, PauseAndResumeFreezeTheWholeProcessGroup) {
  Process p({"sh", "-c", "while :; do echo tick; sleep 0.05; done"});
  ASSERT_TRUE(p.waitForLine("tick", 5s));
  ASSERT_TRUE(p.pause());
  ASSERT_TRUE(runUntil([&] { return p.paused(); }, 2s));
  const std::size_t frozen = p.logMark();
  runFor(300ms);
  EXPECT_EQ(p.logMark(), frozen) << "a paused process kept writing";
  EXPECT_TRUE(p.running());
  ASSERT_TRUE(p.resume());
  EXPECT_TRUE(p.waitForLine("tick", 5s, frozen).has_value());
  EXPECT_FALSE(p.paused());
}

TEST_F(SupportTest, StopWorksOnAPausedProcess) {
  Process p({"sh", "-c", "echo up; sleep 30"});
  ASSERT_TRUE(p.waitForLine("up", 5s));
  ASSERT_TRUE(p.pause());
  const ExitStatus status = p.stop(3s);
  EXPECT_EQ(status.signal, SIGTERM) << status.describe();
}

TEST_F(SupportTest, DestructorKillsTheProcessGroupIncludingGrandchildren) {
  pid_t leader = 0;
  pid_t grandchild = 0;
  {
    Process p({"sh", "-c", "sleep 60 & echo child $!; wait"});
    const auto line = p.waitForLine(R"(child (\d+))", 5s);
    ASSERT_TRUE(line.has_value()) << p.log();
    leader = p.pid();
    grandchild = static_cast<pid_t>(std::stoi(line->groups[1]));
    EXPECT_TRUE(pidExists(grandchild));
  }
  EXPECT_FALSE(pidExists(leader));
  // The grandchild was reparented; it may linger as a zombie of its new parent for a moment.
  EXPECT_TRUE(runUntil(
      [&] {
        if (!pidExists(grandchild)) return true;
        g_autofree gchar* path = g_strdup_printf("/proc/%d/stat", grandchild);
        g_autofree gchar* stat = nullptr;
        return !g_file_get_contents(path, &stat, nullptr, nullptr) ||
               std::strstr(stat, ") Z ") != nullptr;
      },
      5s));
}

TEST_F(SupportTest, MissingProgramIsAReportedStartFailure) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    Process p({"mls-no-such-program-anywhere"});
    EXPECT_FALSE(p.started());
    EXPECT_NE(p.startError().find("not found"), std::string::npos) << p.startError();
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_NE(std::string(failures.GetTestPartResult(0).message()).find("mls-no-such-program"),
            std::string::npos);
}

TEST_F(SupportTest, FreePortsAreDistinctAndBindable) {
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 20; ++i) {
    const std::uint16_t tcp = freeTcpPort();
    const std::uint16_t udp = freeUdpPort();
    ASSERT_NE(tcp, 0);
    ASSERT_NE(udp, 0);
    EXPECT_TRUE(seen.insert(tcp).second) << "TCP port " << tcp << " handed out twice";
    EXPECT_TRUE(seen.insert(udp).second) << "UDP port " << udp << " handed out twice";
  }
  const std::uint16_t port = freeTcpPort();
  EXPECT_FALSE(tcpPortAccepts(port));
  EXPECT_FALSE(udpPortBound(port));
}

TEST_F(SupportTest, UdpPortBoundSeesABoundSocket) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  EXPECT_TRUE(udpPortBound(ntohs(addr.sin_port)));
  close(fd);
  EXPECT_FALSE(udpPortBound(ntohs(addr.sin_port)));
}

TEST(SupportJson, DottedPathsReachObjectsAndArrays) {
  JsonNodePtr root = parseJson(
      R"({"error":{"code":"invalid","message":"bad name"},"inputs":[{"name":"cam1","fps":29.97,)"
      R"("retries":3,"enabled":true}]})");
  ASSERT_TRUE(root);
  EXPECT_EQ(jsonString(root.get(), "error.code"), "invalid");
  EXPECT_EQ(jsonString(root.get(), "inputs.0.name"), "cam1");
  EXPECT_EQ(jsonInt(root.get(), "inputs.0.retries"), 3);
  EXPECT_DOUBLE_EQ(jsonDouble(root.get(), "inputs.0.fps").value_or(0), 29.97);
  EXPECT_DOUBLE_EQ(jsonDouble(root.get(), "inputs.0.retries").value_or(0), 3.0);
  EXPECT_EQ(jsonBool(root.get(), "inputs.0.enabled"), true);
  EXPECT_EQ(jsonSize(root.get(), "inputs"), 1);
  EXPECT_EQ(jsonSize(root.get(), "error"), 2);
  EXPECT_FALSE(jsonString(root.get(), "inputs.1.name"));
  EXPECT_FALSE(jsonString(root.get(), "error.code.more"));
  EXPECT_FALSE(jsonInt(root.get(), "error.code"));
  EXPECT_FALSE(parseJson("{not json"));
}

TEST(SupportRtmpStat, ParsesPublishingStreamsPerApplication) {
  // Shape of nginx-rtmp 1.1.4's /stat page (trimmed).
  const std::string xml = R"(<?xml version="1.0" encoding="utf-8" ?>
<rtmp><server>
<application><name>live</name><live>
<stream><name>cam</name><time>2697</time><bytes_in>1576256</bytes_in><bytes_out>42</bytes_out>
<client><id>1</id><publishing/><active/></client>
<meta><video><width>1280</width></video></meta>
<nclients>2</nclients><publishing/><active/></stream>
<stream><name>idle</name><bytes_in>0</bytes_in><bytes_out>0</bytes_out>
<client><id>2</id></client><nclients>1</nclients></stream>
<nclients>3</nclients></live></application>
<application><name>guarded</name><live><nclients>0</nclients></live></application>
</server></rtmp>)";
  const auto streams = parseRtmpStat(xml);
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].app, "live");
  EXPECT_EQ(streams[0].name, "cam");
  EXPECT_TRUE(streams[0].publishing);
  EXPECT_EQ(streams[0].clients, 2);
  EXPECT_EQ(streams[0].bytesIn, 1576256u);
  EXPECT_EQ(streams[0].bytesOut, 42u);
  EXPECT_EQ(streams[1].name, "idle");
  EXPECT_FALSE(streams[1].publishing);
  EXPECT_TRUE(parseRtmpStat("<rtmp><unclosed>").empty());
}

// An HTTP server on its own thread and context, so the synchronous client on the test thread
// can talk to it. /echo answers with the method, body and a header; /events is an SSE stream
// that sends a few events in separate chunks.
class ThreadedServer {
 public:
  ThreadedServer() {
    std::atomic<bool> ready{false};
    thread_ = std::thread([this, &ready] {
      g_main_context_push_thread_default(context_);
      server_ = soup_server_new(nullptr, nullptr);
      soup_server_add_handler(server_, "/echo", onEcho, nullptr, nullptr);
      soup_server_add_handler(server_, "/events", onEvents, this, nullptr);
      g_autoptr(GError) error = nullptr;
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
      soup_server_listen(server_, address, static_cast<SoupServerListenOptions>(0), &error);
      GSList* uris = soup_server_get_uris(server_);
      g_autofree gchar* uri = g_uri_to_string(static_cast<GUri*>(uris->data));
      base_ = uri;
      if (!base_.empty() && base_.back() == '/') base_.pop_back();
      g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
      ready = true;
      while (!stop_) g_main_context_iteration(context_, TRUE);
      g_object_unref(server_);
      g_main_context_pop_thread_default(context_);
    });
    while (!ready) std::this_thread::yield();
  }
  ~ThreadedServer() {
    stop_ = true;
    g_main_context_wakeup(context_);
    thread_.join();
    g_main_context_unref(context_);
  }
  const std::string& base() const { return base_; }

 private:
  static void onEcho(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*,
                     gpointer) noexcept {
    SoupMessageBody* request = soup_server_message_get_request_body(msg);
    g_autoptr(GBytes) body = soup_message_body_flatten(request);
    std::string reply = std::string("{\"method\":\"") + soup_server_message_get_method(msg) +
                        "\",\"length\":" + std::to_string(g_bytes_get_size(body)) + "}";
    const char* type = soup_message_headers_get_content_type(
        soup_server_message_get_request_headers(msg), nullptr);
    soup_message_headers_append(soup_server_message_get_response_headers(msg), "X-Seen-Type",
                                type ? type : "none");
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, reply.data(),
                                     reply.size());
    soup_server_message_set_status(msg, 201, nullptr);
  }

  // Writes the stream in three chunks, 30 ms apart, to exercise events split across reads.
  static void onEvents(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*,
                       gpointer data) noexcept {
    auto* self = static_cast<ThreadedServer*>(data);
    soup_server_message_set_status(msg, 200, nullptr);
    SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
    soup_message_headers_set_content_type(headers, "text/event-stream", nullptr);
    soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
    const char* last_id =
        soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Last-Event-ID");
    {
      std::lock_guard lock(self->mutex_);
      self->lastEventId_ = last_id ? last_id : "";
    }
    g_object_ref(msg);
    auto* step = new int(0);
    struct Ctx {
      SoupServerMessage* msg;
      int* step;
    };
    // On the server thread's context: the message belongs to that thread.
    GSource* timer = g_timeout_source_new(30);
    g_source_set_callback(
        timer,
        [](gpointer p) noexcept -> gboolean {
          auto* c = static_cast<Ctx*>(p);
          static const char* chunks[] = {
              "retry: 1500\n: keepalive\n\nid: 1\nevent: input\ndata: {\"name\":\"cam1\",",
              "\"state\":\"connecting\"}\n\nid: 2\nevent: input\r\ndata: {\"name\":\"cam1\","
              "\"state\":\"live\"}\r\n\r\n",
              "data: line one\ndata: line two\n\n"};
          SoupMessageBody* body = soup_server_message_get_response_body(c->msg);
          soup_message_body_append(body, SOUP_MEMORY_STATIC, chunks[*c->step],
                                   std::strlen(chunks[*c->step]));
          soup_server_message_unpause(c->msg);
          if (++*c->step < 3) return G_SOURCE_CONTINUE;
          return G_SOURCE_REMOVE;  // the stream stays open, like a real event stream
        },
        new Ctx{msg, step},
        [](gpointer p) noexcept {
          auto* c = static_cast<Ctx*>(p);
          g_object_unref(c->msg);
          delete c->step;
          delete c;
        });
    g_source_attach(timer, g_main_context_get_thread_default());
    g_source_unref(timer);
    soup_server_message_pause(msg);
  }

  std::mutex mutex_;
  std::string lastEventId_;  // protected by mutex_

 public:
  std::string lastEventId() {
    std::lock_guard lock(mutex_);
    return lastEventId_;
  }

 private:
  GMainContext* context_ = g_main_context_new();
  SoupServer* server_ = nullptr;
  std::atomic<bool> stop_{false};
  std::string base_;
  std::thread thread_;
};

TEST_F(SupportTest, HttpClientSendsJsonAndReadsStatusHeadersAndBody) {
  ThreadedServer server;
  const HttpResponse response =
      request("POST", server.base() + "/echo", R"({"name":"cam1"})", {{"X-Extra", "1"}});
  ASSERT_EQ(response.status, 201u) << response.error;
  EXPECT_EQ(response.header("x-seen-type"), "application/json");
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  JsonNodePtr json = response.json();
  ASSERT_TRUE(json) << response.body;
  EXPECT_EQ(jsonString(json.get(), "method"), "POST");
  EXPECT_EQ(jsonInt(json.get(), "length"), 15);

  const HttpResponse del = request("DELETE", server.base() + "/echo");
  EXPECT_EQ(jsonString(del.json().get(), "method"), "DELETE");
  EXPECT_EQ(jsonInt(del.json().get(), "length"), 0);
  EXPECT_EQ(del.header("x-seen-type"), "none");
}

TEST_F(SupportTest, HttpClientReportsAConnectionFailure) {
  const HttpResponse response =
      request("GET", "http://127.0.0.1:" + std::to_string(freeTcpPort()) + "/");
  EXPECT_EQ(response.status, 0u);
  EXPECT_FALSE(response.error.empty());
}

TEST_F(SupportTest, SseClientCollectsTypedEventsAcrossChunks) {
  ThreadedServer server;
  SseClient sse(server.base() + "/events", {{"Last-Event-ID", "41"}});
  ASSERT_TRUE(sse.waitConnected(5s)) << sse.lastError();
  const auto live = sse.waitForEvent(
      "input", [](const SseEvent& e) { return e.data.find("\"live\"") != std::string::npos; }, 5s);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->id, "2");
  JsonNodePtr data = parseJson(live->data);
  EXPECT_EQ(jsonString(data.get(), "state"), "live");
  // The "connecting" event was passed over; the next one is the untyped multi-line message.
  const auto message = sse.waitForEvent("", 5s);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->event, "message");
  EXPECT_EQ(message->data, "line one\nline two");
  EXPECT_EQ(message->id, "2");
  EXPECT_FALSE(sse.waitForEvent("", 100ms).has_value());

  const auto all = sse.events();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].data, R"({"name":"cam1","state":"connecting"})");
  EXPECT_EQ(sse.retryMs(), 1500);
  EXPECT_EQ(sse.comments(), 1);
  EXPECT_EQ(server.lastEventId(), "41");
  EXPECT_FALSE(sse.closed());
}

TEST_F(SupportTest, SseClientReportsARefusedConnection) {
  SseClient sse("http://127.0.0.1:" + std::to_string(freeTcpPort()) + "/events");
  EXPECT_FALSE(sse.waitConnected(5s));
  EXPECT_TRUE(sse.closed());
  EXPECT_FALSE(sse.lastError().empty());
}

}  // namespace
}  // namespace mls::test
