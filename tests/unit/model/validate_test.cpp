// Whole-spec validation, one test per rule (model/validate.h).
#include "model/validate.h"

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace mls::model {
namespace {

OutputSpec goodOutput(const std::string& name = "yt") {
  OutputSpec o;
  o.name = name;
  o.url = "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a";
  return o;
}

InputSpec goodInput(const std::string& name = "cam1") {
  InputSpec i;
  i.name = name;
  i.url = "rtsp://camera/stream";
  return i;
}

Error outputError(const OutputSpec& o) {
  auto r = validateOutput(o);
  EXPECT_FALSE(r) << o.name;
  return r ? Error{} : r.error();
}

Error inputError(const InputSpec& i, const ValidationContext& ctx = {}) {
  auto r = validateInput(i, ctx);
  EXPECT_FALSE(r) << i.name;
  return r ? Error{} : r.error();
}

TEST(ValidateOutput, GoodOnes) {
  EXPECT_TRUE(validateOutput(goodOutput()));
  OutputSpec preset = goodOutput();
  preset.preset = "instagram";
  EXPECT_TRUE(validateOutput(preset));
  OutputSpec full = goodOutput();
  full.transcode = TranscodeSettings{.video_codec = "h265",
                                     .width = 7680,
                                     .height = 4320,
                                     .framerate = 120,
                                     .bitrate_kbps = 100000,
                                     .rotation = 270,
                                     .keyframe_interval_s = 20,
                                     .audio_bitrate_kbps = 512};
  EXPECT_TRUE(validateOutput(full));
  full.transcode = TranscodeSettings{.width = 16,
                                     .height = 16,
                                     .framerate = 1,
                                     .bitrate_kbps = 100,
                                     .keyframe_interval_s = 1,
                                     .audio_bitrate_kbps = 32};
  EXPECT_TRUE(validateOutput(full));
  full.transcode = TranscodeSettings{};  // all "not set"
  EXPECT_TRUE(validateOutput(full));
}

TEST(ValidateOutput, NameAndUrl) {
  OutputSpec o = goodOutput("Bad");
  EXPECT_EQ(outputError(o).field, "name");
  o = goodOutput();
  o.url = "http://x/y.m3u8";
  Error e = outputError(o);
  EXPECT_EQ(e.field, "url");
  EXPECT_EQ(e.code, ErrorCode::Invalid);
  o.url = "";
  EXPECT_EQ(outputError(o).message, "url is required");
}

TEST(ValidateOutput, Preset) {
  OutputSpec o = goodOutput();
  o.preset = "vimeo";
  Error e = outputError(o);
  EXPECT_EQ(e.field, "preset");
  EXPECT_EQ(e.message, "unknown preset 'vimeo': use youtube, instagram, tiktok, or \"\" for none");
}

TEST(ValidateOutput, TranscodeRanges) {
  struct Case {
    TranscodeSettings t;
    const char* field;
  } cases[] = {
      {{.video_codec = "vp9"}, "video_codec"},
      {{.video_codec = "copy"}, "video_codec"},
      {{.width = 1280}, "resolution"},
      {{.height = 720}, "resolution"},
      {{.width = 1281, .height = 720}, "resolution"},
      {{.width = 1280, .height = 721}, "resolution"},
      {{.width = 14, .height = 720}, "resolution"},
      {{.width = 7682, .height = 720}, "resolution"},
      {{.width = 1280, .height = 4322}, "resolution"},
      {{.framerate = 121}, "framerate"},
      {{.framerate = -1}, "framerate"},
      {{.bitrate_kbps = 99}, "bitrate"},
      {{.bitrate_kbps = 100001}, "bitrate"},
      {{.rotation = 45}, "rotation"},
      {{.rotation = -90}, "rotation"},
      {{.keyframe_interval_s = 0}, "keyframe_interval"},
      {{.keyframe_interval_s = 21}, "keyframe_interval"},
      {{.audio_bitrate_kbps = 31}, "audio_bitrate"},
      {{.audio_bitrate_kbps = 513}, "audio_bitrate"},
  };
  for (const auto& c : cases) {
    OutputSpec o = goodOutput();
    o.transcode = c.t;
    Error e = outputError(o);
    EXPECT_EQ(e.field, c.field) << e.message;
    EXPECT_EQ(e.code, ErrorCode::Invalid);
  }
  OutputSpec o = goodOutput();
  o.transcode = TranscodeSettings{.bitrate_kbps = 50};
  EXPECT_EQ(outputError(o).message, "bitrate must be 0 (not set) or 100..100000 kb/s (got 50)");
}

TEST(ValidateInput, GoodOnes) {
  InputSpec i = goodInput();
  i.transport = "udp";
  i.stall_timeout_ms = 500;
  i.latency_ms = 0;
  i.outputs = {goodOutput("a"), goodOutput("b")};
  EXPECT_TRUE(validateInput(i, {}));
  i.transport = "tcp";
  i.stall_timeout_ms = 600000;
  i.latency_ms = 10000;
  EXPECT_TRUE(validateInput(i, {}));
  i.url = "test://";
  i.transport = "";
  EXPECT_TRUE(validateInput(i, {}));
}

TEST(ValidateInput, PublishInputs) {
  InputSpec i = goodInput("cam");
  ValidationContext ctx;
  ctx.rtsp_port = 8554;
  for (const char* url :
       {"rtsp://0.0.0.0:8554/cam?mode=publish", "rtsp://127.0.0.1/cam?mode=publish",
        "rtsp://mls.example/cam?mode=publish"}) {
    i.url = url;
    EXPECT_TRUE(validateInput(i, ctx)) << url;
  }
  i.url = "rtsp://0.0.0.0:9554/cam?mode=publish";
  EXPECT_TRUE(validateInput(i, {})) << "the port is checked only once the server's is known";
  Error e = inputError(i, ctx);
  EXPECT_EQ(e.field, "url");
  EXPECT_NE(e.message.find("the RTSP server listens on port 8554, not 9554"), std::string::npos)
      << e.message;

  i.url = "rtsp://0.0.0.0:8554/other?mode=publish";
  e = inputError(i, ctx);
  EXPECT_NE(e.message.find("the path must be /cam (got '/other')"), std::string::npos) << e.message;
  i.url = "rtsp://0.0.0.0:8554/cam/sub?mode=publish";
  EXPECT_EQ(inputError(i, ctx).field, "url");
  i.url = "rtsp://user:pw@0.0.0.0:8554/cam?mode=publish";
  e = inputError(i, ctx);
  EXPECT_NE(e.message.find("--rtsp-publish-credentials"), std::string::npos) << e.message;
  i.url = "rtsp://0.0.0.0:8554/cam?mode=publish&latency=100";
  EXPECT_EQ(inputError(i, ctx).field, "url");
  i.url = "rtsps://0.0.0.0:8554/cam?mode=publish";
  EXPECT_EQ(inputError(i, ctx).field, "url");

  i.url = "rtsp://0.0.0.0:8554/cam?mode=publish";
  i.transport = "udp";
  EXPECT_EQ(inputError(i, ctx).field, "transport");
  i.transport = "";
  i.latency_ms = 100;
  EXPECT_EQ(inputError(i, ctx).field, "latency_ms");
}

TEST(ValidateInput, EachRule) {
  InputSpec i = goodInput("-x");
  EXPECT_EQ(inputError(i).field, "name");

  i = goodInput();
  i.url = "rtmp://server/live";
  EXPECT_EQ(inputError(i).field, "url");

  i = goodInput();
  i.transport = "sctp";
  EXPECT_EQ(inputError(i).field, "transport");
  i.url = "rtmp://server/live/key";
  i.transport = "tcp";
  Error e = inputError(i);
  EXPECT_EQ(e.field, "transport");
  EXPECT_EQ(e.message, "transport applies to rtsp:// and rtsps:// inputs only");

  i = goodInput();
  i.loop = true;
  EXPECT_EQ(inputError(i).field, "loop");

  for (int bad : {-1, 1, 499, 600001}) {
    i = goodInput();
    i.stall_timeout_ms = bad;
    EXPECT_EQ(inputError(i).field, "stall_timeout_ms") << bad;
  }
  for (int bad : {-2, 10001}) {
    i = goodInput();
    i.latency_ms = bad;
    EXPECT_EQ(inputError(i).field, "latency_ms") << bad;
  }
}

TEST(ValidateInput, NestedOutputErrorsNameTheOutput) {
  InputSpec i = goodInput();
  i.outputs = {goodOutput("a"), goodOutput("b"), goodOutput("c")};
  i.outputs[2].transcode = TranscodeSettings{.rotation = 45};
  Error e = inputError(i);
  EXPECT_EQ(e.field, "outputs[2].rotation");
  EXPECT_EQ(e.message.rfind("output 'c': rotation", 0), 0u) << e.message;

  i.outputs[2] = goodOutput("a");
  e = inputError(i);
  EXPECT_EQ(e.field, "outputs[2].name");
  EXPECT_EQ(e.message, "duplicate output name 'a' in input 'cam1'");
}

TEST(ValidateInput, FileInputsAndLoop) {
  test::TempDir dir;
  dir.write("clip.mp4", "x");
  InputSpec i = goodInput();
  i.url = "file:///clip.mp4";
  i.loop = true;
  EXPECT_EQ(inputError(i).message,
            "file:// inputs need --media-dir (the server was started "
            "without one)");
  EXPECT_TRUE(validateInput(i, ValidationContext{dir.path()}));
}

TEST(ValidateConfig, UniqueInputsAndNestedFields) {
  Config config;
  config.inputs = {goodInput("a"), goodInput("b")};
  EXPECT_TRUE(validateConfig(config, {}));
  config.inputs.push_back(goodInput("a"));
  auto r = validateConfig(config, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "inputs[2].name");
  EXPECT_EQ(r.error().message, "duplicate input name 'a'");

  config.inputs.pop_back();
  config.inputs[1].outputs = {goodOutput("x")};
  config.inputs[1].outputs[0].url = "ftp://x/y";
  r = validateConfig(config, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "inputs[1].outputs[0].url");
  EXPECT_EQ(r.error().message.rfind("input 'b': output 'x': unsupported output scheme", 0), 0u)
      << r.error().message;
}

}  // namespace
}  // namespace mls::model
