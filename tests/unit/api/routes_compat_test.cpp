// Pure-handler tests of the Go-MLS compatibility routes (GO-MLS.md §1 rows 2-9): request shapes,
// answer shapes, honest status codes, passthrough for empty options, presets applied
// server-side, and atomic additive import. No sockets.
#include <gtest/gtest.h>

#include <string>

#include "api/compat_model.h"
#include "api/json_io.h"
#include "api/router.h"
#include "api_test_util.h"
#include "fake_backend.h"
#include "model/presets.h"
#include "model/url.h"

namespace mls::api::test {
namespace {

constexpr const char* kCamUrl = "rtsp://admin:hunter2@cam.example/stream1";
constexpr const char* kYoutubeUrl = "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a";
constexpr const char* kEmptyOptions =
    R"({"video_codec":"","audio_codec":"","resolution":"","framerate":"","bitrate":"","rotation":""})";

std::string startBody(const std::string& extra = {}) {
  return std::string(R"({"input_url":")") + kCamUrl + R"(","input_name":"cam1","output_url":")" +
         kYoutubeUrl + R"(","output_name":"youtube")" + extra + "}";
}

class CompatRoutes : public ::testing::Test {
 protected:
  Response call(const std::string& method, const std::string& path, const std::string& body = {},
                const std::string& content_type = "application/json") {
    return dispatch(makeRequest(method, path, body, content_type), backend_, options_);
  }
  Response upload(const std::string& file, const std::string& field = "file") {
    const std::string boundary = "----mlsboundary7MA4YWxkTrZu0gW";
    std::string body = "--" + boundary + "\r\n" + "Content-Disposition: form-data; name=\"" +
                       field +
                       "\"; filename=\"relay_config.json\"\r\n"
                       "Content-Type: application/json\r\n\r\n" +
                       file + "\r\n--" + boundary + "--\r\n";
    return call("POST", "/api/relay/import", body, "multipart/form-data; boundary=" + boundary);
  }
  // A Go-MLS error: {"error":"…"} with `status`, config unchanged.
  void expectRejected(const Response& r, int status, const model::Config& before) {
    EXPECT_EQ(r.status, status) << r.body;
    Json json(r.body);
    EXPECT_NE(json.str("error").find_first_not_of(' '), std::string::npos) << r.body;
    EXPECT_EQ(json.str("error").rfind("<not a string", 0), std::string::npos) << r.body;
    EXPECT_EQ(backend_.config(), before);
  }
  const model::OutputSpec& output(const std::string& input = "cam1",
                                  const std::string& name = "youtube") {
    const model::InputSpec* in = backend_.config().findInput(input);
    EXPECT_NE(in, nullptr);
    const model::OutputSpec* out = in ? in->findOutput(name) : nullptr;
    EXPECT_NE(out, nullptr);
    static model::OutputSpec none;
    return out ? *out : none;
  }

  FakeBackend backend_;
  ApiOptions options_;
};

TEST_F(CompatRoutes, StartWithEmptyOptionsIsPassthrough) {
  Response r =
      call("POST", "/api/relay/start",
           startBody(R"(,"platform_preset":"","ffmpeg_options":)" + std::string(kEmptyOptions)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).str("status"), "started");
  ASSERT_EQ(backend_.config().inputs.size(), 1u);
  EXPECT_EQ(backend_.config().inputs[0].url, kCamUrl);
  EXPECT_TRUE(backend_.config().inputs[0].enabled);
  EXPECT_EQ(output().url, kYoutubeUrl);
  EXPECT_TRUE(output().enabled);
  // Not FLV1 like Go-MLS: nothing to transcode.
  EXPECT_EQ(output().preset, "");
  EXPECT_FALSE(output().transcode.has_value());
  EXPECT_FALSE(model::effectiveTranscode(output()).has_value());
}

TEST_F(CompatRoutes, StartWithoutOptionsOrWithCopyIsPassthrough) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  EXPECT_FALSE(model::effectiveTranscode(output()).has_value());
  ASSERT_EQ(call("POST", "/api/relay/start",
                 std::string(R"({"input_name":"cam1","output_name":"copy","output_url":")") +
                     "rtmp://b.example/app/key2" +
                     R"(","ffmpeg_options":{"video_codec":"copy","audio_codec":"copy"}})")
                .status,
            200);
  EXPECT_FALSE(model::effectiveTranscode(output("cam1", "copy")).has_value());
}

TEST_F(CompatRoutes, PlatformPresetIsAppliedServerSide) {
  Response r = call("POST", "/api/relay/start", startBody(R"(,"platform_preset":"youtube")"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(output().preset, "youtube");
  EXPECT_FALSE(output().transcode.has_value());
  auto settings = model::effectiveTranscode(output());
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->width, 1920);
  EXPECT_EQ(settings->height, 1080);
}

TEST_F(CompatRoutes, PresetWithItsOwnOptionsStoresJustThePreset) {
  // The Go-MLS UI copied the preset's values into the option fields and sent both.
  const model::Preset* tiktok = model::findPreset("tiktok");
  ASSERT_NE(tiktok, nullptr);
  GoOptions copied = goOptionsFromSettings(tiktok->settings);
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(node, goOptionsJson(copied));
  Response r = call("POST", "/api/relay/start",
                    startBody(R"(,"platform_preset":"TikTok","ffmpeg_options":)" + jsonText(node)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(output().preset, "tiktok");
  EXPECT_FALSE(output().transcode.has_value());
}

TEST_F(CompatRoutes, ExplicitOptionsBecomeTranscodeSettings) {
  Response r = call("POST", "/api/relay/start",
                    startBody(R"(,"ffmpeg_options":{"video_codec":"libx264","audio_codec":"aac",)"
                              R"("resolution":"1280x720","framerate":"25","bitrate":"2500k",)"
                              R"("rotation":"transpose=1"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(output().transcode.has_value());
  const model::TranscodeSettings& t = *output().transcode;
  EXPECT_EQ(t.video_codec, "h264");
  EXPECT_EQ(t.width, 1280);
  EXPECT_EQ(t.height, 720);
  EXPECT_EQ(t.framerate, 25);
  EXPECT_EQ(t.bitrate_kbps, 2500);
  EXPECT_EQ(t.rotation, 90);
}

TEST_F(CompatRoutes, OptionValueMapping) {
  struct Case {
    GoOptions options;
    bool ok;
    int rotation, kbps;
    const char* codec;
  } cases[] = {
      {{"hevc", "", "", "", "4.5M", "transpose=2"}, true, 270, 4500, "h265"},
      {{"libx265", "copy", "", "", "3000000", ""}, true, 0, 3000, "h265"},
      {{"h264", "AAC", "640x360", "30", "800K", ""}, true, 0, 800, "h264"},
      {{"flv1", "", "", "", "", ""}, false, 0, 0, ""},
      {{"libx264", "mp3", "", "", "", ""}, false, 0, 0, ""},
      {{"libx264", "", "1280*720", "", "", ""}, false, 0, 0, ""},
      {{"libx264", "", "", "29.97", "", ""}, false, 0, 0, ""},
      {{"libx264", "", "", "", "fast", ""}, false, 0, 0, ""},
      {{"libx264", "", "", "", "", "transpose=0"}, false, 0, 0, ""},
      {{"libx264", "", "", "", "", "transpose=3"}, false, 0, 0, ""},
      {{"libx264", "", "", "", "", "movie=/etc/passwd"}, false, 0, 0, ""},
      {{"copy", "", "1280x720", "", "", ""}, false, 0, 0, ""},
  };
  for (const Case& c : cases) {
    model::OutputSpec output;
    auto result = applyGoOptions(output, "", c.options);
    EXPECT_EQ(result.has_value(), c.ok) << c.options.video_codec << " " << c.options.rotation;
    if (!c.ok) {
      EXPECT_EQ(result.error().code, ErrorCode::Invalid);
      continue;
    }
    ASSERT_TRUE(output.transcode.has_value());
    EXPECT_EQ(output.transcode->rotation, c.rotation);
    EXPECT_EQ(output.transcode->bitrate_kbps, c.kbps);
    EXPECT_EQ(output.transcode->video_codec, c.codec);
  }
  model::OutputSpec output;
  auto flip = applyGoOptions(output, "", GoOptions{"libx264", "", "", "", "", "transpose=0"});
  ASSERT_FALSE(flip.has_value());
  EXPECT_EQ(flip.error().message, "unsupported rotation (flip)");
}

TEST_F(CompatRoutes, RejectedStartsChangeNothing) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  model::Config before = backend_.config();
  // Unknown field: 400 like Go-MLS's DisallowUnknownFields.
  Response unknown = call("POST", "/api/relay/start", startBody(R"(,"extra_args":"-y")"));
  expectRejected(unknown, 400, before);
  EXPECT_EQ(Json(unknown.body).str("error").rfind("Invalid request", 0), 0u) << unknown.body;
  // Wrong type.
  expectRejected(call("POST", "/api/relay/start", R"({"input_name":1,"output_name":"x"})"), 400,
                 before);
  expectRejected(
      call("POST", "/api/relay/start", startBody(R"(,"ffmpeg_options":{"video_codec":264})")), 400,
      before);
  // Missing names.
  Response names = call("POST", "/api/relay/start", R"({"input_url":"test://"})");
  expectRejected(names, 400, before);
  EXPECT_EQ(Json(names.body).str("error"), "Input and output names are required");
  // The input exists with another URL.
  expectRejected(call("POST", "/api/relay/start",
                      R"({"input_name":"cam1","input_url":"rtsp://other.example/s",)"
                      R"("output_name":"x","output_url":"rtmp://x.example/app/k"})"),
                 409, before);
  // Unsupported options and presets.
  expectRejected(
      call("POST", "/api/relay/start",
           startBody(R"(,"ffmpeg_options":{"video_codec":"libx264","rotation":"transpose=3"})")),
      422, before);
  expectRejected(call("POST", "/api/relay/start", startBody(R"(,"platform_preset":"MySpace")")),
                 422, before);
  // Bad names and URLs, for a new input: nothing gets created.
  expectRejected(call("POST", "/api/relay/start",
                      R"({"input_name":"Cam 2","input_url":"test://","output_name":"o",)"
                      R"("output_url":"rtmp://x.example/app/k"})"),
                 422, before);
  expectRejected(call("POST", "/api/relay/start",
                      R"({"input_name":"cam2","input_url":"test://","output_name":"o",)"
                      R"("output_url":"ftp://x.example/k"})"),
                 422, before);
  expectRejected(call("POST", "/api/relay/start",
                      R"({"input_name":"cam2","input_url":"","output_name":"o",)"
                      R"("output_url":"rtmp://x.example/app/k"})"),
                 422, before);
  // Not JSON at all.
  expectRejected(
      call("POST", "/api/relay/start", "input_name=cam1", "application/x-www-form-urlencoded"), 415,
      before);
  expectRejected(call("POST", "/api/relay/start", "{nope"), 400, before);
}

TEST_F(CompatRoutes, StartOnAnExistingInputAddsTheOutput) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  // Same input by its masked URL (as read from /api/relay/status), a second output.
  Response r = call("POST", "/api/relay/start",
                    R"({"input_name":"cam1","input_url":")" + model::maskUrl(kCamUrl) +
                        R"(","output_name":"backup","output_url":"srt://b.example:9000"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config().inputs.size(), 1u);
  EXPECT_EQ(backend_.config().inputs[0].url, kCamUrl);
  EXPECT_EQ(backend_.config().inputs[0].outputs.size(), 2u);
}

TEST_F(CompatRoutes, StartWithoutOptionsReenablesAnExistingOutputAsIs) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody(R"(,"platform_preset":"YouTube")")).status,
            200);
  ASSERT_EQ(call("POST", "/api/relay/stop", startBody()).status, 200);
  EXPECT_FALSE(output().enabled);
  // The old table's Start button: names and URLs only.
  Response r = call("POST", "/api/relay/start", startBody());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(output().enabled);
  EXPECT_EQ(output().preset, "youtube");
}

TEST_F(CompatRoutes, StopDisablesTheOutput) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  Response r = call("POST", "/api/relay/stop",
                    R"({"input_name":"cam1","output_name":"youtube","input_url":"",)"
                    R"("output_url":""})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).str("status"), "stopped");
  EXPECT_FALSE(output().enabled);
  EXPECT_TRUE(backend_.config().inputs[0].enabled);  // the input keeps running
  model::Config before = backend_.config();
  expectRejected(call("POST", "/api/relay/stop", R"({"input_name":"cam1","output_name":"nope"})"),
                 404, before);
  expectRejected(call("POST", "/api/relay/stop", R"({"input_name":"cam1"})"), 400, before);
  expectRejected(call("POST", "/api/relay/stop",
                      R"({"input_name":"cam1","output_name":"youtube","platform_preset":""})"),
                 400, before);
  expectRejected(call("POST", "/api/relay/stop",
                      R"({"input_name":"cam1","output_name":"youtube",)"
                      R"("output_url":"rtmp://elsewhere.example/app/k"})"),
                 409, before);
}

TEST_F(CompatRoutes, DeleteOutputAndInputWithTheirAliases) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  ASSERT_EQ(call("POST", "/api/relay/start",
                 R"({"input_name":"cam1","output_name":"b","output_url":"srt://b.example:9000"})")
                .status,
            200);
  Response r = call("POST", "/api/relay/delete-output", startBody());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).str("status"), "deleted");
  EXPECT_EQ(backend_.config().inputs[0].outputs.size(), 1u);
  r = call("POST", "/api/output/delete", R"({"input_name":"cam1","output_name":"b"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(backend_.config().inputs[0].outputs.empty());

  model::Config before = backend_.config();
  expectRejected(
      call("POST", "/api/relay/delete-output", R"({"input_name":"cam1","output_name":"b"})"), 404,
      before);
  expectRejected(call("POST", "/api/relay/delete-input", R"({"input_url":"x"})"), 400, before);
  expectRejected(call("POST", "/api/relay/delete-input", R"({"input_name":"nope"})"), 404, before);
  expectRejected(call("POST", "/api/relay/delete-input",
                      R"({"input_name":"cam1","input_url":"rtsp://other.example/s"})"),
                 409, before);
  expectRejected(
      call("POST", "/api/relay/delete-input", R"({"input_name":"cam1","output_name":"x"})"), 400,
      before);

  r = call("POST", "/api/input/delete",
           R"({"input_name":"cam1","input_url":")" + std::string(kCamUrl) + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(backend_.config().inputs.empty());
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  EXPECT_EQ(call("POST", "/api/relay/delete-input", R"({"input_name":"cam1"})").status, 200);
  EXPECT_TRUE(backend_.config().inputs.empty());
}

TEST_F(CompatRoutes, StatusHasTheGoMlsShape) {
  options_.rtsp_authority = "127.0.0.1:18554";
  ASSERT_EQ(call("POST", "/api/relay/start",
                 R"({"input_name":"zcam","input_url":"test://","output_name":"o1",)"
                 R"("output_url":"rtmp://x.example/app/k"})")
                .status,
            200);
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  ASSERT_EQ(
      call("POST", "/api/relay/start",
           R"({"input_name":"cam1","output_name":"a-backup","output_url":"srt://b.example:9000"})")
          .status,
      200);
  model::InputStatus cam;
  cam.run.state = model::RunState::Live;
  backend_.input_status_["cam1"] = cam;
  model::RunStatus yt;
  yt.state = model::RunState::Retrying;
  yt.last_error = "connection refused";
  yt.bitrate_bps = 4500000;
  backend_.output_status_[{"cam1", "youtube"}] = yt;
  model::RunStatus stopped;
  stopped.state = model::RunState::Stopped;
  backend_.output_status_[{"cam1", "a-backup"}] = stopped;
  backend_.system_.uptime_s = 100;
  backend_.system_.cpu_user_s = 3;
  backend_.system_.cpu_system_s = 2;
  backend_.system_.rss_bytes = 50 << 20;

  Response r = call("GET", "/api/relay/status");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(r.body.find("abcd-efgh"), std::string::npos);
  Json json(r.body);
  EXPECT_DOUBLE_EQ(json.num("server.cpu"), 5.0);
  EXPECT_EQ(json.num("server.mem"), 50 << 20);
  ASSERT_EQ(json.length("relays"), 2u);
  // Sorted by input name, then output name.
  EXPECT_EQ(json.str("relays.0.input.input_name"), "cam1");
  EXPECT_EQ(json.str("relays.1.input.input_name"), "zcam");
  EXPECT_EQ(json.str("relays.0.input.input_url"), model::maskUrl(kCamUrl));
  EXPECT_EQ(json.str("relays.0.input.local_url"), "rtsp://127.0.0.1:18554/cam1");
  EXPECT_EQ(json.str("relays.0.input.status"), "Running");
  EXPECT_FALSE(json.has("relays.0.input.last_error"));
  EXPECT_EQ(json.num("relays.0.input.speed"), 1);
  for (const char* key : {"cpu", "mem"})
    EXPECT_TRUE(json.has(std::string("relays.0.input.") + key));
  EXPECT_EQ(json.str("relays.0.outputs.0.output_name"), "a-backup");
  EXPECT_EQ(json.str("relays.0.outputs.0.status"), "Stopped");
  EXPECT_EQ(json.str("relays.0.outputs.1.output_name"), "youtube");
  EXPECT_EQ(json.str("relays.0.outputs.1.status"), "Error");
  EXPECT_EQ(json.str("relays.0.outputs.1.last_error"), "connection refused");
  EXPECT_EQ(json.num("relays.0.outputs.1.bitrate"), 4500);
  EXPECT_EQ(json.str("relays.0.outputs.1.output_url"), model::maskUrl(kYoutubeUrl));
  EXPECT_EQ(json.str("relays.0.outputs.1.input_url"), model::maskUrl(kCamUrl));
  EXPECT_EQ(json.str("relays.0.outputs.1.local_url"), "rtsp://127.0.0.1:18554/cam1");
  EXPECT_EQ(json.str("relays.1.input.status"), "Starting");  // idle
}

TEST_F(CompatRoutes, ExportHasTheRelayConfigShape) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody(R"(,"platform_preset":"YouTube")")).status,
            200);
  ASSERT_EQ(call("POST", "/api/relay/start",
                 R"({"input_name":"cam1","output_name":"raw","output_url":"srt://b.example:9000"})")
                .status,
            200);
  Response r = call("GET", "/api/relay/export");
  ASSERT_EQ(r.status, 200);
  ASSERT_NE(r.header("Content-Disposition"), nullptr);
  EXPECT_EQ(*r.header("Content-Disposition"), "attachment; filename=\"relay_config.json\"");
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  Json json(r.body);
  ASSERT_EQ(json.length(""), 1u);
  EXPECT_EQ(json.str("0.input_name"), "cam1");
  EXPECT_EQ(json.str("0.input_url"), model::maskUrl(kCamUrl));
  ASSERT_EQ(json.length("0.outputs"), 2u);
  EXPECT_EQ(json.str("0.outputs.0.output_name"), "youtube");
  EXPECT_EQ(json.str("0.outputs.0.platform_preset"), "YouTube");
  EXPECT_EQ(json.str("0.outputs.0.ffmpeg_options.video_codec"), "libx264");
  EXPECT_EQ(json.str("0.outputs.0.ffmpeg_options.resolution"), "1920x1080");
  EXPECT_EQ(json.str("0.outputs.1.platform_preset"), "");
  EXPECT_EQ(json.str("0.outputs.1.ffmpeg_options.video_codec"), "copy");
  EXPECT_EQ(json.str("0.outputs.1.ffmpeg_options.audio_codec"), "copy");

  Response full = call("GET", "/api/relay/export?include_secrets=true");
  EXPECT_EQ(Json(full.body).str("0.input_url"), kCamUrl);
  options_.api_token = "tok";
  EXPECT_EQ(call("GET", "/api/relay/export?include_secrets=true").status, 401);
}

TEST_F(CompatRoutes, ExportThenImportRoundTrips) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody(R"(,"platform_preset":"Instagram")")).status,
            200);
  ASSERT_EQ(call("POST", "/api/relay/start",
                 R"({"input_name":"cam1","output_name":"t","output_url":"rtmp://t.example/app/k",)"
                 R"("ffmpeg_options":{"video_codec":"libx265","resolution":"1280x720",)"
                 R"("bitrate":"3000k","rotation":"transpose=1,transpose=1"}})")
                .status,
            200);
  ASSERT_EQ(call("POST", "/api/relay/start",
                 R"({"input_name":"cam1","output_name":"raw","output_url":"srt://b.example:9000"})")
                .status,
            200);
  std::string exported = call("GET", "/api/relay/export?include_secrets=true").body;
  model::Config original = backend_.config();

  FakeBackend fresh;
  Response r = dispatch(
      [&] {
        const std::string boundary = "b0undary";
        Request request =
            makeRequest("POST", "/api/relay/import",
                        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; " +
                            "filename=\"relay_config.json\"\r\n\r\n" + exported + "\r\n--" +
                            boundary + "--\r\n",
                        "multipart/form-data; boundary=" + boundary);
        return request;
      }(),
      fresh, options_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(fresh.config(), original);
}

TEST_F(CompatRoutes, ImportIsAdditive) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  Response r = upload(R"([
    {"input_url":"test://","input_name":"demo","outputs":[
      {"output_url":"rtmp://a.example/live/k1","output_name":"a","platform_preset":"TikTok"},
      {"output_url":"rtmp://b.example/live/k2","output_name":"b","ffmpeg_options":null}]},
    {"input_url":"rtsp://cam2.example/s","input_name":"cam2","outputs":null,"comment":"ignored"}
  ])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).str("status"), "imported");
  const model::Config& config = backend_.config();
  ASSERT_EQ(config.inputs.size(), 3u);
  EXPECT_EQ(config.inputs[0].name, "cam1");  // kept
  EXPECT_EQ(config.inputs[0].outputs.size(), 1u);
  EXPECT_EQ(output("demo", "a").preset, "tiktok");
  EXPECT_FALSE(model::effectiveTranscode(output("demo", "b")).has_value());
  EXPECT_EQ(config.findInput("cam2")->url, "rtsp://cam2.example/s");
}

TEST_F(CompatRoutes, ImportIsAtomic) {
  ASSERT_EQ(call("POST", "/api/relay/start", startBody()).status, 200);
  model::Config before = backend_.config();
  int applied = backend_.applied_;
  // The first relay is fine, the second one is not: nothing is applied.
  expectRejected(upload(R"([
    {"input_url":"test://","input_name":"demo","outputs":[
      {"output_url":"rtmp://a.example/live/k1","output_name":"a"}]},
    {"input_url":"test://","input_name":"demo2","outputs":[
      {"output_url":"rtmp://b.example/live/k2","output_name":"b",
       "ffmpeg_options":{"rotation":"transpose=0","video_codec":"libx264"}}]}])"),
                 422, before);
  expectRejected(upload(R"([{"input_url":"rtsp://else.example/s","input_name":"cam1"}])"), 409,
                 before);
  expectRejected(upload(R"([{"input_url":"test://","input_name":"Bad Name"}])"), 422, before);
  expectRejected(upload(R"([{"input_url":"gopher://x","input_name":"g"}])"), 422, before);
  expectRejected(upload(R"({"input_url":"test://"})"), 400, before);
  expectRejected(upload(R"([{"input_name":5}])"), 400, before);
  expectRejected(upload("not json"), 400, before);
  expectRejected(upload(R"([])", "other"), 400, before);
  expectRejected(call("POST", "/api/relay/import", "[]", "application/json"), 415, before);
  EXPECT_EQ(backend_.applied_, applied);
}

TEST_F(CompatRoutes, PresetsHaveTheGoMlsShape) {
  Response r = call("GET", "/api/relay/presets");
  ASSERT_EQ(r.status, 200);
  Json json(r.body);
  EXPECT_EQ(json.str("YouTube.video_codec"), "libx264");
  EXPECT_EQ(json.str("YouTube.audio_codec"), "aac");
  EXPECT_EQ(json.str("YouTube.resolution"), "1920x1080");
  EXPECT_EQ(json.str("YouTube.framerate"), "30");
  EXPECT_EQ(json.str("YouTube.bitrate"), "4500k");
  EXPECT_TRUE(json.has("YouTube.rotation"));
  EXPECT_TRUE(json.has("Instagram.bitrate"));
  EXPECT_TRUE(json.has("TikTok.bitrate"));
}

TEST_F(CompatRoutes, CompatErrorsKeepTheGoMlsShape) {
  Response r = call("GET", "/api/relay/start");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(Json(r.body).str("error").rfind("<not a string", 0), 0u) << r.body;
  options_.api_token = "tok";
  r = call("POST", "/api/relay/start", startBody());
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(Json(r.body).str("error").rfind("<not a string", 0), 0u) << r.body;
  EXPECT_TRUE(backend_.config().inputs.empty());
}

}  // namespace
}  // namespace mls::api::test
