// Retention (recordings/retention.h): the policy as pure logic (age per input, the free-space
// watermark, never a segment being written, oldest first), and the runner deleting through a
// real catalog with an injected free-space function.
#include "recordings/retention.h"

#include <gtest/gtest.h>

#include "recordings/catalog.h"
#include "recordings_test_util.h"

namespace mls::recordings::test {
namespace {

constexpr int64_t kNow = 1800000000;

Segment segment(const std::string& input, int64_t start, double duration, uint64_t size,
                SegmentState state = SegmentState::Complete) {
  Segment s;
  s.input = input;
  s.start_unix_s = start;
  s.file = model::segmentFileName(input, start, model::SegmentFormat::Mp4);
  s.duration_s = duration;
  s.size_bytes = size;
  s.state = state;
  s.mtime_unix_us = (start + int64_t(duration)) * 1000000;
  return s;
}

RetentionPolicy ages(int64_t cam1, int64_t others, int min_free = 10) {
  RetentionPolicy policy;
  policy.max_age_s = [=](const std::string& input) { return input == "cam1" ? cam1 : others; };
  policy.min_free_percent = min_free;
  return policy;
}

TEST(RetentionPolicy, DeletesFinishedSegmentsOlderThanTheirInputsMaxAge) {
  std::vector<Segment> segments = {
      segment("cam1", kNow - 7200, 600, 10),                            // ended 6600 s ago
      segment("cam1", kNow - 3000, 600, 10),                            // ended 2400 s ago
      segment("cam2", kNow - 7200, 600, 10),                            // cam2: no limit
      segment("cam1", kNow - 9000, 600, 10, SegmentState::Interrupted), // old, interrupted
      segment("cam1", kNow - 9600, 0, 10, SegmentState::Recording),     // old, but being written
  };
  auto plan = planRetention(segments, kNow, ages(3600, 0), std::nullopt);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].file, segments[0].file);
  EXPECT_EQ(plan[1].file, segments[3].file);
  EXPECT_NE(plan[0].reason.find("maximum age of 3600 s"), std::string::npos);
  EXPECT_TRUE(planRetention(segments, kNow, ages(0, 0), std::nullopt).empty());
}

TEST(RetentionPolicy, FreesSpaceOldestFirstUntilTheWatermark) {
  std::vector<Segment> segments = {
      segment("cam2", kNow - 600, 600, 300),
      segment("cam1", kNow - 1800, 600, 300),
      segment("cam1", kNow - 5000, 600, 300, SegmentState::Recording),  // never
      segment("cam2", kNow - 2400, 600, 300),
      segment("cam1", kNow - 1200, 600, 300),
  };
  // 10 % of 10,000 wanted free, 500 free: 500 more needed → the two oldest finished (600).
  DiskSpace space{500, 10000};
  auto plan = planRetention(segments, kNow, ages(0, 0, 10), space);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].file, segments[3].file);
  EXPECT_EQ(plan[1].file, segments[1].file);
  EXPECT_NE(plan[0].reason.find("free space 5.0% is under 10%"), std::string::npos)
      << plan[0].reason;
  // Enough space: nothing. No watermark: nothing.
  EXPECT_TRUE(planRetention(segments, kNow, ages(0, 0, 10), DiskSpace{1000, 10000}).empty());
  EXPECT_TRUE(planRetention(segments, kNow, ages(0, 0, 0), space).empty());
  // A full disk with nothing finished: nothing to delete, and never the one being written.
  std::vector<Segment> writing = {segment("cam1", kNow - 60, 0, 9000, SegmentState::Recording)};
  EXPECT_TRUE(planRetention(writing, kNow, ages(0, 0, 10), DiskSpace{0, 10000}).empty());
}

TEST(RetentionPolicy, AgeDeletionsCountTowardsTheSpaceNeeded) {
  std::vector<Segment> segments = {
      segment("cam1", kNow - 7200, 600, 600),  // too old anyway
      segment("cam2", kNow - 4000, 600, 300),
  };
  auto plan = planRetention(segments, kNow, ages(3600, 0, 10), DiskSpace{500, 10000});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].input, "cam1");
}

TEST(RetentionRunner, DeletesThroughTheCatalogAndNeverAnOpenSegment) {
  TempDir dir;
  const fs::path folder = dir.path() / "cam1";
  const int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  const std::string old_file = model::segmentFileName("cam1", now - 7200, model::SegmentFormat::Ts);
  const std::string open_file =
      model::segmentFileName("cam1", now - 7000, model::SegmentFormat::Ts);
  const std::string new_file = model::segmentFileName("cam1", now - 60, model::SegmentFormat::Ts);
  for (const auto& file : {old_file, open_file, new_file}) writeFile(folder / file, "data");
  writeFile(folder / model::openMarkerName(open_file), "");
  setMtime(folder / old_file, now - 7000);
  setMtime(folder / open_file, now - 6900);

  Catalog catalog(dir.str(), Catalog::Options{10, 300, 0});
  std::vector<Change> changes;
  ASSERT_TRUE(catalog.start());
  ASSERT_TRUE(runUntil([&] { return catalog.ready() && !catalog.busy(); }));
  catalog.setListener([&](const Change& change) { changes.push_back(change); });

  uint64_t free_bytes = 0;  // a full disk
  Retention retention(catalog, ages(3600, 3600, 10),
                      [&] { return std::optional<DiskSpace>(DiskSpace{free_bytes, 1000}); }, 0);
  EXPECT_EQ(retention.runNow(), 2);  // the old one by age, then the newest finished for space
  EXPECT_FALSE(fs::exists(folder / old_file));
  EXPECT_FALSE(fs::exists(folder / new_file));
  EXPECT_TRUE(fs::exists(folder / open_file));
  EXPECT_TRUE(fs::exists(folder / model::openMarkerName(open_file)));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].phase, ChangePhase::Deleted);
  EXPECT_EQ(retention.runNow(), 0);
  catalog.stop();
}

}  // namespace
}  // namespace mls::recordings::test
