// The web UI's server side: which paths name which GResource files and with what Content-Type,
// the files served over HTTP (index.html at /, ETag + 304, the Content-Security-Policy, no token
// needed when the API wants one), the preview route's path parsing, and the `stats` event JSON.
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <memory>
#include <string>

#include "api/api_server.h"
#include "api/preview_route.h"
#include "api/sse_broker.h"
#include "api/static_assets.h"
#include "api/stats_event.h"
#include "fake_backend.h"
#include "http_client.h"

namespace mls::api::test {
namespace {

TEST(StaticAssets, PathsNameOnlyFilesOfTheUi) {
  EXPECT_EQ(StaticAssets::resourcePath("/"), "/mls/web/index.html");
  EXPECT_EQ(StaticAssets::resourcePath("/index.html"), "/mls/web/index.html");
  EXPECT_EQ(StaticAssets::resourcePath("/assets/app.js"), "/mls/web/assets/app.js");
  EXPECT_EQ(StaticAssets::resourcePath("/assets/"), "");
  EXPECT_EQ(StaticAssets::resourcePath("/assets/../index.html"), "");
  EXPECT_EQ(StaticAssets::resourcePath("/assets/.hidden"), "");
  EXPECT_EQ(StaticAssets::resourcePath("/assets/a/b.js"), "");
  EXPECT_EQ(StaticAssets::resourcePath("/assets/a%20b.js"), "");
  EXPECT_EQ(StaticAssets::resourcePath("/etc/passwd"), "");
}

TEST(StaticAssets, ContentTypes) {
  EXPECT_STREQ(StaticAssets::contentType("/mls/web/index.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(StaticAssets::contentType("x/app.js"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(StaticAssets::contentType("x/app.css"), "text/css; charset=utf-8");
  EXPECT_STREQ(StaticAssets::contentType("x/favicon.svg"), "image/svg+xml");
  EXPECT_STREQ(StaticAssets::contentType("x/blob"), "application/octet-stream");
}

TEST(PreviewRoute, InputOfPath) {
  EXPECT_EQ(PreviewRoute::inputOf("/api/v1/preview/cam1.mp4"), "cam1");
  EXPECT_EQ(PreviewRoute::inputOf("/api/v1/preview/cam-1_b.mp4"), "cam-1_b");
  EXPECT_EQ(PreviewRoute::inputOf("/api/v1/preview/.mp4"), "");
  EXPECT_EQ(PreviewRoute::inputOf("/api/v1/preview/cam1"), "");
  EXPECT_EQ(PreviewRoute::inputOf("/api/v1/preview/Cam1.mp4"), "");
  EXPECT_EQ(PreviewRoute::inputOf("/api/v1/preview/a/b.mp4"), "");
  EXPECT_EQ(PreviewRoute::inputOf("/api/v1/previewcam1.mp4"), "");
}

TEST(StatsEvent, RatesOfEveryInputAndOutput) {
  FakeBackend backend;
  model::InputSpec input;
  input.name = "cam1";
  input.url = "test://smpte";
  model::OutputSpec output;
  output.name = "yt";
  output.url = "rtmp://example.com/live/key";
  input.outputs.push_back(output);
  backend.config_.inputs.push_back(input);
  backend.input_status_["cam1"].run.bitrate_bps = 2e6;
  backend.input_status_["cam1"].run.fps = 30;
  backend.output_status_[{"cam1", "yt"}].bitrate_bps = 1.5e6;
  backend.output_status_[{"cam1", "yt"}].uptime_s = 12;
  diag::ProcessFigures process;
  process.cpu_user_s = 1.5;
  process.cpu_system_s = 0.5;
  process.resident_bytes = 1024;
  process.threads = 7;

  const std::string text = statsEventJson(backend, process, 42);
  EXPECT_EQ(text.find('\n'), std::string::npos) << "one line: " << text;
  g_autoptr(JsonParser) parser = json_parser_new();
  ASSERT_TRUE(json_parser_load_from_data(parser, text.c_str(), -1, nullptr)) << text;
  JsonObject* root = json_node_get_object(json_parser_get_root(parser));
  EXPECT_DOUBLE_EQ(json_object_get_double_member(root, "uptime_s"), 42);
  EXPECT_DOUBLE_EQ(json_object_get_double_member(root, "cpu_s"), 2.0);
  EXPECT_EQ(json_object_get_int_member(root, "rss_bytes"), 1024);
  EXPECT_EQ(json_object_get_int_member(root, "threads"), 7);
  JsonArray* inputs = json_object_get_array_member(root, "inputs");
  ASSERT_EQ(json_array_get_length(inputs), 1u);
  JsonObject* in = json_array_get_object_element(inputs, 0);
  EXPECT_STREQ(json_object_get_string_member(in, "input"), "cam1");
  EXPECT_DOUBLE_EQ(json_object_get_double_member(in, "bitrate_bps"), 2e6);
  EXPECT_DOUBLE_EQ(json_object_get_double_member(in, "fps"), 30);
  JsonObject* out = json_array_get_object_element(json_object_get_array_member(in, "outputs"), 0);
  EXPECT_STREQ(json_object_get_string_member(out, "output"), "yt");
  EXPECT_DOUBLE_EQ(json_object_get_double_member(out, "bitrate_bps"), 1.5e6);
  EXPECT_DOUBLE_EQ(json_object_get_double_member(out, "uptime_s"), 12);
  EXPECT_EQ(text.find("rtmp://"), std::string::npos) << "no URL in the stats: " << text;
}

class WebLoopback : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiOptions options;
    options.api_token = "s3cret";
    server_ = std::make_unique<ApiServer>(backend_, options);
    ASSERT_TRUE(server_->listen("127.0.0.1", 0));
    assets_ =
        std::make_unique<StaticAssets>(server_->soupServer(), server_->keepsConnectionsAlive());
    base_ = server_->baseUrl();
  }
  void TearDown() override {
    assets_.reset();
    server_->stop();
    server_.reset();
    for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
    }
  }
  FakeBackend backend_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<StaticAssets> assets_;
  std::string base_;
};

TEST_F(WebLoopback, ServesTheUiWithoutTokenAndRevalidates) {
  HttpClient client;
  HttpReply index = client.send("GET", base_ + "/");
  ASSERT_EQ(index.status, 200) << index.error;
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"/assets/app.js\">"), std::string::npos);
  EXPECT_EQ(index.headers["cache-control"], "no-cache");
  EXPECT_NE(index.headers["content-security-policy"].find("script-src 'self'"), std::string::npos);
  const std::string etag = index.headers["etag"];
  ASSERT_FALSE(etag.empty());

  HttpReply again = client.send("GET", base_ + "/", {}, {}, {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  HttpReply js = client.send("GET", base_ + "/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_NE(js.headers["etag"], etag);

  // gzip on request, with its own ETag; the body is the same file.
  HttpReply gz = client.send("GET", base_ + "/assets/app.css", {}, {}, {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.headers["content-encoding"], "gzip");
  EXPECT_NE(gz.headers["vary"].find("Accept-Encoding"), std::string::npos);
  HttpReply plain = client.send("GET", base_ + "/assets/app.css", {}, {}, {{"Accept-Encoding", "identity"}});
  EXPECT_TRUE(plain.headers["content-encoding"].empty());
  EXPECT_NE(gz.headers["etag"], plain.headers["etag"]);
  EXPECT_EQ(client.send("GET", base_ + "/assets/app.css", {}, {},
                        {{"Accept-Encoding", "gzip"}, {"If-None-Match", gz.headers["etag"]}})
                .status,
            304);

  EXPECT_EQ(client.send("GET", base_ + "/assets/missing.js").status, 404);
  EXPECT_EQ(client.send("GET", base_ + "/elsewhere").status, 404);
  EXPECT_EQ(client.send("POST", base_ + "/", "{}").status, 405);
  // The API still answers its own paths, and still wants the token for changes.
  EXPECT_EQ(client.send("GET", base_ + "/api/v1/inputs").status, 200);
  EXPECT_EQ(client.send("POST", base_ + "/api/v1/inputs", "{}").status, 401);
}

TEST(SseTransient, TakesNoIdAndIsNotReplayed) {
  SseBroker broker(SseBroker::Options{});
  broker.publish("a", "{}");
  broker.publishTransient("stats", "{\"x\":1}");
  broker.publish("b", "{}");
  EXPECT_EQ(broker.lastEventId(), 2u);
  EXPECT_EQ(broker.preamble(std::string("1")), "retry: 2000\n\n" + SseBroker::formatEvent(2, "b", "{}"));
}

TEST_F(WebLoopback, StatsReachClientsWithoutAnId) {
  HttpClient client;
  SseStream stream(client.session(), base_ + "/api/v1/events");
  ASSERT_TRUE(stream.waitFor("retry: "));
  server_->events().publish("input.created", "{\"input\":\"cam1\"}");
  server_->events().publishTransient("stats", "{\"inputs\":[]}");
  ASSERT_TRUE(stream.waitFor("event: stats\ndata: {\"inputs\":[]}\n\n")) << stream.received();
  EXPECT_NE(stream.received().find("id: 1\nevent: input.created\n"), std::string::npos);
  EXPECT_EQ(stream.received().find("id: 2"), std::string::npos) << stream.received();
}

}  // namespace
}  // namespace mls::api::test
