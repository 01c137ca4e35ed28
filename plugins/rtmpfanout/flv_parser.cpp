// FlvParser and tag classification (see flv_parser.h).
#include "flv_parser.h"

#include <cstring>

namespace mls::fanout {
namespace {
constexpr std::size_t kTagHeader = 11;
constexpr std::uint32_t kMaxTagData = 16 * 1024 * 1024;  // 24-bit DataSize bound
}  // namespace

void FlvParser::reset() {
  buffer_.clear();
  pos_ = 0;
}

bool FlvParser::feed(const std::uint8_t* data, std::size_t size) {
  if (!error_.empty()) return false;
  if (pos_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buffer_.insert(buffer_.end(), data, data + size);
  return parse();
}

std::optional<FlvTag> FlvParser::next() {
  if (readyPos_ >= ready_.size()) {
    ready_.clear();
    readyPos_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[readyPos_++]);
}

bool FlvParser::parse() {
  for (;;) {
    const std::uint8_t* p = buffer_.data() + pos_;
    const std::size_t avail = buffer_.size() - pos_;
    // An FLV header may come first, and again after a restart of the muxer.
    if (avail >= 3 && std::memcmp(p, "FLV", 3) == 0) {
      if (avail < 9) return true;
      const std::uint32_t header_size = static_cast<std::uint32_t>(p[5]) << 24 |
                                        static_cast<std::uint32_t>(p[6]) << 16 | p[7] << 8 | p[8];
      if (header_size < 9 || header_size > 1024) {
        error_ = "bad FLV header size " + std::to_string(header_size);
        return false;
      }
      // The header, then PreviousTagSize0 (4 bytes of zero).
      if (avail < header_size + 4) return true;
      sawHeader_ = true;
      hasAudio_ = (p[4] & 0x04) != 0;
      hasVideo_ = (p[4] & 0x01) != 0;
      pos_ += header_size + 4;
      started_ = true;
      continue;
    }
    if (avail < 3 && !started_) return true;  // cannot tell a header from a tag yet
    started_ = true;
    if (avail < kTagHeader) return true;
    const std::uint8_t type = p[0] & 0x1f;  // upper bits: reserved / filter flag
    const std::uint32_t data_size = static_cast<std::uint32_t>(p[1]) << 16 | p[2] << 8 | p[3];
    if (data_size > kMaxTagData) {
      error_ = "FLV tag of " + std::to_string(data_size) + " bytes";
      return false;
    }
    if (type != kFlvAudio && type != kFlvVideo && type != kFlvScript) {
      error_ = "unknown FLV tag type " + std::to_string(type);
      return false;
    }
    const std::size_t total = kTagHeader + data_size + 4;
    if (avail < total) return true;
    FlvTag tag;
    tag.type = type;
    tag.timestamp = static_cast<std::uint32_t>(p[7]) << 24 |
                    static_cast<std::uint32_t>(p[4]) << 16 | p[5] << 8 | p[6];
    tag.data.assign(p + kTagHeader, p + kTagHeader + data_size);
    ready_.push_back(std::move(tag));
    pos_ += total;
  }
}

FlvTagInfo classifyTag(const FlvTag& tag) {
  return classifyTagData(tag.type, tag.data.data(), tag.data.size());
}

FlvTagInfo classifyTagData(std::uint8_t type, const std::uint8_t* d, std::size_t size) {
  FlvTagInfo info;
  if (type == kFlvVideo && size > 0 && (d[0] & 0x80) != 0) {
    // Enhanced RTMP (IsExHeader): 3-bit frame type, 4-bit packet type, then a FourCC.
    // PacketTypeSequenceStart (0) carries the decoder configuration.
    const std::uint8_t frame_type = (d[0] >> 4) & 0x07;
    info.sequenceHeader = (d[0] & 0x0f) == 0;
    info.keyframe = frame_type == 1 && !info.sequenceHeader && (d[0] & 0x0f) != 5;  // 5: metadata
  } else if (type == kFlvVideo && size > 0) {
    const std::uint8_t frame_type = d[0] >> 4;
    const std::uint8_t codec = d[0] & 0x0f;
    // AVC (7) and the HEVC codec id 12 used before Enhanced RTMP carry an AVCPacketType byte.
    const bool has_packet_type = codec == 7 || codec == 12;
    info.sequenceHeader = has_packet_type && size >= 2 && d[1] == 0;
    info.keyframe = frame_type == 1 && !info.sequenceHeader;
  } else if (type == kFlvAudio && size > 0) {
    const std::uint8_t format = d[0] >> 4;
    info.sequenceHeader = format == 10 && size >= 2 && d[1] == 0;  // AAC sequence header
  } else if (type == kFlvScript) {
    static const std::uint8_t kOnMetaData[] = {0x02, 0x00, 0x0a, 'o', 'n', 'M', 'e',
                                               't',  'a',  'D',  'a', 't', 'a'};
    info.metadata = size >= sizeof kOnMetaData &&
                    std::memcmp(d, kOnMetaData, sizeof kOnMetaData) == 0;
  }
  return info;
}

}  // namespace mls::fanout
