// mlsrtmpsrc against a real nginx-rtmp fed by ffmpeg: it plays a published stream as FLV that
// flvdemux splits into video (starting on a keyframe) and audio, on one streaming thread of its
// own; the publisher stopping ends it with EOS; a stream nobody publishes fails after `timeout`
// with a clear error, as does a server that refuses the connection; and a state change to NULL
// never waits on the network.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "ffmpeg.h"
#include "fixture.h"
#include "load_plugin.h"
#include "nginx_rtmp.h"
#include "ports.h"
#include "process.h"

namespace mls::test {
namespace {

using namespace std::chrono_literals;

struct Counts {
  std::atomic<int> video{0}, audio{0};
  std::atomic<bool> first_video_key{false};
};

GstPadProbeReturn countBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer data) noexcept {
  auto* counts = static_cast<Counts*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  g_autofree gchar* name = gst_pad_get_name(pad);
  if (g_str_has_prefix(name, "video")) {
    if (counts->video.fetch_add(1) == 0)
      counts->first_video_key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  } else {
    counts->audio.fetch_add(1);
  }
  return GST_PAD_PROBE_OK;
}

void onPadAdded(GstElement*, GstPad* pad, gpointer data) noexcept {
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, countBuffer, data, nullptr);
}

// mlsrtmpsrc ! flvdemux, the demuxer's pads ending in fakesinks, with buffer counts.
class Player {
 public:
  explicit Player(const std::string& properties) {
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(
        ("mlsrtmpsrc name=src " + properties + " ! flvdemux name=d").c_str(), &error);
    if (!pipeline_) {
      ADD_FAILURE() << "gst_parse_launch: " << (error ? error->message : "?");
      g_clear_error(&error);
      return;
    }
    GstElement* demux = gst_bin_get_by_name(GST_BIN(pipeline_), "d");
    g_signal_connect(demux, "pad-added", G_CALLBACK(+[](GstElement* d, GstPad* pad, Player* self) {
                       onPadAdded(d, pad, &self->counts_);
                       GstElement* sink = gst_element_factory_make("fakesink", nullptr);
                       g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
                       gst_bin_add(GST_BIN(self->pipeline_), sink);
                       gst_element_sync_state_with_parent(sink);
                       g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
                       gst_pad_link(pad, sinkpad);
                     }),
                     this);
    gst_object_unref(demux);
    bus_ = gst_element_get_bus(pipeline_);
  }
  ~Player() {
    if (pipeline_) {
      gst_element_set_state(pipeline_, GST_STATE_NULL);
      gst_object_unref(pipeline_);
    }
    if (bus_) gst_object_unref(bus_);
  }
  bool play() {
    return pipeline_ &&
           gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  }
  // The next EOS or ERROR within `timeout` (nullptr if none); the caller unrefs it.
  GstMessage* waitEnd(std::chrono::milliseconds timeout) {
    return gst_bus_timed_pop_filtered(
        bus_, static_cast<GstClockTime>(timeout.count()) * GST_MSECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  }
  std::string property(const char* name) {
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    g_autofree gchar* value = nullptr;
    g_object_get(src, name, &value, nullptr);
    gst_object_unref(src);
    return value ? value : "";
  }
  GstElement* pipeline() { return pipeline_; }
  const Counts& counts() const { return counts_; }

 private:
  GstElement* pipeline_ = nullptr;
  GstBus* bus_ = nullptr;
  Counts counts_;
};

std::string errorText(GstMessage* message) {
  g_autoptr(GError) error = nullptr;
  g_autofree gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  return std::string(error ? error->message : "") + " | " + (debug ? debug : "");
}

class RtmpSrcInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mls::test::loadMlsPlugin(); }
};

TEST_F(RtmpSrcInterop, PlaysAPublishedStreamAndEndsWithEosWhenThePublisherStops) {
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.start());
  Process publisher = publishTestPattern(nginx.rtmpUrl("live", "cam"));
  ASSERT_TRUE(nginx.waitForPublisher("live", "cam", 20s)) << publisher.log();

  Player player("location=" + nginx.rtmpUrl("live", "cam"));
  EXPECT_EQ(player.property("location").find("/live/cam"), std::string::npos)
      << "the stream name reads back masked: " << player.property("location");
  ASSERT_TRUE(player.play());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(runUntil([&] { return player.counts().video.load() >= 90; }, 15s))
      << "video buffers: " << player.counts().video.load();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_GE(player.counts().audio.load(), 60) << "audio buffers";
  EXPECT_TRUE(player.counts().first_video_key.load()) << "the first video buffer is a keyframe";
  std::printf("90 video frames in %.2f s, %d audio buffers\n", seconds,
              player.counts().audio.load());

  // The publisher stops: nginx says so (NetStream.Play.UnpublishNotify) and the source ends.
  publisher.stop();
  GstMessage* end = player.waitEnd(10s);
  ASSERT_NE(end, nullptr) << "no EOS after the publisher stopped";
  EXPECT_EQ(GST_MESSAGE_TYPE(end), GST_MESSAGE_EOS)
      << (GST_MESSAGE_TYPE(end) == GST_MESSAGE_ERROR ? errorText(end) : "");
  gst_message_unref(end);
}

TEST_F(RtmpSrcInterop, AStreamNobodyPublishesFailsAfterTheTimeoutWithAClearError) {
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.start());
  Player player("timeout=2 location=" + nginx.rtmpUrl("live", "nobody"));
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(player.play());
  GstMessage* end = player.waitEnd(15s);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_NE(end, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(end), GST_MESSAGE_ERROR);
  const std::string text = errorText(end);
  gst_message_unref(end);
  EXPECT_NE(text.find("No data from the RTMP server for 2 s"), std::string::npos) << text;
  EXPECT_EQ(text.find("nobody"), std::string::npos) << "the stream name is masked: " << text;
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 8s);
}

TEST_F(RtmpSrcInterop, ARefusedConnectionIsAClearError) {
  const std::uint16_t port = freeTcpPort();
  Player player("location=rtmp://127.0.0.1:" + std::to_string(port) + "/live/key");
  ASSERT_TRUE(player.play());
  GstMessage* end = player.waitEnd(10s);
  ASSERT_NE(end, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(end), GST_MESSAGE_ERROR);
  const std::string text = errorText(end);
  gst_message_unref(end);
  EXPECT_NE(text.find("Could not connect to the RTMP server"), std::string::npos) << text;
}

TEST_F(RtmpSrcInterop, StoppingWhileItWaitsOnTheServerReturnsAtOnce) {
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.start());
  Player player("timeout=60 location=" + nginx.rtmpUrl("live", "nobody"));
  ASSERT_TRUE(player.play());
  std::this_thread::sleep_for(1s);  // connected, played, blocked in a read
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(gst_element_set_state(player.pipeline(), GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
}

}  // namespace
}  // namespace mls::test
