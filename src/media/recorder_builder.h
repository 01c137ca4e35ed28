// RecorderBuilder: assembles a recorder, the OutputPipeline that writes an input's streams to
// segment files, without re-encoding:
//   Video tap → appsrc → queue → parse ─┐
//   Audio tap → appsrc → queue → parse ─┴→ mlssegmentsink (mp4mux fragment-duration=500 | mpegtsmux)
// mlssegmentsink (the project's own element, plugins/segmentsink) makes a muxer and a filesink
// per segment and cuts at the first video keyframe after the segment length, so each segment
// starts on a keyframe and plays on its own; audio crosses the cut at the keyframe's running
// time. It holds no GOP (splitmuxsink did, up to a whole one): every buffer reaches the muxer at
// once. Crash safety (GSTREAMER-NOTES.md, "Recording"): fragmented MP4 with 500 ms fragments, so
// a kill -9 loses at most the fragment in progress; MPEG-TS gets config-interval=-1 on its parser
// so every segment carries SPS/PPS. The queue before each pad is required by the element (its
// streams wait for each other on their own threads). File names and markers come from
// RecordingFiles (format-location-full). Main thread, pipeline in NULL.
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
  Result<void> addStream(TapKind kind, GstElement* segmenter);
  void alignStart(GstElement* appsrc, bool video);
  static GstPadProbeReturn onVideoBuffer(GstPad* pad, GstPadProbeInfo* info,
                                         gpointer start) noexcept;
  static GstPadProbeReturn onAudioBuffer(GstPad* pad, GstPadProbeInfo* info,
                                         gpointer start) noexcept;
  static gchar* onFormatLocation(GstElement* segmenter, guint fragment_id, GstSample* sample,
                                 gpointer files) noexcept;

  OutputPipeline& out_;
  InputPipeline& input_;
  std::string input_name_;
  const RecorderSettings& settings_;
};

}  // namespace mls::media
