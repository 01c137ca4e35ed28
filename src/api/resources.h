// Resources as the v1 API shows them: the desired state from model/json_mapping.h with secrets
// masked, plus the observed fields from the Backend ("state", "last_error", "retries",
// "next_retry_at", "bitrate_bps", "fps", "bytes", "uptime_s"; inputs also "media" and
// "rtsp_url", the input's RTSP publication; outputs also "profile" ("passthrough" or
// "transcode") and "effective", the transcode settings in force with the preset applied, or
// null). model/json_mapping.h ignores these fields on read, so a client can send back what it
// got. Main thread.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "api/api_options.h"
#include "api/backend.h"
#include "model/spec.h"
#include "model/status.h"

namespace mls::api {

// Transfer full. The input resource nests its outputs, each with its own observed fields.
JsonNode* inputResource(const model::InputSpec& input, const Backend& backend,
                        const ApiOptions& options);
JsonNode* outputResource(const std::string& input, const model::OutputSpec& output,
                         const Backend& backend);

// The observed fields of a RunStatus, added to `object`.
void addRunStatus(JsonObject* object, const model::RunStatus& status);
// The observed state of an input's recording ("recording" in the input resource).
JsonObject* recordingJson(const model::RecordingStatus& recording);  // transfer full
JsonObject* mediaJson(const model::MediaInfo& media);  // transfer full

// "auto", "silence-if-missing", "none" (as in the output JSON).
const char* audioModeName(model::AudioMode mode);

}  // namespace mls::api
