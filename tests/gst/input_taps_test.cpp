// InputPipeline's elementary taps (src/media/input_pipeline.h, Stream::tap) against a real test
// source (x264, one keyframe every 2 s): the taps are on the stream's tee before its first
// buffer, so a tap first asked for after the main loop was busy still holds the source's first
// GOP, and a reader joining then starts at once on that keyframe instead of waiting for the next
// one (with a 20 s GOP under load, an RTSP reader's DESCRIBE waited 19.6 s for it).
//
// Thread: the test's own thread runs the default main context, as mlsd's main thread does.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>

#include "media/input_pipeline.h"
#include "media/reaper.h"
#include "media/tap.h"

namespace mls::media {
namespace {

TEST(InputTaps, AFeedAfterABusyMainLoopStartsOnTheSourcesFirstKeyframe) {
  gst_init(nullptr, nullptr);
  model::InputSpec spec;
  spec.name = "cam";
  spec.url = "test://ball?size=320x240&fps=25";
  bool ready = false;
  InputPipeline::Callbacks callbacks;
  callbacks.streams_ready = [&] { ready = true; };
  callbacks.failed = [](const std::string& error) { ADD_FAILURE() << "input failed: " << error; };
  auto created = InputPipeline::create(spec, "/tmp", SourceDefaults{}, callbacks);
  ASSERT_TRUE(created) << created.error().message;
  std::unique_ptr<InputPipeline> input = std::move(*created);
  ASSERT_TRUE(input->start());

  // The main loop is busy for 0.8 s while the source runs: its first keyframe passes the tee
  // before the input is ready, let alone asked for a tap. The next keyframe comes at 2 s.
  g_usleep(800 * 1000);
  const gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!ready && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, FALSE);
  ASSERT_TRUE(ready) << "the test input did not become ready";
  auto tap = input->tap(TapKind::Video);
  ASSERT_TRUE(tap) << tap.error().message;

  GstElement* output = gst_pipeline_new(nullptr);
  GstElement* src = gst_element_factory_make("appsrc", nullptr);
  GstElement* sink = gst_element_factory_make("appsink", nullptr);
  g_object_set(src, "format", GST_FORMAT_TIME, "is-live", TRUE, "max-bytes", (guint64)0, nullptr);
  g_object_set(sink, "sync", FALSE, nullptr);
  gst_bin_add_many(GST_BIN(output), src, sink, nullptr);
  ASSERT_TRUE(gst_element_link(src, sink));
  gst_element_set_state(output, GST_STATE_PLAYING);
  auto feed = std::make_shared<Feed>(src, 0, 8 << 20);
  const gint64 subscribed = g_get_monotonic_time();
  (*tap)->subscribe(feed);

  // Within 0.5 s, well before the next keyframe: the cached GOP, from its keyframe on.
  GstSample* first = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), GST_SECOND / 2);
  const double waited = (g_get_monotonic_time() - subscribed) / 1e6;
  ASSERT_NE(first, nullptr) << "no frame within 0.5 s: the tap had no cached GOP";
  GstBuffer* buffer = gst_sample_get_buffer(first);
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
      << "the first frame is not a keyframe";
  int frames = 1;
  // The rest of the cached GOP follows at once (the next live frame is 40 ms away at most).
  while (GstSample* more = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), GST_MSECOND * 30)) {
    frames++;
    gst_sample_unref(more);
  }
  std::printf("first frame after %.3f s; then %d frames at once (the GOP so far)\n", waited,
              frames);
  EXPECT_GE(frames, 10) << "the cached GOP should hold the 0.8 s the main loop was busy";
  gst_sample_unref(first);

  (*tap)->unsubscribe(feed.get());
  gst_element_set_state(output, GST_STATE_NULL);
  gst_object_unref(output);
  bool disposed = false;
  {
    Reaper reaper;
    InputPipeline::dispose(std::move(input), reaper, [&] { disposed = true; });
    const gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!disposed && g_get_monotonic_time() < until) g_main_context_iteration(nullptr, FALSE);
  }
  EXPECT_TRUE(disposed);
}

}  // namespace
}  // namespace mls::media
