// Allocator policy: how mlsd makes freed memory go back to the system. A daemon whose streaming
// threads come and go with every input keeps what those threads freed resident, in GLib's
// GSlice caches and in glibc malloc's arenas, unless it opts out of the one, limits the other,
// and trims after a teardown. Measured with tests/integration/churn_test.cpp (200 cycles of
// input + 2 outputs + recording + RTSP client): the figures are in allocator.cpp and in the
// commits that changed this file.
//
// configureAllocator() runs once, first thing in main(), before GStreamer and before any thread
// exists. releaseFreedMemory() is thread-safe (malloc_trim takes each arena's lock in turn); the
// Reaper calls it on its own thread once a teardown leaves its queue empty, so the main loop never
// pays for it.
#pragma once

#include <cstdint>

namespace mls::core {

// With GLib < 2.76 and G_SLICE unset: sets G_SLICE=always-malloc and re-executes mlsd (same pid,
// same arguments), because GLib reads G_SLICE in its library constructor, before main(). Then,
// unless MALLOC_ARENA_MAX is set: two malloc arenas instead of glibc's 8 per core. Returns only
// when mlsd is configured (or the re-exec failed, which it logs on stderr and survives).
void configureAllocator(char** argv);

struct TrimFigures {
  int64_t duration_us = 0;  // wall time of malloc_trim(0)
  int64_t cpu_us = 0;       // CPU time of the calling thread in it
  bool released = false;    // malloc_trim's result: memory went back to the system
};

// malloc_trim(0): hands every whole free page of every arena back to the kernel.
TrimFigures releaseFreedMemory();

}  // namespace mls::core
