// Debugging routes: the graph of a running pipeline, GET /debug/pipelines/{input}.dot and
// /debug/pipelines/{input}/{output}.dot (DOT text), .svg (rendered by graphviz, asynchronously:
// the response is deferred until the subprocess is done), and GET /api/v1/inputs/{input}/launch
// (gst-launch-1.0 commands of the input's and its outputs' pipelines), and GET /debug/threads
// (every thread of mlsd with its owner). Everything is redacted
// (diag/redact.h) against the URLs of the input and its outputs before it leaves. Handlers are
// pure but for the .svg rendering; main thread.
#include <json-glib/json-glib.h>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "diag/launch_command.h"
#include "diag/pipeline_graph.h"
#include "diag/redact.h"
#include "diag/thread_audit.h"

namespace mls::api {
namespace {

constexpr const char* kDotContentType = "text/vnd.graphviz; charset=utf-8";
constexpr const char* kSvgContentType = "image/svg+xml";

// Secrets that can show up in an input's pipelines: its own URL's and its outputs'.
std::vector<std::string> urlsOf(const model::InputSpec& input) {
  std::vector<std::string> urls{input.url};
  for (const model::OutputSpec& output : input.outputs) urls.push_back(output.url);
  return urls;
}

// The redacted DOT text of the pipeline that {input} (and {output}, when the route has it)
// names. NotFound for an unknown name, Conflict when that pipeline is not running now.
Result<std::string> redactedDot(const Request& request, Backend& backend) {
  const std::string& input = request.param("input");
  const std::string& output = request.param("output");
  const model::InputSpec* spec = backend.config().findInput(input);
  if (!spec) return fail(ErrorCode::NotFound, "no input named \"" + input + "\"", "input");
  if (!output.empty() && !spec->findOutput(output))
    return fail(ErrorCode::NotFound,
                "input \"" + input + "\" has no output named \"" + output + "\"", "output");
  std::string dot = backend.pipelineDot(input, output);
  if (dot.empty()) {
    const model::RunState state = output.empty() ? backend.inputStatus(input).run.state
                                                 : backend.outputStatus(input, output).state;
    const std::string what =
        output.empty() ? "input \"" + input + "\"" : "output \"" + input + "/" + output + "\"";
    return fail(ErrorCode::Conflict,
                what + " has no running pipeline now (it is " + model::runStateName(state) + ")");
  }
  return diag::redactSecrets(dot, urlsOf(*spec));
}

// A launch command, or null when that pipeline is not running.
JsonNode* launchNode(const std::string& line, const std::vector<std::string>& urls) {
  JsonNode* node = json_node_new(line.empty() ? JSON_NODE_NULL : JSON_NODE_VALUE);
  if (!line.empty())
    json_node_set_string(node, diag::launchCommand(diag::redactSecrets(line, urls)).c_str());
  return node;
}

}  // namespace

// GET /debug/threads: every thread of mlsd with its owner (diag/thread_audit.h). Thread names
// are element and pad names, never URLs, so there is nothing to redact.
Response threads_get(const Request&, Backend& backend, const ApiOptions&) {
  const std::vector<diag::AttributedThread> threads = backend.threads();
  JsonArray* list = json_array_new();
  for (const diag::AttributedThread& t : threads) {
    JsonObject* item = json_object_new();
    json_object_set_int_member(item, "tid", t.thread.tid);
    json_object_set_string_member(item, "name", t.thread.name.c_str());
    json_object_set_string_member(item, "owner_kind", diag::ownerKindName(t.owner.kind));
    if (t.owner.name.empty())
      json_object_set_null_member(item, "owner");
    else
      json_object_set_string_member(item, "owner", t.owner.name.c_str());
    json_object_set_double_member(item, "cpu_s", t.thread.cpu_s);
    json_array_add_object_element(list, item);
  }
  JsonObject* by_owner = json_object_new();
  for (const auto& [owner, count] : diag::countByOwner(threads))
    json_object_set_int_member(by_owner, owner.c_str(), count);
  JsonObject* root = json_object_new();
  json_object_set_int_member(root, "count", static_cast<gint64>(threads.size()));
  json_object_set_object_member(root, "by_owner", by_owner);
  json_object_set_array_member(root, "threads", list);
  return jsonResponse(200, root);
}

Response pipelines_dot(const Request& request, Backend& backend, const ApiOptions&) {
  auto dot = redactedDot(request, backend);
  if (!dot) return errorResponse(dot.error());
  Response response;
  response.content_type = kDotContentType;
  response.body = std::move(*dot);
  return response;
}

Response pipelines_svg(const Request& request, Backend& backend, const ApiOptions& options) {
  auto dot = redactedDot(request, backend);
  if (!dot) return errorResponse(dot.error());
  std::string program = diag::findGraphviz(options.graphviz_dot);
  if (program.empty())
    return errorResponse(Error{ErrorCode::NotFound,
                               "graphviz is not installed (no \"" + options.graphviz_dot +
                                   "\" program in PATH): install the graphviz package, or fetch "
                                   "the .dot graph instead",
                               {}});
  Response response;
  response.deferred = [dot = std::move(*dot), program, timeout = options.graphviz_timeout_ms](
                          Respond respond, GCancellable* cancellable) {
    diag::renderSvg(dot, program, cancellable, timeout,
                    [respond = std::move(respond)](Result<std::string> svg) {
                      if (!svg) {
                        respond(errorResponse(svg.error()));
                        return;
                      }
                      Response done;
                      done.content_type = kSvgContentType;
                      done.body = std::move(*svg);
                      respond(std::move(done));
                    });
  };
  return response;
}

Response inputs_launch(const Request& request, Backend& backend, const ApiOptions&) {
  const std::string& name = request.param("input");
  const model::InputSpec* spec = backend.config().findInput(name);
  if (!spec)
    return errorResponse(Error{ErrorCode::NotFound, "no input named \"" + name + "\"", "input"});
  const std::string line = backend.launchLine(name, "");
  if (line.empty())
    return errorResponse(Error{ErrorCode::Conflict,
                               "input \"" + name + "\" has no running pipeline now (it is " +
                                   model::runStateName(backend.inputStatus(name).run.state) + ")",
                               {}});
  const std::vector<std::string> urls = urlsOf(*spec);
  JsonArray* outputs = json_array_new();
  for (const model::OutputSpec& output : spec->outputs) {
    JsonObject* item = json_object_new();
    json_object_set_string_member(item, "name", output.name.c_str());
    json_object_set_string_member(
        item, "state", model::runStateName(backend.outputStatus(name, output.name).state));
    json_object_set_member(item, "launch", launchNode(backend.launchLine(name, output.name), urls));
    json_array_add_object_element(outputs, item);
  }
  JsonObject* root = json_object_new();
  json_object_set_string_member(root, "name", name.c_str());
  json_object_set_string_member(root, "state",
                                model::runStateName(backend.inputStatus(name).run.state));
  json_object_set_member(root, "launch", launchNode(line, urls));
  json_object_set_array_member(root, "outputs", outputs);
  return jsonResponse(200, root);
}

}  // namespace mls::api
