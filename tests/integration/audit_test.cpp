// The thread and resource audit of the real mlsd (diag/thread_audit.h, diag/resource_report.h):
// GET /debug/threads attributes the pipelines' threads to the input and the outputs that own
// them (the RTMP fan-out's thread, shared by the input's passthrough RTMP outputs, to the input),
// and nothing to them once they are deleted; GET /api/v1/system carries threads by owner,
// fds, peak RSS and heap; after SIGTERM the exit audit finds no leak (exit code 0, even with
// --fail-on-leak); and the test-only leak hook (MLS_TEST_LEAK_THREAD=1) shows that the audit
// does report a thread left behind, with its owner, and that --fail-on-leak turns it into exit
// code 3.
//
// Peers: nginx-rtmp (the outputs' destination).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "fixture.h"
#include "http_client.h"
#include "nginx_rtmp.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

constexpr const char* kPattern = "test://ball?size=320x240&fps=15";
constexpr int kLeakExitCode = 3;  // app::kLeakExitCode, as `mlsd --help` documents it

// Threads per owner ("input cam", "output cam/main", "runtime", …) from GET /debug/threads.
std::map<std::string, int> threadsByOwner(MlsdApi& api, std::string* body = nullptr) {
  std::map<std::string, int> counts;
  HttpResponse response = api.get("/debug/threads");
  if (body) *body = response.body;
  JsonNodePtr json = response.json();
  if (response.status != 200 || !json) return counts;
  const int n = jsonSize(json.get(), "threads");
  for (int i = 0; i < n; i++) {
    const std::string at = "threads." + std::to_string(i);
    std::string label = jsonString(json.get(), at + ".owner_kind").value_or("?");
    if (auto owner = jsonString(json.get(), at + ".owner")) label += " " + *owner;
    counts[label]++;
  }
  return counts;
}

std::string describe(const std::map<std::string, int>& counts) {
  std::string text;
  for (const auto& [owner, n] : counts) text += owner + ": " + std::to_string(n) + "; ";
  return text;
}

class Audit : public RelayTest {
 protected:
  // An input "cam" (test pattern) with outputs "main" and "backup" to `destination`, all live.
  void startRelay(NginxRtmp& destination) {
    ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", kPattern)));
    for (const char* name : {"main", "backup"})
      ASSERT_TRUE(api().createOutput(
          "cam", JsonText().set("name", name).set("url", destination.rtmpUrl("live", name))));
    ASSERT_TRUE(api().waitInput("cam", "live", 30s));
    ASSERT_TRUE(api().waitOutput("cam", "main", "live", 30s));
    ASSERT_TRUE(api().waitOutput("cam", "backup", "live", 30s));
  }
};

TEST_F(Audit, IdleDaemonLogsTheStartAuditAndExitsWithoutLeaks) {
  ASSERT_TRUE(startMlsd({"--fail-on-leak"}));
  ASSERT_TRUE(mlsd().process().waitForLine("Threads at start: [0-9]+", 10s))
      << tailOf(mlsd().process().log());
  std::printf("idle mlsd: %s\n", describe(threadsByOwner(api())).c_str());
  // ps, top and pgrep know the daemon by this name, also after its allocator re-exec
  // (core/allocator.h), which the kernel would otherwise name "exe".
  std::ifstream comm("/proc/" + std::to_string(mlsd().process().pid()) + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, "mlsd");
  EXPECT_EQ(mlsd().stop(), 0) << tailOf(mlsd().process().log());
  const std::string log = mlsd().process().log();
  EXPECT_NE(log.find("=== Resource Usage Report ==="), std::string::npos) << tailOf(log);
  EXPECT_NE(log.find("✓ No thread leaks detected"), std::string::npos) << tailOf(log);
  EXPECT_NE(log.find("✓ No fd leaks detected"), std::string::npos) << tailOf(log);
  EXPECT_NE(log.find("✓ No GstObject leaks detected"), std::string::npos) << tailOf(log);
}

TEST_F(Audit, PipelineThreadsBelongToTheirInputAndOutputsAndExitIsClean) {
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd({"--fail-on-leak"}));
  startRelay(destination);
  if (HasFatalFailure()) return;

  std::string body;
  std::map<std::string, int> counts;
  // Passthrough RTMP outputs are destinations of the input's fan-out (media/fanout_sender.h):
  // its appsrc's thread and its one "mlsfanout" thread are the input's; the outputs own none.
  EXPECT_TRUE(runUntil(
      [&] {
        counts = threadsByOwner(api(), &body);
        return counts["input cam"] > 0 && body.find("\"mlsfanout\"") != std::string::npos &&
               counts.count("unknown") == 0;
      },
      10s))
      << describe(counts) << "\n" << body;
  std::printf("one test:// input, two passthrough RTMP outputs: %s\n", describe(counts).c_str());
  EXPECT_EQ(counts.count("output cam/main"), 0u) << describe(counts);
  EXPECT_EQ(counts.count("output cam/backup"), 0u) << describe(counts);
  EXPECT_EQ(counts.count("unknown"), 0u) << describe(counts) << "\n" << body;
  EXPECT_GE(counts["runtime"], 1);  // the main thread at least
  EXPECT_EQ(counts["mls reaper"], 1);

  // A recording: its pipeline's threads (feeds, queues, the segment muxer's) are its own. Read
  // once they have started: a thread being created still carries its creator's name for a moment
  // (CI once read a "mlsd" beside the recording's first three; a thread the audit cannot place
  // for 10 s fails below).
  ASSERT_EQ(api().post("/api/v1/inputs/cam/recording").status, 200u);
  EXPECT_TRUE(runUntil(
      [&] {
        counts = threadsByOwner(api(), &body);
        return counts["recording cam"] >= 3 && counts.count("unknown") == 0;
      },
      10s))
      << describe(counts) << "\n" << body;
  std::printf("with a recording: %s\n", describe(counts).c_str());
  EXPECT_EQ(counts.count("unknown"), 0u) << describe(counts) << "\n" << body;

  JsonNodePtr thread = parseJson(body);
  ASSERT_TRUE(thread) << body;
  EXPECT_GT(jsonInt(thread.get(), "threads.0.tid").value_or(0), 0);
  EXPECT_TRUE(jsonString(thread.get(), "threads.0.name"));
  EXPECT_GE(jsonDouble(thread.get(), "threads.0.cpu_s").value_or(-1), 0);

  HttpResponse system = api().get("/api/v1/system");
  ASSERT_EQ(system.status, 200u) << system.body;
  JsonNodePtr info = system.json();
  EXPECT_GE(jsonInt(info.get(), "threads_by_owner.input cam").value_or(0), 1) << system.body;
  EXPECT_GE(jsonInt(info.get(), "fds.sockets").value_or(0), 2) << system.body;  // API, RTMP
  EXPECT_GE(jsonInt(info.get(), "fds.total").value_or(0), 3) << system.body;
  EXPECT_GE(jsonInt(info.get(), "peak_rss_bytes").value_or(0),
            jsonInt(info.get(), "rss_bytes").value_or(1))
      << system.body;
  EXPECT_GT(jsonInt(info.get(), "heap_bytes").value_or(0), 0) << system.body;
  // An input and two outputs: pipelines, elements, pads, buses, clocks' entries, tasks.
  const int64_t objects = jsonInt(info.get(), "gst_objects_alive").value_or(-1);
  EXPECT_GE(objects, 30) << system.body;
  EXPECT_GE(jsonInt(info.get(), "gst_objects_created").value_or(-1), objects) << system.body;
  std::printf("GstObjects alive with one input and two outputs: %lld\n",
              static_cast<long long>(objects));

  // SIGTERM with everything running: drained, and nothing left behind.
  EXPECT_EQ(mlsd().stop(), 0) << tailOf(mlsd().process().log());
  const std::string log = mlsd().process().log();
  EXPECT_NE(log.find("✓ No thread leaks detected"), std::string::npos) << tailOf(log);
  EXPECT_NE(log.find("✓ No fd leaks detected"), std::string::npos) << tailOf(log);
  EXPECT_NE(log.find("✓ No GstObject leaks detected"), std::string::npos) << tailOf(log);
  EXPECT_EQ(log.find("Potential"), std::string::npos) << tailOf(log);
}

TEST_F(Audit, DeletedOutputsAndInputOwnNoThreads) {
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());
  startRelay(destination);
  if (HasFatalFailure()) return;
  std::map<std::string, int> counts;
  std::string body;
  // The outputs' fan-out runs (its thread is the input's).
  ASSERT_TRUE(runUntil(
      [&] {
        counts = threadsByOwner(api(), &body);
        return body.find("\"mlsfanout\"") != std::string::npos;
      },
      10s))
      << describe(counts) << "\n" << body;

  for (const char* name : {"main", "backup"}) {
    HttpResponse deleted = api().del(std::string("/api/v1/inputs/cam/outputs/") + name);
    ASSERT_EQ(deleted.status / 100, 2u) << deleted.body;
  }
  // With its last destination gone, the fan-out stops: its thread goes.
  EXPECT_TRUE(runUntil(
      [&] {
        counts = threadsByOwner(api(), &body);
        return counts.count("output cam/main") == 0 && counts.count("output cam/backup") == 0 &&
               body.find("\"mlsfanout\"") == std::string::npos;
      },
      5s))
      << describe(counts) << "\n" << body;
  EXPECT_GT(counts["input cam"], 0) << describe(counts);  // the input runs on

  HttpResponse deleted = api().del("/api/v1/inputs/cam");
  ASSERT_EQ(deleted.status / 100, 2u) << deleted.body;
  EXPECT_TRUE(runUntil(
      [&] {
        counts = threadsByOwner(api());
        for (const auto& [owner, n] : counts)
          if (owner.find("cam") != std::string::npos) return false;
        return true;
      },
      5s))
      << describe(counts);
  std::printf("after deleting everything: %s\n", describe(counts).c_str());
}

TEST_F(Audit, TheLeakHooksThreadIsReportedWithItsOwner) {
  // Without --fail-on-leak: reported, exit code 0.
  {
    Mlsd mlsd(MlsdOptions{{}, {{"MLS_TEST_LEAK_THREAD", "1"}}, {}});
    ASSERT_TRUE(mlsd.start());
    MlsdApi api(mlsd);
    std::map<std::string, int> counts;
    EXPECT_TRUE(runUntil(
        [&] {
          counts = threadsByOwner(api);
          return counts["test leak hook"] == 1;
        },
        5s))
        << describe(counts);
    EXPECT_EQ(mlsd.stop(), 0) << tailOf(mlsd.process().log());
    const std::string log = mlsd.process().log();
    EXPECT_NE(log.find("- mls-test-leak (tid "), std::string::npos) << tailOf(log);
    EXPECT_NE(log.find("): test leak hook"), std::string::npos) << tailOf(log);
    EXPECT_NE(log.find("Potential thread leaks detected (1 application thread remaining)"),
              std::string::npos)
        << tailOf(log);
    EXPECT_EQ(log.find("No thread leaks detected"), std::string::npos) << tailOf(log);
  }
  // With it: the documented exit code.
  Mlsd mlsd(MlsdOptions{{"--fail-on-leak"}, {{"MLS_TEST_LEAK_THREAD", "1"}}, {}});
  ASSERT_TRUE(mlsd.start());
  ASSERT_TRUE(mlsd.process().waitForLine("Threads at start", 10s));
  EXPECT_EQ(mlsd.stop(), kLeakExitCode) << tailOf(mlsd.process().log());
  EXPECT_NE(mlsd.process().log().find("- mls-test-leak (tid "), std::string::npos);
}

TEST(AuditOptions, HelpDocumentsTheLeakExitCode) {
  Process help(std::vector<std::string>{envOr("MLSD", "mlsd"), "--help"}, "mlsd-help");
  ASSERT_TRUE(help.started()) << help.startError();
  auto done = help.wait(10s);
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->success());
  EXPECT_NE(help.log().find("--fail-on-leak"), std::string::npos) << help.log();
  EXPECT_NE(help.log().find("3 --fail-on-leak and"), std::string::npos) << help.log();
}

}  // namespace
}  // namespace mls::test
