// An input's taps as shared with gst-rtsp-server's media bins. See tap_source.h.
#include "rtsp/tap_source.h"

#include <gst/app/gstappsrc.h>

#include <algorithm>

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
    sub.feeds.emplace_back(video_.tap,
                           std::make_shared<media::Feed>(video_src, 0, kMaxBacklogBytes));
  if (audio_src && audio_.tap)
    sub.feeds.emplace_back(audio_.tap,
                           std::make_shared<media::Feed>(audio_src, 0, kMaxBacklogBytes));
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
  for (auto& [id, sub] : subscriptions_) {
    for (auto& [tap, feed] : sub.feeds) tap->unsubscribe(feed.get());
    // A media that has not prerolled yet (one of its streams has had no buffer: its reader's
    // DESCRIBE waits for the input's next keyframe) would now wait for buffers that never
    // come, and hold its client's thread, and the RTSP server's stop with it, until
    // gst-rtsp-server gives up (measured: SIGTERM waited 15 s, then mlsd was killed). An error
    // on the media's bus fails its preparation: the reader gets an error answer at once. Not
    // on a playing media: gst-rtsp-server would unprepare it under its sessions (a GLib
    // critical when they are closed right after).
    const bool prerolled = std::all_of(sub.feeds.begin(), sub.feeds.end(), [](const auto& tf) {
      return tf.second->counters().buffers.load() > 0;
    });
    if (prerolled || sub.feeds.empty()) continue;
    GstAppSrc* appsrc = sub.feeds.front().second->appsrc();
    if (!appsrc) continue;
    g_autoptr(GError) error = g_error_new(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
                                          "%s is no longer served", input_.c_str());
    gst_element_post_message(GST_ELEMENT(appsrc), gst_message_new_error(GST_OBJECT(appsrc), error,
                                                                        "the input was withdrawn"));
  }
  subscriptions_.clear();
}

size_t TapSource::subscriptions() const {
  std::lock_guard<std::mutex> guard(lock_);
  return subscriptions_.size();
}

}  // namespace mls::rtsp
