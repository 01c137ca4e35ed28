// Pure-handler tests of the operations routes through the router, with the fake backend:
// /metrics (format, content type, no token needed, no secret), /healthz, /readyz (ready, and 503
// with the standard error shape), /debug/pipelines/….dot and .svg (redaction, unknown names,
// pipelines that are not running, graphviz absent, the deferred SVG), and the launch lines.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "api/router.h"
#include "api_test_util.h"
#include "diag/pipeline_graph.h"
#include "fake_backend.h"

namespace mls::api::test {
namespace {

constexpr const char* kCamUrl = "rtsp://admin:hunter2@cam.example/stream1";
constexpr const char* kKeyUrl = "rtmp://a.rtmp.youtube.com/live2/sekret-key-3f9a";

// A DOT graph as gst_debug_bin_to_dot_data() writes an rtmp2sink holding the stream key.
const std::string kSinkDot =
    "digraph pipeline {\n"
    "  subgraph cluster_sink_0x1 {\n"
    "    label=\"GstRtmp2Sink\\nsink\\n[>]\\nlocation=\\\"rtmp://a.rtmp.youtube.com/live2/"
    "sekret-key-3f9a\\\"\\nstream=\\\"sekret-key-3f9a\\\"\";\n"
    "    sink_0x1_sink [label=\"sink\"];\n"
    "  }\n"
    "}\n";

class OpsRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    model::InputSpec cam;
    cam.name = "cam1";
    cam.url = kCamUrl;
    model::OutputSpec youtube;
    youtube.name = "youtube";
    youtube.url = kKeyUrl;
    model::OutputSpec spare;
    spare.name = "spare";
    spare.url = "srt://rx.example:9000?passphrase=0123456789ab";
    cam.outputs = {youtube, spare};
    backend_.config_.inputs.push_back(cam);
    backend_.input_status_["cam1"].run.state = model::RunState::Live;
    backend_.input_status_["cam1"].run.bytes_total = 1000;
    backend_.output_status_[{"cam1", "youtube"}].state = model::RunState::Live;
    backend_.output_status_[{"cam1", "spare"}].state = model::RunState::Retrying;
    backend_.system_.version = "0.1.0";
    backend_.system_.gstreamer_version = "GStreamer 1.22.0";
  }
  Response get(const std::string& path) {
    return dispatch(makeRequest("GET", path), backend_, options_);
  }
  // Runs a deferred response to its end.
  std::optional<Response> finish(Response deferred) {
    std::optional<Response> final_response;
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    deferred.deferred([&](Response r) { final_response = std::move(r); }, cancellable);
    if (!runUntil([&] { return final_response.has_value(); }, 20000)) return std::nullopt;
    return final_response;
  }

  FakeBackend backend_;
  ApiOptions options_;
};

TEST_F(OpsRoutes, MetricsInTheTextFormatWithoutTokenOrSecret) {
  options_.api_token = "0123456789abcdef";
  Response r = get("/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("\nmls_build_info{version=\"0.1.0\",gstreamer=\"1.22.0\"} 1\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\nmls_input_info{input=\"cam1\",scheme=\"rtsp\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nmls_input_state{input=\"cam1\",state=\"live\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nmls_input_bytes_total{input=\"cam1\"} 1000\n"), std::string::npos);
  EXPECT_NE(
      r.body.find("\nmls_output_state{input=\"cam1\",output=\"spare\",state=\"retrying\"} 1\n"),
      std::string::npos);
  EXPECT_NE(r.body.find("\nmls_outputs{state=\"live\"} 1\n"), std::string::npos);
  for (const char* secret : {"hunter2", "sekret", "3f9a", "0123456789ab", "://", "example"})
    EXPECT_EQ(r.body.find(secret), std::string::npos) << secret;
  // Read-only: other methods are refused.
  Response post = dispatch(makeRequest("POST", "/metrics", "{}"), backend_, options_);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(*post.header("Allow"), "GET");
}

TEST_F(OpsRoutes, Healthz) {
  Response r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "ok\n");
}

TEST_F(OpsRoutes, ReadyzListsItsChecks) {
  backend_.readiness_ = {{"state", true, {}}, {"shutdown", true, {}}};
  Response r = get("/readyz");
  ASSERT_EQ(r.status, 200) << r.body;
  Json json(r.body);
  EXPECT_EQ(json.str("status"), "ready");
  EXPECT_EQ(json.str("checks.1.name"), "shutdown");
  EXPECT_TRUE(json.boolean("checks.1.ready"));
}

TEST_F(OpsRoutes, ReadyzIs503WithTheReasonWhenACheckFails) {
  backend_.readiness_ = {{"state", true, {}}, {"shutdown", false, "mlsd is shutting down"}};
  Response r = get("/readyz");
  EXPECT_EQ(r.status, 503);
  Json json(r.body);
  EXPECT_EQ(json.str("error.code"), "unavailable");
  EXPECT_EQ(json.str("error.message"), "not ready: shutdown: mlsd is shutting down");
}

TEST_F(OpsRoutes, DotIsRedacted) {
  backend_.dot_["cam1/youtube"] = kSinkDot;
  backend_.dot_["cam1"] = "digraph pipeline { label=\"rtspsrc location=" + std::string(kCamUrl) +
                          " user-pw=hunter2\"; }\n";
  Response r = get("/debug/pipelines/cam1/youtube.dot");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/vnd.graphviz; charset=utf-8");
  EXPECT_EQ(r.body.find("sekret"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(
                "live2/\u2022\u2022\u2022\u20223f9a\\\"\\nstream=\\\"\u2022\u2022\u2022\u2022\\\""),
            std::string::npos)
      << r.body;
  r = get("/debug/pipelines/cam1.dot");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("rtsp://admin:\u2022\u2022\u2022\u2022@cam.example/stream1"),
            std::string::npos)
      << r.body;
}

TEST_F(OpsRoutes, DotOfWhatDoesNotExistOrDoesNotRun) {
  Response r = get("/debug/pipelines/nope.dot");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r.body).str("error.code"), "not_found");
  EXPECT_EQ(Json(r.body).str("error.message"), "no input named \"nope\"");
  r = get("/debug/pipelines/cam1/nope.svg");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r.body).str("error.field"), "output");
  // Known, but no pipeline is running now.
  r = get("/debug/pipelines/cam1/spare.dot");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Json(r.body).str("error.message"),
            "output \"cam1/spare\" has no running pipeline now (it is retrying)");
  // Names that cannot exist, and other suffixes.
  EXPECT_EQ(get("/debug/pipelines/Cam!.dot").status, 404);
  EXPECT_EQ(get("/debug/pipelines/cam1.png").status, 404);
  EXPECT_EQ(get("/debug/pipelines/.dot").status, 404);
}

TEST_F(OpsRoutes, SvgWithoutGraphvizIs404) {
  backend_.dot_["cam1"] = "digraph pipeline { a -> b; }\n";
  options_.graphviz_dot = "mls-no-such-graphviz";
  Response r = get("/debug/pipelines/cam1.svg");
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(r.deferred);
  EXPECT_EQ(Json(r.body).str("error.code"), "not_found");
  EXPECT_NE(Json(r.body).str("error.message").find("graphviz is not installed"), std::string::npos)
      << r.body;
}

TEST_F(OpsRoutes, SvgIsRenderedFromTheRedactedGraph) {
  if (diag::findGraphviz("dot").empty()) GTEST_SKIP() << "graphviz (dot) is not installed";
  backend_.dot_["cam1/youtube"] = kSinkDot;
  Response r = get("/debug/pipelines/cam1/youtube.svg");
  ASSERT_TRUE(r.deferred) << r.status << " " << r.body;
  std::optional<Response> svg = finish(std::move(r));
  ASSERT_TRUE(svg) << "graphviz did not answer";
  ASSERT_EQ(svg->status, 200) << svg->body;
  EXPECT_EQ(svg->content_type, "image/svg+xml");
  EXPECT_NE(svg->body.find("<svg"), std::string::npos);
  EXPECT_NE(svg->body.find("GstRtmp2Sink"), std::string::npos);
  EXPECT_EQ(svg->body.find("sekret"), std::string::npos);
}

TEST_F(OpsRoutes, SvgOfABrokenGraphIsA500WithGraphvizsWords) {
  if (diag::findGraphviz("dot").empty()) GTEST_SKIP() << "graphviz (dot) is not installed";
  backend_.dot_["cam1"] = "digraph pipeline { this is not dot";
  std::optional<Response> svg = finish(get("/debug/pipelines/cam1.svg"));
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->status, 500);
  EXPECT_EQ(Json(svg->body).str("error.code"), "internal");
  EXPECT_NE(Json(svg->body).str("error.message").find("graphviz failed to render"),
            std::string::npos)
      << svg->body;
}

TEST_F(OpsRoutes, LaunchLinesOfTheInputAndItsOutputs) {
  Response r = get("/api/v1/inputs/cam1/launch");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Json(r.body).str("error.message"),
            "input \"cam1\" has no running pipeline now (it is live)");

  backend_.launch_["cam1"] =
      "rtspsrc location=rtsp://admin:hunter2@cam.example/stream1 ! "
      "parsebin name=demux0  demux0. ! queue ! fakesink";
  backend_.launch_["cam1/youtube"] =
      "appsrc name=feed-flv ! rtmp2sink location=" + std::string(kKeyUrl) +
      " stream=sekret-key-3f9a";
  r = get("/api/v1/inputs/cam1/launch");
  ASSERT_EQ(r.status, 200) << r.body;
  Json json(r.body);
  EXPECT_EQ(json.str("name"), "cam1");
  EXPECT_EQ(json.str("state"), "live");
  EXPECT_EQ(json.str("launch"),
            "gst-launch-1.0 -e rtspsrc location=rtsp://admin:\u2022\u2022\u2022\u2022@cam.example/"
            "stream1 ! parsebin name=demux0 demux0. ! queue ! fakesink");
  EXPECT_EQ(json.str("outputs.0.name"), "youtube");
  EXPECT_EQ(json.str("outputs.0.launch"),
            "gst-launch-1.0 -e appsrc name=feed-flv ! rtmp2sink "
            "location=rtmp://a.rtmp.youtube.com/live2/\u2022\u2022\u2022\u20223f9a "
            "stream=\u2022\u2022\u2022\u20223f9a");
  EXPECT_EQ(json.str("outputs.1.name"), "spare");
  EXPECT_EQ(json.str("outputs.1.state"), "retrying");
  EXPECT_TRUE(json.isNull("outputs.1.launch"));
  EXPECT_EQ(r.body.find("sekret"), std::string::npos);
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);

  EXPECT_EQ(get("/api/v1/inputs/nope/launch").status, 404);
}

TEST_F(OpsRoutes, DebugThreadsListsEveryThreadWithItsOwner) {
  using diag::OwnerKind;
  backend_.threads_ = {{{100, "mlsd", 1.5}, {OwnerKind::Runtime, {}}},
                       {{101, "queue3:src", 0.25}, {OwnerKind::Input, "cam1"}},
                       {{102, "feed0-flv:src", 0}, {OwnerKind::Output, "cam1/youtube"}},
                       {{103, "task0", 0}, {OwnerKind::Unknown, {}}}};
  options_.api_token = "0123456789abcdef";  // a GET of /debug needs no token
  Response r = get("/debug/threads");
  ASSERT_EQ(r.status, 200) << r.body;
  Json json(r.body);
  EXPECT_EQ(json.num("count"), 4);
  EXPECT_EQ(json.num("by_owner.runtime"), 1);
  EXPECT_EQ(json.num("by_owner.input cam1"), 1);
  EXPECT_EQ(json.num("by_owner.output cam1/youtube"), 1);
  EXPECT_EQ(json.num("by_owner.unknown"), 1);
  EXPECT_EQ(json.num("threads.1.tid"), 101);
  EXPECT_EQ(json.str("threads.1.name"), "queue3:src");
  EXPECT_EQ(json.str("threads.1.owner_kind"), "input");
  EXPECT_EQ(json.str("threads.1.owner"), "cam1");
  EXPECT_EQ(json.num("threads.1.cpu_s"), 0.25);
  EXPECT_EQ(json.str("threads.2.owner"), "cam1/youtube");
  EXPECT_EQ(json.str("threads.3.owner_kind"), "unknown");
  ASSERT_NE(json.at("threads.3.owner"), nullptr);
  EXPECT_TRUE(JSON_NODE_HOLDS_NULL(json.at("threads.3.owner")));
}

TEST_F(OpsRoutes, SystemShowsThreadsByOwnerFdsAndMemory) {
  backend_.system_.threads_by_owner = {{"runtime", 4}, {"input cam1", 3}};
  backend_.system_.fds = {2, 5, 1, 3};
  backend_.system_.peak_rss_bytes = 40 << 20;
  backend_.system_.heap_bytes = 3 << 20;
  Response r = get("/api/v1/system");
  ASSERT_EQ(r.status, 200) << r.body;
  Json json(r.body);
  EXPECT_EQ(json.num("threads_by_owner.runtime"), 4);
  EXPECT_EQ(json.num("threads_by_owner.input cam1"), 3);
  EXPECT_EQ(json.num("fds.total"), 11);
  EXPECT_EQ(json.num("fds.sockets"), 2);
  EXPECT_EQ(json.num("fds.files"), 5);
  EXPECT_EQ(json.num("fds.pipes"), 1);
  EXPECT_EQ(json.num("fds.other"), 3);
  EXPECT_EQ(json.num("peak_rss_bytes"), 40 << 20);
  EXPECT_EQ(json.num("heap_bytes"), 3 << 20);
}

}  // namespace
}  // namespace mls::api::test
