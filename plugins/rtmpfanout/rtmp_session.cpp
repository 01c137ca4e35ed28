// RtmpSession: the publisher's protocol state machine (see rtmp_session.h).
#include "rtmp_session.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace mls::fanout {
namespace {

// Transaction ids of the commands a publisher sends.
constexpr double kTxnConnect = 1, kTxnRelease = 2, kTxnFCPublish = 3, kTxnCreateStream = 4,
                 kTxnPublish = 5, kTxnFCUnpublish = 6, kTxnDeleteStream = 7;

constexpr std::uint16_t kStreamEof = 1;
constexpr std::uint16_t kPingRequest = 6;
constexpr std::uint16_t kPingResponse = 7;

std::uint32_t get32be(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

std::string statusText(const Amf0Value* info) {
  if (!info) return "no information";
  std::string text;
  if (const Amf0Value* code = info->get("code"); code && code->type() == Amf0Value::Type::String)
    text = code->asString();
  if (const Amf0Value* d = info->get("description");
      d && d->type() == Amf0Value::Type::String && !d->asString().empty())
    text += (text.empty() ? "" : ": ") + d->asString();
  return text.empty() ? "no information" : text;
}

}  // namespace

RtmpSession::RtmpSession(RtmpUrl url, std::uint32_t chunkSize, Role role)
    : url_(std::move(url)), chunkSize_(chunkSize), role_(role) {}

namespace {

// A data message a player receives that is not part of the published stream.
bool isPlayerPermission(const RtmpMessage& msg) {
  static constexpr char kName[] = "|RtmpSampleAccess";
  const auto& p = msg.payload;
  const std::size_t n = sizeof kName - 1;
  return msg.type == kDataAmf0 && p.size() >= 3 + n && p[0] == 2 && (p[1] << 8 | p[2]) == n &&
         std::memcmp(p.data() + 3, kName, n) == 0;
}

}  // namespace

std::vector<std::uint8_t> RtmpSession::start() {
  std::vector<std::uint8_t> out(1 + kHandshakeSize, 0);
  out[0] = 3;  // C0: RTMP version 3
  // C1: time (0), zero (4 bytes), then random bytes.
  std::minstd_rand rng(std::random_device{}());
  for (std::size_t i = 9; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(rng());
  return out;
}

void RtmpSession::fail(std::string error, bool permanent) {
  if (phase_ == Phase::Failed) return;
  phase_ = Phase::Failed;
  error_ = std::move(error);
  permanent_ = permanent;
}

std::vector<std::uint8_t> RtmpSession::command(const std::vector<Amf0Value>& values,
                                               std::uint32_t streamId) const {
  const std::vector<std::uint8_t> body = amf0EncodeAll(values);
  return chunkMessage(kCsidCommand, kCommandAmf0, 0, streamId, body.data(), body.size(),
                      chunkSize_);
}

bool RtmpSession::receive(const std::uint8_t* data, std::size_t size,
                          std::vector<std::vector<std::uint8_t>>& urgent,
                          std::vector<std::vector<std::uint8_t>>& ordered) {
  if (phase_ == Phase::Failed) return false;
  if (phase_ == Phase::Handshake) {
    const std::size_t want = 1 + 2 * kHandshakeSize;
    const std::size_t take = std::min(size, want - handshake_.size());
    handshake_.insert(handshake_.end(), data, data + take);
    data += take;
    size -= take;
    if (!handshake_.empty() && handshake_[0] != 3) {
      fail("server speaks RTMP version " + std::to_string(handshake_[0]) + ", not 3", false);
      return false;
    }
    if (!sentC2_ && handshake_.size() >= 1 + kHandshakeSize) {
      // C2 echoes S1 (the simple handshake).
      ordered.emplace_back(handshake_.begin() + 1, handshake_.begin() + 1 + kHandshakeSize);
      sentC2_ = true;
    }
    if (handshake_.size() < want) return true;
    handshake_.clear();
    handshake_.shrink_to_fit();
    phase_ = Phase::Connecting;
    ordered.push_back(setChunkSizeMessage(chunkSize_, 128));
    Amf0Value props = Amf0Value::object();
    props.set("app", Amf0Value::string(url_.app))
        .set("type", Amf0Value::string("nonprivate"))
        .set("flashVer", Amf0Value::string(role_ == Role::Play ? "LNX 9,0,124,2 (compatible; mls)"
                                                               : "FMLE/3.0 (compatible; mls)"))
        .set("tcUrl", Amf0Value::string(url_.tcUrl));
    ordered.push_back(
        command({Amf0Value::string("connect"), Amf0Value::number(kTxnConnect), props}, 0));
    if (size == 0) return true;
  }
  bytesReceived_ += size;
  if (!reader_.feed(data, size)) {
    fail("RTMP protocol error from the server: " + reader_.error(), false);
    return false;
  }
  while (auto msg = reader_.next()) {
    handleMessage(*msg, urgent, ordered);
    if (phase_ == Phase::Failed) return false;
  }
  if (serverWindow_ > 0 && bytesReceived_ - lastAckSent_ >= serverWindow_) {
    lastAckSent_ = bytesReceived_;
    urgent.push_back(
        acknowledgementMessage(static_cast<std::uint32_t>(bytesReceived_), chunkSize_));
  }
  return true;
}

void RtmpSession::handleMessage(RtmpMessage& msg,
                                std::vector<std::vector<std::uint8_t>>& urgent,
                                std::vector<std::vector<std::uint8_t>>& ordered) {
  const auto& p = msg.payload;
  switch (msg.type) {
    case kWindowAckSize:
      if (p.size() >= 4) serverWindow_ = get32be(p.data());
      break;
    case kSetPeerBandwidth:
      // Honoured the way the spec asks: answer with our Window Acknowledgement Size when it
      // differs from the last one sent (limit type hard/soft/dynamic alike: we only publish).
      if (p.size() >= 4) {
        const std::uint32_t size = get32be(p.data());
        if (size != windowSent_) {
          windowSent_ = size;
          urgent.push_back(windowAckSizeMessage(size, chunkSize_));
        }
      }
      break;
    case kAcknowledgement:
      if (p.size() >= 4) peerAcknowledged_ = get32be(p.data());
      break;
    case kUserControl:
      if (p.size() >= 6 && (p[0] << 8 | p[1]) == kPingRequest)
        urgent.push_back(userControlMessage(kPingResponse, get32be(p.data() + 2), chunkSize_));
      if (role_ == Role::Play && phase_ == Phase::Live && p.size() >= 6 &&
          (p[0] << 8 | p[1]) == kStreamEof && get32be(p.data() + 2) == streamId_)
        ended_ = true;
      break;
    case kAudio:
    case kVideo:
    case kDataAmf0:
    case kDataAmf3:
    case kAggregate:
      if (role_ == Role::Play && phase_ == Phase::Live && !isPlayerPermission(msg))
        media_.push_back(std::move(msg));
      break;
    case kCommandAmf0:
    case kCommandAmf3: {
      // An AMF3 command message starts with a format byte 0 and is AMF0 after it.
      const std::size_t skip = msg.type == kCommandAmf3 && !p.empty() && p[0] == 0 ? 1 : 0;
      auto values = amf0DecodeAll(p.data() + skip, p.size() - skip);
      if (!values || values->empty() || (*values)[0].type() != Amf0Value::Type::String) {
        fail("undecodable command from the server", false);
        return;
      }
      handleCommand(*values, ordered);
      break;
    }
    default:
      break;  // audio/video/data from a server to a publisher, Set Chunk Size, Abort: nothing to do
  }
}

void RtmpSession::handleCommand(const std::vector<Amf0Value>& v,
                                std::vector<std::vector<std::uint8_t>>& ordered) {
  const std::string& name = v[0].asString();
  const double txn = v.size() > 1 && v[1].type() == Amf0Value::Type::Number ? v[1].asNumber() : -1;
  const Amf0Value* info = v.size() > 3 ? &v[3] : nullptr;
  const std::string& key = url_.streamKey;
  if (name == "_result") {
    if (txn == kTxnConnect && phase_ == Phase::Connecting && role_ == Role::Play) {
      phase_ = Phase::Publishing;
      ordered.push_back(command({Amf0Value::string("createStream"),
                                 Amf0Value::number(kTxnCreateStream), Amf0Value::null()},
                                0));
    } else if (txn == kTxnConnect && phase_ == Phase::Connecting) {
      phase_ = Phase::Publishing;
      ordered.push_back(command({Amf0Value::string("releaseStream"), Amf0Value::number(kTxnRelease),
                                 Amf0Value::null(), Amf0Value::string(key)},
                                0));
      ordered.push_back(command({Amf0Value::string("FCPublish"), Amf0Value::number(kTxnFCPublish),
                                 Amf0Value::null(), Amf0Value::string(key)},
                                0));
      ordered.push_back(command({Amf0Value::string("createStream"),
                                 Amf0Value::number(kTxnCreateStream), Amf0Value::null()},
                                0));
    } else if (txn == kTxnCreateStream && phase_ == Phase::Publishing) {
      if (!info || info->type() != Amf0Value::Type::Number) {
        fail("createStream returned no stream id", false);
        return;
      }
      streamId_ = static_cast<std::uint32_t>(info->asNumber());
      if (role_ == Role::Play) {
        ordered.push_back(command({Amf0Value::string("play"), Amf0Value::number(0),
                                   Amf0Value::null(), Amf0Value::string(key),
                                   Amf0Value::number(-1000)},
                                  streamId_));
        return;
      }
      publishSent_ = true;
      ordered.push_back(
          command({Amf0Value::string("publish"), Amf0Value::number(kTxnPublish), Amf0Value::null(),
                   Amf0Value::string(key), Amf0Value::string("live")},
                  streamId_));
    }
  } else if (name == "_error") {
    // Errors to releaseStream / FCPublish are normal on many servers (they do not know them).
    if (txn == kTxnConnect)
      fail("connect rejected: " + statusText(info), true);
    else if (txn == kTxnCreateStream || txn == kTxnPublish)
      fail(std::string(role_ == Role::Play ? "play" : "publish") + " rejected: " + statusText(info),
           true);
  } else if (name == "onStatus") {
    const Amf0Value* level = info ? info->get("level") : nullptr;
    const Amf0Value* code = info ? info->get("code") : nullptr;
    const std::string code_text =
        code && code->type() == Amf0Value::Type::String ? code->asString() : "";
    if (role_ == Role::Play && (code_text == "NetStream.Play.Start" ||
                                code_text == "NetStream.Play.Reset")) {
      if (phase_ == Phase::Publishing) phase_ = Phase::Live;
    } else if (role_ == Role::Play && (code_text == "NetStream.Play.UnpublishNotify" ||
                                       code_text == "NetStream.Play.Stop" ||
                                       code_text == "NetStream.Play.Complete")) {
      ended_ = true;
    } else if (code_text == "NetStream.Publish.Start") {
      if (phase_ == Phase::Publishing) phase_ = Phase::Live;
    } else if (level && level->type() == Amf0Value::Type::String && level->asString() == "error") {
      // Before the publish started this is the server refusing it (BadName, Denied, …).
      const bool before_live = phase_ != Phase::Live;
      const char* what = role_ == Role::Play ? "play" : "publish";
      fail(std::string(what) + (before_live ? " rejected: " : " ended by the server: ") +
               statusText(info),
           before_live);
    }
  } else if (name == "close") {
    fail("server closed the stream", false);
  }
  // onBWDone, onFCPublish, |RtmpSampleAccess and others need no answer from a publisher.
}

std::vector<std::uint8_t> RtmpSession::unpublishBytes() const {
  const std::string& key = url_.streamKey;
  std::vector<std::uint8_t> out =
      command({Amf0Value::string("FCUnpublish"), Amf0Value::number(kTxnFCUnpublish),
               Amf0Value::null(), Amf0Value::string(key)},
              0);
  std::vector<std::uint8_t> del =
      command({Amf0Value::string("deleteStream"), Amf0Value::number(kTxnDeleteStream),
               Amf0Value::null(), Amf0Value::number(streamId_)},
              0);
  out.insert(out.end(), del.begin(), del.end());
  return out;
}

}  // namespace mls::fanout
