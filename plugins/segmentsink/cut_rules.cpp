// mlssegmentsink's cut and routing rules. See cut_rules.h.
#include "cut_rules.h"

namespace mls::segment {

bool startsSegment(bool have_segment, uint64_t segment_start, uint64_t rt, bool keyframe,
                   uint64_t max_size_time) {
  if (!keyframe) return false;
  if (!have_segment) return true;
  if (max_size_time == 0 || rt == kNone || segment_start == kNone) return false;
  return rt >= segment_start && rt - segment_start >= max_size_time;
}

size_t segmentFor(const std::vector<uint64_t>& starts, size_t current, uint64_t rt) {
  if (starts.empty()) return 0;
  if (current >= starts.size()) current = starts.size() - 1;
  if (rt == kNone) return current;
  size_t target = current;
  for (size_t i = current + 1; i < starts.size(); ++i)
    if (starts[i] != kNone && rt >= starts[i]) target = i;
  return target;
}

bool followerMayPass(uint64_t rt, uint64_t leader_position, uint64_t segment_start,
                     uint64_t max_size_time) {
  if (rt == kNone) return true;
  // The next cut is at a leader keyframe at least max_size_time after the open segment's start
  // (startsSegment): a buffer before that belongs to the open segment whatever the leader does.
  if (max_size_time == 0 || segment_start == kNone) return true;
  if (rt < segment_start || rt - segment_start < max_size_time) return true;
  return leader_position != kNone && rt < leader_position;
}

}  // namespace mls::segment
