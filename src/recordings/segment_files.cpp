// Segment files on disk. See segment_files.h.
#include "recordings/segment_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "model/names.h"

namespace mls::recordings {

namespace {

// An fd closed when it goes out of scope.
struct Fd {
  int fd = -1;
  explicit Fd(int value) : fd(value) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

int64_t mtimeUs(const struct stat& st) {
  return int64_t(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
}

// The input's folder, opened without following a symlink at either step; -1 when it is not a
// real directory.
int openFolder(const std::string& root, const std::string& input) {
  if (!model::isValidName(input)) return -1;
  Fd root_fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root_fd.fd < 0) return -1;
  return openat(root_fd.fd, input.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

bool exists(int dir_fd, const std::string& name) {
  struct stat st;
  return fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// The segment `file` in the open folder `dir_fd`.
std::optional<Segment> readAt(int dir_fd, const std::string& input, const std::string& file,
                              const ProbeCache& cache) {
  auto name = model::parseSegmentFileName(file);
  if (!name || name->input != input) return std::nullopt;
  struct stat st;
  if (fstatat(dir_fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  Segment segment;
  segment.input = input;
  segment.file = file;
  segment.format = name->format;
  segment.start_unix_s = name->start_unix_s;
  segment.size_bytes = static_cast<uint64_t>(st.st_size);
  segment.mtime_unix_us = mtimeUs(st);
  if (exists(dir_fd, model::openMarkerName(file)))
    segment.state = SegmentState::Recording;
  else if (exists(dir_fd, model::interruptedMarkerName(file)))
    segment.state = SegmentState::Interrupted;
  if (!segment.finished()) return segment;

  const ProbeCacheEntry* known = cache ? cache(segment.key()) : nullptr;
  ProbeResult probe;
  if (known && known->size_bytes == segment.size_bytes &&
      known->mtime_unix_us == segment.mtime_unix_us) {
    probe = known->probe;
  } else {
    Fd fd(openat(dir_fd, file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.fd >= 0) probe = probeFile(fd.fd, segment.size_bytes, segment.format);
  }
  segment.duration_s = probe.duration_s;
  segment.video_codec = probe.video_codec;
  segment.audio_codec = probe.audio_codec;
  return segment;
}

}  // namespace

std::vector<std::string> listInputFolders(const std::string& root) {
  std::vector<std::string> names;
  DIR* dir = opendir(root.c_str());
  if (!dir) return names;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (!model::isValidName(name)) continue;
    struct stat st;
    if (fstatat(dirfd(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
      names.push_back(std::move(name));
  }
  closedir(dir);
  return names;
}

std::optional<Segment> readSegment(const std::string& root, const std::string& input,
                                   const std::string& file, const ProbeCache& cache) {
  Fd folder(openFolder(root, input));
  if (folder.fd < 0) return std::nullopt;
  return readAt(folder.fd, input, file, cache);
}

std::optional<std::vector<Segment>> scanFolder(const std::string& root, const std::string& input,
                                               const ProbeCache& cache) {
  int fd = openFolder(root, input);
  if (fd < 0) return std::nullopt;
  DIR* dir = fdopendir(fd);  // owns fd from here
  if (!dir) {
    close(fd);
    return std::nullopt;
  }
  std::vector<Segment> segments;
  while (struct dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;  // hidden files (markers) are never segments
    if (auto segment = readAt(dirfd(dir), input, entry->d_name, cache))
      segments.push_back(std::move(*segment));
  }
  closedir(dir);
  return segments;
}

std::optional<std::string> markerTarget(const std::string& name) {
  if (name.size() < 2 || name[0] != '.') return std::nullopt;
  for (const char* suffix : {".open", ".interrupted"}) {
    const size_t n = std::strlen(suffix);
    if (name.size() > n + 1 && name.compare(name.size() - n, n, suffix) == 0) {
      std::string file = name.substr(1, name.size() - n - 1);
      if (model::isSegmentFileName(file)) return file;
    }
  }
  return std::nullopt;
}

Result<std::unique_ptr<OpenSegment>> openSegmentFile(const std::string& root,
                                                     const std::string& input,
                                                     const std::string& file) {
  auto name = model::parseSegmentFileName(file);
  if (!name || name->input != input)
    return fail(ErrorCode::NotFound, "no recording named \"" + file + "\"", "file");
  Fd folder(openFolder(root, input));
  if (folder.fd < 0)
    return fail(ErrorCode::NotFound, "no recordings of input \"" + input + "\"", "input");
  auto opened = std::make_unique<OpenSegment>();
  opened->fd = openat(folder.fd, file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (opened->fd < 0 || fstat(opened->fd, &st) != 0 || !S_ISREG(st.st_mode))
    return fail(ErrorCode::NotFound, "no recording " + input + "/" + file, "file");
  opened->size_bytes = static_cast<uint64_t>(st.st_size);
  opened->mtime_unix_us = mtimeUs(st);
  opened->format = name->format;
  opened->recording = exists(folder.fd, model::openMarkerName(file));
  return opened;
}

Result<void> removeSegmentFile(const std::string& root, const std::string& input,
                               const std::string& file) {
  auto name = model::parseSegmentFileName(file);
  if (!name || name->input != input)
    return fail(ErrorCode::NotFound, "no recording named \"" + file + "\"", "file");
  Fd folder(openFolder(root, input));
  struct stat st;
  if (folder.fd < 0 || fstatat(folder.fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st.st_mode))
    return fail(ErrorCode::NotFound, "no recording " + input + "/" + file, "file");
  if (exists(folder.fd, model::openMarkerName(file)))
    return fail(ErrorCode::Conflict,
                "recording " + input + "/" + file + " is being written; stop the recording first",
                "file");
  if (unlinkat(folder.fd, file.c_str(), 0) != 0)
    return fail(ErrorCode::Internal, "cannot delete recording " + input + "/" + file + ": " +
                                         std::strerror(errno));
  unlinkat(folder.fd, model::interruptedMarkerName(file).c_str(), 0);
  return {};
}

std::optional<DiskSpace> diskSpace(const std::string& path) {
  struct statvfs vfs;
  if (statvfs(path.c_str(), &vfs) != 0) return std::nullopt;
  DiskSpace space;
  space.free_bytes = uint64_t(vfs.f_bavail) * vfs.f_frsize;
  space.total_bytes = uint64_t(vfs.f_blocks) * vfs.f_frsize;
  return space;
}

}  // namespace mls::recordings
