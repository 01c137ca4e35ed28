// Route matching and the shared request checks. See router.h.
#include "api/router.h"

#include <glib.h>

#include <string_view>

#include "api/errors.h"
#include "api/json_io.h"
#include "model/names.h"
#include "model/recording_names.h"

namespace mls::api {

namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// Matches literal segments; collects {param} segments (and {param}.suffix ones, the suffix
// matched literally) without judging them.
bool matchPattern(std::string_view pattern, const std::vector<std::string_view>& path,
                  std::map<std::string, std::string>* params) {
  auto parts = splitPath(pattern);
  if (parts.size() != path.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    size_t close = part.find('}');
    if (part.size() > 2 && part.front() == '{' && close != std::string_view::npos) {
      std::string_view suffix = part.substr(close + 1);
      std::string_view segment = path[i];
      if (segment.size() <= suffix.size() ||
          segment.substr(segment.size() - suffix.size()) != suffix)
        return false;
      found.emplace(std::string(part.substr(1, close - 1)),
                    std::string(segment.substr(0, segment.size() - suffix.size())));
    } else if (part != path[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

bool isMutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool isTrue(const std::string& value) { return value == "true" || value == "1"; }

Response fromError(const Error& error, bool compat) {
  return compat ? compatErrorResponse(error) : errorResponse(error);
}

std::string normalizePath(const std::string& path) {
  std::string p = path.empty() ? "/" : path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

bool constantTimeEquals(const std::string& a, const std::string& b) {
  // Compare over the longer length so the time does not reveal a common prefix.
  size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool bearerMatches(const Request& request, const std::string& token) {
  const std::string* value = request.header("authorization");
  if (!value || value->size() < 7 || g_ascii_strncasecmp(value->c_str(), "Bearer ", 7) != 0)
    return false;
  std::string given = value->substr(7);
  size_t first = given.find_first_not_of(' ');
  given = first == std::string::npos ? std::string() : given.substr(first);
  while (!given.empty() && given.back() == ' ') given.pop_back();
  return constantTimeEquals(given, token);
}

Response dispatch(Request request, Backend& backend, const ApiOptions& options) {
  const std::string path = normalizePath(request.path);
  const auto segments = splitPath(path);
  // HEAD is answered like GET (libsoup sends the headers only).
  const std::string method = request.method == "HEAD" ? "GET" : request.method;

  const Route* route = nullptr;
  std::string allow;
  bool compat_path = false;
  for (const Route& candidate : routes()) {
    std::map<std::string, std::string> params;
    if (!matchPattern(candidate.pattern, segments, &params)) continue;
    compat_path = compat_path || candidate.compat;
    if (allow.find(candidate.method) == std::string::npos)
      allow += (allow.empty() ? "" : ", ") + std::string(candidate.method);
    if (!route && method == candidate.method) {
      route = &candidate;
      request.params = std::move(params);
    }
  }
  if (allow.empty())
    return errorResponse(
        Error{ErrorCode::NotFound, "no such API route: " + request.method + " " + path, {}});
  if (!route) {
    if (request.method == "OPTIONS") {
      Response response;
      response.status = 204;
      response.headers.emplace_back("Allow", allow + ", OPTIONS");
      return response;
    }
    return methodNotAllowed(allow, compat_path);
  }

  // A name that breaks the naming rule cannot exist. {file} is a recording segment's file name
  // (model::isSegmentFileName: no '/', no "..", no leading '.').
  for (const auto& [key, value] : request.params) {
    const bool valid =
        key == "file" ? model::isSegmentFileName(value) : model::isValidName(value);
    if (!valid)
      return fromError(Error{ErrorCode::NotFound, "no " + key + " named \"" + value + "\"", key},
                       route->compat);
  }

  request.authorized = options.api_token.empty() || bearerMatches(request, options.api_token);
  if (!request.authorized) {
    if (isMutating(method))
      return fromError(
          Error{ErrorCode::Unauthorized, "this request needs 'Authorization: Bearer <token>'", {}},
          route->compat);
    if (isTrue(request.queryValue("include_secrets")))
      return fromError(
          Error{
              ErrorCode::Unauthorized, "include_secrets needs 'Authorization: Bearer <token>'", {}},
          route->compat);
  }

  if (request.body.size() > options.max_body_bytes)
    return fromError(
        Error{ErrorCode::TooLarge,
              "request body is larger than " + std::to_string(options.max_body_bytes) + " bytes",
              {}},
        route->compat);
  if (route->body == BodyKind::Json && !hasMediaType(request, "application/json"))
    return fromError(
        Error{ErrorCode::UnsupportedMediaType, "the request body must be application/json", {}},
        route->compat);
  if (route->body == BodyKind::Multipart && !hasMediaType(request, "multipart/form-data"))
    return fromError(
        Error{ErrorCode::UnsupportedMediaType, "the request body must be multipart/form-data", {}},
        route->compat);

  if (!route->handler) {
    Response response;
    response.event_stream = true;
    return response;
  }
  Response response = route->handler(request, backend, options);
  response.cacheable = route->cacheable;
  return response;
}

}  // namespace mls::api
