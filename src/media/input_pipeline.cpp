// The pipeline of one input: source, parsing, tees and taps. See input_pipeline.h.
#include "media/input_pipeline.h"

#include "core/log.h"
#include "media/encoders.h"
#include "media/media_log.h"
#include "model/url.h"

#define GST_CAT_DEFAULT mls_input_debug

namespace mls::media {
namespace {

// Parsers expose a video stream only once they have its parameter sets, i.e. at the first
// keyframe: up to a GOP (2-10 s in broadcast) after audio. An input is ready when every parsebin
// has said no-more-pads, or, failing that, this long after its first stream.
constexpr guint kSettleMs = 12000;
constexpr guint64 kTapQueueTime = 10 * GST_SECOND;
// How long a tap's muxer waits for the other stream before it muxes what it has (see buildTap).
constexpr guint64 kTapMuxLatency = 500 * GST_MSECOND;
std::string codecOf(GstCaps* unfixed) {
  if (!unfixed || gst_caps_is_empty(unfixed) || gst_caps_is_any(unfixed)) return {};
  // Query results may hold ranges and lists (mpegversion={2,4}): pick one value of each.
  g_autoptr(GstCaps) caps = gst_caps_fixate(gst_caps_copy(unfixed));
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* name = gst_structure_get_name(s);
  if (g_str_equal(name, "video/x-h264")) return "h264";
  if (g_str_equal(name, "video/x-h265")) return "h265";
  if (g_str_equal(name, "audio/x-opus")) return "opus";
  if (g_str_equal(name, "audio/mpeg")) {
    int version = 0, layer = 0;
    gst_structure_get_int(s, "mpegversion", &version);
    if (version == 2 || version == 4) return "aac";
    // MPEG-1 audio: MP3 when the layer is 3 or not known yet. A demuxer that has not parsed the
    // stream (tsdemux: "layer=[ 1, 3 ]") offers a range, which fixating would turn into layer 1.
    const GstStructure* offered = gst_caps_get_structure(unfixed, 0);
    const bool layer_known = gst_structure_get_int(offered, "layer", &layer);
    if (version == 1 && (!layer_known || layer == 3)) return "mp3";
  }
  return {};
}

bool isVideoCodec(const std::string& codec) { return codec == "h264" || codec == "h265"; }

// Links a new branch to a stream's tee while the stream flows. The tee's new src pad must get
// the stream's sticky events (stream-start, caps, segment) before its first buffer; requested
// while the tee pushes a buffer, it sometimes did not (1.22.0: "Got data flow before
// stream-start event", then h264parse, without caps, failed the whole input with "No H.264 NAL
// unit found": measured once in ~100 churn cycles). So the pad is requested and linked from an
// IDLE probe on the tee's sink pad: at once on this thread when no buffer is in the tee, else on
// the streaming thread right after the buffer in flight.
void linkToTee(GstElement* tee, GstPad* branch_sink) {
  struct Link {
    GstElement* tee;
    GstPad* sink;
  };
  g_autoptr(GstPad) tee_sink = gst_element_get_static_pad(tee, "sink");
  gst_pad_add_probe(
      tee_sink, GST_PAD_PROBE_TYPE_IDLE,
      [](GstPad*, GstPadProbeInfo*, gpointer data) noexcept -> GstPadProbeReturn {
        auto* link = static_cast<Link*>(data);
        g_autoptr(GstPad) tee_src = gst_element_request_pad_simple(link->tee, "src_%u");
        if (tee_src) gst_pad_link(tee_src, link->sink);
        return GST_PAD_PROBE_REMOVE;
      },
      new Link{GST_ELEMENT(gst_object_ref(tee)), GST_PAD(gst_object_ref(branch_sink))},
      [](gpointer data) {
        auto* link = static_cast<Link*>(data);
        gst_object_unref(link->tee);
        gst_object_unref(link->sink);
        delete link;
      });
}

GstPadProbeReturn dropUntilKeyframe(GstPad*, GstPadProbeInfo* info, gpointer) noexcept {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_REMOVE;
}

// RTP H.264 and H.265 are depayloaded into whole access units (avc / hvc1) before parsebin.
// Left to parsebin, the depayloader hands single NAL units to the parser, which then finds the
// access units itself, by the bitstream rules. A sender that repeats SPS/PPS in front of every
// slice of a multi-slice picture (rtph264pay config-interval=-1 after a sliced x264: the usual
// gst-rtsp-server camera) then has each keyframe split in two, the second part without a
// timestamp, and flvmux never takes a video buffer after one without a timestamp: RTMP outputs
// carried audio only. In RTP the marker bit and the RTP timestamp delimit pictures (RFC 6184,
// RFC 7798), so the depayloader is where access units are formed; the parser keeps them whole.
struct RtpVideoDepay {
  const char* encoding;  // encoding-name in the RTP caps
  const char* depay;
  const char* caps;
};
constexpr RtpVideoDepay kRtpVideoDepays[] = {
    {"H264", "rtph264depay", "video/x-h264,stream-format=avc,alignment=au"},
    {"H265", "rtph265depay", "video/x-h265,stream-format=hvc1,alignment=au"},
};

}  // namespace

struct InputPipeline::Anchor {
  InputPipeline* self = nullptr;  // main thread: nulled when the pipeline is disposed
};

InputPipeline::InputPipeline(const model::InputSpec& spec, Callbacks callbacks)
    : name_(spec.name),
      loop_(spec.loop),
      callbacks_(std::move(callbacks)),
      anchor_(std::make_shared<Anchor>()) {
  anchor_->self = this;
}

InputPipeline::~InputPipeline() = default;

Result<std::unique_ptr<InputPipeline>> InputPipeline::create(
    const model::InputSpec& spec, const std::string& media_dir, const SourceDefaults& defaults,
    Callbacks callbacks, const std::vector<std::string>& publish_codecs) {
  std::unique_ptr<InputPipeline> self(new InputPipeline(spec, std::move(callbacks)));
  std::string pipeline_name = "input-" + spec.name;
  self->pipeline_ = adoptFloating(gst_pipeline_new(pipeline_name.c_str()));
  // Every mls pipeline runs on the system clock, so running times convert between them.
  g_autoptr(GstClock) clock = gst_system_clock_obtain();
  gst_pipeline_use_clock(GST_PIPELINE(self->pipeline_.get()), clock);

  auto recipe =
      buildSource(GST_BIN(self->pipeline_.get()), spec, media_dir, defaults, publish_codecs);
  if (!recipe) return fail(recipe.error());
  self->paced_ = recipe->paced;
  self->wait_for_media_ = recipe->wait_for_media;
  self->publish_sources_ = recipe->publish_sources;
  self->launch_ = runnableLaunch(recipe->launch);
  for (GstPad* pad : recipe->stream_pads) {
    self->linkStreamPad(pad);
    gst_object_unref(pad);
  }
  if (recipe->rtp_source) {
    self->discovering_.fetch_add(1);  // until rtspsrc has added all its RTP pads
    g_signal_connect(recipe->rtp_source, "pad-added", G_CALLBACK(&InputPipeline::onRtpPadAdded),
                     self.get());
    g_signal_connect(recipe->rtp_source, "no-more-pads", G_CALLBACK(&InputPipeline::onNoMorePads),
                     self.get());
  }
  if (recipe->flv_tee) {
    // Linked now, so the tap has seen the stream's header tags when an RTMP output asks for it.
    self->source_flv_ = Tap::sourceFlv(spec.name + "-source-flv");
    GstElement* sink = self->source_flv_->sink();
    gst_bin_add(GST_BIN(self->pipeline_.get()), sink);
    if (!gst_element_link(recipe->flv_tee, sink))
      return fail(ErrorCode::Internal, "cannot link the FLV tap to rtmp2src");
  }
  if (recipe->parse_from) {
    auto parsebin = makeElement("parsebin");
    if (!parsebin) return fail(parsebin.error());
    gst_bin_add(GST_BIN(self->pipeline_.get()), *parsebin);
    self->discovering_.fetch_add(1);
    g_signal_connect(*parsebin, "pad-added", G_CALLBACK(&InputPipeline::onPadAdded), self.get());
    g_signal_connect(*parsebin, "no-more-pads", G_CALLBACK(&InputPipeline::onNoMorePads),
                     self.get());
    if (!gst_element_link(recipe->parse_from, *parsebin))
      return fail(ErrorCode::Internal, "cannot link the source to parsebin");
    if (recipe->flv_tee) {
      g_autoptr(GstPad) sink = gst_element_get_static_pad(*parsebin, "sink");
      g_autoptr(GstPad) branch = gst_pad_get_peer(sink);
      self->parse_gate_ = std::make_unique<ParseGate>(spec.name, self->counters_);
      self->parse_gate_->attach(branch);
    }
  }
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(self->pipeline_.get()));
  self->bus_watch_ = gst_bus_add_watch(bus, &InputPipeline::onBusMessage, self.get());
  return self;
}

Result<void> InputPipeline::start() {
  GST_INFO_OBJECT(pipeline_.get(), "starting: %s", launch_.c_str());
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return mls::fail(ErrorCode::Internal, "the source pipeline could not start");
  }
  return {};
}

void InputPipeline::dispose(std::unique_ptr<InputPipeline> self, Reaper& reaper,
                            std::function<void()> done) {
  struct Keep : KeepAlive {
    std::unique_ptr<InputPipeline> pipeline;
  };
  self->anchor_->self = nullptr;
  if (self->bus_watch_) g_source_remove(self->bus_watch_);
  self->bus_watch_ = 0;
  self->settle_timer_.reset();
  GstElement* pipeline = GST_ELEMENT(gst_object_ref(self->pipeline_.get()));
  auto keep = std::make_unique<Keep>();
  keep->pipeline = std::move(self);
  reaper.dispose(pipeline, std::move(keep), std::move(done));
}

GstClockTime InputPipeline::baseTime() const { return gst_element_get_base_time(pipeline_.get()); }

// An RTP pad goes into a parsebin of its own; H.264 and H.265 through kRtpVideoDepays first.
void InputPipeline::onRtpPadAdded(GstElement*, GstPad* pad, gpointer data) noexcept {
  auto* self = static_cast<InputPipeline*>(data);
  GstBin* bin = GST_BIN(self->pipeline_.get());
  GstElement* parsebin = gst_element_factory_make("parsebin", nullptr);
  if (!parsebin) return;
  gst_bin_add(bin, parsebin);
  self->discovering_.fetch_add(1);
  g_signal_connect(parsebin, "pad-added", G_CALLBACK(&InputPipeline::onPadAdded), self);
  g_signal_connect(parsebin, "no-more-pads", G_CALLBACK(&InputPipeline::onNoMorePads), self);
  gst_element_sync_state_with_parent(parsebin);
  g_autoptr(GstPad) sink = gst_element_get_static_pad(parsebin, "sink");

  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure* s =
      caps && !gst_caps_is_empty(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
  const char* encoding = s ? gst_structure_get_string(s, "encoding-name") : nullptr;
  for (const RtpVideoDepay& known : kRtpVideoDepays) {
    if (!encoding || g_ascii_strcasecmp(encoding, known.encoding) != 0) continue;
    GstElement* depay = gst_element_factory_make(known.depay, nullptr);
    GstElement* filter = gst_element_factory_make("capsfilter", nullptr);
    if (!depay || !filter) {
      if (depay) gst_object_unref(depay);
      if (filter) gst_object_unref(filter);
      break;  // parsebin alone will still try
    }
    g_autoptr(GstCaps) whole = gst_caps_from_string(known.caps);
    g_object_set(filter, "caps", whole, nullptr);
    gst_bin_add_many(bin, depay, filter, nullptr);
    gst_element_link_many(depay, filter, nullptr);
    g_autoptr(GstPad) filter_src = gst_element_get_static_pad(filter, "src");
    gst_pad_link(filter_src, sink);
    gst_element_sync_state_with_parent(filter);
    gst_element_sync_state_with_parent(depay);
    gst_object_unref(sink);
    sink = gst_element_get_static_pad(depay, "sink");
    GST_INFO_OBJECT(self->pipeline_.get(), "RTP %s: %s ! %s ! parsebin", encoding, known.depay,
                    known.caps);
    break;
  }
  if (gst_pad_link(pad, sink) != GST_PAD_LINK_OK) {
    GST_WARNING_OBJECT(self->pipeline_.get(), "cannot link RTP pad %s", GST_PAD_NAME(pad));
  }
}

void InputPipeline::onPadAdded(GstElement*, GstPad* pad, gpointer data) noexcept {
  static_cast<InputPipeline*>(data)->linkStreamPad(pad);
}

void InputPipeline::linkStreamPad(GstPad* pad) {
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  std::string codec = codecOf(caps);
  GstBin* bin = GST_BIN(pipeline_.get());

  std::unique_lock<std::mutex> guard(streams_lock_);
  Stream* slot = nullptr;
  if (isVideoCodec(codec) && !video_.tee)
    slot = &video_;
  else if (!codec.empty() && !isVideoCodec(codec) && !audio_.tee)
    slot = &audio_;

  if (!slot) {
    // A codec mls does not carry (or a second stream of a kind): consume it, say so once.
    unsupported_streams_++;
    guard.unlock();
    g_autofree gchar* desc = caps ? gst_caps_to_string(caps) : g_strdup("unknown");
    MLS_WARN("input", "%s: ignoring a stream mls does not relay: %.120s", name_.c_str(), desc);
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(bin, sink);
    gst_element_sync_state_with_parent(sink);
    g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkpad);
    return;
  }

  GstElement* tee = gst_element_factory_make("tee", nullptr);
  g_object_set(tee, "allow-not-linked", TRUE, nullptr);
  gst_bin_add(bin, tee);
  GstElement* first = tee;
  if (paced_) {
    GstElement* clocksync = gst_element_factory_make("clocksync", nullptr);
    gst_bin_add(bin, clocksync);
    gst_element_link(clocksync, tee);
    gst_element_sync_state_with_parent(clocksync);
    first = clocksync;
    if (loop_) {
      slot->loop_pad = adoptGst(gst_element_get_static_pad(clocksync, "sink"));
      slot->source_pad = retainGst(pad);
      gst_pad_add_probe(
          pad,
          GstPadProbeType(GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH),
          &InputPipeline::onLoopEvent, this, nullptr);
    }
  }
  gst_element_sync_state_with_parent(tee);
  // The elementary tap, on the tee before any buffer passes it. Built later, on the main loop
  // once the input is ready, it missed the first keyframe whenever the main loop was slower
  // than the source (measured under load: the first RTSP reader's DESCRIBE then waited 19.6 s,
  // a whole 20 s GOP, for the next one).
  const TapKind kind = slot == &video_ ? TapKind::Video : TapKind::Audio;
  slot->tap = std::make_unique<Tap>(kind, name_ + "-" + tapKindName(kind), kind == TapKind::Video);
  GstElement* tap_sink = slot->tap->sink();
  gst_bin_add(bin, tap_sink);
  gst_element_sync_state_with_parent(tap_sink);
  {
    g_autoptr(GstPad) tee_src = gst_element_request_pad_simple(tee, "src_%u");
    g_autoptr(GstPad) tap_pad = gst_element_get_static_pad(tap_sink, "sink");
    gst_pad_link(tee_src, tap_pad);
  }
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &InputPipeline::onFirstBuffer, this, nullptr);
  g_autoptr(GstPad) teesink = gst_element_get_static_pad(tee, "sink");
  gst_pad_add_probe(teesink, GST_PAD_PROBE_TYPE_BUFFER,
                    slot == &video_ ? &InputPipeline::onVideoBuffer : &InputPipeline::onBuffer,
                    this, nullptr);
  g_autoptr(GstPad) firstsink = gst_element_get_static_pad(first, "sink");
  if (gst_pad_link(pad, firstsink) != GST_PAD_LINK_OK) {
    GST_WARNING_OBJECT(pipeline_.get(), "cannot link stream pad %s", GST_PAD_NAME(pad));
  }
  slot->tee = retainGst(tee);
  slot->codec = codec;
  guard.unlock();
  GST_INFO_OBJECT(pipeline_.get(), "%s stream: %s", slot == &video_ ? "video" : "audio",
                  codec.c_str());

  postStreamsChanged();
}

// Running time that follows the clock. rtmp2src stamps buffers with the publisher's own
// timestamps (seconds to hours from the pipeline's running time when mls joins a running
// publish), rtspsrc's leave its jitterbuffer a latency late, and so on. Live aggregators
// downstream (an output's flvmux beside a live silent-audio source, with a 500 ms latency
// budget) then time out against the wrong instants and clamp "backwards" timestamps: a video
// stream 0.5-0.9 s behind the clock came out snapped to the AAC frame grid (21/43 ms frame
// intervals). So at the first buffer of any stream, one shift for all streams (they stay in
// sync) makes the input's running time the clock's; each stream's pad carries it as a pad
// offset, so segments (and every running time downstream) move and buffers are untouched.
// A source whose clock drifts from the system clock drifts from this alignment over hours.
GstPadProbeReturn InputPipeline::onFirstBuffer(GstPad* pad, GstPadProbeInfo* info,
                                               gpointer data) noexcept {
  auto* self = static_cast<InputPipeline*>(data);
  if (self->wait_for_media_ && !self->media_seen_.exchange(true)) self->postStreamsChanged();
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstClockTime ts = GST_BUFFER_DTS_OR_PTS(buffer);
  g_autoptr(GstEvent) event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  g_autoptr(GstClock) clock = gst_element_get_clock(self->pipeline_.get());
  if (!GST_CLOCK_TIME_IS_VALID(ts) || !event || !clock) return GST_PAD_PROBE_OK;  // next one
  const GstSegment* segment = nullptr;
  gst_event_parse_segment(event, &segment);
  if (segment->format != GST_FORMAT_TIME) return GST_PAD_PROBE_REMOVE;
  guint64 running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, ts);
  if (!GST_CLOCK_TIME_IS_VALID(running)) return GST_PAD_PROBE_OK;
  GstClockTimeDiff now =
      GST_CLOCK_DIFF(gst_element_get_base_time(self->pipeline_.get()), gst_clock_get_time(clock));
  GstClockTimeDiff offset;
  {
    std::lock_guard<std::mutex> guard(self->streams_lock_);
    if (!self->clock_offset_) {
      GstClockTimeDiff diff = now - static_cast<GstClockTimeDiff>(running);
      self->clock_offset_ = diff;
      GST_INFO_OBJECT(self->pipeline_.get(),
                      "source running time is %" GST_STIME_FORMAT " off the clock: shifting it",
                      GST_STIME_ARGS(-diff));
    }
    offset = *self->clock_offset_;
  }
  // Applied before this buffer leaves the pad: the sticky segment is sent again, shifted.
  if (offset != 0) gst_pad_set_offset(pad, gst_pad_get_offset(pad) + offset);
  return GST_PAD_PROBE_REMOVE;
}

void InputPipeline::onNoMorePads(GstElement*, gpointer data) noexcept {
  auto* self = static_cast<InputPipeline*>(data);
  self->discovering_.fetch_sub(1);
  self->postStreamsChanged();
}

void InputPipeline::postStreamsChanged() {
  auto* boxed = new std::weak_ptr<Anchor>(anchor_);
  // Always through the main loop (g_main_context_invoke would run at once when called from the
  // main thread, before the runner has even stored this pipeline).
  g_idle_add_full(
      G_PRIORITY_DEFAULT,
      [](gpointer data) noexcept -> gboolean {
        auto anchor = static_cast<std::weak_ptr<Anchor>*>(data)->lock();
        if (anchor && anchor->self) anchor->self->onStreamAdded();
        return G_SOURCE_REMOVE;
      },
      boxed, [](gpointer data) noexcept { delete static_cast<std::weak_ptr<Anchor>*>(data); });
}

GstPadProbeReturn InputPipeline::onBuffer(GstPad*, GstPadProbeInfo* info, gpointer data) noexcept {
  auto* self = static_cast<InputPipeline*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  self->counters_.bytes.fetch_add(gst_buffer_get_size(buffer), std::memory_order_relaxed);
  self->counters_.buffers.fetch_add(1, std::memory_order_relaxed);
  self->counters_.last_buffer_us.store(g_get_monotonic_time(), std::memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn InputPipeline::onVideoBuffer(GstPad* pad, GstPadProbeInfo* info,
                                               gpointer data) noexcept {
  static_cast<InputPipeline*>(data)->counters_.video_frames.fetch_add(1, std::memory_order_relaxed);
  return onBuffer(pad, info, data);
}

void InputPipeline::onStreamAdded() {
  if (ready_ || failed_ || !playing_) return;
  bool both, any;
  {
    std::lock_guard<std::mutex> guard(streams_lock_);
    both = video_.tee && audio_.tee;
    any = video_.tee || audio_.tee;
  }
  if (!any) return;  // nothing yet: the first stream pad calls again
  if (wait_for_media_ && !media_seen_.load()) return;  // the first buffer calls again
  if (both || discovering_.load() <= 0) {
    markReady();
  } else if (!settle_timer_) {
    settle_timer_ = SourceGuard::timeout(kSettleMs, [this]() {
      settle_timer_ = SourceGuard();  // destroying a running source from its callback is fine
      markReady();
      return G_SOURCE_REMOVE;
    });
  }
}

void InputPipeline::markReady() {
  if (ready_ || failed_) return;
  ready_ = true;
  refreshMedia();
  if (parse_gate_) parse_gate_->arm(media_.has_video);
  MLS_INFO("input", "%s: streams ready (video %s, audio %s)", name_.c_str(),
           media_.has_video ? media_.video_codec.c_str() : "none",
           media_.has_audio ? media_.audio_codec.c_str() : "none");
  if (callbacks_.streams_ready) callbacks_.streams_ready();
}

// Looping a file without a gap and without disturbing the outputs: the end of each pass (EOS
// on every stream) is swallowed, the demuxer is sent back to the start with a flushing seek
// whose flushes are swallowed too, and each stream's running time is shifted by the length of
// the passes so far, so taps and outputs just see time go on.
GstPadProbeReturn InputPipeline::onLoopEvent(GstPad*, GstPadProbeInfo* info,
                                             gpointer data) noexcept {
  auto* self = static_cast<InputPipeline*>(data);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      return self->looping_.load() ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
    case GST_EVENT_SEGMENT:
      self->looping_.store(false);
      return GST_PAD_PROBE_OK;
    case GST_EVENT_EOS: {
      int ended = self->streams_ended_.fetch_add(1) + 1;
      int streams;
      {
        std::lock_guard<std::mutex> guard(self->streams_lock_);
        streams = (self->video_.loop_pad ? 1 : 0) + (self->audio_.loop_pad ? 1 : 0);
      }
      if (ended == streams) {
        auto* weak = new std::weak_ptr<Anchor>(self->anchor_);
        g_idle_add_full(
            G_PRIORITY_DEFAULT,
            [](gpointer d) noexcept -> gboolean {
              auto anchor = static_cast<std::weak_ptr<Anchor>*>(d)->lock();
              if (anchor && anchor->self) anchor->self->restartLoop();
              return G_SOURCE_REMOVE;
            },
            weak, [](gpointer d) noexcept { delete static_cast<std::weak_ptr<Anchor>*>(d); });
      }
      return GST_PAD_PROBE_DROP;
    }
    default:
      return GST_PAD_PROBE_OK;
  }
}

void InputPipeline::restartLoop() {
  gint64 duration = 0;
  if (!gst_element_query_duration(pipeline_.get(), GST_FORMAT_TIME, &duration) || duration <= 0) {
    reportFailure("the file ended and its duration is unknown, so it cannot loop");
    return;
  }
  loop_offset_ += duration;
  streams_ended_.store(0);
  looping_.store(true);
  GstPad* seek_pad = nullptr;
  for (Stream* stream : {&video_, &audio_}) {
    if (!stream->loop_pad) continue;
    gst_pad_set_offset(stream->loop_pad.get(), loop_offset_);
    if (!seek_pad) seek_pad = stream->source_pad.get();
  }
  GstEvent* seek = gst_event_new_seek(1.0, GST_FORMAT_TIME,
                                      GstSeekFlags(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT),
                                      GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_NONE, 0);
  if (!seek_pad || !gst_pad_send_event(seek_pad, seek)) {
    looping_.store(false);
    reportFailure("the file ended and could not be rewound to loop");
    return;
  }
  loops_++;
  MLS_DEBUG("input", "%s: loop %d", name_.c_str(), loops_);
}

void InputPipeline::refreshMedia() {
  std::lock_guard<std::mutex> guard(streams_lock_);
  media_.has_video = static_cast<bool>(video_.tee);
  media_.has_audio = static_cast<bool>(audio_.tee);
  media_.video_codec = video_.codec;
  media_.audio_codec = audio_.codec;
  if (video_.tee) {
    g_autoptr(GstPad) pad = gst_element_get_static_pad(video_.tee.get(), "sink");
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    if (caps) {
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(s, "width", &media_.width);
      gst_structure_get_int(s, "height", &media_.height);
      int num = 0, den = 1;
      if (gst_structure_get_fraction(s, "framerate", &num, &den) && den > 0)
        media_.framerate = static_cast<double>(num) / den;
      if (const char* profile = gst_structure_get_string(s, "profile"))
        media_.video_profile = profile;
    }
  }
  if (audio_.tee) {
    g_autoptr(GstPad) pad = gst_element_get_static_pad(audio_.tee.get(), "sink");
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    if (caps) {
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(s, "rate", &media_.audio_rate);
      gst_structure_get_int(s, "channels", &media_.audio_channels);
    }
  }
}

void InputPipeline::reportFailure(const std::string& message) {
  if (failed_) return;
  failed_ = true;
  settle_timer_.reset();
  if (callbacks_.failed) callbacks_.failed(message);
}

gboolean InputPipeline::onBusMessage(GstBus*, GstMessage* message, gpointer data) noexcept {
  auto* self = static_cast<InputPipeline*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) error = nullptr;
      g_autofree gchar* debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      std::string text = describeGstError(error, debug);
      GST_WARNING_OBJECT(self->pipeline_.get(), "error from %s: %s (%s)",
                         GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), text.c_str(),
                         debug ? model::maskSecretsInText(debug).c_str() : "");
      self->reportFailure(text);
      break;
    }
    case GST_MESSAGE_EOS:
      self->reportFailure("the source ended the stream");
      break;
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC(message) == GST_OBJECT(self->pipeline_.get())) {
        GstState old_state, new_state;
        gst_message_parse_state_changed(message, &old_state, &new_state, nullptr);
        if (new_state == GST_STATE_PLAYING && !self->playing_) {
          // Taps are only added to a pipeline that has settled in PLAYING, so their elements
          // cannot be caught half-way through the pipeline's own state change.
          self->playing_ = true;
          self->onStreamAdded();
        }
      }
      break;
    case GST_MESSAGE_WARNING: {
      g_autoptr(GError) error = nullptr;
      gst_message_parse_warning(message, &error, nullptr);
      MLS_DEBUG("input", "%s: warning from %s: %s", self->name_.c_str(),
                GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
                model::maskSecretsInText(error ? error->message : "").c_str());
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

Result<Tap*> InputPipeline::tap(TapKind kind) {
  if (!ready_) return mls::fail(ErrorCode::Unavailable, "the input is not live yet");
  auto& slot = taps_[static_cast<size_t>(kind)];
  if (!slot) {
    const bool source_flv = kind == TapKind::Flv && source_flv_;
    auto built = buildTap(kind);
    if (!built) return mls::fail(built.error());
    slot = std::move(*built);
    // Every tap but the source's own FLV is fed by the parsed streams.
    if (parse_gate_ && !(source_flv && !source_flv_))
      slot->countSubscribersIn(&parse_gate_->demand());
  }
  return slot.get();
}

Result<std::unique_ptr<Tap>> InputPipeline::buildTap(TapKind kind) {
  GstBin* bin = GST_BIN(pipeline_.get());
  std::string tap_name = name_ + "-" + tapKindName(kind);
  bool has_video = static_cast<bool>(video_.tee);

  if (kind == TapKind::Video || kind == TapKind::Audio) {
    Stream& stream = kind == TapKind::Video ? video_ : audio_;
    std::lock_guard<std::mutex> guard(streams_lock_);
    if (!stream.tee || !stream.tap) {
      return mls::fail(ErrorCode::Invalid, std::string("the input has no ") +
                                               (kind == TapKind::Video ? "video" : "audio"));
    }
    return std::move(stream.tap);  // linked since the stream's first buffer (linkStreamPad)
  }

  // Muxed taps: one muxer per input, shared by every output of that container.
  bool flv = kind == TapKind::Flv;
  if (flv && has_video && video_.codec != "h264") {
    return mls::fail(ErrorCode::Invalid, "RTMP carries H.264 video; this input's video is " +
                                             video_.codec + ": use a transcode profile");
  }
  bool carry_audio = audio_.tee && (!flv || audio_.codec == "aac" || audio_.codec == "mp3");
  if (audio_.tee && !carry_audio) {
    MLS_WARN("input", "%s: %s audio cannot go into FLV; RTMP outputs carry no audio", name_.c_str(),
             audio_.codec.c_str());
  }
  if (!has_video && !carry_audio) return mls::fail(ErrorCode::Invalid, "nothing to relay");

  // An RTMP source's own FLV tags, when they hold only what FLV outputs may carry: nothing to
  // demux again or mux, and the tags reach the destinations exactly as the source sent them.
  if (flv && source_flv_ && (!audio_.tee || carry_audio)) {
    source_flv_->setSourceStreams(has_video, carry_audio);
    MLS_INFO("input", "%s: flv tap ready (the source's FLV tags, not re-muxed)", name_.c_str());
    return std::move(source_flv_);
  }

  auto tap = std::make_unique<Tap>(kind, tap_name, has_video);
  GstElement* sink = tap->sink();
  auto mux = makeElement(flv ? "flvmux" : "mpegtsmux", (tap_name + "-mux").c_str());
  if (!mux) return mls::fail(mux.error());
  if (flv) {
    g_object_set(*mux, "streamable", TRUE, nullptr);
  } else {
    g_object_set(*mux, "alignment", 7, nullptr);
  }
  // A paced source (file://, HLS: clocksync) hands each buffer over exactly at its clock time.
  // With no latency budget the live muxer then timed out whenever the other stream's buffer was
  // a few ms late on a busy thread, muxed out of order, and flvmux bumped the late buffer's
  // timestamp ("Got backwards dts!", 166 times in 13 s of a looped file): video frames 7-10 ms
  // off their 33 ms grid at the destination, and audio alike.
  g_object_set(*mux, "latency", kTapMuxLatency, nullptr);
  gst_bin_add_many(bin, *mux, sink, nullptr);
  gst_element_link(*mux, sink);

  struct Branch {
    GstElement* queue;
    GstElement* tee;
  };
  std::vector<Branch> branches;
  auto addBranch = [&](Stream& stream, bool is_video) -> Result<void> {
    auto queue = makeElement("queue");
    auto parse = makeElement(parserFor(stream.codec));
    if (!queue) return mls::fail(queue.error());
    if (!parse) return mls::fail(parse.error());
    g_object_set(*queue, "max-size-time", kTapQueueTime, "max-size-bytes", 0u, "max-size-buffers",
                 0u, nullptr);
    if (is_video && !flv) g_object_set(*parse, "config-interval", -1, nullptr);
    gst_bin_add_many(bin, *queue, *parse, nullptr);
    gst_element_link(*queue, *parse);
    GstPad* muxpad = nullptr;
    g_autoptr(GstPad) parsesrc = gst_element_get_static_pad(*parse, "src");
    if (flv) {
      muxpad = gst_element_request_pad_simple(*mux, is_video ? "video" : "audio");
    } else {
      muxpad = gst_element_request_pad_simple(*mux, "sink_%d");
    }
    if (!muxpad || gst_pad_link(parsesrc, muxpad) != GST_PAD_LINK_OK) {
      if (muxpad) gst_object_unref(muxpad);
      return mls::fail(ErrorCode::Internal, std::string("cannot link ") + stream.codec + " into " +
                                                (flv ? "flvmux" : "mpegtsmux"));
    }
    gst_object_unref(muxpad);
    if (is_video) {
      g_autoptr(GstPad) qsink = gst_element_get_static_pad(*queue, "sink");
      gst_pad_add_probe(qsink, GST_PAD_PROBE_TYPE_BUFFER, dropUntilKeyframe, nullptr, nullptr);
    }
    branches.push_back({*queue, stream.tee.get()});
    return {};
  };
  if (has_video) {
    if (auto r = addBranch(video_, true); !r) return mls::fail(r.error());
  }
  if (carry_audio) {
    if (auto r = addBranch(audio_, false); !r) return mls::fail(r.error());
  }
  // Downstream first, so no buffer meets an element that is not yet PLAYING.
  gst_element_set_state(sink, GST_STATE_PLAYING);
  gst_element_set_state(*mux, GST_STATE_PLAYING);
  for (auto& b : branches) {
    g_autoptr(GstPad) qsrc = gst_element_get_static_pad(b.queue, "src");
    g_autoptr(GstPad) peer = gst_pad_get_peer(qsrc);
    gst_element_set_state(GST_ELEMENT(GST_PAD_PARENT(peer)), GST_STATE_PLAYING);
    gst_element_set_state(b.queue, GST_STATE_PLAYING);
  }
  for (auto& b : branches) {
    g_autoptr(GstPad) qsink = gst_element_get_static_pad(b.queue, "sink");
    linkToTee(b.tee, qsink);
  }
  MLS_INFO("input", "%s: %s tap ready (%s)", name_.c_str(), tapKindName(kind),
           flv ? "flvmux" : "mpegtsmux");
  return tap;
}

}  // namespace mls::media
