// Segment files on disk (recordings/segment_files.h): what counts as a segment, its state from
// the markers, and that no name or symlink leads outside the recordings directory for open and
// remove.
#include "recordings/segment_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "recordings_test_util.h"

namespace mls::recordings::test {
namespace {

constexpr const char* kFile = "cam1_20261130T140000Z.mp4";

class SegmentFiles : public ::testing::Test {
 protected:
  fs::path folder() const { return dir_.path() / "cam1"; }
  TempDir dir_;
  TempDir outside_;
};

TEST_F(SegmentFiles, ReadsStateFromMarkers) {
  writeFile(folder() / kFile, "abc");
  auto segment = readSegment(dir_.str(), "cam1", kFile, nullptr);
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->state, SegmentState::Complete);
  EXPECT_EQ(segment->size_bytes, 3u);
  EXPECT_EQ(segment->start_unix_s, *model::parseIsoUtc("2026-11-30T14:00:00Z"));
  writeFile(folder() / model::interruptedMarkerName(kFile), "");
  EXPECT_EQ(readSegment(dir_.str(), "cam1", kFile, nullptr)->state, SegmentState::Interrupted);
  writeFile(folder() / model::openMarkerName(kFile), "");
  EXPECT_EQ(readSegment(dir_.str(), "cam1", kFile, nullptr)->state, SegmentState::Recording);
}

TEST_F(SegmentFiles, ScanSkipsWhatIsNotASegment) {
  writeFile(folder() / kFile, "abc");
  writeFile(folder() / "cam1_20261130T141000Z-2.ts", "x");
  writeFile(folder() / ("." + std::string(kFile)), "hidden");
  writeFile(folder() / "notes.txt", "x");
  writeFile(folder() / "cam2_20261130T140000Z.mp4", "wrong input");
  writeFile(outside_.path() / "secret.mp4", "secret");
  ASSERT_EQ(symlink((outside_.path() / "secret.mp4").c_str(),
                    (folder() / "cam1_20261130T142000Z.mp4").c_str()),
            0);
  fs::create_directories(folder() / "cam1_20261130T143000Z.mp4");  // a directory
  auto segments = scanFolder(dir_.str(), "cam1", nullptr);
  ASSERT_TRUE(segments);
  ASSERT_EQ(segments->size(), 2u);
  EXPECT_FALSE(scanFolder(dir_.str(), "nope", nullptr));
}

TEST_F(SegmentFiles, SymlinkedInputFolderIsNeverEntered) {
  writeFile(outside_.path() / kFile, "secret");
  fs::create_directories(dir_.path());
  ASSERT_EQ(symlink(outside_.str().c_str(), (dir_.path() / "cam1").c_str()), 0);
  EXPECT_TRUE(listInputFolders(dir_.str()).empty());
  EXPECT_FALSE(scanFolder(dir_.str(), "cam1", nullptr));
  EXPECT_EQ(openSegmentFile(dir_.str(), "cam1", kFile).error().code, ErrorCode::NotFound);
  EXPECT_EQ(removeSegmentFile(dir_.str(), "cam1", kFile).error().code, ErrorCode::NotFound);
  EXPECT_TRUE(fs::exists(outside_.path() / kFile));
}

TEST_F(SegmentFiles, OpenRefusesEveryEscape) {
  writeFile(outside_.path() / "secret.mp4", "secret");
  writeFile(folder() / kFile, "segment");
  ASSERT_EQ(symlink((outside_.path() / "secret.mp4").c_str(),
                    (folder() / "cam1_20261130T142000Z.mp4").c_str()),
            0);
  const std::string escape = outside_.str() + "/secret.mp4";
  for (const std::string& file :
       {std::string("../") + kFile, std::string("..%2f") + kFile, std::string("..\\") + kFile,
        escape, std::string("cam1_20261130T142000Z.mp4"), std::string(".") + kFile,
        std::string("cam2_20261130T140000Z.mp4"), std::string(".."), std::string("%2e%2e"),
        std::string("")}) {
    auto opened = openSegmentFile(dir_.str(), "cam1", file);
    ASSERT_FALSE(opened) << file;
    EXPECT_EQ(opened.error().code, ErrorCode::NotFound) << file;
    auto removed = removeSegmentFile(dir_.str(), "cam1", file);
    ASSERT_FALSE(removed) << file;
    EXPECT_EQ(removed.error().code, ErrorCode::NotFound) << file;
  }
  for (const std::string& input : {std::string(".."), std::string("../cam1"), outside_.str()})
    EXPECT_FALSE(openSegmentFile(dir_.str(), input, kFile)) << input;
  EXPECT_EQ(readFile(outside_.path() / "secret.mp4"), "secret");
  EXPECT_TRUE(fs::is_symlink(folder() / "cam1_20261130T142000Z.mp4"));
  auto opened = openSegmentFile(dir_.str(), "cam1", kFile);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ((*opened)->size_bytes, 7u);
  EXPECT_FALSE((*opened)->recording);
}

TEST_F(SegmentFiles, RemoveRefusesARecordingAndTakesTheMarkerAlong) {
  writeFile(folder() / kFile, "segment");
  writeFile(folder() / model::openMarkerName(kFile), "");
  auto removed = removeSegmentFile(dir_.str(), "cam1", kFile);
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code, ErrorCode::Conflict);
  EXPECT_TRUE(fs::exists(folder() / kFile));
  fs::rename(folder() / model::openMarkerName(kFile), folder() / model::interruptedMarkerName(kFile));
  ASSERT_TRUE(removeSegmentFile(dir_.str(), "cam1", kFile));
  EXPECT_FALSE(fs::exists(folder() / kFile));
  EXPECT_FALSE(fs::exists(folder() / model::interruptedMarkerName(kFile)));
  EXPECT_EQ(removeSegmentFile(dir_.str(), "cam1", kFile).error().code, ErrorCode::NotFound);
}

TEST(MarkerTarget, NamesTheSegment) {
  EXPECT_EQ(markerTarget(".cam1_20261130T140000Z.mp4.open"), kFile);
  EXPECT_EQ(markerTarget(".cam1_20261130T140000Z.mp4.interrupted"), kFile);
  EXPECT_FALSE(markerTarget(".cam1_20261130T140000Z.mp4"));
  EXPECT_FALSE(markerTarget(".x.open"));
  EXPECT_FALSE(markerTarget("cam1_20261130T140000Z.mp4.open"));
}

}  // namespace
}  // namespace mls::recordings::test
