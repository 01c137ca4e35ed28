// Packet: one RTMP message of the published stream, serialized and chunked ONCE, then shared
// read-only by every destination's backlog and by the GOP cache (std::shared_ptr<const Packet>:
// an atomic reference count, no copy per destination).
//
// The bytes are chunked for message stream id kSharedStreamId (1, what nginx-rtmp, ffmpeg and
// the big services return from createStream). A destination that got another id sends a patched
// copy of the 12-byte first chunk header (headerForStream()) followed by the shared rest: the
// type-0 header is the only place a message stream id appears.
//
// Immutable after makePacket(); safe to share between threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "flv_parser.h"

namespace mls::fanout {

constexpr std::uint32_t kSharedStreamId = 1;

enum class PacketKind : std::uint8_t { Audio, Video, Data };
// Which cached stream header a packet replaces (None for ordinary media).
enum class HeaderSlot : std::uint8_t { None, Metadata, VideoConfig, AudioConfig };

struct Packet {
  PacketKind kind = PacketKind::Data;
  HeaderSlot header = HeaderSlot::None;
  bool keyframe = false;   // a video keyframe (not a sequence header)
  bool syncPoint = false;  // a destination that dropped may resume here (see backlog.h)
  std::uint32_t timestamp = 0;
  std::uint32_t payloadSize = 0;
  std::vector<std::uint8_t> bytes;  // the chunked message, first chunk header included

  // Size of the type-0 first chunk header (csid < 64, no extended timestamp: 12; with one: 16).
  std::size_t firstHeaderSize() const;
  // That header with message stream id `streamId` instead of kSharedStreamId.
  std::array<std::uint8_t, 16> headerForStream(std::uint32_t streamId) const;
};
using PacketPtr = std::shared_ptr<const Packet>;

// Turns one FLV tag into a packet chunked at `chunkSize`. An onMetaData script tag is sent as
// "@setDataFrame", "onMetaData", {…} (what RTMP ingest servers expect from a publisher).
// `streamHasVideo`: whether video tags are expected; without video every audio packet is a sync
// point, with video only keyframes are.
PacketPtr makePacket(const FlvTag& tag, std::uint32_t chunkSize, bool streamHasVideo);

}  // namespace mls::fanout
