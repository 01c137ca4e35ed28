// The API's cache of resource reads. See response_cache.h.
#include "api/response_cache.h"

namespace mls::api {

const Response* ResponseCache::find(const std::string& path, int64_t now_us) {
  auto it = entries_.find(path);
  if (it == entries_.end()) return nullptr;
  if (now_us - it->second.stored_us >= kMaxAgeUs) {
    entries_.erase(it);
    return nullptr;
  }
  ++hits_;
  return &it->second.response;
}

void ResponseCache::store(const std::string& path, const Response& response, int64_t now_us) {
  if (response.status != 200 || response.file || response.deferred || response.event_stream ||
      response.recording_nudges)
    return;
  if (entries_.size() >= kMaxEntries && !entries_.count(path)) entries_.clear();
  Entry& entry = entries_[path];
  entry.response = response;
  entry.stored_us = now_us;
}

void ResponseCache::invalidate() { entries_.clear(); }

}  // namespace mls::api
