// Element assembly of output pipelines. See output_builder.h.
#include "media/output_builder.h"

#include <gst/app/gstappsrc.h>

#include "core/log.h"
#include "media/encoders.h"
#include "media/media_log.h"
#include "media/sources.h"
#include "model/presets.h"
#include "model/source_params.h"
#include "model/url.h"

#define GST_CAT_DEFAULT mls_output_debug

namespace mls::media {
namespace {

// How late a stream may be before an output's live muxer stops waiting for it and stamps what
// it has (clamping the late stream's timestamps). 500 ms was overrun by a 0.4 s stall on a
// loaded machine; a relay to an ingest server does not mind a second more of latency.
constexpr guint64 kMuxLatency = GST_SECOND;

bool isTs(const std::string& scheme) { return scheme == "srt" || scheme == "udp"; }

}  // namespace

bool sendsInputFlv(const model::OutputSpec& spec, const model::MediaInfo& media) {
  auto url = model::parseOutputUrl(spec.url);
  if (!url || (url->scheme != "rtmp" && url->scheme != "rtmps")) return false;
  if (model::effectiveTranscode(spec).has_value()) return false;
  model::AudioMode audio = model::effectiveAudio(spec);
  bool audio_as_is = media.has_audio ? audio != model::AudioMode::None
                                     : audio != model::AudioMode::SilenceIfMissing;
  bool flv_audio_ok = !media.has_audio || media.audio_codec == "aac" || media.audio_codec == "mp3";
  return audio_as_is && flv_audio_ok;
}

void OutputBuilder::describe(const std::string& part) {
  if (!out_.launch_.empty()) out_.launch_ += "  ";
  out_.launch_ += part;
}

void OutputBuilder::link(const std::string& part) {
  if (!out_.launch_.empty()) out_.launch_ += " ! ";
  out_.launch_ += part;
}

Result<GstElement*> OutputBuilder::add(const char* factory, const char* name) {
  auto element = makeElement(factory, name);
  if (element) gst_bin_add(bin_, *element);
  return element;
}

Result<GstElement*> OutputBuilder::makeSink(const std::string& scheme) {
  auto url = model::parseOutputUrl(spec_.url);
  if (!url) return fail(url.error());
  std::string masked = model::maskUrl(spec_.url);
  if (scheme == "rtmp" || scheme == "rtmps") {
    auto sink = add("rtmp2sink", "sink");
    if (!sink) return sink;
    g_object_set(*sink, "location", spec_.url.c_str(), "chunk-size", 4096u, "sync", FALSE,
                 "async", FALSE, nullptr);
    link("rtmp2sink location=" + masked + " chunk-size=4096 sync=false async=false");
    return sink;
  }
  if (scheme == "srt") {
    auto sink = add("srtsink", "sink");
    if (!sink) return sink;
    g_object_set(*sink, "uri", spec_.url.c_str(), "sync", FALSE, "async", FALSE, nullptr);
    link("srtsink uri=" + masked + " sync=false async=false");
    return sink;
  }
  if (scheme == "udp") {
    auto params = model::udpParams(*url);
    if (!params) return fail(params.error());
    auto sink = add("udpsink", "sink");
    if (!sink) return sink;
    g_object_set(*sink, "host", params->host.c_str(), "port", params->port, "sync", FALSE,
                 "async", FALSE, nullptr);
    if (params->ttl >= 0) g_object_set(*sink, "ttl", params->ttl, "ttl-mc", params->ttl, nullptr);
    if (!params->iface.empty())
      g_object_set(*sink, "multicast-iface", params->iface.c_str(), nullptr);
    link("udpsink host=" + params->host + " port=" + std::to_string(params->port) +
         " sync=false async=false");
    return sink;
  }
  if (scheme == "rtsp") {
    auto sink = add("rtspclientsink", "sink");
    if (!sink) return sink;
    // udp-reconnect off: when the server closes the connection, rtspclientsink 1.22 otherwise
    // "reconnects" by closing the RTSP connection while its RTP send thread is writing
    // interleaved data on it (no common lock): g_socket_get_timeout: assertion
    // 'G_IS_SOCKET (socket)' failed in gst_rtsp_connection_send_messages_usec. Media goes over
    // that TCP connection, so a reconnect cannot resume it anyway; the next write fails with an
    // error and the output is retried, with backoff, by mls.
    g_object_set(*sink, "location", spec_.url.c_str(), "latency", 0u, "udp-reconnect", FALSE,
                 nullptr);
    gst_util_set_object_arg(G_OBJECT(*sink), "protocols", "tcp");
    // The streams' chains link to it by name ("… ! sink.").
    describe("rtspclientsink location=" + masked +
             " protocols=tcp latency=0 udp-reconnect=false name=sink");
    return sink;
  }
  return fail(ErrorCode::Invalid, "unsupported output scheme '" + scheme + "'", "url");
}

Result<GstElement*> OutputBuilder::addAppSrc(TapKind kind) { return out_.addFeed(input_, kind); }

Result<void> OutputBuilder::buildMuxedPassthrough(TapKind kind, const std::string& scheme) {
  auto src = addAppSrc(kind);
  if (!src) return fail(src.error());
  auto sink = makeSink(scheme);
  if (!sink) return fail(sink.error());
  if (!gst_element_link(*src, *sink))
    return fail(ErrorCode::Internal, "cannot link the feed to the sink");
  out_.muxed_feed_ = true;
  g_autoptr(GstPad) pad = gst_element_get_static_pad(*sink, "sink");
  out_.watchSinkPad(pad);
  return {};
}

Result<GstElement*> OutputBuilder::videoChain(GstElement* appsrc, bool for_ts) {
  auto transcode = model::effectiveTranscode(spec_);
  const model::MediaInfo& media = input_.media();
  auto queue = add("queue");
  if (!queue) return queue;
  g_object_set(*queue, "max-size-time", 3 * GST_SECOND, "max-size-bytes", 0u, "max-size-buffers",
               0u, nullptr);
  gst_element_link(appsrc, *queue);
  GstElement* last = *queue;
  if (!transcode) {
    auto parse = add(parserFactory(media.video_codec));
    if (!parse) return parse;
    if (for_ts) g_object_set(*parse, "config-interval", -1, nullptr);
    gst_element_link(last, *parse);
    link(std::string("queue ! ") + parserFactory(media.video_codec));
    return *parse;
  }
  int fps = transcode->framerate > 0 ? transcode->framerate
                                     : (media.framerate > 0 ? (int)(media.framerate + 0.5) : 30);
  auto decoder = makeDecoder(media.video_codec);
  if (!decoder) return decoder;
  gst_bin_add(bin_, *decoder);
  auto convert = add("videoconvert");
  auto flip = add("videoflip");
  auto scale = add("videoscale");
  auto rate = add("videorate");
  auto caps = add("capsfilter");
  std::string enc_launch;
  auto encoder = makeVideoEncoder(*transcode, fps, &enc_launch);
  if (!encoder) return encoder;
  gst_bin_add(bin_, *encoder);
  auto parse = add(transcode->video_codec == "h265" ? "h265parse" : "h264parse");
  for (auto* r : {&convert, &flip, &scale, &rate, &caps, &parse})
    if (!*r) return *r;
  const char* method = transcode->rotation == 90    ? "clockwise"
                       : transcode->rotation == 180 ? "rotate-180"
                       : transcode->rotation == 270 ? "counterclockwise"
                                                    : "none";
  gst_util_set_object_arg(G_OBJECT(*flip), "method", method);
  g_object_set(*scale, "add-borders", TRUE, nullptr);  // scale and pad, never stretch
  // By default videorate fills from the segment's start up to the first frame with copies of
  // it: an output that joins a running input began with seconds of duplicates stamped from 0,
  // behind the audio (flvmux: "backwards dts"), and the destination saw jittered timestamps.
  g_object_set(*rate, "skip-to-first", TRUE, nullptr);
  GstCaps* raw = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420",
                                     "framerate", GST_TYPE_FRACTION, fps, 1,
                                     "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  if (transcode->width > 0 && transcode->height > 0)
    gst_caps_set_simple(raw, "width", G_TYPE_INT, transcode->width, "height", G_TYPE_INT,
                        transcode->height, nullptr);
  g_object_set(*caps, "caps", raw, nullptr);
  g_autofree gchar* caps_text = gst_caps_to_string(raw);
  gst_caps_unref(raw);
  if (for_ts) g_object_set(*parse, "config-interval", -1, nullptr);
  if (!gst_element_link_many(last, *decoder, *convert, *flip, *scale, *rate, *caps, *encoder,
                             *parse, nullptr))
    return fail(ErrorCode::Internal, "cannot link the video transcode chain");
  link(std::string("queue ! ") + GST_OBJECT_NAME(gst_element_get_factory(*decoder)) +
       " ! videoconvert ! videoflip method=" + method + " ! videoscale add-borders=true ! " +
       "videorate skip-to-first=true ! " + caps_text + " ! " + enc_launch + " ! " +
       GST_OBJECT_NAME(gst_element_get_factory(*parse)));
  return *parse;
}

Result<GstElement*> OutputBuilder::audioChain(GstElement* appsrc, bool transcode) {
  const model::MediaInfo& media = input_.media();
  auto queue = add("queue");
  if (!queue) return queue;
  g_object_set(*queue, "max-size-time", 3 * GST_SECOND, "max-size-bytes", 0u, "max-size-buffers",
               0u, nullptr);
  gst_element_link(appsrc, *queue);
  if (!transcode) {
    auto parse = add(parserFactory(media.audio_codec));
    if (!parse) return parse;
    gst_element_link(*queue, *parse);
    link(std::string("queue ! ") + parserFactory(media.audio_codec));
    return *parse;
  }
  auto decoder = makeDecoder(media.audio_codec);
  if (!decoder) return decoder;
  gst_bin_add(bin_, *decoder);
  auto convert = add("audioconvert");
  auto resample = add("audioresample");
  auto caps = add("capsfilter");
  auto transcode_settings = model::effectiveTranscode(spec_);
  std::string enc_launch;
  auto encoder =
      makeAudioEncoder(transcode_settings ? transcode_settings->audio_bitrate_kbps : 128,
                       &enc_launch);
  if (!encoder) return encoder;
  gst_bin_add(bin_, *encoder);
  auto parse = add("aacparse");
  for (auto* r : {&convert, &resample, &caps, &parse})
    if (!*r) return *r;
  g_autoptr(GstCaps) raw = gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, 48000,
                                               "channels", G_TYPE_INT, 2, nullptr);
  g_object_set(*caps, "caps", raw, nullptr);
  if (!gst_element_link_many(*queue, *decoder, *convert, *resample, *caps, *encoder, *parse,
                             nullptr))
    return fail(ErrorCode::Internal, "cannot link the audio transcode chain");
  link(std::string("queue ! ") + GST_OBJECT_NAME(gst_element_get_factory(*decoder)) +
       " ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! " + enc_launch +
       " ! aacparse");
  return *parse;
}

Result<GstElement*> OutputBuilder::silenceChain() {
  auto src = add("audiotestsrc", "silence");
  auto convert = add("audioconvert");
  auto caps = add("capsfilter");
  auto encoder = makeAudioEncoder(128, nullptr);
  if (!encoder) return encoder;
  gst_bin_add(bin_, *encoder);
  auto parse = add("aacparse");
  for (auto* r : {&src, &convert, &caps, &parse})
    if (!*r) return *r;
  gst_util_set_object_arg(G_OBJECT(*src), "wave", "silence");
  g_object_set(*src, "is-live", TRUE, "samplesperbuffer", 1024, nullptr);
  g_autoptr(GstCaps) raw = gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, 48000,
                                               "channels", G_TYPE_INT, 2, nullptr);
  g_object_set(*caps, "caps", raw, nullptr);
  if (!gst_element_link_many(*src, *convert, *caps, *encoder, *parse, nullptr))
    return fail(ErrorCode::Internal, "cannot link the silent audio chain");
  describe(
      "audiotestsrc wave=silence is-live=true ! audioconvert ! audio/x-raw,rate=48000,channels=2 "
      "! avenc_aac bitrate=128000 ! aacparse");
  return *parse;
}

Result<void> OutputBuilder::linkToSink(GstElement* last, GstElement* target, bool is_video,
                                       const std::string& scheme) {
  const char* templ = (scheme == "rtmp" || scheme == "rtmps") ? (is_video ? "video" : "audio")
                      : scheme == "rtsp"                      ? "sink_%u"
                                                              : "sink_%d";
  GstPad* pad = gst_element_request_pad_simple(target, templ);
  if (!pad) return fail(ErrorCode::Internal, "the muxer refused a stream");
  g_autoptr(GstPad) src = gst_element_get_static_pad(last, "src");
  GstPadLinkReturn ret = gst_pad_link(src, pad);
  if (scheme == "rtsp") out_.watchSinkPad(pad);
  gst_object_unref(pad);
  if (ret != GST_PAD_LINK_OK) {
    return fail(ErrorCode::Invalid, std::string("the destination container cannot carry this ") +
                                        (is_video ? "video" : "audio"));
  }
  link(std::string(GST_OBJECT_NAME(target)) + ".");
  return {};
}

Result<void> OutputBuilder::buildElementary(const std::string& scheme) {
  const model::MediaInfo& media = input_.media();
  bool transcode = model::effectiveTranscode(spec_).has_value();
  model::AudioMode audio_mode = model::effectiveAudio(spec_);
  bool rtmp = scheme == "rtmp" || scheme == "rtmps";
  bool ts = isTs(scheme);

  GstElement* target = nullptr;  // muxer, or rtspclientsink itself
  if (scheme == "rtsp") {
    auto sink = makeSink(scheme);
    if (!sink) return fail(sink.error());
    target = *sink;
  } else {
    auto mux = add(rtmp ? "flvmux" : "mpegtsmux", "mux");
    if (!mux) return fail(mux.error());
    if (rtmp) g_object_set(*mux, "streamable", TRUE, nullptr);
    else g_object_set(*mux, "alignment", 7, nullptr);
    // Encoders deliver late by their own processing time. A live aggregator with no latency
    // budget then times out on the video pad and stamps what it has, which made transcoded
    // outputs' frame intervals jitter (22/43 ms at 30 fps, measured). Give it a budget.
    g_object_set(*mux, "latency", kMuxLatency, nullptr);
    describe(std::string(rtmp ? "flvmux streamable=true" : "mpegtsmux alignment=7") +
             " latency=" + std::to_string(kMuxLatency) + " name=mux");
    auto sink = makeSink(scheme);
    if (!sink) return fail(sink.error());
    gst_element_link(*mux, *sink);
    g_autoptr(GstPad) pad = gst_element_get_static_pad(*sink, "sink");
    out_.watchSinkPad(pad);
    target = *mux;
  }

  if (media.has_video) {
    if (rtmp && !transcode && media.video_codec != "h264")
      return fail(ErrorCode::Invalid, "RTMP carries H.264 video; this input's video is " +
                                          media.video_codec + ": use a transcode profile");
    auto src = addAppSrc(TapKind::Video);
    if (!src) return fail(src.error());
    auto last = videoChain(*src, ts);
    if (!last) return fail(last.error());
    if (auto r = linkToSink(*last, target, true, scheme); !r) return r;
  }
  bool want_audio = audio_mode != model::AudioMode::None;
  if (want_audio && media.has_audio) {
    // FLV cannot carry Opus: transcode audio to AAC when the container needs it.
    bool audio_transcode =
        transcode || (rtmp && media.audio_codec != "aac" && media.audio_codec != "mp3");
    auto src = addAppSrc(TapKind::Audio);
    if (!src) return fail(src.error());
    auto last = audioChain(*src, audio_transcode);
    if (!last) return fail(last.error());
    if (auto r = linkToSink(*last, target, false, scheme); !r) return r;
  } else if (audio_mode == model::AudioMode::SilenceIfMissing && !media.has_audio) {
    auto last = silenceChain();
    if (!last) return fail(last.error());
    if (auto r = linkToSink(*last, target, false, scheme); !r) return r;
  }
  if (!media.has_video && !(want_audio && media.has_audio) &&
      audio_mode != model::AudioMode::SilenceIfMissing)
    return fail(ErrorCode::Invalid, "nothing to send: the input has no video and audio is off");
  return {};
}

Result<void> OutputBuilder::build() {
  bin_ = GST_BIN(out_.pipeline_.get());
  auto url = model::parseOutputUrl(spec_.url);
  if (!url) return fail(url.error());
  const std::string scheme = url->scheme;
  const model::MediaInfo& media = input_.media();
  bool transcode = model::effectiveTranscode(spec_).has_value();
  model::AudioMode audio = model::effectiveAudio(spec_);
  // Mux once, send many: a passthrough output whose audio needs no change shares the input's
  // muxed stream. Anything else gets its own muxer fed with elementary streams.
  bool audio_as_is = media.has_audio ? audio != model::AudioMode::None
                                     : audio != model::AudioMode::SilenceIfMissing;
  if (sendsInputFlv(spec_, media)) return buildMuxedPassthrough(TapKind::Flv, scheme);
  if (!transcode && audio_as_is && isTs(scheme)) return buildMuxedPassthrough(TapKind::MpegTs, scheme);
  return buildElementary(scheme);
}

}  // namespace mls::media
