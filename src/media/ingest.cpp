// The publisher slot of a publish input. See ingest.h.
#include "media/ingest.h"

#include "media/media_log.h"

#define GST_CAT_DEFAULT mls_input_debug

namespace mls::media {
namespace {
// What the input pipeline's appsrc may hold before its feed drops to the next keyframe: the
// input pipeline takes buffers as they come, so this is only reached when it is stuck.
constexpr uint64_t kMaxBacklogBytes = 8 * 1024 * 1024;
}  // namespace

Ingest::Ingest(std::string input, Events events)
    : input_(std::move(input)), events_(std::move(events)) {}

uint64_t Ingest::claim(std::vector<IngestStream> streams, std::string client,
                       std::function<void()> disconnect) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (!accepting_ || session_.id != 0) return 0;
    id = next_id_++;
    session_ = Session{id, std::move(streams), std::move(client), std::move(disconnect), {}};
  }
  post(id, true);
  return id;
}

void Ingest::release(uint64_t session) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (session == 0 || session_.id != session) return;
    for (auto& [tap, feed] : session_.feeds) tap->unsubscribe(feed.get());
    session_ = Session{};
  }
  post(session, false);
}

bool Ingest::busy() const {
  std::lock_guard<std::mutex> guard(lock_);
  return session_.id != 0;
}

std::vector<std::string> Ingest::codecs(uint64_t session) const {
  std::lock_guard<std::mutex> guard(lock_);
  std::vector<std::string> out;
  if (session_.id != session) return out;
  for (const IngestStream& stream : session_.streams) out.push_back(stream.codec);
  return out;
}

std::string Ingest::client(uint64_t session) const {
  std::lock_guard<std::mutex> guard(lock_);
  return session_.id == session ? session_.client : std::string();
}

bool Ingest::attach(uint64_t session, const std::vector<GstElement*>& sources) {
  std::lock_guard<std::mutex> guard(lock_);
  if (session_.id != session) return false;
  for (auto& [tap, feed] : session_.feeds) tap->unsubscribe(feed.get());
  session_.feeds.clear();
  for (size_t i = 0; i < sources.size() && i < session_.streams.size(); i++) {
    if (!sources[i] || !session_.streams[i].tap) continue;
    // Offset 0: the input pipeline shifts its sources' running time onto its clock at the first
    // buffer (InputPipeline::onFirstBuffer), the same shift for every stream.
    auto feed = std::make_shared<Feed>(sources[i], 0, kMaxBacklogBytes);
    session_.streams[i].tap->subscribe(feed);
    session_.feeds.emplace_back(session_.streams[i].tap, std::move(feed));
  }
  return true;
}

void Ingest::detach() {
  std::lock_guard<std::mutex> guard(lock_);
  for (auto& [tap, feed] : session_.feeds) tap->unsubscribe(feed.get());
  session_.feeds.clear();
}

void Ingest::disconnect(uint64_t session) {
  std::function<void()> disconnect;
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (session == 0 || session_.id != session) return;
    disconnect = session_.disconnect;
  }
  if (disconnect) disconnect();  // outside the lock: the media may release the slot at once
}

void Ingest::close() {
  closed_ = true;
  std::lock_guard<std::mutex> guard(lock_);
  accepting_ = false;
  for (auto& [tap, feed] : session_.feeds) tap->unsubscribe(feed.get());
  session_.feeds.clear();
}

void Ingest::post(uint64_t session, bool arrived) {
  struct News {
    std::weak_ptr<Ingest> ingest;
    uint64_t session;
    bool arrived;
  };
  g_idle_add_full(
      G_PRIORITY_DEFAULT,
      [](gpointer data) noexcept -> gboolean {
        auto* news = static_cast<News*>(data);
        auto self = news->ingest.lock();
        if (!self || self->closed_) return G_SOURCE_REMOVE;
        const auto& event = news->arrived ? self->events_.arrived : self->events_.left;
        if (event) event(news->session);
        return G_SOURCE_REMOVE;
      },
      new News{weak_from_this(), session, arrived},
      [](gpointer data) noexcept { delete static_cast<News*>(data); });
}

}  // namespace mls::media
