// ResourceReport: what the mlsd process holds — resident and peak memory, heap in use, open
// file descriptors by kind, CPU time, uptime — and what it runs on (library versions, cores,
// OS), plus the text of the thread audit mlsd logs at start and at exit. The parsing and the
// formatting are pure functions, tested on their own; readResources() reads /proc/self and
// mallinfo2(). Any thread (it only reads); the Server logs the report on the main thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "diag/object_census.h"
#include "diag/thread_audit.h"

namespace mls::diag {

enum class FdKind { Socket, File, Pipe, Other };

struct FdCounts {
  int sockets = 0;
  int files = 0;
  int pipes = 0;
  int other = 0;  // anon inodes (eventfd, timerfd, epoll), …
  int total() const { return sockets + files + pipes + other; }
};

// The kind of an fd from its /proc/self/fd link: "socket:[123]", "pipe:[45]", "/path",
// "anon_inode:[eventfd]".
FdKind classifyFd(std::string_view link);
// Open fds now (the one used to read the directory is not counted).
FdCounts countFds();

// The value of a "Key:   1234 kB" line of /proc/self/status, in bytes; 0 when absent.
uint64_t parseStatusKb(std::string_view status, std::string_view key);

// Versions of what mlsd runs on; the caller fills the ones diag does not link (libsoup).
struct Platform {
  std::string mls_version;
  std::string gstreamer_version;  // "1.22.0"
  std::string glib_version;       // "2.74.6"
  std::string soup_version;       // "3.2.2"
  int cpu_cores = 0;
  std::string os_arch;            // "Linux 6.1.0 x86_64"
};

struct Resources {
  uint64_t rss_bytes = 0;
  uint64_t peak_rss_bytes = 0;  // VmHWM
  uint64_t heap_in_use_bytes = 0;  // mallinfo2(): uordblks + hblkhd
  FdCounts fds;
  double cpu_user_s = 0;
  double cpu_system_s = 0;
};

// Everything now. Figures that cannot be read stay 0.
Resources readResources();
// GStreamer's and GLib's versions, cores and uname(); soup_version and mls_version left empty.
Platform readPlatform();

// One log line of a report.
struct ReportLine {
  bool warning = false;
  std::string text;
};

// At start: "Threads at start: 9", then one line per owner.
std::vector<ReportLine> formatStartAudit(const std::vector<AttributedThread>& threads);

// What the exit audit compares.
struct ExitAudit {
  int initial_threads = 0;                 // at the baseline (API listening, no pipeline yet)
  std::vector<AttributedThread> threads;   // at exit, every pipeline NULL, loop stopped
  int baseline_fds = 0;                    // at the baseline
  FdCounts fds;                            // at exit, API closed
  Resources resources;
  ObjectCensus objects;                    // GstObjects created since start-up, alive at exit
  Platform platform;
  double uptime_s = 0;
};

// Application threads left at exit (see applicationThreads()).
std::vector<AttributedThread> leakedThreads(const ExitAudit& audit);
// Fds beyond the baseline (0 when none).
int leakedFds(const ExitAudit& audit);
// GstObjects mlsd created that are still alive at exit (0 when none, or no census).
uint64_t leakedObjects(const ExitAudit& audit);

// The whole exit report: thread audit, then the resource report. Leaks are warnings.
std::vector<ReportLine> formatExitAudit(const ExitAudit& audit);

// "1.8 MB", "512 B", "3.4 GB".
std::string formatBytes(uint64_t bytes);

}  // namespace mls::diag
