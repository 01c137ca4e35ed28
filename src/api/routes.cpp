// The route table: every API route in one block (method, path pattern, handler, body type,
// Go-MLS error shape). docs/openapi.yaml documents the same list. See router.h.
#include "api/handlers.h"
#include "api/router.h"

namespace mls::api {

const std::vector<Route>& routes() {
  using B = BodyKind;
  constexpr bool v1 = false;
  constexpr bool gomls = true;
  constexpr bool cached = true;  // ResponseCache (response_cache.h)
  // clang-format off
  static const std::vector<Route> table = {
      // method   pattern                                              handler         body    errors  cache
      {"GET",    "/api/v1/inputs",                                     inputs_list,    B::None, v1, cached},
      {"POST",   "/api/v1/inputs",                                     inputs_create,  B::Json, v1},
      {"GET",    "/api/v1/inputs/{input}",                             inputs_get,     B::None, v1, cached},
      {"PATCH",  "/api/v1/inputs/{input}",                             inputs_patch,   B::Json, v1},
      {"DELETE", "/api/v1/inputs/{input}",                             inputs_delete,  B::None, v1},
      {"POST",   "/api/v1/inputs/{input}/start",                       inputs_start,   B::None, v1},
      {"POST",   "/api/v1/inputs/{input}/stop",                        inputs_stop,    B::None, v1},
      {"GET",    "/api/v1/inputs/{input}/launch",                      inputs_launch,  B::None, v1},
      {"POST",   "/api/v1/inputs/{input}/recording",                   inputs_record_start, B::None, v1},
      {"DELETE", "/api/v1/inputs/{input}/recording",                   inputs_record_stop,  B::None, v1},
      {"GET",    "/api/v1/inputs/{input}/outputs",                     outputs_list,   B::None, v1, cached},
      {"POST",   "/api/v1/inputs/{input}/outputs",                     outputs_create, B::Json, v1},
      {"GET",    "/api/v1/inputs/{input}/outputs/{output}",            outputs_get,    B::None, v1, cached},
      {"PATCH",  "/api/v1/inputs/{input}/outputs/{output}",            outputs_patch,  B::Json, v1},
      {"DELETE", "/api/v1/inputs/{input}/outputs/{output}",            outputs_delete, B::None, v1},
      {"POST",   "/api/v1/inputs/{input}/outputs/{output}/start",      outputs_start,  B::None, v1},
      {"POST",   "/api/v1/inputs/{input}/outputs/{output}/stop",       outputs_stop,   B::None, v1},
      {"GET",    "/api/v1/presets",                                    presets_list,   B::None, v1},
      {"GET",    "/api/v1/config",                                     config_export,  B::None, v1},
      {"PUT",    "/api/v1/config",                                     config_import,  B::Json, v1},
      {"GET",    "/api/v1/system",                                     system_get,     B::None, v1},
      {"GET",    "/api/v1/recordings",                                 recordings_list,   B::None, v1},
      {"GET",    "/api/v1/recordings/{input}/{file}",                  recordings_get,    B::None, v1},
      {"DELETE", "/api/v1/recordings/{input}/{file}",                  recordings_delete, B::None, v1},
      {"GET",    "/api/v1/rtsp/sessions",                              rtsp_sessions,     B::None, v1},
      {"GET",    "/api/v1/events",                                     nullptr,        B::None, v1},
      // Operations: no token needed (GET), outside /api as scrapers and probes expect
      {"GET",    "/metrics",                                           metrics_get,    B::None, v1},
      {"GET",    "/healthz",                                           healthz_get,    B::None, v1},
      {"GET",    "/readyz",                                            readyz_get,     B::None, v1},
      {"GET",    "/debug/pipelines/{input}.dot",                       pipelines_dot,  B::None, v1},
      {"GET",    "/debug/pipelines/{input}.svg",                       pipelines_svg,  B::None, v1},
      {"GET",    "/debug/pipelines/{input}/{output}.dot",              pipelines_dot,  B::None, v1},
      {"GET",    "/debug/pipelines/{input}/{output}.svg",              pipelines_svg,  B::None, v1},
      {"GET",    "/debug/threads",                                     threads_get,    B::None, v1},
      // Go-MLS compatibility (request shapes of GO-MLS.md §1 rows 2-9)
      {"POST",   "/api/relay/start",                                   relay_start,         B::Json,      gomls},
      {"POST",   "/api/relay/stop",                                    relay_stop,          B::Json,      gomls},
      {"POST",   "/api/relay/delete-input",                            relay_delete_input,  B::Json,      gomls},
      {"POST",   "/api/input/delete",                                  relay_delete_input,  B::Json,      gomls},
      {"POST",   "/api/relay/delete-output",                           relay_delete_output, B::Json,      gomls},
      {"POST",   "/api/output/delete",                                 relay_delete_output, B::Json,      gomls},
      {"GET",    "/api/relay/status",                                  relay_status,        B::None,      gomls},
      {"GET",    "/api/relay/export",                                  relay_export,        B::None,      gomls},
      {"POST",   "/api/relay/import",                                  relay_import,        B::Multipart, gomls},
      {"GET",    "/api/relay/presets",                                 relay_presets,       B::None,      gomls},
      {"GET",    "/api/rtsp/status",                                   rtsp_status,         B::None,      gomls},
      {"POST",   "/api/recording/start",                               recording_start,     B::Json,      gomls},
      {"POST",   "/api/recording/stop",                                recording_stop,      B::Json,      gomls},
      // Go-MLS recordings (GO-MLS.md §1 rows 13-16); start/stop come with the recorder
      {"GET",    "/api/recording/list",                                recording_list,      B::None,      gomls},
      {"POST",   "/api/recording/delete",                              recording_delete,    B::Json,      gomls},
      {"GET",    "/api/recording/download",                            recording_download,  B::None,      gomls},
      {"GET",    "/api/recording/sse",                                 recording_sse,       B::None,      gomls},
  };
  // clang-format on
  return table;
}

}  // namespace mls::api
