// Go-MLS compatibility for recordings (GO-MLS.md §1 rows 13-16, §4), over the same catalog as
// /api/v1/recordings:
//   GET  /api/recording/list                 [{name,source,filename,file_size,started_at,
//                                            stopped_at,active}], newest first
//   POST /api/recording/delete {filename}    {"status":"recording deleted"}
//   GET  /api/recording/download?filename=   the file as an attachment (Range works too)
//   GET  /api/recording/sse                  plain `data: update` nudges (recordings_events.h)
// `filename` is the segment's file name ("cam1_20261130T140000Z.mp4"): it names its input, so
// it is unique across input folders and keeps Go-MLS's "no '/' in a filename" rule; "cam1/<file>"
// is accepted as well. `name` is the input, `source` its URL masked ("" when the input is no
// longer configured), `stopped_at` Go's zero time while the segment is being written (as
// Go-MLS, whose time.Time was never omitted). Errors keep Go-MLS's texts where it had them
// ("Filename required", "Missing filename", "Invalid filename", "Invalid file type", "File not
// found") with honest statuses (404 unknown, 409 being written). Pure handlers; main thread.
#include <json-glib/json-glib.h>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/recordings_download.h"
#include "model/recording_names.h"
#include "model/url.h"
#include "recordings/segment.h"

namespace mls::api {

namespace {

constexpr const char* kGoZeroTime = "0001-01-01T00:00:00Z";

Response compatError(ErrorCode code, const std::string& message) {
  return compatErrorResponse(Error{code, message, {}});
}

struct Target {
  std::string input;
  std::string file;
};

// "cam1_….mp4" or "cam1/cam1_….mp4". Go-MLS's texts: "Invalid filename" (a path, "..", a
// backslash, not a segment name), "Invalid file type" (an extension other than .mp4/.ts).
Result<Target> parseFilename(const std::string& filename) {
  std::string input_part;
  std::string file = filename;
  if (size_t slash = filename.find('/'); slash != std::string::npos) {
    input_part = filename.substr(0, slash);
    file = filename.substr(slash + 1);
  }
  if (filename.find("..") != std::string::npos || filename.find('\\') != std::string::npos)
    return fail(ErrorCode::BadRequest, "Invalid filename", "filename");
  auto name = model::parseSegmentFileName(file);
  if (!name) {
    const size_t dot = file.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : file.substr(dot + 1);
    if (ext != "mp4" && ext != "ts" && file.find('/') == std::string::npos)
      return fail(ErrorCode::BadRequest, "Invalid file type", "filename");
    return fail(ErrorCode::BadRequest, "Invalid filename", "filename");
  }
  if (!input_part.empty() && input_part != name->input)
    return fail(ErrorCode::BadRequest, "Invalid filename", "filename");
  return Target{name->input, file};
}

}  // namespace

Response recording_list(const Request&, Backend& backend, const ApiOptions&) {
  recordings::RecordingStore* store = backend.recordings();
  if (!store) return compatError(ErrorCode::Unavailable, "recordings are not available");
  JsonArray* array = json_array_new();
  for (const recordings::Segment& segment : store->list({})) {
    JsonObject* object = json_object_new();
    const model::InputSpec* input = backend.config().findInput(segment.input);
    json_object_set_string_member(object, "name", segment.input.c_str());
    json_object_set_string_member(object, "source",
                                  input ? model::maskUrl(input->url).c_str() : "");
    json_object_set_string_member(object, "filename", segment.file.c_str());
    json_object_set_int_member(object, "file_size", static_cast<gint64>(segment.size_bytes));
    json_object_set_string_member(object, "started_at",
                                  model::isoUtc(segment.start_unix_s).c_str());
    std::string stopped = kGoZeroTime;
    if (segment.finished()) {
      auto end = segment.endUnixS();
      stopped = model::isoUtc(end ? *end : segment.mtime_unix_us / 1000000);
    }
    json_object_set_string_member(object, "stopped_at", stopped.c_str());
    json_object_set_boolean_member(object, "active", !segment.finished());
    json_array_add_object_element(array, object);
  }
  JsonNode* node = json_node_init_array(json_node_alloc(), array);
  json_array_unref(array);
  return jsonResponse(200, node);
}

Response recording_delete(const Request& request, Backend& backend, const ApiOptions&) {
  recordings::RecordingStore* store = backend.recordings();
  if (!store) return compatError(ErrorCode::Unavailable, "recordings are not available");
  auto parsed = parseJsonBody(request);
  if (!parsed) return compatError(ErrorCode::BadRequest, "Invalid request");
  JsonNode* node = *parsed;
  JsonObject* body = json_node_get_object(node);
  static const char* const allowed[] = {"filename", nullptr};
  auto known = refuseUnknownMembers(body, allowed);
  auto filename = readString(body, "filename");
  json_node_unref(node);
  if (!known || !filename) return compatError(ErrorCode::BadRequest, "Invalid request");
  if (filename->empty()) return compatError(ErrorCode::BadRequest, "Filename required");
  auto target = parseFilename(*filename);
  if (!target) return compatErrorResponse(target.error());
  auto removed = store->remove(target->input, target->file, "API request (Go-MLS route)");
  if (!removed) {
    Error error = removed.error();
    if (error.code == ErrorCode::NotFound) error.message = "File not found";
    return compatErrorResponse(error);
  }
  JsonObject* root = json_object_new();
  json_object_set_string_member(root, "status", "recording deleted");
  return jsonResponse(200, root);
}

Response recording_download(const Request& request, Backend& backend, const ApiOptions&) {
  recordings::RecordingStore* store = backend.recordings();
  if (!store) return compatError(ErrorCode::Unavailable, "recordings are not available");
  const std::string filename = request.queryValue("filename");
  if (filename.empty()) return compatError(ErrorCode::BadRequest, "Missing filename");
  auto target = parseFilename(filename);
  if (!target) return compatErrorResponse(target.error());
  DownloadOptions options;
  options.compat = true;
  options.attachment = true;
  return segmentDownload(request, *store, target->input, target->file, options);
}

Response recording_sse(const Request&, Backend&, const ApiOptions&) {
  Response response;
  response.recording_nudges = true;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "text/event-stream");  // for HEAD
  return response;
}

}  // namespace mls::api
