// The Prometheus text of diag::renderMetrics(): exact lines for a given observed status, every
// family once with # HELP and # TYPE before its samples, label escaping, value formatting, and
// no URL (nor host, nor key) in any label.
#include "diag/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace mls::diag {
namespace {

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool hasLine(const std::string& text, const std::string& line) {
  for (const std::string& l : linesOf(text))
    if (l == line) return true;
  return false;
}

MetricsSnapshot process() {
  MetricsSnapshot s;
  s.version = "0.1.0";
  s.gstreamer_version = "1.22.0";
  s.process.threads = 12;
  s.process.open_fds = 31;
  s.process.resident_bytes = 52428800;
  s.process.cpu_user_s = 1.25;
  s.process.cpu_system_s = 0.5;
  s.process.start_time_unix_s = 1700000000.5;
  return s;
}

// cam1 (rtsp, live) with youtube (rtmp, retrying) and backup (srt, live).
MetricsSnapshot twoOutputs() {
  MetricsSnapshot s = process();
  InputMetrics cam{"cam1", schemeOf("rtsp://admin:hunter2@cam.example/stream1"), {}, {}};
  cam.status.state = model::RunState::Live;
  cam.status.bitrate_bps = 2140000.5;
  cam.status.fps = 29.97;
  cam.status.bytes = 1000;  // this run only: not what the counter shows
  cam.status.bytes_total = 123456789;
  cam.status.reconnects = 2;
  cam.status.uptime_s = 12.25;
  OutputMetrics youtube{"youtube", schemeOf("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a"), {}};
  youtube.status.state = model::RunState::Retrying;
  youtube.status.reconnects = 7;
  youtube.status.bytes_total = 4096;
  OutputMetrics backup{"backup", schemeOf("srt://rx.example:9000?passphrase=0123456789ab"), {}};
  backup.status.state = model::RunState::Live;
  backup.status.bitrate_bps = 2100000;
  backup.status.fps = 30;
  backup.status.uptime_s = 3;
  cam.outputs = {youtube, backup};
  s.inputs.push_back(cam);
  return s;
}

TEST(Metrics, TheWholeTextWithNoInputs) {
  const std::string expected =
      "# HELP mls_build_info Always 1; the labels say which mlsd and which GStreamer are "
      "running.\n"
      "# TYPE mls_build_info gauge\n"
      "mls_build_info{version=\"0.1.0\",gstreamer=\"1.22.0\"} 1\n"
      "# HELP mls_process_start_time_seconds Start time of the mlsd process, in seconds since "
      "the Unix epoch.\n"
      "# TYPE mls_process_start_time_seconds gauge\n"
      "mls_process_start_time_seconds 1700000000.5\n"
      "# HELP mls_process_cpu_user_seconds_total CPU time mlsd has spent in user mode, in "
      "seconds.\n"
      "# TYPE mls_process_cpu_user_seconds_total counter\n"
      "mls_process_cpu_user_seconds_total 1.25\n"
      "# HELP mls_process_cpu_system_seconds_total CPU time mlsd has spent in the kernel on its "
      "behalf, in seconds.\n"
      "# TYPE mls_process_cpu_system_seconds_total counter\n"
      "mls_process_cpu_system_seconds_total 0.5\n"
      "# HELP mls_process_resident_memory_bytes Resident memory of mlsd, in bytes.\n"
      "# TYPE mls_process_resident_memory_bytes gauge\n"
      "mls_process_resident_memory_bytes 52428800\n"
      "# HELP mls_process_open_fds File descriptors mlsd has open.\n"
      "# TYPE mls_process_open_fds gauge\n"
      "mls_process_open_fds 31\n"
      "# HELP mls_process_threads Threads of the mlsd process.\n"
      "# TYPE mls_process_threads gauge\n"
      "mls_process_threads 12\n"
      "# HELP mls_inputs Configured inputs in each observed state.\n"
      "# TYPE mls_inputs gauge\n"
      "mls_inputs{state=\"idle\"} 0\n"
      "mls_inputs{state=\"connecting\"} 0\n"
      "mls_inputs{state=\"live\"} 0\n"
      "mls_inputs{state=\"retrying\"} 0\n"
      "mls_inputs{state=\"failed\"} 0\n"
      "mls_inputs{state=\"stopped\"} 0\n"
      "# HELP mls_outputs Configured outputs in each observed state.\n"
      "# TYPE mls_outputs gauge\n"
      "mls_outputs{state=\"idle\"} 0\n"
      "mls_outputs{state=\"connecting\"} 0\n"
      "mls_outputs{state=\"live\"} 0\n"
      "mls_outputs{state=\"retrying\"} 0\n"
      "mls_outputs{state=\"failed\"} 0\n"
      "mls_outputs{state=\"stopped\"} 0\n"
      "# HELP mls_input_info Always 1 for each configured input; `scheme` is its URL scheme.\n"
      "# TYPE mls_input_info gauge\n"
      "# HELP mls_input_state Observed state of the input: 1 for the current state, 0 for the "
      "others (idle, connecting, live, retrying, failed, stopped).\n"
      "# TYPE mls_input_state gauge\n"
      "# HELP mls_input_bytes_total Bytes of media the input has carried, over every run since "
      "it was created.\n"
      "# TYPE mls_input_bytes_total counter\n"
      "# HELP mls_input_bitrate_bps Bit rate of the input over the last second, in bit/s.\n"
      "# TYPE mls_input_bitrate_bps gauge\n"
      "# HELP mls_input_fps Video frames per second of the input over the last second.\n"
      "# TYPE mls_input_fps gauge\n"
      "# HELP mls_input_reconnects_total Retries of the input after a failure, since it was "
      "created.\n"
      "# TYPE mls_input_reconnects_total counter\n"
      "# HELP mls_input_uptime_seconds Seconds since the input last went live; 0 when it is not "
      "live.\n"
      "# TYPE mls_input_uptime_seconds gauge\n"
      "# HELP mls_output_info Always 1 for each configured output; `scheme` is its URL scheme.\n"
      "# TYPE mls_output_info gauge\n"
      "# HELP mls_output_state Observed state of the output: 1 for the current state, 0 for the "
      "others (idle, connecting, live, retrying, failed, stopped).\n"
      "# TYPE mls_output_state gauge\n"
      "# HELP mls_output_bytes_total Bytes of media the output has carried, over every run "
      "since it was created.\n"
      "# TYPE mls_output_bytes_total counter\n"
      "# HELP mls_output_bitrate_bps Bit rate of the output over the last second, in bit/s.\n"
      "# TYPE mls_output_bitrate_bps gauge\n"
      "# HELP mls_output_fps Video frames per second of the output over the last second.\n"
      "# TYPE mls_output_fps gauge\n"
      "# HELP mls_output_reconnects_total Retries of the output after a failure, since it was "
      "created.\n"
      "# TYPE mls_output_reconnects_total counter\n"
      "# HELP mls_output_uptime_seconds Seconds since the output last went live; 0 when it is "
      "not live.\n"
      "# TYPE mls_output_uptime_seconds gauge\n"
      "# HELP mls_input_rtsp_clients RTSP sessions playing the input's publication on the "
      "embedded RTSP server.\n"
      "# TYPE mls_input_rtsp_clients gauge\n"
      "# HELP mls_recording_state Observed state of the input's recording: 1 for the current "
      "state, 0 for the others (stopped when the input is not recorded).\n"
      "# TYPE mls_recording_state gauge\n"
      "# HELP mls_recording_bytes_total Bytes of media written to the input's recording since "
      "mlsd started recording it.\n"
      "# TYPE mls_recording_bytes_total counter\n"
      "# HELP mls_recording_segments_total Segment files the input's recording has opened since "
      "mlsd started recording it.\n"
      "# TYPE mls_recording_segments_total counter\n"
      "# HELP mls_threads Threads of mlsd by owner: owner_kind input, output, mls, runtime or "
      "unknown; owner is the input or input/output (empty for shared threads).\n"
      "# TYPE mls_threads gauge\n";
  EXPECT_EQ(renderMetrics(process()), expected);
}

TEST(Metrics, ExactLinesForAGivenStatus) {
  const std::string text = renderMetrics(twoOutputs());
  for (const char* line : {
           R"(mls_inputs{state="live"} 1)",
           R"(mls_inputs{state="retrying"} 0)",
           R"(mls_outputs{state="live"} 1)",
           R"(mls_outputs{state="retrying"} 1)",
           R"(mls_outputs{state="idle"} 0)",
           R"(mls_input_info{input="cam1",scheme="rtsp"} 1)",
           R"(mls_input_state{input="cam1",state="idle"} 0)",
           R"(mls_input_state{input="cam1",state="connecting"} 0)",
           R"(mls_input_state{input="cam1",state="live"} 1)",
           R"(mls_input_state{input="cam1",state="retrying"} 0)",
           R"(mls_input_state{input="cam1",state="failed"} 0)",
           R"(mls_input_state{input="cam1",state="stopped"} 0)",
           R"(mls_input_bytes_total{input="cam1"} 123456789)",
           R"(mls_input_bitrate_bps{input="cam1"} 2140000.5)",
           R"(mls_input_fps{input="cam1"} 29.97)",
           R"(mls_input_reconnects_total{input="cam1"} 2)",
           R"(mls_input_uptime_seconds{input="cam1"} 12.25)",
           R"(mls_output_info{input="cam1",output="youtube",scheme="rtmp"} 1)",
           R"(mls_output_info{input="cam1",output="backup",scheme="srt"} 1)",
           R"(mls_output_state{input="cam1",output="youtube",state="retrying"} 1)",
           R"(mls_output_state{input="cam1",output="youtube",state="live"} 0)",
           R"(mls_output_state{input="cam1",output="backup",state="live"} 1)",
           R"(mls_output_bytes_total{input="cam1",output="youtube"} 4096)",
           R"(mls_output_bytes_total{input="cam1",output="backup"} 0)",
           R"(mls_output_bitrate_bps{input="cam1",output="youtube"} 0)",
           R"(mls_output_bitrate_bps{input="cam1",output="backup"} 2100000)",
           R"(mls_output_fps{input="cam1",output="backup"} 30)",
           R"(mls_output_reconnects_total{input="cam1",output="youtube"} 7)",
           R"(mls_output_uptime_seconds{input="cam1",output="backup"} 3)",
       }) {
    EXPECT_TRUE(hasLine(text, line)) << "missing line: " << line << "\n" << text;
  }
  // Each input has one series per family (six for the state family).
  int state_lines = 0;
  for (const std::string& l : linesOf(text)) state_lines += l.rfind("mls_input_state{", 0) == 0;
  EXPECT_EQ(state_lines, 6);
}

TEST(Metrics, EveryFamilyOnceWithHelpAndTypeBeforeItsSamples) {
  const std::string text = renderMetrics(twoOutputs());
  std::map<std::string, int> types;
  std::set<std::string> helped;
  std::string current;
  for (const std::string& line : linesOf(text)) {
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      current = line.substr(7, line.find(' ', 7) - 7);
      types[current]++;
      EXPECT_TRUE(helped.count(current)) << "# TYPE before # HELP: " << line;
      const std::string type = line.substr(line.rfind(' ') + 1);
      EXPECT_TRUE(type == "gauge" || type == "counter") << line;
      if (type == "counter") {
        EXPECT_EQ(current.substr(current.size() - 6), "_total") << line;
      }
    } else {
      ASSERT_FALSE(current.empty()) << "a sample before any # TYPE: " << line;
      const std::string name = line.substr(0, line.find_first_of("{ "));
      EXPECT_EQ(name, current) << "a sample outside its family: " << line;
      EXPECT_EQ(name.rfind("mls_", 0), 0u) << line;
    }
  }
  for (const auto& [name, count] : types) EXPECT_EQ(count, 1) << name;
  EXPECT_EQ(types.size(), 28u);
}

TEST(Metrics, NoUrlHostOrKeyInAnyLabel) {
  const std::string text = renderMetrics(twoOutputs());
  for (const char* secret :
       {"://", "hunter2", "admin", "cam.example", "youtube.com", "live2", "abcd-efgh-3f9a", "3f9a",
        "rx.example", "passphrase", "0123456789ab", "stream1"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in:\n" << text;
  }
  // Only the bounded label names appear.
  for (const std::string& line : linesOf(text)) {
    if (line[0] == '#' || line.find('{') == std::string::npos) continue;
    std::string labels = line.substr(line.find('{') + 1, line.find('}') - line.find('{') - 1);
    std::istringstream in(labels);
    for (std::string pair; std::getline(in, pair, ',');) {
      const std::string name = pair.substr(0, pair.find('='));
      static const std::set<std::string> allowed = {"input", "output",  "scheme",
                                                    "state", "version", "gstreamer"};
      EXPECT_TRUE(allowed.count(name)) << "label " << name << " in " << line;
    }
  }
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(escapeLabelValue("plain-name_1"), "plain-name_1");
  EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  MetricsSnapshot s = process();
  s.version = "1.0 \"beta\"\\\n";
  s.inputs.push_back({"odd\"name", "test", {}, {}});
  const std::string text = renderMetrics(s);
  EXPECT_TRUE(hasLine(text, R"(mls_build_info{version="1.0 \"beta\"\\\n",gstreamer="1.22.0"} 1)"))
      << text;
  EXPECT_TRUE(hasLine(text, R"(mls_input_fps{input="odd\"name"} 0)")) << text;
}

TEST(Metrics, Values) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(-3), "-3");
  EXPECT_EQ(formatValue(1.5), "1.5");
  EXPECT_EQ(formatValue(0.1), "0.1");
  EXPECT_EQ(formatValue(29.97), "29.97");
  EXPECT_EQ(formatValue(18446744073709551615.0), "18446744073709551616");
  EXPECT_EQ(formatValue(1.5e-7), "1.5e-07");
  EXPECT_EQ(formatValue(1099511627776), "1099511627776");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(Metrics, SchemeOnly) {
  EXPECT_EQ(schemeOf("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a"), "rtmp");
  EXPECT_EQ(schemeOf("RTMPS://host/app/key"), "rtmps");
  EXPECT_EQ(schemeOf("test://smpte?size=1280x720"), "test");
  EXPECT_EQ(schemeOf("srt://:9000?mode=listener"), "srt");
  EXPECT_EQ(schemeOf("no scheme at all"), "unknown");
  EXPECT_EQ(schemeOf("://host"), "unknown");
  EXPECT_EQ(schemeOf("a b://host"), "unknown");
  EXPECT_EQ(schemeOf("user:secret@host://x"), "unknown");
}

}  // namespace
}  // namespace mls::diag
