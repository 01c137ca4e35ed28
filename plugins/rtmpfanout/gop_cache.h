// GopCache: what a destination that (re)joins is sent first, so its stream starts decodable:
// the current stream headers (onMetaData, the video decoder configuration, the AAC
// AudioSpecificConfig) and the packets since the last video keyframe (the current GOP, audio
// interleaved as it came).
//
// A GOP larger than `maxGopBytes` is not cached any further (the joining destination then starts
// at the next keyframe instead); a new keyframe starts a new GOP. Without video there is no GOP to
// cache: a joining destination starts with the next audio packet.
//
// Thread-bound to the fan-out's event loop thread.
#pragma once

#include <cstddef>
#include <vector>

#include "packet.h"

namespace mls::fanout {

class GopCache {
 public:
  explicit GopCache(std::size_t maxGopBytes, bool cacheGop = true)
      : maxGopBytes_(maxGopBytes), cacheGop_(cacheGop) {}

  // Records a packet. For a header packet, returns false when it repeats the cached one byte for
  // byte (it need not be sent again); true otherwise.
  bool push(const PacketPtr& packet);
  // Headers (metadata, video config, audio config) then the current GOP, in order.
  std::vector<PacketPtr> snapshot() const;

  std::size_t gopPackets() const { return gop_.size(); }
  std::size_t gopBytes() const { return gopBytes_; }
  void clear();

 private:
  std::size_t maxGopBytes_;
  bool cacheGop_;
  PacketPtr metadata_, videoConfig_, audioConfig_;
  std::vector<PacketPtr> gop_;
  std::size_t gopBytes_ = 0;
  bool overflowed_ = false;  // this GOP outgrew the bound: cache nothing until the next keyframe
};

}  // namespace mls::fanout
