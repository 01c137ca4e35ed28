// Pure-handler tests of the /api/v1 routes through the router: every route, every error path,
// masking, the token rules, and "a rejected request changes nothing". No sockets.
#include <gtest/gtest.h>

#include <string>

#include "api/errors.h"
#include "api/router.h"
#include "api_test_util.h"
#include "fake_backend.h"
#include "model/url.h"

namespace mls::api::test {
namespace {

constexpr const char* kCamUrl = "rtsp://admin:hunter2@cam.example/stream1";
constexpr const char* kYoutubeUrl = "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a";

class V1Routes : public ::testing::Test {
 protected:
  Response call(const std::string& method, const std::string& path, const std::string& body = {},
                const std::string& content_type = "application/json") {
    return dispatch(makeRequest(method, path, body, content_type), backend_, options_);
  }
  Response callWithToken(const std::string& method, const std::string& path,
                         const std::string& token, const std::string& body = {}) {
    Request request = makeRequest(method, path, body);
    request.headers["authorization"] = "Bearer " + token;
    return dispatch(request, backend_, options_);
  }
  // An input "cam1" with one output "youtube", created through the API.
  void seed() {
    Response r = call("POST", "/api/v1/inputs",
                      std::string(R"({"name":"cam1","url":")") + kCamUrl +
                          R"(","outputs":[{"name":"youtube","url":")" + kYoutubeUrl + R"("}]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Asserts the response is a v1 error with `status` and `code`, and the config is unchanged.
  void expectRejected(const Response& r, int status, const char* code,
                      const model::Config& before) {
    EXPECT_EQ(r.status, status) << r.body;
    Json json(r.body);
    EXPECT_EQ(json.str("error.code"), code) << r.body;
    EXPECT_TRUE(json.has("error.message"));
    EXPECT_EQ(backend_.config(), before);
  }

  FakeBackend backend_;
  ApiOptions options_;
};

TEST(ErrorTable, MapsEveryCodeToItsStatus) {
  EXPECT_EQ(httpStatus(ErrorCode::BadRequest), 400);
  EXPECT_EQ(httpStatus(ErrorCode::Unauthorized), 401);
  EXPECT_EQ(httpStatus(ErrorCode::Forbidden), 403);
  EXPECT_EQ(httpStatus(ErrorCode::NotFound), 404);
  EXPECT_EQ(httpStatus(ErrorCode::MethodNotAllowed), 405);
  EXPECT_EQ(httpStatus(ErrorCode::Conflict), 409);
  EXPECT_EQ(httpStatus(ErrorCode::TooLarge), 413);
  EXPECT_EQ(httpStatus(ErrorCode::UnsupportedMediaType), 415);
  EXPECT_EQ(httpStatus(ErrorCode::Invalid), 422);
  EXPECT_EQ(httpStatus(ErrorCode::Unavailable), 503);
  EXPECT_EQ(httpStatus(ErrorCode::Internal), 500);
}

TEST(ErrorTable, BodyCarriesCodeMessageAndField) {
  Response r = errorResponse(Error{ErrorCode::Invalid, "bad url", "url"});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/json");
  Json json(r.body);
  EXPECT_EQ(json.str("error.code"), "invalid");
  EXPECT_EQ(json.str("error.message"), "bad url");
  EXPECT_EQ(json.str("error.field"), "url");
  Json no_field(errorResponse(Error{ErrorCode::NotFound, "x", {}}).body);
  EXPECT_FALSE(no_field.has("error.field"));
  Json compat(compatErrorResponse(Error{ErrorCode::Conflict, "taken", {}}).body);
  EXPECT_EQ(compat.str("error"), "taken");
}

TEST(Auth, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(constantTimeEquals("s3cret", "s3cret"));
  EXPECT_FALSE(constantTimeEquals("s3cret", "s3creT"));
  EXPECT_FALSE(constantTimeEquals("s3cret", "s3cret-longer"));
  EXPECT_FALSE(constantTimeEquals("", "x"));
  EXPECT_TRUE(constantTimeEquals("", ""));
}

TEST_F(V1Routes, ListStartsEmpty) {
  Response r = call("GET", "/api/v1/inputs");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(Json(r.body).length("inputs"), 0u);
}

TEST_F(V1Routes, CreateInputAnswers201WithLocationAndMaskedResource) {
  seed();
  ASSERT_EQ(backend_.config().inputs.size(), 1u);
  // The real URLs are kept…
  EXPECT_EQ(backend_.config().inputs[0].url, kCamUrl);
  EXPECT_EQ(backend_.config().inputs[0].outputs[0].url, kYoutubeUrl);

  Response r = call("GET", "/api/v1/inputs/cam1");
  ASSERT_EQ(r.status, 200);
  // …and never shown.
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("abcd-efgh"), std::string::npos) << r.body;
  Json json(r.body);
  EXPECT_EQ(json.str("name"), "cam1");
  EXPECT_EQ(json.str("url"), model::maskUrl(kCamUrl));
  EXPECT_EQ(json.str("outputs.0.url"), model::maskUrl(kYoutubeUrl));
  EXPECT_EQ(json.str("state"), "idle");
  EXPECT_EQ(json.str("outputs.0.state"), "idle");
}

TEST_F(V1Routes, CreateReturnsLocationHeader) {
  Response r = call("POST", "/api/v1/inputs", R"({"name":"cam2","url":"test://"})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_NE(r.header("Location"), nullptr);
  EXPECT_EQ(*r.header("Location"), "/api/v1/inputs/cam2");
  EXPECT_EQ(Json(r.body).str("name"), "cam2");
}

TEST_F(V1Routes, ObservedFieldsAreShown) {
  seed();
  model::InputStatus status;
  status.run.state = model::RunState::Retrying;
  status.run.last_error = "connection refused";
  status.run.retries = 3;
  status.run.next_retry_unix_ms = 1764040500123;  // 2025-11-25T03:15:00.123Z
  status.run.bitrate_bps = 2500000;
  status.run.fps = 29.97;
  status.run.bytes = 123456;
  status.run.uptime_s = 12.5;
  status.media.has_video = true;
  status.media.video_codec = "h264";
  status.media.width = 1920;
  status.media.height = 1080;
  backend_.input_status_["cam1"] = status;
  model::RunStatus out;
  out.state = model::RunState::Live;
  backend_.output_status_[{"cam1", "youtube"}] = out;

  Json json(call("GET", "/api/v1/inputs/cam1").body);
  EXPECT_EQ(json.str("state"), "retrying");
  EXPECT_EQ(json.str("last_error"), "connection refused");
  EXPECT_EQ(json.num("retries"), 3);
  EXPECT_EQ(json.str("next_retry_at"), "2025-11-25T03:15:00.123Z");
  EXPECT_EQ(json.num("bitrate_bps"), 2500000);
  EXPECT_DOUBLE_EQ(json.num("fps"), 29.97);
  EXPECT_EQ(json.num("bytes"), 123456);
  EXPECT_EQ(json.num("uptime_s"), 12.5);
  EXPECT_TRUE(json.boolean("media.has_video"));
  EXPECT_FALSE(json.boolean("media.has_audio"));
  EXPECT_EQ(json.str("media.video_codec"), "h264");
  EXPECT_EQ(json.num("media.width"), 1920);
  EXPECT_EQ(json.str("outputs.0.state"), "live");
  EXPECT_TRUE(json.isNull("outputs.0.last_error"));
  EXPECT_TRUE(json.isNull("outputs.0.next_retry_at"));
}

TEST_F(V1Routes, DuplicateInputIs409AndChangesNothing) {
  seed();
  model::Config before = backend_.config();
  expectRejected(call("POST", "/api/v1/inputs", R"({"name":"cam1","url":"test://"})"), 409,
                 "conflict", before);
}

TEST_F(V1Routes, InvalidFieldsAre422AndChangeNothing) {
  seed();
  model::Config before = backend_.config();
  expectRejected(call("POST", "/api/v1/inputs", R"({"name":"Bad Name","url":"test://"})"), 422,
                 "invalid", before);
  expectRejected(call("POST", "/api/v1/inputs", R"({"name":"cam2","url":"ftp://x/y"})"), 422,
                 "invalid", before);
  expectRejected(call("POST", "/api/v1/inputs", R"({"name":"cam2","url":"test://","bogus":1})"),
                 422, "invalid", before);
  // An output that breaks the rules rejects the whole input.
  expectRejected(
      call("POST", "/api/v1/inputs",
           R"({"name":"cam2","url":"test://","outputs":[{"name":"o","url":"ftp://x"}]})"),
      422, "invalid", before);
  // file:// is refused when no media directory is configured.
  expectRejected(call("POST", "/api/v1/inputs", R"({"name":"cam2","url":"file:///etc/passwd"})"),
                 422, "invalid", before);
}

TEST_F(V1Routes, MaskedUrlForANewInputIs422) {
  std::string masked = model::maskUrl(kCamUrl);
  ASSERT_NE(masked, kCamUrl);
  model::Config before = backend_.config();
  Response r = call("POST", "/api/v1/inputs", R"({"name":"cam9","url":")" + masked + R"("})");
  expectRejected(r, 422, "invalid", before);
  EXPECT_EQ(Json(r.body).str("error.field"), "url");
}

TEST_F(V1Routes, MalformedJsonIs400) {
  model::Config before = backend_.config();
  expectRejected(call("POST", "/api/v1/inputs", R"({"name":)"), 400, "bad_request", before);
  expectRejected(call("POST", "/api/v1/inputs", R"(["not","an","object"])"), 400, "bad_request",
                 before);
  expectRejected(call("POST", "/api/v1/inputs", " "), 400, "bad_request", before);
}

TEST_F(V1Routes, WrongContentTypeIs415) {
  model::Config before = backend_.config();
  const std::string body = R"({"name":"cam2","url":"test://"})";
  expectRejected(call("POST", "/api/v1/inputs", body, "text/plain"), 415, "unsupported_media_type",
                 before);
  expectRejected(call("POST", "/api/v1/inputs", body, ""), 415, "unsupported_media_type", before);
  expectRejected(call("POST", "/api/v1/inputs", body, "application/x-www-form-urlencoded"), 415,
                 "unsupported_media_type", before);
  // A charset parameter is fine.
  EXPECT_EQ(call("POST", "/api/v1/inputs", body, "Application/JSON; charset=utf-8").status, 201);
}

TEST_F(V1Routes, BodyOverTheLimitIs413) {
  model::Config before = backend_.config();
  std::string big = R"({"name":"cam2","url":"test://","pad":")" + std::string(2 << 20, 'x') + "\"}";
  expectRejected(call("POST", "/api/v1/inputs", big), 413, "too_large", before);
}

TEST_F(V1Routes, UnknownRouteIs404Json) {
  Response r = call("GET", "/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r.body).str("error.code"), "not_found");
  EXPECT_EQ(call("GET", "/api/v1/inputs/cam1/outputs/x/y/z").status, 404);
  EXPECT_EQ(call("GET", "/api").status, 404);
}

TEST_F(V1Routes, WrongMethodIs405WithAllow) {
  Response r = call("PUT", "/api/v1/inputs", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Json(r.body).str("error.code"), "method_not_allowed");
  ASSERT_NE(r.header("Allow"), nullptr);
  EXPECT_EQ(*r.header("Allow"), "GET, POST");
  Response one = call("GET", "/api/v1/inputs/cam1/start");
  EXPECT_EQ(one.status, 405);
  EXPECT_EQ(*one.header("Allow"), "POST");
  Response options = call("OPTIONS", "/api/v1/config");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(*options.header("Allow"), "GET, PUT, OPTIONS");
}

TEST_F(V1Routes, UnknownOrImpossibleNamesAre404) {
  seed();
  EXPECT_EQ(call("GET", "/api/v1/inputs/nope").status, 404);
  Response bad = call("GET", "/api/v1/inputs/Not_Valid");
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(Json(bad.body).str("error.code"), "not_found");
  EXPECT_EQ(call("GET", "/api/v1/inputs/..").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/inputs/cam1/outputs/nope").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/inputs/nope/outputs").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/inputs/nope").status, 404);
}

TEST_F(V1Routes, TrailingSlashIsTheSameRoute) {
  seed();
  EXPECT_EQ(call("GET", "/api/v1/inputs/").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/inputs/cam1/").status, 200);
}

TEST_F(V1Routes, PatchChangesOnlyTheGivenFields) {
  seed();
  Response r = call("PATCH", "/api/v1/inputs/cam1", R"({"enabled":false,"transport":"udp"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const model::InputSpec& input = backend_.config().inputs[0];
  EXPECT_FALSE(input.enabled);
  EXPECT_EQ(input.transport, "udp");
  EXPECT_EQ(input.url, kCamUrl);
  ASSERT_EQ(input.outputs.size(), 1u);  // outputs untouched
  EXPECT_FALSE(Json(r.body).boolean("enabled"));
}

TEST_F(V1Routes, PatchWithTheMaskedUrlKeepsTheRealOne) {
  seed();
  // A client reads the resource and sends the (masked) URL back.
  std::string masked = Json(call("GET", "/api/v1/inputs/cam1").body).str("url");
  Response r = call("PATCH", "/api/v1/inputs/cam1", R"({"url":")" + masked + R"(","loop":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config().inputs[0].url, kCamUrl);

  std::string masked_out = Json(call("GET", "/api/v1/inputs/cam1/outputs/youtube").body).str("url");
  r = call("PATCH", "/api/v1/inputs/cam1/outputs/youtube", R"({"url":")" + masked_out + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config().inputs[0].outputs[0].url, kYoutubeUrl);
}

TEST_F(V1Routes, WhatGetReturnsCanBePatchedBack) {
  seed();
  model::Config before = backend_.config();
  // The whole resource: masked URL, observed fields, outputs. Nothing changes…
  std::string body = call("GET", "/api/v1/inputs/cam1").body;
  Response r = call("PATCH", "/api/v1/inputs/cam1", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config(), before);
  body = call("GET", "/api/v1/inputs/cam1/outputs/youtube").body;
  r = call("PATCH", "/api/v1/inputs/cam1/outputs/youtube", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config(), before);
  // …and "outputs" in an input PATCH is ignored: outputs change through their own routes.
  r = call("PATCH", "/api/v1/inputs/cam1", R"({"outputs":[],"enabled":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config().inputs[0].outputs, before.inputs[0].outputs);
  EXPECT_FALSE(backend_.config().inputs[0].enabled);
}

TEST_F(V1Routes, ResourcesShowPublicationAndEffectiveSettings) {
  options_.rtsp_authority = "127.0.0.1:18554";
  seed();
  ASSERT_EQ(call("POST", "/api/v1/inputs/cam1/outputs",
                 R"({"name":"yt2","url":"rtmp://y.example/app/k","preset":"youtube",)"
                 R"("bitrate":6000})")
                .status,
            201);
  Json json(call("GET", "/api/v1/inputs/cam1").body);
  EXPECT_EQ(json.str("rtsp_url"), "rtsp://127.0.0.1:18554/cam1");
  EXPECT_EQ(json.str("outputs.0.profile"), "passthrough");
  EXPECT_TRUE(json.isNull("outputs.0.effective"));
  EXPECT_EQ(json.str("outputs.1.profile"), "transcode");
  EXPECT_EQ(json.str("outputs.1.effective.resolution"), "1920x1080");  // from the preset
  EXPECT_EQ(json.num("outputs.1.effective.bitrate"), 6000);            // explicit wins
  EXPECT_EQ(json.str("outputs.1.effective.video_codec"), "h264");
}

TEST_F(V1Routes, RejectedPatchesChangeNothing) {
  seed();
  model::Config before = backend_.config();
  expectRejected(call("PATCH", "/api/v1/inputs/cam1", R"({"name":"other"})"), 422, "invalid",
                 before);
  expectRejected(call("PATCH", "/api/v1/inputs/cam1", R"({"url":"gopher://x"})"), 422, "invalid",
                 before);
  expectRejected(call("PATCH", "/api/v1/inputs/cam1", R"({"enabled":"yes"})"), 422, "invalid",
                 before);
  expectRejected(call("PATCH", "/api/v1/inputs/cam1", R"({"enabled":)"), 400, "bad_request",
                 before);
  expectRejected(call("PATCH", "/api/v1/inputs/cam1", R"({"enabled":false})", "text/plain"), 415,
                 "unsupported_media_type", before);
  expectRejected(call("PATCH", "/api/v1/inputs/cam1/outputs/youtube", R"({"url":"ftp://x"})"), 422,
                 "invalid", before);
  expectRejected(call("PATCH", "/api/v1/inputs/cam1/outputs/youtube", R"({"preset":"myspace"})"),
                 422, "invalid", before);
  expectRejected(call("PATCH", "/api/v1/inputs/nope", R"({"enabled":false})"), 404, "not_found",
                 before);
}

TEST_F(V1Routes, DeleteInputTakesItsOutputs) {
  seed();
  Response r = call("DELETE", "/api/v1/inputs/cam1");
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(backend_.config().inputs.empty());
  EXPECT_EQ(call("GET", "/api/v1/inputs/cam1/outputs").status, 404);
}

TEST_F(V1Routes, StartAndStopToggleEnabled) {
  seed();
  Response r = call("POST", "/api/v1/inputs/cam1/stop");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(backend_.config().inputs[0].enabled);
  EXPECT_FALSE(Json(r.body).boolean("enabled"));
  r = call("POST", "/api/v1/inputs/cam1/start");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(backend_.config().inputs[0].enabled);

  r = call("POST", "/api/v1/inputs/cam1/outputs/youtube/stop");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(backend_.config().inputs[0].outputs[0].enabled);
  r = call("POST", "/api/v1/inputs/cam1/outputs/youtube/start");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(backend_.config().inputs[0].outputs[0].enabled);
  EXPECT_EQ(call("POST", "/api/v1/inputs/cam1/outputs/nope/start").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/inputs/nope/stop").status, 404);
}

TEST_F(V1Routes, OutputsCrud) {
  seed();
  Response r = call("POST", "/api/v1/inputs/cam1/outputs",
                    R"({"name":"backup","url":"srt://backup.example:9000?passphrase=verysecret1",)"
                    R"("preset":"youtube"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(*r.header("Location"), "/api/v1/inputs/cam1/outputs/backup");
  EXPECT_EQ(r.body.find("verysecret1"), std::string::npos) << r.body;
  EXPECT_EQ(Json(r.body).str("preset"), "youtube");

  Json list(call("GET", "/api/v1/inputs/cam1/outputs").body);
  ASSERT_EQ(list.length("outputs"), 2u);
  EXPECT_EQ(list.str("outputs.0.name"), "youtube");
  EXPECT_EQ(list.str("outputs.1.name"), "backup");

  r = call("PATCH", "/api/v1/inputs/cam1/outputs/backup", R"({"preset":"tiktok"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config().inputs[0].outputs[1].preset, "tiktok");
  EXPECT_EQ(Json(call("GET", "/api/v1/inputs/cam1/outputs/backup").body).str("preset"), "tiktok");

  model::Config before = backend_.config();
  expectRejected(call("POST", "/api/v1/inputs/cam1/outputs",
                      R"({"name":"backup","url":"rtmp://x.example/app/key"})"),
                 409, "conflict", before);
  expectRejected(
      call("POST", "/api/v1/inputs/cam1/outputs", R"({"name":"x","url":"file:///tmp/x"})"), 422,
      "invalid", before);
  expectRejected(call("POST", "/api/v1/inputs/nope/outputs",
                      R"({"name":"x","url":"rtmp://x.example/app/key"})"),
                 404, "not_found", before);

  r = call("DELETE", "/api/v1/inputs/cam1/outputs/backup");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(backend_.config().inputs[0].outputs.size(), 1u);
  EXPECT_EQ(call("DELETE", "/api/v1/inputs/cam1/outputs/backup").status, 404);
}

TEST_F(V1Routes, PresetsListTheirSettings) {
  Json json(call("GET", "/api/v1/presets").body);
  ASSERT_EQ(json.length("presets"), 3u);
  bool found = false;
  for (guint i = 0; i < 3; ++i) {
    std::string p = "presets." + std::to_string(i);
    if (json.str(p + ".name") != "youtube") continue;
    found = true;
    EXPECT_EQ(json.str(p + ".title"), "YouTube");
    EXPECT_EQ(json.str(p + ".resolution"), "1920x1080");
    EXPECT_EQ(json.num(p + ".framerate"), 30);
    EXPECT_EQ(json.num(p + ".bitrate"), 4500);
    EXPECT_EQ(json.str(p + ".video_codec"), "h264");
  }
  EXPECT_TRUE(found);
}

TEST_F(V1Routes, ConfigExportMasksUnlessSecretsAreAsked) {
  seed();
  Response masked = call("GET", "/api/v1/config");
  ASSERT_EQ(masked.status, 200);
  EXPECT_EQ(masked.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(masked.body.find("abcd-efgh"), std::string::npos);
  EXPECT_EQ(Json(masked.body).str("inputs.0.name"), "cam1");
  // No token configured (loopback only): secrets on request.
  Response full = call("GET", "/api/v1/config?include_secrets=true");
  ASSERT_EQ(full.status, 200);
  EXPECT_EQ(Json(full.body).str("inputs.0.url"), kCamUrl);
}

TEST_F(V1Routes, ExportWithSecretsNeedsTheTokenWhenOneIsSet) {
  seed();
  options_.api_token = "tok-123";
  Response denied = call("GET", "/api/v1/config?include_secrets=true");
  EXPECT_EQ(denied.status, 401);
  ASSERT_NE(denied.header("WWW-Authenticate"), nullptr);
  EXPECT_EQ(denied.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(callWithToken("GET", "/api/v1/config?include_secrets=true", "wrong").status, 401);
  Response ok = callWithToken("GET", "/api/v1/config?include_secrets=true", "tok-123");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(Json(ok.body).str("inputs.0.url"), kCamUrl);
  // Plain GETs stay open.
  EXPECT_EQ(call("GET", "/api/v1/config").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/inputs").status, 200);
}

TEST_F(V1Routes, MutationsNeedTheTokenWhenOneIsSet) {
  seed();
  options_.api_token = "tok-123";
  model::Config before = backend_.config();
  const std::string body = R"({"name":"cam2","url":"test://"})";
  Response r = call("POST", "/api/v1/inputs", body);
  expectRejected(r, 401, "unauthorized", before);
  EXPECT_EQ(*r.header("WWW-Authenticate"), "Bearer realm=\"mls\"");
  expectRejected(callWithToken("POST", "/api/v1/inputs", "tok-12", body), 401, "unauthorized",
                 before);
  expectRejected(call("DELETE", "/api/v1/inputs/cam1"), 401, "unauthorized", before);
  expectRejected(call("PATCH", "/api/v1/inputs/cam1", R"({"enabled":false})"), 401, "unauthorized",
                 before);
  expectRejected(call("PUT", "/api/v1/config", R"({"version":1,"inputs":[]})"), 401, "unauthorized",
                 before);
  expectRejected(call("POST", "/api/v1/inputs/cam1/stop"), 401, "unauthorized", before);
  Request lower = makeRequest("POST", "/api/v1/inputs", body);
  lower.headers["authorization"] = "bearer tok-123";  // the scheme is case-insensitive
  EXPECT_EQ(dispatch(lower, backend_, options_).status, 201);
}

TEST_F(V1Routes, ConfigImportReplacesInOneStep) {
  seed();
  int applied = backend_.applied_;
  const std::string masked_cam = model::maskUrl(kCamUrl);
  const std::string masked_yt = model::maskUrl(kYoutubeUrl);
  Response r = call("PUT", "/api/v1/config",
                    R"({"version":1,"inputs":[)"
                    R"({"name":"cam1","url":")" +
                        masked_cam +
                        R"(","outputs":[)"
                        R"({"name":"youtube","url":")" +
                        masked_yt +
                        R"("}]},)"
                        R"({"name":"demo","url":"test://"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.applied_, applied + 1);
  ASSERT_EQ(backend_.config().inputs.size(), 2u);
  // Masked URLs of the same names keep the real ones.
  EXPECT_EQ(backend_.config().inputs[0].url, kCamUrl);
  EXPECT_EQ(backend_.config().inputs[0].outputs[0].url, kYoutubeUrl);
  EXPECT_EQ(backend_.config().inputs[1].name, "demo");
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
}

TEST_F(V1Routes, ExportedConfigImportsBackUnchanged) {
  seed();
  ASSERT_EQ(call("POST", "/api/v1/inputs/cam1/outputs",
                 R"({"name":"tt","url":"rtmps://t.example/app/key-123456","preset":"tiktok",)"
                 R"("rotation":90,"audio":"none"})")
                .status,
            201);
  model::Config before = backend_.config();
  Response exported = call("GET", "/api/v1/config");  // masked
  ASSERT_EQ(exported.status, 200);
  Response r = call("PUT", "/api/v1/config", exported.body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.config(), before);
}

TEST_F(V1Routes, InvalidImportAppliesNothing) {
  seed();
  model::Config before = backend_.config();
  // One bad output among good inputs.
  expectRejected(call("PUT", "/api/v1/config",
                      R"({"version":1,"inputs":[{"name":"a","url":"test://"},)"
                      R"({"name":"b","url":"test://","outputs":[{"name":"o","url":"ftp://x"}]}]})"),
                 422, "invalid", before);
  // Duplicate names.
  expectRejected(call("PUT", "/api/v1/config",
                      R"({"version":1,"inputs":[{"name":"a","url":"test://"},)"
                      R"({"name":"a","url":"test://"}]})"),
                 422, "invalid", before);
  // A masked URL under a name that has no stored URL.
  expectRejected(
      call("PUT", "/api/v1/config",
           R"({"version":1,"inputs":[{"name":"new","url":")" + model::maskUrl(kCamUrl) + R"("}]})"),
      422, "invalid", before);
  expectRejected(call("PUT", "/api/v1/config", "{"), 400, "bad_request", before);
  expectRejected(call("PUT", "/api/v1/config", R"({"inputs":[]})", "text/plain"), 415,
                 "unsupported_media_type", before);
}

TEST_F(V1Routes, SystemShowsBackendInfo) {
  backend_.system_.version = "0.1.0";
  backend_.system_.gstreamer_version = "GStreamer 1.22.0";
  backend_.system_.uptime_s = 42;
  backend_.system_.inputs = 2;
  backend_.system_.outputs = 5;
  backend_.system_.threads = 17;
  backend_.system_.rss_bytes = 1 << 20;
  Json json(call("GET", "/api/v1/system").body);
  EXPECT_EQ(json.str("version"), "0.1.0");
  EXPECT_EQ(json.str("gstreamer_version"), "GStreamer 1.22.0");
  EXPECT_EQ(json.num("uptime_s"), 42);
  EXPECT_EQ(json.num("inputs"), 2);
  EXPECT_EQ(json.num("outputs"), 5);
  EXPECT_EQ(json.num("threads"), 17);
  EXPECT_EQ(json.num("rss_bytes"), 1 << 20);
}

TEST_F(V1Routes, EventsRouteIsAStream) {
  Response r = call("GET", "/api/v1/events");
  EXPECT_TRUE(r.event_stream);
  EXPECT_EQ(call("POST", "/api/v1/events").status, 405);
}

}  // namespace
}  // namespace mls::api::test
