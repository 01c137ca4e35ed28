// Tap and Feed (src/media/tap.h) with hand-made buffers: a feed joining mid-GOP starts on the
// cached keyframe, a feed whose destination stops consuming drops to the next keyframe instead
// of growing without bound, and nothing a feed does reaches the tap's own pipeline.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <pthread.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media/tap.h"

namespace mls::media {
namespace {

GstBuffer* frame(int index, bool key, gsize size = 1000) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, size, nullptr);
  gst_buffer_memset(b, 0, static_cast<guint8>(index), size);
  GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = index * (GST_SECOND / 30);
  GST_BUFFER_DURATION(b) = GST_SECOND / 30;
  if (!key) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
  return b;
}

// The first byte of each frame is its index (see frame()).
int indexOf(GstBuffer* b) {
  guint8 v = 0;
  gst_buffer_extract(b, 0, &v, 1);
  return v;
}

class TapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    tap_ = std::make_unique<Tap>(TapKind::Video, "tap", true);
    input_ = gst_pipeline_new("input");
    src_ = gst_element_factory_make("appsrc", nullptr);
    g_autoptr(GstCaps) caps = gst_caps_from_string("video/x-h264,stream-format=avc,alignment=au");
    g_object_set(src_, "caps", caps, "format", GST_FORMAT_TIME, nullptr);
    gst_bin_add_many(GST_BIN(input_), src_, tap_->sink(), nullptr);
    ASSERT_TRUE(gst_element_link(src_, tap_->sink()));
    ASSERT_NE(gst_element_set_state(input_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
  void TearDown() override {
    gst_element_set_state(input_, GST_STATE_NULL);
    for (GstElement* p : outputs_) {
      gst_element_set_state(p, GST_STATE_NULL);
      gst_object_unref(p);
    }
    gst_object_unref(input_);
    tap_.reset();
  }
  void push(int index, bool key) {
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src_), frame(index, key)), GST_FLOW_OK);
  }
  // An output pipeline appsrc → appsink; returns the appsrc, sets *sink.
  GstElement* makeOutput(GstElement** sink, int max_buffers) {
    GstElement* p = gst_pipeline_new(nullptr);
    GstElement* src = gst_element_factory_make("appsrc", nullptr);
    *sink = gst_element_factory_make("appsink", nullptr);
    g_object_set(src, "format", GST_FORMAT_TIME, "is-live", TRUE, "max-bytes", (guint64)0,
                 nullptr);
    g_object_set(*sink, "sync", FALSE, "max-buffers", max_buffers, "drop", FALSE, nullptr);
    gst_bin_add_many(GST_BIN(p), src, *sink, nullptr);
    gst_element_link(src, *sink);
    gst_element_set_state(p, GST_STATE_PLAYING);
    outputs_.push_back(p);
    return src;
  }
  std::vector<int> drain(GstElement* sink, int at_most) {
    std::vector<int> got;
    for (int i = 0; i < at_most; i++) {
      GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), GST_SECOND / 2);
      if (!s) break;
      got.push_back(indexOf(gst_sample_get_buffer(s)));
      gst_sample_unref(s);
    }
    return got;
  }

  std::unique_ptr<Tap> tap_;
  GstElement* input_ = nullptr;
  GstElement* src_ = nullptr;
  std::vector<GstElement*> outputs_;
};

TEST_F(TapTest, FeedJoiningMidGopStartsOnTheCachedKeyframe) {
  push(0, true);
  push(1, false);
  push(2, false);
  // The appsink delivers synchronously; wait until the third frame has passed the tap.
  for (int i = 0; i < 100 && !tap_->caps(); i++) g_usleep(10000);
  g_usleep(100000);
  GstElement* sink = nullptr;
  auto feed = std::make_shared<Feed>(makeOutput(&sink, 0), 0, 1 << 20);
  tap_->subscribe(feed);
  push(3, false);
  std::vector<int> got = drain(sink, 4);
  ASSERT_EQ(got, (std::vector<int>{0, 1, 2, 3})) << "the cached GOP, then live frames";
  tap_->unsubscribe(feed.get());
}

// h264parse flags an access unit that carries SPS/PPS (every IDR from x264) as HEADER: it is
// still the keyframe a joining feed must start on.
TEST_F(TapTest, KeyframeCarryingParameterSetsStartsTheCachedGop) {
  GstBuffer* key = frame(0, true);
  GST_BUFFER_FLAG_SET(key, GST_BUFFER_FLAG_HEADER);
  ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src_), key), GST_FLOW_OK);
  push(1, false);
  for (int i = 0; i < 100 && !tap_->caps(); i++) g_usleep(10000);
  g_usleep(100000);
  GstElement* sink = nullptr;
  auto feed = std::make_shared<Feed>(makeOutput(&sink, 0), 0, 1 << 20);
  tap_->subscribe(feed);
  push(2, false);
  EXPECT_EQ(drain(sink, 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(feed->counters().dropped.load(), 0u);
  tap_->unsubscribe(feed.get());
}

TEST_F(TapTest, FeedWithoutCacheWaitsForAKeyframe) {
  GstElement* sink = nullptr;
  auto feed = std::make_shared<Feed>(makeOutput(&sink, 0), 0, 1 << 20);
  tap_->subscribe(feed);  // nothing cached yet
  push(0, false);         // a delta frame with no keyframe before it: undecodable, dropped
  push(1, true);
  push(2, false);
  std::vector<int> got = drain(sink, 3);
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  EXPECT_EQ(feed->counters().dropped.load(), 1u);
  tap_->unsubscribe(feed.get());
}

TEST_F(TapTest, StalledDestinationDropsToTheNextKeyframeAndNeverBlocksTheInput) {
  GstElement* sink = nullptr;
  // max-buffers=1 and nobody pulling: this destination has stopped reading.
  GstElement* appsrc = makeOutput(&sink, 1);
  auto feed = std::make_shared<Feed>(appsrc, 0, 20 * 1000);  // backlog of ~20 frames
  tap_->subscribe(feed);
  gint64 start = g_get_monotonic_time();
  for (int i = 0; i < 90; i++) push(i, i % 30 == 0);  // three GOPs of 30
  for (int i = 0; i < 100 && feed->counters().dropped.load() == 0; i++) g_usleep(10000);
  EXPECT_LT(g_get_monotonic_time() - start, G_USEC_PER_SEC) << "the input must never wait";
  EXPECT_GT(feed->counters().dropped.load(), 0u);
  EXPECT_LE(gst_app_src_get_current_level_bytes(GST_APP_SRC(appsrc)), 21u * 1000u);
  // The destination reads again: after the gap the first frame it gets is a keyframe.
  std::vector<int> got = drain(sink, 100);
  for (int i = 90; i < 95; i++) push(i, i % 30 == 0);
  for (int v : drain(sink, 10)) got.push_back(v);
  ASSERT_FALSE(got.empty());
  size_t gap = 0;
  for (size_t i = 1; i < got.size(); i++)
    if (got[i] != got[i - 1] + 1) gap = i;
  ASSERT_GT(gap, 0u) << "frames were dropped, so there is a gap";
  EXPECT_EQ(got[gap] % 30, 0) << "resumes on a keyframe, got frame " << got[gap];
  tap_->unsubscribe(feed.get());
}

// A direct feed (the fan-out's): the tap's own streaming thread runs the element's chain, with
// stream-start, caps and segment first, in that order; endOfStream() ends it through the pad.
TEST_F(TapTest, DirectFeedPushesOnTheTapsThreadWithItsEventsInOrder) {
  struct Seen {
    std::mutex lock;
    std::vector<std::string> events;
    std::vector<int> frames;
    std::vector<std::string> threads;
  } seen;
  GstElement* output = gst_pipeline_new("direct");
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "async", FALSE, "sync", FALSE, "signal-handoffs", TRUE, nullptr);
  gst_bin_add(GST_BIN(output), sink);
  outputs_.push_back(output);
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer* b, GstPad*, Seen* s) {
                     char name[16] = {};
                     pthread_getname_np(pthread_self(), name, sizeof name);
                     std::lock_guard<std::mutex> guard(s->lock);
                     s->frames.push_back(indexOf(b));
                     s->threads.push_back(name);
                   }),
                   &seen);
  g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        auto* s = static_cast<Seen*>(data);
        std::lock_guard<std::mutex> guard(s->lock);
        s->events.push_back(GST_EVENT_TYPE_NAME(GST_PAD_PROBE_INFO_EVENT(info)));
        return GST_PAD_PROBE_OK;
      },
      &seen, nullptr);
  ASSERT_EQ(gst_element_set_state(output, GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS)
      << "async=false: PLAYING at once, nothing to preroll";

  auto feed = Feed::direct(pad);
  tap_->subscribe(feed);
  push(0, true);
  push(1, false);
  push(2, false);
  for (int i = 0; i < 100 && feed->counters().buffers.load() < 3; i++) g_usleep(10000);
  tap_->unsubscribe(feed.get());
  EXPECT_EQ(feed->counters().buffers.load(), 3u);
  {
    std::lock_guard<std::mutex> guard(seen.lock);
    EXPECT_EQ(seen.frames, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(seen.events, (std::vector<std::string>{"stream-start", "caps", "segment"}));
    for (const std::string& t : seen.threads)
      EXPECT_NE(t.find(":src"), std::string::npos) << "ran on " << t << ", not the input's thread";
  }

  feed->endOfStream();
  g_autoptr(GstBus) bus = gst_element_get_bus(output);
  GstMessage* eos = gst_bus_timed_pop_filtered(bus, 2 * GST_SECOND, GST_MESSAGE_EOS);
  ASSERT_NE(eos, nullptr) << "the EOS reached the element";
  gst_message_unref(eos);
}

}  // namespace
}  // namespace mls::media
