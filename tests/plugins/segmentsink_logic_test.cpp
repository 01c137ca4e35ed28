// mlssegmentsink's cut and routing rules (plugins/segmentsink/cut_rules.h), without pipelines.
#include <gtest/gtest.h>

#include "cut_rules.h"

namespace mls::segment {
namespace {

constexpr uint64_t kSecond = 1000000000;

TEST(SegmentCut, TheFirstKeyframeOpensTheFirstSegment) {
  EXPECT_FALSE(startsSegment(false, kNone, 0, false, kSecond));
  EXPECT_TRUE(startsSegment(false, kNone, 5 * kSecond, true, kSecond));
  EXPECT_TRUE(startsSegment(false, kNone, kNone, true, 0));
}

TEST(SegmentCut, AKeyframeCutsOnceTheSegmentIsLongEnough) {
  EXPECT_FALSE(startsSegment(true, 10 * kSecond, 10 * kSecond + kSecond - 1, true, kSecond));
  EXPECT_TRUE(startsSegment(true, 10 * kSecond, 11 * kSecond, true, kSecond));
  EXPECT_TRUE(startsSegment(true, 10 * kSecond, 13 * kSecond, true, kSecond));
  EXPECT_FALSE(startsSegment(true, 10 * kSecond, 13 * kSecond, false, kSecond)) << "delta unit";
  EXPECT_FALSE(startsSegment(true, 10 * kSecond, 99 * kSecond, true, 0)) << "0 never cuts";
  EXPECT_FALSE(startsSegment(true, 10 * kSecond, kNone, true, kSecond)) << "no running time";
  EXPECT_FALSE(startsSegment(true, 10 * kSecond, 9 * kSecond, true, kSecond)) << "backwards";
}

TEST(SegmentRouting, AFollowerBufferGoesToTheSegmentItsTimeFallsIn) {
  const std::vector<uint64_t> starts = {0, 2 * kSecond, 4 * kSecond};
  EXPECT_EQ(segmentFor(starts, 0, kSecond), 0u);
  EXPECT_EQ(segmentFor(starts, 0, 2 * kSecond - 1), 0u) << "before the cut: the old segment";
  EXPECT_EQ(segmentFor(starts, 0, 2 * kSecond), 1u) << "at the cut: the new one";
  EXPECT_EQ(segmentFor(starts, 0, 5 * kSecond), 2u) << "a lagging stream skips a segment";
  EXPECT_EQ(segmentFor(starts, 1, kSecond), 1u) << "never back to an older segment";
  EXPECT_EQ(segmentFor(starts, 1, kNone), 1u) << "no running time: stays";
  EXPECT_EQ(segmentFor({3 * kSecond}, 0, kSecond), 0u) << "before the first: the first";
  EXPECT_EQ(segmentFor(starts, 7, 5 * kSecond), 2u) << "index out of range is clamped";
}

TEST(SegmentRouting, AFollowerWaitsOnlyWhereACutMayStillCome) {
  // An open segment from 10 s, 2 s long at most: no cut can come before 12 s.
  const uint64_t start = 10 * kSecond, max = 2 * kSecond;
  EXPECT_TRUE(followerMayPass(11 * kSecond, kNone, start, max)) << "before any possible cut";
  EXPECT_TRUE(followerMayPass(11 * kSecond, 10 * kSecond, start, max))
      << "ahead of a leader that cannot cut before it (the leader may be blocked in the muxer)";
  EXPECT_TRUE(followerMayPass(9 * kSecond, kNone, start, max)) << "before the segment itself";
  EXPECT_FALSE(followerMayPass(12 * kSecond, kNone, start, max)) << "no leader buffer yet";
  EXPECT_FALSE(followerMayPass(12 * kSecond, 12 * kSecond, start, max))
      << "a cut may still come at this time";
  EXPECT_TRUE(followerMayPass(12 * kSecond - 1, 12 * kSecond, start, max));
  EXPECT_TRUE(followerMayPass(13 * kSecond, 13 * kSecond + 1, start, max)) << "the leader is past";
  EXPECT_TRUE(followerMayPass(kNone, kNone, start, max)) << "untimed buffers never wait";
  EXPECT_TRUE(followerMayPass(60 * kSecond, kNone, start, 0)) << "no cuts: never waits";
  EXPECT_TRUE(followerMayPass(60 * kSecond, kNone, kNone, max)) << "an untimed start never cuts";
}

}  // namespace
}  // namespace mls::segment
