// The segments of one mlssegmentsink: making a segment's muxer and filesink, moving a stream's
// proxy pad to it, ending and removing it. See segments.h.
#include "segments.h"

#include <algorithm>

#define GST_CAT_DEFAULT mls_segment_sink_debug

namespace mls::segment {
namespace {

gboolean applyProperty(GQuark field, const GValue* value, gpointer muxer) {
  const char* name = g_quark_to_string(field);
  if (!g_object_class_find_property(G_OBJECT_GET_CLASS(muxer), name)) {
    GST_WARNING_OBJECT(muxer, "muxer-properties: no property %s", name);
    return TRUE;
  }
  g_object_set_property(G_OBJECT(muxer), name, value);
  return TRUE;
}

void finalizeSegment(GstElement* element, gpointer data) {
  auto* job = static_cast<std::pair<Impl*, SegmentPtr>*>(data);
  GST_DEBUG_OBJECT(element, "removing finished segment %u", job->second->id);
  removeSegment(element, *job->first, job->second);
}

}  // namespace

GstStaticPadTemplate* muxerTemplate(GstElementFactory* factory, bool video) {
  GstStaticPadTemplate* generic = nullptr;
  for (const GList* l = gst_element_factory_get_static_pad_templates(factory); l; l = l->next) {
    auto* t = static_cast<GstStaticPadTemplate*>(l->data);
    if (t->direction != GST_PAD_SINK) continue;
    if (g_str_has_prefix(t->name_template, video ? "video" : "audio")) return t;
    if (g_str_has_prefix(t->name_template, "sink") && !generic) generic = t;
  }
  return generic;
}

// Sends EOS into each (segment, stream) pad pair. Not under lock.
void endPads(const SegmentPads& pads) {
  for (const auto& [segment, index] : pads) {
    GstPad* pad = segment->pads[index];
    if (!pad) continue;
    GST_DEBUG_OBJECT(pad, "ending segment %u for stream %zu", segment->id, index);
    gst_pad_send_event(pad, gst_event_new_eos());
  }
}

// Under lock: marks and returns the pads of `stream` in segments older than `before` (in every
// alive segment when null) that have not been ended yet.
SegmentPads takeOlderPads(Impl& impl, const Stream& stream, const Segment* before) {
  SegmentPads out;
  for (const SegmentPtr& segment : impl.segments) {
    if (before && segment->id >= before->id) break;
    if (segment->removed || stream.index >= segment->ended.size()) continue;
    if (segment->ended[stream.index]) continue;
    segment->ended[stream.index] = true;
    out.emplace_back(segment, stream.index);
  }
  return out;
}

// Under lock: pads of streams that went silent in a segment cut more than kStaleStreamUs ago,
// so that segment can finish without them.
SegmentPads takeStalePads(Impl& impl) {
  SegmentPads out;
  gint64 now = g_get_monotonic_time();
  for (const SegmentPtr& segment : impl.segments) {
    if (segment == impl.current || segment->removed || segment->cut_us == 0) continue;
    if (now - segment->cut_us < kStaleStreamUs) continue;
    for (auto& stream : impl.streams) {
      size_t i = stream->index;
      if (i >= segment->ended.size() || segment->ended[i] || stream->pushing) continue;
      GST_INFO("stream %zu sent nothing for segment %u since its cut: ending it there", i,
               segment->id);
      segment->ended[i] = true;
      out.emplace_back(segment, i);
    }
  }
  return out;
}

void postSegmentMessage(GstElement* bin, const char* name, const std::string& location,
                        GstClockTime running_time) {
  // The structure names and fields are splitmuxsink's, so mlsd's OutputPipeline and any
  // splitmuxsink-aware tool read them unchanged.
  GstStructure* s = gst_structure_new(name, "location", G_TYPE_STRING, location.c_str(),
                                      "running-time", G_TYPE_UINT64, running_time, nullptr);
  gst_element_post_message(bin, gst_message_new_element(GST_OBJECT(bin), s));
}

void removeSegment(GstElement* bin, Impl& impl, const SegmentPtr& segment) {
  gst_element_set_state(segment->sink, GST_STATE_NULL);
  gst_element_set_state(segment->muxer, GST_STATE_NULL);
  {
    std::lock_guard<std::mutex> guard(impl.lock);
    if (segment->removed) return;
    segment->removed = true;
    auto& list = impl.segments;
    list.erase(std::remove(list.begin(), list.end(), segment), list.end());
  }
  // A stream that went silent may still be linked to this muxer.
  for (GstPad* pad : segment->pads) {
    if (!pad) continue;
    g_autoptr(GstPad) peer = gst_pad_get_peer(pad);
    if (peer) gst_pad_unlink(peer, pad);
  }
  for (GstPad* pad : segment->pads)
    if (pad) gst_element_release_request_pad(segment->muxer, pad);
  if (GST_OBJECT_PARENT(segment->sink) == GST_OBJECT(bin))
    gst_bin_remove(GST_BIN(bin), segment->sink);
  if (GST_OBJECT_PARENT(segment->muxer) == GST_OBJECT(bin))
    gst_bin_remove(GST_BIN(bin), segment->muxer);
}

void removeSegmentLater(GstElement* bin, Impl& impl, const SegmentPtr& segment) {
  gst_element_call_async(
      bin, finalizeSegment, new std::pair<Impl*, SegmentPtr>(&impl, segment),
      [](gpointer data) { delete static_cast<std::pair<Impl*, SegmentPtr>*>(data); });
}

SegmentPtr openSegment(GstElement* bin, Impl& impl, Stream& stream, const std::string& location,
                       GstClockTime start, guint id) {
  std::string muxer_name, sink_name;
  GstStructure* props = nullptr;
  GST_OBJECT_LOCK(bin);
  muxer_name = impl.muxer_factory;
  sink_name = impl.sink_factory;
  if (impl.muxer_properties) props = gst_structure_copy(impl.muxer_properties);
  GST_OBJECT_UNLOCK(bin);
  g_autoptr(GstStructure) muxer_props = props;
  const char* path = location.c_str();

  g_autofree gchar* own = gst_object_get_name(GST_OBJECT(bin));
  g_autofree gchar* mux_id = g_strdup_printf("%s-mux%u", own, id);
  g_autofree gchar* sink_id = g_strdup_printf("%s-sink%u", own, id);
  GstElement* muxer = gst_element_factory_make(muxer_name.c_str(), mux_id);
  GstElement* sink = gst_element_factory_make(sink_name.c_str(), sink_id);
  if (!muxer || !sink) {
    if (muxer) gst_object_unref(gst_object_ref_sink(muxer));
    if (sink) gst_object_unref(gst_object_ref_sink(sink));
    GST_ELEMENT_ERROR(bin, CORE, MISSING_PLUGIN,
                      ("Missing element %s or %s", muxer_name.c_str(), sink_name.c_str()),
                      (nullptr));
    return nullptr;
  }
  if (muxer_props) gst_structure_foreach(muxer_props, applyProperty, muxer);
  g_object_set(sink, "location", path, nullptr);
  // A sink that prerolls would take the whole pipeline through an asynchronous state change at
  // every cut.
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "async"))
    g_object_set(sink, "async", FALSE, nullptr);
  // filesink keeps up to 64 KiB in memory by default, which a crash loses: the muxer's own
  // fragments are the only buffering wanted.
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "buffer-mode"))
    gst_util_set_object_arg(G_OBJECT(sink), "buffer-mode", "unbuffered");

  auto segment = std::make_shared<Segment>();
  segment->id = id;
  segment->muxer = GST_ELEMENT(gst_object_ref(muxer));
  segment->sink = GST_ELEMENT(gst_object_ref(sink));
  segment->location = path;
  segment->start = start;
  gst_bin_add_many(GST_BIN(bin), muxer, sink, nullptr);

  // One muxer pad per stream, configured at once with the others' sticky events, so the muxer
  // knows every track before its first buffer.
  std::vector<Stream*> streams;
  std::vector<bool> ended;  // streams that are over: their pads here are ended at once
  {
    std::lock_guard<std::mutex> guard(impl.lock);
    for (auto& s : impl.streams) {
      streams.push_back(s.get());
      ended.push_back(s->eos);
    }
  }
  segment->pads.resize(streams.size(), nullptr);
  segment->ended.resize(streams.size(), false);
  bool ok = gst_element_link(muxer, sink);
  for (Stream* s : streams) {
    if (!ok) break;
    GstStaticPadTemplate* st = muxerTemplate(gst_element_get_factory(muxer), s->video);
    GstPadTemplate* templ = st ? gst_element_get_pad_template(muxer, st->name_template) : nullptr;
    GstPad* pad = templ ? gst_element_request_pad(muxer, templ, nullptr, nullptr) : nullptr;
    if (!pad) {
      GST_ELEMENT_ERROR(
          bin, STREAM, MUX,
          ("%s has no pad for stream %s", muxer_name.c_str(), GST_PAD_NAME(s->sinkpad)), (nullptr));
      ok = false;
      break;
    }
    segment->pads[s->index] = pad;
  }
  if (ok &&
      (!gst_element_sync_state_with_parent(sink) || !gst_element_sync_state_with_parent(muxer))) {
    ok = false;  // the sink posted the error (cannot open the file)
  }
  if (!ok) {
    gst_element_set_state(sink, GST_STATE_NULL);
    gst_element_set_state(muxer, GST_STATE_NULL);
    gst_bin_remove_many(GST_BIN(bin), muxer, sink, nullptr);
    return nullptr;
  }
  for (Stream* s : streams) {
    if (s == &stream) continue;
    GstPad* pad = segment->pads[s->index];
    for (GstEventType type : {GST_EVENT_STREAM_START, GST_EVENT_CAPS, GST_EVENT_SEGMENT}) {
      GstEvent* event = gst_pad_get_sticky_event(s->proxy, type, 0);
      if (event) gst_pad_send_event(pad, event);
    }
    if (ended[s->index]) {
      segment->ended[s->index] = true;  // not yet shared: no lock needed
      gst_pad_send_event(pad, gst_event_new_eos());
    }
  }
  GST_INFO_OBJECT(bin, "segment %u opens at %" GST_TIME_FORMAT ": %s", id, GST_TIME_ARGS(start),
                  path);
  postSegmentMessage(bin, "splitmuxsink-fragment-opened", segment->location, start);
  return segment;
}

// Streaming thread: moves `stream`'s proxy from its old segment to `target`, ending its pads in
// every older segment.
void switchStream(Impl& impl, Stream& stream, const SegmentPtr& target) {
  SegmentPads older;
  {
    std::lock_guard<std::mutex> guard(impl.lock);
    older = takeOlderPads(impl, stream, target.get());
  }
  g_autoptr(GstPad) peer = gst_pad_get_peer(stream.proxy);
  if (peer) gst_pad_unlink(stream.proxy, peer);
  endPads(older);
  GstPad* pad = target->pads[stream.index];
  if (pad && gst_pad_link_full(stream.proxy, pad, GST_PAD_LINK_CHECK_NOTHING) != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT(stream.proxy, "cannot link to segment %u", target->id);
}

}  // namespace mls::segment
