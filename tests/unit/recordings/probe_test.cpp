// Container probing (recordings/probe.h) on real segments made by gst-launch-1.0: fragmented
// MP4 and MPEG-TS, whole and cut short as a crash leaves them, and bytes that are neither.
#include "recordings/probe.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "recordings_test_util.h"

namespace mls::recordings::test {
namespace {

std::vector<uint8_t> bytesOf(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

TEST(Probe, FragmentedMp4DurationAndCodecs) {
  const std::string& file = realSegment("mp4", 2);
  ASSERT_GT(file.size(), 1000u);
  const auto started = std::chrono::steady_clock::now();
  ProbeResult result = probeBytes(bytesOf(file), model::SegmentFormat::Mp4);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(result.duration_s.has_value());
  EXPECT_NEAR(*result.duration_s, 2.0, 0.1);
  EXPECT_EQ(result.video_codec, "h264");
  EXPECT_EQ(result.audio_codec, "aac");
  std::printf("probe of a %zu-byte fMP4: %lld us\n", file.size(),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
}

TEST(Probe, FragmentedMp4CutByACrashCountsItsWholeFragments) {
  const std::string& whole = realSegment("mp4", 4);
  const std::string cut = whole.substr(0, whole.size() * 6 / 10);
  ProbeResult result = probeBytes(bytesOf(cut), model::SegmentFormat::Mp4);
  ASSERT_TRUE(result.duration_s.has_value());
  EXPECT_GE(*result.duration_s, 1.0);
  EXPECT_LT(*result.duration_s, 4.0);
  EXPECT_EQ(result.video_codec, "h264");
}

TEST(Probe, MpegTsDurationAndCodecs) {
  const std::string& file = realSegment("ts", 2);
  ASSERT_GT(file.size(), 1000u);
  ProbeResult result = probeBytes(bytesOf(file), model::SegmentFormat::Ts);
  ASSERT_TRUE(result.duration_s.has_value());
  EXPECT_NEAR(*result.duration_s, 2.0, 0.1);
  EXPECT_EQ(result.video_codec, "h264");
  EXPECT_EQ(result.audio_codec, "aac");
}

TEST(Probe, GarbageGivesNothing) {
  for (auto format : {model::SegmentFormat::Mp4, model::SegmentFormat::Ts}) {
    ProbeResult result = probeBytes(bytesOf(std::string(5000, 'x')), format);
    EXPECT_FALSE(result.duration_s.has_value());
    EXPECT_EQ(result.video_codec, "");
    EXPECT_EQ(result.audio_codec, "");
    result = probeBytes({}, format);
    EXPECT_FALSE(result.duration_s.has_value());
  }
}

TEST(Probe, FileAndBytesAgree) {
  TempDir dir;
  const std::string& file = realSegment("mp4", 2);
  writeFile(dir.path() / "a.mp4", file);
  FILE* f = std::fopen((dir.path() / "a.mp4").c_str(), "rb");
  ASSERT_NE(f, nullptr);
  ProbeResult from_file = probeFile(fileno(f), file.size(), model::SegmentFormat::Mp4);
  std::fclose(f);
  ProbeResult from_bytes = probeBytes(bytesOf(file), model::SegmentFormat::Mp4);
  EXPECT_EQ(from_file.duration_s, from_bytes.duration_s);
  EXPECT_EQ(from_file.video_codec, from_bytes.video_codec);
}

}  // namespace
}  // namespace mls::recordings::test
