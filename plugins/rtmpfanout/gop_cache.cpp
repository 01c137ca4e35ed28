// GopCache (see gop_cache.h).
#include "gop_cache.h"

#include <algorithm>

namespace mls::fanout {
namespace {
// Headers compare by their payload: the chunk header differs only by timestamp, which does not
// make a configuration new.
bool samePayload(const PacketPtr& a, const PacketPtr& b) {
  if (!a || !b || a->payloadSize != b->payloadSize) return false;
  const std::size_t ha = a->firstHeaderSize(), hb = b->firstHeaderSize();
  return a->bytes.size() - ha == b->bytes.size() - hb &&
         std::equal(a->bytes.begin() + static_cast<std::ptrdiff_t>(ha), a->bytes.end(),
                    b->bytes.begin() + static_cast<std::ptrdiff_t>(hb));
}
}  // namespace

bool GopCache::push(const PacketPtr& packet) {
  PacketPtr* slot = nullptr;
  switch (packet->header) {
    case HeaderSlot::Metadata:
      slot = &metadata_;
      break;
    case HeaderSlot::VideoConfig:
      slot = &videoConfig_;
      break;
    case HeaderSlot::AudioConfig:
      slot = &audioConfig_;
      break;
    case HeaderSlot::None:
      break;
  }
  if (slot) {
    if (samePayload(*slot, packet)) return false;
    *slot = packet;
    return true;
  }
  if (!cacheGop_) return true;
  if (packet->keyframe) {
    gop_.clear();
    gopBytes_ = 0;
    overflowed_ = false;
  } else if (gop_.empty() || overflowed_) {
    return true;  // not inside a cacheable GOP (before the first keyframe, or too large)
  }
  if (packet->kind == PacketKind::Audio && packet->syncPoint) return true;  // audio-only stream
  if (gopBytes_ + packet->bytes.size() > maxGopBytes_) {
    gop_.clear();
    gopBytes_ = 0;
    overflowed_ = true;
    return true;
  }
  gop_.push_back(packet);
  gopBytes_ += packet->bytes.size();
  return true;
}

std::vector<PacketPtr> GopCache::snapshot() const {
  std::vector<PacketPtr> out;
  out.reserve(gop_.size() + 3);
  for (const PacketPtr* h : {&metadata_, &videoConfig_, &audioConfig_})
    if (*h) out.push_back(*h);
  out.insert(out.end(), gop_.begin(), gop_.end());
  return out;
}

void GopCache::clear() {
  metadata_.reset();
  videoConfig_.reset();
  audioConfig_.reset();
  gop_.clear();
  gopBytes_ = 0;
  overflowed_ = false;
}

}  // namespace mls::fanout
