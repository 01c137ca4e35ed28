// ResponseCache: the last answers to the API's resource reads (GET /api/v1/inputs, one input,
// its outputs, one output), kept so that a client polling them costs mlsd neither the JSON
// nor each input's status again. ApiServer serves a GET (or HEAD) without a query string from
// here when its path has an entry, and stores the 200 answers of the routes marked `cacheable`
// in the route table (router.h).
//
// When an answer stops being served:
// - at once, on any change a client can make: ApiServer invalidates the cache when a request
//   other than GET/HEAD/OPTIONS arrives and again after it is answered, so a POST followed by a
//   GET (on any connection) always sees the change;
// - at once, on any event the core publishes (SseBroker's publish hook): input and output
//   state changes, creations, updates, deletions, recordings, and the once-a-second `stats`
//   tick while an event stream is open;
// - after kMaxAgeUs otherwise: the live figures in these answers (bitrate, fps, bytes, uptime:
//   sampled once a second by the media layer), the detected media and the RTSP client count
//   change without an event, so a polling client sees them at most that much later.
//
// Plain values, no sockets: testable alone. Owned by ApiServer; main thread.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "api/http.h"

namespace mls::api {

class ResponseCache {
 public:
  // A tenth of the media layer's one-second sampling period.
  static constexpr int64_t kMaxAgeUs = 100 * 1000;
  // More paths than this (inputs and outputs read one by one) and the oldest answers go: the
  // cache is cleared and fills again.
  static constexpr size_t kMaxEntries = 256;

  // The answer stored for `path` less than kMaxAgeUs before `now_us` (g_get_monotonic_time()),
  // or nullptr.
  const Response* find(const std::string& path, int64_t now_us);
  // Keeps `response` (a 200 without a file, a stream or a deferred body) for `path`.
  void store(const std::string& path, const Response& response, int64_t now_us);
  // Forgets every answer.
  void invalidate();

  size_t size() const { return entries_.size(); }
  uint64_t hits() const { return hits_; }

 private:
  struct Entry {
    Response response;
    int64_t stored_us = 0;
  };
  std::unordered_map<std::string, Entry> entries_;
  uint64_t hits_ = 0;
};

}  // namespace mls::api
