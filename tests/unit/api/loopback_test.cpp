// The API over real HTTP on 127.0.0.1 (port 0) with a SoupSession client: a round trip, body
// limits before and while reading, the token, and the event stream (typed events with ids,
// keepalives, Last-Event-ID resume, reset, shutdown).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/api_server.h"
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
