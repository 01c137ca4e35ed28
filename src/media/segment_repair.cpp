// Segment repair after a crash. See segment_repair.h.
#include "media/segment_repair.h"

#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <vector>
#include <cstring>

#include "core/log.h"
#include "model/names.h"
#include "model/recording_names.h"

namespace mls::media {
namespace {

constexpr size_t kTsPacket = 188;

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

uint64_t be64(const uint8_t* p) { return (uint64_t(be32(p)) << 32) | be32(p + 4); }

// Where the playable part of a fragmented MP4 ends: after the last box that is complete, not
// counting a trailing moof whose mdat is missing or cut. 0 when there is no moov or no fragment.
Result<uint64_t> playableMp4Length(int fd, uint64_t size) {
  uint64_t offset = 0;
  uint64_t good = 0;          // end of the last complete fragment (or of moov)
  uint64_t pending_moof = 0;  // start of a moof not yet followed by its mdat (+1, 0: none)
  bool have_moov = false;
  bool have_fragment = false;
  while (offset + 8 <= size) {
    std::array<uint8_t, 16> head{};
    if (pread(fd, head.data(), head.size(), static_cast<off_t>(offset)) < 8)
      return fail(ErrorCode::Internal, std::string("cannot read: ") + g_strerror(errno));
    uint64_t box = be32(head.data());
    const char* type = reinterpret_cast<const char*>(head.data() + 4);
    if (box == 1) {
      if (offset + 16 > size) break;
      box = be64(head.data() + 8);
    }
    if (box < 8 || box == 0 || offset + box > size) break;  // cut short (or size 0: to the end)
    uint64_t end = offset + box;
    if (!memcmp(type, "moov", 4)) {
      have_moov = true;
      good = end;
    } else if (!memcmp(type, "moof", 4)) {
      pending_moof = offset + 1;
    } else if (!memcmp(type, "mdat", 4)) {
      if (pending_moof) {
        have_fragment = true;
        good = end;
      }
      pending_moof = 0;
    } else if (!pending_moof) {
      good = end;  // ftyp, free, mfra, …
    }
    offset = end;
  }
  return have_moov && have_fragment ? good : 0;
}

// Whole packets from the start (a segment starts with a packet; each begins with 0x47).
Result<uint64_t> playableTsLength(int fd, uint64_t size) {
  uint64_t whole = size - size % kTsPacket;
  uint8_t sync = 0;
  if (whole == 0 || pread(fd, &sync, 1, 0) != 1 || sync != 0x47) return uint64_t{0};
  return whole;
}

std::string join(const std::string& dir, const std::string& file) {
  g_autofree gchar* path = g_build_filename(dir.c_str(), file.c_str(), nullptr);
  return path;
}

}  // namespace

Result<RepairOutcome> repairSegment(const std::string& path) {
  g_autofree gchar* base = g_path_get_basename(path.c_str());
  auto name = model::parseSegmentFileName(base);
  if (!name) return fail(ErrorCode::Invalid, std::string(base) + " is not a segment file name");
  int fd = open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::Internal, path + ": " + g_strerror(errno));
  struct stat st {};
  fstat(fd, &st);
  RepairOutcome outcome;
  outcome.size_before = static_cast<uint64_t>(st.st_size);
  auto playable = name->format == model::SegmentFormat::Ts
                      ? playableTsLength(fd, outcome.size_before)
                      : playableMp4Length(fd, outcome.size_before);
  if (!playable) {
    close(fd);
    return fail(playable.error());
  }
  outcome.size_after = *playable;
  if (outcome.size_after == 0) {
    close(fd);
    if (g_unlink(path.c_str()) != 0)
      return fail(ErrorCode::Internal, path + ": " + g_strerror(errno));
    outcome.removed = true;
    return outcome;
  }
  if (outcome.size_after < outcome.size_before &&
      ftruncate(fd, static_cast<off_t>(outcome.size_after)) != 0) {
    int err = errno;
    close(fd);
    return fail(ErrorCode::Internal, path + ": " + g_strerror(err));
  }
  fsync(fd);
  close(fd);
  return outcome;
}

void markInterrupted(const std::string& dir, const std::string& file) {
  std::string open_marker = join(dir, model::openMarkerName(file));
  auto outcome = repairSegment(join(dir, file));
  if (!outcome) {
    if (!g_file_test(join(dir, file).c_str(), G_FILE_TEST_EXISTS)) {
      g_unlink(open_marker.c_str());  // the segment is gone: nothing to mark
      return;
    }
    MLS_WARN("recording", "%s: cannot repair: %s", file.c_str(), outcome.error().message.c_str());
  } else if (outcome->removed) {
    MLS_WARN("recording", "%s: interrupted before any media was written; removed", file.c_str());
    g_unlink(open_marker.c_str());
    return;
  } else {
    MLS_WARN("recording", "%s: interrupted; kept %llu of %llu bytes (whole fragments)",
             file.c_str(), static_cast<unsigned long long>(outcome->size_after),
             static_cast<unsigned long long>(outcome->size_before));
  }
  std::string marker = join(dir, model::interruptedMarkerName(file));
  if (g_rename(open_marker.c_str(), marker.c_str()) != 0)
    MLS_WARN("recording", "%s: cannot mark as interrupted: %s", file.c_str(), g_strerror(errno));
}

int recoverInterrupted(const std::string& recordings_dir) {
  int repaired = 0;
  g_autoptr(GDir) top = g_dir_open(recordings_dir.c_str(), 0, nullptr);
  if (!top) return 0;
  while (const char* input = g_dir_read_name(top)) {
    if (!model::isValidName(input)) continue;
    std::string dir = join(recordings_dir, input);
    g_autoptr(GDir) folder = g_dir_open(dir.c_str(), 0, nullptr);
    if (!folder) continue;
    std::vector<std::string> files;
    while (const char* entry = g_dir_read_name(folder)) {
      std::string name(entry);
      const std::string suffix = ".open";
      if (name.size() > suffix.size() + 1 && name[0] == '.' &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        std::string file = name.substr(1, name.size() - 1 - suffix.size());
        if (model::isSegmentFileName(file)) files.push_back(file);
      }
    }
    for (const std::string& file : files) {
      markInterrupted(dir, file);
      repaired++;
    }
  }
  return repaired;
}

}  // namespace mls::media
