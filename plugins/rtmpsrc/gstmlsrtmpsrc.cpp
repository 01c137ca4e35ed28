// GstMlsRtmpSrc: connection, reading and FLV framing of the mlsrtmpsrc element (see
// gstmlsrtmpsrc.h and plugins/README.md).
#include "gstmlsrtmpsrc.h"

#include <gio/gio.h>

#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rtmp_chunk.h"
#include "rtmp_session.h"
#include "rtmp_url.h"
#include "tls_trust.h"

GST_DEBUG_CATEGORY_STATIC(mls_rtmp_src_debug);
#define GST_CAT_DEFAULT mls_rtmp_src_debug

using mls::fanout::RtmpMessage;
using mls::fanout::RtmpSession;
using mls::fanout::RtmpUrl;

namespace {

constexpr guint kDefaultTimeoutS = 10;
constexpr std::uint32_t kChunkSize = 4096;  // what we send: only a few small commands
constexpr gsize kReadSize = 64 * 1024;
constexpr gsize kTagHeader = 11;
constexpr gsize kTagTrailer = 4;

enum { PROP_0, PROP_LOCATION, PROP_TIMEOUT, PROP_TLS_VALIDATE };

GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-flv"));

struct Private {
  // Set by the application, read by start(); guarded by `lock`, as is `cancellable`.
  std::mutex lock;
  std::string location;
  guint timeout_s = kDefaultTimeoutS;
  bool tls_validate = true;
  GCancellable* cancellable = nullptr;

  // Streaming thread (and start/stop, which GstBaseSrc never runs beside create()).
  std::optional<RtmpUrl> url;
  guint timeout = kDefaultTimeoutS;
  bool validate = true;
  GIOStream* connection = nullptr;
  std::unique_ptr<RtmpSession> session;
  std::deque<GstBuffer*> ready;  // tags made, not handed out yet
  bool header_sent = false;
  std::vector<std::uint8_t> read_buffer;
};

}  // namespace

struct _GstMlsRtmpSrc {
  GstPushSrc parent;
  Private* priv;
};

G_DEFINE_TYPE(GstMlsRtmpSrc, gst_mls_rtmp_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(mlsrtmpsrc, "mlsrtmpsrc", GST_RANK_NONE, GST_TYPE_MLS_RTMP_SRC)

namespace {

// A new cancellable (lock held). Its wake-up fd is made now and kept until it is dropped: GSocket
// asks a cancellable for its fd on every blocking read, and GLib creates and closes an eventfd
// each time when nobody else holds it (an eventfd() and a close() per read, measured).
void renewCancellable(Private* p) {
  if (p->cancellable) {
    g_cancellable_release_fd(p->cancellable);
    g_clear_object(&p->cancellable);
  }
  p->cancellable = g_cancellable_new();
  GPollFD fd;
  g_cancellable_make_pollfd(p->cancellable, &fd);
}

void dropCancellable(Private* p) {
  if (!p->cancellable) return;
  g_cancellable_release_fd(p->cancellable);
  g_clear_object(&p->cancellable);
}

GCancellable* currentCancellable(Private* p) {
  std::lock_guard<std::mutex> guard(p->lock);
  return p->cancellable ? G_CANCELLABLE(g_object_ref(p->cancellable)) : nullptr;
}

// One FLV tag: header (type, size, timestamp, stream id 0), body, PreviousTagSize.
GstBuffer* tagBuffer(std::uint8_t type, std::uint32_t ts, const std::uint8_t* body, gsize size) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kTagHeader + size + kTagTrailer, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  std::uint8_t* o = map.data;
  const auto tag_size = static_cast<std::uint32_t>(kTagHeader + size);
  o[0] = type;
  o[1] = static_cast<std::uint8_t>(size >> 16);
  o[2] = static_cast<std::uint8_t>(size >> 8);
  o[3] = static_cast<std::uint8_t>(size);
  o[4] = static_cast<std::uint8_t>(ts >> 16);
  o[5] = static_cast<std::uint8_t>(ts >> 8);
  o[6] = static_cast<std::uint8_t>(ts);
  o[7] = static_cast<std::uint8_t>(ts >> 24);
  o[8] = o[9] = o[10] = 0;
  if (size > 0) std::memcpy(o + kTagHeader, body, size);
  std::uint8_t* t = o + kTagHeader + size;
  t[0] = static_cast<std::uint8_t>(tag_size >> 24);
  t[1] = static_cast<std::uint8_t>(tag_size >> 16);
  t[2] = static_cast<std::uint8_t>(tag_size >> 8);
  t[3] = static_cast<std::uint8_t>(tag_size);
  gst_buffer_unmap(buffer, &map);
  GST_BUFFER_DTS(buffer) = static_cast<GstClockTime>(ts) * GST_MSECOND;
  return buffer;
}

// The FLV tags of one RTMP message, appended to `out`.
void appendTags(const RtmpMessage& m, std::deque<GstBuffer*>& out) {
  const std::uint8_t* p = m.payload.data();
  gsize size = m.payload.size();
  switch (m.type) {
    case mls::fanout::kAudio:
    case mls::fanout::kVideo:
      out.push_back(tagBuffer(m.type, m.timestamp, p, size));
      return;
    case mls::fanout::kDataAmf3:
      // AMF3 data: a format byte 0, then AMF0.
      if (size > 0 && p[0] == 0) ++p, --size;
      [[fallthrough]];
    case mls::fanout::kDataAmf0: {
      // A server that passes the publisher's "@setDataFrame" on: FLV wants "onMetaData" first.
      static constexpr std::uint8_t kSetDataFrame[] = {2,   0,   13,  '@', 's', 'e', 't', 'D',
                                                       'a', 't', 'a', 'F', 'r', 'a', 'm', 'e'};
      if (size > sizeof kSetDataFrame && std::memcmp(p, kSetDataFrame, sizeof kSetDataFrame) == 0)
        p += sizeof kSetDataFrame, size -= sizeof kSetDataFrame;
      out.push_back(tagBuffer(mls::fanout::kDataAmf0, m.timestamp, p, size));
      return;
    }
    case mls::fanout::kAggregate: {
      // FLV tags back to back; their timestamps are offset so the first is the message's.
      std::optional<std::uint32_t> first;
      gsize at = 0;
      while (at + kTagHeader <= size) {
        const std::uint8_t* h = p + at;
        const gsize body = static_cast<gsize>(h[1]) << 16 | h[2] << 8 | h[3];
        if (at + kTagHeader + body > size) break;
        const std::uint32_t ts = static_cast<std::uint32_t>(h[7]) << 24 |
                                 static_cast<std::uint32_t>(h[4]) << 16 | h[5] << 8 | h[6];
        if (!first) first = ts;
        const std::uint8_t type = h[0] & 0x1f;
        if (type == mls::fanout::kAudio || type == mls::fanout::kVideo ||
            type == mls::fanout::kDataAmf0)
          out.push_back(tagBuffer(type, m.timestamp + (ts - *first), h + kTagHeader, body));
        at += kTagHeader + body + kTagTrailer;
      }
      return;
    }
    default:
      return;
  }
}

GstBuffer* fileHeader() {
  // Audio and video flags both set: what the stream carries is only known from its tags.
  static constexpr std::uint8_t kHeader[] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
  GstBuffer* buffer = gst_buffer_new_memdup(kHeader, sizeof kHeader);
  GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_HEADER);
  return buffer;
}

void closeConnection(Private* p) {
  if (p->connection) {
    g_io_stream_close(p->connection, nullptr, nullptr);
    g_clear_object(&p->connection);
  }
  p->session.reset();
}

// Writes `bytes` completely. FALSE with `error` set on failure (or cancellation).
bool writeAll(Private* p, GCancellable* cancellable, const std::vector<std::uint8_t>& bytes,
              GError** error) {
  GOutputStream* out = g_io_stream_get_output_stream(p->connection);
  return g_output_stream_write_all(out, bytes.data(), bytes.size(), nullptr, cancellable, error);
}

bool connect(GstMlsRtmpSrc* self, GCancellable* cancellable, GError** error) {
  Private* p = self->priv;
  GSocketClient* client = g_socket_client_new();
  // An RTMP URL names its server: no system proxy lookup.
  g_socket_client_set_enable_proxy(client, FALSE);
  g_socket_client_set_timeout(client, p->timeout);  // connect, and every read and write after
  if (p->url->tls) {
    g_socket_client_set_tls(client, TRUE);
    if (!p->validate) mls::fanout::trustAnyServerCertificate(client);
  }
  GST_INFO_OBJECT(self, "connecting to %s", p->url->masked().c_str());
  GSocketConnection* connection = g_socket_client_connect_to_host(
      client, p->url->hostAndPort().c_str(), p->url->port, cancellable, error);
  g_object_unref(client);
  if (!connection) return false;
  p->connection = G_IO_STREAM(connection);
  p->session = std::make_unique<RtmpSession>(*p->url, kChunkSize, RtmpSession::Role::Play);
  return writeAll(p, cancellable, p->session->start(), error);
}

// Reads once from the server and lets the session take it: replies are sent, media tags queued.
// GST_FLOW_OK, GST_FLOW_FLUSHING (unlocked), or GST_FLOW_ERROR (posted).
GstFlowReturn readOnce(GstMlsRtmpSrc* self, GCancellable* cancellable) {
  Private* p = self->priv;
  GError* error = nullptr;
  GInputStream* in = g_io_stream_get_input_stream(p->connection);
  const gssize n =
      g_input_stream_read(in, p->read_buffer.data(), p->read_buffer.size(), cancellable, &error);
  if (n < 0) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_error_free(error);
      return GST_FLOW_FLUSHING;
    }
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("No data from the RTMP server for %u s", p->timeout),
                        ("%s: %s", p->url->masked().c_str(), error->message));
    } else {
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Could not read from the RTMP server"),
                        ("%s: %s", p->url->masked().c_str(), error->message));
    }
    g_error_free(error);
    return GST_FLOW_ERROR;
  }
  if (n == 0) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("The RTMP server closed the connection"),
                      ("%s", p->url->masked().c_str()));
    return GST_FLOW_ERROR;
  }
  std::vector<std::vector<std::uint8_t>> urgent, ordered;
  if (!p->session->receive(p->read_buffer.data(), static_cast<std::size_t>(n), urgent, ordered)) {
    if (p->session->permanent()) {
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("%s", p->session->error().c_str()),
                        ("%s", p->url->masked().c_str()));
    } else {
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("%s", p->session->error().c_str()),
                        ("%s", p->url->masked().c_str()));
    }
    return GST_FLOW_ERROR;
  }
  for (auto* list : {&urgent, &ordered}) {
    for (const auto& bytes : *list) {
      if (writeAll(p, cancellable, bytes, &error)) continue;
      const bool cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      if (!cancelled)
        GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Could not write to the RTMP server"),
                          ("%s: %s", p->url->masked().c_str(), error->message));
      g_error_free(error);
      return cancelled ? GST_FLOW_FLUSHING : GST_FLOW_ERROR;
    }
  }
  for (const RtmpMessage& m : p->session->takeMedia()) appendTags(m, p->ready);
  return GST_FLOW_OK;
}

// ---- GstBaseSrc / GstPushSrc vfuncs -------------------------------------------------------

gboolean srcStart(GstBaseSrc* base) noexcept {
  auto* self = GST_MLS_RTMP_SRC(base);
  Private* p = self->priv;
  std::string location;
  {
    std::lock_guard<std::mutex> guard(p->lock);
    location = p->location;
    p->timeout = p->timeout_s;
    p->validate = p->tls_validate;
    renewCancellable(p);
  }
  std::string error;
  p->url = mls::fanout::parseRtmpUrl(location, error);
  if (!p->url) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("Invalid RTMP location"), ("%s", error.c_str()));
    return FALSE;
  }
  p->header_sent = false;
  p->read_buffer.resize(kReadSize);
  return TRUE;
}

gboolean srcStop(GstBaseSrc* base) noexcept {
  Private* p = GST_MLS_RTMP_SRC(base)->priv;
  closeConnection(p);
  for (GstBuffer* b : p->ready) gst_buffer_unref(b);
  p->ready.clear();
  p->read_buffer.clear();
  p->read_buffer.shrink_to_fit();
  std::lock_guard<std::mutex> guard(p->lock);
  dropCancellable(p);
  return TRUE;
}

gboolean srcUnlock(GstBaseSrc* base) noexcept {
  Private* p = GST_MLS_RTMP_SRC(base)->priv;
  std::lock_guard<std::mutex> guard(p->lock);
  if (p->cancellable) g_cancellable_cancel(p->cancellable);
  return TRUE;
}

gboolean srcUnlockStop(GstBaseSrc* base) noexcept {
  Private* p = GST_MLS_RTMP_SRC(base)->priv;
  std::lock_guard<std::mutex> guard(p->lock);
  renewCancellable(p);
  return TRUE;
}

GstFlowReturn srcCreate(GstPushSrc* push, GstBuffer** out) noexcept {
  auto* self = GST_MLS_RTMP_SRC(push);
  Private* p = self->priv;
  if (!p->header_sent) {
    p->header_sent = true;
    *out = fileHeader();
    return GST_FLOW_OK;
  }
  GCancellable* cancellable = currentCancellable(p);
  GstFlowReturn ret = GST_FLOW_OK;
  while (p->ready.empty()) {
    if (p->session && p->session->ended()) {
      GST_INFO_OBJECT(self, "%s: the publisher stopped", p->url->masked().c_str());
      ret = GST_FLOW_EOS;
      break;
    }
    if (!p->connection) {
      GError* error = nullptr;
      if (!connect(self, cancellable, &error)) {
        const bool cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        if (!cancelled)
          GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not connect to the RTMP server"),
                            ("%s: %s", p->url->masked().c_str(), error->message));
        g_error_free(error);
        closeConnection(p);
        ret = cancelled ? GST_FLOW_FLUSHING : GST_FLOW_ERROR;
        break;
      }
    }
    ret = readOnce(self, cancellable);
    if (ret != GST_FLOW_OK) break;
  }
  if (cancellable) g_object_unref(cancellable);
  if (ret != GST_FLOW_OK) return ret;
  *out = p->ready.front();
  p->ready.pop_front();
  return GST_FLOW_OK;
}

// ---- GObject ------------------------------------------------------------------------------

void setProperty(GObject* object, guint id, const GValue* value, GParamSpec* pspec) noexcept {
  Private* p = GST_MLS_RTMP_SRC(object)->priv;
  std::lock_guard<std::mutex> guard(p->lock);
  switch (id) {
    case PROP_LOCATION: {
      const gchar* s = g_value_get_string(value);
      p->location = s ? s : "";
      break;
    }
    case PROP_TIMEOUT:
      p->timeout_s = g_value_get_uint(value);
      break;
    case PROP_TLS_VALIDATE:
      p->tls_validate = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

void getProperty(GObject* object, guint id, GValue* value, GParamSpec* pspec) noexcept {
  Private* p = GST_MLS_RTMP_SRC(object)->priv;
  std::lock_guard<std::mutex> guard(p->lock);
  switch (id) {
    case PROP_LOCATION: {
      // Read back with the stream key masked, as every mls element does.
      std::string error;
      auto url = mls::fanout::parseRtmpUrl(p->location, error);
      g_value_set_string(value, url ? url->masked().c_str() : nullptr);
      break;
    }
    case PROP_TIMEOUT:
      g_value_set_uint(value, p->timeout_s);
      break;
    case PROP_TLS_VALIDATE:
      g_value_set_boolean(value, p->tls_validate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

void finalize(GObject* object) noexcept {
  auto* self = GST_MLS_RTMP_SRC(object);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(gst_mls_rtmp_src_parent_class)->finalize(object);
}

}  // namespace

static void gst_mls_rtmp_src_init(GstMlsRtmpSrc* self) {
  self->priv = new Private();
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

static void gst_mls_rtmp_src_class_init(GstMlsRtmpSrcClass* klass) {
  GST_DEBUG_CATEGORY_INIT(mls_rtmp_src_debug, "mlsrtmpsrc", 0, "mls RTMP source");
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* base_class = GST_BASE_SRC_CLASS(klass);
  auto* push_class = GST_PUSH_SRC_CLASS(klass);
  gobject_class->set_property = setProperty;
  gobject_class->get_property = getProperty;
  gobject_class->finalize = finalize;

  constexpr auto rw_ready = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                     GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "The stream to play, rtmp[s]://host[:port]/app/stream; reads back with "
                          "the stream name masked",
                          nullptr, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_TIMEOUT,
      g_param_spec_uint("timeout", "Timeout",
                        "Seconds to connect, and that the server may send nothing, before the "
                        "element fails with an error",
                        1, 3600, kDefaultTimeoutS, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_TLS_VALIDATE,
      g_param_spec_boolean("tls-validate", "TLS validate", "Validate rtmps:// server certificates",
                           TRUE, rw_ready));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "RTMP source", "Source/Network",
      "Plays one RTMP/RTMPS stream as FLV, reading the socket on its streaming thread",
      "mls project");

  base_class->start = srcStart;
  base_class->stop = srcStop;
  base_class->unlock = srcUnlock;
  base_class->unlock_stop = srcUnlockStop;
  push_class->create = srcCreate;
}
