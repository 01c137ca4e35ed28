// TapSource: one published input as gst-rtsp-server sees it — the input's Video and Audio taps,
// what they carry, and the base time of the input pipeline — shared between the RtspPublisher
// (main thread) and the media factory (gst-rtsp-server client threads, which build media bins).
//
// A media bin subscribes its appsrc elements to the taps through subscribe() and releases them
// with release() when its media is unprepared or destroyed, on whatever thread that happens.
// The publisher calls detach() on the main thread before the input pipeline is disposed: every
// subscription is cut and later subscribe() calls fail, so no tap is used after its pipeline
// goes. Codecs, caps and base time are fixed at construction (a restarted input gets a new
// TapSource). `lock_` protects the tap pointers and the subscriptions; it is taken before a
// tap's own lock, never after.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/gobj.h"
#include "media/tap.h"

namespace mls::rtsp {

struct TapStream {
  media::Tap* tap = nullptr;  // null: the input has no such stream (or none we can serve)
  std::string codec;          // "h264", "h265", "aac", "mp3", "opus"
  GstMiniPtr<GstCaps> caps;   // the tap's caps when published (may be null)
};

class TapSource {
 public:
  TapSource(std::string input, TapStream video, TapStream audio, GstClockTime base_time);
  TapSource(const TapSource&) = delete;
  TapSource& operator=(const TapSource&) = delete;

  // Immutable: any thread.
  const std::string& input() const { return input_; }
  const TapStream& video() const { return video_; }
  const TapStream& audio() const { return audio_; }
  GstClockTime baseTime() const { return base_time_; }

  // Any thread. Feeds `video_src`/`audio_src` (either may be null) from the taps, starting with
  // the cached GOP. Returns the subscription's id, or 0 once detached.
  uint64_t subscribe(GstElement* video_src, GstElement* audio_src);
  // Any thread; idempotent.
  void release(uint64_t id);
  // Main thread: cut every subscription; the taps are not used any more.
  void detach();
  // Any thread: media bins currently subscribed.
  size_t subscriptions() const;

 private:
  struct Subscription {
    std::vector<std::pair<media::Tap*, std::shared_ptr<media::Feed>>> feeds;
  };

  const std::string input_;
  TapStream video_;
  TapStream audio_;
  const GstClockTime base_time_;

  mutable std::mutex lock_;
  bool attached_ = true;                          // protected by lock_
  uint64_t next_id_ = 1;                          // protected by lock_
  std::map<uint64_t, Subscription> subscriptions_;  // protected by lock_
};

}  // namespace mls::rtsp
