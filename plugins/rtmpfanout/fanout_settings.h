// FanoutSettings and DestinationStats: the plain values shared by the element, the engine and
// each destination. Settings are copied when the element starts (READY→PAUSED); stats are copied
// out of the event loop thread under the engine's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mls::fanout {

struct FanoutSettings {
  std::uint32_t batchWindowMs = 40;  // 0: write as soon as a packet arrives
  std::uint32_t chunkSize = 4096;
  std::size_t maxBacklogBytes = 4 * 1024 * 1024;
  bool gopCache = true;
  std::size_t maxGopBytes = 16 * 1024 * 1024;
  std::uint32_t reconnectMinMs = 500;
  std::uint32_t reconnectMaxMs = 30000;
  std::uint32_t timeoutMs = 10000;  // connect + handshake + publish; and a write stall
  bool tlsValidate = true;
};

// Observed state of a destination (see README: idle · connecting · live · retrying · failed ·
// stopped).
enum class DestinationState { Idle, Connecting, Live, Retrying, Failed, Stopped };
const char* stateName(DestinationState state);

struct DestinationStats {
  std::string id;
  std::string url;  // masked: no stream key
  DestinationState state = DestinationState::Idle;
  std::string error;               // the last error ("" if none yet)
  std::uint64_t bytes = 0;         // bytes written to the socket (all connections)
  std::uint64_t messages = 0;      // media packets queued for sending
  std::uint64_t dropped = 0;       // media packets dropped by the backlog rule
  std::uint64_t dropEpisodes = 0;  // times the backlog overflowed
  std::uint32_t reconnects = 0;    // connection attempts after the first
  std::uint64_t backlogBytes = 0;  // bytes queued right now
};

}  // namespace mls::fanout
