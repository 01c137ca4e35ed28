// PipelineGraph: a running pipeline as a graph for engineers — DOT text from GStreamer's own
// gst_debug_bin_to_dot_data() (every element, pad, caps and non-default property, values in
// full), and SVG rendered from it by graphviz's `dot -Tsvg`, run as a subprocess (GSubprocess)
// and read asynchronously, so the main loop never waits for it.
//
// The DOT text holds whatever the elements hold, stream keys included: callers redact it
// (redact.h) before it leaves mlsd, and render the redacted text.
//
// pipelineDot() and renderSvg() are called on the main thread; renderSvg()'s `done` runs on the
// main context (the thread-default context of the caller) once, unless cancelled.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <functional>
#include <string>

#include "core/result.h"

namespace mls::diag {

// The DOT text of `pipeline` (any GstBin).
std::string pipelineDot(GstElement* pipeline);

// The full path of graphviz's `program` ("dot") in PATH, or "" when it is not installed.
std::string findGraphviz(const std::string& program);

// Renders `dot` as SVG with `program_path` (findGraphviz()). `done` gets the SVG, or an Error:
// Internal when graphviz fails or takes more than `timeout_ms` (it is killed), Unavailable when
// `cancellable` was cancelled (the subprocess is killed too).
void renderSvg(const std::string& dot, const std::string& program_path, GCancellable* cancellable,
               int timeout_ms, std::function<void(Result<std::string>)> done);

}  // namespace mls::diag
