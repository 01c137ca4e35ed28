// The relay core end to end, against the real mlsd binary and real peers: passthrough really is
// passthrough (RTMP, SRT and UDP outputs carry the source's own H.264 and AAC, at its frame rate),
// and the relay survives a restart from its state file while a corrupt state file is refused and
// left untouched.
//
// Peers: nginx-rtmp (source, published by ffmpeg, and destination), srt-live-transmit (SRT
// destination forwarding to UDP), ffprobe (the independent verifier).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "nginx_rtmp.h"
#include "ports.h"
#include "relay_fixture.h"
#include "srt.h"

namespace mls::test {
namespace {

// What the RtmpSource's default pattern is: H.264 High 1280x720 30 fps + AAC 48 kHz stereo.
void expectSourceFormat(const ProbeResult& p, const std::string& where) {
  std::printf("probe %s: %s\n", where.c_str(), p.describe().c_str());
  ASSERT_TRUE(p.ok) << where << ": " << p.error;
  EXPECT_EQ(p.videoCodec, "h264") << where;
  EXPECT_EQ(p.videoProfile, "High") << where;
  EXPECT_EQ(p.width, 1280) << where;
  EXPECT_EQ(p.height, 720) << where;
  EXPECT_NEAR(p.frameRate, 30.0, 0.5) << where;
  EXPECT_TRUE(p.hasAudio) << where;
  EXPECT_EQ(p.audioCodec, "aac") << where;
  EXPECT_EQ(p.sampleRate, 48000) << where;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

using RelayPassthrough = RelayTest;

TEST_F(RelayPassthrough, RtmpSrtAndUdpOutputsCarryTheSourceUnchanged) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  SrtToUdp srt_destination;
  ASSERT_TRUE(srt_destination.start());
  const std::uint16_t udp_port = freeUdpPort();
  const std::string udp_url = "udp://127.0.0.1:" + std::to_string(udp_port);

  ASSERT_TRUE(startMlsd());
  const std::string outputs = jsonArray({
      JsonText().set("name", "a").set("url", destination.rtmpUrl("live", "a")),
      JsonText().set("name", "b").set("url", destination.rtmpUrl("live", "b")),
      JsonText().set("name", "srt").set("url", srt_destination.srtUrl()),
      JsonText().set("name", "udp").set("url", udp_url),
  });
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));

  ASSERT_TRUE(api().waitInput("cam", "live", 30s));
  for (const char* output : {"a", "b", "srt", "udp"}) {
    EXPECT_TRUE(api().waitOutput("cam", output, "live", 30s));
  }

  // The input reports what the source carries.
  JsonNodePtr input = api().input("cam");
  ASSERT_TRUE(input);
  EXPECT_EQ(jsonBool(input.get(), "media.has_video"), true);
  EXPECT_EQ(jsonString(input.get(), "media.video_codec"), "h264");
  EXPECT_EQ(jsonInt(input.get(), "media.width"), 1280);
  EXPECT_EQ(jsonInt(input.get(), "media.height"), 720);
  EXPECT_NEAR(jsonDouble(input.get(), "media.framerate").value_or(0), 30.0, 0.5);
  EXPECT_EQ(jsonBool(input.get(), "media.has_audio"), true);
  EXPECT_EQ(jsonString(input.get(), "media.audio_codec"), "aac");

  // Same codec, profile and resolution at every destination: nothing was re-encoded.
  expectSourceFormat(probe(destination.rtmpUrl("live", "a")), "rtmp a");
  expectSourceFormat(probe(destination.rtmpUrl("live", "b")), "rtmp b");
  expectSourceFormat(probe(srt_destination.udpUrl()), "srt (via srt-live-transmit)");
  expectSourceFormat(probe(udp_url), "udp");

  // And frames flow at the source's rate to all four at once (the source measured alongside).
  FlowMeter src(source.url(), 4);
  FlowMeter a(destination.rtmpUrl("live", "a"), 4);
  FlowMeter b(destination.rtmpUrl("live", "b"), 4);
  FlowMeter srt(srt_destination.udpUrl(), 4);
  FlowMeter udp(udp_url, 4);
  ASSERT_TRUE(
      runUntil([&] { return src.poll() & a.poll() & b.poll() & srt.poll() & udp.poll(); }, 40s));
  for (auto* meter : {&a, &b, &srt, &udp}) {
    EXPECT_GT(meter->result().audioPackets, 0) << meter->result().describe();
  }
  expectKeepsUp(a.result(), src.result(), "rtmp a", 0.9);
  expectKeepsUp(b.result(), src.result(), "rtmp b", 0.9);
  expectKeepsUp(srt.result(), src.result(), "srt", 0.9);
  expectKeepsUp(udp.result(), src.result(), "udp", 0.9);
  // Passthrough keeps the source's timestamps: as regular as the source's own.
  expectRegularFrames(src, 30, "source");
  expectRegularFrames(a, 30, "rtmp a");
  expectRegularFrames(udp, 30, "udp");

  // mlsd's own statistics agree that the outputs are moving media.
  JsonNodePtr out_a = api().output("cam", "a");
  ASSERT_TRUE(out_a);
  EXPECT_GT(jsonDouble(out_a.get(), "bitrate_bps").value_or(0), 100000)
      << api().context("cam", "a");
  EXPECT_GT(jsonInt(out_a.get(), "bytes").value_or(0), 0);
  EXPECT_TRUE(source.publisher.running()) << tailOf(source.publisher.log());
}

using RelayPersistence = RelayTest;

TEST_F(RelayPersistence, RestartRestoresAndResumesEveryRelay) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());

  ASSERT_TRUE(startMlsd());
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", source.url())));
  ASSERT_TRUE(api().createOutput(
      "cam", JsonText().set("name", "a").set("url", destination.rtmpUrl("live", "a"))));
  ASSERT_TRUE(api().createOutput(
      "cam", JsonText().set("name", "b").set("url", destination.rtmpUrl("live", "b"))));
  // A disabled output stays disabled across the restart.
  ASSERT_TRUE(api().createOutput("cam", JsonText()
                                            .set("name", "off")
                                            .set("url", destination.rtmpUrl("live", "off"))
                                            .set("enabled", false)));
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "pattern").set("url", "test://ball?size=320x240&fps=15&audio=0")));
  ASSERT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "b", "live", 30s));
  ASSERT_TRUE(api().waitInput("pattern", "live", 30s));
  const HttpResponse before = api().get("/api/v1/config");
  ASSERT_EQ(before.status, 200u);

  // SIGTERM: a clean exit, code 0, and the destination's streams end.
  EXPECT_EQ(mlsd().stop(), 0) << tailOf(mlsd().process().log());
  EXPECT_TRUE(mlsd().process().waitForLine("shutdown complete", 1s).has_value())
      << tailOf(mlsd().process().log());
  EXPECT_TRUE(std::filesystem::exists(mlsd().stateDir() / "state.json"));

  ASSERT_TRUE(mlsd().restart());
  const HttpResponse after = api().get("/api/v1/config");
  ASSERT_EQ(after.status, 200u);
  EXPECT_EQ(after.body, before.body) << "the restored configuration differs";
  EXPECT_EQ(jsonSize(api().get("/api/v1/inputs").json().get(), "inputs"), 2);

  EXPECT_TRUE(api().waitInput("cam", "live", 30s));
  EXPECT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  EXPECT_TRUE(api().waitOutput("cam", "b", "live", 30s));
  EXPECT_TRUE(api().waitInput("pattern", "live", 30s));
  EXPECT_EQ(api().outputState("cam", "off"), "stopped");
  JsonNodePtr off = api().output("cam", "off");
  ASSERT_TRUE(off);
  EXPECT_EQ(jsonBool(off.get(), "enabled"), false);

  // The resumed outputs really carry media again.
  FlowMeter src(source.url(), 2);
  FlowMeter b(destination.rtmpUrl("live", "b"), 2);
  ASSERT_TRUE(runUntil([&] { return src.poll() & b.poll(); }, 30s));
  expectKeepsUp(b.result(), src.result(), "rtmp b after restart", 0.9);
}

TEST_F(RelayPersistence, CorruptStateFileIsRefusedAndLeftByteIdentical) {
  MlsdOptions options;
  options.stateDir = testOutputDir() / "corrupt-state";
  std::filesystem::create_directories(options.stateDir);
  const auto state_file = options.stateDir / "state.json";
  const std::string corrupt = "{\"version\":1,\"inputs\":[{\"name\":\"cam\",\"url\":";  // cut off
  {
    std::ofstream out(state_file, std::ios::binary);
    out << corrupt;
  }

  Mlsd mlsd(options);
  EXPECT_FALSE(mlsd.start(15s)) << "mlsd started on a corrupt state file";
  const auto status = mlsd.process().wait(10s);
  ASSERT_TRUE(status.has_value()) << "mlsd is still running on a corrupt state file";
  EXPECT_TRUE(status->exited()) << status->describe();
  EXPECT_NE(status->code, 0) << status->describe();
  const std::string log = mlsd.process().log();
  EXPECT_NE(log.find(state_file.string()), std::string::npos)
      << "the message does not name " << state_file << ":\n"
      << log;
  EXPECT_EQ(readFile(state_file), corrupt) << "the corrupt state file was changed";
  // Nothing else was written beside it either (no replacement, no temp file left).
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(options.stateDir))
    ++files;
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace mls::test
