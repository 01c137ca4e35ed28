// ThreadAudit: the threads of the mlsd process and who owns each one. The threads come from
// /proc/self/task (name from `comm`, CPU time from `stat`); the owner is decided by pure
// functions of that list and a map of element names to the input or output whose pipeline holds
// the element, so the attribution is tested without a running process.
//
// GStreamer names a streaming thread after the element and pad that run it ("queue3:src",
// "feed7-flv:src"); x264enc's workers inherit the name of the thread that started them; the
// kernel keeps only the first 15 bytes of a name. Owners:
//   runtime  GLib/GStreamer threads kept for the process's life (see isRuntimeThread())
//   mls      mlsd's own threads ("mls-reaper")
//   input    a thread of an input's pipeline; owner name "cam1"
//   output   a thread of an output's pipeline; owner name "cam1/youtube"
//   test     the test-only leak hook's thread (MLS_TEST_LEAK_THREAD)
//   unknown  nothing matched
// A task an element makes for itself (rtmp2sink's connection loop) is named "taskN"; its owner
// comes from the task's user_data, the element (task_registry.h, addTaskOwners()).
//
// Reading /proc is safe on any thread; attribute() and friends are pure.
#pragma once

#include <gst/gst.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "diag/task_registry.h"

namespace mls::diag {

// The kernel's limit on a thread name (TASK_COMM_LEN - 1).
constexpr size_t kThreadNameMax = 15;

struct ThreadInfo {
  int tid = 0;
  std::string name;  // comm, at most 15 bytes
  double cpu_s = 0;  // user + system
};

enum class OwnerKind { Runtime, Mls, Input, Output, Recording, Test, Unknown };
const char* ownerKindName(OwnerKind kind);

struct Owner {
  OwnerKind kind = OwnerKind::Unknown;
  std::string name;  // "cam1", "cam1/youtube", "reaper"; empty for runtime and unknown
  bool operator==(const Owner&) const = default;
};

struct AttributedThread {
  ThreadInfo thread;
  Owner owner;
};

// Element name -> owner of the pipeline holding it. A name held by more than one owner is
// ambiguous: threads named after it stay unknown.
using ElementOwners = std::multimap<std::string, Owner>;
// Element address -> owner, to match tasks and streaming threads (task_registry.h).
using ElementAddresses = std::map<const void*, Owner>;

// Name of the test-only leaked thread (MLS_TEST_LEAK_THREAD=1).
constexpr const char* kTestLeakThreadName = "mls-test-leak";

// GLib and GStreamer threads that live as long as the process once started, whoever asked
// first (see thread_audit.cpp for each one and why it is not a leak). `is_main` for the
// process's main thread (tid == pid).
bool isRuntimeThread(std::string_view name, bool is_main);

// Thread id -> owner, known exactly (a pad's task announced its thread: task_registry.h).
using ThreadOwners = std::map<int, Owner>;
// tid -> owner for the threads in `streaming` (tid -> element address) whose element is one of
// `addresses`.
ThreadOwners threadOwners(const std::map<int, const void*>& streaming,
                          const ElementAddresses& addresses);

// The owner of one thread: the main thread is the runtime's; then `exact`, when it knows the
// thread; then the thread's name.
Owner attributeThread(const ThreadInfo& thread, bool is_main, const ElementOwners& elements,
                      const ThreadOwners& exact = {});
// Every thread; `main_tid` is the process id.
std::vector<AttributedThread> attribute(const std::vector<ThreadInfo>& threads, int main_tid,
                                        const ElementOwners& elements,
                                        const ThreadOwners& exact = {});

// The threads alive at the audit's baseline (tid -> name), taken once the API listens and before
// any pipeline starts.
using Baseline = std::map<int, std::string>;
Baseline baselineOf(const std::vector<ThreadInfo>& threads);
// A thread left unknown that was alive at the baseline under the same tid and name was started
// by a library while mlsd initialized (plugins loaded by gst_init(): libusb's "libusb_event",
// unnamed helpers that carry the process's name): it is the runtime's, owner name "baseline".
void applyBaseline(std::vector<AttributedThread>* threads, const Baseline& baseline);

// "runtime" -> 5, "input cam1" -> 3, "output cam1/youtube" -> 2 …: counts by owner, keyed by
// ownerLabel().
std::map<std::string, int> countByOwner(const std::vector<AttributedThread>& threads);
std::string ownerLabel(const Owner& owner);

// Threads that are not the runtime's: what must be gone once every pipeline is NULL.
std::vector<AttributedThread> applicationThreads(const std::vector<AttributedThread>& threads);

// Parses one /proc/self/task/<tid>/stat line: user + system CPU seconds. False when malformed.
bool parseTaskCpu(std::string_view stat, long ticks_per_s, double* cpu_s);

// Adds every element of `pipeline` (itself and its children, recursively) as owned by `owner`,
// by name and, when `addresses` is given, by address. Main thread: the pipeline is borrowed for
// the call.
void collectElementOwners(GstElement* pipeline, const Owner& owner, ElementOwners* out,
                          ElementAddresses* addresses = nullptr);

// Adds the name of every task whose user_data is one of `addresses` (a task an element made for
// itself, named "taskN") as owned by that element's owner.
void addTaskOwners(const std::vector<TaskInfo>& tasks, const ElementAddresses& addresses,
                   ElementOwners* out);

// The process's threads now, from /proc/self/task.
std::vector<ThreadInfo> readThreads();

}  // namespace mls::diag
