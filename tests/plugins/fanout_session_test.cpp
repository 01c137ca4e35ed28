// The RTMP session driven by a scripted server, without sockets. As mlsrtmpfanout's publisher:
// handshake, set chunk size first, connect with app and tcUrl, createStream and publish, onStatus
// (a rejected key or connect is permanent), acknowledgements, ping and peer bandwidth. As
// mlsrtmpsrc's player: createStream and play, live on Play.Start, the publisher's media kept in
// order (the server's permission message not), the end of the publish, a stream not found.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "amf0.h"
#include "rtmp_chunk.h"
#include "rtmp_session.h"
#include "rtmp_url.h"

namespace mls::fanout {
namespace {

using Bytes = std::vector<std::uint8_t>;

// n bytes 0, 1, 2, … (a recognisable payload).
Bytes payloadOf(std::size_t n) {
  Bytes p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i);
  return p;
}

class SessionTest : public ::testing::Test {
 protected:
  virtual RtmpSession::Role role() const { return RtmpSession::Role::Publish; }
  void SetUp() override {
    std::string error;
    session_ = std::make_unique<RtmpSession>(*parseRtmpUrl("rtmp://h:1935/live/key1", error), 4096,
                                             role());
    const Bytes c0c1 = session_->start();
    ASSERT_EQ(c0c1.size(), 1537u);
    ASSERT_EQ(c0c1[0], 3);
    // Server: S0 + S1 (recognisable) + S2.
    Bytes s(1 + 2 * kHandshakeSize, 0x5a);
    s[0] = 3;
    receive(s);
    ASSERT_FALSE(ordered_.empty());
    ASSERT_EQ(ordered_[0], Bytes(s.begin() + 1, s.begin() + 1 + kHandshakeSize)) << "C2 = S1";
    const Bytes rest = flatten(ordered_, 1);
    ASSERT_TRUE(readerIn_.feed(rest.data(), rest.size()));
    while (auto m = readerIn_.next()) setupMessages_.push_back(*m);
  }
  static Bytes flatten(const std::vector<Bytes>& v, std::size_t from = 0) {
    Bytes out;
    for (std::size_t i = from; i < v.size(); ++i) out.insert(out.end(), v[i].begin(), v[i].end());
    return out;
  }
  bool receive(const Bytes& b) {
    urgent_.clear();
    ordered_.clear();
    return session_->receive(b.data(), b.size(), urgent_, ordered_);
  }
  // The server's view of what the client sent since the handshake.
  std::vector<RtmpMessage> clientMessages(const std::vector<Bytes>& sent) {
    const Bytes all = flatten(sent);
    EXPECT_TRUE(readerIn_.feed(all.data(), all.size())) << readerIn_.error();
    std::vector<RtmpMessage> out;
    while (auto m = readerIn_.next()) out.push_back(*m);
    return out;
  }
  static std::vector<Amf0Value> decode(const RtmpMessage& m) {
    auto v = amf0DecodeAll(m.payload.data(), m.payload.size());
    EXPECT_TRUE(v.has_value());
    return v ? *v : std::vector<Amf0Value>{};
  }
  static Bytes serverCommand(const std::vector<Amf0Value>& values, std::uint32_t streamId = 0) {
    const Bytes body = amf0EncodeAll(values);
    return chunkMessage(3, kCommandAmf0, 0, streamId, body.data(), body.size(), 128);
  }
  static Amf0Value status(const std::string& level, const std::string& code) {
    Amf0Value info = Amf0Value::object();
    info.set("level", Amf0Value::string(level)).set("code", Amf0Value::string(code));
    info.set("description", Amf0Value::string("from the test"));
    return info;
  }
  void publishUpTo(bool live) {
    ASSERT_TRUE(receive(
        serverCommand({Amf0Value::string("_result"), Amf0Value::number(1), Amf0Value::object(),
                       status("status", "NetConnection.Connect.Success")})));
    ASSERT_TRUE(receive(serverCommand({Amf0Value::string("_result"), Amf0Value::number(4),
                                       Amf0Value::null(), Amf0Value::number(1)})));
    if (live) {
      ASSERT_TRUE(
          receive(serverCommand({Amf0Value::string("onStatus"), Amf0Value::number(0),
                                 Amf0Value::null(), status("status", "NetStream.Publish.Start")},
                                1)));
    }
  }

  std::unique_ptr<RtmpSession> session_;
  std::vector<Bytes> urgent_, ordered_;
  ChunkReader readerIn_;
  std::vector<RtmpMessage> setupMessages_;  // what the client sent after C2
};

TEST_F(SessionTest, SetsTheChunkSizeFirstThenConnectsWithAppAndTcUrl) {
  // SetUp consumed C2; the rest of that reply was Set Chunk Size and connect.
  const std::vector<RtmpMessage>& msgs = setupMessages_;
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].type, kSetChunkSize);
  EXPECT_EQ(readerIn_.peerChunkSize(), 4096u);
  ASSERT_EQ(msgs[1].type, kCommandAmf0);
  auto v = decode(msgs[1]);
  ASSERT_GE(v.size(), 3u);
  EXPECT_EQ(v[0].asString(), "connect");
  EXPECT_EQ(v[1].asNumber(), 1);
  EXPECT_EQ(v[2].get("app")->asString(), "live");
  EXPECT_EQ(v[2].get("tcUrl")->asString(), "rtmp://h:1935/live");
  EXPECT_EQ(session_->phase(), RtmpSession::Phase::Connecting);
}

TEST_F(SessionTest, PublishesAfterConnectAndCreateStreamAndGoesLiveOnPublishStart) {
  ASSERT_TRUE(receive(
      serverCommand({Amf0Value::string("_result"), Amf0Value::number(1), Amf0Value::object(),
                     status("status", "NetConnection.Connect.Success")})));
  auto msgs = clientMessages(ordered_);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(decode(msgs[0])[0].asString(), "releaseStream");
  EXPECT_EQ(decode(msgs[0])[3].asString(), "key1");
  EXPECT_EQ(decode(msgs[1])[0].asString(), "FCPublish");
  EXPECT_EQ(decode(msgs[2])[0].asString(), "createStream");
  const double create_txn = decode(msgs[2])[1].asNumber();

  ASSERT_TRUE(receive(serverCommand({Amf0Value::string("_result"), Amf0Value::number(create_txn),
                                     Amf0Value::null(), Amf0Value::number(5)})));
  msgs = clientMessages(ordered_);
  ASSERT_EQ(msgs.size(), 1u);
  auto publish = decode(msgs[0]);
  EXPECT_EQ(publish[0].asString(), "publish");
  EXPECT_EQ(publish[3].asString(), "key1");
  EXPECT_EQ(publish[4].asString(), "live");
  EXPECT_EQ(msgs[0].streamId, 5u) << "publish goes on the new message stream";
  EXPECT_EQ(session_->streamId(), 5u);
  EXPECT_FALSE(session_->live());

  ASSERT_TRUE(
      receive(serverCommand({Amf0Value::string("onStatus"), Amf0Value::number(0), Amf0Value::null(),
                             status("status", "NetStream.Publish.Start")},
                            5)));
  EXPECT_TRUE(session_->live());

  msgs = clientMessages({session_->unpublishBytes()});
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(decode(msgs[0])[0].asString(), "FCUnpublish");
  EXPECT_EQ(decode(msgs[1])[0].asString(), "deleteStream");
  EXPECT_EQ(decode(msgs[1])[3].asNumber(), 5);
}

TEST_F(SessionTest, ARejectedStreamKeyIsPermanent) {
  publishUpTo(false);
  EXPECT_FALSE(
      receive(serverCommand({Amf0Value::string("onStatus"), Amf0Value::number(0), Amf0Value::null(),
                             status("error", "NetStream.Publish.BadName")},
                            1)));
  EXPECT_TRUE(session_->failed());
  EXPECT_TRUE(session_->permanent());
  EXPECT_NE(session_->error().find("NetStream.Publish.BadName"), std::string::npos);
}

TEST_F(SessionTest, KnowsWhenPublishAwaitsItsAnswer) {
  EXPECT_FALSE(session_->publishPending());
  publishUpTo(false);
  EXPECT_TRUE(session_->publishPending()) << "a close now is the server refusing the key";
  ASSERT_TRUE(
      receive(serverCommand({Amf0Value::string("onStatus"), Amf0Value::number(0), Amf0Value::null(),
                             status("status", "NetStream.Publish.Start")},
                            1)));
  EXPECT_FALSE(session_->publishPending());
}

TEST_F(SessionTest, ARejectedConnectIsPermanent) {
  EXPECT_FALSE(
      receive(serverCommand({Amf0Value::string("_error"), Amf0Value::number(1), Amf0Value::null(),
                             status("error", "NetConnection.Connect.Rejected")})));
  EXPECT_TRUE(session_->permanent());
}

TEST_F(SessionTest, AnErrorOnceLiveIsTransient) {
  publishUpTo(true);
  ASSERT_TRUE(session_->live());
  EXPECT_FALSE(receive(serverCommand({Amf0Value::string("onStatus"), Amf0Value::number(0),
                                      Amf0Value::null(), status("error", "NetStream.Failed")},
                                     1)));
  EXPECT_TRUE(session_->failed());
  EXPECT_FALSE(session_->permanent());
}

TEST_F(SessionTest, AcknowledgesTheServersWindowAndAnswersPingAndPeerBandwidth) {
  std::vector<std::uint8_t> was = {0, 0, 0x01, 0x00};  // window 256 bytes
  ASSERT_TRUE(receive(chunkMessage(2, kWindowAckSize, 0, 0, was.data(), 4, 128)));
  EXPECT_TRUE(urgent_.empty());
  std::vector<std::uint8_t> spb = {0, 0x26, 0x25, 0xa0, 2};  // 2,500,000, dynamic
  ASSERT_TRUE(receive(chunkMessage(2, kSetPeerBandwidth, 0, 0, spb.data(), 5, 128)));
  auto msgs = clientMessages(urgent_);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, kWindowAckSize);
  EXPECT_EQ(msgs[0].payload, (Bytes{0, 0x26, 0x25, 0xa0}));
  std::vector<std::uint8_t> ping = {0, 6, 0, 0, 0x30, 0x39};
  ASSERT_TRUE(receive(chunkMessage(2, kUserControl, 0, 0, ping.data(), 6, 128)));
  msgs = clientMessages(urgent_);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].payload, (Bytes{0, 7, 0, 0, 0x30, 0x39})) << "ping response, same value";
  // 256 bytes of anything after the handshake: one Acknowledgement with the byte count.
  const Bytes filler = payloadOf(200);
  std::vector<Bytes> acks;
  std::uint64_t received_at_ack = 0;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(receive(chunkMessage(7, kAudio, 0, 1, filler.data(), filler.size(), 128)));
    if (!urgent_.empty()) received_at_ack = session_->bytesReceived();
    acks.insert(acks.end(), urgent_.begin(), urgent_.end());
  }
  msgs = clientMessages(acks);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, kAcknowledgement);
  const std::uint32_t seq = static_cast<std::uint32_t>(msgs[0].payload[0]) << 24 |
                            msgs[0].payload[1] << 16 | msgs[0].payload[2] << 8 | msgs[0].payload[3];
  EXPECT_EQ(seq, received_at_ack);
  EXPECT_GE(seq, 256u);
}

class PlaySessionTest : public SessionTest {
 protected:
  RtmpSession::Role role() const override { return RtmpSession::Role::Play; }
  // connect's _result, createStream's _result (stream 1), then onStatus `code` on stream 1.
  void playUpTo(const std::string& level, const std::string& code) {
    ASSERT_TRUE(receive(
        serverCommand({Amf0Value::string("_result"), Amf0Value::number(1), Amf0Value::object(),
                       status("status", "NetConnection.Connect.Success")})));
    auto msgs = clientMessages(ordered_);
    ASSERT_EQ(msgs.size(), 1u) << "a player sends no releaseStream or FCPublish";
    EXPECT_EQ(decode(msgs[0])[0].asString(), "createStream");
    const double txn = decode(msgs[0])[1].asNumber();
    ASSERT_TRUE(receive(serverCommand({Amf0Value::string("_result"), Amf0Value::number(txn),
                                       Amf0Value::null(), Amf0Value::number(1)})));
    msgs = clientMessages(ordered_);
    ASSERT_EQ(msgs.size(), 1u);
    auto play = decode(msgs[0]);
    EXPECT_EQ(play[0].asString(), "play");
    EXPECT_EQ(play[3].asString(), "key1");
    EXPECT_EQ(play[4].asNumber(), -1000) << "live or recorded, whichever the server has";
    EXPECT_EQ(msgs[0].streamId, 1u) << "play goes on the new message stream";
    receive(serverCommand({Amf0Value::string("onStatus"), Amf0Value::number(0), Amf0Value::null(),
                           status(level, code)},
                          1));
  }
  static Bytes media(std::uint8_t type, std::uint32_t ts, const Bytes& body) {
    return chunkMessage(type == kAudio ? 4 : 6, type, ts, 1, body.data(), body.size(), 128);
  }
};

TEST_F(PlaySessionTest, PlaysAndKeepsThePublishersMediaInOrder) {
  playUpTo("status", "NetStream.Play.Start");
  ASSERT_TRUE(session_->live());
  const Bytes permission =
      amf0EncodeAll({Amf0Value::string("|RtmpSampleAccess"), Amf0Value::boolean(true),
                     Amf0Value::boolean(true)});
  const Bytes metadata = amf0EncodeAll({Amf0Value::string("onMetaData"), Amf0Value::ecmaArray()});
  ASSERT_TRUE(receive(media(kDataAmf0, 0, permission)));
  ASSERT_TRUE(receive(media(kDataAmf0, 0, metadata)));
  ASSERT_TRUE(receive(media(kVideo, 1000, payloadOf(5000))));  // > the 128-byte chunk size
  ASSERT_TRUE(receive(media(kAudio, 1010, payloadOf(20))));
  const std::vector<RtmpMessage> got = session_->takeMedia();
  ASSERT_EQ(got.size(), 3u) << "the permission message is not the publisher's";
  EXPECT_EQ(got[0].type, kDataAmf0);
  EXPECT_EQ(got[1].type, kVideo);
  EXPECT_EQ(got[1].timestamp, 1000u);
  EXPECT_EQ(got[1].payload, payloadOf(5000));
  EXPECT_EQ(got[2].type, kAudio);
  EXPECT_TRUE(session_->takeMedia().empty()) << "taken once";
  EXPECT_FALSE(session_->ended());

  ASSERT_TRUE(receive(serverCommand({Amf0Value::string("onStatus"), Amf0Value::number(0),
                                     Amf0Value::null(),
                                     status("status", "NetStream.Play.UnpublishNotify")},
                                    1)));
  EXPECT_TRUE(session_->ended()) << "the publisher stopped";
}

TEST_F(PlaySessionTest, NoMediaIsKeptBeforePlayStarts) {
  playUpTo("status", "NetStream.Play.PublishNotify");  // not the start
  EXPECT_FALSE(session_->live());
  ASSERT_TRUE(receive(media(kVideo, 0, payloadOf(10))));
  EXPECT_TRUE(session_->takeMedia().empty());
}

TEST_F(PlaySessionTest, AStreamNotFoundFailsTheSession) {
  playUpTo("error", "NetStream.Play.StreamNotFound");
  EXPECT_TRUE(session_->failed());
  EXPECT_NE(session_->error().find("play rejected: NetStream.Play.StreamNotFound"),
            std::string::npos)
      << session_->error();
}

}  // namespace
}  // namespace mls::fanout
