// Media factory fed from an input's taps. See tap_media_factory.h.
#include "rtsp/tap_media_factory.h"

#include <gst/app/gstappsrc.h>
#include <gst/base/gstbasesink.h>

#include <mutex>
#include <string>

#include "media/encoders.h"
#include "rtsp/record_media.h"

GST_DEBUG_CATEGORY_STATIC(mls_rtsp_factory_debug);
#define GST_CAT_DEFAULT mls_rtsp_factory_debug

namespace {

constexpr const char* kSubscriptionKey = "mls-tap-subscription";

// Lives as data on a media bin: releases the bin's tap subscription once, from the media's
// "unprepared" signal or when the bin is destroyed, whichever comes first (any thread).
struct SubscriptionHandle {
  std::weak_ptr<mls::rtsp::TapSource> source;
  uint64_t id = 0;
  GstClockTime base_time = 0;  // the source's: the media pipeline takes it
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

// The factory's mls state, owned by the factory (C++ members in a GObject instance struct would
// not be constructed).
struct FactoryState {
  std::mutex lock;
  std::shared_ptr<mls::rtsp::TapSource> source;  // protected by lock: what readers play
  uint64_t generation = 0;                       // protected by lock: bumped with each source
  std::shared_ptr<mls::media::Ingest> ingest;    // set before use, then immutable
};

struct _MlsTapMediaFactory {
  GstRTSPMediaFactory parent;
  FactoryState* state;  // owned
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
  g_object_set(src, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp", FALSE, "max-bytes",
               (guint64)0, "block", FALSE, "emit-signals", FALSE, nullptr);
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

std::shared_ptr<mls::rtsp::TapSource> currentSource(GstRTSPMediaFactory* factory) {
  FactoryState* state = MLS_TAP_MEDIA_FACTORY(factory)->state;
  std::lock_guard<std::mutex> guard(state->lock);
  return state->source;
}

GstElement* createElement(GstRTSPMediaFactory* factory, const GstRTSPUrl*) noexcept {
  std::shared_ptr<mls::rtsp::TapSource> source = currentSource(factory);
  if (!source) {
    GST_INFO_OBJECT(factory, "nothing to serve: the input is not live");
    return nullptr;
  }
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
  g_object_set_data_full(G_OBJECT(bin), kSubscriptionKey,
                         new SubscriptionHandle{source, id, source->baseTime()}, deleteHandle);
  GST_INFO_OBJECT(factory, "%s: new media, subscription %" G_GUINT64_FORMAT,
                  source->input().c_str(), id);
  return bin;
}

// The sinks gst-rtsp-server adds to a shared media for each client's transport (multiudpsink
// for UDP, appsink for TCP) prerolling asynchronously, as it makes them for RTP, can deadlock a
// stream of a live media (measured on 1.22, about 1 pair in 5 of a UDP and a TCP reader joining
// a fresh media together): the UDP reader's PLAY links a multiudpsink straight to the stream's
// tee while the pipeline is PAUSED, and the first buffer prerolls it, holding that stream's
// streaming thread inside the tee's push until the pipeline is PLAYING. The TCP reader's PLAY
// then adds an appsink (one more async sink the pipeline must wait for) and, to put queues
// after the tee, an IDLE probe on that tee pad, which cannot run while the push is held. The
// appsink never gets a buffer, so the pipeline never reaches PLAYING, so the push never returns:
// that stream sends nothing to anyone (gdb: its appsrc thread in gst_base_sink_wait_preroll
// under tee; its appsrc queue growing) while the other stream flows. A live media has nothing
// to preroll: with async off, a sink added while the media plays never takes the pipeline out
// of PLAYING. gst-rtsp-server already does the same for its RTCP sinks. Client threads.
void onSinkAdded(GstBin*, GstBin*, GstElement* element, gpointer) noexcept {
  if (!GST_IS_BASE_SINK(element)) return;
  GstElementFactory* made_by = gst_element_get_factory(element);
  const gchar* name = made_by ? GST_OBJECT_NAME(made_by) : "";
  if (g_str_equal(name, "multiudpsink") || g_str_equal(name, "udpsink") ||
      g_str_equal(name, "appsink"))
    g_object_set(element, "async", FALSE, nullptr);
}

// The media pipeline runs on the input's clock and base time: input running time is media
// running time, so the fed timestamps need no offset and live sinks send them on time.
// A publisher's RECORD media keeps gst-rtsp-server's defaults: the input pipeline retimes what it
// receives (InputPipeline::onFirstBuffer).
GstElement* createPipeline(GstRTSPMediaFactory* factory, GstRTSPMedia* media) noexcept {
  GstElement* pipeline = GST_RTSP_MEDIA_FACTORY_CLASS(mls_tap_media_factory_parent_class)
                             ->create_pipeline(factory, media);
  if (!pipeline) return nullptr;
  g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
  auto* handle =
      element
          ? static_cast<SubscriptionHandle*>(g_object_get_data(G_OBJECT(element), kSubscriptionKey))
          : nullptr;
  if (!handle) return pipeline;
  g_autoptr(GstClock) clock = gst_system_clock_obtain();
  gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock);
  gst_element_set_start_time(pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time(pipeline, handle->base_time);
  g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(onSinkAdded), nullptr);
  return pipeline;
}

// ANNOUNCE: a RECORD media for the publisher (default_construct with the transport mode fixed
// at construction, since the factory's mode is PLAY for everyone else). Anything else: PLAY.
GstRTSPMedia* construct(GstRTSPMediaFactory* factory, const GstRTSPUrl* url) noexcept {
  GstRTSPContext* ctx = gst_rtsp_context_get_current();
  if (!mls::rtsp::isPublishRequest(ctx))
    return GST_RTSP_MEDIA_FACTORY_CLASS(mls_tap_media_factory_parent_class)
        ->construct(factory, url);
  FactoryState* state = MLS_TAP_MEDIA_FACTORY(factory)->state;
  // A SETUP for RECORD without an ANNOUNCE on this connection has nothing to set up.
  if (!state->ingest || ctx->method != GST_RTSP_ANNOUNCE) return nullptr;
  GstElement* element = mls::rtsp::newRecordBin(state->ingest, ctx);
  if (!element) return nullptr;
  auto* media = GST_RTSP_MEDIA(g_object_new(gst_rtsp_media_factory_get_media_gtype(factory),
                                            "element", element, "transport-mode",
                                            GST_RTSP_TRANSPORT_MODE_RECORD, nullptr));
  // RTCP stays on (the media's default; 1.22 has no public setter for it, and mls never turns
  // it off on the factory).
  gst_rtsp_media_collect_streams(media);
  if (!GST_RTSP_MEDIA_FACTORY_GET_CLASS(factory)->create_pipeline(factory, media)) {
    g_object_unref(media);
    return nullptr;
  }
  return media;
}

// The cache key of shared media: none for a publisher's (never shared), the source's generation
// for readers (every reader of one source shares one media, whatever URL spelling it used).
gchar* genKey(GstRTSPMediaFactory* factory, const GstRTSPUrl*) noexcept {
  if (mls::rtsp::isPublishRequest(gst_rtsp_context_get_current())) return nullptr;
  FactoryState* state = MLS_TAP_MEDIA_FACTORY(factory)->state;
  std::lock_guard<std::mutex> guard(state->lock);
  return g_strdup_printf("mls-play-%" G_GUINT64_FORMAT, state->generation);
}

void onMediaUnprepared(GstRTSPMedia* media, gpointer) noexcept {
  g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
  if (!element) return;
  if (auto* handle =
          static_cast<SubscriptionHandle*>(g_object_get_data(G_OBJECT(element), kSubscriptionKey)))
    handle->release();
}

void onRecordUnprepared(GstRTSPMedia* media, gpointer) noexcept {
  mls::rtsp::releaseRecordBin(media);
}

void configure(GstRTSPMediaFactory* factory, GstRTSPMedia* media) noexcept {
  const bool record = gst_rtsp_media_get_transport_mode(media) & GST_RTSP_TRANSPORT_MODE_RECORD;
  GST_RTSP_MEDIA_FACTORY_CLASS(mls_tap_media_factory_parent_class)->configure(factory, media);
  if (record) {
    gst_rtsp_media_set_transport_mode(media, GST_RTSP_TRANSPORT_MODE_RECORD);
    gst_rtsp_media_set_shared(media, FALSE);
    g_signal_connect(media, "unprepared", G_CALLBACK(onRecordUnprepared), nullptr);
    return;
  }
  g_signal_connect(media, "unprepared", G_CALLBACK(onMediaUnprepared), nullptr);
}

void finalize(GObject* object) noexcept {
  delete MLS_TAP_MEDIA_FACTORY(object)->state;
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
  factory_class->construct = construct;
  factory_class->gen_key = genKey;
}

static void mls_tap_media_factory_init(MlsTapMediaFactory* self) {
  self->state = new FactoryState();
}

namespace mls::rtsp {

namespace {

GstRTSPMediaFactory* newFactory(std::shared_ptr<TapSource> source,
                                std::shared_ptr<media::Ingest> ingest) {
  auto* self = MLS_TAP_MEDIA_FACTORY(g_object_new(MLS_TYPE_TAP_MEDIA_FACTORY, nullptr));
  self->state->ingest = std::move(ingest);
  auto* factory = GST_RTSP_MEDIA_FACTORY(self);
  setTapSource(factory, std::move(source));
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  gst_rtsp_media_factory_set_protocols(
      factory, static_cast<GstRTSPLowerTrans>(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
  return factory;
}

FactoryState* stateOf(GstRTSPMediaFactory* factory) {
  return MLS_IS_TAP_MEDIA_FACTORY(factory) ? MLS_TAP_MEDIA_FACTORY(factory)->state : nullptr;
}

}  // namespace

GstRTSPMediaFactory* newTapMediaFactory(std::shared_ptr<TapSource> source) {
  return newFactory(std::move(source), nullptr);
}

GstRTSPMediaFactory* newIngestMediaFactory(std::shared_ptr<media::Ingest> ingest) {
  return newFactory(nullptr, std::move(ingest));
}

void setTapSource(GstRTSPMediaFactory* factory, std::shared_ptr<TapSource> source) {
  FactoryState* state = stateOf(factory);
  if (!state) return;
  std::lock_guard<std::mutex> guard(state->lock);
  state->source = std::move(source);
  state->generation++;
}

bool acceptsPublisher(GstRTSPMediaFactory* factory) {
  FactoryState* state = stateOf(factory);
  return state && state->ingest;
}

bool hasPublisher(GstRTSPMediaFactory* factory) {
  FactoryState* state = stateOf(factory);
  return state && state->ingest && state->ingest->busy();
}

bool isServing(GstRTSPMediaFactory* factory) {
  FactoryState* state = stateOf(factory);
  if (!state) return false;
  std::lock_guard<std::mutex> guard(state->lock);
  return static_cast<bool>(state->source);
}

}  // namespace mls::rtsp
