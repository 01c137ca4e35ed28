// The Go-MLS routes (GO-MLS.md §1) against the real mlsd, with Go-MLS's own request shapes, so
// existing scripts move over unchanged: /api/relay/start with and without ffmpeg_options (empty
// options are passthrough: the destination sees the source's H.264, not Go-MLS's FLV1),
// /api/relay/stop, /api/relay/status, delete-output, delete-input, export → import round trip,
// and the presets.
//
// Peers: nginx-rtmp (source, published by ffmpeg, and destination), ffprobe (verifier).
#include <gtest/gtest.h>

#include <cstdio>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "http_client.h"
#include "nginx_rtmp.h"
#include "ports.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

std::string describe(const HttpResponse& response) {
  return std::to_string(response.status) + " " + response.error + " " + response.body;
}

// Go-MLS's ffmpeg_options, every key present as the Go-MLS UI sent them.
std::string goOptions(const std::string& video_codec, const std::string& audio_codec,
                      const std::string& resolution, const std::string& framerate,
                      const std::string& bitrate) {
  return JsonText()
      .set("video_codec", video_codec)
      .set("audio_codec", audio_codec)
      .set("resolution", resolution)
      .set("framerate", framerate)
      .set("bitrate", bitrate)
      .set("rotation", "");
}

// A /api/relay/start body in Go-MLS's shape; `options` is JSON text or "" (member absent).
std::string relayStart(const std::string& input_name, const std::string& input_url,
                       const std::string& output_name, const std::string& output_url,
                       const std::string& options) {
  JsonText body;
  body.set("input_url", input_url)
      .set("output_url", output_url)
      .set("input_name", input_name)
      .set("output_name", output_name)
      .set("platform_preset", "");
  if (!options.empty()) body.raw("ffmpeg_options", options);
  return body;
}

std::string relayRef(const std::string& input_name, const std::string& output_name) {
  return JsonText()
      .set("input_url", "")
      .set("output_url", "")
      .set("input_name", input_name)
      .set("output_name", output_name);
}

void expectStatus(const HttpResponse& response, const std::string& status) {
  EXPECT_EQ(response.status, 200u) << describe(response);
  EXPECT_EQ(jsonString(response.json().get(), "status"), status) << response.body;
}

using RelayCompat = RelayTest;

TEST_F(RelayCompat, StartStopStatusAndDeleteWithGoMlsShapes) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());

  // Empty ffmpeg_options (all keys "") and no ffmpeg_options at all: both passthrough.
  expectStatus(api().post("/api/relay/start", relayStart("cam", source.url(), "empty",
                                                         destination.rtmpUrl("live", "empty"),
                                                         goOptions("", "", "", "", ""))),
               "started");
  expectStatus(
      api().post("/api/relay/start", relayStart("cam", source.url(), "absent",
                                                destination.rtmpUrl("live", "absent"), "")),
      "started");
  ASSERT_TRUE(api().waitOutput("cam", "empty", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "absent", "live", 30s));
  for (const char* key : {"empty", "absent"}) {
    const ProbeResult p = probe(destination.rtmpUrl("live", key));
    std::printf("probe %s: %s\n", key, p.describe().c_str());
    ASSERT_TRUE(p.ok) << p.error;
    EXPECT_EQ(p.videoCodec, "h264") << key << ": not passthrough (Go-MLS sent flv1 here)";
    EXPECT_EQ(p.videoProfile, "High") << key;
    EXPECT_EQ(p.width, 1280) << key;
    EXPECT_EQ(p.height, 720) << key;
    EXPECT_EQ(p.audioCodec, "aac") << key << ": not passthrough (Go-MLS sent mp3 here)";
  }

  // Status: Go-MLS's shape, sorted by input then output name.
  ASSERT_TRUE(runUntil(
      [&] {
        JsonNodePtr s = api().get("/api/relay/status").json();
        return jsonString(s.get(), "relays.0.outputs.0.status") == "Running" &&
               jsonDouble(s.get(), "relays.0.outputs.0.bitrate").value_or(0) > 0;
      },
      10s));
  const HttpResponse status = api().get("/api/relay/status");
  ASSERT_EQ(status.status, 200u);
  JsonNodePtr s = status.json();
  ASSERT_TRUE(s) << status.body;
  EXPECT_TRUE(jsonDouble(s.get(), "server.cpu").has_value()) << status.body;
  EXPECT_GT(jsonInt(s.get(), "server.mem").value_or(0), 0) << status.body;
  ASSERT_EQ(jsonSize(s.get(), "relays"), 1) << status.body;
  EXPECT_EQ(jsonString(s.get(), "relays.0.input.input_name"), "cam");
  EXPECT_EQ(jsonString(s.get(), "relays.0.input.status"), "Running");
  EXPECT_FALSE(jsonString(s.get(), "relays.0.input.input_url").value_or("").empty());
  EXPECT_FALSE(jsonString(s.get(), "relays.0.input.local_url").value_or("").empty());
  for (const char* field : {"cpu", "mem", "speed"}) {
    EXPECT_TRUE(jsonDouble(s.get(), std::string("relays.0.input.") + field).has_value()) << field;
  }
  ASSERT_EQ(jsonSize(s.get(), "relays.0.outputs"), 2);
  EXPECT_EQ(jsonString(s.get(), "relays.0.outputs.0.output_name"), "absent");
  EXPECT_EQ(jsonString(s.get(), "relays.0.outputs.1.output_name"), "empty");
  for (const char* field : {"output_url", "input_url", "local_url", "status"}) {
    EXPECT_TRUE(jsonString(s.get(), std::string("relays.0.outputs.1.") + field).has_value())
        << field;
  }
  for (const char* field : {"cpu", "mem", "bitrate"}) {
    EXPECT_TRUE(jsonDouble(s.get(), std::string("relays.0.outputs.1.") + field).has_value())
        << field;
  }

  // Stop: the output is disabled (its sibling untouched) and its stream ends.
  expectStatus(api().post("/api/relay/stop", relayRef("cam", "empty")), "stopped");
  EXPECT_TRUE(api().waitOutput("cam", "empty", "stopped", 10s));
  EXPECT_TRUE(waitForStreamGone(destination, "live", "empty", 10s));
  EXPECT_EQ(api().outputState("cam", "absent"), "live");
  EXPECT_EQ(jsonString(api().get("/api/relay/status").json().get(), "relays.0.outputs.1.status"),
            "Stopped");
  // Start again with the Start button's body (no options): enabled, still passthrough.
  expectStatus(api().post("/api/relay/start", relayStart("cam", "", "empty", "", "")), "started");
  EXPECT_TRUE(api().waitOutput("cam", "empty", "live", 20s));
  const ProbeResult again = probe(destination.rtmpUrl("live", "empty"));
  EXPECT_EQ(again.videoCodec, "h264") << again.describe();
  EXPECT_EQ(again.width, 1280) << again.describe();

  // Errors keep Go-MLS's shape, with honest status codes.
  const HttpResponse unknown_field =
      api().post("/api/relay/stop", JsonText().set("input_name", "cam").set("bogus", "x"));
  EXPECT_EQ(unknown_field.status, 400u) << describe(unknown_field);
  EXPECT_TRUE(jsonString(unknown_field.json().get(), "error").has_value()) << unknown_field.body;
  const HttpResponse no_names = api().post("/api/relay/start", relayStart("", "", "", "", ""));
  EXPECT_EQ(no_names.status, 400u) << describe(no_names);
  const HttpResponse missing = api().post("/api/relay/delete-output", relayRef("cam", "nope"));
  EXPECT_EQ(missing.status, 404u) << describe(missing);
  EXPECT_TRUE(jsonString(missing.json().get(), "error").has_value()) << missing.body;

  // delete-output: gone from the API and from the destination.
  expectStatus(api().post("/api/relay/delete-output", relayRef("cam", "absent")), "deleted");
  EXPECT_EQ(api().get("/api/v1/inputs/cam/outputs/absent").status, 404u);
  EXPECT_TRUE(waitForStreamGone(destination, "live", "absent", 10s));
  EXPECT_EQ(api().outputState("cam", "empty"), "live");

  // delete-input: the input and its last output go.
  expectStatus(api().post("/api/relay/delete-input",
                          JsonText().set("input_url", "").set("input_name", "cam")),
               "deleted");
  EXPECT_EQ(api().get("/api/v1/inputs/cam").status, 404u);
  EXPECT_TRUE(waitForStreamGone(destination, "live", "empty", 10s));
  EXPECT_EQ(jsonSize(api().get("/api/relay/status").json().get(), "relays"), 0);
}

TEST_F(RelayCompat, StartWithFfmpegOptionsTranscodes) {
  RtmpSource source;
  TestPatternOptions small;
  small.width = 640;
  small.height = 360;
  ASSERT_TRUE(source.start(small));
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());

  expectStatus(
      api().post("/api/relay/start",
                 relayStart("cam", source.url(), "small", destination.rtmpUrl("live", "small"),
                            goOptions("libx264", "aac", "320x180", "15", "400k"))),
      "started");
  ASSERT_TRUE(api().waitOutput("cam", "small", "live", 30s));
  const ProbeResult p = probe(destination.rtmpUrl("live", "small"));
  std::printf("probe: %s\n", p.describe().c_str());
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.videoCodec, "h264");
  EXPECT_EQ(p.width, 320);
  EXPECT_EQ(p.height, 180);
  EXPECT_NEAR(p.frameRate, 15.0, 0.5);
  EXPECT_EQ(p.audioCodec, "aac");
  FlowMeter meter(destination.rtmpUrl("live", "small"), 3);
  ASSERT_TRUE(runUntil([&] { return meter.poll(); }, 30s));
  const FlowResult flow = meter.result();
  std::printf("flow: %s\n", flow.describe().c_str());
  EXPECT_TRUE(flow.ok) << flow.describe();
  EXPECT_NEAR(flow.fps, 15.0, 1.5) << flow.describe();
  expectRegularFrames(meter, 15, "320x180 at 15 fps");

  // The v1 API shows what the options meant.
  JsonNodePtr output = api().output("cam", "small");
  EXPECT_EQ(jsonString(output.get(), "resolution"), "320x180");
  EXPECT_EQ(jsonInt(output.get(), "framerate"), 15);
}

TEST_F(RelayCompat, ExportThenImportRestoresTheSameConfiguration) {
  // Inputs whose sources do not answer: this is about configuration, not media.
  const std::string dead = "rtmp://127.0.0.1:" + std::to_string(freeTcpPort());
  ASSERT_TRUE(startMlsd());
  ASSERT_TRUE(api().createInput(
      JsonText()
          .set("name", "cam1")
          .set("url", dead + "/live/cam1")
          .raw("outputs",
               jsonArray({JsonText().set("name", "copy").set("url", dead + "/live/secret-1234"),
                          JsonText()
                              .set("name", "yt")
                              .set("url", dead + "/live/yt")
                              .set("preset", "youtube"),
                          JsonText()
                              .set("name", "small")
                              .set("url", "srt://127.0.0.1:9?mode=caller")
                              .set("resolution", "640x360")
                              .set("framerate", 15)
                              .set("bitrate", 800)}))));
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam2").set("url", dead + "/live/cam2")));
  const std::string before = api().get("/api/v1/config?include_secrets=true").body;

  const HttpResponse exported = api().get("/api/relay/export?include_secrets=true");
  ASSERT_EQ(exported.status, 200u) << describe(exported);
  EXPECT_NE(exported.header("Content-Disposition").find("relay_config.json"), std::string::npos)
      << exported.header("Content-Disposition");
  JsonNodePtr relays = exported.json();
  ASSERT_TRUE(relays && JSON_NODE_HOLDS_ARRAY(relays.get())) << exported.body;
  EXPECT_EQ(jsonSize(relays.get(), ""), 2) << exported.body;
  EXPECT_EQ(jsonString(relays.get(), "0.input_name"), "cam1");
  EXPECT_EQ(jsonString(relays.get(), "0.outputs.0.ffmpeg_options.video_codec"), "copy");
  EXPECT_EQ(jsonString(relays.get(), "0.outputs.1.platform_preset"), "YouTube");

  expectStatus(api().post("/api/relay/delete-input", JsonText().set("input_name", "cam1")),
               "deleted");
  expectStatus(api().post("/api/relay/delete-input", JsonText().set("input_name", "cam2")),
               "deleted");
  EXPECT_EQ(jsonSize(api().get("/api/v1/inputs").json().get(), "inputs"), 0);

  // An import that is invalid anywhere applies nothing.
  std::string content_type;
  const std::string broken =
      jsonArray({JsonText().set("input_name", "fine").set("input_url", dead + "/live/fine"),
                 JsonText().set("input_name", "Not Fine").set("input_url", dead + "/live/x")});
  const std::string broken_body = multipartFile("file", "relay_config.json", broken, &content_type);
  const HttpResponse refused =
      api().send("POST", "/api/relay/import", broken_body, {{"Content-Type", content_type}});
  EXPECT_EQ(refused.status, 422u) << describe(refused);
  EXPECT_TRUE(jsonString(refused.json().get(), "error").has_value()) << refused.body;
  EXPECT_EQ(jsonSize(api().get("/api/v1/inputs").json().get(), "inputs"), 0)
      << "a refused import applied part of itself";

  const std::string upload =
      multipartFile("file", "relay_config.json", exported.body, &content_type);
  const HttpResponse imported =
      api().send("POST", "/api/relay/import", upload, {{"Content-Type", content_type}});
  expectStatus(imported, "imported");
  EXPECT_EQ(api().get("/api/v1/config?include_secrets=true").body, before);
}

TEST_F(RelayCompat, PresetsAreServedInBothShapes) {
  ASSERT_TRUE(startMlsd());
  const HttpResponse go = api().get("/api/relay/presets");
  ASSERT_EQ(go.status, 200u) << describe(go);
  JsonNodePtr presets = go.json();
  EXPECT_EQ(jsonString(presets.get(), "YouTube.resolution"), "1920x1080");
  EXPECT_EQ(jsonString(presets.get(), "YouTube.framerate"), "30");
  EXPECT_EQ(jsonString(presets.get(), "YouTube.bitrate"), "4500k");
  EXPECT_EQ(jsonString(presets.get(), "YouTube.audio_codec"), "aac");
  EXPECT_EQ(jsonString(presets.get(), "Instagram.resolution"), "720x1280");
  EXPECT_EQ(jsonString(presets.get(), "Instagram.bitrate"), "3500k");
  EXPECT_EQ(jsonString(presets.get(), "TikTok.resolution"), "720x1280");
  EXPECT_EQ(jsonString(presets.get(), "TikTok.bitrate"), "2500k");

  const HttpResponse v1 = api().get("/api/v1/presets");
  ASSERT_EQ(v1.status, 200u) << describe(v1);
  JsonNodePtr list = v1.json();
  ASSERT_EQ(jsonSize(list.get(), "presets"), 3) << v1.body;
  bool youtube = false;
  for (int i = 0; i < 3; ++i) {
    const std::string at = "presets." + std::to_string(i);
    if (jsonString(list.get(), at + ".name") != "youtube") continue;
    youtube = true;
    EXPECT_EQ(jsonString(list.get(), at + ".resolution"), "1920x1080");
    EXPECT_EQ(jsonInt(list.get(), at + ".framerate"), 30);
    EXPECT_EQ(jsonInt(list.get(), at + ".bitrate"), 4500);
    EXPECT_EQ(jsonString(list.get(), at + ".audio"), "silence-if-missing");
  }
  EXPECT_TRUE(youtube) << v1.body;
}

}  // namespace
}  // namespace mls::test
