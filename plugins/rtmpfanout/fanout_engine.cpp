// FanoutEngine: the loop thread, the packet queue and the destination table (see
// fanout_engine.h).
#include "fanout_engine.h"

#include <pthread.h>

#include <chrono>

namespace mls::fanout {
namespace {

constexpr guint kHousekeepingMs = 100;  // timer period when batch-window-ms is 0
// How fresh the `stats` property is. Readers sample it about once a second (mlsd's bitrate): a
// refresh period equal to theirs aliased, so a reader saw no new bytes in one second and twice
// as many in the next (a live output's bitrate read 0). At 100 ms the error is a tenth.
constexpr auto kStatsRefresh = std::chrono::milliseconds(100);

struct Work {
  std::function<void()> fn;
};

gboolean runWork(gpointer data) noexcept {
  static_cast<Work*>(data)->fn();
  return G_SOURCE_REMOVE;
}
void freeWork(gpointer data) noexcept { delete static_cast<Work*>(data); }

}  // namespace

FanoutEngine::FanoutEngine(FanoutSettings settings, Report report, ThreadStatus threadStatus)
    : settings_(settings),
      report_(std::move(report)),
      threadStatus_(std::move(threadStatus)),
      gop_(settings.maxGopBytes, settings.gopCache) {
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  thread_ = std::thread([this] { run(); });
}

FanoutEngine::~FanoutEngine() {
  // Quit through the context: queued after any pending work, and safe before run() started.
  invoke([this] { g_main_loop_quit(loop_); });
  thread_.join();
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);  // destroys what was never dispatched (and frees its Work)
}

void FanoutEngine::invoke(std::function<void()> work) {
  g_main_context_invoke_full(context_, G_PRIORITY_DEFAULT, runWork, new Work{std::move(work)},
                             freeWork);
}

void FanoutEngine::run() {
  pthread_setname_np(pthread_self(), "mlsfanout");
  if (threadStatus_) threadStatus_(true);
  // Owned for the thread's whole life (not only inside g_main_loop_run), so the thread checks
  // below also hold while destinations are torn down after the loop ends.
  g_main_context_acquire(context_);
  g_main_context_push_thread_default(context_);
  GSource* timer =
      g_timeout_source_new(settings_.batchWindowMs > 0 ? settings_.batchWindowMs : kHousekeepingMs);
  g_source_set_callback(timer, onTick, this, nullptr);
  g_source_attach(timer, context_);
  g_main_loop_run(loop_);
  g_source_destroy(timer);
  g_source_unref(timer);
  if (finish_timeout_) {  // a finish still pending: it ends with the engine, unreported
    g_source_destroy(finish_timeout_);
    g_source_unref(finish_timeout_);
    finish_timeout_ = nullptr;
  }
  finished_cb_ = nullptr;
  // Close every connection; connects in flight complete (cancelled) on this context.
  destinations_.clear();
  while (pendingOps_->load() > 0) g_main_context_iteration(context_, TRUE);
  g_main_context_pop_thread_default(context_);
  g_main_context_release(context_);
  if (threadStatus_) threadStatus_(false);
}

gboolean FanoutEngine::onTick(gpointer data) noexcept {
  static_cast<FanoutEngine*>(data)->tick();
  return G_SOURCE_CONTINUE;
}

void FanoutEngine::tick() {
  g_assert(g_main_context_is_owner(context_));  // the loop thread, and only it
  std::vector<PacketPtr> packets;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    packets.swap(incoming_);
    wakeScheduled_ = false;
  }
  for (const PacketPtr& packet : packets) {
    if (!gop_.push(packet)) continue;  // a stream header repeated byte for byte
    for (auto& [id, destination] : destinations_) destination->deliver(packet);
  }
  const auto now = Destination::Clock::now();
  for (auto& [id, destination] : destinations_) {
    destination->flush();
    destination->tick(now);
  }
  if (now - lastRefresh_ >= kStatsRefresh || finishing_) {
    lastRefresh_ = now;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, destination] : destinations_) published_[id] = destination->stats();
  }
}

void FanoutEngine::submit(std::vector<PacketPtr> packets) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (incoming_.empty()) {
      incoming_ = std::move(packets);
    } else {
      incoming_.insert(incoming_.end(), packets.begin(), packets.end());
    }
    if (settings_.batchWindowMs == 0 && !wakeScheduled_) wake = wakeScheduled_ = true;
  }
  if (wake) invoke([this] { tick(); });
}

void FanoutEngine::add(const std::string& id, const RtmpUrl& url) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    DestinationStats& s = published_[id];
    s = DestinationStats{};
    s.id = id;
    s.url = url.masked();
  }
  invoke([this, id, url] {
    if (auto it = destinations_.find(id); it != destinations_.end()) {
      it->second->stop();
      destinations_.erase(it);
    }
    Destination::Hooks hooks;
    hooks.changed = [this](const DestinationStats& s) { reportChanged(s); };
    hooks.joinPackets = [this] { return gop_.snapshot(); };
    hooks.pendingOps = pendingOps_;
    auto destination = std::make_shared<Destination>(id, url, settings_, context_, hooks);
    destinations_[id] = destination;
    if (finishing_) {
      destination->finish();
    } else {
      destination->begin();
    }
  });
}

void FanoutEngine::remove(const std::string& id) {
  invoke([this, id] {
    auto it = destinations_.find(id);
    if (it == destinations_.end()) return;
    std::shared_ptr<Destination> destination = it->second;
    destinations_.erase(it);
    destination->stop();  // reports "stopped"
    std::lock_guard<std::mutex> lock(mutex_);
    published_.erase(id);
  });
}

void FanoutEngine::reportChanged(const DestinationStats& stats) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (destinations_.count(stats.id)) published_[stats.id] = stats;
  }
  if (report_) report_(stats);
  checkFinished();
}

// Loop thread: a pending finish whose destinations are all done completes.
void FanoutEngine::checkFinished() {
  if (!finished_cb_) return;
  for (auto& [id, destination] : destinations_)
    if (!destination->done()) return;
  if (finish_timeout_) {
    g_source_destroy(finish_timeout_);
    g_source_unref(finish_timeout_);
    finish_timeout_ = nullptr;
  }
  auto done = std::move(finished_cb_);
  finished_cb_ = nullptr;
  done(true);
}

gboolean FanoutEngine::onFinishTimeout(gpointer data) noexcept {
  auto* self = static_cast<FanoutEngine*>(data);
  g_source_unref(self->finish_timeout_);
  self->finish_timeout_ = nullptr;
  auto done = std::move(self->finished_cb_);
  self->finished_cb_ = nullptr;
  for (auto& [id, destination] : self->destinations_)
    if (!destination->done()) destination->stop();
  if (done) done(false);
  return G_SOURCE_REMOVE;
}

void FanoutEngine::finishAsync(std::uint32_t timeoutMs, std::function<void(bool inTime)> done) {
  invoke([this, timeoutMs, done = std::move(done)]() mutable {
    tick();  // what the streaming thread queued before EOS goes out first
    finishing_ = true;
    for (auto& [id, destination] : destinations_) destination->finish();
    finished_cb_ = std::move(done);
    checkFinished();
    if (finished_cb_ && !finish_timeout_) {
      finish_timeout_ = g_timeout_source_new(timeoutMs);
      g_source_set_callback(finish_timeout_, onFinishTimeout, this, nullptr);
      g_source_attach(finish_timeout_, context_);
    }
  });
}

std::vector<DestinationStats> FanoutEngine::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<DestinationStats> out;
  out.reserve(published_.size());
  for (const auto& [id, s] : published_) out.push_back(s);
  return out;
}

}  // namespace mls::fanout
