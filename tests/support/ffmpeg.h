// ffmpeg as a test peer: a live publisher of a known test pattern, and a maker of test files.
//
// The pattern is lavfi testsrc2 (moving, so frames differ) plus a 1 kHz sine, encoded with
// libx264 (profile high, preset veryfast, tune zerolatency, a keyframe every 2 s) and AAC (or
// H.265, MP3 or Opus when asked), paced
// in real time (-re). The container follows the URL: rtmp(s) → FLV, srt and udp → MPEG-TS,
// rtsp → RTSP ANNOUNCE/RECORD over TCP. ffmpeg is the independent reference here; the product
// itself never uses it.
//
// Thread-bound to the test's main thread (the returned Process is).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "process.h"

namespace mls::test {

struct TestPatternOptions {
  int width = 1280;
  int height = 720;
  int fps = 30;
  bool audio = true;
  int videoKbps = 2500;
  double seconds = 0;                        // 0: until stopped
  // "h264" (libx264, as above) or "h265" (libx265 ultrafast, same GOP, headers repeated).
  std::string videoCodec = "h264";
  // "aac", "mp3" (libmp3lame) or "opus" (libopus).
  std::string audioCodec = "aac";
  std::vector<std::string> extraOutputArgs;  // inserted before the output URL
};

// The ffmpeg command line publishing the pattern to `url` (for logs and for tests that want to
// adjust it).
std::vector<std::string> testPatternCommand(const std::string& url,
                                            const TestPatternOptions& options);

// Starts ffmpeg publishing the pattern to `url`; it runs until stopped (or options.seconds).
Process publishTestPattern(const std::string& url, const TestPatternOptions& options = {});

// Writes `seconds` of the pattern to `path` (MP4, or whatever the extension says) and waits for
// ffmpeg to finish (up to 30 s + 2 × seconds).
::testing::AssertionResult makeTestFile(const std::filesystem::path& path, double seconds,
                                        const TestPatternOptions& options = {});

}  // namespace mls::test
