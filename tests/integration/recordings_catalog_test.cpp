// The recording catalog and its routes against the real mlsd. The recorder is not involved:
// segment files and markers are put into the recordings directory by hand (a real fragmented
// MP4 made by gst-launch-1.0, and plain bytes), the way files copied in or deleted by an
// operator would appear. Covered: the first scan, changes outside mls (new, growing, closed,
// deleted, a folder appearing) in GET /api/v1/recordings and as SSE events, the Go-MLS nudge
// stream, downloads byte-exact with Range (and ffprobe reading the URL as a player does), HEAD,
// 416, DELETE 204/409/404, every path-traversal form sent raw with curl --path-as-is (a
// symlink in an input folder, a symlinked input folder), the Go-MLS list/delete/download, and
// retention with a tiny maximum age.
#include <gtest/gtest.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "ffprobe.h"
#include "fixture.h"
#include "http_client.h"
#include "mlsd.h"

namespace mls::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFile = "cam1_20261130T140000Z.mp4";

void writeFile(const fs::path& path, const std::string& bytes, bool append = false) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << bytes;
}

void setMtime(const fs::path& path, int64_t unix_s) {
  struct timeval times[2] = {{static_cast<time_t>(unix_s), 0}, {static_cast<time_t>(unix_s), 0}};
  utimes(path.c_str(), times);
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A 2 s H.264 + AAC fragmented MP4 (1 s fragments), as the recorder writes them.
std::string realSegment(const fs::path& dir) {
  const fs::path out = dir / "made.mp4";
  const std::string line =
      "gst-launch-1.0 -q videotestsrc num-buffers=60 ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! x264enc speed-preset=ultrafast "
      "key-int-max=30 ! h264parse ! mp4mux fragment-duration=1000 name=m ! filesink location=" +
      out.string() +
      " audiotestsrc num-buffers=94 samplesperbuffer=1024 ! audio/x-raw,rate=48000 ! avenc_aac "
      "! aacparse ! m.";
  gint status = 0;
  EXPECT_TRUE(g_spawn_command_line_sync(line.c_str(), nullptr, nullptr, &status, nullptr) &&
              status == 0)
      << line;
  return readFile(out);
}

// curl with the path sent exactly as given; returns the status and the body.
std::pair<int, std::string> curlRaw(const std::string& method, const std::string& url) {
  const fs::path body = uniqueOutputPath("curl-body", ".bin");
  std::string command = "curl --path-as-is -s -m 10 -X " + method + " -o '" + body.string() +
                        "' -w '%{http_code}' '" + url + "'";
  gchar* out = nullptr;
  gint status = 0;
  g_spawn_command_line_sync(command.c_str(), &out, nullptr, &status, nullptr);
  int code = out ? std::atoi(out) : 0;
  g_free(out);
  return {code, readFile(body)};
}

class RecordingsCatalog : public LoopTest {
 protected:
  void startMlsd(std::vector<std::string> extra = {}) {
    recordings_ = outputDir_ / "recordings";
    MlsdOptions options;
    options.args = {"--recordings-dir", recordings_.string(), "--disk-min-free", "0"};
    options.args.insert(options.args.end(), extra.begin(), extra.end());
    mlsd_ = std::make_unique<Mlsd>(options);
    ASSERT_TRUE(mlsd_->start());
  }
  void TearDown() override {
    if (mlsd_) {
      EXPECT_EQ(mlsd_->stop(), 0);
    }
    LoopTest::TearDown();
  }
  // The listing once `predicate` holds for it (polled, with a deadline).
  JsonNodePtr listingWhen(const std::function<bool(JsonNode*)>& predicate,
                          const std::string& query = "") {
    JsonNodePtr last;
    runUntil(
        [&] {
          HttpResponse r = request("GET", mlsd_->url("/api/v1/recordings" + query));
          last = r.json();
          return r.status == 200 && last && predicate(last.get());
        },
        10s);
    return last;
  }
  static int count(JsonNode* root) { return jsonSize(root, "recordings"); }

  fs::path recordings_;
  std::unique_ptr<Mlsd> mlsd_;
};

TEST_F(RecordingsCatalog, ListsFilesAndFollowsChangesMadeOutsideMls) {
  const std::string segment = realSegment(outputDir_);
  writeFile(outputDir_ / "recordings" / "cam1" / kFile, segment);
  writeFile(outputDir_ / "recordings" / "cam1" / "cam1_20261130T130000Z.ts", "ts bytes");
  writeFile(outputDir_ / "recordings" / "cam1" / ".cam1_20261130T130000Z.ts.interrupted", "");
  // Not a real container (no duration): it ends at its last modification, 13:10.
  setMtime(outputDir_ / "recordings" / "cam1" / "cam1_20261130T130000Z.ts", 1796044200);
  startMlsd();
  SseClient events(mlsd_->url("/api/v1/events"));
  SseClient nudges(mlsd_->url("/api/recording/sse"));
  ASSERT_TRUE(events.waitConnected(5s));
  ASSERT_TRUE(nudges.waitConnected(5s));

  JsonNodePtr list = listingWhen([](JsonNode* root) { return count(root) == 2; });
  ASSERT_TRUE(list);
  ASSERT_EQ(count(list.get()), 2);
  EXPECT_EQ(jsonString(list.get(), "recordings.0.file"), kFile);
  EXPECT_EQ(jsonString(list.get(), "recordings.0.state"), "complete");
  EXPECT_EQ(jsonString(list.get(), "recordings.0.video_codec"), "h264");
  EXPECT_EQ(jsonString(list.get(), "recordings.0.audio_codec"), "aac");
  EXPECT_NEAR(jsonDouble(list.get(), "recordings.0.duration_s").value_or(0), 2.0, 0.1);
  EXPECT_EQ(jsonString(list.get(), "recordings.0.end"), "2026-11-30T14:00:02Z");
  EXPECT_EQ(jsonInt(list.get(), "recordings.0.size_bytes"), static_cast<int64_t>(segment.size()));
  EXPECT_EQ(jsonString(list.get(), "recordings.1.state"), "interrupted");

  // A new input folder with a segment being written, growing, then closed, then deleted.
  const fs::path cam2 = recordings_ / "cam2";
  const std::string file2 = "cam2_20261130T150000Z.mp4";
  writeFile(cam2 / ("." + file2 + ".open"), "");
  writeFile(cam2 / file2, segment.substr(0, 1000));
  auto is = [&](const std::string& phase) {
    return [phase, file2](const SseEvent& e) {
      return e.data.find("\"file\":\"" + file2 + "\"") != std::string::npos &&
             e.data.find("\"phase\":\"" + phase + "\"") != std::string::npos;
    };
  };
  auto created = events.waitForEvent("recording.segment", is("new"), 10s);
  ASSERT_TRUE(created);
  EXPECT_NE(created->data.find("\"state\":\"recording\""), std::string::npos) << created->data;
  EXPECT_NE(created->data.find("\"input\":\"cam2\""), std::string::npos);
  ASSERT_TRUE(nudges.waitForEvent("message", [](const SseEvent& e) { return e.data == "update"; },
                                  10s));
  writeFile(cam2 / file2, segment.substr(1000), true);
  ASSERT_TRUE(events.waitForEvent("recording.segment", is("growing"), 10s));
  list = listingWhen([](JsonNode* root) {
    return jsonString(root, "recordings.0.state") == std::string("recording");
  });
  EXPECT_TRUE(list && jsonAt(list.get(), "recordings.0.end") &&
              JSON_NODE_HOLDS_NULL(jsonAt(list.get(), "recordings.0.end")));
  fs::remove(cam2 / ("." + file2 + ".open"));
  auto closed = events.waitForEvent("recording.segment", is("closed"), 10s);
  ASSERT_TRUE(closed);
  EXPECT_NE(closed->data.find("\"state\":\"complete\""), std::string::npos);
  EXPECT_NE(closed->data.find("\"size_bytes\":" + std::to_string(segment.size())),
            std::string::npos);
  list = listingWhen([](JsonNode* root) {
    return jsonDouble(root, "recordings.0.duration_s").value_or(0) > 1.5;
  });
  EXPECT_NEAR(jsonDouble(list.get(), "recordings.0.duration_s").value_or(0), 2.0, 0.1);

  list = listingWhen([](JsonNode* root) { return count(root) == 1; }, "?input=cam2");
  EXPECT_EQ(count(list.get()), 1);
  list = listingWhen([](JsonNode* root) { return count(root) == 1; },
                     "?from=2026-11-30T13:59:00Z&to=2026-11-30T14:30:00Z");
  EXPECT_EQ(count(list.get()), 1);
  EXPECT_EQ(jsonString(list.get(), "recordings.0.file"), kFile);
  HttpResponse bad = request("GET", mlsd_->url("/api/v1/recordings?from=soon"));
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(jsonString(bad.json().get(), "error.field"), "from");

  fs::remove(cam2 / file2);
  auto deleted = events.waitForEvent(
      "recording.deleted",
      [&](const SseEvent& e) { return e.data.find(file2) != std::string::npos; }, 10s);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->data, "{\"input\":\"cam2\",\"file\":\"" + file2 + "\"}");
  list = listingWhen([](JsonNode* root) { return count(root) == 2; });
  EXPECT_EQ(count(list.get()), 2);
}

TEST_F(RecordingsCatalog, DownloadsWithRangeAndDeletes) {
  const std::string segment = realSegment(outputDir_);
  writeFile(outputDir_ / "recordings" / "cam1" / kFile, segment);
  const std::string open_file = "cam1_20261130T141000Z.mp4";
  // A marker present at start-up means a crash (mlsd repairs that segment), so the segment
  // "being written" gets its marker once mlsd runs, marker first, as the recorder does.
  startMlsd();
  writeFile(outputDir_ / "recordings" / "cam1" / ("." + open_file + ".open"), "");
  writeFile(outputDir_ / "recordings" / "cam1" / open_file, segment.substr(0, 5000));
  listingWhen([&](JsonNode* root) {
    return count(root) == 2 && jsonString(root, "recordings.0.state") == "recording";
  });
  const std::string url = mlsd_->url(std::string("/api/v1/recordings/cam1/") + kFile);

  HttpResponse r = request("GET", url);
  ASSERT_EQ(r.status, 200u) << r.error;
  EXPECT_TRUE(r.body == segment) << r.body.size() << " vs " << segment.size();
  EXPECT_EQ(r.header("content-type"), "video/mp4");
  EXPECT_EQ(r.header("content-length"), std::to_string(segment.size()));
  EXPECT_EQ(r.header("accept-ranges"), "bytes");
  EXPECT_FALSE(r.header("etag").empty());
  EXPECT_FALSE(r.header("last-modified").empty());

  r = request("GET", url, {}, {{"Range", "bytes=1000-20999"}});
  ASSERT_EQ(r.status, 206u);
  EXPECT_TRUE(r.body == segment.substr(1000, 20000));
  EXPECT_EQ(r.header("content-range"),
            "bytes 1000-20999/" + std::to_string(segment.size()));
  r = request("GET", url, {}, {{"Range", "bytes=-100"}});
  ASSERT_EQ(r.status, 206u);
  EXPECT_TRUE(r.body == segment.substr(segment.size() - 100));
  r = request("HEAD", url);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-length"), std::to_string(segment.size()));
  EXPECT_TRUE(r.body.empty());
  r = request("GET", url, {}, {{"Range", "bytes=" + std::to_string(segment.size()) + "-"}});
  EXPECT_EQ(r.status, 416u);
  EXPECT_EQ(r.header("content-range"), "bytes */" + std::to_string(segment.size()));

  // A player reading the URL (ffprobe seeks with Range, as a browser's <video> does).
  ProbeResult probed = probe(url);
  ASSERT_TRUE(probed.ok) << probed.describe();
  EXPECT_EQ(probed.videoCodec, "h264");
  EXPECT_EQ(probed.audioCodec, "aac");

  // The segment being written downloads with its current bytes, and cannot be deleted.
  const std::string open_url = mlsd_->url("/api/v1/recordings/cam1/" + open_file);
  r = request("GET", open_url);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.size(), 5000u);
  r = request("DELETE", open_url);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(jsonString(r.json().get(), "error.code"), "conflict");
  EXPECT_TRUE(fs::exists(recordings_ / "cam1" / open_file));

  r = request("DELETE", url);
  EXPECT_EQ(r.status, 204u);
  EXPECT_FALSE(fs::exists(recordings_ / "cam1" / kFile));
  EXPECT_EQ(request("DELETE", url).status, 404u);
  EXPECT_EQ(request("GET", url).status, 404u);
  JsonNodePtr list = listingWhen([](JsonNode* root) { return count(root) == 1; });
  EXPECT_EQ(count(list.get()), 1);
}

TEST_F(RecordingsCatalog, NoRequestEscapesTheRecordingsDirectory) {
  const fs::path outside = outputDir_ / "outside";
  writeFile(outside / "secret.mp4", "SECRET-OUTSIDE-CONTENT");
  writeFile(outside / kFile, "OUTSIDE-SEGMENT-CONTENT");
  writeFile(outputDir_ / "recordings" / "cam1" / kFile, "inside");
  writeFile(outputDir_ / "recordings" / kFile, "ROOT-FILE-CONTENT");
  // A symlink in an input folder pointing outside, and a symlinked input folder.
  fs::create_directories(outputDir_ / "recordings" / "cam1");
  fs::create_symlink(outside / "secret.mp4",
                     outputDir_ / "recordings" / "cam1" / "cam1_20261130T150000Z.mp4");
  fs::create_directory_symlink(outside, outputDir_ / "recordings" / "cam2");
  startMlsd();
  JsonNodePtr list = listingWhen([](JsonNode* root) { return count(root) == 1; });
  ASSERT_EQ(count(list.get()), 1) << "only the real segment is listed";

  const std::string v1 = "/api/v1/recordings/";
  const std::string rel = "../outside/secret.mp4";
  const std::vector<std::string> targets = {
      v1 + "cam1/../../outside/secret.mp4",
      v1 + "cam1/..%2F..%2Foutside%2Fsecret.mp4",
      v1 + "cam1/%2e%2e%2f%2e%2e%2foutside%2fsecret.mp4",
      v1 + "cam1/%2E%2E",
      v1 + "cam1/..",
      v1 + "%2e%2e/" + kFile,
      v1 + "../" + kFile,
      v1 + "cam1/..%5C..%5Coutside%5Csecret.mp4",
      v1 + "cam1/" + (outside / "secret.mp4").string(),
      v1 + "cam1/%2F" + (outside / "secret.mp4").relative_path().string(),
      v1 + "cam1/cam1_20261130T150000Z.mp4",  // the symlink
      v1 + "cam2/" + kFile,                   // through the symlinked folder
      v1 + "cam1/." + kFile,
      "/api/recording/download?filename=" + rel,
      "/api/recording/download?filename=..%2F..%2Foutside%2Fsecret.mp4",
      "/api/recording/download?filename=" + (outside / kFile).string(),
      "/api/recording/download?filename=cam2%2F" + std::string(kFile),
      "/api/recording/download?filename=cam1_20261130T150000Z.mp4",
      "/api/recording/download?filename=..%5C" + std::string(kFile),
  };
  for (const std::string& target : targets) {
    auto [status, body] = curlRaw("GET", mlsd_->url(target));
    // libsoup removes dot segments (also %2E%2E) before routing: ".../cam1/.." is the listing.
    const bool listing = status == 200 && body.find("{\"recordings\":[") == 0;
    EXPECT_TRUE(status == 400 || status == 404 || listing) << target << " -> " << status;
    EXPECT_EQ(body.find("OUTSIDE"), std::string::npos) << target;
    EXPECT_EQ(body.find("ROOT-FILE"), std::string::npos) << target;
    auto [deleted, ignored] = curlRaw("DELETE", mlsd_->url(target));
    EXPECT_TRUE(deleted == 400 || deleted == 404 || deleted == 405) << target << " -> " << deleted;
  }
  for (const std::string& filename :
       {rel, (outside / "secret.mp4").string(), "cam2/" + std::string(kFile),
        std::string("cam1_20261130T150000Z.mp4"), "cam1/../../outside/" + std::string(kFile)}) {
    HttpResponse r = request("POST", mlsd_->url("/api/recording/delete"),
                             "{\"filename\":\"" + filename + "\"}");
    EXPECT_TRUE(r.status == 400u || r.status == 404u) << filename << " -> " << r.status;
  }
  EXPECT_EQ(readFile(outside / "secret.mp4"), "SECRET-OUTSIDE-CONTENT");
  EXPECT_EQ(readFile(outside / kFile), "OUTSIDE-SEGMENT-CONTENT");
  EXPECT_EQ(readFile(outputDir_ / "recordings" / kFile), "ROOT-FILE-CONTENT");
  EXPECT_TRUE(fs::is_symlink(outputDir_ / "recordings" / "cam1" / "cam1_20261130T150000Z.mp4"));
  EXPECT_EQ(request("GET", mlsd_->url(v1 + "cam1/" + kFile)).body, "inside");
}

TEST_F(RecordingsCatalog, GoMlsRoutes) {
  const std::string segment = realSegment(outputDir_);
  writeFile(outputDir_ / "recordings" / "cam1" / kFile, segment);
  startMlsd();
  writeFile(outputDir_ / "recordings" / "cam1" / ".cam1_20261130T141000Z.mp4.open", "");
  writeFile(outputDir_ / "recordings" / "cam1" / "cam1_20261130T141000Z.mp4", "growing");
  ASSERT_EQ(request("POST", mlsd_->url("/api/v1/inputs"),
                    R"({"name":"cam1","url":"rtmp://127.0.0.1:1/live/secretkey12345","enabled":false})")
                .status,
            201u);
  JsonNodePtr list;
  runUntil(
      [&] {
        list = request("GET", mlsd_->url("/api/recording/list")).json();
        return list && jsonSize(list.get(), "") == 2 && jsonBool(list.get(), "0.active") == true;
      },
      10s);
  ASSERT_EQ(jsonSize(list.get(), ""), 2);
  EXPECT_EQ(jsonString(list.get(), "0.name"), "cam1");
  EXPECT_EQ(jsonBool(list.get(), "0.active"), true);
  EXPECT_EQ(jsonString(list.get(), "0.stopped_at"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(jsonString(list.get(), "1.filename"), kFile);
  EXPECT_EQ(jsonInt(list.get(), "1.file_size"), static_cast<int64_t>(segment.size()));
  EXPECT_EQ(jsonString(list.get(), "1.started_at"), "2026-11-30T14:00:00Z");
  EXPECT_EQ(jsonString(list.get(), "1.stopped_at"), "2026-11-30T14:00:02Z");
  EXPECT_EQ(jsonBool(list.get(), "1.active"), false);
  const std::string source = jsonString(list.get(), "1.source").value_or("");
  EXPECT_EQ(source.find("secretkey12345"), std::string::npos) << source;
  EXPECT_EQ(source.rfind("rtmp://127.0.0.1:1/live/", 0), 0u) << source;

  HttpResponse r =
      request("GET", mlsd_->url(std::string("/api/recording/download?filename=") + kFile));
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.body == segment);
  EXPECT_EQ(r.header("content-disposition"), std::string("attachment; filename=\"") + kFile + "\"");
  EXPECT_EQ(jsonString(request("GET", mlsd_->url("/api/recording/download")).json().get(), "error"),
            "Missing filename");

  r = request("POST", mlsd_->url("/api/recording/delete"),
              R"({"filename":"cam1_20261130T141000Z.mp4"})");
  EXPECT_EQ(r.status, 409u);
  r = request("POST", mlsd_->url("/api/recording/delete"), R"({"filename":""})");
  EXPECT_EQ(jsonString(r.json().get(), "error"), "Filename required");
  r = request("POST", mlsd_->url("/api/recording/delete"),
              std::string(R"({"filename":")") + kFile + "\"}");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(jsonString(r.json().get(), "status"), "recording deleted");
  EXPECT_FALSE(fs::exists(recordings_ / "cam1" / kFile));
  r = request("POST", mlsd_->url("/api/recording/delete"),
              std::string(R"({"filename":")") + kFile + "\"}");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(jsonString(r.json().get(), "error"), "File not found");
}

long peakRssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

TEST_F(RecordingsCatalog, AGigabyteDownloadKeepsMlsdMemoryFlat) {
  // A sparse 1 GiB segment: no disk used, and mlsd must stream it, not hold it.
  const fs::path file = outputDir_ / "recordings" / "cam1" / kFile;
  writeFile(file, "");
  fs::resize_file(file, 1ull << 30);
  startMlsd();
  const long before = peakRssKiB(mlsd_->process().pid());
  const std::string command = "curl -s -m 120 -o /dev/null -w '%{http_code} %{size_download}' '" +
                              mlsd_->url(std::string("/api/v1/recordings/cam1/") + kFile) + "'";
  gchar* out = nullptr;
  gint status = 0;
  ASSERT_TRUE(g_spawn_command_line_sync(command.c_str(), &out, nullptr, &status, nullptr));
  const std::string result = out ? out : "";
  g_free(out);
  const long after = peakRssKiB(mlsd_->process().pid());
  EXPECT_EQ(result, "200 " + std::to_string(1ull << 30));
  std::printf("mlsd peak RSS around a 1 GiB download: %ld -> %ld KiB\n", before, after);
#if !defined(__SANITIZE_ADDRESS__)
  // An ASan mlsd keeps freed chunks in its quarantine (256 MB): the bound is for the plain build.
  EXPECT_LT(after - before, 16 * 1024);
#endif
}

class RecordingsRetention : public RecordingsCatalog {};

TEST_F(RecordingsRetention, DeletesSegmentsOlderThanTheMaxAgeButNeverAnOpenOne) {
  const int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  auto name = [](int64_t start) {
    g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(start);
    g_autofree gchar* stamp = g_date_time_format(time, "%Y%m%dT%H%M%SZ");
    return std::string("cam1_") + stamp + ".ts";
  };
  const fs::path cam1 = outputDir_ / "recordings" / "cam1";
  const std::string old_file = name(now - 3600), open_file = name(now - 3000);
  // A marker present at start-up means a crash (mlsd repairs that segment): the segment being
  // written gets its files once mlsd runs, marker first, as the recorder does.
  fs::create_directories(cam1);
  startMlsd({"--retention-max-age", "30"});
  writeFile(cam1 / ("." + open_file + ".open"), "");
  writeFile(cam1 / old_file, "old");
  writeFile(cam1 / open_file, "open");
  SseClient events(mlsd_->url("/api/v1/events"));
  ASSERT_TRUE(events.waitConnected(5s));
  // Catalogued while their modification times are now (a 3-byte file has no duration, so its
  // end is its modification time): young enough to keep.
  ASSERT_EQ(count(listingWhen([](JsonNode* root) { return count(root) == 2; }).get()), 2);
  ASSERT_TRUE(fs::exists(cam1 / old_file));

  // Their modification times move 50 min back (as `touch -d` or a copy keeping times would do):
  // the catalog sees the attribute change, and retention deletes the finished one.
  for (const auto& file : {old_file, open_file}) {
    struct timeval times[2] = {{static_cast<time_t>(now - 3000), 0},
                               {static_cast<time_t>(now - 3000), 0}};
    utimes((cam1 / file).c_str(), times);
  }
  ASSERT_TRUE(runUntil([&] { return !fs::exists(cam1 / old_file); }, 15s));
  const std::string fresh = name(now);
  writeFile(cam1 / fresh, "fresh");
  auto deleted = events.waitForEvent(
      "recording.deleted",
      [&](const SseEvent& e) { return e.data.find(old_file) != std::string::npos; }, 10s);
  EXPECT_TRUE(deleted);
  EXPECT_TRUE(mlsd_->process().waitForLine("deleted cam1/" + old_file + R"( \(retention: older)",
                                           5s));
  // Later passes keep the segment being written and the fresh one.
  writeFile(cam1 / name(now + 1), "another change, another pass");
  JsonNodePtr list = listingWhen([](JsonNode* root) { return count(root) == 3; });
  EXPECT_EQ(count(list.get()), 3);
  EXPECT_TRUE(fs::exists(cam1 / open_file));
  EXPECT_TRUE(fs::exists(cam1 / fresh));
}

}  // namespace
}  // namespace mls::test
