// /api/v1/config: export (GET; URLs masked unless ?include_secrets=true, which needs the token
// when one is set — the router enforces that) and import (PUT: the whole desired state,
// validated completely, applied in one step by Backend::replaceConfig). A masked URL in an
// import stands for the URL already stored under the same name. Pure handlers; main thread.
#include <json-glib/json-glib.h>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/masked_urls.h"
#include "model/json_mapping.h"

namespace mls::api {

Response config_export(const Request& request, Backend& backend, const ApiOptions&) {
  const std::string flag = request.queryValue("include_secrets");
  const bool secrets = request.authorized && (flag == "true" || flag == "1");
  return jsonResponse(200, model::configToJson(backend.config(), secrets ? model::Secrets::Keep
                                                                         : model::Secrets::Mask));
}

Response config_import(const Request& request, Backend& backend, const ApiOptions&) {
  auto body = parseJsonBody(request);
  if (!body) return errorResponse(body.error());
  g_autoptr(JsonNode) node = *body;
  auto config = model::configFromJson(node);
  if (!config) return errorResponse(config.error());
  restoreMaskedUrls(*config, backend.config());
  if (auto ok = refuseMaskedUrls(*config); !ok) return errorResponse(ok.error());
  if (auto ok = backend.replaceConfig(std::move(*config)); !ok) return errorResponse(ok.error());
  return jsonResponse(200, model::configToJson(backend.config(), model::Secrets::Mask));
}

}  // namespace mls::api
