// Attribution of threads to their owners from names as the kernel shows them (cut at 15
// bytes), element names that several pipelines share, runtime threads, and the threads of the
// running test process read from /proc.
#include "diag/thread_audit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace mls::diag {
namespace {

const Owner kCam{OwnerKind::Input, "cam1"};
const Owner kYoutube{OwnerKind::Output, "cam1/youtube"};
const Owner kBackup{OwnerKind::Output, "cam1/backup"};

ElementOwners elements() {
  return {
      {"input-cam1", kCam},
      {"testvideo", kCam},
      {"queue3", kCam},
      {"cam1-flv-mux", kCam},
      {"a-very-long-element-name", kCam},
      {"output-cam1-youtube", kYoutube},
      {"feed0-flv", kYoutube},
      {"sink", kYoutube},
      {"feed1-flv", kBackup},
      {"sink", kBackup},
  };
}

Owner ownerOf(const std::string& name, bool is_main = false) {
  return attributeThread({42, name, 0}, is_main, elements());
}

TEST(ThreadAudit, PadTasksBelongToTheirElementsPipeline) {
  EXPECT_EQ(ownerOf("queue3:src"), kCam);
  EXPECT_EQ(ownerOf("testvideo:src"), kCam);
  EXPECT_EQ(ownerOf("feed0-flv:src"), kYoutube);
  EXPECT_EQ(ownerOf("feed1-flv:src"), kBackup);
}

TEST(ThreadAudit, NamesCutAt15BytesStillMatch) {
  // "cam1-flv-mux:src" is 16 bytes: the kernel keeps "cam1-flv-mux:sr".
  EXPECT_EQ(ownerOf("cam1-flv-mux:sr"), kCam);
  // Cut inside the element's name: any element that starts with it.
  EXPECT_EQ(ownerOf("a-very-long-ele"), kCam);
  // x264enc's workers inherit their creator's name, cut: "testvideo:src" stays whole.
  EXPECT_EQ(ownerOf("testvideo:s"), kCam);
}

TEST(ThreadAudit, AShortNameIsNotAPrefix) {
  EXPECT_EQ(ownerOf("queue").kind, OwnerKind::Unknown);
  EXPECT_EQ(ownerOf("queue3").kind, OwnerKind::Input);  // an element's own thread, no pad
}

TEST(ThreadAudit, ANameSharedByTwoOwnersIsUnknown) {
  EXPECT_EQ(ownerOf("sink:sink").kind, OwnerKind::Unknown);
}

TEST(ThreadAudit, UnmatchedThreadsAreUnknown) {
  EXPECT_EQ(ownerOf("task7"), (Owner{OwnerKind::Unknown, {}}));
  EXPECT_EQ(ownerOf("queue99:src").kind, OwnerKind::Unknown);
}

TEST(ThreadAudit, RuntimeMlsAndTestThreads) {
  EXPECT_EQ(ownerOf("mlsd", true).kind, OwnerKind::Runtime);
  EXPECT_EQ(ownerOf("queue3:src", true).kind, OwnerKind::Runtime);  // the main thread, whatever
  for (const char* name : {"gmain", "gdbus", "dconf worker", "pool-spawner", "pool-mlsd",
                           "GstSystemClock"})
    EXPECT_EQ(ownerOf(name).kind, OwnerKind::Runtime) << name;
  EXPECT_EQ(ownerOf("mls-reaper"), (Owner{OwnerKind::Mls, "reaper"}));
  EXPECT_EQ(ownerOf(kTestLeakThreadName).kind, OwnerKind::Test);
}

TEST(ThreadAudit, CountsAndApplicationThreads) {
  std::vector<ThreadInfo> threads = {{100, "mlsd", 1.0},       {101, "gmain", 0},
                                     {102, "mls-reaper", 0},   {103, "queue3:src", 0.5},
                                     {104, "testvideo:src", 0}, {105, "feed0-flv:src", 0},
                                     {106, "task0", 0}};
  auto attributed = attribute(threads, 100, elements());
  ASSERT_EQ(attributed.size(), threads.size());
  auto counts = countByOwner(attributed);
  EXPECT_EQ(counts["runtime"], 2);
  EXPECT_EQ(counts["mls reaper"], 1);
  EXPECT_EQ(counts["input cam1"], 2);
  EXPECT_EQ(counts["output cam1/youtube"], 1);
  EXPECT_EQ(counts["unknown"], 1);
  auto app = applicationThreads(attributed);
  ASSERT_EQ(app.size(), 5u);
  EXPECT_EQ(app[0].thread.name, "mls-reaper");
}

TEST(ThreadAudit, UnknownThreadsOfTheBaselineAreTheRuntimes) {
  // Started while plugins loaded, before any pipeline: libusb's event thread, an unnamed helper.
  Baseline baseline = baselineOf({{100, "mlsd", 0}, {101, "libusb_event", 0}, {102, "mlsd", 0},
                                  {103, "mls-reaper", 0}});
  std::vector<ThreadInfo> now = {{100, "mlsd", 0},         {101, "libusb_event", 0},
                                 {102, "mlsd", 0},         {103, "mls-reaper", 0},
                                 {104, "task3", 0},        {105, "libusb_event", 0},
                                 {106, kTestLeakThreadName, 0}};
  auto threads = attribute(now, 100, elements());
  applyBaseline(&threads, baseline);
  EXPECT_EQ(threads[1].owner, (Owner{OwnerKind::Runtime, "baseline"}));
  EXPECT_EQ(threads[2].owner, (Owner{OwnerKind::Runtime, "baseline"}));
  EXPECT_EQ(threads[3].owner.kind, OwnerKind::Mls);      // ours stays ours: it must be joined
  EXPECT_EQ(threads[4].owner.kind, OwnerKind::Unknown);  // new since the baseline
  EXPECT_EQ(threads[5].owner.kind, OwnerKind::Unknown);  // same name, another thread
  EXPECT_EQ(threads[6].owner.kind, OwnerKind::Test);
  EXPECT_EQ(applicationThreads(threads).size(), 4u);  // reaper, task3, libusb_event 105, leak
}

TEST(ThreadAudit, TasksAnElementMadeForItselfBelongToItsOwner) {
  int sink_a = 0, sink_b = 0, pad = 0;  // stand-ins for element and pad addresses
  ElementAddresses addresses = {{&sink_a, kYoutube}, {&sink_b, kBackup}};
  ElementOwners owners = elements();
  addTaskOwners({{"task5", &sink_a}, {"task7", &sink_b}, {"queue3:src", &pad}, {"", &sink_a}},
                addresses, &owners);
  EXPECT_EQ(attributeThread({1, "task5", 0}, false, owners), kYoutube);
  EXPECT_EQ(attributeThread({2, "task7", 0}, false, owners), kBackup);
  EXPECT_EQ(attributeThread({3, "task9", 0}, false, owners).kind, OwnerKind::Unknown);
  EXPECT_EQ(owners.count("queue3:src"), 0u);  // a pad's task: not one of the elements
}

TEST(ThreadAudit, AThreadKnownByItsTidNeedsNoUniqueName) {
  // Two inputs, both with a "testvideo": by name their threads are ambiguous; the tids their
  // pad tasks announced say which is which.
  const Owner cam2{OwnerKind::Input, "cam2"};
  int testvideo_1 = 0, testvideo_2 = 0, gone = 0;
  ElementOwners names = {{"testvideo", kCam}, {"testvideo", cam2}};
  ElementAddresses addresses = {{&testvideo_1, kCam}, {&testvideo_2, cam2}};
  ThreadOwners exact =
      threadOwners({{11, &testvideo_1}, {12, &testvideo_2}, {13, &gone}}, addresses);
  ASSERT_EQ(exact.size(), 2u);  // an element no running pipeline holds is left out
  EXPECT_EQ(attributeThread({11, "testvideo:src", 0}, false, names, exact), kCam);
  EXPECT_EQ(attributeThread({12, "testvideo:src", 0}, false, names, exact), cam2);
  // x264enc's worker, named after its creator, announced nothing: ambiguous by name.
  EXPECT_EQ(attributeThread({14, "testvideo:src", 0}, false, names, exact).kind,
            OwnerKind::Unknown);
  // The main thread stays the runtime's whatever it announced.
  EXPECT_EQ(attributeThread({11, "mlsd", 0}, true, names, exact).kind, OwnerKind::Runtime);
}

TEST(ThreadAudit, ParsesATaskStatLine) {
  double cpu = 0;
  ASSERT_TRUE(parseTaskCpu("4243 (queue3:src) S 1 4242 4242 0 -1 4194560 12 0 0 0 250 75 0 0 "
                           "20 0 7 0 123456 987654321 2560\n",
                           100, &cpu));
  EXPECT_DOUBLE_EQ(cpu, 3.25);
  EXPECT_FALSE(parseTaskCpu("4243 (x) S 1", 100, &cpu));
}

TEST(ThreadAudit, ReadsThisProcesssThreads) {
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    pthread_setname_np(pthread_self(), "audit-worker");
    while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  bool seen = false;
  for (int i = 0; i < 200 && !seen; i++) {
    for (const ThreadInfo& t : readThreads()) seen = seen || t.name == "audit-worker";
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  worker.join();
  EXPECT_TRUE(seen);
  auto threads = readThreads();
  ASSERT_FALSE(threads.empty());
  EXPECT_EQ(threads[0].tid, getpid());  // sorted by tid: the main thread first
}

}  // namespace
}  // namespace mls::diag
