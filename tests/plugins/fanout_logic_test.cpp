// The logic of mlsrtmpfanout without sockets: AMF0 round trips, the exact chunk bytes of a
// message, the chunk reader, RTMP URLs, FLV tag parsing, the backlog's drop-to-keyframe rule, the
// GOP cache. The RTMP session against a scripted server is in fanout_session_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "amf0.h"
#include "backlog.h"
#include "flv_parser.h"
#include "gop_cache.h"
#include "packet.h"
#include "rtmp_chunk.h"
#include "rtmp_session.h"
#include "rtmp_url.h"

namespace mls::fanout {
namespace {

using Bytes = std::vector<std::uint8_t>;

// ---- AMF0 -----------------------------------------------------------------------------------

TEST(Amf0, EncodesTheSpecBytesOfScalars) {
  EXPECT_EQ(amf0EncodeAll({Amf0Value::number(1.0)}), (Bytes{0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(amf0EncodeAll({Amf0Value::boolean(true)}), (Bytes{0x01, 0x01}));
  EXPECT_EQ(amf0EncodeAll({Amf0Value::string("ab")}), (Bytes{0x02, 0x00, 0x02, 'a', 'b'}));
  EXPECT_EQ(amf0EncodeAll({Amf0Value::null()}), (Bytes{0x05}));
  Amf0Value obj = Amf0Value::object();
  obj.set("a", Amf0Value::boolean(false));
  EXPECT_EQ(amf0EncodeAll({obj}), (Bytes{0x03, 0x00, 0x01, 'a', 0x01, 0x00, 0x00, 0x00, 0x09}));
}

TEST(Amf0, RoundTripsEveryTypeItEncodes) {
  Amf0Value inner = Amf0Value::object();
  inner.set("level", Amf0Value::string("status")).set("n", Amf0Value::number(-2.5));
  Amf0Value ecma = Amf0Value::ecmaArray();
  ecma.set("width", Amf0Value::number(1280)).set("stereo", Amf0Value::boolean(true));
  ecma.set("nested", inner);
  const std::vector<Amf0Value> values = {
      Amf0Value::string("onStatus"),
      Amf0Value::number(0),
      Amf0Value::null(),
      Amf0Value::undefined(),
      inner,
      ecma,
      Amf0Value::strictArray({Amf0Value::number(1), Amf0Value::string("x")}),
      Amf0Value::string(std::string(70000, 'k')),  // a long string
      Amf0Value::string("")};
  const Bytes encoded = amf0EncodeAll(values);
  auto decoded = amf0DecodeAll(encoded.data(), encoded.size());
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ(decoded->size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_TRUE((*decoded)[i] == values[i]) << i;
  EXPECT_EQ(encoded[encoded.size() - 3 - 70005], 0x0c) << "70000 bytes need a long string";
  EXPECT_EQ((*decoded)[5].get("nested")->get("level")->asString(), "status");
}

TEST(Amf0, RefusesTruncatedAndUnsupportedInput) {
  Bytes encoded = amf0EncodeAll({Amf0Value::string("hello")});
  for (std::size_t cut = 1; cut < encoded.size(); ++cut)
    EXPECT_FALSE(amf0DecodeAll(encoded.data(), cut).has_value()) << cut;
  const Bytes reference = {0x07, 0x00, 0x01};  // AMF0 reference: refused, not guessed
  EXPECT_FALSE(amf0DecodeAll(reference.data(), reference.size()).has_value());
  Bytes deep;
  for (int i = 0; i < 100; ++i) deep.insert(deep.end(), {0x03, 0x00, 0x01, 'a'});
  EXPECT_FALSE(amf0DecodeAll(deep.data(), deep.size()).has_value()) << "nesting is bounded";
}

TEST(Amf0, DecodesADateAsItsMilliseconds) {
  const Bytes date = {0x0b, 0x42, 0x78, 0, 0, 0, 0, 0, 0, 0x00, 0x00};
  auto decoded = amf0DecodeAll(date.data(), date.size());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ((*decoded)[0].asNumber(), std::ldexp(1.5, 40));
}

// ---- Chunking -------------------------------------------------------------------------------

Bytes payloadOf(std::size_t n) {
  Bytes p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i);
  return p;
}

TEST(Chunking, ASmallMessageAt4096IsOneChunkWithAType0Header) {
  const Bytes payload = payloadOf(200);
  const Bytes out = chunkMessage(6, kVideo, 1000, 1, payload.data(), payload.size(), 4096);
  Bytes expected = {0x06, 0x00, 0x03, 0xe8, 0x00, 0x00, 0xc8, 0x09, 0x01, 0x00, 0x00, 0x00};
  expected.insert(expected.end(), payload.begin(), payload.end());
  EXPECT_EQ(out, expected);
}

TEST(Chunking, TheSameMessageAt128SplitsWithAType3Header) {
  const Bytes payload = payloadOf(200);
  const Bytes out = chunkMessage(6, kVideo, 1000, 1, payload.data(), payload.size(), 128);
  Bytes expected = {0x06, 0x00, 0x03, 0xe8, 0x00, 0x00, 0xc8, 0x09, 0x01, 0x00, 0x00, 0x00};
  expected.insert(expected.end(), payload.begin(), payload.begin() + 128);
  expected.push_back(0xc6);  // fmt 3, csid 6
  expected.insert(expected.end(), payload.begin() + 128, payload.end());
  EXPECT_EQ(out, expected);
}

TEST(Chunking, ExtendedTimestampsRepeatInEveryChunk) {
  const Bytes payload = payloadOf(130);
  const Bytes out = chunkMessage(4, kAudio, 0x01020304, 1, payload.data(), payload.size(), 128);
  Bytes expected = {0x04, 0xff, 0xff, 0xff, 0x00, 0x00, 0x82, 0x08,
                    0x01, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
  expected.insert(expected.end(), payload.begin(), payload.begin() + 128);
  expected.insert(expected.end(), {0xc4, 0x01, 0x02, 0x03, 0x04});
  expected.insert(expected.end(), payload.begin() + 128, payload.end());
  EXPECT_EQ(out, expected);
}

TEST(Chunking, LargeChunkStreamIdsUseTheLongerBasicHeaders) {
  const Bytes payload = payloadOf(1);
  EXPECT_EQ(chunkMessage(100, kAudio, 0, 0, payload.data(), 1, 128)[0], 0x00);
  EXPECT_EQ(chunkMessage(100, kAudio, 0, 0, payload.data(), 1, 128)[1], 36);
  const Bytes big = chunkMessage(400, kAudio, 0, 0, payload.data(), 1, 128);
  EXPECT_EQ(big[0], 0x01);
  EXPECT_EQ(big[1] | big[2] << 8, 400 - 64);
}

TEST(ChunkReader, ReassemblesMessagesFedByteByByteAndFollowsSetChunkSize) {
  ChunkReader reader;
  Bytes stream;
  const Bytes a = payloadOf(300), b = payloadOf(5000), c = payloadOf(0x01000000 >> 12);
  auto append = [&](const Bytes& bytes) {
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  };
  append(chunkMessage(3, kCommandAmf0, 0, 0, a.data(), a.size(), 128));
  append(setChunkSizeMessage(4096, 128));
  append(chunkMessage(6, kVideo, 0x01000005, 1, b.data(), b.size(), 4096));
  append(chunkMessage(100, kAudio, 7, 1, c.data(), c.size(), 4096));
  for (std::uint8_t byte : stream) ASSERT_TRUE(reader.feed(&byte, 1)) << reader.error();
  std::vector<RtmpMessage> got;
  while (auto m = reader.next()) got.push_back(*m);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].type, kCommandAmf0);
  EXPECT_EQ(got[0].payload, a);
  EXPECT_EQ(got[1].type, kSetChunkSize);
  EXPECT_EQ(reader.peerChunkSize(), 4096u);
  EXPECT_EQ(got[2].payload, b);
  EXPECT_EQ(got[2].timestamp, 0x01000005u);
  EXPECT_EQ(got[2].streamId, 1u);
  EXPECT_EQ(got[3].payload, c);
  EXPECT_EQ(got[3].timestamp, 7u);
}

TEST(ChunkReader, AppliesType1And2HeadersAsTimestampDeltas) {
  // Header types a server uses for a second message on the same chunk stream.
  Bytes stream = {0x03, 0,   0,  10, 0,   0,   1, 20, 0,   0,   0, 0, 'x',  // fmt 0: ts 10, len 1
                  0x43, 0,   0,  5,  0,   0,   2, 20, 'y', 'z',             // fmt 1: +5, len 2
                  0x83, 0,   0,  7,  'u', 'v',                              // fmt 2: +7
                  0xc3, 'w', 'q'};                                          // fmt 3: +7 again
  ChunkReader reader;
  ASSERT_TRUE(reader.feed(stream.data(), stream.size())) << reader.error();
  std::vector<std::uint32_t> ts;
  while (auto m = reader.next()) ts.push_back(m->timestamp);
  EXPECT_EQ(ts, (std::vector<std::uint32_t>{10, 15, 22, 29}));
}

TEST(ChunkReader, RejectsAContinuationOnAnUnknownChunkStream) {
  const Bytes stream = {0xc5, 0x00};
  ChunkReader reader;
  EXPECT_FALSE(reader.feed(stream.data(), stream.size()));
  EXPECT_FALSE(reader.error().empty());
}

// ---- URLs -----------------------------------------------------------------------------------

TEST(RtmpUrl, SplitsAppKeyAndTcUrl) {
  std::string error;
  auto u = parseRtmpUrl("rtmp://127.0.0.1:1936/live/secret", error);
  ASSERT_TRUE(u) << error;
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 1936);
  EXPECT_EQ(u->app, "live");
  EXPECT_EQ(u->streamKey, "secret");
  EXPECT_EQ(u->tcUrl, "rtmp://127.0.0.1:1936/live");
  EXPECT_EQ(u->masked(), "rtmp://127.0.0.1:1936/live/***");

  auto s = parseRtmpUrl("rtmps://ingest.example.com/app/inst/key?token=1", error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->app, "app/inst");
  EXPECT_EQ(s->streamKey, "key?token=1");
  EXPECT_EQ(s->tcUrl, "rtmps://ingest.example.com/app/inst");

  auto v6 = parseRtmpUrl("rtmp://[::1]:1935/live/k", error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->hostAndPort(), "[::1]:1935");
}

TEST(RtmpUrl, RefusesWhatCannotBePublishedTo) {
  std::string error;
  for (const char* bad : {"http://h/live/k", "rtmp://h/live", "rtmp://h/live/", "rtmp://h:0/a/k",
                          "rtmp://h:99999/a/k", "rtmp:///a/k", "rtmp://u:p@h/a/k", "rtmp://h"}) {
    error.clear();
    EXPECT_FALSE(parseRtmpUrl(bad, error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

// ---- FLV ------------------------------------------------------------------------------------

Bytes flvHeader(bool audio, bool video) {
  return {'F', 'L', 'V', 1, static_cast<std::uint8_t>((audio ? 4 : 0) | (video ? 1 : 0)),
          0,   0,   0,   9, 0,
          0,   0,   0};
}

Bytes flvTag(std::uint8_t type, std::uint32_t ts, const Bytes& data) {
  Bytes t = {type,
             static_cast<std::uint8_t>(data.size() >> 16),
             static_cast<std::uint8_t>(data.size() >> 8),
             static_cast<std::uint8_t>(data.size()),
             static_cast<std::uint8_t>(ts >> 16),
             static_cast<std::uint8_t>(ts >> 8),
             static_cast<std::uint8_t>(ts),
             static_cast<std::uint8_t>(ts >> 24),
             0,
             0,
             0};
  t.insert(t.end(), data.begin(), data.end());
  const std::uint32_t prev = static_cast<std::uint32_t>(11 + data.size());
  t.insert(t.end(), {static_cast<std::uint8_t>(prev >> 24), static_cast<std::uint8_t>(prev >> 16),
                     static_cast<std::uint8_t>(prev >> 8), static_cast<std::uint8_t>(prev)});
  return t;
}

// Video tag bodies: AVC sequence header, keyframe, inter frame; audio: AAC config, AAC frame.
Bytes avcConfig() { return {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f}; }
Bytes avcFrame(bool key, std::size_t size = 50) {
  Bytes b(size, 0xab);
  b[0] = key ? 0x17 : 0x27;
  b[1] = 0x01;
  return b;
}
Bytes aacConfig() { return {0xaf, 0x00, 0x12, 0x10}; }
Bytes aacFrame(std::size_t size = 20) {
  Bytes b(size, 0x21);
  b[0] = 0xaf;
  b[1] = 0x01;
  return b;
}
Bytes onMetaData() {
  Amf0Value meta = Amf0Value::ecmaArray();
  meta.set("width", Amf0Value::number(320));
  return amf0EncodeAll({Amf0Value::string("onMetaData"), meta});
}

TEST(FlvParser, SplitsTagsAcrossAnyBufferBoundaries) {
  Bytes stream = flvHeader(true, true);
  auto append = [&](const Bytes& b) { stream.insert(stream.end(), b.begin(), b.end()); };
  append(flvTag(kFlvScript, 0, onMetaData()));
  append(flvTag(kFlvVideo, 0, avcConfig()));
  append(flvTag(kFlvAudio, 0, aacConfig()));
  append(flvTag(kFlvVideo, 0x12345678, avcFrame(true)));  // uses the extended timestamp byte
  append(flvTag(kFlvAudio, 40, aacFrame()));
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, stream.size()}) {
    FlvParser parser;
    std::vector<FlvTag> tags;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      ASSERT_TRUE(parser.feed(stream.data() + at, std::min(piece, stream.size() - at)));
      while (auto t = parser.next()) tags.push_back(*t);
    }
    ASSERT_EQ(tags.size(), 5u) << "pieces of " << piece;
    EXPECT_TRUE(parser.sawHeader());
    EXPECT_TRUE(parser.headerHasVideo());
    EXPECT_TRUE(parser.headerHasAudio());
    EXPECT_TRUE(classifyTag(tags[0]).metadata);
    EXPECT_TRUE(classifyTag(tags[1]).sequenceHeader);
    EXPECT_FALSE(classifyTag(tags[1]).keyframe);
    EXPECT_TRUE(classifyTag(tags[2]).sequenceHeader);
    EXPECT_EQ(tags[3].timestamp, 0x12345678u);
    EXPECT_TRUE(classifyTag(tags[3]).keyframe);
    EXPECT_EQ(tags[3].data, avcFrame(true));
    EXPECT_EQ(tags[4].timestamp, 40u);
    EXPECT_FALSE(classifyTag(tags[4]).sequenceHeader);
  }
}

TEST(FlvParser, RecognisesEnhancedRtmpKeyframesAndSequenceStarts) {
  const Bytes hvc1 = {'h', 'v', 'c', '1'};
  auto tag = [&](std::uint8_t first) {
    Bytes d = {first};
    d.insert(d.end(), hvc1.begin(), hvc1.end());
    d.push_back(0x42);
    return FlvTag{kFlvVideo, 0, d};
  };
  EXPECT_TRUE(classifyTag(tag(0x90)).sequenceHeader);  // ex header, keyframe, SequenceStart
  EXPECT_FALSE(classifyTag(tag(0x90)).keyframe);
  EXPECT_TRUE(classifyTag(tag(0x91)).keyframe);   // keyframe, CodedFrames
  EXPECT_TRUE(classifyTag(tag(0x93)).keyframe);   // keyframe, CodedFramesX
  EXPECT_FALSE(classifyTag(tag(0xa1)).keyframe);  // inter frame
}

TEST(FlvParser, AcceptsAStreamWithoutHeaderAndRefusesGarbage) {
  FlvParser parser;
  const Bytes tag = flvTag(kFlvVideo, 1, avcFrame(false));
  ASSERT_TRUE(parser.feed(tag.data(), tag.size()));
  auto t = parser.next();
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(parser.sawHeader());
  EXPECT_FALSE(classifyTag(*t).keyframe);
  const Bytes garbage = {0x33, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(parser.feed(garbage.data(), garbage.size()));
  EXPECT_FALSE(parser.error().empty());
}

TEST(Packet, MetadataIsSentAsSetDataFrameAndMediaKeepsItsPayload) {
  FlvTag meta{kFlvScript, 0, onMetaData()};
  PacketPtr p = makePacket(meta, 4096, true);
  EXPECT_EQ(p->header, HeaderSlot::Metadata);
  const Bytes body(p->bytes.begin() + 12, p->bytes.end());
  auto values = amf0DecodeAll(body.data(), body.size());
  ASSERT_TRUE(values.has_value());
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0].asString(), "@setDataFrame");
  EXPECT_EQ((*values)[1].asString(), "onMetaData");
  EXPECT_EQ((*values)[2].get("width")->asNumber(), 320);

  FlvTag key{kFlvVideo, 66, avcFrame(true, 10)};
  PacketPtr k = makePacket(key, 4096, true);
  EXPECT_TRUE(k->keyframe);
  EXPECT_TRUE(k->syncPoint);
  EXPECT_EQ(k->bytes, chunkMessage(kCsidVideo, kVideo, 66, 1, key.data.data(), 10, 4096));

  FlvTag audio{kFlvAudio, 70, aacFrame()};
  EXPECT_FALSE(makePacket(audio, 4096, true)->syncPoint) << "with video, only keyframes";
  EXPECT_TRUE(makePacket(audio, 4096, false)->syncPoint) << "without video, every audio packet";
  EXPECT_EQ(makePacket(FlvTag{kFlvAudio, 0, aacConfig()}, 4096, true)->header,
            HeaderSlot::AudioConfig);
}

// ---- Backlog --------------------------------------------------------------------------------

PacketPtr video(std::uint32_t ts, bool key, std::size_t size = 1000) {
  return makePacket(FlvTag{kFlvVideo, ts, avcFrame(key, size)}, 4096, true);
}
PacketPtr audio(std::uint32_t ts) {
  return makePacket(FlvTag{kFlvAudio, ts, aacFrame()}, 4096, true);
}
PacketPtr videoConfig() { return makePacket(FlvTag{kFlvVideo, 0, avcConfig()}, 4096, true); }

// What the backlog would write, as the timestamps of whole messages (their first 4 bytes).
std::vector<std::uint32_t> drain(Backlog& b) {
  std::vector<std::pair<const std::uint8_t*, std::size_t>> segments;
  Bytes all;
  while (!b.empty()) {
    b.gather(segments, 3);  // few segments per call: gather/consume must resume mid-entry
    std::size_t n = 0;
    for (auto& [ptr, len] : segments) {
      all.insert(all.end(), ptr, ptr + len);
      n += len;
    }
    b.consume(n);
  }
  std::vector<std::uint32_t> ts;
  ChunkReader reader;
  EXPECT_TRUE(reader.feed(setChunkSizeMessage(4096, 128).data(), 16));
  EXPECT_TRUE(reader.feed(all.data(), all.size())) << reader.error();
  reader.next();
  while (auto m = reader.next()) ts.push_back(m->timestamp);
  return ts;
}

TEST(Backlog, QueuesEverythingWithinTheBound) {
  Backlog b(100000);
  for (std::uint32_t i = 0; i < 10; ++i) EXPECT_TRUE(b.push(video(i, i == 0)));
  EXPECT_EQ(b.droppedPackets(), 0u);
  EXPECT_EQ(drain(b), (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(b.bytes(), 0u);
}

TEST(Backlog, ASlowPeerDropsToTheNextKeyframeAndKeepsHeaders) {
  Backlog b(4500);  // room for about four 1 KB frames
  ASSERT_TRUE(b.push(videoConfig()));
  ASSERT_TRUE(b.push(video(1, true)));
  // Part of the keyframe is written: it must stay, or the chunk stream would break.
  std::vector<std::pair<const std::uint8_t*, std::size_t>> segments;
  b.gather(segments, 64);
  b.consume(videoConfig()->bytes.size() + 100);
  for (std::uint32_t ts = 2; ts <= 4; ++ts) ASSERT_TRUE(b.push(video(ts, false)));
  EXPECT_FALSE(b.push(video(5, false))) << "over the bound: dropped";
  EXPECT_TRUE(b.waitingForSyncPoint());
  EXPECT_EQ(b.dropEpisodes(), 1u);
  EXPECT_FALSE(b.push(video(6, false))) << "still waiting for a keyframe";
  EXPECT_FALSE(b.push(audio(6))) << "audio waits too (it would play ahead of the video)";
  EXPECT_TRUE(b.push(videoConfig())) << "headers are never dropped";
  EXPECT_TRUE(b.push(video(7, true))) << "the keyframe resumes";
  EXPECT_FALSE(b.waitingForSyncPoint());
  EXPECT_TRUE(b.push(video(8, false)));
  EXPECT_EQ(b.droppedPackets(), 3u + 3u) << "2, 3, 4 queued and dropped; 5, 6 and audio 6";
  // The partly written keyframe (ts 1) finishes first; its first 100 bytes went out before.
  std::vector<std::uint32_t> rest;
  {
    Bytes all;
    while (!b.empty()) {
      b.gather(segments, 64);
      std::size_t n = 0;
      for (auto& [ptr, len] : segments) {
        all.insert(all.end(), ptr, ptr + len);
        n += len;
      }
      b.consume(n);
    }
    const PacketPtr key1 = video(1, true);
    const std::size_t tail = key1->bytes.size() - 100;
    ASSERT_GE(all.size(), tail);
    EXPECT_TRUE(std::equal(key1->bytes.begin() + 100, key1->bytes.end(), all.begin()));
    ChunkReader reader;
    reader.feed(setChunkSizeMessage(4096, 128).data(), 16);
    ASSERT_TRUE(reader.feed(all.data() + tail, all.size() - tail)) << reader.error();
    reader.next();
    while (auto m = reader.next()) rest.push_back(m->timestamp);
  }
  EXPECT_EQ(rest, (std::vector<std::uint32_t>{0, 7, 8})) << "config, keyframe 7, frame 8";
}

TEST(Backlog, AKeyframeLargerThanTheBoundStillGoesOut) {
  Backlog b(2000);
  ASSERT_TRUE(b.push(video(0, true, 500)));
  EXPECT_TRUE(b.push(video(1, true, 10000)));
  EXPECT_EQ(b.droppedPackets(), 1u) << "the queued frame made room";
  EXPECT_EQ(drain(b), (std::vector<std::uint32_t>{1}));
}

TEST(Backlog, ControlMessagesJumpTheQueueButNotAPartlyWrittenMessage) {
  Backlog b(100000);
  b.push(video(1, true));
  b.push(video(2, false));
  std::vector<std::pair<const std::uint8_t*, std::size_t>> segments;
  b.consume(10);
  b.pushUrgent(acknowledgementMessage(1234, 4096));
  b.gather(segments, 64);
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_EQ(segments[1].second, acknowledgementMessage(1234, 4096).size());
  EXPECT_EQ(segments[1].first[7], kAcknowledgement);
}

TEST(Backlog, PatchesTheStreamIdForAServerThatGaveAnotherOne) {
  Backlog b(100000);
  b.setStreamId(7);
  const PacketPtr p = video(3, true, 20);
  b.push(p);
  std::vector<std::pair<const std::uint8_t*, std::size_t>> segments;
  b.gather(segments, 64);
  ASSERT_EQ(segments.size(), 2u);
  Bytes header(segments[0].first, segments[0].first + segments[0].second);
  EXPECT_EQ(header.size(), 12u);
  EXPECT_EQ(header[8], 7);
  EXPECT_EQ(Bytes(p->bytes.begin(), p->bytes.begin() + 8),
            Bytes(header.begin(), header.begin() + 8));
  EXPECT_EQ(segments[1].first, p->bytes.data() + 12) << "the rest is the shared bytes, not a copy";
}

// ---- GOP cache ------------------------------------------------------------------------------

TEST(GopCache, HoldsHeadersAndTheGopSinceTheLastKeyframe) {
  GopCache cache(1 << 20);
  const PacketPtr meta = makePacket(FlvTag{kFlvScript, 0, onMetaData()}, 4096, true);
  const PacketPtr vc = videoConfig();
  const PacketPtr ac = makePacket(FlvTag{kFlvAudio, 0, aacConfig()}, 4096, true);
  EXPECT_TRUE(cache.push(meta));
  EXPECT_TRUE(cache.push(vc));
  EXPECT_TRUE(cache.push(ac));
  EXPECT_FALSE(cache.push(videoConfig())) << "the same configuration again is not news";
  cache.push(video(1, false));  // before any keyframe: not cacheable
  EXPECT_EQ(cache.gopPackets(), 0u);
  const PacketPtr k1 = video(10, true), a1 = audio(11), p1 = video(12, false);
  cache.push(k1);
  cache.push(a1);
  cache.push(p1);
  EXPECT_EQ(cache.snapshot(), (std::vector<PacketPtr>{meta, vc, ac, k1, a1, p1}));
  const PacketPtr k2 = video(20, true);
  cache.push(k2);
  EXPECT_EQ(cache.snapshot(), (std::vector<PacketPtr>{meta, vc, ac, k2}));
}

TEST(GopCache, StopsCachingAGopThatOutgrowsItsBound) {
  GopCache cache(3500);
  cache.push(video(0, true));
  cache.push(video(1, false));
  cache.push(video(2, false));
  EXPECT_EQ(cache.gopPackets(), 3u);
  cache.push(video(3, false));  // > 3500 bytes
  EXPECT_EQ(cache.gopPackets(), 0u);
  cache.push(video(4, false));
  EXPECT_EQ(cache.gopPackets(), 0u) << "nothing until the next keyframe";
  cache.push(video(5, true));
  EXPECT_EQ(cache.gopPackets(), 1u);
}

TEST(GopCache, DisabledKeepsOnlyHeaders) {
  GopCache cache(1 << 20, false);
  cache.push(videoConfig());
  cache.push(video(0, true));
  EXPECT_EQ(cache.snapshot().size(), 1u);
}

}  // namespace
}  // namespace mls::fanout
