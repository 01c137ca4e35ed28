// Recording file names: making, parsing and refusing names (the path-traversal guard).
#include "model/recording_names.h"

#include <gtest/gtest.h>

namespace mls::model {
namespace {

constexpr int64_t kStart = 1796047200;  // 2026-11-30T14:00:00Z

TEST(RecordingNames, MakesAndParsesSegmentNames) {
  EXPECT_EQ(segmentFileName("cam1", kStart, SegmentFormat::Mp4), "cam1_20261130T140000Z.mp4");
  EXPECT_EQ(segmentFileName("my_cam-2", kStart, SegmentFormat::Ts, 3),
            "my_cam-2_20261130T140000Z-3.ts");

  auto parsed = parseSegmentFileName("my_cam-2_20261130T140000Z-3.ts");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->input, "my_cam-2");
  EXPECT_EQ(parsed->start_unix_s, kStart);
  EXPECT_EQ(parsed->sequence, 3);
  EXPECT_EQ(parsed->format, SegmentFormat::Ts);

  parsed = parseSegmentFileName("cam1_20261130T140000Z.mp4");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->input, "cam1");
  EXPECT_EQ(parsed->sequence, 0);
  EXPECT_EQ(parsed->format, SegmentFormat::Mp4);
}

TEST(RecordingNames, RefusesEverythingElse) {
  for (const char* name :
       {"", ".", "..", "../cam1_20261130T140000Z.mp4", "cam1/../x_20261130T140000Z.mp4",
        "/etc/passwd", ".cam1_20261130T140000Z.mp4.open", "cam1_20261130T140000Z.mp4.open",
        "cam1_20261130T140000Z.mkv", "cam1_20261130T140000Z", "cam1_20261130T140000.mp4",
        "cam1_20261130T250000Z.mp4", "cam1_20261331T140000Z.mp4", "Cam1_20261130T140000Z.mp4",
        "_20261130T140000Z.mp4", "cam1_20261130T140000Z-0.mp4", "cam1_20261130T140000Z-.mp4",
        "cam1_20261130T140000Z-01.mp4", "cam1_20261130T140000Zx.mp4", "%2e%2e_20261130T140000Z.mp4",
        "cam1_20261130T140000Z.MP4", "cam1\\x_20261130T140000Z.mp4"}) {
    EXPECT_FALSE(isSegmentFileName(name)) << name;
  }
}

TEST(RecordingNames, MarkersAndTimes) {
  EXPECT_EQ(openMarkerName("cam1_20261130T140000Z.mp4"), ".cam1_20261130T140000Z.mp4.open");
  EXPECT_EQ(interruptedMarkerName("cam1_20261130T140000Z.mp4"),
            ".cam1_20261130T140000Z.mp4.interrupted");
  EXPECT_EQ(isoUtc(kStart), "2026-11-30T14:00:00Z");
  EXPECT_EQ(parseIsoUtc("2026-11-30T14:00:00Z"), kStart);
  EXPECT_EQ(parseIsoUtc("2026-11-30T15:00:00+01:00"), kStart);
  EXPECT_FALSE(parseIsoUtc("yesterday"));
  EXPECT_EQ(compactUtc(kStart), "20261130T140000Z");
  EXPECT_EQ(parseCompactUtc("20261130T140000Z"), kStart);
  EXPECT_EQ(std::string(segmentContentType(SegmentFormat::Mp4)), "video/mp4");
  EXPECT_EQ(std::string(segmentContentType(SegmentFormat::Ts)), "video/mp2t");
}

}  // namespace
}  // namespace mls::model
