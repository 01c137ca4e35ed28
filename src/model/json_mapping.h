// JSON mapping of the desired state (json-glib). One mapping serves the API, the state file and
// config export/import, so they cannot drift apart.
//
// Writing: Secrets::Mask masks URLs (API responses), Secrets::Keep writes them in full (state
// file, explicit export with secrets). Reading: unknown fields are refused (ErrorCode::Invalid,
// naming the field); wrong types are ErrorCode::Invalid; the result is not yet validated
// (validate.h does that). Main thread (json-glib objects are not shared).
//
// Input JSON:  {"name","url","enabled","record","transport","loop","stall_timeout_ms",
//               "latency_ms","segment_duration_s","retention_max_age_s","outputs":[…]}
// Output JSON: {"name","url","enabled","preset","video_codec","resolution":"1280x720",
//               "framerate","bitrate" (kb/s, or "4500k"/"4.5M"),"rotation","keyframe_interval",
//               "audio_bitrate" (kb/s or "128k"),"audio":"auto|silence-if-missing|none"}
// Config JSON: {"version":1,"inputs":[…]}
#pragma once

#include <json-glib/json-glib.h>

#include <string>
#include <string_view>

#include "core/result.h"
#include "model/spec.h"

namespace mls::model {

enum class Secrets { Mask, Keep };

JsonNode* outputToJson(const OutputSpec& output, Secrets secrets);  // transfer full
JsonNode* inputToJson(const InputSpec& input, Secrets secrets, bool with_outputs = true);
JsonNode* configToJson(const Config& config, Secrets secrets);

// Parse a whole object into a spec (fields absent take their defaults).
Result<OutputSpec> outputFromJson(JsonNode* node);
Result<InputSpec> inputFromJson(JsonNode* node);
Result<Config> configFromJson(JsonNode* node);

// Lay the fields present in `patch` over `base` (PATCH semantics). `name` may not change
// (ErrorCode::Invalid). A URL equal to maskUrl(base.url) means "unchanged", so a masked URL
// read back from the API and sent again keeps the real one. An input's "outputs" member, if
// present, is accepted and ignored (outputs change through their own resource).
Result<OutputSpec> patchOutput(const OutputSpec& base, JsonNode* patch);
Result<InputSpec> patchInput(const InputSpec& base, JsonNode* patch);

// The observed (read-only) fields the API adds to input and output objects in its responses
// (state, last_error, retries, next_retry_at, bitrate_bps, fps, bytes, uptime_s, media, profile,
// rtsp_url, effective). Reading accepts and ignores them, so a client can send back what it got;
// any other unknown field is refused. The one table is in json_mapping.cpp.
bool isObservedField(std::string_view name);

// Parse text to a node; ErrorCode::BadRequest with the parser's message when it is not JSON.
Result<JsonNode*> parseJson(const std::string& text);  // transfer full
std::string toJsonText(JsonNode* node, bool pretty = false);

}  // namespace mls::model
