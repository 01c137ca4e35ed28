// Probe: the duration and codecs of a finished segment, read from its container without
// GStreamer. Fragmented (and plain) MP4: the moov's track sample entries give the codecs
// (avc1/avc3 → h264, hvc1/hev1 → h265, mp4a → aac or mp3 by its esds object type), and the
// duration is mvhd's (a plain file), mehd's, or — for a fragmented file cut by a crash — the
// span of the fragments' decode times (tfdt + trun sample durations) of the longest track, read
// by walking the top-level boxes (headers only: mdat is skipped). MPEG-TS: the PMT's stream
// types give the codecs, and the first and last PTS of the first elementary stream (the first
// and last 1 MiB of the file are read) the duration.
//
// Why not GstDiscoverer: it runs decode pipelines with their own streaming threads (to time out,
// audit and stop at exit) for two numbers a container walk gives in well under a millisecond
// per segment (docs/threads.md). Pure functions of the bytes; blocking reads; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/recording_names.h"

namespace mls::recordings {

struct ProbeResult {
  std::optional<double> duration_s;
  std::string video_codec;
  std::string audio_codec;
};

// Reads with pread() from `fd` (size `size`).
ProbeResult probeFile(int fd, uint64_t size, model::SegmentFormat format);

// The same over bytes in memory (tests).
ProbeResult probeBytes(const std::vector<uint8_t>& bytes, model::SegmentFormat format);

}  // namespace mls::recordings
