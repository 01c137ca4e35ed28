// GstMlsRtmpFanout: properties, action signals, caps and buffers of the mlsrtmpfanout element;
// the network side lives in FanoutEngine (see gstmlsrtmpfanout.h and plugins/README.md).
#include "gstmlsrtmpfanout.h"

#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "fanout_engine.h"
#include "flv_parser.h"
#include "packet.h"
#include "rtmp_url.h"

GST_DEBUG_CATEGORY_STATIC(mls_rtmp_fanout_debug);
#define GST_CAT_DEFAULT mls_rtmp_fanout_debug

using mls::fanout::DestinationStats;
using mls::fanout::FanoutEngine;
using mls::fanout::FanoutSettings;
using mls::fanout::RtmpUrl;

namespace {

constexpr const char* kLocationId = "location";
constexpr guint kDefaultEosTimeoutMs = 3000;

struct Configured {
  std::string id;
  RtmpUrl url;
};

struct Private {
  std::mutex lock;
  FanoutSettings settings;                    // protected by lock
  guint eosTimeoutMs = kDefaultEosTimeoutMs;  // protected by lock
  std::vector<Configured> destinations;       // protected by lock: the configured set, in order
  std::unique_ptr<FanoutEngine> engine;       // protected by lock; exists from start() to stop()

  // Streaming thread only.
  mls::fanout::FlvParser parser;
  bool sawVideoTag = false;
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_DESTINATIONS,
  PROP_BATCH_WINDOW_MS,
  PROP_MAX_BACKLOG_BYTES,
  PROP_CHUNK_SIZE,
  PROP_GOP_CACHE,
  PROP_MAX_GOP_BYTES,
  PROP_RECONNECT_MIN_MS,
  PROP_RECONNECT_MAX_MS,
  PROP_TIMEOUT_MS,
  PROP_EOS_TIMEOUT_MS,
  PROP_TLS_VALIDATE,
  PROP_STATS,
};

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-flv"));

}  // namespace

struct _GstMlsRtmpFanout {
  GstBaseSink parent;
  Private* priv;
};

G_DEFINE_TYPE(GstMlsRtmpFanout, gst_mls_rtmp_fanout, GST_TYPE_BASE_SINK)
GST_ELEMENT_REGISTER_DEFINE(mlsrtmpfanout, "mlsrtmpfanout", GST_RANK_NONE, GST_TYPE_MLS_RTMP_FANOUT)

namespace {

GstStructure* statsStructure(const DestinationStats& s) {
  return gst_structure_new("mls-rtmp-fanout-destination", "id", G_TYPE_STRING, s.id.c_str(), "url",
                           G_TYPE_STRING, s.url.c_str(), "state", G_TYPE_STRING,
                           mls::fanout::stateName(s.state), "error", G_TYPE_STRING, s.error.c_str(),
                           "bytes", G_TYPE_UINT64, static_cast<guint64>(s.bytes), "messages",
                           G_TYPE_UINT64, static_cast<guint64>(s.messages), "dropped",
                           G_TYPE_UINT64, static_cast<guint64>(s.dropped), "drop-episodes",
                           G_TYPE_UINT64, static_cast<guint64>(s.dropEpisodes), "reconnects",
                           G_TYPE_UINT, static_cast<guint>(s.reconnects), "backlog-bytes",
                           G_TYPE_UINT64, static_cast<guint64>(s.backlogBytes), nullptr);
}

// Loop thread: a destination changed state.
void report(GstMlsRtmpFanout* self, const DestinationStats& s) {
  GST_INFO_OBJECT(self, "destination %s (%s): %s%s%s", s.id.c_str(), s.url.c_str(),
                  mls::fanout::stateName(s.state),
                  s.error.empty() ? "" : ", last error: ", s.error.c_str());
  gst_element_post_message(GST_ELEMENT(self),
                           gst_message_new_element(GST_OBJECT(self), statsStructure(s)));
}

// Adds or replaces `id` in the configured set (and in the running engine). Lock held.
void putDestination(GstMlsRtmpFanout* self, const std::string& id, const RtmpUrl& url) {
  Private* p = self->priv;
  bool found = false;
  for (Configured& c : p->destinations) {
    if (c.id != id) continue;
    found = true;
    if (c.url.original == url.original) return;  // unchanged: keep its connection
    c.url = url;
  }
  if (!found) p->destinations.push_back({id, url});
  if (p->engine) p->engine->add(id, url);
}

// Removes `id`; false if it is not configured. Lock held.
bool dropDestination(GstMlsRtmpFanout* self, const std::string& id) {
  Private* p = self->priv;
  for (auto it = p->destinations.begin(); it != p->destinations.end(); ++it) {
    if (it->id != id) continue;
    p->destinations.erase(it);
    if (p->engine) p->engine->remove(id);
    return true;
  }
  return false;
}

bool validId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

gboolean addDestinationHandler(GstMlsRtmpFanout* self, const gchar* id, const gchar* url) noexcept {
  if (!id || !url || !validId(id)) {
    GST_WARNING_OBJECT(self, "add-destination: invalid id");
    return FALSE;
  }
  std::string error;
  auto parsed = mls::fanout::parseRtmpUrl(url, error);
  if (!parsed) {
    GST_WARNING_OBJECT(self, "add-destination %s: %s", id, error.c_str());
    return FALSE;
  }
  std::lock_guard<std::mutex> lock(self->priv->lock);
  for (const Configured& c : self->priv->destinations)
    if (c.id == id) return FALSE;  // ids are unique: remove it first to change it
  putDestination(self, id, *parsed);
  return TRUE;
}

gboolean removeDestinationHandler(GstMlsRtmpFanout* self, const gchar* id) noexcept {
  if (!id) return FALSE;
  std::lock_guard<std::mutex> lock(self->priv->lock);
  return dropDestination(self, id);
}

// "id=url id=url …" or plain URLs (then ids dest0, dest1…). Lock held: invalid entries are
// reported in `warnings`, posted by the caller once the lock is released.
void setDestinations(GstMlsRtmpFanout* self, const gchar* text,
                     std::vector<std::string>& warnings) {
  std::vector<std::pair<std::string, RtmpUrl>> wanted;
  std::istringstream in(text ? text : "");
  int index = 0;
  for (std::string entry; in >> entry; ++index) {
    std::string id = "dest" + std::to_string(index);
    std::string url = entry;
    const std::size_t eq = entry.find('=');
    const std::size_t scheme = entry.find("://");
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      id = entry.substr(0, eq);
      url = entry.substr(eq + 1);
    }
    std::string error;
    auto parsed = mls::fanout::parseRtmpUrl(url, error);
    if (!validId(id) || !parsed) {
      warnings.push_back("destination " + std::to_string(index) + " (" + id +
                         "): " + (parsed ? "invalid id" : error));
      continue;
    }
    wanted.emplace_back(id, *parsed);
  }
  std::vector<std::string> stale;
  for (const Configured& c : self->priv->destinations) {
    bool keep = false;
    for (const auto& w : wanted) keep = keep || w.first == c.id;
    if (!keep) stale.push_back(c.id);
  }
  for (const std::string& id : stale) dropDestination(self, id);
  for (const auto& [id, url] : wanted) putDestination(self, id, url);
}

std::string getDestinations(GstMlsRtmpFanout* self) {
  std::string out;
  for (const Configured& c : self->priv->destinations)
    out += (out.empty() ? "" : " ") + c.id + "=" + c.url.masked();
  return out;
}

GstStructure* getStats(GstMlsRtmpFanout* self) {
  std::vector<DestinationStats> stats;
  {
    std::lock_guard<std::mutex> lock(self->priv->lock);
    if (self->priv->engine) {
      stats = self->priv->engine->stats();
    } else {
      for (const Configured& c : self->priv->destinations) {
        DestinationStats s;
        s.id = c.id;
        s.url = c.url.masked();
        stats.push_back(s);
      }
    }
  }
  GValue array = G_VALUE_INIT;
  gst_value_array_init(&array, stats.size());
  for (const DestinationStats& s : stats) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&v, statsStructure(s));
    gst_value_array_append_and_take_value(&array, &v);
  }
  GstStructure* result = gst_structure_new_empty("mls-rtmp-fanout-stats");
  gst_structure_take_value(result, "destinations", &array);
  return result;
}

void processTags(GstMlsRtmpFanout* self, std::vector<mls::fanout::PacketPtr>& packets) {
  Private* p = self->priv;
  guint chunk_size;
  {
    std::lock_guard<std::mutex> lock(p->lock);
    chunk_size = p->settings.chunkSize;
  }
  while (auto tag = p->parser.next()) {
    if (tag->type == mls::fanout::kFlvVideo) p->sawVideoTag = true;
    const bool has_video = p->parser.sawHeader() ? p->parser.headerHasVideo() : p->sawVideoTag;
    packets.push_back(mls::fanout::makePacket(*tag, chunk_size, has_video));
  }
}

bool feed(GstMlsRtmpFanout* self, GstBuffer* buffer) {
  Private* p = self->priv;
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return false;
  const bool ok = p->parser.feed(map.data, map.size);
  gst_buffer_unmap(buffer, &map);
  if (!ok) {
    GST_ELEMENT_ERROR(self, STREAM, DEMUX, ("Malformed FLV stream"),
                      ("%s", p->parser.error().c_str()));
    return false;
  }
  std::vector<mls::fanout::PacketPtr> packets;
  processTags(self, packets);
  if (packets.empty()) return true;
  std::lock_guard<std::mutex> lock(p->lock);
  if (p->engine) p->engine->submit(std::move(packets));
  return true;
}

// ---- GstBaseSink vfuncs -------------------------------------------------------------------

gboolean fanoutStart(GstBaseSink* sink) noexcept {
  auto* self = GST_MLS_RTMP_FANOUT(sink);
  Private* p = self->priv;
  std::lock_guard<std::mutex> lock(p->lock);
  p->parser = mls::fanout::FlvParser();
  p->sawVideoTag = false;
  p->engine = std::make_unique<FanoutEngine>(
      p->settings, [self](const DestinationStats& s) { report(self, s); },
      [self](bool entering) {
        // From the loop thread: which thread is this element's (thread audits, tracers).
        gst_element_post_message(
            GST_ELEMENT(self),
            gst_message_new_stream_status(
                GST_OBJECT(self),
                entering ? GST_STREAM_STATUS_TYPE_ENTER : GST_STREAM_STATUS_TYPE_LEAVE,
                GST_ELEMENT(self)));
      });
  for (const Configured& c : p->destinations) p->engine->add(c.id, c.url);
  return TRUE;
}

gboolean fanoutStop(GstBaseSink* sink) noexcept {
  auto* self = GST_MLS_RTMP_FANOUT(sink);
  std::unique_ptr<FanoutEngine> engine;
  {
    std::lock_guard<std::mutex> lock(self->priv->lock);
    engine = std::move(self->priv->engine);
  }
  engine.reset();  // closes every connection and joins the loop thread (outside the lock)
  return TRUE;
}

gboolean fanoutSetCaps(GstBaseSink* sink, GstCaps* caps) noexcept {
  auto* self = GST_MLS_RTMP_FANOUT(sink);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const GValue* headers = gst_structure_get_value(s, "streamheader");
  if (!headers || !GST_VALUE_HOLDS_ARRAY(headers)) return TRUE;
  // The FLV header, onMetaData and the sequence headers: the same buffers also come in-band; the
  // GOP cache recognises repeated headers and they are not sent twice.
  for (guint i = 0; i < gst_value_array_get_size(headers); ++i) {
    const GValue* v = gst_value_array_get_value(headers, i);
    if (!GST_VALUE_HOLDS_BUFFER(v)) continue;
    if (!feed(self, gst_value_get_buffer(v))) return FALSE;
  }
  return TRUE;
}

GstFlowReturn fanoutRender(GstBaseSink* sink, GstBuffer* buffer) noexcept {
  return feed(GST_MLS_RTMP_FANOUT(sink), buffer) ? GST_FLOW_OK : GST_FLOW_ERROR;
}

gboolean fanoutEvent(GstBaseSink* sink, GstEvent* event) noexcept {
  auto* self = GST_MLS_RTMP_FANOUT(sink);
  Private* p = self->priv;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_EOS: {
      FanoutEngine* engine;
      guint timeout;
      {
        std::lock_guard<std::mutex> lock(p->lock);
        engine = p->engine.get();  // lives until stop(), which joins the loop thread
        timeout = p->eosTimeoutMs;
      }
      if (!engine) break;  // not started: GstBaseSink posts EOS at once
      // Nobody waits for the unpublish: the loop thread posts EOS once every destination has
      // ended (or eos-timeout-ms passed). The thread that sent the EOS (a streaming thread, or
      // an application pushing straight into the pad) is free at once.
      const guint32 seqnum = gst_event_get_seqnum(event);
      engine->finishAsync(timeout, [self, timeout, seqnum](bool in_time) {
        if (!in_time)
          GST_WARNING_OBJECT(self, "not every destination unpublished within %u ms", timeout);
        GstMessage* eos = gst_message_new_eos(GST_OBJECT(self));
        gst_message_set_seqnum(eos, seqnum);
        gst_element_post_message(GST_ELEMENT(self), eos);
      });
      gst_event_unref(event);
      return TRUE;
    }
    case GST_EVENT_FLUSH_STOP:
      p->parser.reset();
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS(gst_mls_rtmp_fanout_parent_class)->event(sink, event);
}

// ---- GObject ------------------------------------------------------------------------------

void setPropertyLocked(GstMlsRtmpFanout* self, guint id, const GValue* value, GParamSpec* pspec,
                       std::vector<std::string>& warnings);

void setProperty(GObject* object, guint id, const GValue* value, GParamSpec* pspec) noexcept {
  auto* self = GST_MLS_RTMP_FANOUT(object);
  std::vector<std::string> warnings;
  setPropertyLocked(self, id, value, pspec, warnings);
  // Posted without the lock: a bus sync handler may read the element's properties.
  for (const std::string& w : warnings)
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("Invalid destination ignored"),
                        ("%s", w.c_str()));
}

void setPropertyLocked(GstMlsRtmpFanout* self, guint id, const GValue* value, GParamSpec* pspec,
                       std::vector<std::string>& warnings) {
  Private* p = self->priv;
  GObject* object = G_OBJECT(self);
  std::lock_guard<std::mutex> lock(p->lock);
  switch (id) {
    case PROP_LOCATION: {
      const gchar* url = g_value_get_string(value);
      if (!url || !*url) {
        dropDestination(self, kLocationId);
        break;
      }
      std::string error;
      auto parsed = mls::fanout::parseRtmpUrl(url, error);
      if (!parsed) {
        warnings.push_back("location: " + error);
        break;
      }
      putDestination(self, kLocationId, *parsed);
      break;
    }
    case PROP_DESTINATIONS:
      setDestinations(self, g_value_get_string(value), warnings);
      break;
    case PROP_BATCH_WINDOW_MS:
      p->settings.batchWindowMs = g_value_get_uint(value);
      break;
    case PROP_MAX_BACKLOG_BYTES:
      p->settings.maxBacklogBytes = g_value_get_uint64(value);
      break;
    case PROP_CHUNK_SIZE:
      p->settings.chunkSize = g_value_get_uint(value);
      break;
    case PROP_GOP_CACHE:
      p->settings.gopCache = g_value_get_boolean(value);
      break;
    case PROP_MAX_GOP_BYTES:
      p->settings.maxGopBytes = g_value_get_uint64(value);
      break;
    case PROP_RECONNECT_MIN_MS:
      p->settings.reconnectMinMs = g_value_get_uint(value);
      break;
    case PROP_RECONNECT_MAX_MS:
      p->settings.reconnectMaxMs = g_value_get_uint(value);
      break;
    case PROP_TIMEOUT_MS:
      p->settings.timeoutMs = g_value_get_uint(value);
      break;
    case PROP_EOS_TIMEOUT_MS:
      p->eosTimeoutMs = g_value_get_uint(value);
      break;
    case PROP_TLS_VALIDATE:
      p->settings.tlsValidate = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

void getProperty(GObject* object, guint id, GValue* value, GParamSpec* pspec) noexcept {
  auto* self = GST_MLS_RTMP_FANOUT(object);
  Private* p = self->priv;
  if (id == PROP_STATS) {
    g_value_take_boxed(value, getStats(self));
    return;
  }
  std::lock_guard<std::mutex> lock(p->lock);
  switch (id) {
    case PROP_LOCATION: {
      const Configured* found = nullptr;
      for (const Configured& c : p->destinations)
        if (c.id == kLocationId) found = &c;
      g_value_set_string(value, found ? found->url.masked().c_str() : nullptr);
      break;
    }
    case PROP_DESTINATIONS:
      g_value_set_string(value, getDestinations(self).c_str());
      break;
    case PROP_BATCH_WINDOW_MS:
      g_value_set_uint(value, p->settings.batchWindowMs);
      break;
    case PROP_MAX_BACKLOG_BYTES:
      g_value_set_uint64(value, p->settings.maxBacklogBytes);
      break;
    case PROP_CHUNK_SIZE:
      g_value_set_uint(value, p->settings.chunkSize);
      break;
    case PROP_GOP_CACHE:
      g_value_set_boolean(value, p->settings.gopCache);
      break;
    case PROP_MAX_GOP_BYTES:
      g_value_set_uint64(value, p->settings.maxGopBytes);
      break;
    case PROP_RECONNECT_MIN_MS:
      g_value_set_uint(value, p->settings.reconnectMinMs);
      break;
    case PROP_RECONNECT_MAX_MS:
      g_value_set_uint(value, p->settings.reconnectMaxMs);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint(value, p->settings.timeoutMs);
      break;
    case PROP_EOS_TIMEOUT_MS:
      g_value_set_uint(value, p->eosTimeoutMs);
      break;
    case PROP_TLS_VALIDATE:
      g_value_set_boolean(value, p->settings.tlsValidate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

void finalize(GObject* object) noexcept {
  auto* self = GST_MLS_RTMP_FANOUT(object);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(gst_mls_rtmp_fanout_parent_class)->finalize(object);
}

}  // namespace

static void gst_mls_rtmp_fanout_init(GstMlsRtmpFanout* self) {
  self->priv = new Private();
  // A network sink paced by its upstream: it does not wait on the clock (see README).
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}

static void gst_mls_rtmp_fanout_class_init(GstMlsRtmpFanoutClass* klass) {
  GST_DEBUG_CATEGORY_INIT(mls_rtmp_fanout_debug, "mlsrtmpfanout", 0, "mls RTMP fan-out sink");
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* sink_class = GST_BASE_SINK_CLASS(klass);
  gobject_class->set_property = setProperty;
  gobject_class->get_property = getProperty;
  gobject_class->finalize = finalize;

  const FanoutSettings d;
  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  constexpr auto rw_ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  constexpr auto rw_playing = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "One destination, rtmp[s]://host[:port]/app/streamkey (id \"location\"); "
                          "reads back with the stream key masked",
                          nullptr, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_DESTINATIONS,
      g_param_spec_string("destinations", "Destinations",
                          "Every destination, space separated, each \"id=url\" or a bare URL "
                          "(id destN); setting it replaces the set, unchanged entries keep "
                          "their connection; reads back with stream keys masked",
                          nullptr, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_BATCH_WINDOW_MS,
      g_param_spec_uint("batch-window-ms", "Batch window",
                        "Write to each destination once per this many ms (0: on every buffer)", 0,
                        1000, d.batchWindowMs, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_MAX_BACKLOG_BYTES,
      g_param_spec_uint64("max-backlog-bytes", "Max backlog bytes",
                          "Unsent bytes per destination before it drops to the next keyframe",
                          64 * 1024, G_MAXUINT32, d.maxBacklogBytes, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_CHUNK_SIZE,
      g_param_spec_uint("chunk-size", "Chunk size", "Outgoing RTMP chunk size", 128, 65536,
                        d.chunkSize, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_GOP_CACHE,
      g_param_spec_boolean("gop-cache", "GOP cache",
                           "Send the current GOP to a (re)joining destination (else it starts "
                           "at the next keyframe)",
                           d.gopCache, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_MAX_GOP_BYTES,
      g_param_spec_uint64("max-gop-bytes", "Max GOP bytes", "A GOP larger than this is not cached",
                          0, G_MAXUINT32, d.maxGopBytes, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_MIN_MS,
      g_param_spec_uint("reconnect-min-ms", "Reconnect min",
                        "First reconnect delay (doubles per failed attempt)", 10, 600000,
                        d.reconnectMinMs, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_MAX_MS,
      g_param_spec_uint("reconnect-max-ms", "Reconnect max", "Longest reconnect delay", 10, 3600000,
                        d.reconnectMaxMs, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_TIMEOUT_MS,
      g_param_spec_uint("timeout-ms", "Timeout",
                        "Connect-to-publish deadline, and how long a peer may read nothing "
                        "while bytes wait, before the connection is retried",
                        100, 600000, d.timeoutMs, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_EOS_TIMEOUT_MS,
      g_param_spec_uint("eos-timeout-ms", "EOS timeout",
                        "On EOS, how long to wait for every destination to write its backlog "
                        "and unpublish",
                        0, 600000, kDefaultEosTimeoutMs, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_TLS_VALIDATE,
      g_param_spec_boolean("tls-validate", "TLS validate", "Validate rtmps:// server certificates",
                           d.tlsValidate, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "mls-rtmp-fanout-stats: destinations, an array of "
                         "mls-rtmp-fanout-destination structures (refreshed every 100 ms and on "
                         "every state change)",
                         GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  g_signal_new_class_handler("add-destination", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(addDestinationHandler), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);
  g_signal_new_class_handler("remove-destination", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(removeDestinationHandler), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "RTMP fan-out sink", "Sink/Network",
      "Publishes one FLV stream to many RTMP/RTMPS destinations from one event loop",
      "mls project");

  sink_class->start = fanoutStart;
  sink_class->stop = fanoutStop;
  sink_class->set_caps = fanoutSetCaps;
  sink_class->render = fanoutRender;
  sink_class->event = fanoutEvent;
}
