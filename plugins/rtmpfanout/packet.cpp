// Packet construction from FLV tags (see packet.h).
#include "packet.h"

#include <cstring>

#include "amf0.h"
#include "rtmp_chunk.h"

namespace mls::fanout {

std::size_t Packet::firstHeaderSize() const { return timestamp >= 0xffffff ? 16 : 12; }

std::array<std::uint8_t, 16> Packet::headerForStream(std::uint32_t streamId) const {
  std::array<std::uint8_t, 16> h{};
  std::memcpy(h.data(), bytes.data(), firstHeaderSize());
  for (int i = 0; i < 4; ++i) h[8 + i] = static_cast<std::uint8_t>(streamId >> (8 * i));
  return h;
}

PacketPtr makePacket(const FlvTag& tag, std::uint32_t chunkSize, bool streamHasVideo) {
  auto packet = std::make_shared<Packet>();
  const FlvTagInfo info = classifyTag(tag);
  packet->timestamp = tag.timestamp;
  std::uint32_t csid = kCsidData;
  std::uint8_t type = kDataAmf0;
  std::vector<std::uint8_t> prefixed;
  const std::vector<std::uint8_t>* payload = &tag.data;
  switch (tag.type) {
    case kFlvVideo:
      packet->kind = PacketKind::Video;
      packet->keyframe = info.keyframe;
      packet->syncPoint = info.keyframe;
      if (info.sequenceHeader) packet->header = HeaderSlot::VideoConfig;
      csid = kCsidVideo;
      type = kVideo;
      break;
    case kFlvAudio:
      packet->kind = PacketKind::Audio;
      packet->syncPoint = !streamHasVideo && !info.sequenceHeader;
      if (info.sequenceHeader) packet->header = HeaderSlot::AudioConfig;
      csid = kCsidAudio;
      type = kAudio;
      break;
    default:
      packet->kind = PacketKind::Data;
      if (info.metadata) {
        packet->header = HeaderSlot::Metadata;
        prefixed = amf0EncodeAll({Amf0Value::string("@setDataFrame")});
        prefixed.insert(prefixed.end(), tag.data.begin(), tag.data.end());
        payload = &prefixed;
      }
      break;
  }
  packet->payloadSize = static_cast<std::uint32_t>(payload->size());
  packet->bytes = chunkMessage(csid, type, tag.timestamp, kSharedStreamId, payload->data(),
                               payload->size(), chunkSize);
  return packet;
}

}  // namespace mls::fanout
