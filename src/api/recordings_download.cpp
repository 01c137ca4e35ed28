// Serving a recording segment with Range. See recordings_download.h.
#include "api/recordings_download.h"

#include <glib.h>
#include <libsoup/soup.h>

#include <cinttypes>
#include <cstdio>
#include <utility>

#include "api/errors.h"

namespace mls::api {

namespace {

bool parseNumber(const std::string& text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + uint64_t(c - '0');
  }
  *out = value;
  return true;
}

std::string trim(const std::string& text) {
  size_t a = text.find_first_not_of(" \t");
  if (a == std::string::npos) return {};
  size_t b = text.find_last_not_of(" \t");
  return text.substr(a, b - a + 1);
}

std::string httpDate(int64_t unix_us) {
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
  if (!time) return {};
  g_autofree gchar* text = soup_date_time_to_string(time, SOUP_DATE_HTTP);
  return text ? text : "";
}

}  // namespace

RangeRequest parseRange(const std::string* header, uint64_t size) {
  RangeRequest whole;
  if (!header) return whole;
  const std::string value = trim(*header);
  if (value.rfind("bytes=", 0) != 0) return whole;
  const std::string spec = trim(value.substr(6));
  if (spec.find(',') != std::string::npos) return whole;  // several ranges: send it all
  const size_t dash = spec.find('-');
  if (dash == std::string::npos) return whole;
  const std::string first = trim(spec.substr(0, dash));
  const std::string last = trim(spec.substr(dash + 1));
  RangeRequest range;
  range.kind = RangeRequest::Kind::Partial;
  uint64_t a = 0, b = 0;
  if (first.empty()) {
    // bytes=-N: the last N bytes.
    if (!parseNumber(last, &b)) return whole;
    if (b == 0 || size == 0) return RangeRequest{RangeRequest::Kind::Unsatisfiable, 0, 0};
    range.length = std::min(b, size);
    range.offset = size - range.length;
    return range;
  }
  if (!parseNumber(first, &a)) return whole;
  if (!last.empty() && (!parseNumber(last, &b) || b < a)) return whole;
  if (a >= size) return RangeRequest{RangeRequest::Kind::Unsatisfiable, 0, 0};
  const uint64_t end = last.empty() ? size - 1 : std::min(b, size - 1);
  range.offset = a;
  range.length = end - a + 1;
  return range;
}

std::string segmentETag(uint64_t size, int64_t mtime_unix_us) {
  char text[64];
  std::snprintf(text, sizeof text, "\"%" PRIx64 "-%" PRIx64 "\"", size,
                static_cast<uint64_t>(mtime_unix_us));
  return text;
}

Response segmentDownload(const Request& request, recordings::RecordingStore& store,
                         const std::string& input, const std::string& file,
                         const DownloadOptions& options) {
  auto opened = store.open(input, file);
  if (!opened) {
    Error error = opened.error();
    if (options.compat && error.code == ErrorCode::NotFound) error.message = "File not found";
    return options.compat ? compatErrorResponse(error) : errorResponse(error);
  }
  recordings::OpenSegment& segment = **opened;
  const uint64_t size = segment.size_bytes;
  const std::string etag = segmentETag(size, segment.mtime_unix_us);
  const std::string last_modified = httpDate(segment.mtime_unix_us);

  Response response;
  response.content_type = model::segmentContentType(segment.format);
  response.headers.emplace_back("Accept-Ranges", "bytes");
  response.headers.emplace_back("ETag", etag);
  if (!last_modified.empty()) response.headers.emplace_back("Last-Modified", last_modified);
  response.headers.emplace_back("Cache-Control", segment.recording ? "no-cache" : "max-age=0");
  if (options.attachment)
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file + "\"");

  if (const std::string* match = request.header("if-none-match");
      match && (*match == etag || *match == "*")) {
    response.status = 304;
    response.content_type.clear();
    return response;
  }

  RangeRequest range = parseRange(request.header("range"), size);
  if (const std::string* if_range = request.header("if-range");
      if_range && *if_range != etag && *if_range != last_modified)
    range = RangeRequest{};  // the file changed since the client's copy: send all of it
  if (range.kind == RangeRequest::Kind::Unsatisfiable) {
    Response refused = options.compat
                           ? compatErrorResponse(Error{ErrorCode::Invalid, "Range Not Satisfiable", {}})
                           : errorResponse(Error{ErrorCode::Invalid,
                                                 "the range is outside the file's " +
                                                     std::to_string(size) + " bytes",
                                                 "range"});
    refused.status = 416;
    refused.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    refused.headers.emplace_back("Accept-Ranges", "bytes");
    return refused;
  }
  uint64_t offset = 0, length = size;
  if (range.kind == RangeRequest::Kind::Partial) {
    offset = range.offset;
    length = range.length;
    response.status = 206;
    response.headers.emplace_back("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                                       std::to_string(offset + length - 1) + "/" +
                                                       std::to_string(size));
  }
  const int fd = std::exchange(segment.fd, -1);
  response.file = std::make_shared<FileBody>(fd, offset, length);
  return response;
}

}  // namespace mls::api
