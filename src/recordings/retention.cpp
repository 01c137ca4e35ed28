// Retention policy and runner. See retention.h.
#include "recordings/retention.h"

#include <algorithm>
#include <set>

#include "core/log.h"

namespace mls::recordings {

namespace {

// When a finished segment ended: start + duration, else its last modification.
int64_t endOf(const Segment& segment) {
  if (auto end = segment.endUnixS()) return *end;
  return std::max(segment.start_unix_s, segment.mtime_unix_us / 1000000);
}

std::string percent(double value) {
  char text[32];
  g_snprintf(text, sizeof text, "%.1f%%", value);
  return text;
}

}  // namespace

std::vector<Deletion> planRetention(const std::vector<Segment>& segments, int64_t now_unix_s,
                                    const RetentionPolicy& policy,
                                    const std::optional<DiskSpace>& space) {
  std::vector<Deletion> plan;
  std::set<std::string> chosen;
  uint64_t freed = 0;
  for (const Segment& segment : segments) {
    if (!segment.finished()) continue;
    const int64_t max_age = policy.max_age_s ? policy.max_age_s(segment.input) : 0;
    if (max_age <= 0 || endOf(segment) >= now_unix_s - max_age) continue;
    plan.push_back({segment.input, segment.file,
                    "older than the maximum age of " + std::to_string(max_age) + " s"});
    chosen.insert(segment.key());
    freed += segment.size_bytes;
  }

  if (!space || space->total_bytes == 0 || policy.min_free_percent <= 0) return plan;
  const uint64_t wanted = space->total_bytes / 100 * uint64_t(policy.min_free_percent) +
                          space->total_bytes % 100 * uint64_t(policy.min_free_percent) / 100;
  if (space->free_bytes + freed >= wanted) return plan;
  std::vector<const Segment*> oldest;
  for (const Segment& segment : segments)
    if (segment.finished() && !chosen.count(segment.key())) oldest.push_back(&segment);
  std::sort(oldest.begin(), oldest.end(),
            [](const Segment* a, const Segment* b) { return newerFirst(*b, *a); });
  const std::string reason =
      "free space " + percent(100.0 * double(space->free_bytes) / double(space->total_bytes)) +
      " is under " + std::to_string(policy.min_free_percent) + "%";
  for (const Segment* segment : oldest) {
    if (space->free_bytes + freed >= wanted) break;
    plan.push_back({segment->input, segment->file, reason});
    freed += segment->size_bytes;
  }
  return plan;
}

Retention::Retention(RecordingStore& store, RetentionPolicy policy, FreeSpace free_space,
                     unsigned interval_s)
    : store_(store),
      policy_(std::move(policy)),
      free_space_(std::move(free_space)),
      interval_s_(interval_s) {}

void Retention::start() {
  if (interval_s_ == 0 || timer_) return;
  timer_ = SourceGuard::timeout(interval_s_ * 1000, [this] {
    runNow();
    return G_SOURCE_CONTINUE;
  });
}

void Retention::stop() {
  timer_.reset();
  soon_.reset();
}

void Retention::runSoon() {
  if (soon_) return;
  soon_ = SourceGuard::timeout(1000, [this] {
    soon_ = SourceGuard();
    runNow();
    return G_SOURCE_REMOVE;
  });
}

int Retention::runNow() {
  const std::vector<Segment> segments = store_.list({});
  const std::optional<DiskSpace> space = free_space_ ? free_space_() : std::nullopt;
  const int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  int deleted = 0;
  for (const Deletion& deletion : planRetention(segments, now, policy_, space)) {
    auto removed = store_.remove(deletion.input, deletion.file, "retention: " + deletion.reason);
    if (removed)
      ++deleted;
    else
      MLS_WARN("recordings", "retention could not delete %s/%s: %s", deletion.input.c_str(),
               deletion.file.c_str(), removed.error().message.c_str());
  }
  if (space && space->total_bytes && policy_.min_free_percent > 0) {
    const double free_percent = 100.0 * double(space->free_bytes) / double(space->total_bytes);
    const bool low = free_percent < policy_.min_free_percent && deleted == 0;
    if (low && !warned_full_)
      MLS_WARN("recordings",
               "free space on the recordings file system is %.1f%% (under %d%%) and no finished "
               "segment is left to delete",
               free_percent, policy_.min_free_percent);
    warned_full_ = low;
  }
  return deleted;
}

}  // namespace mls::recordings
