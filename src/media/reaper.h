// Reaper: takes pipelines out of service off the main thread. Setting a pipeline to NULL can
// block for seconds when an element is stuck in network I/O (rtspsrc or rtmp2sink talking to a
// dead peer), and the main loop must never block (DESIGN rule 4). dispose() hands the pipeline,
// and whatever must outlive its streaming threads (taps, feeds), to one worker thread, which sets
// NULL, drops everything, then reports back on the main context.
//
// Owned by the Supervisor; dispose() and drain() are called on the main thread; the worker
// thread ("mls-reaper") only touches what it was handed.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>

namespace mls::media {

// Anything that must stay alive until its pipeline has reached NULL.
struct KeepAlive {
  virtual ~KeepAlive() = default;
};

class Reaper {
 public:
  Reaper();
  ~Reaper();  // waits for the queue to empty, then joins the worker
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Takes `pipeline` (transfer full) and `keep`. `done` runs on the calling thread's main
  // context once the pipeline is in NULL and released (may be empty).
  void dispose(GstElement* pipeline, std::unique_ptr<KeepAlive> keep, std::function<void()> done);

  // Pipelines handed over and not yet released.
  int pending() const { return pending_.load(); }

 private:
  static gpointer run(gpointer self) noexcept;

  GAsyncQueue* queue_;
  GThread* thread_;
  std::atomic<int> pending_{0};
};

}  // namespace mls::media
