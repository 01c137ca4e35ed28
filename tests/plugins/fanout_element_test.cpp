// mlsrtmpfanout as an element, through GstHarness: its properties and action signals, buffers
// pushed while its only destination refuses connections (render never waits on a peer; the
// destination retries with backoff and says so on the bus), EOS with nothing to unpublish, and a
// scripted RTMP server that checks the join order, a non-default stream id, acknowledgements and
// the unpublish on the wire.
#include <arpa/inet.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "amf0.h"
#include "load_plugin.h"
#include "ports.h"
#include "rtmp_chunk.h"

namespace {

using namespace std::chrono_literals;

class FanoutElement : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mls::test::loadMlsPlugin(); }
  void SetUp() override {
    element_ = gst_element_factory_make("mlsrtmpfanout", nullptr);
    ASSERT_NE(element_, nullptr);
    gst_object_ref_sink(element_);  // the test owns one reference, the harness its own
    bus_ = gst_bus_new();
    gst_element_set_bus(element_, bus_);
  }
  void TearDown() override {
    if (harness_) gst_harness_teardown(harness_);
    // Queued messages hold the element, which holds the bus: flush them to break the cycle.
    if (bus_) gst_bus_set_flushing(bus_, TRUE);
    if (element_) gst_object_unref(element_);
    if (bus_) gst_object_unref(bus_);
  }
  void startHarness() {
    harness_ = gst_harness_new_with_element(element_, "sink", nullptr);
    gst_harness_set_src_caps_str(harness_, "video/x-flv");
  }
  bool add(const char* id, const std::string& url) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(element_, "add-destination", id, url.c_str(), &ok);
    return ok;
  }
  bool remove(const char* id) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(element_, "remove-destination", id, &ok);
    return ok;
  }
  std::string stringProperty(const char* name) {
    gchar* v = nullptr;
    g_object_get(element_, name, &v, nullptr);
    std::string s = v ? v : "";
    g_free(v);
    return s;
  }
  // The next destination message on the bus for `id` whose state is `state`, within `timeout`.
  GstStructure* waitForState(const std::string& id, const std::string& state,
                             std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      GstMessage* m = gst_bus_timed_pop_filtered(bus_, 20 * GST_MSECOND, GST_MESSAGE_ELEMENT);
      if (!m) continue;
      const GstStructure* s = gst_message_get_structure(m);
      if (gst_structure_has_name(s, "mls-rtmp-fanout-destination") &&
          id == gst_structure_get_string(s, "id") &&
          state == gst_structure_get_string(s, "state")) {
        GstStructure* copy = gst_structure_copy(s);
        gst_message_unref(m);
        return copy;
      }
      gst_message_unref(m);
    }
    return nullptr;
  }

  GstElement* element_ = nullptr;
  GstBus* bus_ = nullptr;
  GstHarness* harness_ = nullptr;
};

GstBuffer* bytesBuffer(const std::vector<guint8>& bytes) {
  return gst_buffer_new_memdup(bytes.data(), bytes.size());
}

// An FLV header and one small AVC keyframe tag.
std::vector<guint8> flvStart() {
  std::vector<guint8> b = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
  const std::vector<guint8> tag = {9, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0x17, 1, 0, 0, 0, 0, 0, 0, 16};
  b.insert(b.end(), tag.begin(), tag.end());
  return b;
}

TEST_F(FanoutElement, ActionSignalsAndPropertiesKeepOneSetOfDestinations) {
  EXPECT_TRUE(add("a", "rtmp://127.0.0.1:1/live/secret-a"));
  EXPECT_FALSE(add("a", "rtmp://127.0.0.1:1/live/other")) << "ids are unique";
  EXPECT_FALSE(add("b", "http://127.0.0.1/live/x")) << "not RTMP";
  EXPECT_FALSE(add("b c", "rtmp://127.0.0.1:1/live/x")) << "ids are names";
  EXPECT_TRUE(add("b", "rtmps://127.0.0.1:2/app/inst/secret-b"));
  EXPECT_EQ(stringProperty("destinations"),
            "a=rtmp://127.0.0.1:1/live/*** b=rtmps://127.0.0.1:2/app/inst/***");
  EXPECT_TRUE(remove("a"));
  EXPECT_FALSE(remove("a"));

  g_object_set(element_, "location", "rtmp://127.0.0.1:3/live/secret-l", nullptr);
  EXPECT_EQ(stringProperty("location"), "rtmp://127.0.0.1:3/live/***");
  g_object_set(element_, "destinations", "x=rtmp://127.0.0.1:4/live/k1 rtmp://127.0.0.1:5/live/k2",
               nullptr);
  EXPECT_EQ(stringProperty("destinations"),
            "x=rtmp://127.0.0.1:4/live/*** dest1=rtmp://127.0.0.1:5/live/***");
  EXPECT_EQ(stringProperty("location"), "") << "destinations replaces the whole set";
  const std::string all = stringProperty("destinations");
  EXPECT_EQ(all.find("k1"), std::string::npos) << "no stream key is readable";

  GstStructure* stats = nullptr;
  g_object_get(element_, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  const GValue* list = gst_structure_get_value(stats, "destinations");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(gst_value_array_get_size(list), 2u);
  const GstStructure* first = gst_value_get_structure(gst_value_array_get_value(list, 0));
  EXPECT_STREQ(gst_structure_get_string(first, "state"), "idle");
  gst_structure_free(stats);
}

TEST_F(FanoutElement, ARefusedDestinationRetriesWhileBuffersFlowAndEosEndsIt) {
  const std::uint16_t closed = mls::test::freeTcpPort();  // nothing listens there
  g_object_set(element_, "reconnect-min-ms", 50u, "reconnect-max-ms", 200u, nullptr);
  ASSERT_TRUE(add("refused", "rtmp://127.0.0.1:" + std::to_string(closed) + "/live/k"));
  startHarness();

  GstStructure* s = waitForState("refused", "retrying", 10s);
  ASSERT_NE(s, nullptr) << "a refused connection is retried";
  EXPECT_NE(std::string(gst_structure_get_string(s, "error")).find("connect"), std::string::npos)
      << gst_structure_get_string(s, "error");
  gst_structure_free(s);

  // Buffers keep flowing (render never waits on a peer), while the destination keeps retrying.
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(gst_harness_push(harness_, bytesBuffer(flvStart())), GST_FLOW_OK);
  for (int i = 0; i < 200; ++i) {
    const std::vector<guint8> tag = {
        9, 0, 0, 5, 0, 0, static_cast<guint8>(i), 0, 0, 0, 0, 0x27, 1, 0, 0, 0, 0, 0, 0, 16};
    ASSERT_EQ(gst_harness_push(harness_, bytesBuffer(tag)), GST_FLOW_OK);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);

  guint reconnects = 0;
  for (int round = 0; round < 3; ++round) {
    GstStructure* again = waitForState("refused", "retrying", 10s);
    ASSERT_NE(again, nullptr);
    gst_structure_get_uint(again, "reconnects", &reconnects);
    gst_structure_free(again);
  }
  EXPECT_GE(reconnects, 2u);

  ASSERT_TRUE(gst_harness_push_event(harness_, gst_event_new_eos()));
  GstStructure* stopped = waitForState("refused", "stopped", 5s);
  ASSERT_NE(stopped, nullptr) << "EOS ends a destination that is not live";
  gst_structure_free(stopped);
}

TEST_F(FanoutElement, RefusesAMalformedFlvStream) {
  startHarness();
  const std::vector<guint8> garbage = {0x33, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(gst_harness_push(harness_, bytesBuffer(garbage)), GST_FLOW_ERROR);
}

}  // namespace

// ---- Against a scripted RTMP server ---------------------------------------------------------
//
// A one-connection RTMP server on a thread of its own (blocking sockets, 127.0.0.1, port 0),
// scripted to do what real servers may do and nginx/ffmpeg do not: answer createStream with
// message stream 7 (the shared chunk bytes say 1), and set a tiny acknowledgement window. It
// records every message the element sends.
namespace {

using mls::fanout::Amf0Value;
using mls::fanout::RtmpMessage;
using Bytes = std::vector<std::uint8_t>;

class ScriptedServer {
 public:
  // `close_on_eof`: answer the element's half-close by closing too, as servers do; if false the
  // server keeps its side open, so the element's unpublish never completes.
  explicit ScriptedServer(bool close_on_eof = true) : close_on_eof_(close_on_eof) {
    listen_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_, 1) != 0 ||
        getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    shutdown(listen_, SHUT_RDWR);
    if (client_ >= 0) shutdown(client_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (client_ >= 0) close(client_);
    close(listen_);
  }
  std::uint16_t port() const { return port_; }
  std::vector<RtmpMessage> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }
  bool sawEof() {
    std::lock_guard<std::mutex> lock(mutex_);
    return eof_;
  }
  std::uint32_t peerChunkSize() {
    std::lock_guard<std::mutex> lock(mutex_);
    return chunkSize_;
  }

 private:
  bool readExactly(std::uint8_t* p, std::size_t n) {
    while (n > 0) {
      const ssize_t r = read(client_, p, n);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }
  void send(const Bytes& b) { (void)!write(client_, b.data(), b.size()); }
  void sendCommand(const std::vector<Amf0Value>& values, std::uint32_t streamId) {
    const Bytes body = mls::fanout::amf0EncodeAll(values);
    send(mls::fanout::chunkMessage(3, mls::fanout::kCommandAmf0, 0, streamId, body.data(),
                                   body.size(), 128));
  }
  void serve() {
    client_ = accept(listen_, nullptr, nullptr);
    if (client_ < 0) return;
    timeval tv{10, 0};
    setsockopt(client_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    Bytes c0c1(1 + 1536), c2(1536);
    if (!readExactly(c0c1.data(), c0c1.size())) return;
    Bytes s(1 + 2 * 1536, 0x11);
    s[0] = 3;
    send(s);
    if (!readExactly(c2.data(), c2.size())) return;
    mls::fanout::ChunkReader reader;
    std::uint8_t buffer[8192];
    while (!stop_) {
      const ssize_t n = read(client_, buffer, sizeof buffer);
      if (n <= 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        eof_ = n == 0;
        if (eof_ && close_on_eof_) shutdown(client_, SHUT_WR);  // the element then sees EOF
        return;
      }
      if (!reader.feed(buffer, static_cast<std::size_t>(n))) return;
      while (auto m = reader.next()) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          messages_.push_back(*m);
          chunkSize_ = reader.peerChunkSize();
        }
        if (m->type != mls::fanout::kCommandAmf0) continue;
        auto v = mls::fanout::amf0DecodeAll(m->payload.data(), m->payload.size());
        if (!v || v->size() < 2) continue;
        const std::string name = (*v)[0].asString();
        const double txn = (*v)[1].asNumber();
        Amf0Value info = Amf0Value::object();
        if (name == "connect") {
          // Window 1000 bytes: the element must acknowledge what follows.
          send(mls::fanout::windowAckSizeMessage(1000, 128));
          info.set("code", Amf0Value::string("NetConnection.Connect.Success"));
          sendCommand(
              {Amf0Value::string("_result"), Amf0Value::number(txn), Amf0Value::object(), info}, 0);
        } else if (name == "createStream") {
          sendCommand({Amf0Value::string("_result"), Amf0Value::number(txn), Amf0Value::null(),
                       Amf0Value::number(7)},
                      0);
        } else if (name == "publish") {
          info.set("level", Amf0Value::string("status"))
              .set("code", Amf0Value::string("NetStream.Publish.Start"));
          sendCommand(
              {Amf0Value::string("onStatus"), Amf0Value::number(0), Amf0Value::null(), info}, 7);
          // 1500 bytes the element has no use for, past its acknowledgement window.
          const Bytes junk(1500, 0x42);
          send(mls::fanout::chunkMessage(5, mls::fanout::kDataAmf0, 0, 7, junk.data(), junk.size(),
                                         128));
        }
      }
    }
  }

  const bool close_on_eof_;
  int listen_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<RtmpMessage> messages_;  // protected by mutex_
  bool eof_ = false;                   // protected by mutex_
  std::uint32_t chunkSize_ = 128;      // protected by mutex_
};

std::vector<guint8> flvTag(guint8 type, guint32 ts, const std::vector<guint8>& data) {
  std::vector<guint8> t = {type,
                           static_cast<guint8>(data.size() >> 16),
                           static_cast<guint8>(data.size() >> 8),
                           static_cast<guint8>(data.size()),
                           static_cast<guint8>(ts >> 16),
                           static_cast<guint8>(ts >> 8),
                           static_cast<guint8>(ts),
                           static_cast<guint8>(ts >> 24),
                           0,
                           0,
                           0};
  t.insert(t.end(), data.begin(), data.end());
  const guint32 prev = static_cast<guint32>(11 + data.size());
  t.insert(t.end(), {static_cast<guint8>(prev >> 24), static_cast<guint8>(prev >> 16),
                     static_cast<guint8>(prev >> 8), static_cast<guint8>(prev)});
  return t;
}

}  // namespace

TEST_F(FanoutElement, JoinsWithHeadersAndGopOnTheServersStreamIdAndAcknowledges) {
  ScriptedServer server;
  ASSERT_NE(server.port(), 0);
  startHarness();
  // Headers and a GOP (keyframe at 1000 ms, then frames and audio) before any destination.
  std::vector<guint8> stream = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
  auto append = [&](const std::vector<guint8>& b) {
    stream.insert(stream.end(), b.begin(), b.end());
  };
  append(flvTag(
      18, 0,
      mls::fanout::amf0EncodeAll({Amf0Value::string("onMetaData"), Amf0Value::ecmaArray()})));
  append(flvTag(9, 0, {0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f}));  // AVC sequence header
  append(flvTag(8, 0, {0xaf, 0, 0x12, 0x10}));                 // AAC sequence header
  append(flvTag(9, 900, {0x27, 1, 0, 0, 0, 0xaa}));            // before the GOP: not cached
  append(flvTag(9, 1000, {0x17, 1, 0, 0, 0, 0xbb}));           // the GOP's keyframe
  append(flvTag(8, 1010, {0xaf, 1, 0xcc}));
  append(flvTag(9, 1033, {0x27, 1, 0, 0, 0, 0xdd}));
  ASSERT_EQ(gst_harness_push(harness_, bytesBuffer(stream)), GST_FLOW_OK);

  ASSERT_TRUE(add("scripted", "rtmp://127.0.0.1:" + std::to_string(server.port()) + "/app/key"));
  GstStructure* live = waitForState("scripted", "live", 10s);
  ASSERT_NE(live, nullptr);
  gst_structure_free(live);
  // One more frame after joining.
  ASSERT_EQ(gst_harness_push(harness_, bytesBuffer(flvTag(9, 1066, {0x27, 1, 0, 0, 0, 0xee}))),
            GST_FLOW_OK);

  auto media = [&] {
    std::vector<RtmpMessage> out;
    for (const RtmpMessage& m : server.messages())
      if (m.type == mls::fanout::kAudio || m.type == mls::fanout::kVideo ||
          m.type == mls::fanout::kDataAmf0)
        out.push_back(m);
    return out;
  };
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (media().size() < 7 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  const std::vector<RtmpMessage> got = media();
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(server.peerChunkSize(), 4096u) << "Set Chunk Size 4096 came first";
  // Headers, then the GOP from its keyframe (not the frame at 900), then the new frame.
  const std::vector<std::uint32_t> timestamps = {0, 0, 0, 1000, 1010, 1033, 1066};
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].streamId, 7u) << "message " << i << " on the server's stream id";
    EXPECT_EQ(got[i].timestamp, timestamps[i]) << "message " << i;
  }
  auto meta = mls::fanout::amf0DecodeAll(got[0].payload.data(), got[0].payload.size());
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ((*meta)[0].asString(), "@setDataFrame");
  EXPECT_EQ(got[1].payload[0], 0x17);
  EXPECT_EQ(got[1].payload[1], 0);  // AVC sequence header
  EXPECT_EQ(got[3].payload[5], 0xbb);
  EXPECT_EQ(got[6].payload[5], 0xee);

  auto acknowledged = [&] {
    for (const RtmpMessage& m : server.messages())
      if (m.type == mls::fanout::kAcknowledgement) return true;
    return false;
  };
  const auto ack_deadline = std::chrono::steady_clock::now() + 5s;
  while (!acknowledged() && std::chrono::steady_clock::now() < ack_deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(acknowledged()) << "1500 bytes past a 1000-byte window";

  // EOS: FCUnpublish and deleteStream(7), then the element half-closes.
  GstEvent* eos_event = gst_event_new_eos();
  const guint32 eos_seqnum = gst_event_get_seqnum(eos_event);
  ASSERT_TRUE(gst_harness_push_event(harness_, eos_event));
  const auto eos_deadline = std::chrono::steady_clock::now() + 10s;
  while (!server.sawEof() && std::chrono::steady_clock::now() < eos_deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(server.sawEof());
  GstStructure* stopped = waitForState("scripted", "stopped", 2s);
  EXPECT_NE(stopped, nullptr) << "stopped once the server closed, before eos-timeout-ms (3 s)";
  if (stopped) gst_structure_free(stopped);
  // Then, and not before, the element posts EOS, with the event's seqnum.
  GstMessage* eos = gst_bus_timed_pop_filtered(bus_, 2 * GST_SECOND, GST_MESSAGE_EOS);
  ASSERT_NE(eos, nullptr) << "EOS posted once the last destination stopped";
  EXPECT_EQ(gst_message_get_seqnum(eos), eos_seqnum);
  gst_message_unref(eos);
  std::vector<std::string> commands;
  for (const RtmpMessage& m : server.messages()) {
    if (m.type != mls::fanout::kCommandAmf0) continue;
    auto v = mls::fanout::amf0DecodeAll(m.payload.data(), m.payload.size());
    if (v) commands.push_back((*v)[0].asString());
  }
  ASSERT_GE(commands.size(), 2u);
  EXPECT_EQ(commands[commands.size() - 2], "FCUnpublish");
  EXPECT_EQ(commands.back(), "deleteStream");
}

// The EOS event never waits for a peer: it returns at once, and the EOS message follows when
// every destination has unpublished, or at eos-timeout-ms when one never finishes (this server
// never closes its side), with that destination stopped.
TEST_F(FanoutElement, EosReturnsAtOnceAndIsPostedAtTheDeadlineWhenAPeerNeverCloses) {
  ScriptedServer server(/*close_on_eof=*/false);
  ASSERT_NE(server.port(), 0);
  g_object_set(element_, "eos-timeout-ms", 800u, nullptr);
  startHarness();
  ASSERT_EQ(gst_harness_push(harness_, bytesBuffer(flvStart())), GST_FLOW_OK);
  ASSERT_TRUE(add("holder", "rtmp://127.0.0.1:" + std::to_string(server.port()) + "/app/key"));
  GstStructure* live = waitForState("holder", "live", 10s);
  ASSERT_NE(live, nullptr);
  gst_structure_free(live);

  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(gst_harness_push_event(harness_, gst_event_new_eos()));
  const auto returned = std::chrono::steady_clock::now();
  EXPECT_LT(returned - sent, 200ms) << "the EOS event waited for the peer";
  GstMessage* eos = gst_bus_timed_pop_filtered(bus_, 5 * GST_SECOND, GST_MESSAGE_EOS);
  const auto posted = std::chrono::steady_clock::now();
  ASSERT_NE(eos, nullptr) << "EOS posted at the deadline";
  gst_message_unref(eos);
  EXPECT_GE(posted - sent, 700ms) << "posted before the deadline, with the peer still open";
  EXPECT_LT(posted - sent, 3s);
  EXPECT_TRUE(server.sawEof()) << "the element half-closed after its unpublish";

  GstStructure* stats = nullptr;
  g_object_get(element_, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  const GValue* list = gst_structure_get_value(stats, "destinations");
  ASSERT_EQ(gst_value_array_get_size(list), 1u);
  const GstStructure* holder = gst_value_get_structure(gst_value_array_get_value(list, 0));
  EXPECT_STREQ(gst_structure_get_string(holder, "state"), "stopped");
  gst_structure_free(stats);
}
