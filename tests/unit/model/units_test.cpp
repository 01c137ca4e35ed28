// Numbers, bitrates and resolutions as people write them (model/units.h).
#include "model/units.h"

#include <gtest/gtest.h>

namespace mls::model {
namespace {

TEST(Units, IntegersAreStrict) {
  int v = 0;
  EXPECT_TRUE(parseInt("42", &v));
  EXPECT_EQ(v, 42);
  EXPECT_TRUE(parseInt("-7", &v));
  EXPECT_EQ(v, -7);
  EXPECT_TRUE(parseInt("+7", &v));
  for (const char* bad : {"", " 1", "1 ", "1.0", "0x10", "abc", "99999999999", "-", "1e3"})
    EXPECT_FALSE(parseInt(bad, &v)) << bad;
  int64_t big = 0;
  EXPECT_TRUE(parseInt64("9000000000", &big));
  EXPECT_EQ(big, 9000000000LL);
  EXPECT_FALSE(parseInt64("99999999999999999999", &big));
}

TEST(Units, DoublesAreStrictAndLocaleFree) {
  double d = 0;
  EXPECT_TRUE(parseDouble("2.5", &d));
  EXPECT_DOUBLE_EQ(d, 2.5);
  EXPECT_TRUE(parseDouble("3", &d));
  EXPECT_TRUE(parseDouble(".5", &d));
  for (const char* bad : {"", "2,5", "inf", "nan", " 1", "1s", "1e999"})
    EXPECT_FALSE(parseDouble(bad, &d)) << bad;
}

TEST(Units, Booleans) {
  bool b = false;
  EXPECT_TRUE(parseBool("1", &b) && b);
  EXPECT_TRUE(parseBool("TRUE", &b) && b);
  EXPECT_TRUE(parseBool("0", &b) && !b);
  EXPECT_TRUE(parseBool("false", &b) && !b);
  EXPECT_FALSE(parseBool("yes", &b));
  EXPECT_FALSE(parseBool("", &b));
}

TEST(Units, Bitrates) {
  EXPECT_EQ(*parseBitrateKbps("4500k", "bitrate"), 4500);
  EXPECT_EQ(*parseBitrateKbps("4500K", "bitrate"), 4500);
  EXPECT_EQ(*parseBitrateKbps("4.5M", "bitrate"), 4500);
  EXPECT_EQ(*parseBitrateKbps("4.5m", "bitrate"), 4500);
  EXPECT_EQ(*parseBitrateKbps("4500000", "bitrate"), 4500);
  EXPECT_EQ(*parseBitrateKbps("128000", "audio_bitrate"), 128);
  EXPECT_EQ(*parseBitrateKbps("0", "bitrate"), 0);
  EXPECT_EQ(*parseBitrateKbps("2.5k", "bitrate"), 3);  // rounded
  for (const char* bad : {"", "k", "fast", "-5k", "4500 k", "4500kbps", "1e9M"}) {
    auto r = parseBitrateKbps(bad, "bitrate");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::Invalid);
    EXPECT_EQ(r.error().field, "bitrate");
  }
  auto unitless = parseBitrateKbps("128", "audio_bitrate");
  ASSERT_FALSE(unitless);
  EXPECT_NE(unitless.error().message.find("\"128k\""), std::string::npos);
}

TEST(Units, Resolutions) {
  int w = 0;
  int h = 0;
  EXPECT_TRUE(parseResolution("1920x1080", &w, &h));
  EXPECT_EQ(w, 1920);
  EXPECT_EQ(h, 1080);
  EXPECT_TRUE(parseResolution("720X1280", &w, &h));
  EXPECT_EQ(h, 1280);
  for (const char* bad : {"", "1920", "1920x", "x1080", "0x0", "-2x4", "1920*1080", "1920x+4"})
    EXPECT_FALSE(parseResolution(bad, &w, &h)) << bad;
  EXPECT_EQ(formatResolution(1280, 720), "1280x720");
}

}  // namespace
}  // namespace mls::model
