// Helpers for the recording tests: a fresh temporary recordings directory per test, files and
// markers made by hand, real short segments made by gst-launch-1.0 (H.264 + AAC, fragmented MP4
// with 1 s fragments or MPEG-TS; made once per test binary and copied), and a main-context loop
// until a predicate holds (with a deadline, never a blind sleep). Header-only; main thread.
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

namespace mls::recordings::test {

namespace fs = std::filesystem;

inline bool runUntil(const std::function<bool()>& done, int timeout_ms = 5000) {
  const gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(2000);
  }
  return true;
}

// A fresh directory under the build tree (or $TMPDIR), removed at the end.
class TempDir {
 public:
  TempDir() {
    const char* build = g_getenv("MLS_BUILD_ROOT");
    fs::path base = build ? fs::path(build) / "test-output" : fs::temp_directory_path();
    fs::create_directories(base);
    std::string tmpl = (base / "recordings-XXXXXX").string();
    path_ = g_mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

inline void writeFile(const fs::path& path, const std::string& bytes, bool append = false) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << bytes;
}

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Sets a file's modification time (seconds since the epoch).
inline void setMtime(const fs::path& path, int64_t unix_s) {
  struct timeval times[2] = {{static_cast<time_t>(unix_s), 0}, {static_cast<time_t>(unix_s), 0}};
  utimes(path.c_str(), times);
}

// A real segment of `seconds` (30 fps video, 48 kHz AAC) in `format` ("mp4" or "ts"), made once
// by gst-launch-1.0 and cached; returns its bytes.
inline const std::string& realSegment(const std::string& format, int seconds = 2) {
  static std::map<std::string, std::string> cache;
  const std::string key = format + std::to_string(seconds);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  static TempDir dir;
  const std::string out = (dir.path() / ("made-" + key + "." + format)).string();
  const std::string mux = format == "ts" ? "mpegtsmux name=m"
                                         : "mp4mux fragment-duration=1000 name=m";
  const std::string parse = format == "ts" ? "h264parse config-interval=-1" : "h264parse";
  const std::string line =
      "gst-launch-1.0 -q videotestsrc num-buffers=" + std::to_string(seconds * 30) +
      " ! video/x-raw,width=320,height=240,framerate=30/1 ! x264enc speed-preset=ultrafast "
      "key-int-max=30 ! " + parse + " ! " + mux + " ! filesink location=" + out +
      " audiotestsrc num-buffers=" + std::to_string(seconds * 47) +
      " samplesperbuffer=1024 ! audio/x-raw,rate=48000 ! avenc_aac ! aacparse ! m.";
  gint status = 0;
  g_autoptr(GError) error = nullptr;
  g_autofree gchar* err = nullptr;
  if (!g_spawn_command_line_sync(line.c_str(), nullptr, &err, &status, &error) || status != 0)
    ADD_FAILURE() << "gst-launch-1.0 failed: " << line << "\n" << (err ? err : "")
                  << (error ? error->message : "");
  return cache[key] = readFile(out);
}

}  // namespace mls::recordings::test
