// The state file: round trip, atomic write, refusal of a corrupt or unreadable file
// (model/state_store.h).
#include "model/state_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "temp_dir.h"

namespace mls::model {
namespace {

Config sample() {
  Config config;
  InputSpec input;
  input.name = "cam1";
  input.url = "rtsp://admin:hunter2@camera/stream";
  OutputSpec output;
  output.name = "yt";
  output.url = "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a";
  output.preset = "youtube";
  input.outputs.push_back(output);
  config.inputs.push_back(input);
  return config;
}

std::set<std::string> listDir(const std::string& path) {
  std::set<std::string> names;
  GDir* dir = g_dir_open(path.c_str(), 0, nullptr);
  if (!dir) return names;
  while (const char* name = g_dir_read_name(dir)) names.insert(name);
  g_dir_close(dir);
  return names;
}

TEST(StateStore, MissingFileIsAFirstStart) {
  test::TempDir dir;
  StateStore store(dir.file("nested/state"));
  EXPECT_EQ(store.path(), dir.file("nested/state/state.json"));
  auto loaded = store.load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, std::nullopt);
  EXPECT_TRUE(g_file_test(dir.file("nested/state").c_str(), G_FILE_TEST_IS_DIR));
}

TEST(StateStore, RoundTripKeepsSecretsInAPrivateFile) {
  test::TempDir dir;
  StateStore store(dir.path());
  ASSERT_TRUE(store.load());
  ASSERT_TRUE(store.save(sample()));
  auto loaded = store.load();
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(*loaded);
  EXPECT_EQ(**loaded, sample());

  std::string contents = test::TempDir::read(store.path());
  EXPECT_NE(contents.find("hunter2"), std::string::npos);
  EXPECT_NE(contents.find("abcd-efgh-3f9a"), std::string::npos);
  EXPECT_NE(contents.find("\n  "), std::string::npos);  // pretty
  struct stat st;
  ASSERT_EQ(stat(store.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(StateStore, AtomicWriteLeavesNoTemporaryFiles) {
  test::TempDir dir;
  StateStore store(dir.path());
  ASSERT_TRUE(store.load());
  // An existing file with a wider mode is replaced by a 0600 one.
  dir.write("state.json", R"({"version":1,"inputs":[]})");
  ASSERT_EQ(chmod(store.path().c_str(), 0644), 0);
  Config config = sample();
  for (int i = 0; i < 20; i++) {
    config.inputs[0].latency_ms = i;
    ASSERT_TRUE(store.save(config));
  }
  EXPECT_EQ(listDir(dir.path()), (std::set<std::string>{"state.json"}));
  struct stat st;
  ASSERT_EQ(stat(store.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ((*store.load())->inputs[0].latency_ms, 19);
}

TEST(StateStore, SaveErrorNamesTheFile) {
  test::TempDir dir;
  StateStore store(dir.file("missing-dir"));  // load() never ran: no directory
  auto saved = store.save(sample());
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, ErrorCode::Internal);
  EXPECT_NE(saved.error().message.find(store.path()), std::string::npos);
}

TEST(StateStore, CorruptFileIsRefusedAndLeftByteIdentical) {
  test::TempDir dir;
  StateStore store(dir.path());
  for (std::string corrupt :
       {std::string(R"({"version":1,"inputs":[{"name":"a",)"), std::string("\x00\xff garbage", 10),
        std::string(R"({"version":7})"), std::string(R"({"inputs":[{"name":"a","colour":1}]})")}) {
    dir.write("state.json", corrupt);
    auto loaded = store.load();
    ASSERT_FALSE(loaded) << corrupt;
    const std::string& message = loaded.error().message;
    EXPECT_NE(message.find(store.path()), std::string::npos) << message;
    EXPECT_NE(message.find("left untouched"), std::string::npos) << message;
    EXPECT_EQ(test::TempDir::read(store.path()), corrupt);
  }
  dir.write("state.json", R"({"version":1,"inputs":[{"name":"a",)");
  auto loaded = store.load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::Invalid);
  EXPECT_NE(loaded.error().message.find("invalid JSON"), std::string::npos);
  dir.write("state.json", R"({"inputs":[{"name":"a","colour":1}]})");
  auto unknown = store.load();
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("inputs[0].colour"), std::string::npos);
}

TEST(StateStore, UnreadableFileIsRefused) {
  test::TempDir dir;
  StateStore store(dir.path());
  // A directory where the file should be cannot be read, even by root.
  ASSERT_EQ(g_mkdir(store.path().c_str(), 0700), 0);
  auto loaded = store.load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::Internal);
  EXPECT_NE(loaded.error().message.find(store.path()), std::string::npos);
  EXPECT_NE(loaded.error().message.find("left untouched"), std::string::npos);
  EXPECT_TRUE(g_file_test(store.path().c_str(), G_FILE_TEST_IS_DIR));
  ASSERT_EQ(g_rmdir(store.path().c_str()), 0);

  if (geteuid() != 0) {  // permissions do not stop root
    dir.write("state.json", "{}");
    ASSERT_EQ(chmod(store.path().c_str(), 0), 0);
    auto denied = store.load();
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().code, ErrorCode::Internal);
  }
}

}  // namespace
}  // namespace mls::model
