// Request and Response: the transport-free shape of one HTTP exchange. ApiServer copies a
// SoupServerMessage into a Request, the pure handlers (inputs.cpp, outputs.cpp, …) turn it into
// a Response, and ApiServer copies that back. Tests build Requests by hand, so every route is
// testable without sockets. Plain values; main thread.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mls::api {

struct Request {
  std::string method;                          // "GET", "POST", …
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // Filled by the router: the path parameters ("input", "output") of the matched route, and
  // whether the request carried the API token (true when no token is configured).
  std::map<std::string, std::string> params;
  bool authorized = false;

  // The header's value, or nullptr. `name` in lower case.
  const std::string* header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? nullptr : &it->second;
  }
  // The query parameter's value, or "" when absent.
  std::string queryValue(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
  const std::string& param(const std::string& name) const {
    static const std::string empty;
    auto it = params.find(name);
    return it == params.end() ? empty : it->second;
  }
};

// A body streamed from an open file (a recording download): `length` bytes from `offset`. The fd
// is owned (closed by the destructor). See Response::file.
struct FileBody {
  FileBody(int fd_, uint64_t offset_, uint64_t length_)
      : fd(fd_), offset(offset_), length(length_) {}
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  ~FileBody();
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct Response;
// Sends the final response of a deferred one (see Response::deferred). Main thread, once.
using Respond = std::function<void(Response)>;

struct Response {
  int status = 200;
  std::string content_type;  // empty when there is no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers

  // Set by the router for GET /api/v1/events: ApiServer hands the message to the SseBroker
  // instead of sending this response.
  bool event_stream = false;
  // Set by the router for the routes marked `cacheable` (router.h): ApiServer may serve this
  // answer again to the same path from its ResponseCache (response_cache.h).
  bool cacheable = false;
  // Set by GET /api/recording/sse (Go-MLS): ApiServer hands the message to its broker of plain
  // `data: update` nudges instead.
  bool recording_nudges = false;

  // A body streamed from disk (GET of a recording): ApiServer sends the status, headers and
  // content_type of this response with Content-Length file->length, then the file's bytes,
  // read in chunks off the main thread as the client takes them (at most ~1 MiB held per
  // download, no time limit). `body` is unused. HEAD sends the headers only.
  std::shared_ptr<FileBody> file;

  // A response that takes time to make (an SVG rendered by a subprocess): when set, ApiServer
  // pauses the message and calls it with `respond`, to be called once on the main thread with
  // the final response, and a GCancellable that is cancelled when the server stops (a cancelled
  // job may still call `respond`; it is ignored). Other fields are unused then.
  std::function<void(Respond respond, GCancellable* cancellable)> deferred;

  const std::string* header(const std::string& name) const;  // case-insensitive
};

}  // namespace mls::api
