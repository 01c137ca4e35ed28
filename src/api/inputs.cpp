// /api/v1/inputs: list, create, get, patch, delete, start and stop inputs, and start and stop
// their recording. Inputs are shown with
// their observed state and their outputs (resources.h); URLs are masked. Pure handlers; main
// thread.
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

// 200 (or `status`) with the input as stored now.
Response inputResponse(int status, const std::string& name, Backend& backend,
                       const ApiOptions& options) {
  const model::InputSpec* input = backend.config().findInput(name);
  if (!input) return errorResponse(unknownInput(name));
  return jsonResponse(status, inputResource(*input, backend, options));
}

Response setInputEnabled(const Request& request, Backend& backend, const ApiOptions& options,
                         bool enabled) {
  const std::string& name = request.param("input");
  const model::InputSpec* current = backend.config().findInput(name);
  if (!current) return errorResponse(unknownInput(name));
  model::InputSpec changed = *current;
  changed.enabled = enabled;
  if (auto ok = backend.updateInput(std::move(changed)); !ok) return errorResponse(ok.error());
  return inputResponse(200, name, backend, options);
}

// The `record` flag: recording starts (or ends, its last segment finalized) as the supervisor
// applies the change; persisted, so it survives a restart.
Response setInputRecording(const Request& request, Backend& backend, const ApiOptions& options,
                           bool record) {
  const std::string& name = request.param("input");
  const model::InputSpec* current = backend.config().findInput(name);
  if (!current) return errorResponse(unknownInput(name));
  if (current->record != record) {
    model::InputSpec changed = *current;
    changed.record = record;
    if (auto ok = backend.updateInput(std::move(changed)); !ok) return errorResponse(ok.error());
  }
  return inputResponse(200, name, backend, options);
}

}  // namespace

Response inputs_list(const Request&, Backend& backend, const ApiOptions& options) {
  JsonArray* inputs = json_array_new();
  for (const model::InputSpec& input : backend.config().inputs)
    json_array_add_element(inputs, inputResource(input, backend, options));
  JsonObject* root = json_object_new();
  json_object_set_array_member(root, "inputs", inputs);
  return jsonResponse(200, root);
}

Response inputs_create(const Request& request, Backend& backend, const ApiOptions& options) {
  auto body = parseJsonBody(request);
  if (!body) return errorResponse(body.error());
  g_autoptr(JsonNode) node = *body;
  auto spec = model::inputFromJson(node);
  if (!spec) return errorResponse(spec.error());
  if (auto ok = refuseMaskedUrls(*spec); !ok) return errorResponse(ok.error());
  const std::string name = spec->name;
  if (auto ok = backend.createInput(std::move(*spec)); !ok) return errorResponse(ok.error());
  Response response = inputResponse(201, name, backend, options);
  response.headers.emplace_back("Location", "/api/v1/inputs/" + name);
  return response;
}

Response inputs_get(const Request& request, Backend& backend, const ApiOptions& options) {
  return inputResponse(200, request.param("input"), backend, options);
}

Response inputs_patch(const Request& request, Backend& backend, const ApiOptions& options) {
  const std::string& name = request.param("input");
  const model::InputSpec* current = backend.config().findInput(name);
  if (!current) return errorResponse(unknownInput(name));
  auto body = parseJsonBody(request);
  if (!body) return errorResponse(body.error());
  g_autoptr(JsonNode) node = *body;
  // "outputs" and the observed fields are ignored (outputs change through their own routes).
  auto patched = model::patchInput(*current, node);
  if (!patched) return errorResponse(patched.error());
  if (auto ok = refuseMaskedUrl(patched->url, "url"); !ok) return errorResponse(ok.error());
  if (auto ok = backend.updateInput(std::move(*patched)); !ok) return errorResponse(ok.error());
  return inputResponse(200, name, backend, options);
}

Response inputs_delete(const Request& request, Backend& backend, const ApiOptions& options) {
  const std::string& name = request.param("input");
  if (!backend.config().findInput(name)) return errorResponse(unknownInput(name));
  if (auto ok = backend.deleteInput(name); !ok) return errorResponse(ok.error());
  Response response;
  response.status = 204;
  return response;
}

Response inputs_start(const Request& request, Backend& backend, const ApiOptions& options) {
  return setInputEnabled(request, backend, options, true);
}

Response inputs_stop(const Request& request, Backend& backend, const ApiOptions& options) {
  return setInputEnabled(request, backend, options, false);
}

Response inputs_record_start(const Request& request, Backend& backend,
                             const ApiOptions& options) {
  return setInputRecording(request, backend, options, true);
}

Response inputs_record_stop(const Request& request, Backend& backend, const ApiOptions& options) {
  return setInputRecording(request, backend, options, false);
}

}  // namespace mls::api
