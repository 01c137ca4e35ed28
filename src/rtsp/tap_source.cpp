// An input's taps as shared with gst-rtsp-server's media bins. See tap_source.h.
#include "rtsp/tap_source.h"

namespace mls::rtsp {
namespace {
// What an RTSP media may queue towards its slowest part before its feed drops to the next
// keyframe: the same budget as an output's (output_builder.cpp).
constexpr uint64_t kMaxBacklogBytes = 4 * 1024 * 1024;
}  // namespace

TapSource::TapSource(std::string input, TapStream video, TapStream audio, GstClockTime base_time)
    : input_(std::move(input)),
      video_(std::move(video)),
      audio_(std::move(audio)),
      base_time_(base_time) {}

uint64_t TapSource::subscribe(GstElement* video_src, GstElement* audio_src) {
  std::lock_guard<std::mutex> guard(lock_);
  if (!attached_) return 0;
  Subscription sub;
  // The media pipeline takes the input's base time on the same clock (see
  // TapMediaFactory's create_pipeline), so input running time is media running time: offset 0.
  if (video_src && video_.tap)
    sub.feeds.emplace_back(video_.tap, std::make_shared<media::Feed>(video_src, 0, kMaxBacklogBytes));
  if (audio_src && audio_.tap)
    sub.feeds.emplace_back(audio_.tap, std::make_shared<media::Feed>(audio_src, 0, kMaxBacklogBytes));
  for (auto& [tap, feed] : sub.feeds) tap->subscribe(feed);
  uint64_t id = next_id_++;
  subscriptions_.emplace(id, std::move(sub));
  return id;
}

void TapSource::release(uint64_t id) {
  std::lock_guard<std::mutex> guard(lock_);
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return;
  for (auto& [tap, feed] : it->second.feeds) tap->unsubscribe(feed.get());
  subscriptions_.erase(it);
}

void TapSource::detach() {
  std::lock_guard<std::mutex> guard(lock_);
  attached_ = false;
  for (auto& [id, sub] : subscriptions_)
    for (auto& [tap, feed] : sub.feeds) tap->unsubscribe(feed.get());
  subscriptions_.clear();
}

size_t TapSource::subscriptions() const {
  std::lock_guard<std::mutex> guard(lock_);
  return subscriptions_.size();
}

}  // namespace mls::rtsp
