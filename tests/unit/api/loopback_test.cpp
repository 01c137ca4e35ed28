// The API over real HTTP on 127.0.0.1 (port 0) with a SoupSession client: a round trip, body
// limits before and while reading, the token, the operations routes outside /api, a deferred
// SVG response (sent when graphviz is done, or dropped when the client left), and the event
// stream (typed events with ids, keepalives, Last-Event-ID resume, reset, shutdown).
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "api/api_server.h"
#include "diag/pipeline_graph.h"
#include "api_test_util.h"
#include "fake_backend.h"
#include "http_client.h"

namespace mls::api::test {
namespace {

class Loopback : public ::testing::Test {
 protected:
  void start(ApiOptions options = {}) {
    server_ = std::make_unique<ApiServer>(backend_, options);
    auto ok = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(ok) << ok.error().message;
    ASSERT_GT(server_->port(), 0);
    base_ = server_->baseUrl();
    ASSERT_EQ(base_, "http://127.0.0.1:" + std::to_string(server_->port()));
  }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    // libsoup finishes closing connections from the main context.
    for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
    }
  }

  FakeBackend backend_;
  std::unique_ptr<ApiServer> server_;
  std::string base_;
  HttpClient client_;
};

TEST_F(Loopback, RoundTrip) {
  start();
  HttpReply r = client_.send("POST", base_ + "/api/v1/inputs",
                             R"({"name":"cam1","url":"rtsp://user:pw123456@cam.example/s"})");
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  EXPECT_EQ(r.headers["location"], "/api/v1/inputs/cam1");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body.find("pw123456"), std::string::npos);

  r = client_.send("GET", base_ + "/api/v1/inputs", {}, {});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Json(r.body).str("inputs.0.name"), "cam1");

  r = client_.send("PATCH", base_ + "/api/v1/inputs/cam1", R"({"enabled":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(backend_.config().inputs[0].enabled);

  r = client_.send("DELETE", base_ + "/api/v1/inputs/cam1", {}, {});
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(backend_.config().inputs.empty());

  r = client_.send("GET", base_ + "/api/v1/nothing", {}, {});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r.body).str("error.code"), "not_found");
  r = client_.send("DELETE", base_ + "/api/v1/inputs", {}, {});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, POST");
}

TEST_F(Loopback, TwoMebibyteBodyIs413) {
  start();
  const std::string big =
      R"({"name":"cam1","url":"test://","pad":")" + std::string(2 << 20, 'x') + "\"}";
  HttpReply r = client_.send("POST", base_ + "/api/v1/inputs", big);
  ASSERT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(Json(r.body).str("error.code"), "too_large");
  // Chunked, so no Content-Length to judge by: cut off while reading.
  r = client_.send("POST", base_ + "/api/v1/inputs", big, "application/json", {}, true);
  ASSERT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(Json(r.body).str("error.code"), "too_large");
  // Go-MLS routes answer in their shape.
  r = client_.send("POST", base_ + "/api/relay/start", big);
  ASSERT_EQ(r.status, 413) << r.error;
  EXPECT_NE(Json(r.body).str("error").find("larger"), std::string::npos) << r.body;
  EXPECT_TRUE(backend_.config().inputs.empty());
  EXPECT_EQ(backend_.applied_, 0);
  // The server is still fine.
  r = client_.send("POST", base_ + "/api/v1/inputs", R"({"name":"cam1","url":"test://"})");
  EXPECT_EQ(r.status, 201) << r.error << r.body;
}

TEST_F(Loopback, MutationsNeedTheToken) {
  ApiOptions options;
  options.api_token = "0123456789abcdef";
  start(options);
  const std::string body = R"({"name":"cam1","url":"test://"})";
  HttpReply r = client_.send("POST", base_ + "/api/v1/inputs", body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer realm=\"mls\"");
  EXPECT_EQ(Json(r.body).str("error.code"), "unauthorized");
  r = client_.send("POST", base_ + "/api/v1/inputs", body, "application/json",
                   {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(backend_.config().inputs.empty());
  r = client_.send("POST", base_ + "/api/v1/inputs", body, "application/json",
                   {{"Authorization", "Bearer 0123456789abcdef"}});
  EXPECT_EQ(r.status, 201) << r.body;
  r = client_.send("GET", base_ + "/api/v1/inputs", {}, {});
  EXPECT_EQ(r.status, 200);
}

TEST_F(Loopback, OperationsRoutesOutsideApiNeedNoToken) {
  ApiOptions options;
  options.api_token = "0123456789abcdef";
  start(options);
  HttpReply r = client_.send("GET", base_ + "/metrics", {}, {});
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body.rfind("# HELP mls_build_info ", 0), 0u) << r.body;
  r = client_.send("GET", base_ + "/healthz", {}, {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  r = client_.send("GET", base_ + "/readyz", {}, {});
  EXPECT_EQ(r.status, 200) << r.body;
  r = client_.send("GET", base_ + "/debug/pipelines/cam1.dot", {}, {});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r.body).str("error.code"), "not_found");
}

TEST_F(Loopback, SvgIsSentWhenGraphvizIsDone) {
  if (diag::findGraphviz("dot").empty()) GTEST_SKIP() << "graphviz (dot) is not installed";
  start();
  model::InputSpec cam;
  cam.name = "cam1";
  cam.url = "test://";
  backend_.config_.inputs.push_back(cam);
  backend_.dot_["cam1"] = "digraph pipeline { source -> parse -> tee; }\n";
  HttpReply r = client_.send("GET", base_ + "/debug/pipelines/cam1.svg", {}, {});
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.headers["content-type"], "image/svg+xml");
  EXPECT_NE(r.body.find("<svg"), std::string::npos);
  EXPECT_NE(r.body.find(">parse</text>"), std::string::npos) << r.body;
  // The server still answers others afterwards (the message was unpaused, nothing is stuck).
  r = client_.send("GET", base_ + "/healthz", {}, {});
  EXPECT_EQ(r.status, 200);
}

TEST_F(Loopback, ClientGoneBeforeTheSvgIsReady) {
  if (diag::findGraphviz("dot").empty()) GTEST_SKIP() << "graphviz (dot) is not installed";
  // A graphviz that takes half a second, so the client can leave first.
  g_autofree gchar* dir = g_dir_make_tmp("mls-graphviz-XXXXXX", nullptr);
  const std::string script = std::string(dir) + "/slow-dot";
  ASSERT_TRUE(g_file_set_contents(script.c_str(),
                                  "#!/bin/sh\nsleep 0.5\ndot \"$@\"\n", -1, nullptr));
  g_chmod(script.c_str(), 0755);
  ApiOptions options;
  options.graphviz_dot = script;
  start(options);
  model::InputSpec cam;
  cam.name = "cam1";
  cam.url = "test://";
  backend_.config_.inputs.push_back(cam);
  backend_.dot_["cam1"] = "digraph pipeline { a -> b; }\n";
  int renders = 0;
  {
    g_autoptr(GSocketClient) socket_client = g_socket_client_new();
    g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host(
        socket_client, ("127.0.0.1:" + std::to_string(server_->port())).c_str(), 0, nullptr,
        nullptr);
    ASSERT_TRUE(connection);
    const char* request = "GET /debug/pipelines/cam1.svg HTTP/1.1\r\nHost: x\r\n\r\n";
    GOutputStream* out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
    ASSERT_TRUE(g_output_stream_write_all(out, request, strlen(request), nullptr, nullptr, nullptr));
    // Until the server has the request (graphviz started), then hang up.
    ASSERT_TRUE(runUntil([&] {
      g_autofree gchar* ps = nullptr;
      g_spawn_command_line_sync("pgrep -f slow-dot", &ps, nullptr, nullptr, nullptr);
      renders = ps && *ps ? 1 : 0;
      return renders == 1;
    }));
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
  }
  // graphviz finishes after the client left: the response goes nowhere, nothing breaks (a GLib
  // critical would abort this test), and the server goes on answering.
  ASSERT_TRUE(runUntil([&] {
    g_autofree gchar* ps = nullptr;
    g_spawn_command_line_sync("pgrep -f slow-dot", &ps, nullptr, nullptr, nullptr);
    return !ps || !*ps;
  }));
  runUntil([] { return false; }, 300);  // the subprocess's completion comes in meanwhile
  HttpReply r = client_.send("GET", base_ + "/debug/pipelines/cam1.svg", {}, {});
  EXPECT_EQ(r.status, 200) << r.error << r.body;
  g_unlink(script.c_str());
  g_rmdir(dir);
}

TEST_F(Loopback, EventStreamDeliversTypedEventsWithIds) {
  ApiOptions options;
  options.sse_keepalive_ms = 50;
  start(options);
  SseStream stream(client_.session(), base_ + "/api/v1/events");
  ASSERT_TRUE(stream.waitFor("retry: 2000\n\n")) << stream.received();
  EXPECT_EQ(stream.status(), 200);
  EXPECT_EQ(stream.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(stream.header("Cache-Control"), "no-cache");
  ASSERT_TRUE(runUntil([&] { return server_->events().clientCount() == 1; }));

  EventSink sink = server_->events().sink();
  sink("input.created", R"({"name":"cam1"})");
  sink("input.state", R"({"name":"cam1","state":"live"})");
  ASSERT_TRUE(
      stream.waitFor("id: 2\nevent: input.state\ndata: {\"name\":\"cam1\",\"state\":\"live\"}\n\n"))
      << stream.received();
  EXPECT_NE(stream.received().find("id: 1\nevent: input.created\ndata: {\"name\":\"cam1\"}\n\n"),
            std::string::npos);
  // Keepalive comments while nothing happens.
  EXPECT_TRUE(stream.waitFor(": keepalive\n\n")) << stream.received();
}

TEST_F(Loopback, EventStreamResumesFromLastEventId) {
  ApiOptions options;
  options.sse_history = 3;
  start(options);
  EventSink sink = server_->events().sink();
  for (int i = 1; i <= 5; ++i) sink("output.state", "{\"n\":" + std::to_string(i) + "}");

  SseStream resumed(client_.session(), base_ + "/api/v1/events", std::string("3"));
  ASSERT_TRUE(resumed.waitFor("id: 5\n")) << resumed.received();
  EXPECT_NE(resumed.received().find("id: 4\nevent: output.state\ndata: {\"n\":4}\n\n"),
            std::string::npos);
  EXPECT_EQ(resumed.received().find("id: 3\n"), std::string::npos) << resumed.received();

  // Events 2 and 3 are gone from the ring of 3: a reset tells the client to re-read.
  SseStream behind(client_.session(), base_ + "/api/v1/events", std::string("1"));
  ASSERT_TRUE(behind.waitFor("event: reset\n")) << behind.received();
  EXPECT_NE(behind.received().find("id: 5\nevent: reset\n"), std::string::npos);

  // Both keep receiving new events.
  sink("output.state", "{\"n\":6}");
  EXPECT_TRUE(resumed.waitFor("id: 6\n"));
  EXPECT_TRUE(behind.waitFor("id: 6\n"));
}

TEST_F(Loopback, ClientsThatLeaveAreDropped) {
  ApiOptions options;
  options.sse_keepalive_ms = 30;
  start(options);
  {
    SseStream stream(client_.session(), base_ + "/api/v1/events");
    ASSERT_TRUE(stream.waitFor("retry:"));
    ASSERT_TRUE(runUntil([&] { return server_->events().clientCount() == 1; }));
  }
  // The next keepalive finds the closed connection.
  EXPECT_TRUE(runUntil([&] { return server_->events().clientCount() == 0; }));
}

TEST_F(Loopback, CloseAllSendsShutdownAndEndsStreams) {
  start();
  SseStream a(client_.session(), base_ + "/api/v1/events");
  SseStream b(client_.session(), base_ + "/api/v1/events");
  ASSERT_TRUE(a.waitFor("retry:"));
  ASSERT_TRUE(b.waitFor("retry:"));
  ASSERT_TRUE(runUntil([&] { return server_->events().clientCount() == 2; }));
  server_->events().closeAll(R"({"reason":"shutdown"})");
  EXPECT_TRUE(a.waitFor("event: shutdown\ndata: {\"reason\":\"shutdown\"}\n\n")) << a.received();
  EXPECT_TRUE(b.waitFor("event: shutdown\n"));
  EXPECT_TRUE(a.waitForEnd());
  EXPECT_TRUE(b.waitForEnd());
  EXPECT_TRUE(runUntil([&] { return server_->events().clientCount() == 0; }));
  // New clients are turned away from then on.
  HttpReply r = client_.send("GET", base_ + "/api/v1/events", {}, {});
  EXPECT_EQ(r.status, 503);
}

TEST_F(Loopback, StopClosesOpenStreams) {
  start();
  SseStream stream(client_.session(), base_ + "/api/v1/events");
  ASSERT_TRUE(stream.waitFor("retry:"));
  ASSERT_TRUE(runUntil([&] { return server_->events().clientCount() == 1; }));
  server_->stop();
  EXPECT_TRUE(stream.waitForEnd());
  EXPECT_TRUE(runUntil([&] { return server_->events().clientCount() == 0; }));
}

TEST_F(Loopback, ClientsThatStopReadingAreCutOff) {
  start();
  // A raw connection that sends its request and then never reads.
  g_autoptr(GSocketClient) socket_client = g_socket_client_new();
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host(
      socket_client, ("127.0.0.1:" + std::to_string(server_->port())).c_str(), 0, nullptr, nullptr);
  ASSERT_NE(connection, nullptr);
  const std::string request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_TRUE(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(connection)),
                                        request.data(), request.size(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(runUntil([&] { return server_->events().clientCount() == 1; }));
  // Publish until the kernel buffers and the broker's backlog limit are exhausted.
  const std::string payload = "\"" + std::string(64 * 1024, 'x') + "\"";
  EventSink sink = server_->events().sink();
  bool dropped = runUntil(
      [&] {
        sink("output.state", payload);
        return server_->events().clientCount() == 0;
      },
      10000);
  EXPECT_TRUE(dropped) << "published " << server_->events().lastEventId() << " events";
  // Well past the limit plus socket buffers, but bounded.
  EXPECT_LT(server_->events().lastEventId() * payload.size(), size_t{256} << 20);
}

TEST_F(Loopback, ListenRefusesNamesItCannotBind) {
  ApiServer server(backend_, {});
  auto bad = server.listen("not-an-address", 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::Invalid);
}

}  // namespace
}  // namespace mls::api::test
