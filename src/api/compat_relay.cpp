// Go-MLS compatibility: POST /api/relay/start, /api/relay/stop, /api/relay/delete-input (alias
// /api/input/delete) and /api/relay/delete-output (alias /api/output/delete), with Go-MLS's
// request shapes (unknown fields are 400 "Invalid request", as Go-MLS's DisallowUnknownFields
// did) and answers ({"status":"…"}, errors {"error":"…"}), but with honest status codes
// (400/404/409/413/415/422) instead of Go-MLS's blanket 500s. Each request validates the whole
// resulting config before the first change. Pure handlers; main thread.
#include <json-glib/json-glib.h>

#include "api/compat_model.h"
#include "api/compat_request.h"
#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/masked_urls.h"
#include "model/validate.h"

namespace mls::api {

namespace {

Error relayNotFound(const std::string& what, const std::string& name) {
  return Error{ErrorCode::NotFound, what + " relay not found: " + name, {}};
}

Error urlMismatch(const char* field_name) {
  return Error{ErrorCode::Conflict,
               std::string(field_name) + " does not match the stored URL of that name", field_name};
}

// The named input/output pair, with the Go-MLS URL fields checked when given.
struct Target {
  const model::InputSpec* input = nullptr;
  const model::OutputSpec* output = nullptr;
};

Result<Target> findTarget(const Backend& backend, const std::string& input_name,
                          const std::string& input_url, const std::string* output_name,
                          const std::string& output_url) {
  Target target;
  target.input = backend.config().findInput(input_name);
  if (!target.input) return fail(relayNotFound("input", input_name));
  if (!input_url.empty() && !sameUrlOrMasked(input_url, target.input->url))
    return fail(urlMismatch("input_url"));
  if (output_name) {
    target.output = target.input->findOutput(*output_name);
    if (!target.output) return fail(relayNotFound("output", input_name + "/" + *output_name));
    if (!output_url.empty() && !sameUrlOrMasked(output_url, target.output->url))
      return fail(urlMismatch("output_url"));
  }
  return target;
}

}  // namespace

Response relay_start(const Request& request, Backend& backend, const ApiOptions&) {
  static const char* const allowed[] = {"input_url",   "output_url",      "input_name",
                                        "output_name", "platform_preset", "ffmpeg_options",
                                        nullptr};
  GoBody body;
  if (auto ok = readGoBody(request, allowed, &body); !ok) return compatError(ok.error());
  GoRelay relay;
  for (auto [name, target] :
       {std::pair{"input_url", &relay.input_url}, std::pair{"output_url", &relay.output_url},
        std::pair{"input_name", &relay.input_name}, std::pair{"output_name", &relay.output_name},
        std::pair{"platform_preset", &relay.platform_preset}}) {
    auto value = goField(body, name);
    if (!value) return compatError(value.error());
    *target = *value;
  }
  auto options = readGoOptions(body.object(), "ffmpeg_options");
  if (!options) return badRequest("Invalid request: " + options.error().message);
  relay.options = *options;
  if (relay.input_name.empty() || relay.output_name.empty())
    return badRequest("Input and output names are required");

  // Build the whole resulting config and validate it before the first change.
  const model::Config& current = backend.config();
  const model::InputSpec* existing_input = current.findInput(relay.input_name);
  model::Config next = current;
  auto input = mergeGoInput(next, relay.input_name, relay.input_url);
  if (!input) return compatError(input.error());
  auto output = mergeGoOutput(**input, relay, GoOptionsMode::KeepWhenAbsent);
  if (!output) return compatError(output.error());
  if (auto ok = model::validateConfig(next, backend.validation()); !ok)
    return compatError(ok.error());

  Result<void> applied;
  if (!existing_input) {
    applied = backend.createInput(**input);
  } else {
    const bool new_output = existing_input->findOutput(relay.output_name) == nullptr;
    const bool enable_input = !existing_input->enabled;
    applied = new_output ? backend.createOutput(relay.input_name, **output)
                         : backend.updateOutput(relay.input_name, **output);
    if (applied && enable_input) applied = backend.updateInput(**input);
  }
  if (!applied) return compatError(applied.error());
  return statusResponse("started");
}

Response relay_stop(const Request& request, Backend& backend, const ApiOptions&) {
  static const char* const allowed[] = {"input_url", "output_url", "input_name", "output_name",
                                        nullptr};
  GoBody body;
  if (auto ok = readGoBody(request, allowed, &body); !ok) return compatError(ok.error());
  auto input_url = goField(body, "input_url");
  auto output_url = goField(body, "output_url");
  auto input_name = goField(body, "input_name");
  auto output_name = goField(body, "output_name");
  for (auto* r : {&input_url, &output_url, &input_name, &output_name})
    if (!*r) return compatError(r->error());
  if (input_name->empty() || output_name->empty())
    return badRequest("Input and output names are required");
  auto target = findTarget(backend, *input_name, *input_url, &*output_name, *output_url);
  if (!target) return compatError(target.error());
  if (target->output->enabled) {
    model::OutputSpec changed = *target->output;
    changed.enabled = false;
    if (auto ok = backend.updateOutput(*input_name, std::move(changed)); !ok)
      return compatError(ok.error());
  }
  return statusResponse("stopped");
}

Response relay_delete_input(const Request& request, Backend& backend, const ApiOptions&) {
  static const char* const allowed[] = {"input_url", "input_name", nullptr};
  GoBody body;
  if (auto ok = readGoBody(request, allowed, &body); !ok) return compatError(ok.error());
  auto input_url = goField(body, "input_url");
  if (!input_url) return compatError(input_url.error());
  auto input_name = goField(body, "input_name");
  if (!input_name) return compatError(input_name.error());
  if (input_name->empty()) return badRequest("Input name is required");
  auto target = findTarget(backend, *input_name, *input_url, nullptr, {});
  if (!target) return compatError(target.error());
  if (auto ok = backend.deleteInput(*input_name); !ok) return compatError(ok.error());
  return statusResponse("deleted");
}

Response relay_delete_output(const Request& request, Backend& backend, const ApiOptions&) {
  static const char* const allowed[] = {"input_url", "output_url", "input_name", "output_name",
                                        nullptr};
  GoBody body;
  if (auto ok = readGoBody(request, allowed, &body); !ok) return compatError(ok.error());
  auto input_url = goField(body, "input_url");
  auto output_url = goField(body, "output_url");
  auto input_name = goField(body, "input_name");
  auto output_name = goField(body, "output_name");
  for (auto* r : {&input_url, &output_url, &input_name, &output_name})
    if (!*r) return compatError(r->error());
  if (input_name->empty() || output_name->empty())
    return badRequest("Input and output names are required");
  auto target = findTarget(backend, *input_name, *input_url, &*output_name, *output_url);
  if (!target) return compatError(target.error());
  if (auto ok = backend.deleteOutput(*input_name, *output_name); !ok)
    return compatError(ok.error());
  return statusResponse("deleted");
}

}  // namespace mls::api
