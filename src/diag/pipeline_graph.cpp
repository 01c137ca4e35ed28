// Pipeline graphs in DOT and SVG. See pipeline_graph.h.
#include "diag/pipeline_graph.h"

#include <memory>

#include "core/gobj.h"
#include "core/log.h"

namespace mls::diag {
namespace {

// One SVG rendering in flight: owned by the communicate callback's user data. `done` is called
// once: by the timer when graphviz takes too long, or else by the communicate callback.
struct Render {
  GObjectPtr<GSubprocess> process;
  std::function<void(Result<std::string>)> done;
  SourceGuard timer;  // kills graphviz when it takes too long
  int timeout_ms = 0;

  void answer(Result<std::string> result) {
    if (!done) return;
    auto call = std::move(done);
    done = nullptr;
    call(std::move(result));
  }
};

std::string bytesText(GBytes* bytes) {
  if (!bytes) return {};
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  return data ? std::string(data, size) : std::string();
}

void onCommunicated(GObject* source, GAsyncResult* result, gpointer data) noexcept {
  std::unique_ptr<Render> render(static_cast<Render*>(data));
  render->timer.reset();
  g_autoptr(GBytes) out = nullptr;
  g_autoptr(GBytes) err = nullptr;
  g_autoptr(GError) error = nullptr;
  GSubprocess* process = G_SUBPROCESS(source);
  if (!g_subprocess_communicate_finish(process, result, &out, &err, &error)) {
    g_subprocess_force_exit(process);  // cancelled (or a pipe failed): graphviz must not linger
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      render->answer(fail(ErrorCode::Unavailable, "mlsd is shutting down"));
    } else {
      render->answer(
          fail(ErrorCode::Internal, std::string("graphviz could not be run: ") + error->message));
    }
    return;
  }
  if (!g_subprocess_get_successful(process)) {
    std::string message = bytesText(err);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r'))
      message.pop_back();
    render->answer(fail(ErrorCode::Internal, "graphviz failed to render the graph: " +
                                                 (message.empty() ? "no message" : message)));
    return;
  }
  render->answer(bytesText(out));
}

}  // namespace

std::string pipelineDot(GstElement* pipeline) {
  g_return_val_if_fail(GST_IS_BIN(pipeline), std::string());
  // Every detail, and property values in full: a value cut short could leave part of a secret
  // where the redaction (redact.h) no longer recognises it.
  auto details = GstDebugGraphDetails(GST_DEBUG_GRAPH_SHOW_ALL | GST_DEBUG_GRAPH_SHOW_FULL_PARAMS);
  g_autofree gchar* dot = gst_debug_bin_to_dot_data(GST_BIN(pipeline), details);
  return dot ? dot : "";
}

std::string findGraphviz(const std::string& program) {
  g_autofree gchar* path = g_find_program_in_path(program.c_str());
  return path ? path : "";
}

void renderSvg(const std::string& dot, const std::string& program_path, GCancellable* cancellable,
               int timeout_ms, std::function<void(Result<std::string>)> done) {
  g_autoptr(GError) error = nullptr;
  const gchar* argv[] = {program_path.c_str(), "-Tsvg", nullptr};
  GSubprocess* process = g_subprocess_newv(
      argv,
      GSubprocessFlags(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                       G_SUBPROCESS_FLAGS_STDERR_PIPE),
      &error);
  if (!process) {
    done(
        fail(ErrorCode::Internal, std::string("graphviz could not be started: ") + error->message));
    return;
  }
  auto* render = new Render{adopt(process), std::move(done), {}, timeout_ms};
  render->timer = SourceGuard::timeout(static_cast<guint>(timeout_ms), [render]() {
    MLS_WARN("diag", "graphviz took more than %d ms: killing it", render->timeout_ms);
    g_subprocess_force_exit(render->process.get());
    g_autofree gchar* message = g_strdup_printf("graphviz did not render the graph within %.1f s",
                                                render->timeout_ms / 1000.0);
    render->answer(fail(ErrorCode::Internal, message));
    render->timer = SourceGuard();
    return G_SOURCE_REMOVE;
  });
  g_autoptr(GBytes) input = g_bytes_new(dot.data(), dot.size());
  g_subprocess_communicate_async(process, input, cancellable, onCommunicated, render);
}

}  // namespace mls::diag
