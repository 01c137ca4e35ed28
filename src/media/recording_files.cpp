// Segment names and markers of one recorder run. See recording_files.h.
#include "media/recording_files.h"

#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "core/log.h"
#include "media/segment_repair.h"

namespace mls::media {
namespace {

std::string join(const std::string& dir, const std::string& file) {
  g_autofree gchar* path = g_build_filename(dir.c_str(), file.c_str(), nullptr);
  return path;
}

}  // namespace

RecordingFiles::RecordingFiles(std::string dir, std::string input, model::SegmentFormat format)
    : dir_(std::move(dir)), input_(std::move(input)), format_(format) {}

std::string RecordingFiles::nextLocation(std::string* error) {
  int64_t start = g_get_real_time() / G_USEC_PER_SEC;
  std::lock_guard<std::mutex> guard(lock_);
  std::string file;
  for (int sequence = 0;; ++sequence) {
    file = model::segmentFileName(input_, start, format_, sequence);
    if (!open_.count(file) && !g_file_test(join(dir_, file).c_str(), G_FILE_TEST_EXISTS)) break;
  }
  std::string marker = join(dir_, model::openMarkerName(file));
  int fd = open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    *error = "cannot create " + marker + ": " + g_strerror(errno);
    return {};
  }
  close(fd);
  open_.insert(file);
  return join(dir_, file);
}

std::string RecordingFiles::closed(const std::string& location) {
  g_autofree gchar* base = g_path_get_basename(location.c_str());
  std::string file(base);
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (!open_.erase(file)) return file;
  }
  g_unlink(join(dir_, model::openMarkerName(file)).c_str());
  return file;
}

void RecordingFiles::finish(bool clean) {
  std::set<std::string> left;
  {
    std::lock_guard<std::mutex> guard(lock_);
    left.swap(open_);
  }
  for (const std::string& file : left) {
    if (clean) {
      g_unlink(join(dir_, model::openMarkerName(file)).c_str());
    } else {
      markInterrupted(dir_, file);
    }
  }
}

std::vector<std::string> RecordingFiles::openFiles() const {
  std::lock_guard<std::mutex> guard(lock_);
  return {open_.begin(), open_.end()};
}

}  // namespace mls::media
