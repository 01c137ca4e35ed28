// RecorderBuilder: assembles a recorder, the OutputPipeline that writes an input's streams to
// segment files, without re-encoding:
//   Video tap → appsrc → queue → parse ─┐
//   Audio tap → appsrc → queue → parse ─┴→ splitmuxsink (mp4mux fragment-duration=1000 | mpegtsmux)
// Segments are cut at the first keyframe after the segment length, so each starts on a keyframe
// and plays on its own. Crash safety (GSTREAMER-NOTES.md, "Recording"): fragmented MP4 with 1 s
// fragments, set through muxer-properties, which splitmuxsink 1.22 applies only with
// async-finalize=true (it then makes a muxer and a filesink per segment); MPEG-TS gets
// config-interval=-1 on its parser so every segment carries SPS/PPS. File names and markers come
// from RecordingFiles (format-location-full). Main thread, pipeline in NULL.
#pragma once

#include <string>

#include "core/result.h"
#include "media/input_pipeline.h"
#include "media/output_pipeline.h"

namespace mls::media {

class RecorderBuilder {
 public:
  RecorderBuilder(OutputPipeline& out, InputPipeline& input, std::string input_name,
                  const RecorderSettings& settings)
      : out_(out), input_(input), input_name_(std::move(input_name)), settings_(settings) {}

  Result<void> build();

 private:
  Result<GstElement*> add(const char* factory, const char* name = nullptr);
  Result<void> addStream(TapKind kind, GstElement* splitmux);
  void alignStart(GstElement* appsrc, bool video);
  static GstPadProbeReturn onVideoBuffer(GstPad* pad, GstPadProbeInfo* info,
                                         gpointer start) noexcept;
  static GstPadProbeReturn onAudioBuffer(GstPad* pad, GstPadProbeInfo* info,
                                         gpointer start) noexcept;
  static gchar* onFormatLocation(GstElement* splitmux, guint fragment_id, GstSample* sample,
                                 gpointer files) noexcept;

  OutputPipeline& out_;
  InputPipeline& input_;
  std::string input_name_;
  const RecorderSettings& settings_;
};

}  // namespace mls::media
