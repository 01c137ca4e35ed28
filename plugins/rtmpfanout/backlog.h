// Backlog: the bytes queued for one destination and not yet accepted by its socket, bounded.
//
// Media packets are shared (see packet.h); protocol messages of this connection only (commands,
// acknowledgements) are owned. The bound is `maxBytes` of queued bytes. The drop rule, when a
// packet would exceed it (the peer reads slower than the stream arrives):
//   1. every queued media packet not yet started is dropped, except stream headers (small, and
//      needed to decode what follows); a packet partly written stays, so the chunk stream stays
//      well-formed;
//   2. the backlog then waits for a sync point (a video keyframe; any audio packet in a stream
//      without video): media packets before it are dropped, headers are still queued;
//   3. the sync point is queued even if it alone exceeds the bound, and sending resumes from it.
// So a slow peer loses whole GOPs and resumes decodable; it never blocks the writer of the
// others, and memory per destination stays bounded by about maxBytes plus one keyframe.
//
// Thread-bound to the fan-out's event loop thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "packet.h"

namespace mls::fanout {

class Backlog {
 public:
  explicit Backlog(std::size_t maxBytes) : maxBytes_(maxBytes) {}

  // The message stream id this connection publishes on (createStream's reply). Packets queued
  // from now on get a patched first header when it is not kSharedStreamId.
  void setStreamId(std::uint32_t id) { streamId_ = id; }
  void setMaxBytes(std::size_t maxBytes) { maxBytes_ = maxBytes; }

  // Queues a shared media packet under the drop rule; false if it was dropped.
  bool push(const PacketPtr& packet);
  // Queues connection-private bytes at the end (commands): never dropped.
  void pushOwned(std::vector<std::uint8_t> bytes);
  // Queues connection-private bytes as early as the chunk stream allows (control messages:
  // acknowledgements, ping responses): right after a partly written entry, else first.
  void pushUrgent(std::vector<std::uint8_t> bytes);

  // Up to `maxSegments` (pointer, length) pieces of the queued bytes, in order, for one writev.
  void gather(std::vector<std::pair<const std::uint8_t*, std::size_t>>& out,
              std::size_t maxSegments) const;
  // Marks `n` bytes from the front as written.
  void consume(std::size_t n);

  std::size_t bytes() const { return bytes_; }
  bool empty() const { return entries_.empty(); }
  bool waitingForSyncPoint() const { return waiting_; }
  std::uint64_t droppedPackets() const { return droppedPackets_; }
  std::uint64_t droppedBytes() const { return droppedBytes_; }
  // Drop episodes (each time rule 1 triggered).
  std::uint64_t dropEpisodes() const { return dropEpisodes_; }
  // Forgets everything queued (the connection is gone); drop counters stay.
  void clear();

 private:
  struct Entry {
    PacketPtr packet;               // shared media, or
    std::vector<std::uint8_t> own;  // connection-private bytes
    std::array<std::uint8_t, 16> header{};
    std::uint8_t headerSize = 0;  // > 0: `header` replaces the packet's first header
    std::size_t offset = 0;       // bytes already written
    std::size_t size() const { return packet ? packet->bytes.size() : own.size(); }
  };
  void enqueue(const PacketPtr& packet);
  void dropUnstarted();

  std::size_t maxBytes_;
  std::uint32_t streamId_ = kSharedStreamId;
  std::deque<Entry> entries_;
  std::size_t bytes_ = 0;  // unwritten bytes queued
  bool waiting_ = false;
  std::uint64_t droppedPackets_ = 0;
  std::uint64_t droppedBytes_ = 0;
  std::uint64_t dropEpisodes_ = 0;
};

}  // namespace mls::fanout
