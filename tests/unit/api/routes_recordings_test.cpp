// The recording routes without sockets: GET/DELETE /api/v1/recordings… and the Go-MLS
// /api/recording/list|delete|download|sse, over a FakeRecordingStore (real files in a temporary
// directory), plus the Range parser.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "api/recordings_download.h"
#include "api_test_util.h"
#include "fake_backend.h"
#include "fake_recording_store.h"

namespace mls::api::test {
namespace {

constexpr const char* kFile = "cam1_20261130T140000Z.mp4";
const std::string kBytes = "0123456789abcdefghij";  // 20 bytes

std::string readBody(const Response& response) {
  if (!response.file) return "<no file>";
  std::string bytes(response.file->length, '\0');
  ssize_t n = pread(response.file->fd, bytes.data(), bytes.size(),
                    static_cast<off_t>(response.file->offset));
  bytes.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return bytes;
}

std::string headerOf(const Response& response, const std::string& name) {
  const std::string* value = response.header(name);
  return value ? *value : "<none>";
}

class RecordingRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_.store_ = &store_;
    model::InputSpec cam1;
    cam1.name = "cam1";
    cam1.url = "rtmp://example.com/live/secretstreamkey123";
    backend_.config_.inputs.push_back(cam1);
  }
  Response call(const std::string& method, const std::string& path, const std::string& body = {},
                std::map<std::string, std::string> headers = {}) {
    Request request = makeRequest(method, path, body);
    for (auto& [name, value] : headers) request.headers[name] = value;
    return dispatch(request, backend_, options_);
  }

  FakeBackend backend_;
  FakeRecordingStore store_;
  ApiOptions options_;
};

TEST_F(RecordingRoutes, ListsNewestFirstWithTheDocumentedShape) {
  auto& done = store_.add("cam1", kFile, kBytes);
  done.duration_s = 600.0;
  done.video_codec = "h264";
  done.audio_codec = "aac";
  store_.add("cam1", "cam1_20261130T141000Z.mp4", "x", recordings::SegmentState::Recording);
  store_.add("cam2", "cam2_20261130T120000Z.ts", "y", recordings::SegmentState::Interrupted);
  Response r = call("GET", "/api/v1/recordings");
  ASSERT_EQ(r.status, 200) << r.body;
  Json json(r.body);
  ASSERT_EQ(json.length("recordings"), 3u);
  EXPECT_EQ(json.str("recordings.0.file"), "cam1_20261130T141000Z.mp4");
  EXPECT_EQ(json.str("recordings.0.state"), "recording");
  EXPECT_TRUE(json.isNull("recordings.0.end"));
  EXPECT_TRUE(json.isNull("recordings.0.duration_s"));
  EXPECT_EQ(json.str("recordings.1.input"), "cam1");
  EXPECT_EQ(json.str("recordings.1.file"), kFile);
  EXPECT_EQ(json.num("recordings.1.size_bytes"), 20);
  EXPECT_EQ(json.str("recordings.1.start"), "2026-11-30T14:00:00Z");
  EXPECT_EQ(json.str("recordings.1.end"), "2026-11-30T14:10:00Z");
  EXPECT_EQ(json.num("recordings.1.duration_s"), 600.0);
  EXPECT_EQ(json.str("recordings.1.video_codec"), "h264");
  EXPECT_EQ(json.str("recordings.1.audio_codec"), "aac");
  EXPECT_EQ(json.str("recordings.1.state"), "complete");
  EXPECT_EQ(json.str("recordings.1.url"), std::string("/api/v1/recordings/cam1/") + kFile);
  EXPECT_EQ(json.str("recordings.2.state"), "interrupted");
  EXPECT_TRUE(json.isNull("recordings.2.video_codec"));

  EXPECT_EQ(Json(call("GET", "/api/v1/recordings?input=cam2").body).length("recordings"), 1u);
  Json ranged(call("GET", "/api/v1/recordings?from=2026-11-30T13:00:00Z&to=2026-11-30T14:05:00Z")
                  .body);
  ASSERT_EQ(ranged.length("recordings"), 1u);
  EXPECT_EQ(ranged.str("recordings.0.file"), kFile);
}

TEST_F(RecordingRoutes, BadFiltersAre422NamingTheField) {
  for (const char* field : {"from", "to"}) {
    Response r = call("GET", std::string("/api/v1/recordings?") + field + "=yesterday");
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(Json(r.body).str("error.field"), field);
  }
  Response r = call("GET", "/api/v1/recordings?input=../etc");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Json(r.body).str("error.field"), "input");
  r = call("GET", "/api/v1/recordings?from=2026-11-30T15:00:00Z&to=2026-11-30T14:00:00Z");
  EXPECT_EQ(r.status, 422);
}

TEST_F(RecordingRoutes, NoCatalogIs503) {
  backend_.store_ = nullptr;
  EXPECT_EQ(call("GET", "/api/v1/recordings").status, 503);
  EXPECT_EQ(call("GET", std::string("/api/v1/recordings/cam1/") + kFile).status, 503);
  EXPECT_EQ(call("GET", "/api/recording/list").status, 503);
}

TEST_F(RecordingRoutes, GetServesTheFileWithRanges) {
  store_.add("cam1", kFile, kBytes);
  const std::string url = std::string("/api/v1/recordings/cam1/") + kFile;
  Response r = call("GET", url);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "video/mp4");
  EXPECT_EQ(readBody(r), kBytes);
  EXPECT_EQ(headerOf(r, "Accept-Ranges"), "bytes");
  EXPECT_NE(headerOf(r, "ETag"), "<none>");
  EXPECT_NE(headerOf(r, "Last-Modified").find("GMT"), std::string::npos);
  EXPECT_EQ(r.header("Content-Disposition"), nullptr);

  r = call("GET", url, {}, {{"range", "bytes=2-5"}});
  ASSERT_EQ(r.status, 206);
  EXPECT_EQ(readBody(r), "2345");
  EXPECT_EQ(headerOf(r, "Content-Range"), "bytes 2-5/20");
  r = call("GET", url, {}, {{"range", "bytes=-3"}});
  ASSERT_EQ(r.status, 206);
  EXPECT_EQ(readBody(r), "hij");
  r = call("GET", url, {}, {{"range", "bytes=18-"}});
  ASSERT_EQ(r.status, 206);
  EXPECT_EQ(readBody(r), "ij");
  r = call("GET", url, {}, {{"range", "bytes=20-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(headerOf(r, "Content-Range"), "bytes */20");
  EXPECT_FALSE(r.file);
  r = call("GET", url, {}, {{"range", "bytes=0-1,4-5"}});  // several ranges: all of it
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(readBody(r), kBytes);

  const std::string etag = headerOf(call("GET", url), "ETag");
  EXPECT_EQ(call("GET", url, {}, {{"if-none-match", etag}}).status, 304);
  r = call("GET", url, {}, {{"range", "bytes=2-5"}, {"if-range", "\"stale\""}});
  EXPECT_EQ(r.status, 200);
  r = call("GET", url, {}, {{"range", "bytes=2-5"}, {"if-range", etag}});
  EXPECT_EQ(r.status, 206);

  r = call("HEAD", url);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(r.file);
  EXPECT_EQ(r.file->length, 20u);
  r = call("GET", url + "?download=1");
  EXPECT_EQ(headerOf(r, "Content-Disposition"), std::string("attachment; filename=\"") + kFile + "\"");

  store_.add("cam1", "cam1_20261130T150000Z.ts", "ts");
  EXPECT_EQ(call("GET", "/api/v1/recordings/cam1/cam1_20261130T150000Z.ts").content_type,
            "video/mp2t");
}

TEST_F(RecordingRoutes, UnknownAndForeignNamesAre404) {
  store_.add("cam1", kFile, kBytes);
  for (const std::string& path :
       {std::string("/api/v1/recordings/cam1/cam1_20261130T150000Z.mp4"),
        std::string("/api/v1/recordings/cam2/") + kFile,  // the name is cam1's
        std::string("/api/v1/recordings/cam1/..%2F..%2Fetc%2Fpasswd"),
        std::string("/api/v1/recordings/cam1/%2e%2e"),
        std::string("/api/v1/recordings/cam1/.") + kFile,
        std::string("/api/v1/recordings/cam1/..\\") + kFile,
        std::string("/api/v1/recordings/..%2Fcam1/") + kFile,
        std::string("/api/v1/recordings/cam1/notes.txt")}) {
    EXPECT_EQ(call("GET", path).status, 404) << path;
    EXPECT_EQ(call("DELETE", path).status, 404) << path;
  }
  EXPECT_EQ(store_.removed_, 0);
}

TEST_F(RecordingRoutes, DeleteIs204Then404And409WhileRecording) {
  store_.add("cam1", kFile, kBytes);
  store_.add("cam1", "cam1_20261130T141000Z.mp4", "x", recordings::SegmentState::Recording);
  const std::string url = std::string("/api/v1/recordings/cam1/") + kFile;
  Response r = call("DELETE", url);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(store_.removed_, 1);
  EXPECT_EQ(call("DELETE", url).status, 404);
  r = call("DELETE", "/api/v1/recordings/cam1/cam1_20261130T141000Z.mp4");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Json(r.body).str("error.code"), "conflict");
  options_.api_token = "t0ken";
  EXPECT_EQ(call("DELETE", "/api/v1/recordings/cam1/cam1_20261130T141000Z.mp4").status, 401);
}

TEST_F(RecordingRoutes, GoMlsListShape) {
  store_.add("cam1", kFile, kBytes).duration_s = 600.0;
  store_.add("cam1", "cam1_20261130T141000Z.mp4", "x", recordings::SegmentState::Recording);
  store_.add("gone", "gone_20261130T120000Z.mp4", "y");
  Response r = call("GET", "/api/recording/list");
  ASSERT_EQ(r.status, 200) << r.body;
  Json json(r.body);
  ASSERT_EQ(json.length(""), 3u);
  EXPECT_EQ(json.str("0.name"), "cam1");
  EXPECT_TRUE(json.boolean("0.active"));
  EXPECT_EQ(json.str("0.stopped_at"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(json.str("1.filename"), kFile);
  EXPECT_EQ(json.num("1.file_size"), 20);
  EXPECT_EQ(json.str("1.started_at"), "2026-11-30T14:00:00Z");
  EXPECT_EQ(json.str("1.stopped_at"), "2026-11-30T14:10:00Z");
  EXPECT_FALSE(json.boolean("1.active"));
  EXPECT_EQ(json.str("1.source").find("secretstreamkey123"), std::string::npos);
  EXPECT_NE(json.str("1.source").find("rtmp://example.com/live/"), std::string::npos);
  EXPECT_EQ(json.str("2.source"), "");
}

TEST_F(RecordingRoutes, GoMlsDelete) {
  store_.add("cam1", kFile, kBytes);
  store_.add("cam1", "cam1_20261130T141000Z.mp4", "x", recordings::SegmentState::Recording);
  auto del = [&](const std::string& body) { return call("POST", "/api/recording/delete", body); };
  Response r = del(R"({"filename":""})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r.body).str("error"), "Filename required");
  EXPECT_EQ(Json(del(R"({"filename":"x","other":1})").body).str("error"), "Invalid request");
  for (const char* bad : {"../cam1_20261130T140000Z.mp4", "/etc/passwd", "..\\x.mp4",
                          "cam2/cam1_20261130T140000Z.mp4", ".cam1_20261130T140000Z.mp4"}) {
    r = del(std::string(R"({"filename":")") + bad + "\"}");
    EXPECT_EQ(r.status, 400) << bad;
  }
  r = del(R"({"filename":"cam1_20261130T141000Z.mp4"})");
  EXPECT_EQ(r.status, 409);
  r = del(R"({"filename":"cam1_20261130T150000Z.mp4"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r.body).str("error"), "File not found");
  EXPECT_EQ(store_.removed_, 0);
  r = del(std::string(R"({"filename":"cam1/)") + kFile + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).str("status"), "recording deleted");
  EXPECT_EQ(store_.removed_, 1);
}

TEST_F(RecordingRoutes, GoMlsDownload) {
  store_.add("cam1", kFile, kBytes);
  Response r = call("GET", "/api/recording/download");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r.body).str("error"), "Missing filename");
  r = call("GET", "/api/recording/download?filename=cam1_20261130T140000Z.avi");
  EXPECT_EQ(Json(r.body).str("error"), "Invalid file type");
  r = call("GET", "/api/recording/download?filename=..%2Fcam1_20261130T140000Z.mp4");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r.body).str("error"), "Invalid filename");
  r = call("GET", "/api/recording/download?filename=cam1_20261130T150000Z.mp4");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r.body).str("error"), "File not found");
  r = call("GET", std::string("/api/recording/download?filename=") + kFile);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(readBody(r), kBytes);
  EXPECT_EQ(headerOf(r, "Content-Disposition"),
            std::string("attachment; filename=\"") + kFile + "\"");
  EXPECT_TRUE(call("GET", "/api/recording/sse").recording_nudges);
}

TEST(ParseRange, Forms) {
  auto parse = [](const char* header, uint64_t size) {
    std::string value = header;
    return parseRange(&value, size);
  };
  using Kind = RangeRequest::Kind;
  EXPECT_EQ(parseRange(nullptr, 10).kind, Kind::Whole);
  auto r = parse("bytes=0-0", 10);
  EXPECT_EQ(r.kind, Kind::Partial);
  EXPECT_EQ(r.length, 1u);
  r = parse("bytes=5-100", 10);
  EXPECT_EQ(r.offset, 5u);
  EXPECT_EQ(r.length, 5u);
  r = parse("bytes=-100", 10);
  EXPECT_EQ(r.offset, 0u);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(parse("bytes=10-", 10).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse("bytes=-0", 10).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse("bytes=0-", 0).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse("bytes=5-2", 10).kind, Kind::Whole);
  EXPECT_EQ(parse("items=0-1", 10).kind, Kind::Whole);
  EXPECT_EQ(parse("bytes=x-1", 10).kind, Kind::Whole);
  EXPECT_EQ(parse("bytes=0-1,3-4", 10).kind, Kind::Whole);
}

}  // namespace
}  // namespace mls::api::test
