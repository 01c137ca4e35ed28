// Off-main-thread pipeline teardown. See reaper.h.
#include "media/reaper.h"

#include "core/allocator.h"
#include "media/media_log.h"

#define GST_CAT_DEFAULT mls_supervisor_debug

namespace mls::media {
namespace {

struct Job {
  GstElement* pipeline = nullptr;  // owned; nullptr = stop the worker
  std::unique_ptr<KeepAlive> keep;
  std::function<void()> done;
  GMainContext* context = nullptr;  // owned ref
};

gboolean runDone(gpointer data) noexcept {
  auto* fn = static_cast<std::function<void()>*>(data);
  (*fn)();
  return G_SOURCE_REMOVE;
}

void deleteDone(gpointer data) noexcept { delete static_cast<std::function<void()>*>(data); }

}  // namespace

Reaper::Reaper() {
  queue_ = g_async_queue_new();
  thread_ = g_thread_new("mls-reaper", &Reaper::run, this);
}

Reaper::~Reaper() {
  g_async_queue_push(queue_, new Job{});  // sentinel: processed after everything queued before
  g_thread_join(thread_);
  g_async_queue_unref(queue_);
}

void Reaper::dispose(GstElement* pipeline, std::unique_ptr<KeepAlive> keep,
                     std::function<void()> done) {
  g_return_if_fail(pipeline != nullptr);
  pending_.fetch_add(1);
  GMainContext* ctx = g_main_context_ref_thread_default();
  g_async_queue_push(queue_, new Job{pipeline, std::move(keep), std::move(done), ctx});
}

gpointer Reaper::run(gpointer data) noexcept {
  auto* self = static_cast<Reaper*>(data);
  for (;;) {
    std::unique_ptr<Job> job(static_cast<Job*>(g_async_queue_pop(self->queue_)));
    if (!job->pipeline) break;
    gint64 start = g_get_monotonic_time();
    gst_element_set_state(job->pipeline, GST_STATE_NULL);
    GST_DEBUG("%s reached NULL in %" G_GINT64_FORMAT " ms", GST_OBJECT_NAME(job->pipeline),
              (g_get_monotonic_time() - start) / 1000);
    gst_object_unref(job->pipeline);
    job->keep.reset();
    if (job->done) {
      g_main_context_invoke_full(job->context, G_PRIORITY_DEFAULT, runDone,
                                 new std::function<void()>(std::move(job->done)), deleteDone);
    }
    g_main_context_unref(job->context);
    // The last pipeline is gone: hand back the memory its streaming threads freed
    // (core/allocator.h). Once per idle queue, on this thread, so it costs the main loop nothing.
    if (g_async_queue_length(self->queue_) <= 0) {
      const core::TrimFigures trim = core::releaseFreedMemory();
      GST_DEBUG("malloc_trim took %" G_GINT64_FORMAT " us (%" G_GINT64_FORMAT " us CPU)%s",
                trim.duration_us, trim.cpu_us, trim.released ? "" : ", nothing released");
    }
    self->pending_.fetch_sub(1);
  }
  return nullptr;
}

}  // namespace mls::media
