// FanoutEngine: the event loop that owns every destination of one mlsrtmpfanout element.
//
// One thread ("mlsfanout") runs a private GMainContext with one timer of batch-window-ms: each
// tick takes the packets the streaming thread queued since the last tick (one mutex, no wakeup per
// packet), records them in the GOP cache, hands each one to every destination's backlog (shared,
// not copied), then lets each destination write its backlog with one writev, and runs the
// timeouts and due reconnects. Socket readiness (replies from the servers, a socket writable
// again) wakes the loop through GSources on the same context. With batch-window-ms = 0 the
// streaming thread wakes the loop for every buffer instead.
//
// Thread-safety: submit(), add(), remove(), finishAsync(), stats() are called from any thread (the
// streaming thread, the application); they hand work to the loop thread with
// g_main_context_invoke_full() or through the packet queue. Everything else runs on the loop
// thread. The destructor stops the loop and joins the thread.
#pragma once

#include <glib.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "destination.h"
#include "fanout_settings.h"
#include "gop_cache.h"
#include "packet.h"
#include "rtmp_url.h"

namespace mls::fanout {

class FanoutEngine {
 public:
  // Called on the loop thread for every state change of a destination.
  using Report = std::function<void(const DestinationStats&)>;
  // Called on the loop thread itself when it starts (true) and just before it ends (false), so
  // the owner can say which thread is the engine's (the element posts STREAM_STATUS ENTER/LEAVE,
  // as a pad task does; a thread audit then attributes "mlsfanout" exactly).
  using ThreadStatus = std::function<void(bool entering)>;

  FanoutEngine(FanoutSettings settings, Report report, ThreadStatus threadStatus = {});
  ~FanoutEngine();
  FanoutEngine(const FanoutEngine&) = delete;
  FanoutEngine& operator=(const FanoutEngine&) = delete;

  // Any thread.
  void submit(std::vector<PacketPtr> packets);
  void add(const std::string& id, const RtmpUrl& url);
  void remove(const std::string& id);
  // End of stream: every live destination writes its backlog and unpublishes. `done` runs once,
  // on the loop thread, when all are done (true) or `timeoutMs` passed (false: those not done
  // are stopped). Does not wait. Not called if the engine is destroyed first.
  void finishAsync(std::uint32_t timeoutMs, std::function<void(bool inTime)> done);
  std::vector<DestinationStats> stats() const;

 private:
  void run();
  static gboolean onTick(gpointer data) noexcept;
  void tick();
  void invoke(std::function<void()> work);
  void reportChanged(const DestinationStats& stats);
  void checkFinished();
  static gboolean onFinishTimeout(gpointer data) noexcept;

  FanoutSettings settings_;
  Report report_;
  ThreadStatus threadStatus_;
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::thread thread_;
  std::shared_ptr<std::atomic<int>> pendingOps_ = std::make_shared<std::atomic<int>>(0);

  // Loop thread only.
  GopCache gop_;
  std::map<std::string, std::shared_ptr<Destination>> destinations_;
  bool finishing_ = false;
  std::function<void(bool)> finished_cb_;  // set while a finish is pending
  GSource* finish_timeout_ = nullptr;
  Destination::Clock::time_point lastRefresh_{};

  mutable std::mutex mutex_;
  std::vector<PacketPtr> incoming_;                    // protected by mutex_
  bool wakeScheduled_ = false;                         // protected by mutex_ (batch-window-ms = 0)
  std::map<std::string, DestinationStats> published_;  // protected by mutex_: for stats()
};

}  // namespace mls::fanout
