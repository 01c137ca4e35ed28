// mlsd's REST API over the wire, with the real server and real media behind it: resources are
// created, changed, started, stopped and deleted and the destination sees it happen; every error
// path answers its status code and changes nothing; stream keys never leave mlsd unmasked (API,
// events, log); a non-loopback listener needs a token. The Go-MLS routes keep their request
// shapes, and an empty option set means passthrough (not Go-MLS's FLV1 re-encode).
//
// Peers: nginx-rtmp (source and destination), ffmpeg (publisher), ffprobe (verifier).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "http_client.h"
#include "mlsd.h"
#include "nginx_rtmp.h"
#include "ports.h"
#include "process.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

// A cheap live input: mlsd's own test pattern, small, with audio.
constexpr const char* kPattern = "test://ball?size=320x240&fps=15";

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool publishing(const NginxRtmp& nginx, const std::string& key) {
  for (const auto& stream : nginx.streams()) {
    if (stream.app == "live" && stream.name == key && stream.publishing) return true;
  }
  return false;
}

// The status code and body, for assertion messages.
std::string describe(const HttpResponse& response) {
  return std::to_string(response.status) + " " + response.error + " " + response.body;
}

using RelayApi = RelayTest;

TEST_F(RelayApi, CreatePatchStartStopDeleteDriveTheDestination) {
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());

  // Create: 201 with Location, the resource in the body.
  const HttpResponse created =
      api().post("/api/v1/inputs", JsonText().set("name", "cam").set("url", kPattern));
  ASSERT_EQ(created.status, 201u) << describe(created);
  EXPECT_EQ(created.header("Location"), "/api/v1/inputs/cam");
  EXPECT_EQ(jsonString(created.json().get(), "name"), "cam");
  EXPECT_EQ(jsonString(created.json().get(), "url"), kPattern);

  const HttpResponse out =
      api().post("/api/v1/inputs/cam/outputs",
                 JsonText().set("name", "main").set("url", destination.rtmpUrl("live", "first")));
  ASSERT_EQ(out.status, 201u) << describe(out);
  EXPECT_EQ(out.header("Location"), "/api/v1/inputs/cam/outputs/main");
  ASSERT_TRUE(api().waitInput("cam", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "main", "live", 30s));
  EXPECT_TRUE(destination.waitForPublisher("live", "first", 10s));
  // The size comes with the first parsed video caps, which may follow the output going live
  // (the fan-out is live once the server accepts the publish; slow under the sanitizers).
  JsonNodePtr input;
  runUntil(
      [&] {
        input = api().input("cam");
        return input && jsonInt(input.get(), "media.width").value_or(0) > 0;
      },
      10s);
  EXPECT_EQ(jsonInt(input.get(), "media.width"), 320);
  EXPECT_EQ(jsonInt(input.get(), "media.height"), 240);
  EXPECT_EQ(jsonSize(input.get(), "outputs"), 1);

  // PATCH an output's URL: the stream moves to the new destination.
  const HttpResponse moved =
      api().patch("/api/v1/inputs/cam/outputs/main",
                  JsonText().set("url", destination.rtmpUrl("live", "second")));
  ASSERT_EQ(moved.status, 200u) << describe(moved);
  EXPECT_TRUE(destination.waitForPublisher("live", "second", 20s)) << api().context("cam", "main");
  EXPECT_TRUE(waitForStreamGone(destination, "live", "first", 10s));
  EXPECT_TRUE(api().waitOutput("cam", "main", "live", 20s));

  // PATCH an input field that the source is not built from (the stall timeout): kept, shown,
  // and applied without a restart: the input stays live since before the change.
  // (uptime_s is sampled once a second.)
  double uptime_before = 0;
  ASSERT_TRUE(runUntil(
      [&] {
        uptime_before = jsonDouble(api().input("cam").get(), "uptime_s").value_or(0);
        return uptime_before > 0;
      },
      5s));
  const HttpResponse patched =
      api().patch("/api/v1/inputs/cam", JsonText().set("stall_timeout_ms", 5000));
  ASSERT_EQ(patched.status, 200u) << describe(patched);
  JsonNodePtr after_patch = api().input("cam");
  EXPECT_EQ(jsonInt(after_patch.get(), "stall_timeout_ms"), 5000);
  EXPECT_EQ(jsonString(after_patch.get(), "state"), "live");
  EXPECT_GE(jsonDouble(after_patch.get(), "uptime_s").value_or(0), uptime_before)
      << "changing the stall timeout restarted the input";
  EXPECT_EQ(api().outputState("cam", "main"), "live");

  // PATCH a field the source is built from (its latency): the input restarts and is live again.
  const HttpResponse rebuilt = api().patch("/api/v1/inputs/cam", JsonText().set("latency_ms", 300));
  ASSERT_EQ(rebuilt.status, 200u) << describe(rebuilt);
  EXPECT_EQ(jsonInt(api().input("cam").get(), "latency_ms"), 300);
  EXPECT_TRUE(api().waitInput("cam", "live", 30s));
  EXPECT_TRUE(api().waitOutput("cam", "main", "live", 20s));

  // Stop and start an output: the destination's stream ends and comes back.
  const HttpResponse stopped = api().post("/api/v1/inputs/cam/outputs/main/stop");
  ASSERT_EQ(stopped.status, 200u) << describe(stopped);
  EXPECT_EQ(jsonBool(stopped.json().get(), "enabled"), false);
  EXPECT_TRUE(api().waitOutput("cam", "main", "stopped", 10s));
  EXPECT_TRUE(waitForStreamGone(destination, "live", "second", 10s));
  EXPECT_EQ(api().inputState("cam"), "live") << "stopping an output disturbed its input";
  const HttpResponse started = api().post("/api/v1/inputs/cam/outputs/main/start");
  ASSERT_EQ(started.status, 200u) << describe(started);
  EXPECT_EQ(jsonBool(started.json().get(), "enabled"), true);
  EXPECT_TRUE(api().waitOutput("cam", "main", "live", 20s));
  EXPECT_TRUE(destination.waitForPublisher("live", "second", 10s));

  // Stop and start the input: its outputs stay configured and resume with it.
  ASSERT_EQ(api().post("/api/v1/inputs/cam/stop").status, 200u);
  EXPECT_TRUE(api().waitInput("cam", "stopped", 10s));
  EXPECT_TRUE(waitForStreamGone(destination, "live", "second", 10s));
  JsonNodePtr kept = api().output("cam", "main");
  ASSERT_TRUE(kept) << "the output of a stopped input disappeared";
  EXPECT_EQ(jsonBool(kept.get(), "enabled"), true);
  ASSERT_EQ(api().post("/api/v1/inputs/cam/start").status, 200u);
  EXPECT_TRUE(api().waitInput("cam", "live", 30s));
  EXPECT_TRUE(api().waitOutput("cam", "main", "live", 30s));
  EXPECT_TRUE(destination.waitForPublisher("live", "second", 10s));

  // Delete the input: its outputs go with it, from the API and from the destination.
  const HttpResponse deleted = api().del("/api/v1/inputs/cam");
  EXPECT_EQ(deleted.status, 204u) << describe(deleted);
  EXPECT_EQ(api().get("/api/v1/inputs/cam").status, 404u);
  EXPECT_EQ(api().get("/api/v1/inputs/cam/outputs/main").status, 404u);
  EXPECT_EQ(api().get("/api/v1/inputs/cam/outputs").status, 404u);
  EXPECT_EQ(jsonSize(api().get("/api/v1/inputs").json().get(), "inputs"), 0);
  EXPECT_TRUE(waitForStreamGone(destination, "live", "second", 10s));
  JsonNodePtr system = api().get("/api/v1/system").json();
  EXPECT_EQ(jsonInt(system.get(), "inputs"), 0);
  EXPECT_EQ(jsonInt(system.get(), "outputs"), 0);
}

TEST_F(RelayApi, DeletingAnOutputEndsOnlyItsStream) {
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());
  const std::string outputs =
      jsonArray({JsonText().set("name", "a").set("url", destination.rtmpUrl("live", "a")),
                 JsonText().set("name", "b").set("url", destination.rtmpUrl("live", "b"))});
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", kPattern).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "a", "live", 30s));
  ASSERT_TRUE(api().waitOutput("cam", "b", "live", 30s));

  EXPECT_EQ(api().del("/api/v1/inputs/cam/outputs/a").status, 204u);
  EXPECT_EQ(api().get("/api/v1/inputs/cam/outputs/a").status, 404u);
  EXPECT_TRUE(waitForStreamGone(destination, "live", "a", 10s));
  EXPECT_EQ(api().outputState("cam", "b"), "live");
  EXPECT_TRUE(publishing(destination, "b"));
  EXPECT_EQ(jsonSize(api().get("/api/v1/inputs/cam/outputs").json().get(), "outputs"), 1);
}

TEST_F(RelayApi, EveryRejectedRequestAnswersItsStatusAndChangesNothing) {
  const auto media_dir = testOutputDir() / "media";
  std::filesystem::create_directories(media_dir);
  ASSERT_TRUE(startMlsd({"--media-dir", media_dir.string()}));
  ASSERT_TRUE(api().createInput(
      JsonText()
          .set("name", "cam")
          .set("url", kPattern)
          .set("enabled", false)
          .raw("outputs", jsonArray({JsonText()
                                         .set("name", "out")
                                         .set("url", "rtmp://127.0.0.1:1/live/key")
                                         .set("enabled", false)}))));
  const std::string config = api().get("/api/v1/config").body;
  const auto state_file = mlsd().stateDir() / "state.json";
  const std::string state = readFile(state_file);
  ASSERT_FALSE(state.empty());

  struct Case {
    const char* what;
    std::string method, path, body, contentType;
    unsigned status;
    const char* code;
  };
  const std::string big(1024 * 1024 + 16, 'x');
  const std::string valid_new = JsonText().set("name", "new").set("url", kPattern);
  const std::vector<Case> cases = {
      {"unknown input", "GET", "/api/v1/inputs/nope", "", "", 404, "not_found"},
      {"unknown output", "GET", "/api/v1/inputs/cam/outputs/nope", "", "", 404, "not_found"},
      {"unknown route", "GET", "/api/v1/nothing", "", "", 404, "not_found"},
      {"path name breaking the rule", "DELETE", "/api/v1/inputs/Bad%20Name", "", "", 404,
       "not_found"},
      {"delete unknown", "DELETE", "/api/v1/inputs/nope", "", "", 404, "not_found"},
      {"wrong method on the collection", "DELETE", "/api/v1/inputs", "", "", 405,
       "method_not_allowed"},
      {"wrong method on an input", "PUT", "/api/v1/inputs/cam", valid_new, "", 405,
       "method_not_allowed"},
      {"duplicate input", "POST", "/api/v1/inputs",
       JsonText().set("name", "cam").set("url", kPattern), "", 409, "conflict"},
      {"duplicate output", "POST", "/api/v1/inputs/cam/outputs",
       JsonText().set("name", "out").set("url", "rtmp://127.0.0.1:1/live/k"), "", 409, "conflict"},
      {"body over 1 MiB", "POST", "/api/v1/inputs",
       JsonText().set("name", "new").set("url", kPattern).set("pad", big), "", 413, "too_large"},
      {"not JSON content type", "POST", "/api/v1/inputs", valid_new, "text/plain", 415,
       "unsupported_media_type"},
      {"malformed JSON", "POST", "/api/v1/inputs", "{\"name\":\"new\",", "", 400, "bad_request"},
      {"bad name", "POST", "/api/v1/inputs",
       JsonText().set("name", "Bad Name").set("url", kPattern), "", 422, "invalid"},
      {"bad scheme", "POST", "/api/v1/inputs",
       JsonText().set("name", "new").set("url", "ftp://127.0.0.1/x"), "", 422, "invalid"},
      {"file:// outside the media dir", "POST", "/api/v1/inputs",
       JsonText().set("name", "new").set("url", "file:///etc/passwd"), "", 422, "invalid"},
      {"file:// escaping the media dir", "POST", "/api/v1/inputs",
       JsonText().set("name", "new").set("url", "file://" + media_dir.string() + "/../../x.mp4"),
       "", 422, "invalid"},
      {"unknown field", "POST", "/api/v1/inputs",
       JsonText().set("name", "new").set("url", kPattern).set("bogus", 1), "", 422, "invalid"},
      {"bad output scheme", "POST", "/api/v1/inputs/cam/outputs",
       JsonText().set("name", "o2").set("url", "http://127.0.0.1/x"), "", 422, "invalid"},
      {"bad preset", "POST", "/api/v1/inputs/cam/outputs",
       JsonText().set("name", "o2").set("url", "rtmp://127.0.0.1:1/live/k").set("preset", "vhs"),
       "", 422, "invalid"},
      {"renaming by PATCH", "PATCH", "/api/v1/inputs/cam", JsonText().set("name", "other"), "", 422,
       "invalid"},
      {"PATCH with a bad value", "PATCH", "/api/v1/inputs/cam/outputs/out",
       JsonText().set("resolution", "huge"), "", 422, "invalid"},
      {"import with one invalid input", "PUT", "/api/v1/config",
       JsonText()
           .set("version", 1)
           .raw("inputs", jsonArray({JsonText().set("name", "fine").set("url", kPattern),
                                     JsonText().set("name", "Not Fine").set("url", kPattern)})),
       "", 422, "invalid"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Headers headers;
    if (!c.contentType.empty()) headers.emplace_back("Content-Type", c.contentType);
    const HttpResponse response = api().send(c.method, c.path, c.body, headers);
    EXPECT_EQ(response.status, c.status)
        << c.method << " " << c.path << ": " << tailOf(response.body, 500);
    EXPECT_EQ(jsonString(response.json().get(), "error.code"), c.code)
        << tailOf(response.body, 500);
    EXPECT_FALSE(jsonString(response.json().get(), "error.message").value_or("").empty());
    if (c.status == 405) {
      EXPECT_FALSE(response.header("Allow").empty());
    }
  }

  EXPECT_EQ(api().get("/api/v1/config").body, config) << "a rejected request changed the config";
  EXPECT_EQ(readFile(state_file), state) << "a rejected request rewrote the state file";
  EXPECT_EQ(jsonSize(api().get("/api/v1/inputs").json().get(), "inputs"), 1);
}

TEST_F(RelayApi, StreamKeysAreMaskedInResponsesEventsAndTheLog) {
  RtmpSource source;
  const std::string source_key = "sourcekey-4f8b2c71d9";
  TestPatternOptions small;
  small.width = 640;
  small.height = 360;
  ASSERT_TRUE(source.start(small, source_key));
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  const std::string key = "livekey-a1b2c3d4e5f6-3f9a";
  const std::string dead_key = "deadkey-99887766-7c1e";
  const std::uint16_t dead_port = freeTcpPort();

  ASSERT_TRUE(startMlsd());
  SseClient events(api().baseUrl() + "/api/v1/events");
  ASSERT_TRUE(events.waitConnected(10s));

  const std::string outputs = jsonArray({
      JsonText().set("name", "yt").set("url", destination.rtmpUrl("live", key)),
      JsonText()
          .set("name", "dead")
          .set("url", "rtmp://127.0.0.1:" + std::to_string(dead_port) + "/live/" + dead_key),
  });
  const HttpResponse created =
      api().post("/api/v1/inputs",
                 JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs));
  ASSERT_EQ(created.status, 201u) << describe(created);
  ASSERT_TRUE(api().waitOutput("cam", "yt", "live", 30s));
  // The full URL was kept: the destination sees the real key.
  EXPECT_TRUE(destination.waitForPublisher("live", key, 10s));
  // The dead destination has failed at least once, so its error is in the log and the API.
  ASSERT_TRUE(runUntil(
      [&] {
        JsonNodePtr dead = api().output("cam", "dead");
        return dead && jsonInt(dead.get(), "retries").value_or(0) >= 1;
      },
      30s))
      << api().context("cam", "dead");

  const std::vector<std::string> secrets = {key, source_key, dead_key};
  std::vector<std::pair<std::string, HttpResponse>> responses = {
      {"POST /api/v1/inputs", created},
      {"GET /api/v1/inputs", api().get("/api/v1/inputs")},
      {"GET /api/v1/inputs/cam", api().get("/api/v1/inputs/cam")},
      {"GET outputs", api().get("/api/v1/inputs/cam/outputs")},
      {"GET output", api().get("/api/v1/inputs/cam/outputs/dead")},
      {"GET /api/v1/config", api().get("/api/v1/config")},
      {"GET /api/relay/status", api().get("/api/relay/status")},
      {"GET /api/relay/export", api().get("/api/relay/export")},
      {"PATCH output",
       api().patch("/api/v1/inputs/cam/outputs/dead", JsonText().set("keyframe_interval", 2))},
  };
  for (const auto& [what, response] : responses) {
    EXPECT_EQ(response.status / 100, 2u) << what << ": " << describe(response);
    for (const std::string& secret : secrets) {
      EXPECT_EQ(response.body.find(secret), std::string::npos)
          << what << " shows the secret " << secret << ": " << response.body;
    }
  }
  // Masked means: the last four characters stay, for recognition.
  JsonNodePtr yt = api().output("cam", "yt");
  const std::string shown = jsonString(yt.get(), "url").value_or("");
  EXPECT_NE(shown.find("3f9a"), std::string::npos) << shown;
  EXPECT_NE(shown.find("••••"), std::string::npos) << shown;
  JsonNodePtr dead = api().output("cam", "dead");
  EXPECT_FALSE(jsonString(dead.get(), "last_error").value_or("").empty())
      << "the dead destination has no last_error";

  // Sending the masked URL back means "unchanged": the real key stays in use.
  const HttpResponse same =
      api().patch("/api/v1/inputs/cam/outputs/yt", JsonText().set("url", shown));
  EXPECT_EQ(same.status, 200u) << describe(same);
  EXPECT_TRUE(destination.waitForPublisher("live", key, 10s));

  // Exported in full only when asked for.
  const HttpResponse full = api().get("/api/v1/config?include_secrets=true");
  EXPECT_NE(full.body.find(key), std::string::npos) << full.body;

  // The event stream and the log never carry a secret.
  ASSERT_TRUE(
      events
          .waitForEvent(
              "output.state",
              [](const SseEvent& e) { return e.data.find("\"live\"") != std::string::npos; }, 10s)
          .has_value());
  for (const SseEvent& event : events.events()) {
    for (const std::string& secret : secrets) {
      EXPECT_EQ(event.data.find(secret), std::string::npos)
          << "event " << event.event << " shows " << secret << ": " << event.data;
    }
  }
  const std::string log = mlsd().process().log();
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos)
        << "mlsd's log shows the secret " << secret << ":\n"
        << tailOf(log);
  }
}

using RelayApiAuth = RelayTest;

TEST_F(RelayApiAuth, WildcardListenRequiresABearerTokenOnMutations) {
  const std::string token = "t0ken-for-the-test-5b1e";
  ASSERT_TRUE(startMlsd({"--listen", "0.0.0.0:0", "--api-token", token}));
  EXPECT_EQ(mlsd().baseUrl().rfind("http://0.0.0.0:", 0), 0u) << mlsd().baseUrl();
  MlsdApi anonymous(mlsd());
  MlsdApi wrong(mlsd(), {{"Authorization", "Bearer not-" + token}});
  MlsdApi authorized(mlsd(), {{"Authorization", "Bearer " + token}});
  const std::string body = JsonText().set("name", "cam").set("url", kPattern).set("enabled", false);

  const HttpResponse refused = anonymous.post("/api/v1/inputs", body);
  EXPECT_EQ(refused.status, 401u) << describe(refused);
  EXPECT_EQ(jsonString(refused.json().get(), "error.code"), "unauthorized");
  EXPECT_FALSE(refused.header("WWW-Authenticate").empty());
  EXPECT_EQ(wrong.post("/api/v1/inputs", body).status, 401u);
  EXPECT_EQ(anonymous.get("/api/v1/inputs/cam").status, 404u) << "a refused POST created it";

  EXPECT_EQ(authorized.post("/api/v1/inputs", body).status, 201u);
  // Reads stay open; every mutation needs the token; so does an export with secrets.
  EXPECT_EQ(anonymous.get("/api/v1/inputs/cam").status, 200u);
  EXPECT_EQ(anonymous.get("/api/v1/config").status, 200u);
  EXPECT_EQ(anonymous.get("/api/v1/config?include_secrets=true").status, 401u);
  EXPECT_EQ(anonymous.patch("/api/v1/inputs/cam", JsonText().set("loop", false)).status, 401u);
  EXPECT_EQ(anonymous.post("/api/v1/inputs/cam/start").status, 401u);
  EXPECT_EQ(anonymous.del("/api/v1/inputs/cam").status, 401u);
  EXPECT_EQ(anonymous.post("/api/relay/delete-input", JsonText().set("input_name", "cam")).status,
            401u);
  EXPECT_EQ(anonymous.get("/api/v1/inputs/cam").status, 200u) << "a refused DELETE deleted it";
  EXPECT_EQ(authorized.del("/api/v1/inputs/cam").status, 204u);
}

TEST_F(RelayApiAuth, WildcardListenWithoutATokenIsRefusedAtStart) {
  Mlsd mlsd(MlsdOptions{{"--listen", "0.0.0.0:0"}, {}, {}});
  EXPECT_FALSE(mlsd.start(10s)) << "mlsd listened on 0.0.0.0 without a token";
  const auto status = mlsd.process().wait(10s);
  ASSERT_TRUE(status.has_value()) << "mlsd is still running";
  EXPECT_TRUE(status->exited()) << status->describe();
  EXPECT_NE(status->code, 0);
  EXPECT_NE(mlsd.process().log().find("token"), std::string::npos) << mlsd.process().log();
  EXPECT_EQ(mlsd.process().countLines("listening on"), 0);
}

}  // namespace
}  // namespace mls::test
