// Presets and how they combine with explicit settings (model/presets.h).
#include "model/presets.h"

#include <gtest/gtest.h>

namespace mls::model {
namespace {

TEST(Presets, TheThreePresets) {
  ASSERT_EQ(presets().size(), 3u);
  const Preset* youtube = findPreset("youtube");
  ASSERT_NE(youtube, nullptr);
  EXPECT_EQ(youtube->title, "YouTube");
  EXPECT_EQ(youtube->settings.video_codec, "h264");
  EXPECT_EQ(youtube->settings.width, 1920);
  EXPECT_EQ(youtube->settings.height, 1080);
  EXPECT_EQ(youtube->settings.framerate, 30);
  EXPECT_EQ(youtube->settings.bitrate_kbps, 4500);
  EXPECT_EQ(youtube->settings.keyframe_interval_s, 2);
  EXPECT_EQ(youtube->settings.audio_bitrate_kbps, 128);
  EXPECT_EQ(youtube->settings.rotation, 0);
  EXPECT_EQ(youtube->audio, AudioMode::SilenceIfMissing);

  const Preset* instagram = findPreset("instagram");
  ASSERT_NE(instagram, nullptr);
  EXPECT_EQ(instagram->title, "Instagram");
  EXPECT_EQ(instagram->settings.width, 720);
  EXPECT_EQ(instagram->settings.height, 1280);
  EXPECT_EQ(instagram->settings.framerate, 30);
  EXPECT_EQ(instagram->settings.bitrate_kbps, 3500);
  EXPECT_EQ(instagram->settings.rotation, 0);
  EXPECT_EQ(instagram->audio, AudioMode::Auto);

  const Preset* tiktok = findPreset("tiktok");
  ASSERT_NE(tiktok, nullptr);
  EXPECT_EQ(tiktok->title, "TikTok");
  EXPECT_EQ(tiktok->settings.width, 720);
  EXPECT_EQ(tiktok->settings.height, 1280);
  EXPECT_EQ(tiktok->settings.bitrate_kbps, 2500);
  EXPECT_EQ(tiktok->settings.video_codec, "h264");
  EXPECT_EQ(tiktok->audio, AudioMode::Auto);

  EXPECT_EQ(findPreset("YouTube"), nullptr);
  EXPECT_EQ(findPreset(""), nullptr);
  for (const Preset& p : presets()) EXPECT_FALSE(p.description.empty()) << p.name;
}

TEST(EffectiveTranscode, PassthroughByDefault) {
  OutputSpec output;
  EXPECT_EQ(effectiveTranscode(output), std::nullopt);
  EXPECT_EQ(effectiveAudio(output), AudioMode::Auto);
}

TEST(EffectiveTranscode, PresetAlone) {
  OutputSpec output;
  output.preset = "youtube";
  EXPECT_EQ(effectiveTranscode(output), findPreset("youtube")->settings);
  EXPECT_EQ(effectiveAudio(output), AudioMode::SilenceIfMissing);
}

TEST(EffectiveTranscode, ExplicitAlone) {
  OutputSpec output;
  output.transcode = TranscodeSettings{.width = 1280, .height = 720, .bitrate_kbps = 3000};
  EXPECT_EQ(effectiveTranscode(output), output.transcode);
}

TEST(EffectiveTranscode, ExplicitFieldsOverThePreset) {
  OutputSpec output;
  output.preset = "youtube";
  output.transcode = TranscodeSettings{};
  output.transcode->bitrate_kbps = 6000;
  output.transcode->rotation = 90;
  output.transcode->keyframe_interval_s = 4;
  auto t = effectiveTranscode(output);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bitrate_kbps, 6000);
  EXPECT_EQ(t->rotation, 90);
  EXPECT_EQ(t->keyframe_interval_s, 4);
  // Not set explicitly: the preset's.
  EXPECT_EQ(t->width, 1920);
  EXPECT_EQ(t->height, 1080);
  EXPECT_EQ(t->framerate, 30);
  EXPECT_EQ(t->video_codec, "h264");
  EXPECT_EQ(t->audio_bitrate_kbps, 128);

  output.transcode->video_codec = "h265";
  output.transcode->width = 1280;
  output.transcode->height = 720;
  output.transcode->framerate = 60;
  output.transcode->audio_bitrate_kbps = 192;
  t = effectiveTranscode(output);
  EXPECT_EQ(t->video_codec, "h265");
  EXPECT_EQ(t->width, 1280);
  EXPECT_EQ(t->height, 720);
  EXPECT_EQ(t->framerate, 60);
  EXPECT_EQ(t->audio_bitrate_kbps, 192);
}

TEST(EffectiveAudio, ExplicitBeatsThePreset) {
  OutputSpec output;
  output.preset = "youtube";
  output.audio = AudioMode::None;
  output.audio_explicit = true;
  EXPECT_EQ(effectiveAudio(output), AudioMode::None);
  output.preset = "tiktok";
  output.audio = AudioMode::SilenceIfMissing;
  EXPECT_EQ(effectiveAudio(output), AudioMode::SilenceIfMissing);
  output.audio_explicit = false;
  EXPECT_EQ(effectiveAudio(output), AudioMode::Auto);
}

}  // namespace
}  // namespace mls::model
