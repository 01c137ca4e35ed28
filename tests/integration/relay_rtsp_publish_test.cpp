// Publish inputs: an encoder pushes to mlsd's own RTSP server (ANNOUNCE/RECORD) at the input's
// URL, rtsp://HOST:PORT/<input>, and the input then feeds its outputs and RTSP readers like any
// other. The publisher is ffmpeg (`-f rtsp`, the H.264 + AAC test pattern).
//
// - RelayRtspPublish.FeedsReadersAndOutputsAndWaitsForTheNextPublisher: a waiting input answers
//   readers 404; ffmpeg over TCP makes it live (time measured), ffprobe reads H.264 + AAC of the
//   publisher's size back from the same URL, an RTMP output at nginx gets it too, the API lists
//   the publisher's session with role "publish"; the publisher stops → the input waits (idle),
//   a new publisher (over UDP this time) → live again and served again.
// - RelayRtspPublish.SecondPublisherIsRefused: while one publishes, a second ffmpeg is refused
//   (503) and the first is undisturbed; ANNOUNCE to an input that is not a publish input gets
//   405; URLs with another path or another port than the RTSP server's are refused by the API.
// - RelayRtspPublish.AFrozenPublisherIsDisconnected: a publisher that stops sending (SIGSTOP)
//   stalls the input, which disconnects it and waits again, so the next publisher is taken.
// - RelayRtspPublish.RecordingPausesAndResumesInANewSegment: a recorded publish input records
//   while published, closes its segment when the publisher leaves and opens a new one when the
//   next one arrives; both segments are H.264 + AAC of the publisher's size.
// - RelayRtspPublish.H265IsCarriedToo: an H.265 + AAC publisher is read back as H.265.
// - RelayRtspPublish.PublishCredentials: with --rtsp-publish-credentials and
//   --rtsp-read-credentials, a publisher without credentials, or with the reader's, gets 401;
//   with its own it publishes; the publisher's credentials do not play; the reader's do; no
//   password in mlsd's log or in the API.
//
// Peers: mlsd, ffmpeg (publisher), ffprobe, nginx-rtmp. Thread-bound to the test's main thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "nginx_rtmp.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

TestPatternOptions smallPattern() {
  TestPatternOptions pattern;
  pattern.width = 640;
  pattern.height = 360;
  pattern.fps = 25;
  pattern.videoKbps = 800;
  return pattern;
}

TestPatternOptions overUdp() {
  TestPatternOptions pattern = smallPattern();
  pattern.extraOutputArgs = {"-rtsp_transport", "udp"};  // after the default tcp: ffmpeg takes it
  return pattern;
}

std::string withCredentials(const std::string& url, const std::string& credentials) {
  return "rtsp://" + credentials + "@" + url.substr(std::string("rtsp://").size());
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void expectH264Aac(const ProbeResult& p, const std::string& where) {
  std::printf("probe %s: %s\n", where.c_str(), p.describe().c_str());
  ASSERT_TRUE(p.ok) << where << ": " << p.error;
  EXPECT_EQ(p.videoCodec, "h264") << where;
  EXPECT_EQ(p.width, 640) << where;
  EXPECT_EQ(p.height, 360) << where;
  EXPECT_TRUE(p.hasAudio) << where << ": " << p.describe();
  EXPECT_EQ(p.audioCodec, "aac") << where;
}

// ffmpeg refused: it ends on its own, unsuccessfully, and says `status` (the RTSP answer).
::testing::AssertionResult refusedWith(Process& publisher, const std::string& status) {
  auto exit = publisher.wait(15s);
  if (!exit) return ::testing::AssertionFailure() << "the publisher was not refused";
  if (exit->success()) return ::testing::AssertionFailure() << "the publisher succeeded";
  if (publisher.log().find(status) == std::string::npos)
    return ::testing::AssertionFailure() << "no " << status << " in:\n" << tailOf(publisher.log());
  return ::testing::AssertionSuccess();
}

// Finished or growing segment files of `dir`, sorted by name (start time).
std::vector<std::filesystem::path> segmentFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name[0] != '.' && name.ends_with(".mp4")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class RelayRtspPublish : public RelayTest {
 protected:
  // Creates the publish input `name` (body members in `extra`), waits until it waits for a
  // publisher, and returns its RTSP URL (where encoders publish and readers play).
  std::string createPublishInput(const std::string& name, const std::string& outputs = "") {
    JsonText body;
    body.set("name", name).set("url", "rtsp://127.0.0.1/" + name + "?mode=publish");
    if (!outputs.empty()) body.raw("outputs", outputs);
    EXPECT_TRUE(api().createInput(body));
    EXPECT_TRUE(api().waitInput(name, "idle", 10s));
    JsonNodePtr node = api().input(name);
    return node ? jsonString(node.get(), "rtsp_url").value_or("") : "";
  }

  // Starts ffmpeg publishing to `url` and waits until `input` is live; the seconds it took.
  double publishUntilLive(Process& publisher, const std::string& url, const std::string& input,
                          const TestPatternOptions& pattern = smallPattern()) {
    const auto start = std::chrono::steady_clock::now();
    publisher = publishTestPattern(url, pattern);
    EXPECT_TRUE(publisher.started()) << publisher.startError();
    EXPECT_TRUE(api().waitInput(input, "live", 20s)) << api().context(input) << "\nffmpeg:\n"
                                                     << tailOf(publisher.log());
    return secondsSince(start);
  }
};

TEST_F(RelayRtspPublish, FeedsReadersAndOutputsAndWaitsForTheNextPublisher) {
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());
  const std::string url = createPublishInput(
      "cam",
      jsonArray({JsonText().set("name", "out").set("url", destination.rtmpUrl("live", "cam"))}));
  ASSERT_EQ(url.rfind("rtsp://127.0.0.1:", 0), 0u) << url;

  const ProbeResult waiting = probe(url, 10s);
  EXPECT_FALSE(waiting.ok) << waiting.describe();
  EXPECT_NE(waiting.error.find("404"), std::string::npos) << waiting.error;

  Process publisher;
  const double to_live = publishUntilLive(publisher, url, "cam");
  ASSERT_FALSE(HasFailure());
  std::printf("publish over TCP -> input live: %.2f s\n", to_live);
  expectH264Aac(probe(url, 20s), "rtsp reader");
  ASSERT_TRUE(api().waitOutput("cam", "out", "live", 20s)) << api().context("cam", "out");
  expectH264Aac(probe(destination.rtmpUrl("live", "cam"), 20s), "rtmp output");

  const HttpResponse sessions = api().get("/api/v1/rtsp/sessions");
  ASSERT_EQ(sessions.status, 200) << sessions.body;
  EXPECT_NE(sessions.body.find(R"("role":"publish")"), std::string::npos) << sessions.body;
  EXPECT_NE(sessions.body.find(R"("input":"cam")"), std::string::npos) << sessions.body;

  // The publisher leaves: the input waits again, its RTSP URL answers 404, the output idles.
  publisher.stop();
  const auto left = std::chrono::steady_clock::now();
  ASSERT_TRUE(api().waitInput("cam", "idle", 10s)) << api().context("cam");
  std::printf("publisher gone -> input idle: %.2f s\n", secondsSince(left));
  EXPECT_TRUE(api().waitOutput("cam", "out", "idle", 10s)) << api().context("cam", "out");

  // A new publisher, over UDP: live again, served again at the same URL.
  Process again;
  const double again_to_live = publishUntilLive(again, url, "cam", overUdp());
  ASSERT_FALSE(HasFailure());
  std::printf("publish over UDP -> input live: %.2f s\n", again_to_live);
  const HttpResponse udp_sessions = api().get("/api/v1/rtsp/sessions");
  EXPECT_NE(udp_sessions.body.find(R"("transport":"udp","role":"publish")"), std::string::npos)
      << udp_sessions.body;
  expectH264Aac(probe(url, 20s), "rtsp reader after the publisher returned");
  EXPECT_TRUE(api().waitOutput("cam", "out", "live", 20s)) << api().context("cam", "out");
}

TEST_F(RelayRtspPublish, SecondPublisherIsRefused) {
  ASSERT_TRUE(startMlsd());
  const std::string url = createPublishInput("cam");
  Process first;
  publishUntilLive(first, url, "cam");
  ASSERT_FALSE(HasFailure());

  Process second = publishTestPattern(url, smallPattern());
  ASSERT_TRUE(second.started()) << second.startError();
  EXPECT_TRUE(refusedWith(second, "503"));
  EXPECT_TRUE(first.running()) << tailOf(first.log());
  EXPECT_EQ(api().inputState("cam"), "live") << api().context("cam");
  expectH264Aac(probe(url, 20s), "rtsp reader after a second publisher was refused");

  // An input that pulls its source takes no publisher.
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "ball").set("url", "test://ball?size=320x180&fps=25")));
  ASSERT_TRUE(api().waitInput("ball", "live", 30s));
  const std::string ball = url.substr(0, url.rfind('/')) + "/ball";
  Process intruder = publishTestPattern(ball, smallPattern());
  EXPECT_TRUE(refusedWith(intruder, "405"));
  EXPECT_EQ(api().inputState("ball"), "live");

  // The API refuses a publish URL that is not where the server would accept the publisher.
  const std::string port = url.substr(std::string("rtsp://127.0.0.1:").size(),
                                      url.rfind('/') - std::string("rtsp://127.0.0.1:").size());
  const HttpResponse other_path = api().post(
      "/api/v1/inputs",
      JsonText().set("name", "cam2").set("url", "rtsp://127.0.0.1:" + port + "/cam?mode=publish"));
  EXPECT_EQ(other_path.status / 100, 4) << other_path.body;
  EXPECT_NE(other_path.body.find("the path must be /cam2"), std::string::npos) << other_path.body;
  const std::string wrong_port = port == "9" ? "10" : "9";
  const HttpResponse other_port = api().post(
      "/api/v1/inputs", JsonText()
                            .set("name", "cam2")
                            .set("url", "rtsp://127.0.0.1:" + wrong_port + "/cam2?mode=publish"));
  EXPECT_EQ(other_port.status / 100, 4) << other_port.body;
  EXPECT_NE(other_port.body.find("the RTSP server listens on port " + port), std::string::npos)
      << other_port.body;
}

TEST_F(RelayRtspPublish, AFrozenPublisherIsDisconnected) {
  ASSERT_TRUE(startMlsd());
  const std::string url = createPublishInput("cam");
  Process frozen;
  publishUntilLive(frozen, url, "cam");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(frozen.pause());
  ASSERT_TRUE(api().waitInput("cam", "idle", 20s)) << api().context("cam");
  JsonNodePtr input = api().input("cam");
  ASSERT_TRUE(input);
  EXPECT_NE(jsonString(input.get(), "last_error").value_or("").find("stalled"), std::string::npos)
      << api().context("cam");

  Process next;
  publishUntilLive(next, url, "cam");
  ASSERT_FALSE(HasFailure()) << "the frozen publisher still holds the input";
  expectH264Aac(probe(url, 20s), "rtsp reader of the next publisher");
  ASSERT_TRUE(frozen.resume());
  auto exit = frozen.wait(15s);
  ASSERT_TRUE(exit) << "the frozen publisher was not disconnected";
  EXPECT_FALSE(exit->success());
}

TEST_F(RelayRtspPublish, RecordingPausesAndResumesInANewSegment) {
  ASSERT_TRUE(startMlsd());
  JsonText body;
  body.set("name", "cam").set("url", "rtsp://127.0.0.1/cam?mode=publish").set("record", true);
  ASSERT_TRUE(api().createInput(body));
  ASSERT_TRUE(api().waitInput("cam", "idle", 10s));
  const std::string url = jsonString(api().input("cam").get(), "rtsp_url").value_or("");
  const std::filesystem::path dir = mlsd().stateDir() / "recordings" / "cam";
  auto recording = [&] {
    return api().get("/api/v1/inputs/cam").body.find(R"("recording":{"state":"live")") !=
           std::string::npos;
  };

  for (size_t run = 1; run <= 2; run++) {
    Process publisher;
    publishUntilLive(publisher, url, "cam");
    ASSERT_FALSE(HasFailure());
    ASSERT_TRUE(runUntil(recording, 15s)) << api().context("cam");
    ASSERT_TRUE(runUntil([&] { return segmentFiles(dir).size() == run; }, 15s))
        << segmentFiles(dir).size() << " segment(s) in run " << run;
    ASSERT_TRUE(runUntil(
        [&] { return std::filesystem::file_size(segmentFiles(dir).back()) > 100000; }, 15s));
    publisher.stop();
    ASSERT_TRUE(api().waitInput("cam", "idle", 10s)) << api().context("cam");
    ASSERT_TRUE(runUntil([&] { return !recording(); }, 10s)) << api().context("cam");
  }
  const auto files = segmentFiles(dir);
  ASSERT_EQ(files.size(), 2u);
  for (const auto& file : files) expectH264Aac(probe(file.string(), 20s), file.filename().string());
}

TEST_F(RelayRtspPublish, H265IsCarriedToo) {
  ASSERT_TRUE(startMlsd());
  const std::string url = createPublishInput("cam");
  TestPatternOptions pattern = smallPattern();
  pattern.videoCodec = "h265";
  Process publisher;
  publishUntilLive(publisher, url, "cam", pattern);
  ASSERT_FALSE(HasFailure());
  const ProbeResult p = probe(url, 20s);
  std::printf("probe h265 reader: %s\n", p.describe().c_str());
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, "hevc");
  EXPECT_EQ(p.width, 640);
  EXPECT_EQ(p.height, 360);
  EXPECT_EQ(p.audioCodec, "aac");
  EXPECT_NE(api().get("/api/v1/inputs/cam").body.find(R"("video_codec":"h265")"), std::string::npos)
      << api().context("cam");
}

TEST_F(RelayRtspPublish, PublishCredentials) {
  ASSERT_TRUE(startMlsd({"--rtsp-publish-credentials", "encoder:pub-s3cret",
                         "--rtsp-read-credentials", "viewer:read-s3cret"}));
  const std::string url = createPublishInput("cam");

  Process anonymous = publishTestPattern(url, smallPattern());
  EXPECT_TRUE(refusedWith(anonymous, "401"));
  Process reader = publishTestPattern(withCredentials(url, "viewer:read-s3cret"), smallPattern());
  EXPECT_TRUE(refusedWith(reader, "401"));
  EXPECT_EQ(api().inputState("cam"), "idle") << api().context("cam");

  Process publisher;
  publishUntilLive(publisher, withCredentials(url, "encoder:pub-s3cret"), "cam");
  ASSERT_FALSE(HasFailure());
  const ProbeResult as_publisher = probe(withCredentials(url, "encoder:pub-s3cret"), 10s);
  EXPECT_FALSE(as_publisher.ok) << as_publisher.describe();
  EXPECT_NE(as_publisher.error.find("401"), std::string::npos) << as_publisher.error;
  expectH264Aac(probe(withCredentials(url, "viewer:read-s3cret"), 20s), "reader");

  const HttpResponse inputs = api().get("/api/v1/inputs");
  for (const char* secret : {"pub-s3cret", "read-s3cret"}) {
    EXPECT_EQ(mlsd().process().log().find(secret), std::string::npos)
        << secret << " is in mlsd's log";
    EXPECT_EQ(inputs.body.find(secret), std::string::npos) << secret << " is in the API";
  }
  EXPECT_EQ(mlsd().process().countLines(R"(RTSP publishers must authenticate \(digest\))"), 1)
      << tailOf(mlsd().process().log());
}

}  // namespace
}  // namespace mls::test
