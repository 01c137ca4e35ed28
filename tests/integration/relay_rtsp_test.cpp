// The embedded RTSP server: every input served at its `rtsp_url` from its existing pipeline.
//
// - RelayRtspServe: a test:// input read back by ffprobe over TCP and over UDP (codecs, size,
//   audio), frames flowing at >= 90 % of the source rate, and GStreamer's rtspsrc receiving
//   buffers; the API counts the clients and shows the real port (mlsd runs with port 0).
// - RelayRtspFanout: an RTSP camera served to 5 simultaneous clients costs the camera exactly one
//   connection, and every client gets frames (threads and CPU of mlsd printed).
// - RelayRtspIsolation: a client that stops reading (SIGSTOP) and one that is killed disturb
//   neither the input, nor an RTMP output of the same input, nor another RTSP client; a reader
//   whose media waits 17-19 s for a keyframe holds neither a reader of another input nor SIGTERM.
// - RelayRtspLifecycle: a deleted input's URL answers an RTSP error at once; a retrying input's
//   URL too, and a restarted input is served again; SIGTERM with 3 clients exits 0 within 2 s.
// - RelayRtspAuth: with --rtsp-read-credentials, a client without credentials or with a wrong
//   password is refused (401) and one with them plays, with Digest (the default) and with Basic
//   (--rtsp-auth basic); the credentials appear nowhere in mlsd's log.
// - RelayRtspCodecs: the other codecs the server passes through: H.265 + Opus and H.264 + MP3
//   from an ffmpeg UDP MPEG-TS publisher, read back by ffprobe with their codecs and by a frame
//   meter with frames and keyframes flowing.
// - RelayRtspJoin: readers that join mid-GOP (a 20 s GOP), one, then after it left a TCP and a
//   UDP reader together, then six more such pairs, each on a fresh media: every reader gets
//   video from the cached keyframe and audio within a bound far shorter than the GOP.
//
// VLC is not among the clients: Debian 12's VLC is built with --disable-live555, so it has no
// RTSP client at all ("access_realrtsp: only real/helix rtsp servers supported", then "VLC is
// unable to open the MRL"); ffprobe/ffmpeg and GStreamer's rtspsrc are tested instead.
//
// Peers: mlsd, ffprobe, ffmpeg, gst-launch-1.0 (rtspsrc), mls-test-rtsp-server, nginx-rtmp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "http_client.h"
#include "nginx_rtmp.h"
#include "ports.h"
#include "relay_fixture.h"
#include "rtsp_server.h"

namespace mls::test {
namespace {

constexpr double kFps = 25;
constexpr double kKeepUp = 0.90;
const char* kBall = "test://ball?size=640x360&fps=25";

std::string rtspUrl(MlsdApi& api, const std::string& input) {
  JsonNodePtr node = api.input(input);
  return node ? jsonString(node.get(), "rtsp_url").value_or("") : "";
}

int rtspClients(MlsdApi& api, const std::string& input) {
  JsonNodePtr node = api.input(input);
  return node ? static_cast<int>(jsonInt(node.get(), "rtsp_clients").value_or(-1)) : -1;
}

// Threads of a process, from /proc.
int threadCount(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    n++;
  return n;
}

// utime + stime of a process in clock ticks.
long cpuTicks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; i++) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

FlowOptions udp() {
  FlowOptions o;
  o.rtspTransport = "udp";
  return o;
}

class RelayRtspBase : public RelayTest {
 protected:
  // mlsd with one live test:// input "ball"; returns its RTSP URL.
  std::string startBall(const std::string& body_extra_outputs = "") {
    EXPECT_TRUE(startMlsd());
    JsonText body;
    body.set("name", "ball").set("url", kBall);
    if (!body_extra_outputs.empty()) body.raw("outputs", body_extra_outputs);
    EXPECT_TRUE(api().createInput(body));
    EXPECT_TRUE(api().waitInput("ball", "live", 30s));
    return rtspUrl(api(), "ball");
  }
};

using RelayRtspServe = RelayRtspBase;
using RelayRtspFanout = RelayRtspBase;
using RelayRtspIsolation = RelayRtspBase;
using RelayRtspLifecycle = RelayRtspBase;

TEST_F(RelayRtspServe, TestInputReadsBackOverTcpAndUdpWithFramesFlowing) {
  const std::string url = startBall();
  ASSERT_FALSE(HasFailure()) << api().context("ball");
  ASSERT_EQ(url.rfind("rtsp://127.0.0.1:", 0), 0u) << url;
  EXPECT_EQ(url.find(":0/"), std::string::npos) << "the API must show the bound port: " << url;
  EXPECT_TRUE(mlsd().process().countLines(R"(RTSP server listening on rtsp://127\.0\.0\.1:\d+)") ==
              1)
      << tailOf(mlsd().process().log());

  for (const char* transport : {"tcp", "udp"}) {
    ProbeOptions options;
    options.rtspTransport = transport;
    const ProbeResult p = probe(url, 20s, options);
    ASSERT_TRUE(p.ok) << transport << ": " << p.error;
    EXPECT_EQ(p.videoCodec, "h264") << transport << ": " << p.describe();
    EXPECT_EQ(p.width, 640) << transport << ": " << p.describe();
    EXPECT_EQ(p.height, 360) << transport << ": " << p.describe();
    EXPECT_TRUE(p.hasAudio) << transport << ": " << p.describe();
    EXPECT_EQ(p.audioCodec, "aac") << transport << ": " << p.describe();
  }

  FlowMeter tcp(url, 5);
  FlowMeter over_udp(url, 5, udp());
  int most_clients = 0;
  std::string sessions_seen, status_seen;  // the API's views while both clients played
  auto next_poll = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil(
      [&] {
        if (std::chrono::steady_clock::now() >= next_poll) {
          next_poll += 500ms;
          const int clients = rtspClients(api(), "ball");
          if (clients == 2 && sessions_seen.empty()) {
            sessions_seen = api().get("/api/v1/rtsp/sessions").body;
            status_seen = api().get("/api/rtsp/status").body;
          }
          most_clients = std::max(most_clients, clients);
        }
        return tcp.poll() & over_udp.poll();
      },
      40s));
  for (FlowMeter* m : {&tcp, &over_udp}) {
    const FlowResult r = m->result();
    EXPECT_TRUE(r.ok) << r.describe();
    EXPECT_GE(r.fps, kKeepUp * kFps) << r.describe();
    // Both clients share one media: the one that joins after the other has started it gets
    // the stream from where it is (mid-GOP, as from any RTSP server) and decodes from the next
    // keyframe, which rtph264pay sends with SPS/PPS (config-interval=-1).
    EXPECT_GE(r.keyframes, 1) << r.describe();
    EXPECT_GT(r.audioPackets, 0) << r.describe();
  }
  EXPECT_EQ(most_clients, 2) << "rtsp_clients while two clients played";
  // GET /api/v1/rtsp/sessions: one session per client, with its address and transport.
  JsonNodePtr sessions = parseJson(sessions_seen);
  ASSERT_TRUE(sessions) << sessions_seen;
  EXPECT_EQ(jsonInt(sessions.get(), "total").value_or(-1), 2) << sessions_seen;
  std::vector<std::string> transports;
  for (int i = 0; i < jsonSize(sessions.get(), "sessions"); i++) {
    const std::string at = "sessions." + std::to_string(i);
    EXPECT_EQ(jsonString(sessions.get(), at + ".input").value_or(""), "ball") << sessions_seen;
    EXPECT_EQ(jsonString(sessions.get(), at + ".client").value_or(""), "127.0.0.1")
        << sessions_seen;
    EXPECT_FALSE(jsonString(sessions.get(), at + ".session").value_or("").empty()) << sessions_seen;
    transports.push_back(jsonString(sessions.get(), at + ".transport").value_or(""));
  }
  std::sort(transports.begin(), transports.end());
  EXPECT_EQ(transports, (std::vector<std::string>{"tcp", "udp"})) << sessions_seen;
  // Go-MLS GET /api/rtsp/status: its stream list shape.
  JsonNodePtr status = parseJson(status_seen);
  ASSERT_TRUE(status) << status_seen;
  EXPECT_EQ(jsonInt(status.get(), "total").value_or(-1), 1) << status_seen;
  EXPECT_EQ(jsonString(status.get(), "streams.0.name").value_or(""), "ball") << status_seen;
  EXPECT_EQ(jsonString(status.get(), "streams.0.path").value_or(""), "/ball") << status_seen;
  EXPECT_EQ(jsonInt(status.get(), "streams.0.client_count").value_or(-1), 2) << status_seen;
  EXPECT_GT(jsonInt(status.get(), "streams.0.bytes_received").value_or(0), 0) << status_seen;
  EXPECT_EQ(jsonString(status.get(), "streams.0.start_time").value_or("").size(), 20u)
      << status_seen;
  EXPECT_TRUE(runUntil([&] { return rtspClients(api(), "ball") == 0; }, 10s))
      << "rtsp_clients after they left: " << rtspClients(api(), "ball");
  const std::string after = api().get("/api/v1/rtsp/sessions").body;
  JsonNodePtr none = parseJson(after);
  EXPECT_EQ(jsonInt(none.get(), "total").value_or(-1), 0) << after;

  // GStreamer's own client: rtspsrc receives buffers on both streams.
  Process gst({"gst-launch-1.0", "-v", "rtspsrc", "location=" + url, "protocols=tcp", "name=s",
               "s.", "!", "queue", "!", "fakesink", "name=a", "silent=false", "s.", "!", "queue",
               "!", "fakesink", "name=b", "silent=false"},
              "gst-launch-rtspsrc");
  ASSERT_TRUE(runUntil(
      [&] {
        return gst.countLines(R"(\(a:sink\) \(\d+ bytes)") >= 50 &&
               gst.countLines(R"(\(b:sink\) \(\d+ bytes)") >= 20;
      },
      20s))
      << tailOf(gst.log());
  gst.stop();
}

TEST_F(RelayRtspFanout, FiveClientsCostTheCameraOneConnection) {
  RtspTestServer camera;
  RtspServerOptions options;
  options.width = 640;
  options.height = 360;
  options.fps = 25;
  ASSERT_TRUE(camera.start(options));
  ASSERT_TRUE(startMlsd());
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", camera.url())));
  ASSERT_TRUE(api().waitInput("cam", "live", 30s));
  const std::string url = rtspUrl(api(), "cam");
  ASSERT_EQ(camera.clientConnections(), 1);

  const pid_t pid = mlsd().process().pid();
  const int threads_before = threadCount(pid);
  const long ticks_before = cpuTicks(pid);
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<FlowMeter>> clients;
  for (int i = 0; i < 5; i++)
    clients.push_back(std::make_unique<FlowMeter>(url, 8, i % 2 ? udp() : FlowOptions{}));
  int most_clients = 0;
  int most_threads = 0;
  auto next_poll = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil(
      [&] {
        if (std::chrono::steady_clock::now() >= next_poll) {
          next_poll += 500ms;
          most_clients = std::max(most_clients, rtspClients(api(), "cam"));
          most_threads = std::max(most_threads, threadCount(pid));
        }
        bool done = true;
        for (auto& c : clients) done &= c->poll();
        return done;
      },
      60s));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = (cpuTicks(pid) - ticks_before) / static_cast<double>(sysconf(_SC_CLK_TCK));
  for (auto& c : clients) {
    const FlowResult r = c->result();
    EXPECT_TRUE(r.ok) << r.describe();
    EXPECT_GE(r.fps, kKeepUp * kFps) << r.describe();
  }
  EXPECT_EQ(camera.clientConnections(), 1) << "mlsd must pull the camera once";
  EXPECT_EQ(most_clients, 5);
  std::printf("mlsd threads: %d before, at most %d with 5 RTSP clients (+%.1f per client); "
              "CPU %.0f %% of one core over %.1f s\n",
              threads_before, most_threads, (most_threads - threads_before) / 5.0,
              100 * cpu / seconds, seconds);
}

TEST_F(RelayRtspIsolation, StalledAndKilledClientsDisturbNothing) {
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  const std::string url = startBall(jsonArray(
      {JsonText().set("name", "out").set("url", destination.rtmpUrl("live", "out"))}));
  ASSERT_FALSE(HasFailure()) << api().context("ball");
  ASSERT_TRUE(api().waitOutput("ball", "out", "live", 30s));

  // One client stops reading (TCP backs up), one is killed mid-stream.
  FlowMeter stalled(url, 120);
  FlowMeter killed(url, 120);
  ASSERT_TRUE(runUntil(
      [&] {
        stalled.poll();
        killed.poll();
        return rtspClients(api(), "ball") == 2;
      },
      20s))
      << "rtsp_clients: " << rtspClients(api(), "ball");
  ASSERT_TRUE(stalled.process().pause());
  killed.process().kill9();

  FlowMeter rtmp(destination.rtmpUrl("live", "out"), 15);
  FlowMeter other(url, 15);
  std::string not_live;
  auto next_poll = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil(
      [&] {
        if (std::chrono::steady_clock::now() >= next_poll) {
          next_poll += 1s;
          const std::string state = api().inputState("ball");
          if (state != "live") not_live += state + " ";
        }
        return rtmp.poll() & other.poll();
      },
      60s));
  EXPECT_TRUE(rtmp.result().ok) << rtmp.result().describe();
  EXPECT_GE(rtmp.result().fps, kKeepUp * kFps) << "RTMP output: " << rtmp.result().describe();
  EXPECT_TRUE(other.result().ok) << other.result().describe();
  EXPECT_GE(other.result().fps, kKeepUp * kFps) << "other RTSP client: "
                                                << other.result().describe();
  EXPECT_EQ(not_live, "") << "the input left `live`";
  EXPECT_EQ(api().outputState("ball", "out"), "live");
  stalled.process().resume();
}

// A reader whose media waits for a keyframe holds no other client: its DESCRIBE is answered once
// the media prerolls, and RTSP clients are served on threads of their own. An RTMP input with a
// 20 s GOP that nothing else reads stops parsing (ParseGate, after 3 s), and its cached GOP is
// not replayed after that pause: its next reader waits for the source's next keyframe. A
// reader of another input, meanwhile, plays at once; and SIGTERM does not wait for the first.
TEST_F(RelayRtspIsolation, AReaderWaitingForAKeyframeHoldsNoOtherClient) {
  constexpr auto kGop = 20s;
  TestPatternOptions pattern;
  pattern.width = 640;
  pattern.height = 360;
  pattern.fps = 25;
  pattern.videoKbps = 300;  // RelayRtspJoin's clip: made once for both
  pattern.keyframeInterval = static_cast<int>(kGop / 1s) * pattern.fps;
  ASSERT_TRUE(std::filesystem::exists(patternClip(pattern))) << "the test clip was not made";
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.start());
  ASSERT_TRUE(startMlsd());
  const std::string source = nginx.rtmpUrl("live", "slow");
  ASSERT_TRUE(api().createInput(JsonText().set("name", "slow").set("url", source)));
  ASSERT_TRUE(api().createInput(JsonText().set("name", "fast").set("url", kBall)));
  // The input plays the stream before it is published (mlsrtmpsrc waits up to 10 s for data),
  // so it gets the clip from its first keyframe on, and finds its video at once.
  std::this_thread::sleep_for(2s);
  Process publisher = publishTestPattern(source, pattern);
  ASSERT_TRUE(publisher.started()) << publisher.startError();
  const auto published = std::chrono::steady_clock::now();
  ASSERT_TRUE(api().waitInput("slow", "live", 30s)) << api().context("slow");
  ASSERT_TRUE(api().waitInput("fast", "live", 30s)) << api().context("fast");
  JsonNodePtr slow = api().input("slow");
  ASSERT_EQ(jsonString(slow.get(), "media.video_codec").value_or(""), "h264")
      << "the input missed the first keyframe: " << api().context("slow");

  // Join 1-3 s after one of the source's keyframes (and at least 5 s after it went live, so
  // its parse gate has paused): the next one is 17-19 s away.
  const auto joined = [&] {
    const auto since = std::chrono::steady_clock::now() - published;
    return since >= 5s && since % kGop >= 1s && since % kGop < 3s;
  };
  ASSERT_TRUE(runUntil(joined, kGop + 10s));
  FlowOptions patient;
  patient.connectTimeout = 30s;
  FlowMeter waiting(rtspUrl(api(), "slow"), 1, patient);
  // Its DESCRIBE is now waiting for the media to preroll.
  runUntil([&] { return waiting.poll(); }, 1500ms);

  FlowOptions options;
  options.connectTimeout = 8s;
  FlowMeter other(rtspUrl(api(), "fast"), 1, options);
  ASSERT_TRUE(runUntil([&] { return other.poll(); }, 20s));
  const FlowResult r = other.result();
  std::printf("the other input's reader: %s\n", r.describe().c_str());
  EXPECT_TRUE(r.ok) << r.describe();
  EXPECT_GT(r.videoFrames, 0) << r.describe();
  EXPECT_GT(r.audioPackets, 0) << r.describe();

  // The first reader did wait (or this test proves nothing): no packet yet, or ffprobe gave up.
  waiting.poll();
  const FlowResult w = waiting.result();
  std::printf("the waiting reader, %.1f s after it started: %s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - published).count(),
              w.describe().c_str());
  EXPECT_EQ(w.totalPackets, 0) << "the first reader did not wait for a keyframe: " << w.describe();
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(mlsd().stop(), 0) << tailOf(mlsd().process().log());
  const double stop_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopping).count();
  EXPECT_LT(stop_seconds, 5.0) << "SIGTERM waited for the reader's media";
  std::printf("SIGTERM to exit: %.2f s\n", stop_seconds);
}

TEST_F(RelayRtspLifecycle, DeletedInputAnswersAnRtspErrorAtOnce) {
  const std::string url = startBall();
  ASSERT_FALSE(HasFailure()) << api().context("ball");
  FlowMeter playing(url, 120);
  ASSERT_TRUE(runUntil(
      [&] {
        playing.poll();
        return rtspClients(api(), "ball") == 1;
      },
      20s))
      << "rtsp_clients: " << rtspClients(api(), "ball");

  EXPECT_EQ(api().del("/api/v1/inputs/ball").status, 204u);
  const ProbeResult p = probe(url, 20s);
  EXPECT_FALSE(p.ok) << p.describe();
  EXPECT_LT(p.elapsedSeconds, 5) << "ffprobe must fail fast: " << p.error;
  // The client that was playing is disconnected rather than left hanging.
  EXPECT_TRUE(runUntil([&] { return !playing.process().running(); }, 20s));
}

TEST_F(RelayRtspLifecycle, RetryingInputAnswersAnErrorAndIsServedAgainWhenBack) {
  RtspTestServer camera;
  RtspServerOptions options;
  options.width = 640;
  options.height = 360;
  options.fps = 25;
  ASSERT_TRUE(camera.start(options));
  ASSERT_TRUE(startMlsd({"--retry-max", "2"}));
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", camera.url())));
  ASSERT_TRUE(api().waitInput("cam", "live", 30s));
  const std::string url = rtspUrl(api(), "cam");
  FlowMeter playing(url, 120);
  ASSERT_TRUE(runUntil(
      [&] {
        playing.poll();
        return rtspClients(api(), "cam") == 1;
      },
      20s))
      << "rtsp_clients: " << rtspClients(api(), "cam");

  camera.kill9();
  ASSERT_TRUE(api().waitInput("cam", "retrying", 30s));
  const ProbeResult p = probe(url, 20s);
  EXPECT_FALSE(p.ok) << p.describe();
  EXPECT_LT(p.elapsedSeconds, 5) << "ffprobe must fail fast: " << p.error;

  ASSERT_TRUE(camera.start(options));
  ASSERT_TRUE(api().waitInput("cam", "live", 30s));
  const FlowResult r = measureFlow(url, 4);
  EXPECT_TRUE(r.ok) << r.describe();
  EXPECT_GE(r.fps, kKeepUp * kFps) << r.describe();
}

TEST_F(RelayRtspLifecycle, SigtermWithThreeClientsExitsCleanlyAndFast) {
  const std::string url = startBall();
  ASSERT_FALSE(HasFailure()) << api().context("ball");
  std::vector<std::unique_ptr<FlowMeter>> clients;
  for (int i = 0; i < 3; i++)
    clients.push_back(std::make_unique<FlowMeter>(url, 120, i == 1 ? udp() : FlowOptions{}));
  ASSERT_TRUE(runUntil(
      [&] {
        for (auto& c : clients) c->poll();
        return rtspClients(api(), "ball") == 3;
      },
      30s))
      << "rtsp_clients: " << rtspClients(api(), "ball");

  const auto started = std::chrono::steady_clock::now();
  const int code = mlsd().stop(5s);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(code, 0) << tailOf(mlsd().process().log());
  EXPECT_LT(took, 2.0) << tailOf(mlsd().process().log());
  std::printf("mlsd stopped in %.2f s with 3 RTSP clients\n", took);
}

// ffmpeg publishes `video` + `audio` as MPEG-TS to a udp:// input; its RTSP URL must carry both
// codecs unchanged, with frames and keyframes flowing.
// `url` with user:password inserted after rtsp://.
std::string withCredentials(const std::string& url, const std::string& credentials) {
  return "rtsp://" + credentials + "@" + url.substr(std::string("rtsp://").size());
}

class RelayRtspAuth : public RelayRtspBase {
 protected:
  void expectReadersMustAuthenticate(const std::string& url);
};

void RelayRtspAuth::expectReadersMustAuthenticate(const std::string& url) {
  const ProbeResult anonymous = probe(url, 20s);
  EXPECT_FALSE(anonymous.ok) << anonymous.describe();
  EXPECT_NE(anonymous.error.find("401"), std::string::npos) << anonymous.error;
  const ProbeResult wrong = probe(withCredentials(url, "viewer:guess"), 20s);
  EXPECT_FALSE(wrong.ok) << wrong.describe();
  EXPECT_NE(wrong.error.find("401"), std::string::npos) << wrong.error;
  const ProbeResult good = probe(withCredentials(url, "viewer:s3cret-pw"), 20s);
  ASSERT_TRUE(good.ok) << good.error;
  EXPECT_EQ(good.videoCodec, "h264") << good.describe();
  EXPECT_TRUE(good.hasAudio) << good.describe();
  const FlowResult r = measureFlow(withCredentials(url, "viewer:s3cret-pw"), 3);
  EXPECT_TRUE(r.ok) << r.describe();
  EXPECT_GE(r.fps, kKeepUp * kFps) << r.describe();
  EXPECT_EQ(mlsd().process().log().find("s3cret-pw"), std::string::npos)
      << "the password is in mlsd's log";
}

TEST_F(RelayRtspAuth, DigestByDefault) {
  ASSERT_TRUE(startMlsd({"--rtsp-read-credentials", "viewer:s3cret-pw"}));
  ASSERT_TRUE(api().createInput(JsonText().set("name", "ball").set("url", kBall)));
  ASSERT_TRUE(api().waitInput("ball", "live", 30s));
  const std::string url = rtspUrl(api(), "ball");
  EXPECT_EQ(url.find("s3cret"), std::string::npos) << url;
  expectReadersMustAuthenticate(url);
  EXPECT_TRUE(mlsd().process().countLines(R"(RTSP clients must authenticate to play \(digest\))") ==
              1)
      << tailOf(mlsd().process().log());
}

TEST_F(RelayRtspAuth, BasicWhenAsked) {
  ASSERT_TRUE(startMlsd({"--rtsp-read-credentials", "viewer:s3cret-pw", "--rtsp-auth", "basic"}));
  ASSERT_TRUE(api().createInput(JsonText().set("name", "ball").set("url", kBall)));
  ASSERT_TRUE(api().waitInput("ball", "live", 30s));
  expectReadersMustAuthenticate(rtspUrl(api(), "ball"));
  EXPECT_TRUE(mlsd().process().countLines(R"(RTSP clients must authenticate to play \(basic\))") ==
              1)
      << tailOf(mlsd().process().log());
}

class RelayRtspCodecs : public RelayRtspBase {
 protected:
  void expectServedOverRtsp(const std::string& video, const std::string& audio,
                            const std::string& probed_video, const std::string& probed_audio);
};

void RelayRtspCodecs::expectServedOverRtsp(const std::string& video, const std::string& audio,
                                           const std::string& probed_video,
                                           const std::string& probed_audio) {
  RelayRtspCodecs& test = *this;
  const std::uint16_t port = freeUdpPort();
  const std::string url = "udp://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(test.api().createInput(JsonText().set("name", "cam").set("url", url)));
  ASSERT_TRUE(runUntil([&] { return udpPortBound(port); }, 10s)) << test.api().context("cam");
  TestPatternOptions pattern;
  pattern.width = 640;
  pattern.height = 360;
  pattern.fps = 25;
  pattern.videoKbps = 800;
  pattern.videoCodec = video;
  pattern.audioCodec = audio;
  Process publisher = publishTestPattern(url + "?pkt_size=1316", pattern);
  ASSERT_TRUE(publisher.started()) << publisher.startError();
  ASSERT_TRUE(test.api().waitInput("cam", "live", 30s))
      << test.api().context("cam") << "\nffmpeg:\n"
      << tailOf(publisher.log());
  JsonNodePtr input = test.api().input("cam");
  EXPECT_EQ(jsonString(input.get(), "media.video_codec").value_or(""), video);
  EXPECT_EQ(jsonString(input.get(), "media.audio_codec").value_or(""), audio);
  const std::string rtsp = rtspUrl(test.api(), "cam");
  ProbeOptions options;
  options.rtspTransport = "tcp";
  const ProbeResult p = probe(rtsp, 20s, options);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, probed_video) << p.describe();
  EXPECT_EQ(p.width, 640) << p.describe();
  EXPECT_EQ(p.height, 360) << p.describe();
  EXPECT_TRUE(p.hasAudio) << p.describe();
  EXPECT_EQ(p.audioCodec, probed_audio) << p.describe();

  FlowMeter meter(rtsp, 5);
  ASSERT_TRUE(runUntil([&] { return meter.poll(); }, 30s));
  const FlowResult r = meter.result();
  EXPECT_TRUE(r.ok) << r.describe();
  EXPECT_GE(r.fps, kKeepUp * 25) << r.describe();
  EXPECT_GE(r.keyframes, 1) << r.describe();
  EXPECT_GT(r.audioPackets, 0) << r.describe();
  publisher.stop();
}

TEST_F(RelayRtspCodecs, H265AndOpusPassThrough) {
  ASSERT_TRUE(startMlsd());
  expectServedOverRtsp("h265", "opus", "hevc", "opus");
}

TEST_F(RelayRtspCodecs, H264AndMp3PassThrough) {
  ASSERT_TRUE(startMlsd());
  // RTP's MPEG audio payload (RFC 2250, "MPA") does not say which layer it carries, and ffmpeg
  // names it after the static payload type's codec, MP2; the frames are the MP3 ones.
  expectServedOverRtsp("h264", "mp3", "h264", "mp2");
}

// A reader's media starts on the tap's cached GOP: its video comes at once, so gst-rtsp-server's
// preroll (which waits until every stream has a buffer) does not keep the audio stream blocked
// until the source's next keyframe. A 20 s GOP makes a wait for that keyframe stand out from
// load: the readers join within its first seconds. Each reader is a new media (the previous one
// was unprepared when its last client left); the last two join it together, over TCP and UDP.
using RelayRtspJoin = RelayRtspBase;

TEST_F(RelayRtspJoin, ReadersJoiningMidGopGetBothStreamsAtOnce) {
  constexpr int kGopSeconds = 20;
  // ffprobe prints once it has seen both streams; on a loaded 2-core machine that took up to
  // ~5 s, against the 15-19 s a reader joining early in the GOP waits without the cache.
  constexpr auto kFirstPacketBound = 8s;
  TestPatternOptions pattern;
  pattern.width = 640;
  pattern.height = 360;
  pattern.fps = 25;
  // A reader's media starts with the cached GOP as one burst. Over UDP that burst must fit in
  // the reader's socket buffer (ffprobe's: 768 KiB of socket memory, `ss -uam`, which also
  // pays the kernel's overhead of every datagram), or the reader loses video packets and its
  // depacketizer holds the rest back: at 800 kb/s, a reader joining 3.6 s
  // into the GOP got 90 frames at once and then no video for over a second (CI, under ASan).
  // At 300 kb/s the first seconds of a GOP stay well under it.
  pattern.videoKbps = 300;
  pattern.keyframeInterval = kGopSeconds * pattern.fps;
  // Made (five 20 s GOPs) before the input exists: made after, under load, the input could give
  // up waiting for media and restart mid-GOP, and readers would then join before any keyframe.
  ASSERT_TRUE(std::filesystem::exists(patternClip(pattern))) << "the test clip was not made";
  ASSERT_TRUE(startMlsd());
  const std::uint16_t port = freeUdpPort();
  const std::string source = "udp://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", source)));
  ASSERT_TRUE(runUntil([&] { return udpPortBound(port); }, 10s)) << api().context("cam");
  Process publisher = publishTestPattern(source + "?pkt_size=1316", pattern);
  ASSERT_TRUE(publisher.started()) << publisher.startError();
  ASSERT_TRUE(api().waitInput("cam", "live", 30s)) << api().context("cam");
  const std::string url = rtspUrl(api(), "cam");

  FlowOptions options;
  options.connectTimeout = kFirstPacketBound;
  auto expectBothAtOnce = [&](FlowMeter& m, const char* who) {
    const FlowResult r = m.result();
    std::printf("%s: %s\n", who, r.describe().c_str());
    EXPECT_TRUE(r.ok) << who << ": " << r.describe();
    EXPECT_LT(r.firstPacketSeconds, std::chrono::duration<double>(kFirstPacketBound).count())
        << who << ": " << r.describe();
    EXPECT_GT(r.videoFrames, 0) << who << ": " << r.describe();
    EXPECT_GT(r.audioPackets, 0) << who << ": " << r.describe();
  };
  {
    FlowMeter first(url, 1, options);
    ASSERT_TRUE(runUntil([&] { return first.poll(); }, 20s));
    expectBothAtOnce(first, "first reader");
  }
  // It has left: the next readers get a new media, prepared from the cached GOP again.
  ASSERT_TRUE(runUntil([&] { return rtspClients(api(), "cam") == 0; }, 10s));
  FlowOptions over_udp = options;
  over_udp.rtspTransport = "udp";
  FlowMeter tcp(url, 1, options);
  FlowMeter udp_reader(url, 1, over_udp);
  ASSERT_TRUE(runUntil([&] { return tcp.poll() & udp_reader.poll(); }, 20s));
  expectBothAtOnce(tcp, "TCP reader after a reconnect");
  expectBothAtOnce(udp_reader, "UDP reader after a reconnect");
  // More pairs, each on a fresh media: a UDP and a TCP reader whose PLAYs reach the media
  // together used to deadlock one of its streams in about 1 pair in 5 (the sink prerolling,
  // see tap_media_factory.cpp); a few rounds make that show.
  for (int round = 1; round <= 6; round++) {
    ASSERT_TRUE(runUntil([&] { return rtspClients(api(), "cam") == 0; }, 10s)) << "round " << round;
    FlowMeter a(url, 1, options);
    FlowMeter b(url, 1, over_udp);
    ASSERT_TRUE(runUntil([&] { return a.poll() & b.poll(); }, 20s));
    const std::string who = "round " + std::to_string(round);
    expectBothAtOnce(a, (who + ", TCP").c_str());
    expectBothAtOnce(b, (who + ", UDP").c_str());
  }
  publisher.stop();
}

}  // namespace
}  // namespace mls::test
