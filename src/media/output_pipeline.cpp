// The pipeline of one output: lifecycle, liveness, failure classification and draining. See
// output_pipeline.h; element assembly is in output_builder.cpp.
#include "media/output_pipeline.h"

#include <cstring>

#include "core/log.h"
#include "media/media_log.h"
#include "media/output_builder.h"
#include "media/recorder_builder.h"
#include "model/url.h"

#define GST_CAT_DEFAULT mls_output_debug

namespace mls::media {
namespace {

constexpr uint64_t kLiveAfterBuffers = 3;  // the sink has taken this many: the peer accepts
int g_drains_in_flight = 0;                // main thread
// How much an output may queue towards a slow destination before it drops to the next keyframe.
constexpr uint64_t kMaxBacklogBytes = 4 * 1024 * 1024;  // ~10 s at 3 Mb/s

// Errors that another attempt will not fix: the destination refused us on purpose.
bool isPermanentText(const std::string& text) {
  const char* m = text.c_str();
  // rtmp2sink reports a server that accepted the connection but refused `connect` or `publish`
  // (a wrong stream key: nginx-rtmp's on_publish, YouTube, Twitch) as "'publish' cmd failed".
  for (const char* needle :
       {"'publish' cmd failed", "'connect' cmd failed", "BadName", "Unauthorized", "unauthorized",
        "Forbidden", "rejected", "Not authorized", "401", "403"}) {
    if (strstr(m, needle)) return true;
  }
  return false;
}

bool isPermanent(GError* error) {
  return error && error->domain == GST_RESOURCE_ERROR &&
         error->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED;
}

// A recorder that cannot write its files: disk full, no permission, a folder that is a file.
bool isWriteError(GError* error) {
  return error && error->domain == GST_RESOURCE_ERROR &&
         (error->code == GST_RESOURCE_ERROR_OPEN_WRITE ||
          error->code == GST_RESOURCE_ERROR_OPEN_READ_WRITE ||
          error->code == GST_RESOURCE_ERROR_WRITE || error->code == GST_RESOURCE_ERROR_CLOSE ||
          error->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT);
}

// A recorder's write error, with the file it was writing: GStreamer's own text ("No space left
// on the resource.") names neither the file nor the disk.
std::string describeWriteError(GError* error, GstObject* source, const std::string& text) {
  std::string file;
  if (source && g_object_class_find_property(G_OBJECT_GET_CLASS(source), "location")) {
    g_autofree gchar* location = nullptr;
    g_object_get(source, "location", &location, nullptr);
    if (location) file = location;
  }
  if (file.empty()) return text;
  if (error->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT)
    return "the disk is full: cannot write " + file + " (" + text + ")";
  return "cannot write " + file + ": " + text;
}

}  // namespace

struct OutputPipeline::Anchor {
  OutputPipeline* self = nullptr;  // main thread: nulled when disposed
};

OutputPipeline::OutputPipeline(std::string name, Callbacks callbacks)
    : name_(std::move(name)),
      callbacks_(std::move(callbacks)),
      anchor_(std::make_shared<Anchor>()) {
  anchor_->self = this;
}

OutputPipeline::~OutputPipeline() = default;

GstPipeline* OutputPipeline::newPipeline(const std::string& name, InputPipeline& input) {
  GstElement* pipeline = gst_pipeline_new(name.c_str());
  g_autoptr(GstClock) clock = gst_system_clock_obtain();
  gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock);
  // Same base time as the input: output running time equals input running time.
  gst_element_set_start_time(pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time(pipeline, input.baseTime());
  return GST_PIPELINE(pipeline);
}

Result<std::unique_ptr<OutputPipeline>> OutputPipeline::create(const std::string& input_name,
                                                               const model::OutputSpec& output,
                                                               InputPipeline& input,
                                                               Callbacks callbacks) {
  std::unique_ptr<OutputPipeline> self(
      new OutputPipeline(input_name + "/" + output.name, std::move(callbacks)));
  self->pipeline_ =
      adoptFloating(GST_ELEMENT(newPipeline("output-" + input_name + "-" + output.name, input)));
  OutputBuilder builder(*self, input, output);
  if (auto built = builder.build(); !built) {
    self->subscriptions_.clear();
    return fail(built.error());
  }
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(self->pipeline_.get()));
  self->bus_watch_ = gst_bus_add_watch(bus, &OutputPipeline::onBusMessage, self.get());
  GST_INFO_OBJECT(self->pipeline_.get(), "built: %s", self->launch_.c_str());
  return self;
}

Result<std::unique_ptr<OutputPipeline>> OutputPipeline::createRecorder(
    const std::string& input_name, const RecorderSettings& settings, InputPipeline& input,
    Callbacks callbacks) {
  std::unique_ptr<OutputPipeline> self(
      new OutputPipeline(input_name + "/recording", std::move(callbacks)));
  self->pipeline_ = adoptFloating(GST_ELEMENT(newPipeline("recorder-" + input_name, input)));
  RecorderBuilder builder(*self, input, input_name, settings);
  if (auto built = builder.build(); !built) {
    self->subscriptions_.clear();
    return fail(built.error());
  }
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(self->pipeline_.get()));
  self->bus_watch_ = gst_bus_add_watch(bus, &OutputPipeline::onBusMessage, self.get());
  GST_INFO_OBJECT(self->pipeline_.get(), "built: %s", self->launch_.c_str());
  return self;
}

Result<std::unique_ptr<OutputPipeline>> OutputPipeline::createFanout(const std::string& input_name,
                                                                     const FanoutSettings& settings,
                                                                     InputPipeline& input,
                                                                     Callbacks callbacks) {
  std::unique_ptr<OutputPipeline> self(
      new OutputPipeline(input_name + "/fanout", std::move(callbacks)));
  self->pipeline_ = adoptFloating(GST_ELEMENT(newPipeline("fanout-" + input_name, input)));
  auto tap = input.tap(TapKind::Flv);
  if (!tap) return fail(tap.error());
  auto sink = makeElement("mlsrtmpfanout", "fanout");
  if (!sink) return fail(sink.error());
  gst_bin_add(GST_BIN(self->pipeline_.get()), *sink);
  // async=false: PLAYING at once (nothing to preroll), before the tap starts pushing into it.
  g_object_set(*sink, "async", FALSE, "chunk-size", 4096u, "max-backlog-bytes",
               (guint64)kMaxBacklogBytes, "reconnect-min-ms", settings.reconnect_min_ms,
               "reconnect-max-ms", settings.reconnect_max_ms, "eos-timeout-ms",
               settings.eos_timeout_ms, nullptr);
  // The input's FLV tap pushes straight into the element's pad, on the input's streaming thread:
  // the element never waits (tap.h, Feed::direct). The launch line shows that feed as the
  // appsrc an application would use.
  g_autoptr(GstPad) pad = gst_element_get_static_pad(*sink, "sink");
  self->direct_feed_ = Feed::direct(pad);
  self->subscriptions_.push_back({*tap, self->direct_feed_});
  self->muxed_feed_ = true;
  self->launch_ = "appsrc name=flv-tap is-live=true format=time";
  self->launch_ += " ! mlsrtmpfanout name=fanout chunk-size=4096 max-backlog-bytes=" +
                   std::to_string(kMaxBacklogBytes) +
                   " reconnect-min-ms=" + std::to_string(settings.reconnect_min_ms) +
                   " reconnect-max-ms=" + std::to_string(settings.reconnect_max_ms) +
                   " eos-timeout-ms=" + std::to_string(settings.eos_timeout_ms);
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(self->pipeline_.get()));
  self->bus_watch_ = gst_bus_add_watch(bus, &OutputPipeline::onBusMessage, self.get());
  GST_INFO_OBJECT(self->pipeline_.get(), "built: %s", self->launch_.c_str());
  return self;
}

Result<GstElement*> OutputPipeline::addFeed(InputPipeline& input, TapKind kind) {
  auto tap = input.tap(kind);
  if (!tap) return fail(tap.error());
  // A process-unique name: GStreamer names the appsrc's streaming thread "<name>:src", and the
  // thread audit (diag/thread_audit.h) finds the output that owns a thread by that name, so two
  // outputs must not share it. Short, as the kernel keeps 15 bytes of a thread name.
  static unsigned next_feed = 0;  // main thread only
  std::string name = "feed" + std::to_string(next_feed++) + "-" + tapKindName(kind);
  auto src = makeElement("appsrc", name.c_str());
  if (!src) return src;
  gst_bin_add(GST_BIN(pipeline_.get()), *src);
  g_object_set(*src, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp", FALSE, "max-bytes",
               (guint64)0, "block", FALSE, "emit-signals", FALSE, nullptr);
  if (GstCaps* caps = (*tap)->caps()) {
    g_object_set(*src, "caps", caps, nullptr);
    gst_caps_unref(caps);
  }
  // Output running time == input running time: both pipelines share the system clock and the
  // output takes the input's base time (newPipeline()), so the offset is 0.
  auto feed = std::make_shared<Feed>(*src, 0, kMaxBacklogBytes);
  subscriptions_.push_back({*tap, std::move(feed)});
  if (!launch_.empty()) launch_ += "  ";
  launch_ += std::string("appsrc name=") + name + " is-live=true format=time";
  return src;
}

Result<void> OutputPipeline::start() {
  GstStateChangeReturn ret = gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    // The bus carries the reason; the caller reports it through `failed` as well.
    return fail(ErrorCode::Internal, "the output pipeline could not start");
  }
  if (direct_feed_ && ret == GST_STATE_CHANGE_ASYNC) {
    // A direct feed's element must take buffers at once: one still prerolling would hold the
    // input's streaming thread.
    return fail(ErrorCode::Internal, "the output pipeline did not reach PLAYING at once");
  }
  for (auto& sub : subscriptions_) sub.tap->subscribe(sub.feed);
  return {};
}

void OutputPipeline::detach() {
  for (auto& sub : subscriptions_) sub.tap->unsubscribe(sub.feed.get());
  subscriptions_.clear();
}

uint64_t OutputPipeline::videoFrames() const {
  uint64_t n = 0;
  for (auto& sub : subscriptions_) n += sub.feed->counters().video_frames.load();
  return n;
}

uint64_t OutputPipeline::dropped() const {
  uint64_t n = 0;
  for (auto& sub : subscriptions_) n += sub.feed->counters().dropped.load();
  return n;
}

void OutputPipeline::watchSinkPad(GstPad* pad) {
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &OutputPipeline::onSinkBuffer, this, nullptr);
}

GstPadProbeReturn OutputPipeline::onSinkBuffer(GstPad*, GstPadProbeInfo* info,
                                               gpointer data) noexcept {
  auto* self = static_cast<OutputPipeline*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  self->bytes_.fetch_add(gst_buffer_get_size(buffer), std::memory_order_relaxed);
  if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER)) return GST_PAD_PROBE_OK;
  // rtmp2sink and rtspclientsink block the first render until the peer has accepted the
  // publish, so the n-th buffer reaching the pad means the (n-1)-th was taken.
  if (self->sink_buffers_.fetch_add(1) + 1 == kLiveAfterBuffers) {
    auto* weak = new std::weak_ptr<Anchor>(self->anchor_);
    g_main_context_invoke_full(
        nullptr, G_PRIORITY_DEFAULT,
        [](gpointer d) noexcept -> gboolean {
          auto anchor = static_cast<std::weak_ptr<Anchor>*>(d)->lock();
          if (anchor && anchor->self) {
            OutputPipeline* out = anchor->self;
            if (!out->live_reported_ && !out->failed_ && !out->drain_reaper_) {
              out->live_reported_ = true;
              if (out->callbacks_.live) out->callbacks_.live();
            }
          }
          return G_SOURCE_REMOVE;
        },
        weak, [](gpointer d) noexcept { delete static_cast<std::weak_ptr<Anchor>*>(d); });
  }
  return GST_PAD_PROBE_OK;
}

void OutputPipeline::reportFailure(const std::string& error, bool permanent) {
  if (failed_ || drain_reaper_) return;
  failed_ = true;
  if (callbacks_.failed) callbacks_.failed(error, permanent);
}

gboolean OutputPipeline::onBusMessage(GstBus*, GstMessage* message, gpointer data) noexcept {
  auto* self = static_cast<OutputPipeline*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) error = nullptr;
      g_autofree gchar* debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      std::string text = describeGstError(error, debug);
      const bool write_error = self->recording_ && isWriteError(error);
      if (write_error) text = describeWriteError(error, GST_MESSAGE_SRC(message), text);
      bool permanent = isPermanent(error) || isPermanentText(text) || write_error;
      GST_WARNING_OBJECT(self->pipeline_.get(), "error from %s: %s",
                         GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), text.c_str());
      if (self->drain_reaper_) {
        self->finishDrain();  // an error while draining ends the drain
        return G_SOURCE_REMOVE;
      }
      self->reportFailure(text, permanent);
      break;
    }
    case GST_MESSAGE_ELEMENT:
      self->onElementMessage(message);
      break;
    case GST_MESSAGE_EOS:
      if (self->drain_reaper_) {
        self->ended_cleanly_ = true;
        self->finishDrain();
        return G_SOURCE_REMOVE;
      }
      self->reportFailure("the output pipeline ended unexpectedly", false);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void OutputPipeline::onElementMessage(GstMessage* message) {
  const GstStructure* s = gst_message_get_structure(message);
  if (s && callbacks_.element && !drain_reaper_) callbacks_.element(s);
  if (!recording_ || !s) return;
  // mlssegmentsink posts splitmuxsink's message names and fields on purpose.
  bool opened = gst_structure_has_name(s, "splitmuxsink-fragment-opened");
  if (!opened && !gst_structure_has_name(s, "splitmuxsink-fragment-closed")) return;
  const gchar* location = gst_structure_get_string(s, "location");
  if (!location) return;
  g_autofree gchar* base = g_path_get_basename(location);
  std::string file = opened ? std::string(base) : recording_->closed(location);
  GST_INFO_OBJECT(pipeline_.get(), "segment %s %s", file.c_str(), opened ? "opened" : "closed");
  if (!drain_reaper_ && callbacks_.segment) callbacks_.segment(file, opened);
}

int OutputPipeline::drainsInFlight() { return g_drains_in_flight; }

void OutputPipeline::dispose(std::unique_ptr<OutputPipeline> self, Reaper& reaper, int drain_ms,
                             std::function<void()> done) {
  self->detach();
  self->anchor_->self = nullptr;
  self->drain_reaper_ = &reaper;
  self->drain_done_ = std::move(done);
  // Playing, or on its way there (an output's sink may still be prerolling; a recorder's
  // mlssegmentsink adds its per-segment filesinks with async=false, so it never causes this).
  GstState state = GST_STATE_NULL;
  GstState pending = GST_STATE_VOID_PENDING;
  gst_element_get_state(self->pipeline_.get(), &state, &pending, 0);
  bool playing = state == GST_STATE_PLAYING || pending == GST_STATE_PLAYING;
  if (drain_ms > 0 && playing && self->bus_watch_ && !self->failed_) {
    OutputPipeline* raw = self.release();  // owned by the drain until finishDrain()
    g_drains_in_flight++;
    raw->draining_ = true;
    raw->drain_timer_ = SourceGuard::timeout(static_cast<guint>(drain_ms), [raw]() {
      MLS_WARN("output", "%s: no end of stream within the drain deadline; forcing stop",
               raw->name_.c_str());
      raw->drain_timer_ = SourceGuard();
      raw->finishDrain();
      return G_SOURCE_REMOVE;
    });
    if (raw->direct_feed_) {
      raw->direct_feed_->endOfStream();  // its element has no upstream to send it from
    } else {
      gst_element_send_event(raw->pipeline_.get(), gst_event_new_eos());
    }
    return;
  }
  self.release()->finishDrain();
}

void OutputPipeline::finishDrain() {
  std::unique_ptr<OutputPipeline> self(this);
  struct Keep : KeepAlive {
    std::unique_ptr<OutputPipeline> pipeline;
  };
  drain_timer_.reset();
  if (draining_) g_drains_in_flight--;
  draining_ = false;
  if (bus_watch_) g_source_remove(bus_watch_);
  bus_watch_ = 0;
  Reaper* reaper = drain_reaper_;
  auto done = std::move(drain_done_);
  if (recording_) {
    // Once the files are closed (NULL): what is still open is complete after a clean EOS, and
    // cut short otherwise.
    done = [recording = recording_, clean = ended_cleanly_, done = std::move(done)]() {
      recording->finish(clean);
      if (done) done();
    };
  }
  GstElement* pipeline = GST_ELEMENT(gst_object_ref(pipeline_.get()));
  auto keep = std::make_unique<Keep>();
  keep->pipeline = std::move(self);
  reaper->dispose(pipeline, std::move(keep), std::move(done));
}

}  // namespace mls::media
