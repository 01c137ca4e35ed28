// ffmpeg publisher and test-file maker (see ffmpeg.h).
#include "ffmpeg.h"

#include <chrono>

namespace mls::test {

namespace {

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string number(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

// Pattern inputs and encoder settings, shared by the live publisher and the file maker.
std::vector<std::string> encodeArgs(const TestPatternOptions& o, bool realtime) {
  const std::string size = std::to_string(o.width) + "x" + std::to_string(o.height);
  std::vector<std::string> args = {"ffmpeg", "-hide_banner",  "-nostdin", "-loglevel",
                                   "info",   "-stats_period", "2"};
  if (realtime) args.push_back("-re");
  args.insert(args.end(),
              {"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=" + std::to_string(o.fps)});
  if (o.audio) {
    if (realtime) args.push_back("-re");
    args.insert(args.end(), {"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"});
  }
  if (o.seconds > 0) args.insert(args.end(), {"-t", number(o.seconds)});
  const std::string kbps = std::to_string(o.videoKbps) + "k";
  const std::string gop = std::to_string(2 * o.fps);
  args.insert(args.end(), {"-map", "0:v"});
  if (o.videoCodec == "h265") {
    args.insert(args.end(), {"-c:v", "libx265", "-preset", "ultrafast", "-tune", "zerolatency",
                             "-x265-params",
                             "keyint=" + gop + ":min-keyint=" + gop +
                                 ":scenecut=0:repeat-headers=1:log-level=warning"});
  } else {
    args.insert(args.end(), {"-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast",
                             "-tune", "zerolatency", "-g", gop, "-keyint_min", gop,
                             "-sc_threshold", "0"});
  }
  args.insert(args.end(), {"-pix_fmt", "yuv420p", "-b:v", kbps, "-maxrate", kbps, "-bufsize",
                           std::to_string(2 * o.videoKbps) + "k"});
  if (o.audio) {
    const char* encoder = o.audioCodec == "mp3"    ? "libmp3lame"
                          : o.audioCodec == "opus" ? "libopus"
                                                   : "aac";
    args.insert(args.end(),
                {"-map", "1:a", "-c:a", encoder, "-b:a", "128k", "-ar", "48000", "-ac", "2"});
  }
  return args;
}

}  // namespace

std::vector<std::string> testPatternCommand(const std::string& url,
                                            const TestPatternOptions& options) {
  std::vector<std::string> args = encodeArgs(options, true);
  std::string target = url;
  if (startsWith(url, "rtmp://") || startsWith(url, "rtmps://")) {
    args.insert(args.end(), {"-f", "flv", "-flvflags", "no_duration_filesize"});
  } else if (startsWith(url, "srt://")) {
    args.insert(args.end(), {"-f", "mpegts"});
  } else if (startsWith(url, "udp://")) {
    args.insert(args.end(), {"-f", "mpegts"});
    if (url.find('?') == std::string::npos) target += "?pkt_size=1316";
  } else if (startsWith(url, "rtsp://")) {
    args.insert(args.end(), {"-f", "rtsp", "-rtsp_transport", "tcp"});
  }
  args.insert(args.end(), options.extraOutputArgs.begin(), options.extraOutputArgs.end());
  args.push_back(target);
  return args;
}

Process publishTestPattern(const std::string& url, const TestPatternOptions& options) {
  return Process(testPatternCommand(url, options), "ffmpeg-publish");
}

::testing::AssertionResult makeTestFile(const std::filesystem::path& path, double seconds,
                                        const TestPatternOptions& options) {
  TestPatternOptions o = options;
  o.seconds = seconds;
  std::vector<std::string> args = encodeArgs(o, false);
  if (path.extension() == ".mp4" || path.extension() == ".mov") {
    args.insert(args.end(), {"-movflags", "+faststart"});
  }
  args.insert(args.end(), {"-y", path.string()});
  Process ffmpeg(args, "ffmpeg-file");
  if (!ffmpeg.started()) return ::testing::AssertionFailure() << ffmpeg.startError();
  const auto limit = std::chrono::seconds(30) + std::chrono::seconds(static_cast<int>(2 * seconds));
  const auto status = ffmpeg.wait(std::chrono::duration_cast<std::chrono::milliseconds>(limit));
  if (!status) {
    ffmpeg.kill9();
    return ::testing::AssertionFailure()
           << "ffmpeg did not finish " << path << " in time; see " << ffmpeg.logPath();
  }
  if (!status->success()) {
    return ::testing::AssertionFailure()
           << "ffmpeg making " << path << ": " << status->describe() << "\n"
           << ffmpeg.log();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace mls::test
