// ProcessStats: figures of the mlsd process itself from /proc (threads, open file descriptors,
// resident memory, CPU time, start time), for GET /metrics and GET /api/v1/system. The parsing
// is a pure function of the files' text, tested on its own; readProcessStats() reads the files.
// Linux only. Any thread (it only reads /proc).
#pragma once

#include <string_view>

#include "diag/metrics.h"

namespace mls::diag {

// Parses /proc/self/stat (`stat`) with the clock ticks per second, the page size and the boot
// time (the "btime" line of /proc/stat, Unix seconds). Fills threads, resident_bytes, CPU times
// and start time of `out`; false when the text is not a stat line.
bool parseProcStat(std::string_view stat, long ticks_per_s, long page_size, double boot_time_s,
                   ProcessFigures* out);
// The "btime" of /proc/stat's text; 0 when absent.
double parseBootTime(std::string_view proc_stat);

// Everything, read now. Figures that cannot be read stay 0.
ProcessFigures readProcessStats();

}  // namespace mls::diag
