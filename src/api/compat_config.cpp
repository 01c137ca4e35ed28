// Go-MLS compatibility: GET /api/relay/status (Go-MLS's status shape), GET /api/relay/export and
// POST /api/relay/import (the relay_config.json array of GO-MLS.md §2.8), GET /api/relay/presets.
// Import is additive like Go-MLS's (it never removes relays) but atomic: the merged config is
// validated as a whole and applied with one Backend::replaceConfig, or nothing changes. Pure
// handlers; main thread.
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <vector>

#include "api/compat_model.h"
#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "model/json_mapping.h"
#include "model/presets.h"
#include "model/url.h"
#include "model/validate.h"

namespace mls::api {

namespace {

Response compatError(ErrorCode code, const std::string& message) {
  return compatErrorResponse(Error{code, message, {}});
}

void setOptionalError(JsonObject* object, const std::string& last_error) {
  if (!last_error.empty()) json_object_set_string_member(object, "last_error", last_error.c_str());
}

template <typename T>
std::vector<const T*> sortedByName(const std::vector<T>& items) {
  std::vector<const T*> sorted;
  for (const T& item : items) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(), [](const T* a, const T* b) { return a->name < b->name; });
  return sorted;
}

JsonObject* statusInput(const model::InputSpec& input, const std::string& local_url,
                        const Backend& backend) {
  const model::RunStatus run = backend.inputStatus(input.name).run;
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "input_url", model::maskUrl(input.url).c_str());
  json_object_set_string_member(object, "input_name", input.name.c_str());
  json_object_set_string_member(object, "local_url", local_url.c_str());
  json_object_set_string_member(object, "status", goStatusName(run.state));
  setOptionalError(object, run.last_error);
  // Everything runs inside mlsd: there is no per-relay process to measure.
  json_object_set_double_member(object, "cpu", 0);
  json_object_set_double_member(object, "mem", 0);
  json_object_set_double_member(object, "speed", run.state == model::RunState::Live ? 1.0 : 0.0);
  return object;
}

JsonNode* statusOutput(const model::InputSpec& input, const model::OutputSpec& output,
                       const std::string& local_url, const Backend& backend) {
  const model::RunStatus run = backend.outputStatus(input.name, output.name);
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "output_url", model::maskUrl(output.url).c_str());
  json_object_set_string_member(object, "output_name", output.name.c_str());
  json_object_set_string_member(object, "input_url", model::maskUrl(input.url).c_str());
  json_object_set_string_member(object, "local_url", local_url.c_str());
  json_object_set_string_member(object, "status", goStatusName(run.state));
  setOptionalError(object, run.last_error);
  json_object_set_double_member(object, "cpu", 0);
  json_object_set_double_member(object, "mem", 0);
  json_object_set_double_member(object, "bitrate", run.bitrate_bps / 1000.0);  // kb/s, current
  JsonNode* node = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(node, object);
  return node;
}

JsonNode* exportEntry(const model::InputSpec& input, model::Secrets secrets) {
  auto url = [secrets](const std::string& u) {
    return secrets == model::Secrets::Keep ? u : model::maskUrl(u);
  };
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "input_url", url(input.url).c_str());
  json_object_set_string_member(object, "input_name", input.name.c_str());
  JsonArray* outputs = json_array_new();
  for (const model::OutputSpec& output : input.outputs) {
    GoOutputView view = goOutputView(output);
    JsonObject* entry = json_object_new();
    json_object_set_string_member(entry, "output_url", url(output.url).c_str());
    json_object_set_string_member(entry, "output_name", output.name.c_str());
    json_object_set_string_member(entry, "platform_preset", view.platform_preset.c_str());
    json_object_set_object_member(entry, "ffmpeg_options", goOptionsJson(view.options));
    JsonNode* node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, entry);
    json_array_add_element(outputs, node);
  }
  json_object_set_array_member(object, "outputs", outputs);
  JsonNode* node = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(node, object);
  return node;
}

// The `file` part of a multipart/form-data body.
Result<std::string> uploadedFile(const Request& request) {
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new(SOUP_MESSAGE_HEADERS_MULTIPART);
  soup_message_headers_replace(headers, "Content-Type", request.header("content-type")->c_str());
  g_autoptr(GBytes) body = g_bytes_new(request.body.data(), request.body.size());
  g_autoptr(SoupMultipart) multipart = soup_multipart_new_from_message(headers, body);
  if (!multipart) return fail(ErrorCode::BadRequest, "Invalid multipart body");
  for (int i = 0; i < soup_multipart_get_length(multipart); ++i) {
    SoupMessageHeaders* part_headers = nullptr;
    GBytes* part_body = nullptr;
    if (!soup_multipart_get_part(multipart, i, &part_headers, &part_body)) continue;
    g_autofree char* disposition = nullptr;
    g_autoptr(GHashTable) params = nullptr;
    if (!soup_message_headers_get_content_disposition(part_headers, &disposition, &params))
      continue;
    const char* name = static_cast<const char*>(g_hash_table_lookup(params, "name"));
    if (!name || g_strcmp0(name, "file") != 0) continue;
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(part_body, &size));
    return std::string(data ? data : "", size);
  }
  return fail(ErrorCode::BadRequest, "No file uploaded");
}

Result<JsonArray*> entriesOf(JsonNode* root) {
  if (JSON_NODE_HOLDS_NULL(root)) return static_cast<JsonArray*>(nullptr);  // Go-MLS: empty set
  if (!JSON_NODE_HOLDS_ARRAY(root))
    return fail(ErrorCode::BadRequest, "Invalid relay config: expected a JSON array of relays");
  return json_node_get_array(root);
}

// Merges one relay_config.json entry into `config`.
Result<void> importEntry(model::Config& config, JsonNode* node, guint index) {
  const std::string where = "relay " + std::to_string(index) + ": ";
  auto prefixed = [&where](Error error) {
    error.message = where + error.message;
    return fail(std::move(error));
  };
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return fail(ErrorCode::BadRequest, where + "expected an object");
  JsonObject* object = json_node_get_object(node);
  auto input_name = readString(object, "input_name");
  if (!input_name) return prefixed(input_name.error());
  auto input_url = readString(object, "input_url");
  if (!input_url) return prefixed(input_url.error());
  if (input_name->empty())
    return fail(ErrorCode::Invalid, where + "input_name is required", "input_name");
  auto input = mergeGoInput(config, *input_name, *input_url);
  if (!input) return prefixed(input.error());

  JsonNode* outputs = json_object_get_member(object, "outputs");
  if (!outputs || JSON_NODE_HOLDS_NULL(outputs)) return {};
  if (!JSON_NODE_HOLDS_ARRAY(outputs))
    return fail(ErrorCode::BadRequest, where + "\"outputs\" must be an array", "outputs");
  JsonArray* list = json_node_get_array(outputs);
  for (guint i = 0; i < json_array_get_length(list); ++i) {
    JsonNode* entry = json_array_get_element(list, i);
    if (!JSON_NODE_HOLDS_OBJECT(entry))
      return fail(ErrorCode::BadRequest, where + "each output must be an object", "outputs");
    JsonObject* out = json_node_get_object(entry);
    GoRelay relay;
    relay.input_name = *input_name;
    for (auto [key, target] :
         {std::pair{"output_name", &relay.output_name}, std::pair{"output_url", &relay.output_url},
          std::pair{"platform_preset", &relay.platform_preset}}) {
      auto value = readString(out, key);
      if (!value) return prefixed(value.error());
      *target = *value;
    }
    auto options = readGoOptions(out, "ffmpeg_options");
    if (!options) return prefixed(options.error());
    relay.options = *options;
    if (relay.output_name.empty())
      return fail(ErrorCode::Invalid, where + "output_name is required", "output_name");
    if (auto merged = mergeGoOutput(**input, relay, GoOptionsMode::Define); !merged)
      return prefixed(merged.error());
  }
  return {};
}

}  // namespace

Response relay_status(const Request&, Backend& backend, const ApiOptions& options) {
  const SystemInfo info = backend.systemInfo();
  JsonObject* server = json_object_new();
  const double cpu_s = info.cpu_user_s + info.cpu_system_s;
  json_object_set_double_member(server, "cpu",
                                info.uptime_s > 0 ? 100.0 * cpu_s / info.uptime_s : 0.0);
  json_object_set_int_member(server, "mem", static_cast<gint64>(info.rss_bytes));

  JsonArray* relays = json_array_new();
  for (const model::InputSpec* input : sortedByName(backend.config().inputs)) {
    const std::string local_url = "rtsp://" + options.rtsp_authority + "/" + input->name;
    JsonObject* relay = json_object_new();
    json_object_set_object_member(relay, "input", statusInput(*input, local_url, backend));
    JsonArray* outputs = json_array_new();
    for (const model::OutputSpec* output : sortedByName(input->outputs))
      json_array_add_element(outputs, statusOutput(*input, *output, local_url, backend));
    json_object_set_array_member(relay, "outputs", outputs);
    JsonNode* node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, relay);
    json_array_add_element(relays, node);
  }
  JsonObject* root = json_object_new();
  json_object_set_object_member(root, "server", server);
  json_object_set_array_member(root, "relays", relays);
  return jsonResponse(200, root);
}

Response relay_export(const Request& request, Backend& backend, const ApiOptions&) {
  const std::string flag = request.queryValue("include_secrets");
  const bool secrets = request.authorized && (flag == "true" || flag == "1");
  JsonArray* entries = json_array_new();
  for (const model::InputSpec& input : backend.config().inputs)
    json_array_add_element(
        entries, exportEntry(input, secrets ? model::Secrets::Keep : model::Secrets::Mask));
  JsonNode* root = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(root, entries);
  Response response = jsonResponse(200, root);
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"relay_config.json\"");
  return response;
}

Response relay_import(const Request& request, Backend& backend, const ApiOptions& options) {
  auto file = uploadedFile(request);
  if (!file) return compatErrorResponse(file.error());
  if (file->size() > options.max_body_bytes)
    return compatError(ErrorCode::TooLarge, "the uploaded file is larger than " +
                                                std::to_string(options.max_body_bytes) + " bytes");
  auto parsed = model::parseJson(*file);
  if (!parsed)
    return compatError(ErrorCode::BadRequest, "Invalid relay config: " + parsed.error().message);
  g_autoptr(JsonNode) root = *parsed;
  if (!root) return compatError(ErrorCode::BadRequest, "Invalid relay config: empty file");
  auto entries = entriesOf(root);
  if (!entries) return compatErrorResponse(entries.error());

  model::Config next = backend.config();
  if (*entries) {
    for (guint i = 0; i < json_array_get_length(*entries); ++i) {
      if (auto ok = importEntry(next, json_array_get_element(*entries, i), i); !ok)
        return compatErrorResponse(ok.error());
    }
  }
  if (auto ok = model::validateConfig(next, backend.validation()); !ok)
    return compatErrorResponse(ok.error());
  if (auto ok = backend.replaceConfig(std::move(next)); !ok) return compatErrorResponse(ok.error());
  JsonObject* status = json_object_new();
  json_object_set_string_member(status, "status", "imported");
  return jsonResponse(200, status);
}

Response relay_presets(const Request&, Backend&, const ApiOptions&) {
  JsonObject* root = json_object_new();
  for (const model::Preset& preset : model::presets())
    json_object_set_object_member(root, preset.title.c_str(),
                                  goOptionsJson(goOptionsFromSettings(preset.settings)));
  return jsonResponse(200, root);
}

}  // namespace mls::api
