// The decisions of mlssegmentsink (gstmlssegmentsink.cpp) as pure functions, so they can be tested
// without pipelines: when the leading stream starts a new segment, which segment a following
// stream's buffer belongs to, and when a following stream may go ahead of the leader. All times
// are running times in nanoseconds (GST_CLOCK_TIME_NONE = unknown). No state, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mls::segment {

inline constexpr uint64_t kNone = UINT64_MAX;  // GST_CLOCK_TIME_NONE

// The leader's buffer at `rt` starts a new segment: the first keyframe of the stream, or a
// keyframe at or after `segment_start + max_size_time` (never when max_size_time is 0). A buffer
// without a running time never cuts an open segment.
bool startsSegment(bool have_segment, uint64_t segment_start, uint64_t rt, bool keyframe,
                   uint64_t max_size_time);

// A following stream's buffer at `rt` goes to the newest segment whose start is at or before
// `rt`, never to one older than `current` (the index of the segment the stream writes now), and
// to the oldest one when it precedes them all. `starts` holds the segments' start times, oldest
// first, and is not empty. A buffer without a running time stays in `current`.
size_t segmentFor(const std::vector<uint64_t>& starts, size_t current, uint64_t rt);

// A following stream's buffer at `rt` may be written once no cut can come at or before `rt`:
// when `rt` is less than `max_size_time` after the open segment's start (`segment_start`), or
// once the leader is past it (it has a position and `rt` is before it). Buffers without a
// running time never wait. The first rule matters: the leader may itself be blocked in the
// muxer, which waits for this very buffer to interleave (at the end of a stream, when its last
// audio comes after its last video), and only the follower's deadline would end that wait.
bool followerMayPass(uint64_t rt, uint64_t leader_position, uint64_t segment_start,
                     uint64_t max_size_time);

}  // namespace mls::segment
