// Per-scheme source recipes. See sources.h.
#include "media/sources.h"

#include "media/encoders.h"
#include "media/media_log.h"
#include "model/source_params.h"

#define GST_CAT_DEFAULT mls_input_debug

namespace mls::media {
namespace {

std::string plugHint(const char* factory) {
  std::string f = factory;
  if (f == "rtspsrc" || f == "flvdemux" || f == "rtph264depay" || f == "souphttpsrc")
    return "gstreamer1.0-plugins-good";
  if (f == "x264enc") return "gstreamer1.0-plugins-ugly";
  if (f == "avenc_aac" || f == "avdec_h264") return "gstreamer1.0-libav";
  if (f.rfind("rtmp2", 0) == 0 || f.rfind("srt", 0) == 0 || f == "mpegtsmux" || f == "hlsdemux")
    return "gstreamer1.0-plugins-bad";
  return "gstreamer1.0-plugins-base";
}

Result<GstElement*> add(GstBin* bin, const char* factory, const char* name = nullptr) {
  auto element = makeElement(factory, name);
  if (!element) return element;
  gst_bin_add(bin, *element);
  return element;
}

Result<SourceRecipe> buildTest(GstBin* bin, const model::Url& url) {
  auto params = model::testParams(url);
  if (!params) return fail(params.error());
  SourceRecipe recipe;
  std::string launch;
  if (params->video) {
    auto src = add(bin, "videotestsrc", "testvideo");
    auto caps = add(bin, "capsfilter");
    auto overlay = add(bin, "timeoverlay");
    auto enc = add(bin, "x264enc");
    auto parse = add(bin, "h264parse", "testvideoparse");
    for (auto* r : {&src, &caps, &overlay, &enc, &parse})
      if (!*r) return fail(r->error());
    gst_util_set_object_arg(G_OBJECT(*src), "pattern", params->pattern.c_str());
    g_object_set(*src, "is-live", TRUE, nullptr);
    g_autoptr(GstCaps) raw =
        gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                            params->width, "height", G_TYPE_INT, params->height, "framerate",
                            GST_TYPE_FRACTION, params->fps, 1, nullptr);
    g_object_set(*caps, "caps", raw, nullptr);
    g_object_set(*overlay, "font-desc", "Sans 24", nullptr);
    gst_util_set_object_arg(G_OBJECT(*enc), "tune", "zerolatency");
    gst_util_set_object_arg(G_OBJECT(*enc), "speed-preset", "ultrafast");
    g_object_set(*enc, "bitrate", (guint)params->bitrate_kbps, "key-int-max",
                 (guint)(params->fps * 2), nullptr);
    if (!gst_element_link_many(*src, *caps, *overlay, *enc, *parse, nullptr))
      return fail(ErrorCode::Internal, "cannot link the test video chain");
    recipe.stream_pads.push_back(gst_element_get_static_pad(*parse, "src"));
    g_autofree gchar* video_launch = g_strdup_printf(
        "videotestsrc is-live=true pattern=%s ! video/x-raw,format=I420,width=%d,height=%d,"
        "framerate=%d/1 ! timeoverlay ! x264enc tune=zerolatency speed-preset=ultrafast "
        "bitrate=%d key-int-max=%d ! h264parse",
        params->pattern.c_str(), params->width, params->height, params->fps, params->bitrate_kbps,
        params->fps * 2);
    launch = video_launch;
  }
  if (params->audio) {
    auto src = add(bin, "audiotestsrc", "testaudio");
    auto conv = add(bin, "audioconvert");
    auto caps = add(bin, "capsfilter");
    auto enc = add(bin, "avenc_aac");
    auto parse = add(bin, "aacparse", "testaudioparse");
    for (auto* r : {&src, &conv, &caps, &enc, &parse})
      if (!*r) return fail(r->error());
    g_object_set(*src, "is-live", TRUE, "freq", 440.0, "volume", 0.1, "samplesperbuffer", 1024,
                 nullptr);
    g_autoptr(GstCaps) raw = gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, 48000,
                                                 "channels", G_TYPE_INT, 2, nullptr);
    g_object_set(*caps, "caps", raw, nullptr);
    g_object_set(*enc, "bitrate", 128000, nullptr);
    if (!gst_element_link_many(*src, *conv, *caps, *enc, *parse, nullptr))
      return fail(ErrorCode::Internal, "cannot link the test audio chain");
    recipe.stream_pads.push_back(gst_element_get_static_pad(*parse, "src"));
    if (!launch.empty()) launch += "  ";
    launch +=
        "audiotestsrc is-live=true freq=440 volume=0.1 ! audioconvert ! "
        "audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=128000 ! aacparse";
  }
  recipe.launch = launch;
  return recipe;
}

Result<SourceRecipe> buildRtsp(GstBin* bin, const model::InputSpec& input,
                               const SourceDefaults& defaults) {
  auto src = add(bin, "rtspsrc", "source");
  if (!src) return fail(src.error());
  bool udp = input.transport == "udp";
  int latency = input.latency_ms >= 0 ? input.latency_ms : defaults.rtsp_latency_ms;
  g_object_set(*src, "location", input.url.c_str(), "latency", (guint)latency, "tcp-timeout",
               (guint64)defaults.connect_timeout_s * G_USEC_PER_SEC, "timeout",
               (guint64)defaults.connect_timeout_s * G_USEC_PER_SEC, nullptr);
  gst_util_set_object_arg(G_OBJECT(*src), "protocols", udp ? "udp" : "tcp");
  SourceRecipe recipe;
  recipe.rtp_source = *src;
  recipe.launch = std::string("rtspsrc location=") + model::maskUrl(input.url) +
                  " protocols=" + (udp ? "udp" : "tcp") + " latency=" + std::to_string(latency) +
                  " ! parsebin";
  return recipe;
}

// appsrc ! parser per announced stream; the Ingest feeds the appsrcs from the RECORD media.
Result<SourceRecipe> buildPublish(GstBin* bin, const std::vector<std::string>& codecs) {
  if (codecs.empty()) return fail(ErrorCode::Unavailable, "nobody is publishing to this input");
  SourceRecipe recipe;
  recipe.wait_for_media = true;
  int index = 0;
  for (const std::string& codec : codecs) {
    const std::string name = "publish-" + std::to_string(index++);
    const char* parser = parserFor(codec);
    if (!parser) return fail(ErrorCode::Invalid, "mls does not carry " + codec);
    auto src = add(bin, "appsrc", name.c_str());
    if (!src) return fail(src.error());
    auto parse = add(bin, parser);
    if (!parse) return fail(parse.error());
    g_object_set(*src, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp", FALSE,
                 "max-bytes", static_cast<guint64>(0), "block", FALSE, "emit-signals", FALSE,
                 nullptr);
    if (!gst_element_link(*src, *parse))
      return fail(ErrorCode::Internal, "cannot link the " + codec + " parser of a publisher");
    recipe.stream_pads.push_back(gst_element_get_static_pad(*parse, "src"));
    recipe.publish_sources.push_back(*src);
    if (!recipe.launch.empty()) recipe.launch += "  ";
    recipe.launch += "appsrc name=" + name + " format=time is-live=true ! " + parser;
  }
  return recipe;
}

}  // namespace

Result<GstElement*> makeElement(const char* factory, const char* name) {
  GstElement* element = gst_element_factory_make(factory, name);
  if (!element) {
    return fail(ErrorCode::Internal, std::string("GStreamer element '") + factory +
                                         "' is missing (install " + plugHint(factory) + ")");
  }
  return element;
}

std::string runnableLaunch(const std::string& recipe) {
  // Sinks that do not preroll, like mlsd's own (appsinks with async=false): a live source's
  // streams may begin seconds apart (an RTMP server sends video from the next keyframe), and
  // a branch waiting to preroll filled its queue and stalled the others in gst-launch-1.0.
  static const std::string kSink = "fakesink async=false";
  std::string out;
  int demuxers = 0;
  for (size_t at = 0; at < recipe.size();) {
    size_t end = recipe.find("  ", at);
    if (end == std::string::npos) end = recipe.size();
    const std::string chain = recipe.substr(at, end - at);
    at = end + 2;
    if (chain.empty()) continue;
    if (!out.empty()) out += "  ";
    const std::string parsebin = "parsebin";
    if (chain.size() >= parsebin.size() &&
        chain.compare(chain.size() - parsebin.size(), parsebin.size(), parsebin) == 0) {
      const std::string name = "demux" + std::to_string(demuxers++);
      out += chain + " name=" + name + "  " + name + ". ! queue ! " + kSink + "  " + name +
             ". ! queue ! " + kSink;
    } else {
      out += chain + " ! " + kSink;
    }
  }
  return out;
}

Result<SourceRecipe> buildSource(GstBin* bin, const model::InputSpec& input,
                                 const std::string& media_dir, const SourceDefaults& defaults,
                                 const std::vector<std::string>& publish_codecs) {
  auto url = model::parseInputUrl(input.url, media_dir);
  if (!url) return fail(url.error());
  const std::string& scheme = url->scheme;
  if (scheme == "test") return buildTest(bin, *url);
  if (model::isRtspPublish(*url)) return buildPublish(bin, publish_codecs);
  if (scheme == "rtsp" || scheme == "rtsps") return buildRtsp(bin, input, defaults);

  SourceRecipe recipe;
  GstElement* src = nullptr;
  if (scheme == "rtmp" || scheme == "rtmps") {
    // mlsrtmpsrc speaks no RTMP authentication: a URL with credentials (Adobe's or Limelight's
    // scheme, which rtmp2src implements) is played by rtmp2src whatever --rtmp-source says.
    const bool credentials = !url->user.empty() || !url->password.empty();
    const std::string element = credentials ? "rtmp2src" : defaults.rtmp_element;
    auto e = add(bin, element.c_str(), "source");
    if (!e) return fail(e.error());
    src = *e;
    g_object_set(src, "location", input.url.c_str(), "timeout", (guint)defaults.connect_timeout_s,
                 nullptr);
    // The FLV as it arrives feeds the input's FLV tap too, on this same streaming thread (no
    // queue: the tap's appsink never blocks).
    auto tee = add(bin, "tee", "flv");
    if (!tee) return fail(tee.error());
    g_object_set(*tee, "allow-not-linked", TRUE, nullptr);
    if (!gst_element_link(src, *tee))
      return fail(ErrorCode::Internal, "cannot link " + element + " to its tee");
    recipe.flv_tee = *tee;
    recipe.launch = element + " location=" + model::maskUrl(input.url) +
                    " ! tee name=flv ! parsebin  flv. ! queue";
    src = *tee;
  } else if (scheme == "srt") {
    auto e = add(bin, "srtsrc", "source");
    if (!e) return fail(e.error());
    src = *e;
    g_object_set(src, "uri", input.url.c_str(), "wait-for-connection", TRUE, nullptr);
    if (input.latency_ms >= 0) g_object_set(src, "latency", input.latency_ms, nullptr);
    recipe.launch = "srtsrc uri=" + model::maskUrl(input.url) + " ! parsebin";
  } else if (scheme == "udp") {
    auto params = model::udpParams(*url);
    if (!params) return fail(params.error());
    auto e = add(bin, "udpsrc", "source");
    if (!e) return fail(e.error());
    src = *e;
    g_autoptr(GstCaps) caps = gst_caps_from_string("video/mpegts,systemstream=true");
    g_object_set(src, "address", params->host.c_str(), "port", params->port, "caps", caps,
                 "buffer-size", 4 * 1024 * 1024, nullptr);
    if (!params->iface.empty())
      g_object_set(src, "multicast-iface", params->iface.c_str(), nullptr);
    recipe.launch = "udpsrc address=" + params->host + " port=" + std::to_string(params->port) +
                    " caps=video/mpegts,systemstream=true ! parsebin";
  } else if (scheme == "http" || scheme == "https") {
    auto e = add(bin, "souphttpsrc", "source");
    if (!e) return fail(e.error());
    src = *e;
    g_object_set(src, "location", input.url.c_str(), "is-live", TRUE, "timeout",
                 (guint)defaults.connect_timeout_s, nullptr);
    // HLS arrives a segment at a time, as fast as it downloads: paced to the clock, outputs get
    // it at the rate it plays instead of a segment's worth of frames at once, then nothing.
    recipe.paced = true;
    recipe.launch = "souphttpsrc location=" + model::maskUrl(input.url) + " ! parsebin ! clocksync";
  } else if (scheme == "file") {
    auto e = add(bin, "filesrc", "source");
    if (!e) return fail(e.error());
    src = *e;
    g_object_set(src, "location", url->path.c_str(), nullptr);
    recipe.paced = true;
    recipe.launch = "filesrc location=" + url->path + " ! parsebin ! clocksync";
  } else {
    return fail(ErrorCode::Invalid, "unsupported input scheme '" + scheme + "'", "url");
  }
  recipe.parse_from = src;
  return recipe;
}

}  // namespace mls::media
