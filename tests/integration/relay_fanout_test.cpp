// Passthrough RTMP outputs through the input's shared mlsrtmpfanout (--rtmp-sender=fanout, the
// default; media/fanout_sender.h), against the real mlsd: an added output costs no thread (the
// fan-out's one "mlsfanout" thread belongs to the input), deleting one output leaves its
// siblings' connections alone, a rejected key ends that output in `failed` with the server's
// refusal while the others stay live, a SIGSTOPped destination does not slow the others, a new
// output gets a keyframe at once (the GOP cache), and --rtmp-sender=rtmp2sink still gives every
// output a pipeline of its own.
//
// Peers: nginx-rtmp (source, published by ffmpeg, and destinations), ffprobe (verifier).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ffprobe.h"
#include "fixture.h"
#include "nginx_rtmp.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

// Threads of a process, from /proc/<pid>/task.
int threadCount(pid_t pid) {
  std::error_code error;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task",
                                                     error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error))
    n++;
  return n;
}

// The GET /debug/threads list: thread name -> owner labels ("input cam", "output cam/a").
std::multimap<std::string, std::string> threadOwners(MlsdApi& api, std::string* body = nullptr) {
  std::multimap<std::string, std::string> owners;
  HttpResponse response = api.get("/debug/threads");
  if (body) *body = response.body;
  JsonNodePtr json = response.json();
  if (response.status != 200 || !json) return owners;
  for (int i = 0, n = jsonSize(json.get(), "threads"); i < n; i++) {
    const std::string at = "threads." + std::to_string(i);
    std::string label = jsonString(json.get(), at + ".owner_kind").value_or("?");
    if (auto owner = jsonString(json.get(), at + ".owner")) label += " " + *owner;
    owners.insert({jsonString(json.get(), at + ".name").value_or(""), label});
  }
  return owners;
}

int countOwner(const std::multimap<std::string, std::string>& owners, const std::string& prefix) {
  int n = 0;
  for (const auto& [name, owner] : owners) n += owner.rfind(prefix, 0) == 0;
  return n;
}

// nginx's bytes in for app/key (0 when it has no such stream).
std::uint64_t bytesIn(const NginxRtmp& nginx, const std::string& app, const std::string& key) {
  for (const RtmpStreamStat& s : nginx.streams())
    if (s.app == app && s.name == key && s.publishing) return s.bytesIn;
  return 0;
}

std::string outputBody(const std::string& name, const std::string& url) {
  return JsonText().set("name", name).set("url", url);
}

using RelayFanout = RelayTest;

TEST_F(RelayFanout, AddedOutputsCostNoThreadAndTheFanoutThreadIsTheInputs) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd({"--fail-on-leak"}));
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", source.url())));
  ASSERT_TRUE(api().createOutput("cam", outputBody("o0", destination.rtmpUrl("live", "o0"))));
  ASSERT_TRUE(api().waitOutput("cam", "o0", "live", 30s));
  runFor(2s);  // pool threads settle
  const pid_t pid = mlsd().process().pid();
  const int with_one = threadCount(pid);

  for (int i = 1; i < 8; i++) {
    const std::string name = "o" + std::to_string(i);
    ASSERT_TRUE(api().createOutput("cam", outputBody(name, destination.rtmpUrl("live", name))));
  }
  for (int i = 1; i < 8; i++)
    ASSERT_TRUE(api().waitOutput("cam", "o" + std::to_string(i), "live", 30s));
  for (int i = 0; i < 8; i++)
    ASSERT_TRUE(destination.waitForPublisher("live", "o" + std::to_string(i), 10s));
  runFor(2s);
  const int with_eight = threadCount(pid);
  std::printf("mlsd threads: %d with 1 output, %d with 8\n", with_one, with_eight);
  // Seven more destinations on the same fan-out: no thread of their own. (One GLib pool worker
  // may come or go meanwhile.)
  EXPECT_LE(with_eight - with_one, 1) << "threads went from " << with_one << " to " << with_eight;

  // The fan-out's thread is attributed to the input, and no output owns any thread.
  std::string body;
  auto owners = threadOwners(api(), &body);
  auto fanout = owners.equal_range("mlsfanout");
  ASSERT_NE(fanout.first, fanout.second) << body;
  for (auto it = fanout.first; it != fanout.second; ++it) EXPECT_EQ(it->second, "input cam");
  EXPECT_EQ(countOwner(owners, "output "), 0) << body;
  EXPECT_EQ(countOwner(owners, "unknown"), 0) << body;

  // Each output's launch line shows the shared fan-out with its own destination, key masked.
  HttpResponse launch = api().get("/api/v1/inputs/cam/launch");
  ASSERT_EQ(launch.status, 200u) << launch.body;
  EXPECT_NE(launch.body.find("mlsrtmpfanout"), std::string::npos) << launch.body;
  EXPECT_NE(launch.body.find("o3="), std::string::npos) << launch.body;
  EXPECT_EQ(launch.body.find("/live/o3"), std::string::npos) << "a stream key in " << launch.body;

  // Drained on SIGTERM: every destination unpublished, nothing left behind.
  EXPECT_EQ(mlsd().stop(), 0) << tailOf(mlsd().process().log());
  EXPECT_NE(mlsd().process().log().find("✓ No thread leaks detected"), std::string::npos)
      << tailOf(mlsd().process().log());
  for (int i = 0; i < 8; i++)
    EXPECT_TRUE(waitForStreamGone(destination, "live", "o" + std::to_string(i), 5s));
}

TEST_F(RelayFanout, DeletingOneOutputLeavesTheOthersConnected) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());
  const std::string outputs = jsonArray({outputBody("a", destination.rtmpUrl("live", "a")),
                                         outputBody("b", destination.rtmpUrl("live", "b")),
                                         outputBody("c", destination.rtmpUrl("live", "c"))});
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(api().waitOutput("cam", name, "live", 30s));
    ASSERT_TRUE(destination.waitForPublisher("live", name, 10s));
  }
  // A destination is live once its publish is accepted; its media follows (measured 0 bytes
  // after 2 s once, on a loaded CI machine): wait for both to be carrying it.
  std::uint64_t a_before = 0, b_before = 0;
  ASSERT_TRUE(runUntil(
      [&] {
        a_before = bytesIn(destination, "live", "a");
        b_before = bytesIn(destination, "live", "b");
        return a_before > 100000 && b_before > 100000;
      },
      15s))
      << "a: " << a_before << " bytes, b: " << b_before << " bytes";

  HttpResponse deleted = api().del("/api/v1/inputs/cam/outputs/c");
  ASSERT_EQ(deleted.status / 100, 2u) << deleted.body;
  EXPECT_TRUE(waitForStreamGone(destination, "live", "c", 5s)) << "c was not unpublished";
  runFor(3s);

  // The same publish sessions go on: nginx's byte counts kept growing (a new session starts a
  // new count), and mlsd counted no retry.
  EXPECT_GT(bytesIn(destination, "live", "a"), a_before + 100000);
  EXPECT_GT(bytesIn(destination, "live", "b"), b_before + 100000);
  for (const char* name : {"a", "b"}) {
    JsonNodePtr out = api().output("cam", name);
    EXPECT_EQ(jsonString(out.get(), "state").value_or(""), "live") << api().context("cam", name);
    EXPECT_EQ(jsonInt(out.get(), "retries").value_or(-1), 0) << api().context("cam", name);
  }
  const ProbeResult p = probe(destination.rtmpUrl("live", "a"));
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, "h264") << p.describe();
}

TEST_F(RelayFanout, RejectedKeyFailsThatOutputOnlyWithTheServersReason) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd({"--retry-initial", "0.5", "--retry-max", "1"}));
  const std::string outputs =
      jsonArray({outputBody("a", destination.rtmpUrl("live", "a")),
                 outputBody("bad", destination.rtmpUrl("guarded", "wrong-key")),
                 outputBody("good", destination.rtmpUrl("guarded", "good"))});
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "good", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "bad", "failed", 45s));
  JsonNodePtr bad = api().output("cam", "bad");
  const std::string error = jsonString(bad.get(), "last_error").value_or("");
  std::printf("bad: last_error: %s\n", error.c_str());
  EXPECT_NE(error.find("publish"), std::string::npos) << "no refusal in: " << error;

  const std::uint64_t a_before = bytesIn(destination, "live", "a");
  runFor(4s);  // failed stays failed
  EXPECT_EQ(api().outputState("cam", "bad"), "failed");
  EXPECT_GT(bytesIn(destination, "live", "a"), a_before);
  for (const char* name : {"a", "good"}) {
    JsonNodePtr out = api().output("cam", name);
    EXPECT_EQ(jsonString(out.get(), "state").value_or(""), "live") << api().context("cam", name);
    EXPECT_EQ(jsonInt(out.get(), "retries").value_or(-1), 0) << api().context("cam", name);
  }
  // The key does not leak into the API or the log.
  EXPECT_EQ(mlsd().process().log().find("wrong-key"), std::string::npos);
}

TEST_F(RelayFanout, StalledDestinationDoesNotSlowTheOthers) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  NginxRtmp stalled;
  ASSERT_TRUE(stalled.start());
  ASSERT_TRUE(startMlsd());
  const std::string outputs = jsonArray({outputBody("a", destination.rtmpUrl("live", "a")),
                                         outputBody("s", stalled.rtmpUrl("live", "s"))});
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "s", "live", 30s));
  ASSERT_TRUE(stalled.waitForPublisher("live", "s", 10s));
  ASSERT_TRUE(stalled.pause());

  // Past the ~14 s that loopback buffers absorb, then 8 s measured at a beside the source.
  runFor(16s);
  FlowMeter src(source.url(), 8);
  FlowMeter a(destination.rtmpUrl("live", "a"), 8);
  ASSERT_TRUE(runUntil([&] { return src.poll() & a.poll(); }, 40s));
  EXPECT_TRUE(stalled.process().paused());
  expectKeepsUp(a.result(), src.result(), "a beside a SIGSTOPped destination", 0.95);
  EXPECT_EQ(api().outputState("cam", "a"), "live");
  EXPECT_EQ(jsonInt(api().output("cam", "a").get(), "retries").value_or(-1), 0);
  ASSERT_TRUE(stalled.resume());
  EXPECT_TRUE(api().waitOutput("cam", "s", "live", 45s));
}

TEST_F(RelayFanout, ANewOutputStartsOnAKeyframeAtOnce) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", source.url())));
  ASSERT_TRUE(api().createOutput("cam", outputBody("first", destination.rtmpUrl("live", "first"))));
  ASSERT_TRUE(api().waitOutput("cam", "first", "live", 30s));
  runFor(1s);
  for (int trial = 0; trial < 3; trial++) {
    const std::string name = "late" + std::to_string(trial);
    // A player waits on the stream first (nginx keeps it until a publisher comes), so the first
    // packet it gets is the first mlsd sends there.
    FlowMeter player(destination.rtmpUrl("live", name), 2);
    runFor(1s);
    const auto posted = std::chrono::steady_clock::now();
    ASSERT_TRUE(api().createOutput("cam", outputBody(name, destination.rtmpUrl("live", name))));
    std::chrono::steady_clock::time_point published{};
    ASSERT_TRUE(runUntil(
        [&] {
          player.poll();
          if (bytesIn(destination, "live", name) == 0) return false;
          published = std::chrono::steady_clock::now();
          return true;
        },
        10s));
    const double ms = std::chrono::duration<double, std::milli>(published - posted).count();
    ASSERT_TRUE(runUntil([&] { return player.poll(); }, 20s));
    const FlowResult& flow = player.result();
    std::printf("%s: media at nginx %.0f ms after POST; the waiting player's first packet %.0f ms "
                "after POST (ffprobe's probing included), keyframe first: %s\n",
                name.c_str(), ms, flow.firstPacketSeconds * 1000 - 1000,
                flow.firstVideoIsKeyframe ? "yes" : "no");
    EXPECT_LT(ms, 2000) << "the new destination waited for media";
    EXPECT_TRUE(flow.ok) << flow.error;
    EXPECT_TRUE(flow.firstVideoIsKeyframe) << name << " did not start on a keyframe";
  }
}

TEST_F(RelayFanout, Rtmp2sinkSenderGivesEachOutputItsOwnPipeline) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd({"--rtmp-sender", "rtmp2sink"}));
  const std::string outputs = jsonArray({outputBody("a", destination.rtmpUrl("live", "a")),
                                         outputBody("b", destination.rtmpUrl("live", "b"))});
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  for (const char* name : {"a", "b"}) {
    ASSERT_TRUE(api().waitOutput("cam", name, "live", 30s));
    ASSERT_TRUE(destination.waitForPublisher("live", name, 10s));
  }
  std::string body;
  std::multimap<std::string, std::string> owners;
  EXPECT_TRUE(runUntil(
      [&] {
        owners = threadOwners(api(), &body);
        return countOwner(owners, "output cam/a") >= 2 && countOwner(owners, "output cam/b") >= 2;
      },
      10s))
      << body;
  EXPECT_EQ(owners.count("mlsfanout"), 0u) << body;
  HttpResponse launch = api().get("/api/v1/inputs/cam/launch");
  EXPECT_NE(launch.body.find("rtmp2sink"), std::string::npos) << launch.body;
  EXPECT_EQ(launch.body.find("mlsrtmpfanout"), std::string::npos) << launch.body;
  const ProbeResult p = probe(destination.rtmpUrl("live", "b"));
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, "h264") << p.describe();
}

// --rtmp-source=rtmp2src: GStreamer's RTMP source instead of mlsrtmpsrc, the relay unchanged.
TEST_F(RelayFanout, Rtmp2srcSourceStillRelays) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd({"--rtmp-source", "rtmp2src"}));
  const std::string outputs = jsonArray({outputBody("a", destination.rtmpUrl("live", "a"))});
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  HttpResponse launch = api().get("/api/v1/inputs/cam/launch");
  EXPECT_NE(launch.body.find("gst-launch-1.0 -e rtmp2src location="), std::string::npos)
      << launch.body;
  EXPECT_EQ(launch.body.find("mlsrtmpsrc"), std::string::npos) << launch.body;
  const ProbeResult p = probe(destination.rtmpUrl("live", "a"));
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, "h264") << p.describe();
  EXPECT_EQ(p.audioCodec, "aac") << p.describe();
}

// A URL with credentials plays through rtmp2src (mlsrtmpsrc speaks no RTMP authentication);
// nginx-rtmp asks for none, so it plays, and the credentials never show.
TEST_F(RelayFanout, ACredentialedRtmpUrlPlaysThroughRtmp2src) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());
  std::string url = source.url();
  url.insert(url.find("://") + 3, "viewer:s3cret@");
  const std::string outputs = jsonArray({outputBody("a", destination.rtmpUrl("live", "a"))});
  ASSERT_TRUE(
      api().createInput(JsonText().set("name", "cam").set("url", url).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  HttpResponse launch = api().get("/api/v1/inputs/cam/launch");
  EXPECT_NE(launch.body.find("gst-launch-1.0 -e rtmp2src location="), std::string::npos)
      << launch.body;
  EXPECT_EQ(launch.body.find("s3cret"), std::string::npos) << launch.body;
}

}  // namespace
}  // namespace mls::test
