// A temporary directory for one test, removed with everything in it when the test ends.
// Test-only helper of tests/unit/model; test thread.
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>

#include <string>

namespace mls::test {

class TempDir {
 public:
  TempDir() {
    g_autoptr(GError) error = nullptr;
    g_autofree gchar* dir = g_dir_make_tmp("mls-model-XXXXXX", &error);
    g_assert_no_error(error);
    path_ = dir;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { removeTree(path_); }

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  void write(const std::string& name, const std::string& contents) const {
    g_autoptr(GError) error = nullptr;
    g_file_set_contents(file(name).c_str(), contents.c_str(), static_cast<gssize>(contents.size()),
                        &error);
    g_assert_no_error(error);
  }

  static std::string read(const std::string& path) {
    g_autofree gchar* contents = nullptr;
    gsize length = 0;
    if (!g_file_get_contents(path.c_str(), &contents, &length, nullptr)) return {};
    return std::string(contents, length);
  }

 private:
  static void removeTree(const std::string& path) {
    if (!g_file_test(path.c_str(), G_FILE_TEST_IS_SYMLINK) &&
        g_file_test(path.c_str(), G_FILE_TEST_IS_DIR)) {
      g_chmod(path.c_str(), 0700);
      if (GDir* dir = g_dir_open(path.c_str(), 0, nullptr)) {
        while (const char* name = g_dir_read_name(dir)) removeTree(path + "/" + name);
        g_dir_close(dir);
      }
      g_rmdir(path.c_str());
    } else {
      g_unlink(path.c_str());
    }
  }

  std::string path_;
};

}  // namespace mls::test
