// Observability of the real mlsd, with real media: a test:// input relayed to an nginx-rtmp
// destination by two outputs (passthrough and transcoded) under distinctive stream keys.
// /metrics passes `promtool check metrics` and its counters move; /healthz and /readyz answer;
// the DOT and SVG graphs of the input's and the outputs' pipelines and the gst-launch-1.0 lines
// are served (the input's line runs in gst-launch-1.0, the outputs' parse into fully linked
// pipelines); and the stream key appears nowhere: not in /metrics, the graphs, the launch lines
// or mlsd's log. Without graphviz, .svg is a clear 404 and .dot still works.
//
// Peers: nginx-rtmp (destination), promtool (prometheus), gst-launch-1.0, graphviz (in mlsd).
#include <glib.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "elements.h"
#include "fixture.h"
#include "http_client.h"
#include "nginx_rtmp.h"
#include "process.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

constexpr const char* kPattern = "test://ball?size=320x240&fps=15";
constexpr const char* kKey = "sekret-key-3f9a";
// A transcoded output's key: another pipeline shape (elementary feeds, encoder, own muxer).
constexpr const char* kSmallKey = "sekret-key-3f9a-small";

std::string describe(const HttpResponse& response) {
  return std::to_string(response.status) + " " + response.error + " " + tailOf(response.body, 500);
}

// The value of the sample `series` (name and labels exactly as written) in a metrics text.
std::optional<double> sample(const std::string& metrics, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  size_t at = metrics.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(metrics.c_str() + at + prefix.size(), nullptr);
}

// The words of a shell command, as a shell would pass them (quotes removed).
std::vector<std::string> shellWords(const std::string& command) {
  std::vector<std::string> words;
  gchar** argv = nullptr;
  if (g_shell_parse_argv(command.c_str(), nullptr, &argv, nullptr)) {
    for (gchar** a = argv; *a; ++a) words.emplace_back(*a);
    g_strfreev(argv);
  }
  return words;
}

// Whether every always-present pad of every element in `bin` is linked (request pads appear
// only when linked, so a parsed description with a dangling chain shows up here).
bool allLinked(GstBin* bin) {
  bool linked = true;
  GstIterator* elements = gst_bin_iterate_recurse(bin);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(elements, &item) == GST_ITERATOR_OK) {
    GstElement* element = GST_ELEMENT(g_value_get_object(&item));
    GstIterator* pads = gst_element_iterate_pads(element);
    GValue pad_item = G_VALUE_INIT;
    while (gst_iterator_next(pads, &pad_item) == GST_ITERATOR_OK) {
      GstPad* pad = GST_PAD(g_value_get_object(&pad_item));
      if (!gst_pad_is_linked(pad)) {
        std::printf("unlinked: %s:%s\n", GST_ELEMENT_NAME(element), GST_PAD_NAME(pad));
        linked = false;
      }
      g_value_reset(&pad_item);
    }
    g_value_unset(&pad_item);
    gst_iterator_free(pads);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(elements);
  return linked;
}

class Observability : public RelayTest {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    mls_elements_register_static();  // mlsrtmpfanout, for parsing the outputs' launch lines
  }

  // Everything mlsd served in this test, checked for the key at the end.
  void keep(const std::string& what, const std::string& text) { served_.push_back({what, text}); }
  void expectKeyNowhere() {
    for (const auto& [what, text] : served_)
      EXPECT_EQ(text.find(kKey), std::string::npos) << "the stream key in " << what;
    EXPECT_EQ(mlsd().process().log().find(kKey), std::string::npos)
        << "the stream key in mlsd's log " << mlsd().process().logPath();
  }

  std::vector<std::pair<std::string, std::string>> served_;
};

TEST_F(Observability, MetricsHealthGraphsAndLaunchLinesNeverShowTheKey) {
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());

  HttpResponse health = api().get("/healthz");
  EXPECT_EQ(health.status, 200u) << describe(health);
  EXPECT_EQ(health.body, "ok\n");
  HttpResponse ready = api().get("/readyz");
  EXPECT_EQ(ready.status, 200u) << describe(ready);
  EXPECT_EQ(jsonString(ready.json().get(), "status"), "ready") << ready.body;
  EXPECT_NE(ready.body.find("\"rtsp\""), std::string::npos) << "the RTSP server is checked";

  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", kPattern)));
  ASSERT_TRUE(api().createOutput(
      "cam", JsonText().set("name", "main").set("url", destination.rtmpUrl("live", kKey))));
  ASSERT_TRUE(api().createOutput("cam", JsonText()
                                            .set("name", "small")
                                            .set("url", destination.rtmpUrl("live", kSmallKey))
                                            .set("resolution", "160x120")
                                            .set("bitrate", 200)));
  ASSERT_TRUE(api().waitInput("cam", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "main", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "small", "live", 30s));
  ASSERT_TRUE(destination.waitForPublisher("live", kKey, 10s));

  // /metrics: the text format, states, and counters that move.
  HttpResponse metrics = api().get("/metrics");
  ASSERT_EQ(metrics.status, 200u) << describe(metrics);
  EXPECT_EQ(metrics.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  keep("/metrics", metrics.body);
  EXPECT_EQ(sample(metrics.body, R"(mls_input_state{input="cam",state="live"})"), 1.0)
      << metrics.body;
  EXPECT_EQ(sample(metrics.body, R"(mls_output_state{input="cam",output="main",state="live"})"),
            1.0);
  EXPECT_EQ(sample(metrics.body, R"(mls_input_info{input="cam",scheme="test"})"), 1.0);
  EXPECT_EQ(sample(metrics.body, R"(mls_output_info{input="cam",output="main",scheme="rtmp"})"),
            1.0);
  EXPECT_EQ(sample(metrics.body, R"(mls_inputs{state="live"})"), 1.0);
  EXPECT_GE(sample(metrics.body, "mls_process_threads").value_or(0), 2.0);
  EXPECT_GE(sample(metrics.body, "mls_process_open_fds").value_or(0), 3.0);
  const double input_bytes =
      sample(metrics.body, R"(mls_input_bytes_total{input="cam"})").value_or(-1);
  const double output_bytes =
      sample(metrics.body, R"(mls_output_bytes_total{input="cam",output="main"})").value_or(-1);
  ASSERT_GE(input_bytes, 0) << metrics.body;
  ASSERT_GE(output_bytes, 0) << metrics.body;
  std::string later;
  EXPECT_TRUE(runUntil(
      [&] {
        later = api().get("/metrics").body;
        return sample(later, R"(mls_input_bytes_total{input="cam"})").value_or(0) > input_bytes &&
               sample(later, R"(mls_output_bytes_total{input="cam",output="main"})").value_or(0) >
                   output_bytes;
      },
      10s))
      << "the byte counters did not grow from " << input_bytes << " / " << output_bytes << ":\n"
      << later;
  keep("/metrics (later)", later);
  EXPECT_GT(sample(later, R"(mls_input_bitrate_bps{input="cam"})").value_or(0), 0);
  EXPECT_GT(sample(later, R"(mls_input_fps{input="cam"})").value_or(0), 5);

  // promtool, as Prometheus's own linter, finds no problem at all.
  const auto metrics_file = uniqueOutputPath("metrics", ".txt");
  std::ofstream(metrics_file) << later;
  Process promtool(
      std::vector<std::string>{"sh", "-c", "promtool check metrics < " + metrics_file.string()},
      "promtool");
  ASSERT_TRUE(promtool.started()) << promtool.startError();
  auto checked = promtool.wait(30s);
  ASSERT_TRUE(checked) << "promtool did not finish";
  EXPECT_TRUE(checked->success()) << checked->describe() << ":\n" << promtool.log();
  EXPECT_EQ(promtool.log(), "") << "promtool reported problems (" << metrics_file << ")";

  // Graphs of the input's and the outputs' pipelines.
  for (const std::string path :
       {"/debug/pipelines/cam", "/debug/pipelines/cam/main", "/debug/pipelines/cam/small"}) {
    HttpResponse dot = api().get(path + ".dot");
    ASSERT_EQ(dot.status, 200u) << path << ": " << describe(dot);
    EXPECT_EQ(dot.header("Content-Type"), "text/vnd.graphviz; charset=utf-8");
    EXPECT_EQ(dot.body.rfind("digraph pipeline {", 0), 0u) << tailOf(dot.body, 300);
    keep(path + ".dot", dot.body);
    HttpResponse svg = api().get(path + ".svg");
    ASSERT_EQ(svg.status, 200u) << path << ": " << describe(svg);
    EXPECT_EQ(svg.header("Content-Type"), "image/svg+xml");
    EXPECT_NE(svg.body.find("<svg"), std::string::npos);
    keep(path + ".svg", svg.body);
  }
  const std::string& input_dot = served_[served_.size() - 6].second;
  const std::string& output_dot = served_[served_.size() - 4].second;
  const std::string& small_dot = served_[served_.size() - 2].second;
  EXPECT_NE(input_dot.find("GstVideoTestSrc"), std::string::npos);
  // A passthrough RTMP output is a destination of the input's shared fan-out, whose graph
  // shows it under the output's name with the URL as the element reads it back (key masked).
  EXPECT_NE(output_dot.find("GstMlsRtmpFanout"), std::string::npos);
  EXPECT_NE(output_dot.find("main=rtmp://127.0.0.1:"), std::string::npos)
      << "the destination is not in the output's graph";
  EXPECT_NE(output_dot.find("/live/\u2022\u2022\u2022\u2022"), std::string::npos)
      << "the masked location is not in the output's graph";
  EXPECT_NE(small_dot.find("GstX264Enc"), std::string::npos);

  // Launch lines: the input's runs in gst-launch-1.0, the output's parses.
  HttpResponse launch = api().get("/api/v1/inputs/cam/launch");
  ASSERT_EQ(launch.status, 200u) << describe(launch);
  keep("launch lines", launch.body);
  std::printf("launch lines: %s\n", launch.body.c_str());
  JsonNodePtr lines = launch.json();
  const std::string input_line = jsonString(lines.get(), "launch").value_or("");
  const std::string output_line = jsonString(lines.get(), "outputs.0.launch").value_or("");
  const std::string small_line = jsonString(lines.get(), "outputs.1.launch").value_or("");
  EXPECT_EQ(input_line.rfind("gst-launch-1.0 -e videotestsrc", 0), 0u) << launch.body;
  EXPECT_EQ(output_line.rfind("gst-launch-1.0 -e appsrc", 0), 0u) << launch.body;
  EXPECT_NE(output_line.find("mlsrtmpfanout"), std::string::npos) << launch.body;
  EXPECT_NE(output_line.find("main=rtmp://127.0.0.1:"), std::string::npos) << launch.body;
  EXPECT_NE(small_line.find("x264enc"), std::string::npos) << launch.body;
  EXPECT_NE(small_line.find("! mux."), std::string::npos) << launch.body;

  std::vector<std::string> input_argv = shellWords(input_line);
  ASSERT_GT(input_argv.size(), 3u) << input_line;
  Process rerun(input_argv, "gst-launch-input");
  ASSERT_TRUE(rerun.started()) << rerun.startError();
  EXPECT_TRUE(rerun.waitForLine("Setting pipeline to PLAYING", 20s)) << rerun.log();
  runFor(2s);  // it keeps running
  EXPECT_TRUE(rerun.running()) << rerun.log();
  rerun.signal(SIGINT);  // -e: EOS, then a clean exit
  auto rerun_status = rerun.wait(15s);
  ASSERT_TRUE(rerun_status) << rerun.log();
  EXPECT_TRUE(rerun_status->success()) << rerun_status->describe() << "\n" << rerun.log();
  EXPECT_EQ(rerun.countLines("ERROR"), 0) << rerun.log();

  // The outputs' commands parse into a pipeline whose elements are all linked (an appsrc with
  // no feed makes them idle, so they are not run).
  for (const std::string& line : {output_line, small_line}) {
    std::vector<std::string> argv = shellWords(line);
    ASSERT_GT(argv.size(), 3u) << line;
    std::string description;
    for (size_t i = 2; i < argv.size(); ++i) description += argv[i] + " ";
    GError* error = nullptr;
    GstElement* parsed =
        gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
    EXPECT_TRUE(parsed && !error) << description << ": " << (error ? error->message : "");
    if (parsed) {
      EXPECT_TRUE(GST_IS_PIPELINE(parsed)) << description;
      EXPECT_TRUE(allLinked(GST_BIN(parsed))) << "unlinked pads in: " << description;
      gst_object_unref(parsed);
    }
    if (error) g_error_free(error);
  }

  expectKeyNowhere();
}

TEST_F(Observability, WithoutGraphvizSvgIsAClear404AndDotStillWorks) {
  // mlsd started without graphviz (nor anything else) in its PATH.
  MlsdOptions options;
  options.env = {{"PATH", (testOutputDir() / "empty-path").string()}};
  mlsd_ = std::make_unique<Mlsd>(options);
  api_ = std::make_unique<MlsdApi>(*mlsd_);
  ASSERT_TRUE(mlsd_->start());
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", kPattern)));
  ASSERT_TRUE(api().waitInput("cam", "live", 30s));

  HttpResponse svg = api().get("/debug/pipelines/cam.svg");
  EXPECT_EQ(svg.status, 404u) << describe(svg);
  EXPECT_EQ(jsonString(svg.json().get(), "error.code"), "not_found");
  EXPECT_NE(jsonString(svg.json().get(), "error.message").value_or("").find("graphviz"),
            std::string::npos)
      << svg.body;
  HttpResponse dot = api().get("/debug/pipelines/cam.dot");
  EXPECT_EQ(dot.status, 200u) << describe(dot);
  HttpResponse missing = api().get("/debug/pipelines/cam/nope.dot");
  EXPECT_EQ(missing.status, 404u) << describe(missing);
}

}  // namespace
}  // namespace mls::test
