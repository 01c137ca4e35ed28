// Serving one recording segment over HTTP, shared by GET/HEAD /api/v1/recordings/{input}/{file}
// and the Go-MLS GET /api/recording/download: Range (one range → 206 + Content-Range; an
// unsatisfiable one → 416 + Content-Range: bytes */size; several ranges → the whole file, 200),
// If-Range, If-None-Match (304), Content-Length, Content-Type (video/mp4 | video/mp2t),
// Accept-Ranges, Last-Modified and ETag. The body is a Response::file streamed by ApiServer. A
// segment still being written serves the bytes it has when the request comes (no caching).
// Pure over the request and the RecordingStore (which opens the file); main thread.
#pragma once

#include <cstdint>
#include <string>

#include "api/http.h"
#include "recordings/segment.h"

namespace mls::api {

struct RangeRequest {
  enum class Kind { Whole, Partial, Unsatisfiable } kind = Kind::Whole;
  uint64_t offset = 0;
  uint64_t length = 0;  // Partial: bytes from offset
};

// `header` is the Range header's value (nullptr: none) for a file of `size` bytes. A header
// that is not "bytes=…" or is malformed is ignored (Whole), as RFC 9110 allows.
RangeRequest parseRange(const std::string* header, uint64_t size);

// `"<size>-<mtime µs>"` in hex, quoted.
std::string segmentETag(uint64_t size, int64_t mtime_unix_us);

struct DownloadOptions {
  bool compat = false;      // Go-MLS error shape
  bool attachment = false;  // Content-Disposition: attachment; filename=<file>
};

Response segmentDownload(const Request& request, recordings::RecordingStore& store,
                         const std::string& input, const std::string& file,
                         const DownloadOptions& options);

}  // namespace mls::api
