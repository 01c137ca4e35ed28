// The element of a publisher's RECORD media. See record_media.h.
#include "rtsp/record_media.h"

#include <gst/sdp/gstsdpmessage.h>

#include <cstring>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(mls_rtsp_record_debug);
#define GST_CAT_DEFAULT mls_rtsp_record_debug

namespace mls::rtsp {
namespace {

constexpr const char* kHolderKey = "mls-record-holder";

struct Depay {
  const char* encoding;  // rtpmap encoding name
  const char* depay;
  const char* caps;  // forced on the depayloader's output, or nullptr
  const char* codec;
  bool video;
};
constexpr Depay kDepays[] = {
    {"H264", "rtph264depay", "video/x-h264,stream-format=avc,alignment=au", "h264", true},
    {"H265", "rtph265depay", "video/x-h265,stream-format=hvc1,alignment=au", "h265", true},
    {"MPEG4-GENERIC", "rtpmp4gdepay", nullptr, "aac", false},
    {"MP4A-LATM", "rtpmp4adepay", nullptr, "aac", false},
    {"OPUS", "rtpopusdepay", nullptr, "opus", false},
    {"MPA", "rtpmpadepay", nullptr, "mp3", false},
};

// Lives as data on the RECORD bin: the taps its appsinks belong to, and the Ingest session
// they were claimed for. Released once (unprepared or destroyed, whichever comes first).
struct Holder {
  std::weak_ptr<media::Ingest> ingest;
  uint64_t session = 0;
  std::vector<std::unique_ptr<media::Tap>> taps;
  void release() noexcept {
    if (auto i = ingest.lock()) i->release(session);
  }
};

void deleteHolder(gpointer data) noexcept {
  auto* holder = static_cast<Holder*>(data);
  holder->release();
  delete holder;  // the bin's children (the appsinks) are gone: its pipeline reached NULL
}

// The encoding of an SDP media's first format: its rtpmap's name ("H264"), or the static
// payload type's (14: MPA).
std::string encodingOf(const GstSDPMedia* media) {
  const gchar* format = gst_sdp_media_get_format(media, 0);
  if (!format) return {};
  const std::string pt = format;
  for (guint i = 0;; i++) {
    const gchar* rtpmap = gst_sdp_media_get_attribute_val_n(media, "rtpmap", i);
    if (!rtpmap) break;
    std::string value = rtpmap;
    if (value.rfind(pt + " ", 0) != 0) continue;
    std::string encoding = value.substr(pt.size() + 1);
    encoding = encoding.substr(0, encoding.find('/'));
    g_autofree gchar* upper = g_ascii_strup(encoding.c_str(), -1);
    return upper;
  }
  return pt == "14" ? "MPA" : std::string();
}

const Depay* depayFor(const std::string& encoding) {
  for (const Depay& d : kDepays)
    if (encoding == d.encoding) return &d;
  return nullptr;
}

}  // namespace

GstElement* newRecordBin(const std::shared_ptr<media::Ingest>& ingest, GstRTSPContext* ctx) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(mls_rtsp_record_debug, "mls-rtsp-record", 0, "mls RTSP publishers");
    g_once_init_leave(&debug_once, 1);
  }
  guint8* data = nullptr;
  guint size = 0;
  if (!ctx || !ctx->request ||
      gst_rtsp_message_get_body(ctx->request, &data, &size) != GST_RTSP_OK || !data || size == 0)
    return nullptr;
  GstSDPMessage* sdp = nullptr;
  gst_sdp_message_new(&sdp);
  if (gst_sdp_message_parse_buffer(data, size, sdp) != GST_SDP_OK) {
    gst_sdp_message_free(sdp);
    return nullptr;
  }

  GstElement* bin = gst_bin_new("mls-record");
  auto holder = std::make_unique<Holder>();
  std::vector<media::IngestStream> streams;
  bool have_video = false, have_audio = false;
  const guint medias = gst_sdp_message_medias_len(sdp);
  bool ok = medias > 0;
  for (guint i = 0; i < medias && ok; i++) {
    const GstSDPMedia* media = gst_sdp_message_get_media(sdp, i);
    const std::string encoding = encodingOf(media);
    const Depay* known = depayFor(encoding);
    const std::string name = "depay" + std::to_string(i);
    // One video and one audio stream are carried; anything else is received and dropped.
    bool carry = known && !(known->video ? have_video : have_audio);
    if (!carry) {
      GST_WARNING("%s: stream %u (%s) is not carried", ingest->input().c_str(), i,
                  encoding.empty() ? "unknown" : encoding.c_str());
      GstElement* sink = gst_element_factory_make("fakesink", name.c_str());
      ok = sink != nullptr;
      if (ok) {
        g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
        gst_bin_add(GST_BIN(bin), sink);
      }
      continue;
    }
    GstElement* depay = gst_element_factory_make(known->depay, name.c_str());
    auto tap = std::make_unique<media::Tap>(
        known->video ? media::TapKind::Video : media::TapKind::Audio,
        ingest->input() + "-publish-" + std::to_string(i), known->video);
    if (!depay) {
      ok = false;
      break;
    }
    gst_bin_add_many(GST_BIN(bin), depay, tap->sink(), nullptr);
    GstElement* last = depay;
    if (known->caps) {
      GstElement* filter = gst_element_factory_make("capsfilter", nullptr);
      g_autoptr(GstCaps) caps = gst_caps_from_string(known->caps);
      g_object_set(filter, "caps", caps, nullptr);
      gst_bin_add(GST_BIN(bin), filter);
      ok = gst_element_link(depay, filter);
      last = filter;
    }
    ok = ok && gst_element_link(last, tap->sink());
    (known->video ? have_video : have_audio) = true;
    streams.push_back({known->codec, tap.get()});
    holder->taps.push_back(std::move(tap));
  }
  gst_sdp_message_free(sdp);
  if (!ok || streams.empty()) {
    GST_WARNING("%s: the publisher offers no stream mls carries (H.264, H.265, AAC, MP3, Opus)",
                ingest->input().c_str());
    gst_object_unref(gst_object_ref_sink(bin));
    return nullptr;
  }
  std::string client;
  if (ctx->conn)
    if (const gchar* ip = gst_rtsp_connection_get_ip(ctx->conn)) client = ip;
  // Closing the publisher's connection (from the main thread, as the server's client filter
  // does) ends its session and media, which releases the slot.
  auto weak = std::shared_ptr<GWeakRef>(new GWeakRef, [](GWeakRef* ref) {
    g_weak_ref_clear(ref);
    delete ref;
  });
  g_weak_ref_init(weak.get(), ctx->client);
  auto disconnect = [weak]() {
    if (auto* client = static_cast<GstRTSPClient*>(g_weak_ref_get(weak.get()))) {
      gst_rtsp_client_close(client);
      g_object_unref(client);
    }
  };
  uint64_t session = ingest->claim(std::move(streams), client, std::move(disconnect));
  if (session == 0) {
    GST_INFO("%s: refused a second publisher from %s", ingest->input().c_str(), client.c_str());
    gst_object_unref(gst_object_ref_sink(bin));  // its taps go with the holder, unclaimed
    return nullptr;
  }
  holder->ingest = ingest;
  holder->session = session;
  g_object_set_data_full(G_OBJECT(bin), kHolderKey, holder.release(), deleteHolder);
  GST_INFO("%s: publisher %s, session %" G_GUINT64_FORMAT, ingest->input().c_str(), client.c_str(),
           session);
  return bin;
}

bool isPublishRequest(const GstRTSPContext* ctx) {
  if (!ctx || !ctx->request) return false;
  if (ctx->method == GST_RTSP_ANNOUNCE || ctx->method == GST_RTSP_RECORD) return true;
  if (ctx->method != GST_RTSP_SETUP) return false;
  for (gint i = 0;; i++) {
    gchar* value = nullptr;
    if (gst_rtsp_message_get_header(ctx->request, GST_RTSP_HDR_TRANSPORT, &value, i) !=
            GST_RTSP_OK ||
        !value)
      return false;
    // Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record (RFC 2326 12.39: a list of
    // alternatives, each with its parameters; mode may be quoted, "RECORD").
    g_autofree gchar* lower = g_ascii_strdown(value, -1);
    if (strstr(lower, "mode=record") || strstr(lower, "mode=\"record\"")) return true;
  }
}

void releaseRecordBin(GstRTSPMedia* media) {
  g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
  if (!element) return;
  if (auto* holder = static_cast<Holder*>(g_object_get_data(G_OBJECT(element), kHolderKey)))
    holder->release();
}

}  // namespace mls::rtsp
