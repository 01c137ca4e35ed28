// mlsrtmpfanout as an element, through GstHarness: its properties and action signals, buffers
// pushed while its only destination refuses connections (render never waits on a peer; the
// destination retries with backoff and says so on the bus), and EOS with nothing to unpublish.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "ports.h"

namespace {

using namespace std::chrono_literals;

class FanoutElement : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    GError* error = nullptr;
    GstPlugin* plugin = gst_plugin_load_file(MLS_GST_PLUGIN_FILE, &error);
    ASSERT_NE(plugin, nullptr) << (error ? error->message : "?");
    gst_object_unref(plugin);
  }
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
  g_object_set(element_, "destinations",
               "x=rtmp://127.0.0.1:4/live/k1 rtmp://127.0.0.1:5/live/k2", nullptr);
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
  const GstStructure* first =
      gst_value_get_structure(gst_value_array_get_value(list, 0));
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
    const std::vector<guint8> tag = {9, 0, 0, 5, 0, 0, static_cast<guint8>(i), 0, 0, 0, 0,
                                     0x27, 1, 0, 0, 0, 0, 0, 0, 16};
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
