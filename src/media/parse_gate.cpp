// ParseGate: an RTMP input parses its media only while something needs it. See parse_gate.h.
#include "media/parse_gate.h"

#include <algorithm>
#include <cstring>

#include "core/log.h"
#include "flv_parser.h"  // classifyTagData, shared with mlsrtmpfanout

namespace mls::media {
namespace {

// How long media still passes after the last subscriber of the parsed streams went (or after
// the gate is armed, before the first came).
constexpr gint64 kLinger = 3 * G_USEC_PER_SEC;

}  // namespace

ParseGate::ParseGate(std::string input_name, FlowCounters& counters)
    : input_name_(std::move(input_name)), counters_(counters) {}

void ParseGate::attach(GstPad* branch) {
  gst_pad_add_probe(branch, GST_PAD_PROBE_TYPE_BUFFER, &ParseGate::onBuffer, this, nullptr);
}

void ParseGate::arm(bool has_video) {
  has_video_.store(has_video);
  armed_.store(true);
}

GstPadProbeReturn ParseGate::onBuffer(GstPad*, GstPadProbeInfo* info, gpointer data) noexcept {
  auto* self = static_cast<ParseGate*>(data);
  if (!self->armed_.load(std::memory_order_relaxed)) return GST_PAD_PROBE_OK;
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  // The source gives one tag a buffer: its 11-byte header, then enough of the body to classify it.
  guint8 head[11 + 13];
  const gsize got = gst_buffer_extract(buffer, 0, head, sizeof head);
  if (got < 11 || std::memcmp(head, "FLV", 3) == 0) return GST_PAD_PROBE_OK;
  const guint8 type = head[0] & 0x1f;
  const gsize body = gsize(head[1]) << 16 | gsize(head[2]) << 8 | head[3];
  const auto tag = fanout::classifyTagData(type, head + 11, std::min(body, got - 11));
  if (tag.metadata || tag.sequenceHeader) return GST_PAD_PROBE_OK;

  const bool wanted = self->demand_.feeds.load() > 0;
  if (wanted) {
    self->unwanted_since_us_ = 0;
  } else if (!self->paused_) {
    const gint64 now = g_get_monotonic_time();
    if (self->unwanted_since_us_ == 0) self->unwanted_since_us_ = now;
    if (now - self->unwanted_since_us_ < kLinger) return GST_PAD_PROBE_OK;
  }
  if (wanted && !self->paused_) return GST_PAD_PROBE_OK;
  if (wanted && (tag.keyframe || !self->has_video_.load(std::memory_order_relaxed))) {
    self->paused_ = false;
    MLS_INFO("input", "%s: parsing resumes (at a keyframe): a recording, RTSP client or output "
             "needs the parsed streams", self->input_name_.c_str());
    return GST_PAD_PROBE_OK;
  }
  if (!self->paused_) {
    self->paused_ = true;
    self->demand_.pauses.fetch_add(1);
    MLS_INFO("input", "%s: parsing paused: only the source's FLV tags are relayed",
             self->input_name_.c_str());
  }
  FlowCounters& c = self->counters_;
  c.bytes.fetch_add(body, std::memory_order_relaxed);
  c.buffers.fetch_add(1, std::memory_order_relaxed);
  if (type == fanout::kFlvVideo) c.video_frames.fetch_add(1, std::memory_order_relaxed);
  c.last_buffer_us.store(g_get_monotonic_time(), std::memory_order_relaxed);
  return GST_PAD_PROBE_DROP;
}

}  // namespace mls::media
