// /api/v1/inputs/{input}/outputs: list, create, get, patch, delete, start and stop the outputs
// of one input, with their observed state; URLs are masked. Pure handlers; main thread.
#include <json-glib/json-glib.h>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/masked_urls.h"
#include "api/resources.h"
#include "model/json_mapping.h"

namespace mls::api {

namespace {

Error unknownInput(const std::string& name) {
  return Error{ErrorCode::NotFound, "no input named \"" + name + "\"", "input"};
}

Error unknownOutput(const std::string& input, const std::string& output) {
  return Error{ErrorCode::NotFound,
               "input \"" + input + "\" has no output named \"" + output + "\"", "output"};
}

// The output named in the path, or the 404 to send.
Result<const model::OutputSpec*> findOutput(const Request& request, const Backend& backend) {
  const std::string& input_name = request.param("input");
  const std::string& output_name = request.param("output");
  const model::InputSpec* input = backend.config().findInput(input_name);
  if (!input) return fail(unknownInput(input_name));
  const model::OutputSpec* output = input->findOutput(output_name);
  if (!output) return fail(unknownOutput(input_name, output_name));
  return output;
}

Response outputResponse(int status, const std::string& input, const std::string& output,
                        Backend& backend) {
  const model::InputSpec* in = backend.config().findInput(input);
  const model::OutputSpec* out = in ? in->findOutput(output) : nullptr;
  if (!out) return errorResponse(unknownOutput(input, output));
  return jsonResponse(status, outputResource(input, *out, backend));
}

Response setOutputEnabled(const Request& request, Backend& backend, bool enabled) {
  auto current = findOutput(request, backend);
  if (!current) return errorResponse(current.error());
  model::OutputSpec changed = **current;
  changed.enabled = enabled;
  const std::string& input = request.param("input");
  if (auto ok = backend.updateOutput(input, std::move(changed)); !ok)
    return errorResponse(ok.error());
  return outputResponse(200, input, request.param("output"), backend);
}

}  // namespace

Response outputs_list(const Request& request, Backend& backend, const ApiOptions&) {
  const std::string& name = request.param("input");
  const model::InputSpec* input = backend.config().findInput(name);
  if (!input) return errorResponse(unknownInput(name));
  JsonArray* outputs = json_array_new();
  for (const model::OutputSpec& output : input->outputs)
    json_array_add_element(outputs, outputResource(name, output, backend));
  JsonObject* root = json_object_new();
  json_object_set_array_member(root, "outputs", outputs);
  return jsonResponse(200, root);
}

Response outputs_create(const Request& request, Backend& backend, const ApiOptions&) {
  const std::string& input = request.param("input");
  if (!backend.config().findInput(input)) return errorResponse(unknownInput(input));
  auto body = parseJsonBody(request);
  if (!body) return errorResponse(body.error());
  g_autoptr(JsonNode) node = *body;
  auto spec = model::outputFromJson(node);
  if (!spec) return errorResponse(spec.error());
  if (auto ok = refuseMaskedUrl(spec->url, "url"); !ok) return errorResponse(ok.error());
  const std::string name = spec->name;
  if (auto ok = backend.createOutput(input, std::move(*spec)); !ok)
    return errorResponse(ok.error());
  Response response = outputResponse(201, input, name, backend);
  response.headers.emplace_back("Location", "/api/v1/inputs/" + input + "/outputs/" + name);
  return response;
}

Response outputs_get(const Request& request, Backend& backend, const ApiOptions&) {
  auto output = findOutput(request, backend);
  if (!output) return errorResponse(output.error());
  return jsonResponse(200, outputResource(request.param("input"), **output, backend));
}

Response outputs_patch(const Request& request, Backend& backend, const ApiOptions&) {
  auto current = findOutput(request, backend);
  if (!current) return errorResponse(current.error());
  auto body = parseJsonBody(request);
  if (!body) return errorResponse(body.error());
  g_autoptr(JsonNode) node = *body;
  auto patched = model::patchOutput(**current, node);
  if (!patched) return errorResponse(patched.error());
  if (auto ok = refuseMaskedUrl(patched->url, "url"); !ok) return errorResponse(ok.error());
  const std::string& input = request.param("input");
  if (auto ok = backend.updateOutput(input, std::move(*patched)); !ok)
    return errorResponse(ok.error());
  return outputResponse(200, input, request.param("output"), backend);
}

Response outputs_delete(const Request& request, Backend& backend, const ApiOptions&) {
  auto current = findOutput(request, backend);
  if (!current) return errorResponse(current.error());
  if (auto ok = backend.deleteOutput(request.param("input"), request.param("output")); !ok)
    return errorResponse(ok.error());
  Response response;
  response.status = 204;
  return response;
}

Response outputs_start(const Request& request, Backend& backend, const ApiOptions&) {
  return setOutputEnabled(request, backend, true);
}

Response outputs_stop(const Request& request, Backend& backend, const ApiOptions&) {
  return setOutputEnabled(request, backend, false);
}

}  // namespace mls::api
