// Encoders and decoders: the one place that chooses which GStreamer element encodes or decodes
// what, and with which properties, so a hardware encoder (vaapih264enc, v4l2h264enc, nvh264enc)
// can slot in here without touching pipeline code. Main thread, while building a pipeline.
#pragma once

#include <gst/gst.h>

#include <string>

#include "core/result.h"
#include "model/spec.h"

namespace mls::media {

// The video encoder for `settings` at `fps` frames per second: CBR at settings.bitrate_kbps,
// a keyframe every keyframe_interval_s, zero-latency tuning. Returns a floating element.
Result<GstElement*> makeVideoEncoder(const model::TranscodeSettings& settings, int fps,
                                     std::string* launch);
// AAC encoder at `bitrate_kbps`.
Result<GstElement*> makeAudioEncoder(int bitrate_kbps, std::string* launch);
// Decoder for an mls codec name ("h264", "h265", "aac", "mp3", "opus").
Result<GstElement*> makeDecoder(const std::string& codec);
// Parser factory for an mls codec name ("h264", "h265", "aac", "mp3", "opus"); nullptr for
// anything else.
const char* parserFor(const std::string& codec);
// parserFor(), or "identity" for a codec without a parser.
const char* parserFactory(const std::string& codec);

}  // namespace mls::media
