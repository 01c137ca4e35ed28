// Live previews as fragmented MP4. See preview.h.
#include "media/preview.h"

#include <gst/app/gstappsink.h>

#include <deque>
#include <mutex>

#include "core/gobj.h"
#include "core/log.h"
#include "media/encoders.h"
#include "media/input_pipeline.h"

namespace mls::media {
namespace {

// What a preview may queue towards the browser before its feed drops to the next keyframe.
constexpr uint64_t kMaxBacklogBytes = 4 * 1024 * 1024;
// Fragment length: short, so the first picture shows within about half a second of the
// keyframe it starts from.
constexpr guint kFragmentMs = 500;

}  // namespace

// The bytes an appsink produced and not yet handed to the main thread. Shared between the
// pipeline (streaming thread) and the idle source that drains it (main thread); `lock` protects
// everything but `data`/`end`, which only the main thread touches.
struct PreviewHandoff : std::enable_shared_from_this<PreviewHandoff> {
  std::mutex lock;
  std::deque<GBytes*> chunks;  // protected by lock (owned)
  bool scheduled = false;      // protected by lock: a drain is pending on the main context
  bool closed = false;         // protected by lock: the preview is gone, drop everything
  PreviewService::DataFn data;
  ~PreviewHandoff() {
    for (GBytes* b : chunks) g_bytes_unref(b);
  }
};

// One preview's pipeline; lives in PreviewService::previews_. Main thread.
class PreviewPipeline {
 public:
  PreviewPipeline(std::string input, std::string name, std::shared_ptr<PreviewHandoff> handoff,
                  PreviewService::EndFn end)
      : input_(std::move(input)),
        name_(std::move(name)),
        handoff_(std::move(handoff)),
        end_(std::move(end)) {}
  ~PreviewPipeline() { stop(); }

  Result<void> build(Tap* video, const std::string& video_codec, Tap* audio,
                     const std::string& audio_codec, GstClockTime base_time);
  void stop();
  PreviewService::EndFn takeEnd() { return std::move(end_); }
  const std::string& input() const { return input_; }

  // Set by the service: an error or EOS on the preview's bus (main thread) ends it.
  std::function<void(const std::string& reason)> on_bus_end;

 private:
  GstElement* addStream(GstElement* mux, Tap* tap, const std::string& codec);
  static GstFlowReturn onNewSample(GstAppSink* sink, gpointer data) noexcept;
  static gboolean drain(gpointer data) noexcept;

  std::string input_;
  std::string name_;
  std::shared_ptr<PreviewHandoff> handoff_;
  PreviewService::EndFn end_;
  GstPtr<GstElement> pipeline_;
  std::vector<std::pair<Tap*, std::shared_ptr<Feed>>> feeds_;
  guint bus_watch_ = 0;
};

GstElement* PreviewPipeline::addStream(GstElement* mux, Tap* tap, const std::string& codec) {
  GstElement* src = gst_element_factory_make("appsrc", nullptr);
  GstElement* parse = gst_element_factory_make(parserFor(codec), nullptr);
  if (!src || !parse) {
    for (GstElement* e : {src, parse})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    return nullptr;
  }
  g_object_set(src, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp", FALSE, "max-bytes",
               (guint64)0, "block", FALSE, "emit-signals", FALSE, nullptr);
  g_autoptr(GstCaps) caps = tap->caps();
  if (caps) g_object_set(src, "caps", caps, nullptr);
  gst_bin_add_many(GST_BIN(pipeline_.get()), src, parse, nullptr);
  if (!gst_element_link(src, parse) || !gst_element_link(parse, mux)) return nullptr;
  return src;
}

Result<void> PreviewPipeline::build(Tap* video, const std::string& video_codec, Tap* audio,
                                    const std::string& audio_codec, GstClockTime base_time) {
  pipeline_ = adoptFloating(gst_pipeline_new(("preview-" + name_).c_str()));
  GstElement* mux = gst_element_factory_make("mp4mux", "mux");
  GstElement* sink = gst_element_factory_make("appsink", "sink");
  if (!mux || !sink) {
    for (GstElement* e : {mux, sink})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    return fail(ErrorCode::Internal, "mp4mux or appsink is missing (gstreamer1.0-plugins-good)");
  }
  g_object_set(mux, "fragment-duration", kFragmentMs, "streamable", TRUE, nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, "emit-signals", FALSE, "max-buffers", 0u,
               "drop", FALSE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline_.get()), mux, sink, nullptr);
  if (!gst_element_link(mux, sink)) return fail(ErrorCode::Internal, "cannot link mp4mux");

  GstElement* video_src = video ? addStream(mux, video, video_codec) : nullptr;
  GstElement* audio_src = audio ? addStream(mux, audio, audio_codec) : nullptr;
  if ((video && !video_src) || (audio && !audio_src))
    return fail(ErrorCode::Internal, "cannot build the preview pipeline of " + name_);

  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = onNewSample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, handoff_.get(), nullptr);

  // The input's clock and base time: input running time is preview running time, so the
  // fed timestamps need no offset (as for RTSP media).
  g_autoptr(GstClock) clock = gst_system_clock_obtain();
  gst_pipeline_use_clock(GST_PIPELINE(pipeline_.get()), clock);
  gst_element_set_start_time(pipeline_.get(), GST_CLOCK_TIME_NONE);
  gst_element_set_base_time(pipeline_.get(), base_time);

  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline_.get()));
  bus_watch_ = gst_bus_add_watch(
      bus,
      [](GstBus*, GstMessage* message, gpointer data) noexcept -> gboolean {
        auto* self = static_cast<PreviewPipeline*>(data);
        if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
          g_autoptr(GError) error = nullptr;
          gst_message_parse_error(message, &error, nullptr);
          // A copy: on_bus_end destroys this preview, the watch and its own std::function.
          auto end = self->on_bus_end;
          if (end) end(error ? error->message : "pipeline error");
        } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
          auto end = self->on_bus_end;
          if (end) end("end of stream");
        }
        return G_SOURCE_CONTINUE;
      },
      this);

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return fail(ErrorCode::Internal, "the preview pipeline of " + name_ + " did not start");
  // Subscribed last: the feeds start with the taps' cached GOP, from a keyframe.
  if (video_src) feeds_.emplace_back(video, std::make_shared<Feed>(video_src, 0, kMaxBacklogBytes));
  if (audio_src) feeds_.emplace_back(audio, std::make_shared<Feed>(audio_src, 0, kMaxBacklogBytes));
  for (auto& [tap, feed] : feeds_) tap->subscribe(feed);
  return {};
}

void PreviewPipeline::stop() {
  for (auto& [tap, feed] : feeds_) tap->unsubscribe(feed.get());
  feeds_.clear();
  {
    std::lock_guard<std::mutex> guard(handoff_->lock);
    handoff_->closed = true;
  }
  if (bus_watch_) g_source_remove(bus_watch_);
  bus_watch_ = 0;
  if (pipeline_) {
    // appsrc ▶ parse ▶ mp4mux ▶ appsink: nothing here blocks on the network, so NULL is quick
    // on the main thread (unlike input and output pipelines, which go through the reaper).
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    pipeline_.reset();
  }
}

GstFlowReturn PreviewPipeline::onNewSample(GstAppSink* sink, gpointer data) noexcept {
  auto* handoff = static_cast<PreviewHandoff*>(data);
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_EOS;
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_FLOW_OK;
  GBytes* bytes = g_bytes_new(map.data, map.size);
  gst_buffer_unmap(buffer, &map);
  std::lock_guard<std::mutex> guard(handoff->lock);
  if (handoff->closed) {
    g_bytes_unref(bytes);
    return GST_FLOW_EOS;
  }
  handoff->chunks.push_back(bytes);
  if (!handoff->scheduled) {
    handoff->scheduled = true;
    // The idle source keeps the handoff alive until it has run (a shared_ptr on the heap).
    g_main_context_invoke_full(
        nullptr, G_PRIORITY_DEFAULT, drain,
        new std::shared_ptr<PreviewHandoff>(handoff->shared_from_this()),
        [](gpointer p) noexcept { delete static_cast<std::shared_ptr<PreviewHandoff>*>(p); });
  }
  return GST_FLOW_OK;
}

gboolean PreviewPipeline::drain(gpointer data) noexcept {
  std::shared_ptr<PreviewHandoff> handoff = *static_cast<std::shared_ptr<PreviewHandoff>*>(data);
  std::deque<GBytes*> chunks;
  {
    std::lock_guard<std::mutex> guard(handoff->lock);
    chunks.swap(handoff->chunks);
    handoff->scheduled = false;
  }
  for (GBytes* bytes : chunks) {
    bool closed;
    {
      std::lock_guard<std::mutex> guard(handoff->lock);
      closed = handoff->closed;
    }
    // `data` may close the preview (its client is too slow): the rest is dropped.
    if (!closed && handoff->data) handoff->data(bytes);
    g_bytes_unref(bytes);
  }
  return G_SOURCE_REMOVE;
}

// ---- PreviewService ---------------------------------------------------------------------------

PreviewService::PreviewService(Publisher* next, size_t max_previews)
    : next_(next), max_previews_(max_previews) {}

PreviewService::~PreviewService() { closeAll("mlsd is stopping"); }

void PreviewService::publish(const std::string& input, InputPipeline& pipeline) {
  // A previous pipeline of this input: its previews end. `next` replaces its own publication
  // (a withdraw here would also disconnect a publish input's publisher, who just made it live).
  endPreviews(input);
  const model::MediaInfo& media = pipeline.media();
  Source source;
  source.base_time = pipeline.baseTime();
  // A browser plays H.264 (and usually H.265) video with AAC, MP3 or Opus audio in MP4.
  if (media.has_video && parserFor(media.video_codec)) {
    if (auto tap = pipeline.tap(TapKind::Video)) {
      source.video = *tap;
      source.video_codec = media.video_codec;
    }
  }
  if (media.has_audio && parserFor(media.audio_codec)) {
    if (auto tap = pipeline.tap(TapKind::Audio)) {
      source.audio = *tap;
      source.audio_codec = media.audio_codec;
    }
  }
  sources_[input] = source;
  if (next_) next_->publish(input, pipeline);
}

void PreviewService::endPreviews(const std::string& input) {
  sources_.erase(input);
  std::vector<uint64_t> ending;
  for (auto& [id, preview] : previews_)
    if (preview->input() == input) ending.push_back(id);
  for (uint64_t id : ending) end(id, "the input's pipeline stopped");
}

void PreviewService::withdraw(const std::string& input) {
  endPreviews(input);
  if (next_) next_->withdraw(input);
}

int PreviewService::clients(const std::string& input) const {
  return next_ ? next_->clients(input) : 0;
}

Result<uint64_t> PreviewService::open(const std::string& input, DataFn data, EndFn on_end) {
  auto it = sources_.find(input);
  if (it == sources_.end())
    return fail(ErrorCode::NotFound, "input \"" + input + "\" is not live: nothing to preview",
                "input");
  const Source& source = it->second;
  if (!source.video && !source.audio)
    return fail(
        ErrorCode::Invalid,
        "input \"" + input + "\" has no stream a browser can play (H.264/H.265, AAC/MP3/Opus)",
        "input");
  if (previews_.size() >= max_previews_)
    return fail(ErrorCode::Unavailable, "too many previews running (at most " +
                                            std::to_string(max_previews_) +
                                            "): close one and try again");
  const uint64_t id = next_id_++;
  auto handoff = std::make_shared<PreviewHandoff>();
  handoff->data = std::move(data);
  auto preview = std::make_unique<PreviewPipeline>(input, input + "-" + std::to_string(id), handoff,
                                                   std::move(on_end));
  preview->on_bus_end = [this, id](const std::string& reason) { end(id, reason); };
  if (auto built = preview->build(source.video, source.video_codec, source.audio,
                                  source.audio_codec, source.base_time);
      !built)
    return tl::unexpected(built.error());
  previews_.emplace(id, std::move(preview));
  MLS_INFO("preview", "%s: preview %" G_GUINT64_FORMAT " started (%zu running)", input.c_str(), id,
           previews_.size());
  return id;
}

void PreviewService::end(uint64_t id, const std::string& reason) {
  auto it = previews_.find(id);
  if (it == previews_.end()) return;
  std::unique_ptr<PreviewPipeline> preview = std::move(it->second);
  previews_.erase(it);
  EndFn on_end = preview->takeEnd();
  MLS_INFO("preview", "%s: preview %" G_GUINT64_FORMAT " ended: %s", preview->input().c_str(), id,
           reason.c_str());
  preview.reset();
  if (on_end) on_end(reason);
}

void PreviewService::close(uint64_t id) {
  auto it = previews_.find(id);
  if (it == previews_.end()) return;
  MLS_INFO("preview", "%s: preview %" G_GUINT64_FORMAT " closed by its client",
           it->second->input().c_str(), id);
  previews_.erase(it);
}

void PreviewService::closeAll(const std::string& reason) {
  while (!previews_.empty()) end(previews_.begin()->first, reason);
}

}  // namespace mls::media
