// RtmpSession: the client side of the RTMP protocol for one connection, as a pure state machine:
// bytes in from the server, bytes out to send, no sockets. The transport (destination.cpp for a
// publisher, gstmlsrtmpsrc.cpp for a player) feeds it what the socket reads and sends what it
// returns. A session publishes (Role::Publish) or plays (Role::Play) one stream.
//
//   handshake   C0+C1 → S0+S1 → C2 → S2 (the simple handshake, what nginx-rtmp, ffmpeg, SRS and
//               the big ingest services accept from a publisher)
//   connect     Set Chunk Size (our chunk size, sent first), then connect(app, tcUrl, flashVer…)
//   publish     on connect's _result: releaseStream, FCPublish, createStream; on createStream's
//               _result: publish(streamKey, "live") on the new message stream
//   live        on onStatus NetStream.Publish.Start
//   unpublish   FCUnpublish + deleteStream (unpublishBytes())
// A player instead sends createStream on connect's _result, then play(streamKey, -1000: live or
// recorded, whichever the server has) on the new stream; it is live on onStatus
// NetStream.Play.Start (or .Reset), and from then on the server's audio, video and data messages
// are kept for takeMedia() (nginx-rtmp's "|RtmpSampleAccess" permission message is not media and
// is dropped). NetStream.Play.UnpublishNotify, NetStream.Play.Stop or a Stream EOF user control
// message mean the publisher stopped: ended() becomes true. An error-level onStatus before the
// play started (NetStream.Play.StreamNotFound, …) fails the session.
// Along the way it answers the server: an Acknowledgement each time the bytes received reach the
// server's Window Acknowledgement Size, a Window Acknowledgement Size when Set Peer Bandwidth
// asks for a different one, a Ping Response to every Ping Request.
//
// Errors: _error to connect or createStream, or an error-level onStatus before the publish
// started (NetStream.Publish.BadName, .Denied, …: a rejected stream key or app) are PERMANENT —
// retrying cannot help. So is the server closing the connection in answer to publish (after
// publish was sent, before NetStream.Publish.Start): that is how nginx-rtmp refuses a key
// (on_publish answering non-2xx, `deny publish`), with no onStatus at all; the transport asks
// publishPending() to tell it from an ordinary drop. A protocol violation, a "close" command or
// an error onStatus once live is transient (the transport reconnects).
//
// Thread-bound to the fan-out's event loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "amf0.h"
#include "rtmp_chunk.h"
#include "rtmp_url.h"

namespace mls::fanout {

constexpr std::size_t kHandshakeSize = 1536;

class RtmpSession {
 public:
  enum class Phase { Handshake, Connecting, Publishing, Live, Failed };  // Publishing: or playing
  enum class Role { Publish, Play };

  RtmpSession(RtmpUrl url, std::uint32_t chunkSize, Role role = Role::Publish);

  // What to send first: C0 + C1.
  std::vector<std::uint8_t> start();

  // What the server sent, in any pieces. Bytes to send in reply are appended to `urgent`
  // (protocol control: goes before queued media) and `ordered` (commands, in order). Returns false
  // once the session failed (see failed(), error(), permanent()).
  bool receive(const std::uint8_t* data, std::size_t size,
               std::vector<std::vector<std::uint8_t>>& urgent,
               std::vector<std::vector<std::uint8_t>>& ordered);

  // A player's audio, video and data messages received so far, in order (then forgotten).
  std::vector<RtmpMessage> takeMedia() { return std::move(media_); }
  // A player: the server says the publisher stopped.
  bool ended() const { return ended_; }

  // FCUnpublish + deleteStream, for a clean end of a live publish.
  std::vector<std::uint8_t> unpublishBytes() const;

  Phase phase() const { return phase_; }
  bool live() const { return phase_ == Phase::Live; }
  bool failed() const { return phase_ == Phase::Failed; }
  bool permanent() const { return permanent_; }
  // publish was sent and neither NetStream.Publish.Start nor an error came back yet.
  bool publishPending() const { return publishSent_ && phase_ == Phase::Publishing; }
  const std::string& error() const { return error_; }
  std::uint32_t streamId() const { return streamId_; }
  std::uint32_t chunkSize() const { return chunkSize_; }
  std::uint64_t bytesReceived() const { return bytesReceived_; }
  // What the server acknowledged of our bytes (its last Acknowledgement).
  std::uint32_t peerAcknowledged() const { return peerAcknowledged_; }

 private:
  void fail(std::string error, bool permanent);
  std::vector<std::uint8_t> command(const std::vector<Amf0Value>& values,
                                    std::uint32_t streamId) const;
  void handleMessage(RtmpMessage& msg, std::vector<std::vector<std::uint8_t>>& urgent,
                     std::vector<std::vector<std::uint8_t>>& ordered);
  void handleCommand(const std::vector<Amf0Value>& values,
                     std::vector<std::vector<std::uint8_t>>& ordered);

  RtmpUrl url_;
  std::uint32_t chunkSize_;
  Role role_;
  std::vector<RtmpMessage> media_;  // a player's, until takeMedia()
  bool ended_ = false;
  Phase phase_ = Phase::Handshake;
  std::vector<std::uint8_t> handshake_;  // S0+S1+S2 as they arrive
  bool sentC2_ = false;
  bool publishSent_ = false;
  ChunkReader reader_;
  std::uint32_t streamId_ = 0;
  std::uint64_t bytesReceived_ = 0;  // after the handshake
  std::uint64_t lastAckSent_ = 0;
  std::uint32_t serverWindow_ = 0;  // the server's Window Acknowledgement Size
  std::uint32_t windowSent_ = 0;    // the last Window Acknowledgement Size we sent
  std::uint32_t peerAcknowledged_ = 0;
  bool permanent_ = false;
  std::string error_;
};

}  // namespace mls::fanout
