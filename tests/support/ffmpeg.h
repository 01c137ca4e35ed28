// ffmpeg as a test peer: a live publisher of a known test pattern, and a maker of test files.
//
// The pattern is lavfi testsrc2 (moving, so frames differ) plus a 1 kHz sine, encoded with
// libx264 (profile high, preset veryfast, tune zerolatency, a keyframe every 2 s) and AAC (or
// H.265, MP3 or Opus when asked). A live publisher does not encode: each set of options is
// encoded once into a clip of five GOPs (Matroska, so parameter sets and AudioSpecificConfig
// travel as global headers), cached under $XDG_CACHE_HOME/mls-test-media, and published looped
// with `-stream_loop -1 -re -c copy`. A live 720p30 encode costs 57 % of a core and the copy
// 1.4 % (measured with /proc/PID/stat over 10 s), which on a 2-core CI box is the difference
// between the tests measuring mls and measuring their own publishers. The loop point falls on
// a keyframe and its timestamps continue (checked with ffprobe across two loops: no gap over one
// frame, none backwards). The container follows the URL: rtmp(s) → FLV, srt and udp → MPEG-TS,
// rtsp → RTSP ANNOUNCE/RECORD over TCP. ffmpeg is the independent reference here; the product
// itself never uses it.
//
// Thread-bound to the test's main thread (the returned Process is). Test processes running in
// parallel share the cache: a clip is made under a file lock and renamed into place.
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
  int keyframeInterval = 0;  // frames from one keyframe to the next; 0: 2 × fps
  double seconds = 0;        // 0: until stopped
  // "h264" (libx264, as above) or "h265" (libx265 ultrafast, same GOP, headers repeated).
  std::string videoCodec = "h264";
  // "aac", "mp3" (libmp3lame) or "opus" (libopus).
  std::string audioCodec = "aac";
  std::vector<std::string> extraOutputArgs;  // inserted before the output URL
};

// The cached clip of `options` (made on first use; see the header paragraph).
std::filesystem::path patternClip(const TestPatternOptions& options);

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
