// FlvStreamHeaders: the header tags of an RTMP source's FLV stream. See flv_headers.h.
#include "media/flv_headers.h"

#include <cstring>

#include "flv_parser.h"  // classifyTagData, shared with mlsrtmpfanout

namespace mls::media {
namespace {

constexpr gsize kTagHeader = 11;  // type, DataSize (24), Timestamp (24 + 8), StreamID (24)
constexpr gsize kTagTrailer = 4;  // PreviousTagSize

guint32 be24(const guint8* p) { return guint32(p[0]) << 16 | guint32(p[1]) << 8 | p[2]; }
guint32 be32(const guint8* p) { return guint32(p[0]) << 24 | be24(p + 1); }

// Two tags are the same configuration when type and body match: the timestamp does not count.
bool sameTag(GstBuffer* a, GstBuffer* b) {
  if (!a || !b || gst_buffer_get_size(a) != gst_buffer_get_size(b)) return false;
  GstMapInfo ma, mb;
  if (!gst_buffer_map(a, &ma, GST_MAP_READ)) return false;
  if (!gst_buffer_map(b, &mb, GST_MAP_READ)) {
    gst_buffer_unmap(a, &ma);
    return false;
  }
  bool same = ma.size > kTagHeader && ma.data[0] == mb.data[0] &&
              std::memcmp(ma.data + kTagHeader, mb.data + kTagHeader, ma.size - kTagHeader) == 0;
  gst_buffer_unmap(b, &mb);
  gst_buffer_unmap(a, &ma);
  return same;
}

void appendBuffer(GValue* array, GstBuffer* buffer) {
  GValue value = G_VALUE_INIT;
  g_value_init(&value, GST_TYPE_BUFFER);
  gst_value_set_buffer(&value, buffer);
  gst_value_array_append_and_take_value(array, &value);
}

}  // namespace

FlvStreamHeaders::Kind FlvStreamHeaders::accept(GstBuffer* buffer) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return Kind::Media;
  const guint8* p = map.data;
  const gsize size = map.size;
  gsize at = 0;
  const bool file_header = size >= 9 && std::memcmp(p, "FLV", 3) == 0;
  if (file_header) at = be32(p + 5) + kTagTrailer;  // the header, then PreviousTagSize0
  Kind kind = file_header ? Kind::Drop : Kind::Media;
  while (at + kTagHeader <= size) {
    const guint8 type = p[at] & 0x1f;
    const gsize body = be24(p + at + 1);
    const gsize end = at + kTagHeader + body + kTagTrailer;
    if (end > size) break;
    const auto info = fanout::classifyTagData(type, p + at + kTagHeader, body);
    GstMiniPtr<GstBuffer>* slot = nullptr;
    if (info.metadata) slot = &metadata_;
    else if (info.sequenceHeader) slot = type == fanout::kFlvVideo ? &video_config_ : &audio_config_;
    if (slot) {
      GstBuffer* tag = gst_buffer_copy_region(buffer, GST_BUFFER_COPY_ALL, at, end - at);
      remember(*slot, tag);
      if (!file_header) kind = Kind::Header;
    }
    at = end;
  }
  gst_buffer_unmap(buffer, &map);
  return kind;
}

void FlvStreamHeaders::remember(GstMiniPtr<GstBuffer>& slot, GstBuffer* tag) {
  if (sameTag(slot.get(), tag)) {
    gst_buffer_unref(tag);
    return;
  }
  GST_BUFFER_FLAG_SET(tag, GST_BUFFER_FLAG_HEADER);
  slot.reset(tag);
  changed_ = true;
}

void FlvStreamHeaders::setStreams(bool has_video, bool has_audio) {
  if (streams_known_ && has_video == has_video_ && has_audio == has_audio_) return;
  streams_known_ = true;
  has_video_ = has_video;
  has_audio_ = has_audio;
  changed_ = true;
}

GstCaps* FlvStreamHeaders::caps() {
  if (!streams_known_) return nullptr;
  if (!changed_) return caps_.get();
  changed_ = false;
  // The FLV file header (version 1, TypeFlags, DataOffset 9) and PreviousTagSize0.
  const guint8 flags = (has_audio_ ? 0x04 : 0) | (has_video_ ? 0x01 : 0);
  const guint8 file_header[13] = {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
  GstBuffer* header = gst_buffer_new_memdup(file_header, sizeof file_header);
  GST_BUFFER_FLAG_SET(header, GST_BUFFER_FLAG_HEADER);
  GValue array = G_VALUE_INIT;
  g_value_init(&array, GST_TYPE_ARRAY);
  appendBuffer(&array, header);
  gst_buffer_unref(header);
  if (metadata_) appendBuffer(&array, metadata_.get());
  if (has_video_ && video_config_) appendBuffer(&array, video_config_.get());
  if (has_audio_ && audio_config_) appendBuffer(&array, audio_config_.get());
  GstCaps* caps = gst_caps_new_empty_simple("video/x-flv");
  gst_caps_set_value(caps, "streamheader", &array);
  g_value_unset(&array);
  caps_.reset(caps);
  return caps;
}

}  // namespace mls::media
