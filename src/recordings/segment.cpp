// Segment values and their ordering and filtering. See segment.h.
#include "recordings/segment.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace mls::recordings {

const char* segmentStateName(SegmentState state) {
  switch (state) {
    case SegmentState::Recording: return "recording";
    case SegmentState::Interrupted: return "interrupted";
    case SegmentState::Complete: break;
  }
  return "complete";
}

std::optional<int64_t> Segment::endUnixS() const {
  if (!finished() || !duration_s) return std::nullopt;
  return start_unix_s + static_cast<int64_t>(std::llround(*duration_s));
}

bool matches(const Segment& segment, const SegmentQuery& query, int64_t now_unix_s) {
  if (!query.input.empty() && segment.input != query.input) return false;
  int64_t end = segment.start_unix_s;
  if (!segment.finished())
    end = std::max(end, now_unix_s);
  else if (auto known = segment.endUnixS())
    end = *known;
  else
    end = std::max(end, segment.mtime_unix_us / 1000000);
  if (query.from_unix_s && end < *query.from_unix_s) return false;
  if (query.to_unix_s && segment.start_unix_s > *query.to_unix_s) return false;
  return true;
}

bool newerFirst(const Segment& a, const Segment& b) {
  if (a.start_unix_s != b.start_unix_s) return a.start_unix_s > b.start_unix_s;
  if (a.file.size() != b.file.size()) return a.file.size() > b.file.size();  // "-10" after "-9"
  if (a.file != b.file) return a.file > b.file;
  return a.input > b.input;
}

OpenSegment::~OpenSegment() {
  if (fd >= 0) close(fd);
}

}  // namespace mls::recordings
