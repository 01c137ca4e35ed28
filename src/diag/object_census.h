// ObjectCensus: every GstObject mlsd creates after start-up, counted while it lives, so the exit
// report can say whether any is left (a leaked element, pad, bus, task, buffer pool…) and
// /api/v1/system can show how many are alive now. A GstTracer hook on "object-created" records
// each object's address and type; one on "object-destroyed" forgets it. This is what the `leaks`
// tracer reports at gst_deinit(), but always on and readable at any moment (1.22's leaks tracer
// cannot be queried while mlsd runs: its get-live-objects action corrupts live objects).
//
// What GStreamer itself keeps for the life of the process is not counted: plugins and their
// features (loaded on first use, after start-up), tracers, the system clock singleton, element
// classes' pad templates and GstTask's default pool (both made on first use).
//
// install() once after gst_init(), on the main thread, before any pipeline exists. The hooks run
// on whichever thread creates or finalizes an object; snapshot() on any thread. One mutex.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace mls::diag {

struct ObjectCensus {
  bool installed = false;
  uint64_t created = 0;    // GstObjects created since install()
  uint64_t destroyed = 0;  // of those, finalized
  uint64_t alive = 0;      // of those, alive now (process-lifetime objects excluded, see above)
  std::map<std::string, int> alive_by_type;  // type name -> count, for the report
};

namespace object_census {

// Registers the tracer hooks (idempotent).
void install();
// The census now.
ObjectCensus snapshot();

}  // namespace object_census
}  // namespace mls::diag
