// JSON mapping of the desired state: round trips, masking, strict reading, PATCH
// (model/json_mapping.h).
#include "model/json_mapping.h"

#include <gtest/gtest.h>

#include <memory>

#include "model/url.h"

namespace mls::model {
namespace {

const std::string M = "\u2022\u2022\u2022\u2022";

struct NodeUnref {
  void operator()(JsonNode* n) const { json_node_unref(n); }
};
using Node = std::unique_ptr<JsonNode, NodeUnref>;

// The field of a refused result; "(accepted)" when it was not refused.
template <typename T>
std::string fieldOf(const Result<T>& r) {
  return r ? "(accepted)" : r.error().field;
}

Node parse(const std::string& text) {
  auto r = parseJson(text);
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
  return Node(r ? *r : nullptr);
}

std::string text(JsonNode* node) {
  Node owned(node);
  return toJsonText(owned.get());
}

Config sampleConfig() {
  Config config;
  InputSpec cam;
  cam.name = "cam1";
  cam.url = "rtsp://admin:hunter2@camera/stream";
  cam.record = true;
  cam.transport = "udp";
  cam.stall_timeout_ms = 5000;
  cam.latency_ms = 200;
  OutputSpec yt;
  yt.name = "youtube";
  yt.url = "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a";
  yt.preset = "youtube";
  OutputSpec custom;
  custom.name = "custom";
  custom.url = "srt://host:9000?passphrase=0123456789abcdef";
  custom.enabled = false;
  custom.transcode = TranscodeSettings{.video_codec = "h265",
                                       .width = 1280,
                                       .height = 720,
                                       .framerate = 25,
                                       .bitrate_kbps = 3000,
                                       .rotation = 90,
                                       .keyframe_interval_s = 4,
                                       .audio_bitrate_kbps = 96};
  custom.audio = AudioMode::None;
  custom.audio_explicit = true;
  OutputSpec keep;
  keep.name = "keep-size";
  keep.url = "udp://239.1.1.1:5000";
  keep.transcode = TranscodeSettings{.bitrate_kbps = 1500};
  keep.audio = AudioMode::SilenceIfMissing;
  keep.audio_explicit = true;
  cam.outputs = {yt, custom, keep};
  InputSpec demo;
  demo.name = "demo";
  demo.url = "test://ball";
  demo.enabled = false;
  config.inputs = {cam, demo};
  return config;
}

TEST(JsonMapping, OutputShape) {
  OutputSpec o;
  o.name = "yt";
  o.url = "rtmp://h/live/abcdefghijkl";
  EXPECT_EQ(text(outputToJson(o, Secrets::Keep)),
            R"({"name":"yt","url":"rtmp://h/live/abcdefghijkl","enabled":true,"preset":""})");
  o.transcode = TranscodeSettings{.bitrate_kbps = 2500};
  o.audio = AudioMode::SilenceIfMissing;
  o.audio_explicit = true;
  EXPECT_EQ(text(outputToJson(o, Secrets::Mask)),
            R"({"name":"yt","url":"rtmp://h/live/)" + M +
                R"(ijkl","enabled":true,"preset":"","video_codec":"h264","framerate":0,)"
                R"("bitrate":2500,"rotation":0,"keyframe_interval":2,"audio_bitrate":128,)"
                R"("audio":"silence-if-missing"})");
  o.transcode->width = 1280;
  o.transcode->height = 720;
  EXPECT_NE(text(outputToJson(o, Secrets::Keep)).find(R"("resolution":"1280x720")"),
            std::string::npos);
}

TEST(JsonMapping, InputShape) {
  InputSpec i;
  i.name = "cam1";
  i.url = "rtsp://u:p@cam/x";
  EXPECT_EQ(text(inputToJson(i, Secrets::Mask, false)),
            R"({"name":"cam1","url":"rtsp://u:)" + M +
                R"(@cam/x","enabled":true,"record":false,"transport":"","loop":false,)"
                R"("stall_timeout_ms":0,"latency_ms":-1,"segment_duration_s":0,"retention_max_age_s":0})");
  EXPECT_NE(text(inputToJson(i, Secrets::Mask, true)).find(R"("outputs":[])"), std::string::npos);
}

TEST(JsonMapping, ConfigRoundTripKeepsEverything) {
  const Config config = sampleConfig();
  std::string json = text(configToJson(config, Secrets::Keep));
  EXPECT_EQ(json.rfind(R"({"version":1,"inputs":[)", 0), 0u) << json;
  Node node = parse(json);
  auto back = configFromJson(node.get());
  ASSERT_TRUE(back) << back.error().field << ": " << back.error().message;
  EXPECT_EQ(*back, config);
  // And once more through the text, pretty this time.
  Node pretty = parse(toJsonText(node.get(), true));
  EXPECT_EQ(*configFromJson(pretty.get()), config);
}

TEST(JsonMapping, MaskHidesEverySecret) {
  std::string json = text(configToJson(sampleConfig(), Secrets::Mask));
  for (const char* secret : {"hunter2", "abcd-efgh", "0123456789abcdef"})
    EXPECT_EQ(json.find(secret), std::string::npos) << secret;
  EXPECT_NE(json.find("live2/" + M + "3f9a"), std::string::npos);
}

TEST(JsonMapping, ReadsDefaultsAndFlexibleNumbers) {
  Node node = parse(R"({"name":"o","url":"rtmp://h/a/k"})");
  auto o = outputFromJson(node.get());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->name, "o");
  EXPECT_TRUE(o->enabled);
  EXPECT_EQ(o->transcode, std::nullopt);
  EXPECT_FALSE(o->audio_explicit);

  node = parse(R"({"bitrate":"4.5M","audio_bitrate":"128k","framerate":30.0})");
  o = outputFromJson(node.get());
  ASSERT_TRUE(o) << o.error().message;
  ASSERT_TRUE(o->transcode);
  EXPECT_EQ(o->transcode->bitrate_kbps, 4500);
  EXPECT_EQ(o->transcode->audio_bitrate_kbps, 128);
  EXPECT_EQ(o->transcode->framerate, 30);
  EXPECT_EQ(o->transcode->video_codec, "h264");
  EXPECT_EQ(o->transcode->keyframe_interval_s, 2);

  node = parse(R"({"bitrate":"4500000","resolution":"1920x1080"})");
  o = outputFromJson(node.get());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->transcode->bitrate_kbps, 4500);
  EXPECT_EQ(o->transcode->width, 1920);
  EXPECT_EQ(o->transcode->height, 1080);

  node = parse(R"({"video_codec":"copy"})");
  o = outputFromJson(node.get());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->transcode, std::nullopt);

  node = parse(R"({"audio":"none"})");
  o = outputFromJson(node.get());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->audio, AudioMode::None);
  EXPECT_TRUE(o->audio_explicit);
}

TEST(JsonMapping, RefusesUnknownFieldsAndWrongTypes) {
  struct Case {
    const char* json;
    const char* field;
    const char* message;
  } cases[] = {
      {R"({"name":"o","colour":"red"})", "colour", "unknown field \"colour\""},
      {R"({"enabled":"yes"})", "enabled", "enabled must be true or false"},
      {R"({"name":5})", "name", "name must be a string"},
      {R"({"url":null})", "url", "url must be a string"},
      {R"({"framerate":29.97})", "framerate", "framerate must be an integer"},
      {R"({"framerate":"30"})", "framerate", "framerate must be an integer"},
      {R"({"rotation":1e12})", "rotation", "rotation must be an integer"},
      {R"({"bitrate":true})", "bitrate", "bitrate must be kb/s as an integer"},
      {R"({"bitrate":"fast"})", "bitrate", "is not a bitrate"},
      {R"({"resolution":"big"})", "resolution", "resolution must be WIDTHxHEIGHT"},
      {R"({"resolution":1080})", "resolution", "resolution must be a string"},
      {R"({"audio":"stereo"})", "audio", "audio must be \"auto\", \"silence-if-missing\""},
      {R"({"video_codec":"copy","bitrate":100})", "video_codec", "cannot be combined with bitrate"},
  };
  for (const auto& c : cases) {
    Node node = parse(c.json);
    auto r = outputFromJson(node.get());
    ASSERT_FALSE(r) << c.json;
    EXPECT_EQ(r.error().code, ErrorCode::Invalid) << c.json;
    EXPECT_EQ(r.error().field, c.field) << c.json;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos)
        << c.json << " -> " << r.error().message;
  }
  Node array = parse("[1,2]");
  auto r = outputFromJson(array.get());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BadRequest);
}

TEST(JsonMapping, InputFieldsAndNestedErrors) {
  Node node = parse(R"({"name":"c","url":"test://","record":true,"loop":false,)"
                    R"("transport":"tcp","stall_timeout_ms":1000,"latency_ms":50,)"
                    R"("outputs":[{"name":"a","url":"udp://127.0.0.1:5000"}]})");
  auto i = inputFromJson(node.get());
  ASSERT_TRUE(i) << i.error().message;
  EXPECT_TRUE(i->record);
  EXPECT_EQ(i->transport, "tcp");
  EXPECT_EQ(i->stall_timeout_ms, 1000);
  EXPECT_EQ(i->latency_ms, 50);
  ASSERT_EQ(i->outputs.size(), 1u);
  EXPECT_EQ(i->outputs[0].name, "a");

  node = parse(R"({"outputs":[{"name":"a"},{"name":"b","bitrate":[]}]})");
  auto bad = inputFromJson(node.get());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "outputs[1].bitrate");

  node = parse(R"({"outputs":[{"name":"a"},7]})");
  bad = inputFromJson(node.get());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "outputs[1]");
  EXPECT_EQ(bad.error().code, ErrorCode::Invalid);

  node = parse(R"({"outputs":{}})");
  bad = inputFromJson(node.get());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "outputs");
}

TEST(JsonMapping, ObservedFieldsAreAcceptedAndIgnored) {
  Node node = parse(R"({"name":"c","url":"test://","state":"live","last_error":"",)"
                    R"("retries":0,"next_retry_at":null,"bitrate_bps":1.5e6,"fps":30,)"
                    R"("bytes":123,"uptime_s":5.5,"media":{"has_video":true},)"
                    R"("profile":"passthrough","rtsp_url":"rtsp://x/c","effective":{},)"
                    R"("rtsp_clients":2,)"
                    R"("outputs":[{"name":"o","url":"rtmp://h/a/k","state":"retrying",)"
                    R"("effective":null,"profile":"transcode"}]})");
  auto i = inputFromJson(node.get());
  ASSERT_TRUE(i) << i.error().field << ": " << i.error().message;
  EXPECT_EQ(i->name, "c");
  EXPECT_EQ(i->outputs.size(), 1u);
  for (const char* f : {"state", "last_error", "retries", "next_retry_at", "bitrate_bps", "fps",
                        "bytes", "uptime_s", "media", "profile", "rtsp_url", "effective", "rtsp_clients"})
    EXPECT_TRUE(isObservedField(f)) << f;
  EXPECT_FALSE(isObservedField("name"));
  EXPECT_FALSE(isObservedField("States"));
}

TEST(JsonMapping, ConfigVersionAndShape) {
  Node node = parse(R"({"inputs":[]})");
  EXPECT_TRUE(configFromJson(node.get()));
  node = parse(R"({})");
  auto empty = configFromJson(node.get());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->inputs.empty());
  node = parse(R"({"version":2,"inputs":[]})");
  auto v2 = configFromJson(node.get());
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().field, "version");
  EXPECT_EQ(v2.error().code, ErrorCode::Invalid);
  node = parse(R"({"version":1,"inputs":[],"state":"live"})");
  auto top = configFromJson(node.get());
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().field, "state");
  node = parse(R"({"inputs":[{"name":"a","colour":1}]})");
  auto colour = configFromJson(node.get());
  ASSERT_FALSE(colour);
  EXPECT_EQ(colour.error().field, "inputs[0].colour");
  node = parse(R"({"inputs":[{"name":"a","outputs":[{"framerate":"x"}]}]})");
  auto nested = configFromJson(node.get());
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().field, "inputs[0].outputs[0].framerate");
  node = parse(R"({"inputs":"none"})");
  auto shape = configFromJson(node.get());
  ASSERT_FALSE(shape);
  EXPECT_EQ(shape.error().field, "inputs");
}

TEST(JsonMapping, PatchOutput) {
  OutputSpec base;
  base.name = "yt";
  base.url = "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a";
  base.preset = "youtube";

  // Sending back what GET returned (masked URL, observed fields) changes nothing.
  Node echo = Node(outputToJson(base, Secrets::Mask));
  json_object_set_string_member(json_node_get_object(echo.get()), "state", "live");
  auto same = patchOutput(base, echo.get());
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(*same, base);

  Node patch = parse(R"({"enabled":false,"bitrate":"6000k"})");
  auto changed = patchOutput(base, patch.get());
  ASSERT_TRUE(changed);
  EXPECT_FALSE(changed->enabled);
  EXPECT_EQ(changed->url, base.url);
  EXPECT_EQ(changed->preset, "youtube");
  ASSERT_TRUE(changed->transcode);
  EXPECT_EQ(changed->transcode->bitrate_kbps, 6000);

  // Further transcode fields keep the ones set before.
  patch = parse(R"({"framerate":25})");
  auto more = patchOutput(*changed, patch.get());
  ASSERT_TRUE(more);
  EXPECT_EQ(more->transcode->bitrate_kbps, 6000);
  EXPECT_EQ(more->transcode->framerate, 25);

  // Back to passthrough, which needs the preset gone as well.
  patch = parse(R"({"video_codec":"copy"})");
  auto still_preset = patchOutput(*more, patch.get());
  ASSERT_FALSE(still_preset);
  EXPECT_EQ(still_preset.error().field, "video_codec");
  EXPECT_NE(still_preset.error().message.find("preset 'youtube'"), std::string::npos);
  patch = parse(R"({"video_codec":"copy","preset":""})");
  auto passthrough = patchOutput(*more, patch.get());
  ASSERT_TRUE(passthrough);
  EXPECT_EQ(passthrough->transcode, std::nullopt);
  EXPECT_EQ(passthrough->preset, "");

  patch = parse(R"({"url":"rtmp://a.rtmp.youtube.com/live2/new-key-0000-1111"})");
  auto new_url = patchOutput(base, patch.get());
  ASSERT_TRUE(new_url);
  EXPECT_EQ(new_url->url, "rtmp://a.rtmp.youtube.com/live2/new-key-0000-1111");

  // A different masked URL is taken as written (and validation refuses it).
  patch = parse(R"({"url":"rtmp://b.rtmp.youtube.com/live2/)" + M + R"(3f9a"})");
  auto other = patchOutput(base, patch.get());
  ASSERT_TRUE(other);
  EXPECT_NE(other->url, base.url);

  patch = parse(R"({"name":"other"})");
  auto renamed = patchOutput(base, patch.get());
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().field, "name");
  EXPECT_EQ(renamed.error().code, ErrorCode::Invalid);
  patch = parse(R"({"name":"yt"})");
  EXPECT_TRUE(patchOutput(base, patch.get()));
  patch = parse(R"({"nope":1})");
  EXPECT_EQ(fieldOf(patchOutput(base, patch.get())), "nope");
}

TEST(JsonMapping, PatchInput) {
  InputSpec base = sampleConfig().inputs[0];
  Node echo = Node(inputToJson(base, Secrets::Mask, true));
  auto same = patchInput(base, echo.get());
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(*same, base);  // masked URLs unchanged, outputs ignored

  Node patch = parse(R"({"enabled":false,"transport":"tcp","outputs":[]})");
  auto changed = patchInput(base, patch.get());
  ASSERT_TRUE(changed);
  EXPECT_FALSE(changed->enabled);
  EXPECT_EQ(changed->transport, "tcp");
  EXPECT_EQ(changed->url, base.url);
  EXPECT_EQ(changed->outputs, base.outputs);

  patch = parse(R"({"name":"cam2"})");
  EXPECT_EQ(fieldOf(patchInput(base, patch.get())), "name");
  patch = parse(R"({"loop":"yes"})");
  EXPECT_EQ(fieldOf(patchInput(base, patch.get())), "loop");
}

TEST(JsonMapping, ParseJsonErrors) {
  auto bad = parseJson("{\"a\":");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::BadRequest);
  EXPECT_EQ(bad.error().message.rfind("invalid JSON: 1:", 0), 0u) << bad.error().message;
  auto empty = parseJson("  ");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::BadRequest);
  auto ok = parseJson("[]");
  ASSERT_TRUE(ok);
  json_node_unref(*ok);
}

}  // namespace
}  // namespace mls::model
