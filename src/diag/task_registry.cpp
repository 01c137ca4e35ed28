// Weak references to every GstTask, through a tracer hook. See task_registry.h.
#include "diag/task_registry.h"

#include <gst/gst.h>
#include <unistd.h>

#include <memory>
#include <mutex>

namespace {

// A tracer of our own: GStreamer attaches hooks to a GstTracer instance.
struct MlsTaskTracer {
  GstTracer parent;
};
struct MlsTaskTracerClass {
  GstTracerClass parent_class;
};

G_DEFINE_TYPE(MlsTaskTracer, mls_task_tracer, GST_TYPE_TRACER)

void mls_task_tracer_class_init(MlsTaskTracerClass*) {}
void mls_task_tracer_init(MlsTaskTracer*) {}

struct WeakTask {
  GWeakRef ref;
  explicit WeakTask(GObject* task) { g_weak_ref_init(&ref, task); }
  ~WeakTask() { g_weak_ref_clear(&ref); }
  WeakTask(const WeakTask&) = delete;
  WeakTask& operator=(const WeakTask&) = delete;
};

std::mutex registry_lock;
std::vector<std::unique_ptr<WeakTask>> registry;  // protected by registry_lock

// Drops the references of tasks that are gone. With registry_lock held.
void pruneLocked() {
  std::erase_if(registry, [](const std::unique_ptr<WeakTask>& weak) {
    GObject* task = static_cast<GObject*>(g_weak_ref_get(&weak->ref));
    if (!task) return true;
    g_object_unref(task);
    return false;
  });
}

// GstTracerHookObjectCreated; any thread.
void onObjectCreated(GObject*, GstClockTime, GstObject* object) noexcept {
  if (!GST_IS_TASK(object)) return;
  std::lock_guard<std::mutex> lock(registry_lock);
  if (registry.size() >= 64) pruneLocked();
  registry.push_back(std::make_unique<WeakTask>(G_OBJECT(object)));
}

std::mutex threads_lock;
std::map<int, const void*> streaming;  // tid -> element; protected by threads_lock

// GstTracerHookElementPostMessagePre; runs on the posting thread, which for a pad task's
// ENTER and LEAVE is the task's own thread.
void onPostMessage(GObject*, GstClockTime, GstElement*, GstMessage* message) noexcept {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_STREAM_STATUS) return;
  GstStreamStatusType type;
  GstElement* owner = nullptr;
  gst_message_parse_stream_status(message, &type, &owner);
  if (type != GST_STREAM_STATUS_TYPE_ENTER && type != GST_STREAM_STATUS_TYPE_LEAVE) return;
  const int tid = static_cast<int>(gettid());
  std::lock_guard<std::mutex> lock(threads_lock);
  if (type == GST_STREAM_STATUS_TYPE_ENTER && owner)
    streaming[tid] = owner;
  else
    streaming.erase(tid);
}

}  // namespace

namespace mls::diag::task_registry {

void install() {
  static GstTracer* tracer = nullptr;  // main thread; lives as long as the process
  if (tracer) return;
  tracer = GST_TRACER(g_object_new(mls_task_tracer_get_type(), nullptr));
  gst_object_ref_sink(tracer);
  gst_tracing_register_hook(tracer, "object-created", G_CALLBACK(onObjectCreated));
  gst_tracing_register_hook(tracer, "element-post-message-pre", G_CALLBACK(onPostMessage));
}

std::map<int, const void*> streamingThreads() {
  std::lock_guard<std::mutex> lock(threads_lock);
  return streaming;
}

std::vector<TaskInfo> liveTasks() {
  std::vector<TaskInfo> tasks;
  std::lock_guard<std::mutex> lock(registry_lock);
  pruneLocked();
  for (const auto& weak : registry) {
    auto* task = static_cast<GstTask*>(g_weak_ref_get(&weak->ref));
    if (!task) continue;
    TaskInfo info;
    GST_OBJECT_LOCK(task);
    info.name = GST_OBJECT_NAME(task) ? GST_OBJECT_NAME(task) : "";
    info.user_data = task->user_data;
    GST_OBJECT_UNLOCK(task);
    gst_object_unref(task);
    tasks.push_back(std::move(info));
  }
  return tasks;
}

}  // namespace mls::diag::task_registry
