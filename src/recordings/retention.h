// Retention: which finished segments to delete, and the timer that deletes them.
//
// The policy (planRetention, pure): a finished segment (complete or interrupted) whose end is
// older than its input's maximum age (the input's override, else the server's; 0 = no limit)
// goes; then, while the free space of the recordings file system would stay under the
// watermark, the oldest remaining finished segments go, oldest first, until enough is freed. A
// segment being written (its .open marker exists) is never deleted. Each deletion carries its
// reason, which is logged.
//
// Retention (the runner) applies the plan every `interval_s` and, debounced by a second, after
// each catalog change (a segment closed or appeared), through RecordingStore::remove(), which
// announces `recording.deleted`. The free-space function is injected so tests can fake a full
// disk. Owned by the Server; main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/gobj.h"
#include "recordings/segment.h"
#include "recordings/segment_files.h"

namespace mls::recordings {

struct RetentionPolicy {
  // The maximum age of `input`'s finished segments, in seconds; 0: no age limit.
  std::function<int64_t(const std::string& input)> max_age_s;
  int min_free_percent = 10;  // 0: no disk watermark
};

struct Deletion {
  std::string input;
  std::string file;
  std::string reason;
};

// What to delete now, in order. `space` nullopt: the disk rule is skipped.
std::vector<Deletion> planRetention(const std::vector<Segment>& segments, int64_t now_unix_s,
                                    const RetentionPolicy& policy,
                                    const std::optional<DiskSpace>& space);

class Retention {
 public:
  using FreeSpace = std::function<std::optional<DiskSpace>()>;

  Retention(RecordingStore& store, RetentionPolicy policy, FreeSpace free_space,
            unsigned interval_s);
  ~Retention() = default;
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  void start();  // the periodic timer
  void stop();   // idempotent
  // Runs the policy within a second (coalesces bursts of catalog changes).
  void runSoon();
  // Runs the policy now; returns the number of segments deleted.
  int runNow();

 private:
  RecordingStore& store_;
  RetentionPolicy policy_;
  FreeSpace free_space_;
  unsigned interval_s_;
  SourceGuard timer_;
  SourceGuard soon_;
  bool warned_full_ = false;  // "nothing left to delete" logged once per episode
};

}  // namespace mls::recordings
