// Resources of the process and the text of the audit. See resource_report.h.
#include "diag/resource_report.h"

#include <dirent.h>
#include <glib.h>
#include <gst/gst.h>
#include <malloc.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime's public interface (sanitizer/allocator_interface.h, which Debian's
// GCC 12 does not install).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <cstdarg>
#include <cstdlib>

#include "diag/process_stats.h"

namespace mls::diag {
namespace {

std::string readText(const char* path) {
  g_autofree gchar* text = nullptr;
  gsize size = 0;
  if (!g_file_get_contents(path, &text, &size, nullptr)) return {};
  return std::string(text, size);
}

std::string textf(const char* format, ...) G_GNUC_PRINTF(1, 2);
std::string textf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  g_autofree gchar* text = g_strdup_vprintf(format, args);
  va_end(args);
  return text;
}

std::string threadLine(const AttributedThread& t) {
  return textf("  - %s (tid %d, %.2f s CPU): %s", t.thread.name.c_str(), t.thread.tid,
                t.thread.cpu_s, ownerLabel(t.owner).c_str());
}

std::string fdLine(const FdCounts& fds) {
  return textf("%d (sockets %d, files %d, pipes %d, other %d)", fds.total(), fds.sockets,
                fds.files, fds.pipes, fds.other);
}

}  // namespace

FdKind classifyFd(std::string_view link) {
  if (link.substr(0, 7) == "socket:") return FdKind::Socket;
  if (link.substr(0, 5) == "pipe:") return FdKind::Pipe;
  if (!link.empty() && link.front() == '/') return FdKind::File;
  return FdKind::Other;
}

FdCounts countFds() {
  FdCounts counts;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return counts;
  const int own = dirfd(dir);
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    if (std::atoi(entry->d_name) == own) continue;
    char link[256];
    ssize_t n = readlinkat(own, entry->d_name, link, sizeof link - 1);
    if (n < 0) continue;  // closed meanwhile
    switch (classifyFd(std::string_view(link, static_cast<size_t>(n)))) {
      case FdKind::Socket: counts.sockets++; break;
      case FdKind::File: counts.files++; break;
      case FdKind::Pipe: counts.pipes++; break;
      case FdKind::Other: counts.other++; break;
    }
  }
  closedir(dir);
  return counts;
}

uint64_t parseStatusKb(std::string_view status, std::string_view key) {
  size_t at = 0;
  while (at < status.size()) {
    size_t end = status.find('\n', at);
    if (end == std::string_view::npos) end = status.size();
    std::string_view line = status.substr(at, end - at);
    if (line.size() > key.size() && line.substr(0, key.size()) == key &&
        line[key.size()] == ':')
      return std::strtoull(std::string(line.substr(key.size() + 1)).c_str(), nullptr, 10) * 1024;
    at = end + 1;
  }
  return 0;
}

Resources readResources() {
  Resources r;
  const ProcessFigures process = readProcessStats();
  r.rss_bytes = static_cast<uint64_t>(process.resident_bytes);
  r.cpu_user_s = process.cpu_user_s;
  r.cpu_system_s = process.cpu_system_s;
  r.peak_rss_bytes = parseStatusKb(readText("/proc/self/status"), "VmHWM");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer replaces malloc, and glibc's mallinfo2() then reports zeros.
  r.heap_in_use_bytes = __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 heap = mallinfo2();
  r.heap_in_use_bytes = heap.uordblks + heap.hblkhd;
#endif
  r.fds = countFds();
  return r;
}

Platform readPlatform() {
  Platform p;
  guint major = 0, minor = 0, micro = 0, nano = 0;
  gst_version(&major, &minor, &micro, &nano);
  p.gstreamer_version = textf("%u.%u.%u", major, minor, micro);
  p.glib_version = textf("%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
  p.cpu_cores = static_cast<int>(g_get_num_processors());
  struct utsname uts {};
  if (uname(&uts) == 0) p.os_arch = std::string(uts.sysname) + " " + uts.release + " " + uts.machine;
  return p;
}

std::string formatBytes(uint64_t bytes) {
  if (bytes < 1024) return textf("%llu B", static_cast<unsigned long long>(bytes));
  const char* units[] = {"kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    unit++;
  }
  return textf("%.1f %s", value, units[unit]);
}

std::vector<ReportLine> formatStartAudit(const std::vector<AttributedThread>& threads) {
  std::vector<ReportLine> lines;
  lines.push_back({false, textf("Threads at start: %zu", threads.size())});
  for (const auto& [owner, count] : countByOwner(threads))
    lines.push_back({false, textf("  %-28s %d", owner.c_str(), count)});
  return lines;
}

std::vector<AttributedThread> leakedThreads(const ExitAudit& audit) {
  return applicationThreads(audit.threads);
}

int leakedFds(const ExitAudit& audit) {
  int extra = audit.fds.total() - audit.baseline_fds;
  return extra > 0 ? extra : 0;
}

uint64_t leakedObjects(const ExitAudit& audit) {
  return audit.objects.installed ? audit.objects.alive : 0;
}

std::vector<ReportLine> formatExitAudit(const ExitAudit& audit) {
  std::vector<ReportLine> lines;
  auto info = [&](std::string text) { lines.push_back({false, std::move(text)}); };
  auto warn = [&](std::string text) { lines.push_back({true, std::move(text)}); };
  const int final_threads = static_cast<int>(audit.threads.size());
  const std::vector<AttributedThread> leaked = leakedThreads(audit);

  info("=== Resource Usage Report ===");
  info("Threads:");
  info(textf("  Initial: %d", audit.initial_threads));
  info(textf("  Current: %d", final_threads));
  info(textf("  Difference: %+d", final_threads - audit.initial_threads));
  info("Thread Analysis:");
  info(textf("  Total threads: %d", final_threads));
  info(textf("  Runtime threads: %zu", audit.threads.size() - leaked.size()));
  info(textf("  Application threads: %zu", leaked.size()));
  info("Runtime Threads:");
  for (const AttributedThread& t : audit.threads)
    if (t.owner.kind == OwnerKind::Runtime) info(threadLine(t));
  if (leaked.empty()) {
    info("✓ No thread leaks detected");
  } else {
    warn("Application threads detected:");
    for (const AttributedThread& t : leaked) warn(threadLine(t));
    warn(textf("⚠ Potential thread leaks detected (%zu application thread%s remaining)",
                leaked.size(), leaked.size() == 1 ? "" : "s"));
  }
  info("File Descriptors:");
  info(textf("  At start: %d", audit.baseline_fds));
  info("  At exit: " + fdLine(audit.fds));
  if (int extra = leakedFds(audit); extra > 0)
    warn(textf("⚠ Potential fd leaks detected (%d more than at start)", extra));
  else
    info("✓ No fd leaks detected");
  if (audit.objects.installed) {
    const ObjectCensus& o = audit.objects;
    info("GStreamer Objects (created after start-up):");
    info(textf("  Created: %llu", static_cast<unsigned long long>(o.created)));
    info(textf("  Destroyed: %llu", static_cast<unsigned long long>(o.destroyed)));
    info(textf("  Alive: %llu", static_cast<unsigned long long>(o.alive)));
    if (o.alive == 0) {
      info("✓ No GstObject leaks detected");
    } else {
      for (const auto& [type, count] : o.alive_by_type) warn(textf("  %-28s %d", type.c_str(), count));
      warn(textf("⚠ Potential GstObject leaks detected (%llu alive)",
                 static_cast<unsigned long long>(o.alive)));
    }
  }
  const Resources& r = audit.resources;
  info("Memory Usage:");
  info("  Resident: " + formatBytes(r.rss_bytes));
  info("  Peak resident: " + formatBytes(r.peak_rss_bytes));
  info("  Heap in use: " + formatBytes(r.heap_in_use_bytes));
  info(textf("CPU Time: user %.2f s, system %.2f s", r.cpu_user_s, r.cpu_system_s));
  info(textf("Uptime: %.1f s", audit.uptime_s));
  const Platform& p = audit.platform;
  info("System Info:");
  info(textf("  CPU Cores: %d", p.cpu_cores));
  info("  mls: " + p.mls_version);
  info("  GStreamer: " + p.gstreamer_version);
  info("  GLib: " + p.glib_version);
  info("  libsoup: " + p.soup_version);
  info("  OS/Arch: " + p.os_arch);
  info("==============================");
  return lines;
}

}  // namespace mls::diag
