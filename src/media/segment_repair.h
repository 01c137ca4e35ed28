// Segment repair: makes a recording segment left open by a crash (kill -9, power loss) playable
// and marks it interrupted. A fragmented MP4 segment is a header (ftyp, moov) followed by
// complete moof+mdat fragments and, at a crash, at most one partial fragment: repair truncates
// the file at the end of the last complete fragment. An MPEG-TS segment is cut to whole 188-byte
// packets. A segment with no complete fragment at all holds no playable media and is removed.
//
// recoverInterrupted() runs once at start-up, before the catalog scans and before any recorder
// starts: for every ".<file>.open" marker in an input folder, it repairs <file> and renames the
// marker to ".<file>.interrupted". Plain file I/O, no GStreamer; the caller's thread (main
// thread at start-up, the reaper's `done` callback after a forced stop).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace mls::media {

struct RepairOutcome {
  bool removed = false;        // nothing playable: the file (and its marker) were deleted
  uint64_t size_before = 0;
  uint64_t size_after = 0;     // == size_before when the file was whole already
};

// Repairs the segment at `path` (format from its extension, see model/recording_names.h).
Result<RepairOutcome> repairSegment(const std::string& path);

// Repairs the segment `file` in `dir` whose ".open" marker is left, and turns the marker into
// ".interrupted" (removes it when the segment was removed). Logs what it did.
void markInterrupted(const std::string& dir, const std::string& file);

// Start-up pass over <recordings_dir>/<input>/ folders. Returns how many segments it repaired.
int recoverInterrupted(const std::string& recordings_dir);

}  // namespace mls::media
