// Tap and Feed: appsink → appsrc fan-out with per-feed backlog and a cached GOP. See tap.h.
#include "media/tap.h"

#include <cstring>

#include "media/media_log.h"

#define GST_CAT_DEFAULT mls_tap_debug

namespace mls::media {
namespace {

constexpr uint64_t kMaxGopBytes = 16 * 1024 * 1024;  // a 10 s GOP at 12 Mb/s

// FLV tag: byte 0 is the tag type (8 audio, 9 video, 18 script); for video, the high nibble of
// the first body byte (offset 11) is the frame type, 1 = keyframe.
void inspectFlvTag(GstBuffer* buffer, bool* is_video, bool* is_keyframe) {
  guint8 head[12];
  if (gst_buffer_extract(buffer, 0, head, sizeof head) < sizeof head) return;
  *is_video = head[0] == 9;
  *is_keyframe = *is_video && (head[11] >> 4) == 1;
}

// MPEG-TS (mpegtsmux, 188-byte packets): a keyframe starts in a packet whose adaptation field
// has random_access_indicator set. 1.22's mpegtsmux does not flag its output buffers.
bool tsHasRandomAccessPoint(GstBuffer* buffer) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return false;
  bool found = false;
  for (gsize off = 0; off + 188 <= map.size && !found; off += 188) {
    const guint8* p = map.data + off;
    if (p[0] != 0x47) break;
    bool has_adaptation = (p[3] & 0x20) != 0;
    found = has_adaptation && p[4] > 0 && (p[5] & 0x40) != 0;
  }
  gst_buffer_unmap(buffer, &map);
  return found;
}

// Video PES packets that start in this buffer: packets with payload_unit_start_indicator whose
// payload begins a PES header with a video stream_id (0xE0-0xEF). One per frame from mpegtsmux.
int tsVideoPesStarts(GstBuffer* buffer) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return 0;
  int starts = 0;
  for (gsize off = 0; off + 188 <= map.size; off += 188) {
    const guint8* p = map.data + off;
    if (p[0] != 0x47) break;
    if (!(p[1] & 0x40)) continue;  // no payload_unit_start_indicator
    gsize payload = 4;
    if (p[3] & 0x20) payload += 1 + p[4];  // adaptation field
    if (!(p[3] & 0x10) || payload + 4 > 188) continue;
    const guint8* pes = p + payload;
    if (pes[0] == 0 && pes[1] == 0 && pes[2] == 1 && (pes[3] & 0xF0) == 0xE0) starts++;
  }
  gst_buffer_unmap(buffer, &map);
  return starts;
}

}  // namespace

const char* tapKindName(TapKind kind) {
  switch (kind) {
    case TapKind::Flv: return "flv";
    case TapKind::MpegTs: return "mpegts";
    case TapKind::Video: return "video";
    case TapKind::Audio: return "audio";
  }
  return "?";
}

Feed::Feed(GstElement* appsrc, int64_t timestamp_offset, uint64_t max_backlog_bytes)
    : appsrc_(retainGst(appsrc)),
      timestamp_offset_(timestamp_offset),
      max_backlog_bytes_(max_backlog_bytes) {}

std::shared_ptr<Feed> Feed::direct(GstPad* sinkpad) {
  std::shared_ptr<Feed> feed(new Feed());
  feed->pad_ = retainGst(sinkpad);
  return feed;
}

void Feed::countPushed(gsize size, int video_frames) {
  counters_.buffers.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes.fetch_add(size, std::memory_order_relaxed);
  if (video_frames > 0) counters_.video_frames.fetch_add(video_frames, std::memory_order_relaxed);
}

void Feed::push(GstBuffer* buffer, GstCaps* caps, const GstSegment& segment, bool retime,
                int video_frames, bool is_keyframe) {
  if (need_keyframe_) {
    if (!is_keyframe) {
      counters_.dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    need_keyframe_ = false;
  }
  if (pad_) {
    pushDirect(buffer, caps, video_frames);
    return;
  }
  GstAppSrc* src = appsrc();
  if (gst_app_src_get_current_level_bytes(src) > max_backlog_bytes_) {
    // The destination is not keeping up: drop until the next keyframe so it resumes decodably.
    if (!need_keyframe_) GST_WARNING_OBJECT(src, "backlog over %" G_GUINT64_FORMAT
                                                 " bytes: dropping to the next keyframe",
                                            max_backlog_bytes_);
    need_keyframe_ = true;
    counters_.dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (caps && (!sent_caps_ || (sent_caps_.get() != caps && !gst_caps_is_equal(sent_caps_.get(), caps)))) {
    gst_app_src_set_caps(src, caps);
    sent_caps_.reset(gst_caps_ref(caps));
  }
  GstBuffer* out = gst_buffer_ref(buffer);
  if (retime) {
    // Input running time → output running time (same system clock, different base times).
    out = gst_buffer_make_writable(out);
    auto shift = [&](GstClockTime t) -> GstClockTime {
      if (!GST_CLOCK_TIME_IS_VALID(t)) return t;
      guint64 rt = gst_segment_to_running_time(&segment, GST_FORMAT_TIME, t);
      if (!GST_CLOCK_TIME_IS_VALID(rt)) return GST_CLOCK_TIME_NONE;
      int64_t v = static_cast<int64_t>(rt) + timestamp_offset_;
      return v < 0 ? 0 : static_cast<GstClockTime>(v);
    };
    GST_BUFFER_PTS(out) = shift(GST_BUFFER_PTS(out));
    GST_BUFFER_DTS(out) = shift(GST_BUFFER_DTS(out));
  }
  gsize size = gst_buffer_get_size(out);
  if (gst_app_src_push_buffer(src, out) == GST_FLOW_OK) countPushed(size, video_frames);
}

// Stream-start, the caps (if known yet) and a segment, in the order GStreamer requires, once.
void Feed::startDirect(GstCaps* caps) {
  if (direct_started_) return;
  direct_started_ = true;
  GstEvent* start = gst_event_new_stream_start("mls-tap");
  gst_event_set_group_id(start, gst_util_group_id_next());
  gst_pad_send_event(pad_.get(), start);
  if (caps) {
    gst_pad_send_event(pad_.get(), gst_event_new_caps(caps));
    sent_caps_.reset(gst_caps_ref(caps));
  }
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_send_event(pad_.get(), gst_event_new_segment(&segment));
}

// The element's chain runs right here, on the tap's thread (it never waits: see tap.h). A flow
// error is the element's to report on its own bus; the input carries on regardless.
void Feed::pushDirect(GstBuffer* buffer, GstCaps* caps, int video_frames) {
  startDirect(caps);
  if (caps && (!sent_caps_ || (sent_caps_.get() != caps && !gst_caps_is_equal(sent_caps_.get(), caps)))) {
    gst_pad_send_event(pad_.get(), gst_event_new_caps(caps));
    sent_caps_.reset(gst_caps_ref(caps));
  }
  gsize size = gst_buffer_get_size(buffer);
  if (gst_pad_chain(pad_.get(), gst_buffer_ref(buffer)) == GST_FLOW_OK)
    countPushed(size, video_frames);
}

void Feed::endOfStream() {
  if (!pad_) return;
  startDirect(nullptr);
  gst_pad_send_event(pad_.get(), gst_event_new_eos());
}

Tap::Tap(TapKind kind, std::string name, bool has_video)
    : kind_(kind), name_(std::move(name)), has_video_(has_video) {
  gst_segment_init(&segment_, GST_FORMAT_TIME);
  appsink_ = adoptFloating(gst_element_factory_make("appsink", name_.c_str()));
  g_object_set(appsink_.get(), "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE,
               "max-buffers", 1, "drop", FALSE, "wait-on-eos", FALSE, nullptr);
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = &Tap::onNewSample;
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink_.get()), &callbacks, this, nullptr);
}

std::unique_ptr<Tap> Tap::sourceFlv(std::string name) {
  auto tap = std::make_unique<Tap>(TapKind::Flv, std::move(name), false);
  tap->source_flv_ = std::make_unique<FlvStreamHeaders>();
  return tap;
}

void Tap::setSourceStreams(bool has_video, bool has_audio) {
  std::lock_guard<std::mutex> guard(lock_);
  if (!source_flv_) return;
  has_video_ = has_video;
  source_flv_->setStreams(has_video, has_audio);
  if (GstCaps* caps = source_flv_->caps()) caps_.reset(gst_caps_ref(caps));
}

// The appsink's callbacks point at this Tap; it is destroyed only after its pipeline has reached
// NULL (see InputPipeline::dispose), when no streaming thread can call them any more.
Tap::~Tap() = default;

void Tap::subscribe(std::shared_ptr<Feed> feed) {
  std::lock_guard<std::mutex> guard(lock_);
  if (demand_) {
    demand_->feeds.fetch_add(1);
    if (demand_->pauses.load() != gop_pause_) {
      gop_.clear();  // the stream paused after this GOP: it resumes elsewhere
      gop_bytes_ = 0;
    }
  }
  GST_DEBUG_OBJECT(appsink_.get(), "subscribe feed %p, %zu buffers of cached GOP", feed.get(),
                   gop_.size());
  for (auto& cached : gop_) {
    bool is_video = kind_ == TapKind::Video, is_key = false;
    GstBuffer* b = cached.get();
    if (kind_ == TapKind::Flv) inspectFlvTag(b, &is_video, &is_key);
    else if (kind_ == TapKind::MpegTs) is_key = tsHasRandomAccessPoint(b);
    else if (kind_ == TapKind::Video) is_key = !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    else is_key = true;
    int frames = kind_ == TapKind::MpegTs ? tsVideoPesStarts(b) : (is_video ? 1 : 0);
    feed->push(b, caps_.get(), segment_, kind_ == TapKind::Video || kind_ == TapKind::Audio,
               frames, is_key);
  }
  feeds_.push_back(std::move(feed));
}

void Tap::unsubscribe(const Feed* feed) {
  std::lock_guard<std::mutex> guard(lock_);
  auto erased =
      std::erase_if(feeds_, [feed](const std::shared_ptr<Feed>& f) { return f.get() == feed; });
  if (demand_ && erased) demand_->feeds.fetch_sub(static_cast<int>(erased));
}

size_t Tap::subscribers() const {
  std::lock_guard<std::mutex> guard(lock_);
  return feeds_.size();
}

GstCaps* Tap::caps() const {
  std::lock_guard<std::mutex> guard(lock_);
  return caps_ ? gst_caps_ref(caps_.get()) : nullptr;
}

GstFlowReturn Tap::onNewSample(GstAppSink* sink, gpointer self) noexcept {
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_FLUSHING;
  static_cast<Tap*>(self)->deliver(sample);
  gst_sample_unref(sample);
  return GST_FLOW_OK;  // never pass a downstream problem back into the input pipeline
}

bool Tap::isKeyframe(GstBuffer* buffer, bool* is_video) const {
  bool is_key = false;
  switch (kind_) {
    case TapKind::Flv:
      inspectFlvTag(buffer, is_video, &is_key);
      if (!has_video_) is_key = true;
      break;
    case TapKind::MpegTs:
      *is_video = false;
      is_key = has_video_ ? tsHasRandomAccessPoint(buffer) : true;
      break;
    case TapKind::Video:
      *is_video = true;
      is_key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
      break;
    case TapKind::Audio:
      *is_video = false;
      is_key = true;
      break;
  }
  return is_key;
}

void Tap::deliver(GstSample* sample) {
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  if (!buffer) return;
  // A muxer's HEADER buffers carry only stream headers, never a frame. On a parsed elementary
  // stream the flag means something else: h264parse/h265parse set it on an access unit that
  // also carries SPS/PPS, which is every IDR from x264 and most cameras. Such a keyframe must
  // start the cached GOP, or the cache stays empty and every new feed waits up to a GOP for
  // its first keyframe.
  bool header = (kind_ == TapKind::Flv || kind_ == TapKind::MpegTs) &&
                GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER);

  std::lock_guard<std::mutex> guard(lock_);
  GstCaps* caps = gst_sample_get_caps(sample);
  if (source_flv_) {
    FlvStreamHeaders::Kind kind = source_flv_->accept(buffer);
    if (kind == FlvStreamHeaders::Kind::Drop) return;
    header = kind == FlvStreamHeaders::Kind::Header;
    caps = source_flv_->caps();  // null until setSourceStreams(), when nobody subscribes yet
  }
  if (caps && (!caps_ || !gst_caps_is_equal(caps_.get(), caps))) caps_.reset(gst_caps_ref(caps));
  if (demand_) gop_pause_ = demand_->pauses.load();
  bool is_video = false;
  // A header tag in an FLV stream (a sequence header looks like a keyframe) starts nothing: the
  // caps carry the headers a new feed needs.
  bool is_key = isKeyframe(buffer, &is_video) && !(header && kind_ == TapKind::Flv);
  if (const GstSegment* seg = gst_sample_get_segment(sample)) gst_segment_copy_into(seg, &segment_);

  if (!header) {
    if (is_key && (kind_ != TapKind::Audio)) {
      gop_.clear();
      gop_bytes_ = 0;
    }
    if (kind_ != TapKind::Audio && (!gop_.empty() || is_key)) {
      gop_bytes_ += gst_buffer_get_size(buffer);
      if (gop_bytes_ > kMaxGopBytes) {
        gop_.clear();  // too long a GOP to cache: new feeds wait for the next keyframe
      } else {
        gop_.emplace_back(gst_buffer_ref(buffer));
      }
    }
  }
  bool retime = kind_ == TapKind::Video || kind_ == TapKind::Audio;
  int frames = kind_ == TapKind::MpegTs ? (feeds_.empty() ? 0 : tsVideoPesStarts(buffer))
                                        : (is_video ? 1 : 0);
  for (auto& feed : feeds_) feed->push(buffer, caps_.get(), segment_, retime, frames, is_key);
}

}  // namespace mls::media
