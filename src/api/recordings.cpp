// /api/v1/recordings: the recording catalog as a resource.
//   GET    /api/v1/recordings[?input=&from=&to=]   segments, newest first (from/to: ISO 8601;
//                                                  a segment overlapping [from, to] matches)
//   GET    /api/v1/recordings/{input}/{file}       the file (Range, HEAD; recordings_download.h)
//   DELETE /api/v1/recordings/{input}/{file}       204; 409 while it is being written
// {file} is checked by the router (model::isSegmentFileName) and must belong to {input}; the
// store opens it from the recordings directory without following symlinks. Pure handlers over
// Backend::recordings(); main thread.
#include <json-glib/json-glib.h>

#include <cmath>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/recordings_download.h"
#include "api/recordings_events.h"
#include "model/names.h"
#include "model/recording_names.h"
#include "recordings/segment.h"

namespace mls::api {

namespace {

Result<recordings::RecordingStore*> storeOf(Backend& backend) {
  recordings::RecordingStore* store = backend.recordings();
  if (!store) return fail(ErrorCode::Unavailable, "recordings are not available");
  return store;
}

Result<std::optional<int64_t>> timeParam(const Request& request, const char* name) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return std::optional<int64_t>();
  auto parsed = model::parseIsoUtc(it->second);
  if (!parsed)
    return fail(ErrorCode::Invalid,
                std::string(name) + " must be an ISO 8601 date and time, e.g. 2026-11-30T14:00:00Z",
                name);
  return std::optional<int64_t>(*parsed);
}

}  // namespace

JsonObject* recordingJson(const recordings::Segment& segment) {
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "input", segment.input.c_str());
  json_object_set_string_member(object, "file", segment.file.c_str());
  json_object_set_int_member(object, "size_bytes", static_cast<gint64>(segment.size_bytes));
  json_object_set_string_member(object, "start", model::isoUtc(segment.start_unix_s).c_str());
  if (auto end = segment.endUnixS())
    json_object_set_string_member(object, "end", model::isoUtc(*end).c_str());
  else
    json_object_set_null_member(object, "end");
  if (segment.finished() && segment.duration_s)
    json_object_set_double_member(object, "duration_s",
                                  std::round(*segment.duration_s * 1000.0) / 1000.0);
  else
    json_object_set_null_member(object, "duration_s");
  auto codec = [&](const char* member, const std::string& value) {
    if (value.empty())
      json_object_set_null_member(object, member);
    else
      json_object_set_string_member(object, member, value.c_str());
  };
  codec("video_codec", segment.video_codec);
  codec("audio_codec", segment.audio_codec);
  json_object_set_string_member(object, "state", recordings::segmentStateName(segment.state));
  json_object_set_string_member(
      object, "url", ("/api/v1/recordings/" + segment.input + "/" + segment.file).c_str());
  return object;
}

Response recordings_list(const Request& request, Backend& backend, const ApiOptions&) {
  auto store = storeOf(backend);
  if (!store) return errorResponse(store.error());
  recordings::SegmentQuery query;
  query.input = request.queryValue("input");
  if (!query.input.empty() && !model::isValidName(query.input))
    return errorResponse(Error{ErrorCode::Invalid, "input is not a valid input name", "input"});
  auto from = timeParam(request, "from");
  if (!from) return errorResponse(from.error());
  auto to = timeParam(request, "to");
  if (!to) return errorResponse(to.error());
  if (*from && *to && **from > **to)
    return errorResponse(Error{ErrorCode::Invalid, "to must not be before from", "to"});
  query.from_unix_s = *from;
  query.to_unix_s = *to;

  JsonArray* array = json_array_new();
  for (const recordings::Segment& segment : (*store)->list(query))
    json_array_add_object_element(array, recordingJson(segment));
  JsonObject* root = json_object_new();
  json_object_set_array_member(root, "recordings", array);
  return jsonResponse(200, root);
}

Response recordings_get(const Request& request, Backend& backend, const ApiOptions&) {
  auto store = storeOf(backend);
  if (!store) return errorResponse(store.error());
  DownloadOptions options;
  options.attachment = request.queryValue("download") == "1";
  return segmentDownload(request, **store, request.param("input"), request.param("file"),
                         options);
}

Response recordings_delete(const Request& request, Backend& backend, const ApiOptions&) {
  auto store = storeOf(backend);
  if (!store) return errorResponse(store.error());
  auto removed = (*store)->remove(request.param("input"), request.param("file"), "API request");
  if (!removed) return errorResponse(removed.error());
  Response response;
  response.status = 204;
  return response;
}

}  // namespace mls::api
