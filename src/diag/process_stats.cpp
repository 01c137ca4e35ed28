// Figures of the mlsd process from /proc. See process_stats.h.
#include "diag/process_stats.h"

#include <glib.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace mls::diag {
namespace {

std::string readText(const char* path) {
  g_autofree gchar* text = nullptr;
  gsize size = 0;
  if (!g_file_get_contents(path, &text, &size, nullptr)) return {};
  return std::string(text, size);
}

int countOpenFds() {
  g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, nullptr);
  if (!dir) return 0;
  int n = 0;
  while (g_dir_read_name(dir)) n++;
  return n > 0 ? n - 1 : 0;  // the directory being read is open too
}

}  // namespace

bool parseProcStat(std::string_view stat, long ticks_per_s, long page_size, double boot_time_s,
                   ProcessFigures* out) {
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted
  // from after its last ')'. Field 3 (state) is index 0 of what follows.
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_s <= 0) return false;
  std::vector<std::string> fields;
  std::string rest(stat.substr(close + 1));
  g_auto(GStrv) parts = g_strsplit_set(g_strstrip(rest.data()), " \n", -1);
  for (gchar** p = parts; *p; ++p)
    if (**p) fields.emplace_back(*p);
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3, kThreads = 20 - 3, kStart = 22 - 3,
                   kRss = 24 - 3;
  if (fields.size() <= kRss) return false;
  auto number = [&](size_t i) { return std::strtod(fields[i].c_str(), nullptr); };
  out->cpu_user_s = number(kUtime) / static_cast<double>(ticks_per_s);
  out->cpu_system_s = number(kStime) / static_cast<double>(ticks_per_s);
  out->threads = static_cast<int>(number(kThreads));
  out->start_time_unix_s = boot_time_s + number(kStart) / static_cast<double>(ticks_per_s);
  out->resident_bytes = number(kRss) * static_cast<double>(page_size);
  return true;
}

double parseBootTime(std::string_view proc_stat) {
  size_t at = 0;
  while (at < proc_stat.size()) {
    size_t end = proc_stat.find('\n', at);
    if (end == std::string_view::npos) end = proc_stat.size();
    std::string_view line = proc_stat.substr(at, end - at);
    if (line.substr(0, 6) == "btime ")
      return std::strtod(std::string(line.substr(6)).c_str(), nullptr);
    at = end + 1;
  }
  return 0;
}

ProcessFigures readProcessStats() {
  ProcessFigures figures;
  parseProcStat(readText("/proc/self/stat"), sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
                parseBootTime(readText("/proc/stat")), &figures);
  figures.open_fds = countOpenFds();
  return figures;
}

}  // namespace mls::diag
