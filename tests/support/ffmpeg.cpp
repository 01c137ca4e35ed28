// ffmpeg publisher and test-file maker (see ffmpeg.h).
#include "ffmpeg.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace mls::test {

namespace {

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string number(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

int gopFrames(const TestPatternOptions& o) {
  return o.keyframeInterval > 0 ? o.keyframeInterval : 2 * o.fps;
}

// Pattern inputs and encoder settings, shared by the live publisher and the file maker.
// `audioShortBy`: seconds the tone ends before the picture (see patternClip).
std::vector<std::string> encodeArgs(const TestPatternOptions& o, bool realtime,
                                    double audioShortBy = 0) {
  const std::string size = std::to_string(o.width) + "x" + std::to_string(o.height);
  std::vector<std::string> args = {"ffmpeg", "-hide_banner",  "-nostdin", "-loglevel",
                                   "info",   "-stats_period", "2"};
  if (realtime) args.push_back("-re");
  args.insert(args.end(),
              {"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=" + std::to_string(o.fps)});
  if (o.audio) {
    if (realtime) args.push_back("-re");
    std::string tone = "sine=frequency=1000:sample_rate=48000";
    if (o.seconds > 0 && audioShortBy > 0) tone += ":duration=" + number(o.seconds - audioShortBy);
    args.insert(args.end(), {"-f", "lavfi", "-i", tone});
  }
  if (o.seconds > 0) args.insert(args.end(), {"-t", number(o.seconds)});
  const std::string kbps = std::to_string(o.videoKbps) + "k";
  const std::string gop = std::to_string(gopFrames(o));
  args.insert(args.end(), {"-map", "0:v"});
  if (o.videoCodec == "h265") {
    args.insert(args.end(),
                {"-c:v", "libx265", "-preset", "ultrafast", "-tune", "zerolatency", "-x265-params",
                 "keyint=" + gop + ":min-keyint=" + gop +
                     ":scenecut=0:repeat-headers=1:log-level=warning"});
  } else {
    args.insert(args.end(),
                {"-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-tune",
                 "zerolatency", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0"});
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

std::filesystem::path mediaCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  return std::filesystem::path(xdg && *xdg ? xdg : "/tmp") / "mls-test-media";
}

// Every option that changes the encoded media, so that two option sets never share a clip.
std::string clipName(const TestPatternOptions& o) {
  // "v2": bump when the recipe changes, so no test meets a clip made by an older one.
  return "pattern-v2-" + o.videoCodec + "-" + std::to_string(o.width) + "x" +
         std::to_string(o.height) + "-" + std::to_string(o.fps) + "fps-g" +
         std::to_string(gopFrames(o)) + "-" + std::to_string(o.videoKbps) + "k-" +
         (o.audio ? o.audioCodec : std::string("noaudio")) + ".mkv";
}

::testing::AssertionResult encodeFile(const std::filesystem::path& path,
                                      const TestPatternOptions& o, double audioShortBy) {
  const double seconds = o.seconds;
  std::vector<std::string> args = encodeArgs(o, false, audioShortBy);
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

}  // namespace

std::filesystem::path patternClip(const TestPatternOptions& options) {
  TestPatternOptions o = options;
  o.seconds = 5.0 * gopFrames(o) / o.fps;  // whole GOPs, so the loop point is a keyframe
  o.extraOutputArgs.clear();
  const std::filesystem::path dir = mediaCacheDir();
  const std::filesystem::path clip = dir / clipName(o);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (std::filesystem::exists(clip)) return clip;

  const std::string lockPath = clip.string() + ".lock";
  const int lock = ::open(lockPath.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);  // another test process may be making it
  if (!std::filesystem::exists(clip)) {
    const std::filesystem::path partial =
        clip.string() + ".part-" + std::to_string(::getpid()) + ".mkv";
    // ffmpeg's -stream_loop offsets the next pass by the longest stream's span. The tone stops
    // 0.1 s early so that span is the picture's and video timestamps stay exactly regular
    // across the loop (with equal lengths, AAC's last frame put a 39 ms interval there); the
    // tone has a 0.1 s hole every pass instead.
    const auto made = encodeFile(partial, o, 0.1);
    if (made) {
      std::filesystem::rename(partial, clip, ec);
    } else {
      ADD_FAILURE() << "making the test-pattern clip " << clip << ": " << made.message();
      std::filesystem::remove(partial, ec);
    }
  }
  if (lock >= 0) ::close(lock);  // closing releases the lock
  return clip;
}

std::vector<std::string> testPatternCommand(const std::string& url,
                                            const TestPatternOptions& options) {
  std::vector<std::string> args = {
      "ffmpeg", "-hide_banner", "-nostdin",     "-loglevel", "info", "-stats_period",
      "2",      "-re",          "-stream_loop", "-1",        "-i",   patternClip(options).string(),
      "-c",     "copy"};
  if (options.seconds > 0) args.insert(args.end(), {"-t", number(options.seconds)});
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
  return encodeFile(path, o, 0);
}

}  // namespace mls::test
