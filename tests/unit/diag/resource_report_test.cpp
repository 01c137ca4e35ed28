// The resource report: fds classified from their /proc links, /proc/self/status lines, byte
// sizes, and the text of the start and exit audits (clean, and with a leaked thread and fds).
#include "diag/resource_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace mls::diag {
namespace {

std::string joined(const std::vector<ReportLine>& lines) {
  std::string text;
  for (const ReportLine& line : lines) text += (line.warning ? "W " : "I ") + line.text + "\n";
  return text;
}

TEST(ResourceReport, ClassifiesFds) {
  EXPECT_EQ(classifyFd("socket:[12345]"), FdKind::Socket);
  EXPECT_EQ(classifyFd("pipe:[678]"), FdKind::Pipe);
  EXPECT_EQ(classifyFd("/dev/null"), FdKind::File);
  EXPECT_EQ(classifyFd("/var/lib/mls/state.json"), FdKind::File);
  EXPECT_EQ(classifyFd("anon_inode:[eventfd]"), FdKind::Other);
}

TEST(ResourceReport, CountsThisProcesssFds) {
  FdCounts before = countFds();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  FdCounts after = countFds();
  EXPECT_EQ(after.pipes, before.pipes + 2);
  EXPECT_EQ(after.total(), before.total() + 2);
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(countFds().total(), before.total());
}

TEST(ResourceReport, ParsesStatusLines) {
  constexpr const char* kStatus =
      "Name:\tmlsd\nVmPeak:\t  300000 kB\nVmHWM:\t   41234 kB\nVmRSS:\t   25000 kB\n";
  EXPECT_EQ(parseStatusKb(kStatus, "VmHWM"), 41234u * 1024);
  EXPECT_EQ(parseStatusKb(kStatus, "VmRSS"), 25000u * 1024);
  EXPECT_EQ(parseStatusKb(kStatus, "VmSwap"), 0u);
  EXPECT_EQ(parseStatusKb(kStatus, "Vm"), 0u);  // a key is matched whole
}

TEST(ResourceReport, ReadsThisProcess) {
  Resources r = readResources();
  EXPECT_GT(r.rss_bytes, 0u);
  EXPECT_GE(r.peak_rss_bytes, r.rss_bytes / 2);  // both in kB granularity, read at two moments
  EXPECT_GT(r.heap_in_use_bytes, 0u);
  EXPECT_GE(r.fds.total(), 3);
  Platform p = readPlatform();
  EXPECT_EQ(p.gstreamer_version.rfind("1.", 0), 0u);
  EXPECT_GE(p.cpu_cores, 1);
  EXPECT_NE(p.os_arch.find("Linux"), std::string::npos);
}

TEST(ResourceReport, FormatsBytes) {
  EXPECT_EQ(formatBytes(512), "512 B");
  EXPECT_EQ(formatBytes(1536), "1.5 kB");
  EXPECT_EQ(formatBytes(uint64_t{25} * 1024 * 1024 + 300 * 1024), "25.3 MB");
  EXPECT_EQ(formatBytes(uint64_t{3} * 1024 * 1024 * 1024), "3.0 GB");
}

TEST(ResourceReport, StartAuditCountsByOwner) {
  std::vector<AttributedThread> threads = {{{1, "mlsd", 0}, {OwnerKind::Runtime, {}}},
                                           {{2, "gmain", 0}, {OwnerKind::Runtime, {}}},
                                           {{3, "queue3:src", 0}, {OwnerKind::Input, "cam1"}}};
  std::string text = joined(formatStartAudit(threads));
  EXPECT_NE(text.find("I Threads at start: 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("input cam1"), std::string::npos) << text;
  EXPECT_NE(text.find("runtime"), std::string::npos) << text;
}

ExitAudit cleanAudit() {
  ExitAudit audit;
  audit.initial_threads = 4;
  audit.threads = {{{1, "mlsd", 0.5}, {OwnerKind::Runtime, {}}},
                   {{2, "gmain", 0}, {OwnerKind::Runtime, {}}},
                   {{3, "pool-mlsd", 0}, {OwnerKind::Runtime, {}}}};
  audit.baseline_fds = 9;
  audit.fds = {1, 4, 2, 1};
  audit.resources.rss_bytes = 25 * 1024 * 1024;
  audit.resources.peak_rss_bytes = 41 * 1024 * 1024;
  audit.resources.heap_in_use_bytes = 3 * 1024 * 1024;
  audit.platform = {"0.1.0", "1.22.0", "2.74.6", "3.2.2", 2, "Linux 6.1.0 x86_64"};
  audit.uptime_s = 12.34;
  return audit;
}

TEST(ResourceReport, ExitAuditWithoutLeaks) {
  ExitAudit audit = cleanAudit();
  EXPECT_TRUE(leakedThreads(audit).empty());
  EXPECT_EQ(leakedFds(audit), 0);
  std::string text = joined(formatExitAudit(audit));
  for (const char* line :
       {"I === Resource Usage Report ===\n", "I   Initial: 4\n", "I   Current: 3\n",
        "I   Difference: -1\n", "I   Application threads: 0\n", "I ✓ No thread leaks detected\n",
        "I   At exit: 8 (sockets 1, files 4, pipes 2, other 1)\n", "I ✓ No fd leaks detected\n",
        "I   Peak resident: 41.0 MB\n", "I   Heap in use: 3.0 MB\n", "I Uptime: 12.3 s\n",
        "I   CPU Cores: 2\n", "I   GStreamer: 1.22.0\n", "I   libsoup: 3.2.2\n",
        "I   OS/Arch: Linux 6.1.0 x86_64\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
  EXPECT_EQ(text.find("W "), std::string::npos) << text;
}

TEST(ResourceReport, ExitAuditNamesLeakedThreadsWithTheirOwner) {
  ExitAudit audit = cleanAudit();
  audit.threads.push_back({{77, "mls-test-leak", 0}, {OwnerKind::Test, "leak hook"}});
  audit.threads.push_back({{78, "feed0-flv:src", 0}, {OwnerKind::Output, "cam1/youtube"}});
  audit.fds = {3, 4, 2, 2};
  ASSERT_EQ(leakedThreads(audit).size(), 2u);
  EXPECT_EQ(leakedFds(audit), 2);
  std::string text = joined(formatExitAudit(audit));
  EXPECT_EQ(text.find("No thread leaks detected"), std::string::npos) << text;
  EXPECT_NE(text.find("W   - mls-test-leak (tid 77, 0.00 s CPU): test leak hook\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("W   - feed0-flv:src (tid 78, 0.00 s CPU): output cam1/youtube\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("W ⚠ Potential thread leaks detected (2 application threads remaining)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("W ⚠ Potential fd leaks detected (2 more than at start)"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace mls::diag
