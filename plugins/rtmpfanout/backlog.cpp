// Backlog and its drop-to-sync-point rule (see backlog.h).
#include "backlog.h"

#include <algorithm>

namespace mls::fanout {

bool Backlog::push(const PacketPtr& packet) {
  const bool header = packet->header != HeaderSlot::None;
  if (!header && waiting_) {
    if (!packet->syncPoint) {
      ++droppedPackets_;
      droppedBytes_ += packet->bytes.size();
      return false;
    }
    waiting_ = false;
    enqueue(packet);  // rule 3: the sync point goes in even if it alone exceeds the bound
    return true;
  }
  if (header || bytes_ + packet->bytes.size() <= maxBytes_) {
    enqueue(packet);
    return true;
  }
  dropUnstarted();  // rule 1
  ++dropEpisodes_;
  if (packet->syncPoint) {
    enqueue(packet);
    return true;
  }
  waiting_ = true;  // rule 2
  ++droppedPackets_;
  droppedBytes_ += packet->bytes.size();
  return false;
}

void Backlog::enqueue(const PacketPtr& packet) {
  Entry e;
  e.packet = packet;
  if (streamId_ != kSharedStreamId) {
    e.header = packet->headerForStream(streamId_);
    e.headerSize = static_cast<std::uint8_t>(packet->firstHeaderSize());
  }
  bytes_ += packet->bytes.size();
  entries_.push_back(std::move(e));
}

void Backlog::dropUnstarted() {
  std::deque<Entry> kept;
  for (Entry& e : entries_) {
    const bool keep = e.offset > 0 || !e.packet || e.packet->header != HeaderSlot::None;
    if (keep) {
      kept.push_back(std::move(e));
    } else {
      ++droppedPackets_;
      droppedBytes_ += e.size();
      bytes_ -= e.size();
    }
  }
  entries_ = std::move(kept);
}

void Backlog::pushOwned(std::vector<std::uint8_t> bytes) {
  Entry e;
  bytes_ += bytes.size();
  e.own = std::move(bytes);
  entries_.push_back(std::move(e));
}

void Backlog::pushUrgent(std::vector<std::uint8_t> bytes) {
  Entry e;
  bytes_ += bytes.size();
  e.own = std::move(bytes);
  auto at = entries_.begin();
  if (at != entries_.end() && at->offset > 0) ++at;
  entries_.insert(at, std::move(e));
}

void Backlog::gather(std::vector<std::pair<const std::uint8_t*, std::size_t>>& out,
                     std::size_t maxSegments) const {
  out.clear();
  for (const Entry& e : entries_) {
    if (out.size() >= maxSegments) return;
    if (!e.packet) {
      out.emplace_back(e.own.data() + e.offset, e.own.size() - e.offset);
      continue;
    }
    std::size_t offset = e.offset;
    if (e.headerSize > 0 && offset < e.headerSize) {
      out.emplace_back(e.header.data() + offset, e.headerSize - offset);
      offset = e.headerSize;
      if (out.size() >= maxSegments) return;
    }
    out.emplace_back(e.packet->bytes.data() + offset, e.packet->bytes.size() - offset);
  }
}

void Backlog::consume(std::size_t n) {
  while (n > 0 && !entries_.empty()) {
    Entry& e = entries_.front();
    const std::size_t left = e.size() - e.offset;
    const std::size_t take = std::min(left, n);
    e.offset += take;
    bytes_ -= take;
    n -= take;
    if (e.offset == e.size()) entries_.pop_front();
  }
}

void Backlog::clear() {
  entries_.clear();
  bytes_ = 0;
  waiting_ = false;
}

}  // namespace mls::fanout
