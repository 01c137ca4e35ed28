// FlowCounters: what has flowed through an input, counted by streaming-thread probes (the input
// pipeline's, and its parse gate's while parsing is paused) and read on the main thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace mls::media {

struct FlowCounters {
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> video_frames{0};
  std::atomic<uint64_t> buffers{0};
  std::atomic<int64_t> last_buffer_us{0};  // g_get_monotonic_time() of the newest buffer
};

}  // namespace mls::media
