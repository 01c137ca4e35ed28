// Segment: what the recording catalog knows of one segment file on disk — its input and file
// name, size, start (from its name), duration and codecs (from its container, once it is
// closed), and its state (from the marker files beside it, model/recording_names.h). Plus the
// RecordingStore interface: the narrow view of the catalog the REST API uses (list, open for
// download, delete), so API tests pass a fake. Plain values; the store runs on the main thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/recording_names.h"

namespace mls::recordings {

enum class SegmentState { Recording, Complete, Interrupted };
const char* segmentStateName(SegmentState state);  // "recording", "complete", "interrupted"

struct Segment {
  std::string input;  // the folder, and the name's prefix
  std::string file;   // "cam1_20261130T140000Z.mp4"
  model::SegmentFormat format = model::SegmentFormat::Mp4;
  SegmentState state = SegmentState::Complete;
  uint64_t size_bytes = 0;
  int64_t start_unix_s = 0;   // from the name
  int64_t mtime_unix_us = 0;  // last modification of the file
  // From the container, for a segment that is not being written; nullopt when unknown.
  std::optional<double> duration_s;
  std::string video_codec;  // "h264", "h265", … ; "" unknown or none
  std::string audio_codec;  // "aac", "mp3", … ; "" unknown or none

  bool finished() const { return state != SegmentState::Recording; }
  // start + duration, rounded to the second; nullopt while recording or when unknown.
  std::optional<int64_t> endUnixS() const;
  // "cam1/cam1_20261130T140000Z.mp4"
  std::string key() const { return input + "/" + file; }
};

// Which segments a listing wants: one input ("" all), and those overlapping [from, to] (either
// bound optional). A segment still being written extends to now.
struct SegmentQuery {
  std::string input;
  std::optional<int64_t> from_unix_s;
  std::optional<int64_t> to_unix_s;
};

// True when `segment` passes `query`; `now_unix_s` ends a segment without a known end.
bool matches(const Segment& segment, const SegmentQuery& query, int64_t now_unix_s);
// Newest first: by start, then by file name (the "-N" sequence), descending.
bool newerFirst(const Segment& a, const Segment& b);

// A segment file opened for reading (O_NOFOLLOW, a regular file inside its input's folder):
// the fd is owned (closed by the destructor), size and mtime are the fstat() at open time.
struct OpenSegment {
  OpenSegment() = default;
  OpenSegment(const OpenSegment&) = delete;
  OpenSegment& operator=(const OpenSegment&) = delete;
  ~OpenSegment();
  int fd = -1;
  uint64_t size_bytes = 0;
  int64_t mtime_unix_us = 0;
  model::SegmentFormat format = model::SegmentFormat::Mp4;
  bool recording = false;  // its .open marker exists: the size may grow
};

class RecordingStore {
 public:
  virtual ~RecordingStore() = default;
  // Matching segments, newest first.
  virtual std::vector<Segment> list(const SegmentQuery& query) const = 0;
  // Opens a segment for download. NotFound for a name that is not a segment name of `input`,
  // a file that does not exist or is not a regular file (a symlink, a directory).
  virtual Result<std::unique_ptr<OpenSegment>> open(const std::string& input,
                                                    const std::string& file) const = 0;
  // Deletes a finished segment and its markers. NotFound as for open(); Conflict while it is
  // being written (its .open marker exists). `reason` goes to the log.
  virtual Result<void> remove(const std::string& input, const std::string& file,
                              const std::string& reason) = 0;
};

}  // namespace mls::recordings
