// ApiOptions: how the API server is set up (token, body limit, the RTSP address shown by the
// Go-MLS status route, SSE timings, graphviz for pipeline graphs). Filled once by the app from
// the command line; read-only afterwards. Main thread.
#pragma once

#include <cstddef>
#include <string>

namespace mls::api {

struct ApiOptions {
  // Bearer token for mutating requests (and exports with secrets); empty = no auth.
  std::string api_token;
  // Largest request body accepted (413 above it).
  size_t max_body_bytes = 1024 * 1024;
  // "host:port" of the embedded RTSP server, for the Go-MLS status route's local_url
  // ("rtsp://<rtsp_authority>/<input>").
  std::string rtsp_authority = "127.0.0.1:8554";
  // Server-sent events: keepalive comment interval, events kept for Last-Event-ID resume, and
  // the reconnect delay suggested to clients (`retry:`).
  unsigned sse_keepalive_ms = 15000;
  size_t sse_history = 1000;
  unsigned sse_retry_ms = 2000;
  // Pipeline graphs as SVG: graphviz's program (looked up in PATH at each request; absent means
  // 404 for .svg, .dot still works) and how long it may take before it is killed.
  std::string graphviz_dot = "dot";
  int graphviz_timeout_ms = 10000;
};

}  // namespace mls::api
