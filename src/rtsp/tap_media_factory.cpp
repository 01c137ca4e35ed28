// Media factory fed from an input's taps. See tap_media_factory.h.
#include "rtsp/tap_media_factory.h"

#include <gst/app/gstappsrc.h>

#include <string>

#include "media/encoders.h"

GST_DEBUG_CATEGORY_STATIC(mls_rtsp_factory_debug);
#define GST_CAT_DEFAULT mls_rtsp_factory_debug

namespace {

constexpr const char* kSubscriptionKey = "mls-tap-subscription";

// Lives as data on a media bin: releases the bin's tap subscription once, from the media's
// "unprepared" signal or when the bin is destroyed, whichever comes first (any thread).
struct SubscriptionHandle {
  std::weak_ptr<mls::rtsp::TapSource> source;
  uint64_t id = 0;
  void release() noexcept {
    if (auto s = source.lock()) s->release(id);
  }
};

void deleteHandle(gpointer data) noexcept {
  auto* handle = static_cast<SubscriptionHandle*>(data);
  handle->release();
  delete handle;
}

}  // namespace

struct _MlsTapMediaFactory {
  GstRTSPMediaFactory parent;
  std::shared_ptr<mls::rtsp::TapSource>* source;  // owned; set once before the factory is used
};

G_DEFINE_TYPE(MlsTapMediaFactory, mls_tap_media_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

namespace mls::rtsp {

const char* payloaderFor(const std::string& codec) {
  if (codec == "h264") return "rtph264pay";
  if (codec == "h265") return "rtph265pay";
  if (codec == "aac") return "rtpmp4gpay";
  if (codec == "mp3") return "rtpmpapay";
  if (codec == "opus") return "rtpopuspay";
  return nullptr;
}

namespace {

// appsrc ! parser ! payloader name=pay<index> in `bin`; returns the appsrc, or nullptr.
GstElement* addStream(GstBin* bin, const TapStream& stream, const char* kind, int index) {
  const char* pay_factory = payloaderFor(stream.codec);
  const char* parse_factory = media::parserFor(stream.codec);
  if (!stream.tap || !pay_factory || !parse_factory) return nullptr;
  std::string src_name = std::string("feed-") + kind;
  std::string pay_name = "pay" + std::to_string(index);
  GstElement* src = gst_element_factory_make("appsrc", src_name.c_str());
  GstElement* parse = gst_element_factory_make(parse_factory, nullptr);
  GstElement* pay = gst_element_factory_make(pay_factory, pay_name.c_str());
  if (!src || !parse || !pay) {
    for (GstElement* e : {src, parse, pay})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    return nullptr;
  }
  g_object_set(src, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp", FALSE,
               "max-bytes", (guint64)0, "block", FALSE, "emit-signals", FALSE, nullptr);
  if (stream.caps) g_object_set(src, "caps", stream.caps.get(), nullptr);
  g_object_set(pay, "pt", 96u + static_cast<guint>(index), nullptr);
  if (stream.codec == "h264" || stream.codec == "h265")
    g_object_set(pay, "config-interval", -1, nullptr);
  gst_bin_add_many(bin, src, parse, pay, nullptr);
  if (!gst_element_link_many(src, parse, pay, nullptr)) return nullptr;
  return src;
}

}  // namespace

}  // namespace mls::rtsp

namespace {

GstElement* createElement(GstRTSPMediaFactory* factory, const GstRTSPUrl*) noexcept {
  auto& source = *MLS_TAP_MEDIA_FACTORY(factory)->source;
  GstElement* bin = gst_bin_new("mls-media");
  int index = 0;
  GstElement* video = mls::rtsp::addStream(GST_BIN(bin), source->video(), "video", index);
  if (video) index++;
  GstElement* audio = mls::rtsp::addStream(GST_BIN(bin), source->audio(), "audio", index);
  if (!video && !audio) {
    GST_WARNING_OBJECT(factory, "%s: nothing to serve", source->input().c_str());
    gst_object_unref(gst_object_ref_sink(bin));
    return nullptr;
  }
  uint64_t id = source->subscribe(video, audio);
  if (id == 0) {
    // Withdrawn meanwhile (the input is restarting or deleted): the client gets 503.
    GST_INFO_OBJECT(factory, "%s: no longer published", source->input().c_str());
    gst_object_unref(gst_object_ref_sink(bin));
    return nullptr;
  }
  g_object_set_data_full(G_OBJECT(bin), kSubscriptionKey, new SubscriptionHandle{source, id},
                         deleteHandle);
  GST_INFO_OBJECT(factory, "%s: new media, subscription %" G_GUINT64_FORMAT,
                  source->input().c_str(), id);
  return bin;
}

// The media pipeline runs on the input's clock and base time: input running time is media
// running time, so the fed timestamps need no offset and live sinks send them on time.
GstElement* createPipeline(GstRTSPMediaFactory* factory, GstRTSPMedia* media) noexcept {
  auto& source = *MLS_TAP_MEDIA_FACTORY(factory)->source;
  GstElement* pipeline = GST_RTSP_MEDIA_FACTORY_CLASS(mls_tap_media_factory_parent_class)
                             ->create_pipeline(factory, media);
  if (!pipeline) return nullptr;
  g_autoptr(GstClock) clock = gst_system_clock_obtain();
  gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock);
  gst_element_set_start_time(pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time(pipeline, source->baseTime());
  return pipeline;
}

void onMediaUnprepared(GstRTSPMedia* media, gpointer) noexcept {
  g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
  if (!element) return;
  if (auto* handle = static_cast<SubscriptionHandle*>(
          g_object_get_data(G_OBJECT(element), kSubscriptionKey)))
    handle->release();
}

void configure(GstRTSPMediaFactory* factory, GstRTSPMedia* media) noexcept {
  GST_RTSP_MEDIA_FACTORY_CLASS(mls_tap_media_factory_parent_class)->configure(factory, media);
  g_signal_connect(media, "unprepared", G_CALLBACK(onMediaUnprepared), nullptr);
}

void finalize(GObject* object) noexcept {
  delete MLS_TAP_MEDIA_FACTORY(object)->source;
  G_OBJECT_CLASS(mls_tap_media_factory_parent_class)->finalize(object);
}

}  // namespace

static void mls_tap_media_factory_class_init(MlsTapMediaFactoryClass* klass) {
  GST_DEBUG_CATEGORY_INIT(mls_rtsp_factory_debug, "mls-rtsp", 0, "mls RTSP publication");
  G_OBJECT_CLASS(klass)->finalize = finalize;
  auto* factory_class = GST_RTSP_MEDIA_FACTORY_CLASS(klass);
  factory_class->create_element = createElement;
  factory_class->create_pipeline = createPipeline;
  factory_class->configure = configure;
}

static void mls_tap_media_factory_init(MlsTapMediaFactory* self) { self->source = nullptr; }

namespace mls::rtsp {

GstRTSPMediaFactory* newTapMediaFactory(std::shared_ptr<TapSource> source) {
  auto* self = MLS_TAP_MEDIA_FACTORY(g_object_new(MLS_TYPE_TAP_MEDIA_FACTORY, nullptr));
  self->source = new std::shared_ptr<TapSource>(std::move(source));
  auto* factory = GST_RTSP_MEDIA_FACTORY(self);
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  gst_rtsp_media_factory_set_protocols(
      factory, static_cast<GstRTSPLowerTrans>(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
  return factory;
}

}  // namespace mls::rtsp
