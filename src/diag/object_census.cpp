// Live GstObjects through tracer hooks. See object_census.h.
#include "diag/object_census.h"

#include <gst/gst.h>

#include <mutex>
#include <unordered_map>

namespace {

struct MlsCensusTracer {
  GstTracer parent;
};
struct MlsCensusTracerClass {
  GstTracerClass parent_class;
};

G_DEFINE_TYPE(MlsCensusTracer, mls_census_tracer, GST_TYPE_TRACER)

void mls_census_tracer_class_init(MlsCensusTracerClass*) {}
void mls_census_tracer_init(MlsCensusTracer*) {}

std::mutex census_lock;
std::unordered_map<const void*, GType> alive;  // protected by census_lock
uint64_t created = 0;                          // protected by census_lock
uint64_t destroyed = 0;                        // protected by census_lock
bool installed = false;                        // set once on the main thread

// Objects GStreamer keeps until the process ends, whoever made them first: plugins and their
// features, tracers, the system clock, the pad templates an element class makes when its first
// instance is created, and GstTask's default pool.
bool processLifetime(GType type) {
  for (GType kept : {GST_TYPE_PLUGIN, GST_TYPE_PLUGIN_FEATURE, GST_TYPE_TRACER,
                     GST_TYPE_SYSTEM_CLOCK, GST_TYPE_PAD_TEMPLATE, GST_TYPE_TASK_POOL})
    if (g_type_is_a(type, kept)) return true;
  return false;
}

// GstTracerHookObjectCreated; any thread.
void onObjectCreated(GObject*, GstClockTime, GstObject* object) noexcept {
  const GType type = G_OBJECT_TYPE(object);
  if (processLifetime(type)) return;
  std::lock_guard<std::mutex> lock(census_lock);
  alive[object] = type;
  created++;
}

// GstTracerHookObjectDestroyed: called from gst_object_finalize(), the type still valid.
void onObjectDestroyed(GObject*, GstClockTime, GstObject* object) noexcept {
  std::lock_guard<std::mutex> lock(census_lock);
  if (alive.erase(object) > 0) destroyed++;
}

}  // namespace

namespace mls::diag::object_census {

void install() {
  static GstTracer* tracer = nullptr;  // main thread; lives as long as the process
  if (tracer) return;
  tracer = GST_TRACER(g_object_new(mls_census_tracer_get_type(), nullptr));
  gst_object_ref_sink(tracer);
  gst_tracing_register_hook(tracer, "object-created", G_CALLBACK(onObjectCreated));
  gst_tracing_register_hook(tracer, "object-destroyed", G_CALLBACK(onObjectDestroyed));
  installed = true;
}

ObjectCensus snapshot() {
  ObjectCensus census;
  census.installed = installed;
  std::lock_guard<std::mutex> lock(census_lock);
  census.created = created;
  census.destroyed = destroyed;
  census.alive = alive.size();
  for (const auto& [object, type] : alive) census.alive_by_type[g_type_name(type)]++;
  return census;
}

}  // namespace mls::diag::object_census
