// The mlssegmentsink element. See gstmlssegmentsink.h and plugins/README.md.
//
// Data path: element sink pad (chain/event) → the stream's proxy src pad (owned by the element,
// not one of its pads and without a parent) → a request pad of the current segment's muxer →
// muxer → filesink. A cut links the leading stream's proxy to the new muxer and sends EOS into
// the old muxer's pad directly (gst_pad_send_event: EOS pushed through the proxy would stay
// sticky on it); every other stream moves over by itself, on its own thread, at its first buffer
// at or after the cut, so no thread ever relinks a pad another thread pushes through. Sticky
// events (stream-start, caps, segment) reach the new muxer because linking marks them pending.
//
// Locking: `lock` (with `cond`) protects the segment list, the streams' routing state, the
// leader's position and `stopping`. It is never held while pushing, sending an event into a
// muxer or changing a child's state: aggregator muxers block in chain.
#include "gstmlssegmentsink.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cut_rules.h"
#include "segments.h"

GST_DEBUG_CATEGORY(mls_segment_sink_debug);
#define GST_CAT_DEFAULT mls_segment_sink_debug

using Clock = std::chrono::steady_clock;
using mls::segment::Impl;
using mls::segment::kFollowerWait;
using mls::segment::kNone;
using mls::segment::SegmentPads;
using mls::segment::SegmentPtr;
using mls::segment::Stream;

struct _GstMlsSegmentSink {
  GstBin parent;
  Impl* impl;
};

enum {
  PROP_0,
  PROP_MAX_SIZE_TIME,
  PROP_MUXER_FACTORY,
  PROP_MUXER_PROPERTIES,
  PROP_SINK_FACTORY,
  PROP_LOCATION
};
enum { SIGNAL_FORMAT_LOCATION_FULL, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static GstStaticPadTemplate video_template =
    GST_STATIC_PAD_TEMPLATE("video", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE("audio_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE(GstMlsSegmentSink, gst_mls_segment_sink, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(mlssegmentsink, "mlssegmentsink", GST_RANK_NONE,
                            GST_TYPE_MLS_SEGMENT_SINK)

namespace {

GstMlsSegmentSink* selfOf(GstObject* parent) { return GST_MLS_SEGMENT_SINK(parent); }
Stream* streamOf(GstPad* pad) { return static_cast<Stream*>(gst_pad_get_element_private(pad)); }

// The leader cuts segments: the video stream, else the first stream. Under lock.
Stream* leader(Impl& impl) {
  for (auto& s : impl.streams)
    if (s->video) return s.get();
  return impl.streams.empty() ? nullptr : impl.streams.front().get();
}

// What the muxer accepts for a stream, for caps queries before any muxer exists (a parser
// upstream picks avc or byte-stream H.264 from them).
GstCaps* muxerCaps(GstMlsSegmentSink* self, bool video) {
  std::string name;
  GST_OBJECT_LOCK(self);
  name = self->impl->muxer_factory;
  GST_OBJECT_UNLOCK(self);
  g_autoptr(GstElementFactory) factory = gst_element_factory_find(name.c_str());
  GstStaticPadTemplate* t = factory ? mls::segment::muxerTemplate(factory, video) : nullptr;
  return t ? gst_static_pad_template_get_caps(t) : gst_caps_new_any();
}

// Streaming thread of `stream`: the file name of segment `id`, which starts with `buffer`: from
// format-location-full, else the location pattern. Null after posting an error.
gchar* segmentLocation(GstMlsSegmentSink* self, Stream& stream, GstBuffer* buffer, guint id) {
  std::string pattern;
  GST_OBJECT_LOCK(self);
  pattern = self->impl->location;
  GST_OBJECT_UNLOCK(self);
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(stream.sinkpad);
  g_autoptr(GstSample) sample = gst_sample_new(buffer, caps, &stream.segment, nullptr);
  gchar* location = nullptr;
  g_signal_emit(self, signals[SIGNAL_FORMAT_LOCATION_FULL], 0, id, sample, &location);
  if (!location && !pattern.empty()) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    location = g_strdup_printf(pattern.c_str(), id);
#pragma GCC diagnostic pop
  }
  if (!location) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No file name for segment %u", id),
                      ("set location or answer format-location-full"));
  }
  return location;
}

// Streaming thread of the leader: segment `id`, starting with `buffer` at `start`.
SegmentPtr startSegment(GstMlsSegmentSink* self, Stream& stream, GstBuffer* buffer,
                        GstClockTime start, guint id) {
  g_autofree gchar* location = segmentLocation(self, stream, buffer, id);
  if (!location) return nullptr;
  return mls::segment::openSegment(GST_ELEMENT(self), *self->impl, stream, location, start, id);
}

GstClockTime runningTime(const Stream& stream, GstBuffer* buffer) {
  GstClockTime ts =
      GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer) : GST_BUFFER_DTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(ts) || stream.segment.format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time(&stream.segment, GST_FORMAT_TIME, ts);
}

GstFlowReturn chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  GstMlsSegmentSink* self = selfOf(parent);
  Impl& impl = *self->impl;
  Stream& stream = *streamOf(pad);
  GstClockTime rt = runningTime(stream, buffer);
  bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_OBJECT_LOCK(self);
  guint64 max_size_time = impl.max_size_time;
  GST_OBJECT_UNLOCK(self);

  std::unique_lock<std::mutex> lk(impl.lock);
  if (impl.stopping || stream.flushing) {
    gst_buffer_unref(buffer);
    return GST_FLOW_FLUSHING;
  }
  SegmentPtr target;
  if (&stream == leader(impl)) {
    if (GST_CLOCK_TIME_IS_VALID(rt) &&
        (impl.leader_position == kNone || rt > impl.leader_position)) {
      impl.leader_position = rt;
      impl.cond.notify_all();
    }
    bool have = impl.current != nullptr;
    if (!have && !keyframe) {
      GST_DEBUG_OBJECT(pad, "dropping a delta unit before the first keyframe");
      gst_buffer_unref(buffer);
      return GST_FLOW_OK;
    }
    if (mls::segment::startsSegment(have, have ? impl.current->start : kNone, rt, keyframe,
                                    max_size_time)) {
      guint id = impl.next_id++;
      lk.unlock();
      SegmentPtr opened = startSegment(self, stream, buffer, rt, id);
      lk.lock();
      if (!opened) {
        gst_buffer_unref(buffer);
        return GST_FLOW_ERROR;
      }
      if (impl.stopping) {  // went down meanwhile: the state change removes it
        impl.segments.push_back(opened);
        gst_buffer_unref(buffer);
        return GST_FLOW_FLUSHING;
      }
      if (impl.current) {
        impl.current->end = rt;
        impl.current->cut_us = g_get_monotonic_time();
      }
      impl.segments.push_back(opened);
      impl.current = opened;
      impl.cond.notify_all();
    }
    target = impl.current;
  } else {
    // A follower goes ahead of the leader only where no cut can come (followerMayPass), so every
    // cut at or before its buffer is known.
    Stream* lead = leader(impl);
    auto deadline = Clock::now() + kFollowerWait;
    // Before the first segment, it also waits for the leader to open it.
    while (!impl.stopping && !stream.flushing && lead && !lead->eos &&
           (!impl.current || !mls::segment::followerMayPass(rt, impl.leader_position,
                                                            impl.current->start, max_size_time))) {
      if (impl.cond.wait_until(lk, deadline) == std::cv_status::timeout) {
        GST_LOG_OBJECT(pad, "the leader is late: writing without it");
        break;
      }
    }
    if (impl.stopping || stream.flushing) {
      gst_buffer_unref(buffer);
      return GST_FLOW_FLUSHING;
    }
    if (!impl.current || impl.segments.empty()) {
      GST_LOG_OBJECT(pad, "dropping a buffer before the first segment");
      gst_buffer_unref(buffer);
      return GST_FLOW_OK;
    }
    std::vector<uint64_t> starts;
    size_t current = 0;
    for (size_t i = 0; i < impl.segments.size(); ++i) {
      starts.push_back(impl.segments[i]->start);
      if (impl.segments[i] == stream.target) current = i;
    }
    target = impl.segments[mls::segment::segmentFor(starts, current, rt)];
  }
  bool move = stream.target != target;
  stream.target = target;
  stream.pushing = true;
  lk.unlock();

  if (move) mls::segment::switchStream(impl, stream, target);
  GstFlowReturn ret = gst_pad_push(stream.proxy, buffer);

  lk.lock();
  stream.pushing = false;
  // A buffer that raced with the end of its segment (EOS sent into it because this stream was
  // silent too long) is dropped, not an error.
  if (ret != GST_FLOW_OK && !impl.stopping && !stream.flushing && target->removed)
    ret = GST_FLOW_OK;
  if (ret == GST_FLOW_EOS && !stream.eos && stream.index < target->ended.size() &&
      target->ended[stream.index])
    ret = GST_FLOW_OK;
  auto stale = mls::segment::takeStalePads(impl);
  lk.unlock();
  mls::segment::endPads(stale);
  return ret;
}

gboolean sinkEvent(GstPad* pad, GstObject* parent, GstEvent* event) {
  GstMlsSegmentSink* self = selfOf(parent);
  Impl& impl = *self->impl;
  Stream& stream = *streamOf(pad);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment(event, &stream.segment);
      break;
    case GST_EVENT_FLUSH_START: {
      std::lock_guard<std::mutex> guard(impl.lock);
      stream.flushing = true;
      impl.cond.notify_all();
      break;
    }
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard<std::mutex> guard(impl.lock);
      stream.flushing = false;
      gst_segment_init(&stream.segment, GST_FORMAT_UNDEFINED);
      break;
    }
    case GST_EVENT_EOS: {
      SegmentPads older;
      SegmentPtr target;
      bool all_ended = true;
      bool nothing_written = false;
      {
        std::lock_guard<std::mutex> guard(impl.lock);
        stream.eos = true;
        impl.cond.notify_all();
        // The segment the proxy is linked to gets the EOS through it; every other one still
        // alive (older ones it has not left yet, newer ones it never reached) directly.
        target = stream.target;
        if (target && stream.index < target->ended.size()) target->ended[stream.index] = true;
        older = mls::segment::takeOlderPads(impl, stream, nullptr);
        for (auto& s : impl.streams) all_ended = all_ended && s->eos;
        // Nothing was ever written: no filesink will end, so the bin ends itself.
        nothing_written = all_ended && !impl.current;
      }
      mls::segment::endPads(older);
      if (!target) {
        gst_event_unref(event);
        if (nothing_written) {
          GST_INFO_OBJECT(self, "EOS before any segment");
          gst_element_post_message(GST_ELEMENT(self), gst_message_new_eos(GST_OBJECT(self)));
        }
        return TRUE;
      }
      return gst_pad_push_event(stream.proxy, event);
    }
    default:
      break;
  }
  // Sticky events are stored on the proxy even while it is not linked (TRUE), and reach the
  // muxer it is linked to next.
  gst_pad_push_event(stream.proxy, event);
  return TRUE;
}

gboolean sinkQuery(GstPad* pad, GstObject* parent, GstQuery* query) {
  GstMlsSegmentSink* self = selfOf(parent);
  Stream& stream = *streamOf(pad);
  GST_LOG_OBJECT(pad, "query %s", GST_QUERY_TYPE_NAME(query));
  // Serialized queries (allocation, drain) are answered here: an aggregator muxer holds them
  // until it has consumed the pad's queue, which can take the other streams' data, and those
  // may be waiting for this one.
  if ((static_cast<unsigned>(GST_QUERY_TYPE(query)) & GST_QUERY_TYPE_SERIALIZED) != 0)
    return gst_pad_query_default(pad, parent, query);
  if (gst_pad_is_linked(stream.proxy) && gst_pad_peer_query(stream.proxy, query)) return TRUE;
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_CAPS: {
      GstCaps* filter = nullptr;
      gst_query_parse_caps(query, &filter);
      g_autoptr(GstCaps) caps = muxerCaps(self, stream.video);
      if (filter) {
        GstCaps* both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_query_set_caps_result(query, both);
        gst_caps_unref(both);
      } else {
        gst_query_set_caps_result(query, caps);
      }
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS: {
      GstCaps* caps = nullptr;
      gst_query_parse_accept_caps(query, &caps);
      g_autoptr(GstCaps) accepted = muxerCaps(self, stream.video);
      gst_query_set_accept_caps_result(query, gst_caps_can_intersect(caps, accepted));
      return TRUE;
    }
    default:
      return gst_pad_query_default(pad, parent, query);
  }
}

// The proxy's upstream side: queries (latency, from the muxer) and events (reconfigure, QoS) go
// on upstream of the element's sink pad.
gboolean proxyQuery(GstPad* pad, GstObject*, GstQuery* query) {
  return gst_pad_peer_query(streamOf(pad)->sinkpad, query);
}
gboolean proxyEvent(GstPad* pad, GstObject*, GstEvent* event) {
  return gst_pad_push_event(streamOf(pad)->sinkpad, event);
}

// Removes every segment without finishing it (going down to READY). Application thread.
void dropSegments(GstMlsSegmentSink* self) {
  Impl& impl = *self->impl;
  std::vector<SegmentPtr> segments;
  {
    std::lock_guard<std::mutex> guard(impl.lock);
    segments = impl.segments;
    impl.current = nullptr;
    impl.leader_position = GST_CLOCK_TIME_NONE;
    for (auto& s : impl.streams) {
      s->target = nullptr;
      s->eos = false;
      s->flushing = false;
    }
  }
  for (const SegmentPtr& segment : segments)
    mls::segment::removeSegment(GST_ELEMENT(self), impl, segment);
}

}  // namespace

static GstPad* gst_mls_segment_sink_request_new_pad(GstElement* element, GstPadTemplate* templ,
                                                    const gchar* name, const GstCaps*) {
  GstMlsSegmentSink* self = GST_MLS_SEGMENT_SINK(element);
  Impl& impl = *self->impl;
  bool video = g_str_equal(GST_PAD_TEMPLATE_NAME_TEMPLATE(templ), "video");
  g_autofree gchar* pad_name = nullptr;
  {
    std::lock_guard<std::mutex> guard(impl.lock);
    if (video) {
      for (auto& s : impl.streams)
        if (s->video) return nullptr;  // one video stream
    }
    if (!impl.stopping) return nullptr;  // streams are fixed while running
  }
  GST_OBJECT_LOCK(self);
  if (video) {
    pad_name = g_strdup("video");
  } else if (name && g_str_has_prefix(name, "audio_")) {
    pad_name = g_strdup(name);
    impl.audio_pads = std::max(impl.audio_pads, (guint)g_ascii_strtoull(name + 6, nullptr, 10) + 1);
  } else {
    pad_name = g_strdup_printf("audio_%u", impl.audio_pads++);
  }
  GST_OBJECT_UNLOCK(self);

  auto stream = std::make_unique<Stream>();
  stream->video = video;
  gst_segment_init(&stream->segment, GST_FORMAT_UNDEFINED);
  GstPad* pad = gst_pad_new_from_template(templ, pad_name);
  gst_pad_set_chain_function(pad, chain);
  gst_pad_set_event_function(pad, sinkEvent);
  gst_pad_set_query_function(pad, sinkQuery);
  gst_pad_set_element_private(pad, stream.get());
  g_autofree gchar* proxy_name = g_strdup_printf("%s-proxy", pad_name);
  stream->proxy = gst_pad_new(proxy_name, GST_PAD_SRC);
  // Not parented to the element: GstBin's sorted iteration locks the parent element of each
  // peer pad while it holds the bin's own lock, so a proxy whose parent is the bin deadlocks
  // every state change.
  gst_object_ref_sink(stream->proxy);
  gst_pad_set_query_function(stream->proxy, proxyQuery);
  gst_pad_set_event_function(stream->proxy, proxyEvent);
  gst_pad_set_element_private(stream->proxy, stream.get());
  stream->sinkpad = pad;
  {
    std::lock_guard<std::mutex> guard(impl.lock);
    stream->index = impl.streams.size();
    impl.streams.push_back(std::move(stream));
  }
  gst_element_add_pad(element, pad);
  return pad;
}

static void gst_mls_segment_sink_release_pad(GstElement* element, GstPad* pad) {
  GstMlsSegmentSink* self = GST_MLS_SEGMENT_SINK(element);
  // Streams stay until the element is disposed (their index is their muxer pad's); releasing
  // only detaches the pad from the element.
  Stream* stream = streamOf(pad);
  if (stream) {
    std::lock_guard<std::mutex> guard(self->impl->lock);
    stream->eos = true;  // followers no longer wait for it
    self->impl->cond.notify_all();
  }
  gst_element_remove_pad(element, pad);
}

static GstStateChangeReturn gst_mls_segment_sink_change_state(GstElement* element,
                                                              GstStateChange transition) {
  GstMlsSegmentSink* self = GST_MLS_SEGMENT_SINK(element);
  Impl& impl = *self->impl;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    std::vector<GstPad*> proxies;
    {
      std::lock_guard<std::mutex> guard(impl.lock);
      impl.stopping = false;
      for (auto& s : impl.streams) proxies.push_back(s->proxy);
    }
    for (GstPad* proxy : proxies) gst_pad_set_active(proxy, TRUE);
  } else if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    std::lock_guard<std::mutex> guard(impl.lock);
    impl.stopping = true;  // wakes and refuses every waiting or arriving buffer
    impl.cond.notify_all();
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_mls_segment_sink_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    std::vector<GstPad*> proxies;
    {
      std::lock_guard<std::mutex> guard(impl.lock);
      for (auto& s : impl.streams) proxies.push_back(s->proxy);
    }
    for (GstPad* proxy : proxies) gst_pad_set_active(proxy, FALSE);  // clears sticky events
    dropSegments(self);
    GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);  // GstBin unset it with the last filesink
  }
  return ret;
}

// Old segments' sinks end here: the segment is reported closed and removed off this thread.
// Their EOS still goes to GstBin, which posts the bin's EOS only once every sink it holds has
// one, i.e. when the current segment ends too.
static void gst_mls_segment_sink_handle_message(GstBin* bin, GstMessage* message) {
  GstMlsSegmentSink* self = GST_MLS_SEGMENT_SINK(bin);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
    SegmentPtr segment;
    bool last = false;
    {
      std::lock_guard<std::mutex> guard(self->impl->lock);
      for (const SegmentPtr& s : self->impl->segments)
        if (GST_MESSAGE_SRC(message) == GST_OBJECT(s->sink)) segment = s;
      last = segment && segment == self->impl->current;
    }
    if (segment) {
      GstClockTime end = segment->end;
      if (last) {
        std::lock_guard<std::mutex> guard(self->impl->lock);
        end = self->impl->leader_position;
      }
      GST_INFO_OBJECT(self, "segment %u closed: %s", segment->id, segment->location.c_str());
      mls::segment::postSegmentMessage(GST_ELEMENT(self), "splitmuxsink-fragment-closed",
                                       segment->location, end);
      if (!last) {
        mls::segment::removeSegmentLater(GST_ELEMENT(self), *self->impl, segment);
      }
    }
  }
  GST_BIN_CLASS(gst_mls_segment_sink_parent_class)->handle_message(bin, message);
}

static void gst_mls_segment_sink_set_property(GObject* object, guint id, const GValue* value,
                                              GParamSpec* pspec) {
  GstMlsSegmentSink* self = GST_MLS_SEGMENT_SINK(object);
  Impl& impl = *self->impl;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MAX_SIZE_TIME:
      impl.max_size_time = g_value_get_uint64(value);
      break;
    case PROP_MUXER_FACTORY:
      impl.muxer_factory = g_value_get_string(value) ? g_value_get_string(value) : "mp4mux";
      break;
    case PROP_SINK_FACTORY:
      impl.sink_factory = g_value_get_string(value) ? g_value_get_string(value) : "filesink";
      break;
    case PROP_LOCATION:
      impl.location = g_value_get_string(value) ? g_value_get_string(value) : "";
      break;
    case PROP_MUXER_PROPERTIES:
      if (impl.muxer_properties) gst_structure_free(impl.muxer_properties);
      impl.muxer_properties = static_cast<GstStructure*>(g_value_dup_boxed(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_mls_segment_sink_get_property(GObject* object, guint id, GValue* value,
                                              GParamSpec* pspec) {
  GstMlsSegmentSink* self = GST_MLS_SEGMENT_SINK(object);
  Impl& impl = *self->impl;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MAX_SIZE_TIME:
      g_value_set_uint64(value, impl.max_size_time);
      break;
    case PROP_MUXER_FACTORY:
      g_value_set_string(value, impl.muxer_factory.c_str());
      break;
    case PROP_SINK_FACTORY:
      g_value_set_string(value, impl.sink_factory.c_str());
      break;
    case PROP_LOCATION:
      g_value_set_string(value, impl.location.empty() ? nullptr : impl.location.c_str());
      break;
    case PROP_MUXER_PROPERTIES:
      g_value_set_boxed(value, impl.muxer_properties);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_mls_segment_sink_finalize(GObject* object) {
  GstMlsSegmentSink* self = GST_MLS_SEGMENT_SINK(object);
  for (auto& s : self->impl->streams) gst_object_unref(s->proxy);
  if (self->impl->muxer_properties) gst_structure_free(self->impl->muxer_properties);
  delete self->impl;
  G_OBJECT_CLASS(gst_mls_segment_sink_parent_class)->finalize(object);
}

static void gst_mls_segment_sink_init(GstMlsSegmentSink* self) {
  self->impl = new Impl();
  // A sink from the start, before its first filesink exists: the pipeline waits for its EOS.
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}

static void gst_mls_segment_sink_class_init(GstMlsSegmentSinkClass* klass) {
  GST_DEBUG_CATEGORY_INIT(mls_segment_sink_debug, "mlssegmentsink", 0,
                          "mls segmenting sink that holds no GOP");
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* bin_class = GST_BIN_CLASS(klass);
  gobject_class->set_property = gst_mls_segment_sink_set_property;
  gobject_class->get_property = gst_mls_segment_sink_get_property;
  gobject_class->finalize = gst_mls_segment_sink_finalize;

  auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                        GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_MAX_SIZE_TIME,
      g_param_spec_uint64("max-size-time", "Max segment time",
                          "Cut at the first video keyframe this long (ns) after the segment's "
                          "start; 0 never cuts",
                          0, G_MAXUINT64, 0, flags));
  g_object_class_install_property(
      gobject_class, PROP_MUXER_FACTORY,
      g_param_spec_string("muxer-factory", "Muxer factory",
                          "The muxer made for each segment (mp4mux, mpegtsmux, ...)", "mp4mux",
                          flags));
  g_object_class_install_property(
      gobject_class, PROP_MUXER_PROPERTIES,
      g_param_spec_boxed("muxer-properties", "Muxer properties",
                         "Properties set on each segment's muxer", GST_TYPE_STRUCTURE, flags));
  g_object_class_install_property(
      gobject_class, PROP_SINK_FACTORY,
      g_param_spec_string("sink-factory", "Sink factory",
                          "The sink made for each segment; it must have a location property",
                          "filesink", flags));
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "File name pattern",
                          "printf pattern of the segment files with the segment number (%05d), "
                          "used when format-location-full returns nothing",
                          nullptr, flags));
  signals[SIGNAL_FORMAT_LOCATION_FULL] =
      g_signal_new("format-location-full", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr,
                   nullptr, nullptr, G_TYPE_STRING, 2, G_TYPE_UINT, GST_TYPE_SAMPLE);

  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  element_class->request_new_pad = gst_mls_segment_sink_request_new_pad;
  element_class->release_pad = gst_mls_segment_sink_release_pad;
  element_class->change_state = gst_mls_segment_sink_change_state;
  bin_class->handle_message = gst_mls_segment_sink_handle_message;
  gst_element_class_set_static_metadata(
      element_class, "mls segment sink", "Generic/Bin/Muxer",
      "Writes its streams to files cut at video keyframes, a fresh muxer per file, without "
      "holding a GOP",
      "mls");
}
