// OutputBuilder: assembles the elements of one OutputPipeline from the output's URL, profile and
// audio mode and what its input carries (see output_pipeline.h for the shapes). Kept apart from
// OutputPipeline so the choice of shape reads in one place. Main thread, pipeline in NULL.
#pragma once

#include <string>

#include "core/result.h"
#include "media/input_pipeline.h"
#include "media/output_pipeline.h"
#include "model/spec.h"

namespace mls::media {

// Whether `spec` sends its input's muxed FLV stream as it is (Flv tap): an rtmp(s):// output,
// passthrough, whose audio needs no change and fits FLV. Those are the outputs an input's
// fan-out carries (fanout_sender.h); with rtmp2sink, they get the muxed passthrough shape.
bool sendsInputFlv(const model::OutputSpec& spec, const model::MediaInfo& media);

class OutputBuilder {
 public:
  OutputBuilder(OutputPipeline& out, InputPipeline& input, const model::OutputSpec& spec)
      : out_(out), input_(input), spec_(spec) {}

  Result<void> build();

 private:
  Result<GstElement*> add(const char* factory, const char* name = nullptr);
  Result<GstElement*> makeSink(const std::string& scheme);
  Result<GstElement*> addAppSrc(TapKind kind);
  Result<void> buildMuxedPassthrough(TapKind kind, const std::string& scheme);
  Result<void> buildElementary(const std::string& scheme);
  Result<GstElement*> videoChain(GstElement* appsrc, bool for_ts);
  Result<GstElement*> audioChain(GstElement* appsrc, bool transcode);
  Result<GstElement*> silenceChain();
  Result<void> linkToSink(GstElement* last, GstElement* mux_or_sink, bool is_video,
                          const std::string& scheme);
  // The gst-launch-1.0 description (OutputPipeline::launchLine()): describe() starts a chain,
  // link() continues the current one (" ! part").
  void describe(const std::string& part);
  void link(const std::string& part);

  OutputPipeline& out_;
  InputPipeline& input_;
  const model::OutputSpec& spec_;
  GstBin* bin_ = nullptr;
};

}  // namespace mls::media
