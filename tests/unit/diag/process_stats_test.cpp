// Process figures parsed from /proc text (a comm with spaces and parentheses included), and
// read from the running test process.
#include "diag/process_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>

namespace mls::diag {
namespace {

// A real /proc/<pid>/stat line of a process whose name is "ml s) (d", 7 threads.
constexpr const char* kStat =
    "4242 (ml s) (d) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 7 0 123456 "
    "987654321 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStats, ParsesAStatLine) {
  ProcessFigures figures;
  ASSERT_TRUE(parseProcStat(kStat, 100, 4096, 1700000000, &figures));
  EXPECT_DOUBLE_EQ(figures.cpu_user_s, 2.5);
  EXPECT_DOUBLE_EQ(figures.cpu_system_s, 0.75);
  EXPECT_EQ(figures.threads, 7);
  EXPECT_DOUBLE_EQ(figures.start_time_unix_s, 1700000000 + 1234.56);
  EXPECT_DOUBLE_EQ(figures.resident_bytes, 2560.0 * 4096);
}

TEST(ProcessStats, RefusesWhatIsNotAStatLine) {
  ProcessFigures figures;
  EXPECT_FALSE(parseProcStat("", 100, 4096, 0, &figures));
  EXPECT_FALSE(parseProcStat("4242 (mlsd) S 1 2 3", 100, 4096, 0, &figures));
  EXPECT_FALSE(parseProcStat(kStat, 0, 4096, 0, &figures));
}

TEST(ProcessStats, BootTime) {
  EXPECT_DOUBLE_EQ(parseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"),
                   1700000000);
  EXPECT_DOUBLE_EQ(parseBootTime("cpu 1\n"), 0);
}

TEST(ProcessStats, ReadsThisProcess) {
  const ProcessFigures figures = readProcessStats();
  EXPECT_GE(figures.threads, 1);
  EXPECT_GE(figures.open_fds, 3);  // stdin, stdout, stderr at least
  EXPECT_GT(figures.resident_bytes, 1024 * 1024);
  EXPECT_GE(figures.cpu_user_s + figures.cpu_system_s, 0);
  // Started within the last hour, not in the future.
  const double now = static_cast<double>(time(nullptr));
  EXPECT_LE(figures.start_time_unix_s, now + 1);
  EXPECT_GT(figures.start_time_unix_s, now - 3600);
}

}  // namespace
}  // namespace mls::diag
