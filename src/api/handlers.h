// Every route handler, named after its resource and verb. Each is a pure function of the
// request (with its path parameters already checked by the router) and the backend; one file
// per resource: inputs.cpp, outputs.cpp, presets_routes.cpp, config_routes.cpp, system.cpp,
// health_metrics.cpp (/metrics, /healthz, /readyz), debug_routes.cpp (pipeline graphs, launch
// lines), compat_relay.cpp (Go-MLS relay start/stop/delete), compat_config.cpp (Go-MLS
// status, export, import, presets), recordings.cpp and compat_recordings.cpp, rtsp_routes.cpp.
// Main thread.
#pragma once

#include "api/router.h"

namespace mls::api {

#define MLS_API_HANDLER(name) \
  Response name(const Request& request, Backend& backend, const ApiOptions& options)

// /api/v1/inputs…
MLS_API_HANDLER(inputs_list);
MLS_API_HANDLER(inputs_create);
MLS_API_HANDLER(inputs_get);
MLS_API_HANDLER(inputs_patch);
MLS_API_HANDLER(inputs_delete);
MLS_API_HANDLER(inputs_start);
MLS_API_HANDLER(inputs_stop);
MLS_API_HANDLER(inputs_record_start);
MLS_API_HANDLER(inputs_record_stop);
MLS_API_HANDLER(inputs_launch);

// /api/v1/inputs/{input}/outputs…
MLS_API_HANDLER(outputs_list);
MLS_API_HANDLER(outputs_create);
MLS_API_HANDLER(outputs_get);
MLS_API_HANDLER(outputs_patch);
MLS_API_HANDLER(outputs_delete);
MLS_API_HANDLER(outputs_start);
MLS_API_HANDLER(outputs_stop);

// /api/v1/presets, /api/v1/config, /api/v1/system
MLS_API_HANDLER(presets_list);
MLS_API_HANDLER(config_export);
MLS_API_HANDLER(config_import);
MLS_API_HANDLER(system_get);

// /metrics, /healthz, /readyz
MLS_API_HANDLER(metrics_get);
MLS_API_HANDLER(healthz_get);
MLS_API_HANDLER(readyz_get);

// /debug/pipelines/…, /debug/threads
MLS_API_HANDLER(pipelines_dot);
MLS_API_HANDLER(pipelines_svg);
MLS_API_HANDLER(threads_get);

// Go-MLS compatibility: /api/relay/…
MLS_API_HANDLER(relay_start);
MLS_API_HANDLER(relay_stop);
MLS_API_HANDLER(relay_delete_input);
MLS_API_HANDLER(relay_delete_output);
MLS_API_HANDLER(relay_status);
MLS_API_HANDLER(relay_export);
MLS_API_HANDLER(relay_import);
MLS_API_HANDLER(relay_presets);
MLS_API_HANDLER(recording_start);
MLS_API_HANDLER(recording_stop);

// /api/v1/recordings… (recordings.cpp)
MLS_API_HANDLER(recordings_list);
MLS_API_HANDLER(recordings_get);
MLS_API_HANDLER(recordings_delete);

// Go-MLS compatibility: /api/recording/list|delete|download|sse (compat_recordings.cpp)
MLS_API_HANDLER(recording_list);
MLS_API_HANDLER(recording_delete);
MLS_API_HANDLER(recording_download);
MLS_API_HANDLER(recording_sse);

// /api/v1/rtsp/sessions and Go-MLS /api/rtsp/status (rtsp_routes.cpp)
MLS_API_HANDLER(rtsp_sessions);
MLS_API_HANDLER(rtsp_status);

#undef MLS_API_HANDLER

}  // namespace mls::api
