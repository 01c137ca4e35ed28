// Isolation, the relay core's acceptance criterion: a destination that refuses connections, one
// that stops reading (its server SIGSTOPped, so TCP backs up), and one that rejects the stream
// key affect nothing else. The sibling outputs keep >= 95 % of the source's frame rate, measured
// at their destinations with ffprobe over the 30 s windows while the source is measured
// alongside; the input stays live; the failed output recovers by itself when its destination
// does, and a rejected key ends in `failed` instead of a retry loop.
//
// Peers: nginx-rtmp (source, published by ffmpeg, and destinations), ffprobe (verifier).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "nginx_rtmp.h"
#include "ports.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

constexpr double kWindowSeconds = 30;  // the isolation window
constexpr double kKeepUp = 0.95;       // of the source's frame rate

// Polls the input's state every second while a measurement runs; remembers anything not live.
class InputWatch {
 public:
  InputWatch(const MlsdApi& api, std::string input) : api_(api), input_(std::move(input)) {}
  void poll() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    next_ = now + 1s;
    const std::string state = api_.inputState(input_);
    if (state != "live") notLive_ += (notLive_.empty() ? "" : ", ") + state;
  }
  const std::string& notLive() const { return notLive_; }

 private:
  const MlsdApi& api_;
  std::string input_;
  std::chrono::steady_clock::time_point next_;
  std::string notLive_;
};

using RelayIsolation = RelayTest;

TEST_F(RelayIsolation, DeadDestinationCostsItsSiblingsNothingAndRecoversByItself) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  // A destination that is down: started once for its ports, then stopped.
  NginxRtmp late;
  ASSERT_TRUE(late.start());
  late.stop();
  ASSERT_FALSE(tcpPortAccepts(late.port()));

  // A short retry ceiling, so the recovery below is quick.
  ASSERT_TRUE(startMlsd({"--retry-max", "3"}));
  const std::string outputs = jsonArray({
      JsonText().set("name", "a").set("url", destination.rtmpUrl("live", "a")),
      JsonText().set("name", "b").set("url", destination.rtmpUrl("live", "b")),
      JsonText().set("name", "dead").set("url", late.rtmpUrl("live", "late")),
  });
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "b", "live", 30s));
  ASSERT_TRUE(runUntil(
      [&] {
        JsonNodePtr dead = api().output("cam", "dead");
        return dead && jsonInt(dead.get(), "retries").value_or(0) >= 1;
      },
      30s))
      << api().context("cam", "dead");

  FlowMeter src(source.url(), kWindowSeconds);
  FlowMeter a(destination.rtmpUrl("live", "a"), kWindowSeconds);
  FlowMeter b(destination.rtmpUrl("live", "b"), kWindowSeconds);
  InputWatch watch(api(), "cam");
  std::string dead_states;
  auto next_dead_poll = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil(
      [&] {
        watch.poll();
        if (std::chrono::steady_clock::now() >= next_dead_poll) {
          next_dead_poll += 5s;
          dead_states += api().outputState("cam", "dead") + " ";
        }
        return src.poll() & a.poll() & b.poll();
      },
      std::chrono::seconds(static_cast<int>(kWindowSeconds) + 40)));
  expectKeepsUp(a.result(), src.result(), "a beside a dead destination", kKeepUp);
  expectKeepsUp(b.result(), src.result(), "b beside a dead destination", kKeepUp);
  EXPECT_EQ(watch.notLive(), "") << "the input left `live` while an output failed";
  EXPECT_EQ(dead_states.find("live"), std::string::npos) << dead_states;
  std::printf("dead output states during the window: %s\n", dead_states.c_str());
  JsonNodePtr dead = api().output("cam", "dead");
  EXPECT_GE(jsonInt(dead.get(), "retries").value_or(0), 2) << api().context("cam", "dead");
  EXPECT_FALSE(jsonString(dead.get(), "last_error").value_or("").empty());

  // The destination comes up: the output goes live by itself, no API call.
  ASSERT_TRUE(late.restart());
  EXPECT_TRUE(api().waitOutput("cam", "dead", "live", 30s));
  EXPECT_TRUE(late.waitForPublisher("live", "late", 10s));
  const ProbeResult p = probe(late.rtmpUrl("live", "late"));
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, "h264") << p.describe();
  EXPECT_EQ(api().outputState("cam", "a"), "live");
  EXPECT_EQ(api().outputState("cam", "b"), "live");
}

TEST_F(RelayIsolation, StalledDestinationCostsItsSiblingsNothing) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  NginxRtmp stalled;
  ASSERT_TRUE(stalled.start());

  ASSERT_TRUE(startMlsd());
  const std::string outputs = jsonArray({
      JsonText().set("name", "a").set("url", destination.rtmpUrl("live", "a")),
      JsonText().set("name", "b").set("url", destination.rtmpUrl("live", "b")),
      JsonText().set("name", "stalled").set("url", stalled.rtmpUrl("live", "s")),
  });
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  for (const char* output : {"a", "b", "stalled"}) {
    ASSERT_TRUE(api().waitOutput("cam", output, "live", 30s));
  }
  ASSERT_TRUE(stalled.waitForPublisher("live", "s", 10s));

  // The destination stops reading: its socket buffers fill, then mlsd's writes block.
  ASSERT_TRUE(stalled.pause());
  ASSERT_TRUE(runUntil([&] { return stalled.process().paused(); }, 2s));
  const auto stopped_at = std::chrono::steady_clock::now();

  // The whole 30 s after the stop, and separately its last 10 s (loopback buffers hide a stall
  // for ~14 s, so a stall that propagates shows there first).
  FlowMeter src(source.url(), kWindowSeconds);
  FlowMeter a(destination.rtmpUrl("live", "a"), kWindowSeconds);
  FlowMeter b(destination.rtmpUrl("live", "b"), kWindowSeconds);
  std::unique_ptr<FlowMeter> src_tail, a_tail, b_tail;
  InputWatch watch(api(), "cam");
  ASSERT_TRUE(runUntil(
      [&] {
        watch.poll();
        if (!a_tail && std::chrono::steady_clock::now() - stopped_at >= 18s) {
          src_tail = std::make_unique<FlowMeter>(source.url(), 10);
          a_tail = std::make_unique<FlowMeter>(destination.rtmpUrl("live", "a"), 10);
          b_tail = std::make_unique<FlowMeter>(destination.rtmpUrl("live", "b"), 10);
        }
        const bool whole = src.poll() & a.poll() & b.poll();
        const bool tail = a_tail && (src_tail->poll() & a_tail->poll() & b_tail->poll());
        return whole && tail;
      },
      std::chrono::seconds(static_cast<int>(kWindowSeconds) + 40)));
  EXPECT_TRUE(stalled.process().paused()) << "the stalled destination woke up during the window";
  expectKeepsUp(a.result(), src.result(), "a, 30 s after the stall", kKeepUp);
  expectKeepsUp(b.result(), src.result(), "b, 30 s after the stall", kKeepUp);
  expectKeepsUp(a_tail->result(), src_tail->result(), "a, last 10 s", kKeepUp);
  expectKeepsUp(b_tail->result(), src_tail->result(), "b, last 10 s", kKeepUp);
  EXPECT_EQ(watch.notLive(), "") << "the input left `live` while an output stalled";
  std::printf("stalled output after 30 s: %s\n", api().outputState("cam", "stalled").c_str());

  // The destination reads again: the stalled output is live there again, by itself.
  ASSERT_TRUE(stalled.resume());
  EXPECT_TRUE(api().waitOutput("cam", "stalled", "live", 45s));
  EXPECT_TRUE(stalled.waitForPublisher("live", "s", 30s));
  EXPECT_EQ(api().outputState("cam", "a"), "live");
}

TEST_F(RelayIsolation, RejectedStreamKeyEndsInFailedBesideALiveOutput) {
  RtmpSource source;
  TestPatternOptions small;
  small.width = 640;
  small.height = 360;
  ASSERT_TRUE(source.start(small));
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());

  // Short retries: an endless retry loop would show many attempts within the observation below.
  ASSERT_TRUE(startMlsd({"--retry-initial", "0.5", "--retry-max", "1"}));
  const std::string outputs = jsonArray({
      JsonText().set("name", "bad").set("url", destination.rtmpUrl("guarded", "bad")),
      JsonText().set("name", "good").set("url", destination.rtmpUrl("guarded", "good")),
  });
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "good", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "bad", "failed", 45s));
  JsonNodePtr bad = api().output("cam", "bad");
  const std::string error = jsonString(bad.get(), "last_error").value_or("");
  std::printf("bad: retries %lld, last_error: %s\n",
              static_cast<long long>(jsonInt(bad.get(), "retries").value_or(-1)), error.c_str());
  EXPECT_FALSE(error.empty()) << api().context("cam", "bad");

  // Failed means it stopped knocking: no new publish attempt reaches nginx's auth check.
  const auto access_log = destination.dir() / "access.log";
  auto attempts = [&] {
    std::ifstream in(access_log);
    int count = 0;
    for (std::string line; std::getline(in, line);)
      count += line.find("name=bad") != std::string::npos;
    return count;
  };
  const int attempts_at_failed = attempts();
  EXPECT_GE(attempts_at_failed, 1) << "nginx never saw the rejected key";
  runFor(5s);  // watching that nothing happens
  EXPECT_EQ(attempts(), attempts_at_failed) << "a failed output is still retrying";
  EXPECT_EQ(api().outputState("cam", "bad"), "failed");

  // Beside it, the good key publishes and stays live.
  EXPECT_EQ(api().outputState("cam", "good"), "live");
  EXPECT_EQ(api().inputState("cam"), "live");
  const ProbeResult p = probe(destination.rtmpUrl("guarded", "good"));
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, "h264") << p.describe();

  // A change to the failed output (here: the right key) makes it try again, and succeed.
  const HttpResponse fixed =
      api().patch("/api/v1/inputs/cam/outputs/bad",
                  JsonText().set("url", destination.rtmpUrl("live", "fixed")));
  EXPECT_EQ(fixed.status, 200u) << fixed.body;
  EXPECT_TRUE(api().waitOutput("cam", "bad", "live", 30s));
}

}  // namespace
}  // namespace mls::test
