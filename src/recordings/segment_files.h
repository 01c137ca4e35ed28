// Segment files on disk: listing the recordings directory and an input's folder, reading one
// segment's facts (lstat, markers, container probe), opening a segment for download and deleting
// one. Every name from outside is checked with model::isSegmentFileName / isValidName first, and
// every path is resolved with openat() from the recordings directory with O_NOFOLLOW, so
// neither a name nor a symlink placed in the tree can lead outside it: a symlink is never a
// segment, and an input folder that is a symlink is never entered. Blocking I/O, no shared
// state: the catalog calls the scanning functions on a worker thread, the API's open/remove on
// the main thread (one openat/fstat/unlinkat each).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "recordings/probe.h"
#include "recordings/segment.h"

namespace mls::recordings {

// The names of the input folders in `root` (real directories with a valid input name).
std::vector<std::string> listInputFolders(const std::string& root);

// What probing already found for a file of this size and mtime (so it is not probed again).
struct ProbeCacheEntry {
  uint64_t size_bytes = 0;
  int64_t mtime_unix_us = 0;
  ProbeResult probe;
};
using ProbeCache = std::function<const ProbeCacheEntry*(const std::string& key)>;

// One segment as found on disk; nullopt when `file` is not a regular segment file of `input`
// there (gone, a symlink, a bad name). A finished segment is probed unless `cache` knows it.
std::optional<Segment> readSegment(const std::string& root, const std::string& input,
                                   const std::string& file, const ProbeCache& cache);

// Every segment in `input`'s folder; nullopt when the folder does not exist (or is not a real
// directory).
std::optional<std::vector<Segment>> scanFolder(const std::string& root, const std::string& input,
                                               const ProbeCache& cache);

// For a marker name (".cam1_….mp4.open" / ".interrupted") the segment file it belongs to.
std::optional<std::string> markerTarget(const std::string& name);

// See RecordingStore::open / remove.
Result<std::unique_ptr<OpenSegment>> openSegmentFile(const std::string& root,
                                                     const std::string& input,
                                                     const std::string& file);
Result<void> removeSegmentFile(const std::string& root, const std::string& input,
                               const std::string& file);

// Free space of the file system holding `path` (statvfs), for retention.
struct DiskSpace {
  uint64_t free_bytes = 0;   // available to unprivileged users
  uint64_t total_bytes = 0;
};
std::optional<DiskSpace> diskSpace(const std::string& path);

}  // namespace mls::recordings
