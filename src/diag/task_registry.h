// TaskRegistry: every GstTask the process creates, so the thread audit can tell whose thread a
// task runs on when its name says nothing. A pad's task is named "element:pad", but an element
// that makes a task of its own gets GStreamer's default name "taskN" (rtmp2sink's and rtmp2src's
// connection loops); such a task's user_data is the element itself. A GstTracer hook on
// "object-created" keeps a weak reference to each task; liveTasks() reads the name and the
// user_data of those still alive, and the caller compares user_data with the elements of its
// pipelines (by address only: it is never dereferenced here).
//
// Names are not unique: two inputs of the same kind have elements of the same name, so their
// pads' threads have the same name too. A second hook, on "element-post-message-pre", sees the
// STREAM_STATUS messages a pad's task posts from its own thread when it starts (ENTER) and ends
// (LEAVE), and keeps which thread (tid) runs a task for which element now:
// streamingThreads(). That attribution is exact; names remain the fallback for threads that
// post nothing (x264enc's workers, which inherit their creator's name).
//
// install() once after gst_init(), on the main thread. The hook runs on whichever thread creates
// a task; liveTasks() on any thread. Thread-safe (one mutex).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mls::diag {

struct TaskInfo {
  std::string name;             // the task's object name: its thread's name while it runs
  const void* user_data = nullptr;  // what the task function gets (the element, for "taskN")
};

namespace task_registry {

// Registers the tracer hook (idempotent). GStreamer dispatches tracer hooks only once one is
// registered, so until then nothing else pays for them.
void install();
// The tasks alive now.
std::vector<TaskInfo> liveTasks();
// The threads running a pad's task now: tid -> address of the element that owns the pad.
std::map<int, const void*> streamingThreads();

}  // namespace task_registry
}  // namespace mls::diag
