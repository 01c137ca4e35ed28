// Element assembly of recorders. See recorder_builder.h.
#include "media/recorder_builder.h"

#include <glib/gstdio.h>

#include "media/encoders.h"
#include "media/media_log.h"
#include "media/sources.h"

#define GST_CAT_DEFAULT mls_output_debug

namespace mls::media {
namespace {

// mlssegmentsink (plugins/segmentsink) hands every buffer to mp4mux at once, and mp4mux writes a
// fragment once it holds this much: a kill -9 loses at most the fragment in progress. Half a
// second keeps that short for 0.6 % of overhead (a moof of ~550 bytes per track).
constexpr unsigned kFragmentMs = 500;

}  // namespace

Result<GstElement*> RecorderBuilder::add(const char* factory, const char* name) {
  auto element = makeElement(factory, name);
  if (element) gst_bin_add(GST_BIN(out_.pipeline_.get()), *element);
  return element;
}

gchar* RecorderBuilder::onFormatLocation(GstElement* segmenter, guint, GstSample*,
                                         gpointer data) noexcept {
  auto* files = static_cast<RecordingFiles*>(data);
  std::string error;
  std::string location = files->nextLocation(&error);
  if (location.empty()) {
    GST_ELEMENT_ERROR(segmenter, RESOURCE, OPEN_WRITE, ("%s", error.c_str()), (nullptr));
    return nullptr;
  }
  return g_strdup(location.c_str());
}

// A new recorder's video starts on a keyframe, but its audio feed starts at once, up to a GOP
// earlier: segments then began with audio over no picture. Audio waits for the video: buffers
// before the first video buffer's timestamp are dropped.
void RecorderBuilder::alignStart(GstElement* appsrc, bool video) {
  auto start = out_.recording_->videoStart();
  g_autoptr(GstPad) pad = gst_element_get_static_pad(appsrc, "src");
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER,
      video ? &RecorderBuilder::onVideoBuffer : &RecorderBuilder::onAudioBuffer,
      new std::shared_ptr<std::atomic<GstClockTime>>(start),
      [](gpointer data) { delete static_cast<std::shared_ptr<std::atomic<GstClockTime>>*>(data); });
}

GstPadProbeReturn RecorderBuilder::onVideoBuffer(GstPad*, GstPadProbeInfo* info,
                                                 gpointer data) noexcept {
  auto& start = **static_cast<std::shared_ptr<std::atomic<GstClockTime>>*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstClockTime none = GST_CLOCK_TIME_NONE;
  if (GST_BUFFER_PTS_IS_VALID(buffer)) start.compare_exchange_strong(none, GST_BUFFER_PTS(buffer));
  return GST_PAD_PROBE_REMOVE;  // the first one decides
}

GstPadProbeReturn RecorderBuilder::onAudioBuffer(GstPad*, GstPadProbeInfo* info,
                                                 gpointer data) noexcept {
  auto& start = **static_cast<std::shared_ptr<std::atomic<GstClockTime>>*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstClockTime video = start.load();
  if (!GST_CLOCK_TIME_IS_VALID(video)) return GST_PAD_PROBE_DROP;
  if (GST_BUFFER_PTS_IS_VALID(buffer) && GST_BUFFER_PTS(buffer) < video) return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_REMOVE;  // aligned: from here on, everything goes through
}

Result<void> RecorderBuilder::addStream(TapKind kind, GstElement* segmenter) {
  const model::MediaInfo& media = input_.media();
  bool video = kind == TapKind::Video;
  const std::string& codec = video ? media.video_codec : media.audio_codec;
  auto src = out_.addFeed(input_, kind);
  if (!src) return fail(src.error());
  auto queue = add("queue");
  auto parse = add(parserFactory(codec));
  if (!queue) return fail(queue.error());
  if (!parse) return fail(parse.error());
  g_object_set(*queue, "max-size-time", 3 * GST_SECOND, "max-size-bytes", 0u, "max-size-buffers",
               0u, nullptr);
  bool ts = settings_.format == model::SegmentFormat::Ts;
  std::string parse_launch = parserFactory(codec);
  if (video && ts) {
    g_object_set(*parse, "config-interval", -1, nullptr);
    parse_launch += " config-interval=-1";
  }
  GstPad* pad = gst_element_request_pad_simple(segmenter, video ? "video" : "audio_%u");
  if (!pad) return fail(ErrorCode::Internal, "the recorder refused a stream");
  g_autoptr(GstPad) src_pad = gst_element_get_static_pad(*parse, "src");
  bool linked = gst_element_link_many(*src, *queue, *parse, nullptr) &&
                gst_pad_link(src_pad, pad) == GST_PAD_LINK_OK;
  if (linked && (video || !media.has_video)) out_.watchSinkPad(pad);
  if (linked && media.has_video) alignStart(*src, video);
  std::string pad_name = GST_PAD_NAME(pad);
  gst_object_unref(pad);
  if (!linked)
    return fail(ErrorCode::Invalid, std::string("the recording container (") +
                                        model::segmentExtension(settings_.format) +
                                        ") cannot carry this input's " + codec);
  out_.launch_ += " ! queue ! " + parse_launch + " ! rec." + pad_name;
  return {};
}

Result<void> RecorderBuilder::build() {
  const model::MediaInfo& media = input_.media();
  if (!media.has_video && !media.has_audio)
    return fail(ErrorCode::Invalid, "nothing to record: the input has neither video nor audio");

  g_autofree gchar* dir =
      g_build_filename(settings_.recordings_dir.c_str(), input_name_.c_str(), nullptr);
  if (g_mkdir_with_parents(dir, 0755) != 0 || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    return fail(ErrorCode::Invalid,
                std::string("cannot create the recording folder ") + dir + ": " +
                    g_strerror(errno));
  }
  out_.recording_ = std::make_shared<RecordingFiles>(dir, input_name_, settings_.format);

  auto segmenter = add("mlssegmentsink", "rec");
  if (!segmenter) return fail(segmenter.error());
  bool mp4 = settings_.format == model::SegmentFormat::Mp4;
  const char* muxer = mp4 ? "mp4mux" : "mpegtsmux";
  // mp4mux: fragments of kFragmentMs, so a crash loses at most the fragment being written.
  // mpegtsmux: 7 packets per buffer (1316 bytes), the usual alignment.
  const std::string muxer_props =
      mp4 ? "properties,fragment-duration=(uint)" + std::to_string(kFragmentMs)
          : std::string("properties,alignment=(int)7");
  g_autoptr(GstStructure) props = gst_structure_from_string(muxer_props.c_str(), nullptr);
  guint64 segment_ns = static_cast<guint64>(settings_.segment_duration_s) * GST_SECOND;
  g_object_set(*segmenter, "max-size-time", segment_ns, "muxer-factory", muxer,
               "muxer-properties", props, "sink-factory", "filesink", nullptr);
  g_signal_connect(*segmenter, "format-location-full", G_CALLBACK(&onFormatLocation),
                   out_.recording_.get());

  if (media.has_video)
    if (auto ok = addStream(TapKind::Video, *segmenter); !ok) return ok;
  if (media.has_audio)
    if (auto ok = addStream(TapKind::Audio, *segmenter); !ok) return ok;
  // mlssegmentsink is the project's own element: gst-launch-1.0 finds it with
  // GST_PLUGIN_PATH=build/plugins (docs/metrics.md, "Pipeline graphs and launch lines").
  out_.launch_ += std::string("  mlssegmentsink name=rec max-size-time=") +
                  std::to_string(segment_ns) + " muxer-factory=" + muxer +
                  " \"muxer-properties=" + muxer_props + "\" location=" + dir + "/" +
                  input_name_ + "_%05d." + model::segmentExtension(settings_.format);
  return {};
}

}  // namespace mls::media
