// Resources as the v1 API shows them: the desired state from model/json_mapping.h with secrets
// masked, plus the observed fields from the Backend ("state", "last_error", "retries",
// "next_retry_at", "bitrate_bps", "fps", "bytes", "uptime_s"; inputs also "media"). Main thread.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "api/backend.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::api {

// Transfer full. The input resource nests its outputs, each with its own observed fields.
JsonNode* inputResource(const model::InputSpec& input, const Backend& backend);
JsonNode* outputResource(const std::string& input, const model::OutputSpec& output,
                         const Backend& backend);

// The observed fields of a RunStatus, added to `object`.
void addRunStatus(JsonObject* object, const model::RunStatus& status);
JsonObject* mediaJson(const model::MediaInfo& media);  // transfer full

}  // namespace mls::api
