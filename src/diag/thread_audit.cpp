// Threads of the process and their owners. See thread_audit.h.
#include "diag/thread_audit.h"

#include <glib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace mls::diag {
namespace {

std::string readText(const std::string& path) {
  g_autofree gchar* text = nullptr;
  gsize size = 0;
  if (!g_file_get_contents(path.c_str(), &text, &size, nullptr)) return {};
  return std::string(text, size);
}

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

const char* ownerKindName(OwnerKind kind) {
  switch (kind) {
    case OwnerKind::Runtime: return "runtime";
    case OwnerKind::Mls: return "mls";
    case OwnerKind::Input: return "input";
    case OwnerKind::Output: return "output";
    case OwnerKind::Recording: return "recording";
    case OwnerKind::Test: return "test";
    case OwnerKind::Unknown: return "unknown";
  }
  return "unknown";
}

std::string ownerLabel(const Owner& owner) {
  std::string label = ownerKindName(owner.kind);
  if (!owner.name.empty()) label += " " + owner.name;
  return label;
}

bool isRuntimeThread(std::string_view name, bool is_main) {
  // Threads that GLib and GStreamer start on first use and keep until the process exits: they
  // belong to the libraries, not to any input or output, and mlsd cannot (and need not) stop
  // them, so they are never counted as leaks.
  //  - the main thread: turns the default GMainContext until main() returns.
  //  - "gmain": GLib's worker context (g_get_worker_context()), started by the first GIO
  //    asynchronous operation (a GSubprocess's child watch, GResolver); never stopped.
  //  - "gdbus": GDBus's worker, started with the first bus connection (GSettings); never stopped.
  //  - "dconf worker": dconf's GSettings backend, started when GIO loads GSettings; never stopped.
  //  - "pool-spawner" and "pool-…": GLib's GThreadPool, shared by GIO (the threaded resolver
  //    libsoup's lookups use), GTask and GStreamer's default GstTaskPool. A GstTask renames its
  //    pool thread to "element:pad" while it runs and back to "pool-…" when it ends, so an idle
  //    "pool-…" thread is a parked worker that GLib reuses or retires on its own schedule.
  //  - "GstSystemClock": the system clock singleton's thread, started by the first asynchronous
  //    clock wait; it lives until gst_deinit(), which runs after the audit.
  // libsoup 3 starts no thread of its own: the server runs on the main context.
  // Threads that libraries start while gst_init() loads plugins are recognised by the baseline
  // instead (applyBaseline()): their names are whatever those libraries chose.
  if (is_main) return true;
  return name == "gmain" || name == "gdbus" || name == "dconf worker" ||
         startsWith(name, "pool-") || name == "GstSystemClock";
}

ThreadOwners threadOwners(const std::map<int, const void*>& streaming,
                          const ElementAddresses& addresses) {
  ThreadOwners owners;
  for (const auto& [tid, element] : streaming) {
    auto it = addresses.find(element);
    if (it != addresses.end()) owners[tid] = it->second;
  }
  return owners;
}

Owner attributeThread(const ThreadInfo& thread, bool is_main, const ElementOwners& elements,
                      const ThreadOwners& exact) {
  const std::string& name = thread.name;
  if (is_main) return {OwnerKind::Runtime, {}};
  if (auto it = exact.find(thread.tid); it != exact.end()) return it->second;
  if (isRuntimeThread(name, is_main)) return {OwnerKind::Runtime, {}};
  if (name == kTestLeakThreadName) return {OwnerKind::Test, "leak hook"};
  if (startsWith(name, "mls-")) return {OwnerKind::Mls, name.substr(4)};

  // "element:pad" (a pad's task), or a name inherited from one (x264enc's workers). Before
  // the colon the element's name is complete; without a colon in a 15-byte name, the name may
  // have been cut, so any element whose name starts with it is a candidate.
  std::set<std::pair<int, std::string>> owners;
  auto collect = [&](auto first, auto last) {
    for (auto it = first; it != last; ++it)
      owners.insert({static_cast<int>(it->second.kind), it->second.name});
  };
  size_t colon = name.find(':');
  if (colon != std::string::npos) {
    auto range = elements.equal_range(name.substr(0, colon));
    collect(range.first, range.second);
  } else if (name.size() >= kThreadNameMax) {
    auto first = elements.lower_bound(name);
    auto last = first;
    while (last != elements.end() && startsWith(last->first, name)) ++last;
    collect(first, last);
  } else {
    auto range = elements.equal_range(name);
    collect(range.first, range.second);
  }
  if (owners.size() != 1) return {OwnerKind::Unknown, {}};  // none, or ambiguous
  return {static_cast<OwnerKind>(owners.begin()->first), owners.begin()->second};
}

std::vector<AttributedThread> attribute(const std::vector<ThreadInfo>& threads, int main_tid,
                                        const ElementOwners& elements,
                                        const ThreadOwners& exact) {
  std::vector<AttributedThread> out;
  out.reserve(threads.size());
  for (const ThreadInfo& thread : threads)
    out.push_back({thread, attributeThread(thread, thread.tid == main_tid, elements, exact)});
  return out;
}

Baseline baselineOf(const std::vector<ThreadInfo>& threads) {
  Baseline baseline;
  for (const ThreadInfo& t : threads) baseline[t.tid] = t.name;
  return baseline;
}

void applyBaseline(std::vector<AttributedThread>* threads, const Baseline& baseline) {
  for (AttributedThread& t : *threads) {
    if (t.owner.kind != OwnerKind::Unknown) continue;
    auto it = baseline.find(t.thread.tid);
    if (it != baseline.end() && it->second == t.thread.name) t.owner = {OwnerKind::Runtime, "baseline"};
  }
}

std::map<std::string, int> countByOwner(const std::vector<AttributedThread>& threads) {
  std::map<std::string, int> counts;
  for (const AttributedThread& t : threads) counts[ownerLabel(t.owner)]++;
  return counts;
}

std::vector<AttributedThread> applicationThreads(const std::vector<AttributedThread>& threads) {
  std::vector<AttributedThread> out;
  for (const AttributedThread& t : threads)
    if (t.owner.kind != OwnerKind::Runtime) out.push_back(t);
  return out;
}

bool parseTaskCpu(std::string_view stat, long ticks_per_s, double* cpu_s) {
  // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_s <= 0) return false;
  std::string rest(stat.substr(close + 1));
  g_auto(GStrv) parts = g_strsplit_set(rest.c_str(), " \n", -1);
  std::vector<const char*> fields;
  for (gchar** p = parts; *p; ++p)
    if (**p) fields.push_back(*p);
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3;
  if (fields.size() <= kStime) return false;
  double ticks = std::strtod(fields[kUtime], nullptr) + std::strtod(fields[kStime], nullptr);
  *cpu_s = ticks / static_cast<double>(ticks_per_s);
  return true;
}

void addTaskOwners(const std::vector<TaskInfo>& tasks, const ElementAddresses& addresses,
                   ElementOwners* out) {
  for (const TaskInfo& task : tasks) {
    auto it = addresses.find(task.user_data);
    if (it != addresses.end() && !task.name.empty()) out->insert({task.name, it->second});
  }
}

void collectElementOwners(GstElement* pipeline, const Owner& owner, ElementOwners* out,
                          ElementAddresses* addresses) {
  g_return_if_fail(GST_IS_BIN(pipeline));
  g_autofree gchar* own = gst_element_get_name(pipeline);
  out->insert({own, owner});
  if (addresses) (*addresses)[pipeline] = owner;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto* element = GST_ELEMENT(g_value_get_object(&item));
        g_autofree gchar* name = gst_element_get_name(element);
        out->insert({name, owner});
        if (addresses) (*addresses)[element] = owner;
        g_value_reset(&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(it);
        break;
      default:
        done = true;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

std::vector<ThreadInfo> readThreads() {
  std::vector<ThreadInfo> threads;
  g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, nullptr);
  if (!dir) return threads;
  const long ticks = sysconf(_SC_CLK_TCK);
  while (const gchar* entry = g_dir_read_name(dir)) {
    ThreadInfo info;
    info.tid = std::atoi(entry);
    const std::string base = std::string("/proc/self/task/") + entry;
    std::string comm = readText(base + "/comm");
    if (comm.empty()) continue;  // it exited meanwhile
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    info.name = comm;
    parseTaskCpu(readText(base + "/stat"), ticks, &info.cpu_s);
    threads.push_back(std::move(info));
  }
  std::sort(threads.begin(), threads.end(),
            [](const ThreadInfo& a, const ThreadInfo& b) { return a.tid < b.tid; });
  return threads;
}

}  // namespace mls::diag
