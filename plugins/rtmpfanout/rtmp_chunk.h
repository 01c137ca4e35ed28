// RTMP chunk stream: the framing that carries RTMP messages over the connection, in both
// directions. chunkMessage() serializes one message into chunk bytes (what the fan-out does ONCE
// per message, then shares among every destination); ChunkReader reassembles the messages a
// server sends back (command replies, onStatus, acknowledgements, control messages).
//
// Outgoing messages always start with a type-0 chunk header (absolute timestamp, length, type,
// stream id) followed by type-3 continuation chunks, so a message's bytes are self-contained and
// can be sent to any connection whatever it was sent before. Timestamps of 0xFFFFFF and above use
// the extended timestamp field, repeated in every continuation chunk (as the spec, ffmpeg and
// nginx-rtmp do).
//
// Plain data, no GLib; a ChunkReader belongs to one connection (thread-bound to its user).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mls::fanout {

// RTMP message type ids (RTMP spec 5.4 and 7.1).
enum RtmpType : std::uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

// Chunk stream ids used by this publisher (2 is reserved for protocol control).
enum ChunkStreamId : std::uint32_t {
  kCsidControl = 2,
  kCsidCommand = 3,
  kCsidAudio = 4,
  kCsidData = 5,
  kCsidVideo = 6,
};

struct RtmpMessage {
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;  // milliseconds
  std::uint32_t streamId = 0;   // message stream id
  std::vector<std::uint8_t> payload;
};

// The chunk bytes of one message with a type-0 first chunk on chunk stream `csid`
// (2..65599). `chunkSize` is the sender's current chunk size (>= 1).
std::vector<std::uint8_t> chunkMessage(std::uint32_t csid, std::uint8_t type,
                                       std::uint32_t timestamp, std::uint32_t streamId,
                                       const std::uint8_t* payload, std::size_t size,
                                       std::uint32_t chunkSize);

// Builders for the protocol control messages a client sends (on chunk stream 2, stream 0).
std::vector<std::uint8_t> setChunkSizeMessage(std::uint32_t size, std::uint32_t chunkSize);
std::vector<std::uint8_t> acknowledgementMessage(std::uint32_t sequence, std::uint32_t chunkSize);
std::vector<std::uint8_t> windowAckSizeMessage(std::uint32_t size, std::uint32_t chunkSize);
// User control event (type 4): `event` then its 4-byte argument (PingResponse: 7).
std::vector<std::uint8_t> userControlMessage(std::uint16_t event, std::uint32_t value,
                                             std::uint32_t chunkSize);

// Reassembles incoming chunks into messages. Bytes are fed as they arrive, in any pieces.
class ChunkReader {
 public:
  // Appends `size` bytes; complete messages are queued for next(). False on a protocol error
  // (then error() says what; the reader must not be used further).
  bool feed(const std::uint8_t* data, std::size_t size);
  // The next complete message, if any.
  std::optional<RtmpMessage> next();

  // The peer's chunk size: the reader applies Set Chunk Size messages itself, as it must parse
  // the very next chunk with it. Abort messages also take effect here.
  std::uint32_t peerChunkSize() const { return chunkSize_; }
  const std::string& error() const { return error_; }

 private:
  struct StreamState {
    std::uint32_t timestamp = 0;
    std::uint32_t delta = 0;
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t streamId = 0;
    bool extended = false;              // the last header carried an extended timestamp
    bool started = false;               // a header has been seen on this chunk stream
    std::vector<std::uint8_t> partial;  // the message being reassembled
  };
  // Parses one chunk from buffer_ at pos_, or returns false if it is not complete yet.
  bool parseChunk(bool& progress);
  void deliver(StreamState& s);

  std::vector<std::uint8_t> buffer_;
  std::size_t pos_ = 0;
  std::uint32_t chunkSize_ = 128;
  std::map<std::uint32_t, StreamState> streams_;
  std::vector<RtmpMessage> ready_;
  std::size_t readyPos_ = 0;
  std::string error_;
};

}  // namespace mls::fanout
