// ResponseCache alone (expiry, what it keeps, its bound) and through ApiServer on 127.0.0.1
// port 0: a repeated GET /api/v1/inputs is a hit; a change a client makes (on any connection),
// an event the core publishes, and the age bound each make the next GET show the new state;
// reads with a query string and failed reads are never cached.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/api_server.h"
#include "api/response_cache.h"
#include "api_test_util.h"
#include "fake_backend.h"
#include "http_client.h"

namespace mls::api::test {
namespace {

Response ok(const std::string& body) {
  Response response;
  response.content_type = "application/json";
  response.body = body;
  return response;
}

TEST(ResponseCache, AnswersUntilItIsTooOldOrInvalidated) {
  ResponseCache cache;
  cache.store("/api/v1/inputs", ok("{\"inputs\":[]}"), 1000);
  const Response* hit = cache.find("/api/v1/inputs", 1000 + ResponseCache::kMaxAgeUs - 1);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->body, "{\"inputs\":[]}");
  EXPECT_EQ(cache.find("/api/v1/inputs/cam1", 1000), nullptr);
  EXPECT_EQ(cache.find("/api/v1/inputs", 1000 + ResponseCache::kMaxAgeUs), nullptr);
  EXPECT_EQ(cache.size(), 0u);

  cache.store("/api/v1/inputs", ok("{}"), 2000);
  cache.invalidate();
  EXPECT_EQ(cache.find("/api/v1/inputs", 2000), nullptr);
}

TEST(ResponseCache, KeepsOnlyPlainSuccessesAndStaysBounded) {
  ResponseCache cache;
  Response missing = ok("{}");
  missing.status = 404;
  cache.store("/api/v1/inputs/x", missing, 0);
  Response streamed = ok("");
  streamed.event_stream = true;
  cache.store("/api/v1/events", streamed, 0);
  EXPECT_EQ(cache.size(), 0u);
  for (size_t i = 0; i < ResponseCache::kMaxEntries + 10; ++i)
    cache.store("/api/v1/inputs/in" + std::to_string(i), ok("{}"), 0);
  EXPECT_LE(cache.size(), ResponseCache::kMaxEntries);
}

class CachedReads : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ApiServer>(backend_, ApiOptions{});
    auto ok = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(ok) << ok.error().message;
    base_ = server_->baseUrl();
  }
  void TearDown() override {
    server_->stop();
    server_.reset();
    for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
    }
  }
  HttpReply get(const std::string& path) { return client_.send("GET", base_ + path, {}, {}); }
  std::string state(const HttpReply& reply) { return Json(reply.body).str("inputs.0.state"); }
  uint64_t hits() const { return server_->responseCache().hits(); }

  FakeBackend backend_;
  std::unique_ptr<ApiServer> server_;
  std::string base_;
  HttpClient client_;
};

TEST_F(CachedReads, RepeatedReadsAreHitsAndChangesShowAtOnce) {
  // A read repeated within the age bound is answered from the cache. The bound is on the
  // server's clock, so a pair of reads counts only when both answers came back within it
  // (under the sanitizers one read can take most of it); another pair is tried otherwise, once
  // the first pair's answer has expired.
  HttpReply r;
  bool fitted = false;
  for (int attempt = 0; attempt < 20 && !fitted; ++attempt) {
    if (attempt > 0) g_usleep(ResponseCache::kMaxAgeUs);
    const uint64_t before = hits();
    const int64_t started_us = g_get_monotonic_time();
    r = get("/api/v1/inputs");
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "{\"inputs\":[]}");
    r = get("/api/v1/inputs");
    if (g_get_monotonic_time() - started_us >= ResponseCache::kMaxAgeUs) continue;
    fitted = true;
    EXPECT_EQ(hits(), before + 1);
    EXPECT_EQ(r.body, "{\"inputs\":[]}");
    EXPECT_EQ(r.headers["content-type"], "application/json");
  }
  ASSERT_TRUE(fitted) << "20 pairs of reads each took longer than the cache's age bound";

  // A POST (from another client, on its own connection) and the next GET shows it.
  HttpClient other;
  r = other.send("POST", base_ + "/api/v1/inputs", R"({"name":"cam1","url":"test://ball"})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = get("/api/v1/inputs");
  EXPECT_EQ(Json(r.body).str("inputs.0.name"), "cam1");
  r = other.send("DELETE", base_ + "/api/v1/inputs/cam1", {}, {});
  ASSERT_EQ(r.status, 204);
  r = get("/api/v1/inputs");
  EXPECT_EQ(r.body, "{\"inputs\":[]}");
}

TEST_F(CachedReads, AnEventOrTheAgeBoundShowsObservedChanges) {
  HttpClient other;
  ASSERT_EQ(other.send("POST", base_ + "/api/v1/inputs", R"({"name":"cam1","url":"test://ball"})")
                .status,
            201);
  backend_.input_status_["cam1"].run.state = model::RunState::Connecting;
  EXPECT_EQ(state(get("/api/v1/inputs")), "connecting");

  // The core reports the change as an event: the next read shows it.
  backend_.input_status_["cam1"].run.state = model::RunState::Live;
  server_->events().publish("input.state", R"({"input":"cam1","state":"live"})");
  EXPECT_EQ(state(get("/api/v1/inputs")), "live");

  // A figure that changes without an event (the bitrate): shown once the answer is too old.
  backend_.input_status_["cam1"].run.bitrate_bps = 1234;
  // An answer is kept for kMaxAgeUs from the moment its request arrived (before the backend was
  // read), so any read sent once that long has passed since the change must show it, however
  // slowly the server answers (under the sanitizers one GET takes tens of milliseconds).
  const int64_t changed_us = g_get_monotonic_time();
  g_usleep(ResponseCache::kMaxAgeUs + 1000);
  ASSERT_GE(g_get_monotonic_time() - changed_us, ResponseCache::kMaxAgeUs);
  EXPECT_EQ(Json(get("/api/v1/inputs").body).num("inputs.0.bitrate_bps"), 1234);
}

TEST_F(CachedReads, QueriesAndFailuresAreNotCached) {
  get("/api/v1/inputs?include_secrets=false");
  get("/api/v1/inputs?include_secrets=false");
  get("/api/v1/inputs/nope");
  get("/api/v1/inputs/nope");
  EXPECT_EQ(hits(), 0u);
  EXPECT_EQ(server_->responseCache().size(), 0u);
}

}  // namespace
}  // namespace mls::api::test
