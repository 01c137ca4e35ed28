// Recordings against the real mlsd: segments that start on a keyframe and play on their own, a
// clean stop (API or SIGTERM) that finalizes the last segment, kill -9 that loses at most 1 s
// (the fragment in progress) and is repaired and marked interrupted at the next start, a source
// that goes away and comes back (new segment), and a recording that cannot write or fills its disk
// (a 3 MiB tmpfs), which disturbs nothing else.
//
// Peers: nginx-rtmp (source published by ffmpeg, and destination), ffprobe/ffmpeg (verifiers).
#include <glib.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "nginx_rtmp.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

namespace fs = std::filesystem;

// What ffprobe and ffmpeg say about one segment file.
struct SegmentCheck {
  double duration = 0;   // format duration (s)
  int video_frames = 0;  // decoded
  int audio_frames = 0;
  bool first_video_key = false;
  std::string decode_errors;  // ffmpeg -v error -f null: empty when the file decodes cleanly
  std::string describe() const {
    char text[256];
    std::snprintf(text, sizeof text, "duration %.3f s, %d video / %d audio frames, first key %s%s",
                  duration, video_frames, audio_frames, first_video_key ? "yes" : "NO",
                  decode_errors.empty() ? "" : ", decode errors");
    return text + (decode_errors.empty() ? "" : ": " + tailOf(decode_errors, 500));
  }
};

std::string runToText(std::vector<std::string> argv, const std::string& name) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.name = name;
  options.stdoutPath = uniqueOutputPath(name, ".out");
  Process process(options);
  auto status = process.wait(std::chrono::seconds(60));
  if (!status) process.kill9();
  std::ifstream in(options.stdoutPath);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text + process.log();
}

SegmentCheck checkSegment(const fs::path& file) {
  SegmentCheck check;
  JsonNodePtr streams = parseJson(
      runToText({"ffprobe", "-v", "error", "-count_frames", "-show_entries",
                 "format=duration:stream=codec_type,nb_read_frames", "-of", "json", file.string()},
                "ffprobe-segment"));
  if (streams) {
    check.duration = std::stod(jsonString(streams.get(), "format.duration").value_or("0"));
    for (int i = 0; i < jsonSize(streams.get(), "streams"); ++i) {
      std::string prefix = "streams." + std::to_string(i) + ".";
      int frames = std::stoi(jsonString(streams.get(), prefix + "nb_read_frames").value_or("0"));
      (jsonString(streams.get(), prefix + "codec_type") == "video" ? check.video_frames
                                                                   : check.audio_frames) = frames;
    }
  }
  JsonNodePtr first = parseJson(
      runToText({"ffprobe", "-v", "error", "-select_streams", "v", "-read_intervals", "%+#1",
                 "-show_entries", "frame=key_frame", "-of", "json", file.string()},
                "ffprobe-keyframe"));
  check.first_video_key = first && jsonInt(first.get(), "frames.0.key_frame") == 1;
  check.decode_errors =
      runToText({"ffmpeg", "-nostdin", "-v", "error", "-i", file.string(), "-f", "null", "-"},
                "ffmpeg-decode");
  return check;
}

// Segment files (not markers) in `dir`, oldest first: by start time, then sequence
// ("cam_…Z.mp4" before "cam_…Z-1.mp4").
std::vector<fs::path> segments(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name[0] != '.' && (name.ends_with(".mp4") || name.ends_with(".ts")))
      files.push_back(entry.path());
  }
  auto key = [](const fs::path& file) {
    std::string name = file.filename().string();
    size_t z = name.rfind('Z');
    return name.substr(0, z + 1) + (name[z + 1] == '.' ? "-0" : "") + name.substr(z + 1);
  };
  std::sort(files.begin(), files.end(),
            [&](const fs::path& a, const fs::path& b) { return key(a) < key(b); });
  return files;
}

std::vector<fs::path> markers(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name[0] == '.' && name.ends_with(suffix)) files.push_back(entry.path());
  }
  return files;
}

template <typename Predicate>
bool waitUntil(Predicate predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return predicate();
}

std::string recordingState(MlsdApi& api, const std::string& input) {
  JsonNodePtr node = api.input(input);
  return node ? jsonString(node.get(), "recording.state").value_or("") : "";
}

class RecordingTest : public RelayTest {
 protected:
  fs::path recordingsDir() const { return mlsd_->stateDir() / "recordings"; }
  ::testing::AssertionResult waitRecording(const std::string& input, const std::string& state,
                                           std::chrono::milliseconds timeout) {
    if (waitUntil([&] { return recordingState(api(), input) == state; }, timeout))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "recording of " << input << " is " << recordingState(api(), input) << ", not "
           << state << "\n"
           << api().context(input);
  }
};

using RecordingLifecycle = RecordingTest;

TEST_F(RecordingLifecycle, SegmentsStartOnKeyframesAndStopFinalizesTheLast) {
  ASSERT_TRUE(startMlsd({"--segment-duration", "2"}));
  ASSERT_TRUE(api().createInput(JsonText().set("name", "cam").set("url", "test://smpte")));
  ASSERT_TRUE(api().waitInput("cam", "live", 20s));

  HttpResponse started = api().post("/api/v1/inputs/cam/recording");
  ASSERT_EQ(started.status, 200) << started.body;
  ASSERT_TRUE(waitRecording("cam", "live", 15s));
  const fs::path dir = recordingsDir() / "cam";
  // The test pattern has a keyframe every 2 s: four segments take about 8 s.
  ASSERT_TRUE(waitUntil([&] { return segments(dir).size() >= 4; }, 20s))
      << segments(dir).size() << " segments\n"
      << api().context("cam");
  // The fourth file exists from the moment its filesink opens it; the previous segment closes
  // (its marker goes, on the main thread) once its audio has crossed the cut and the muxer has
  // finished, and the API counts the new one when its fragment-opened message is handled: both
  // a few tens of milliseconds later.
  EXPECT_TRUE(waitUntil([&] { return markers(dir, ".open").size() == 1; }, 2s))
      << markers(dir, ".open").size() << " segments being written, not one";
  EXPECT_TRUE(waitUntil(
      [&] { return jsonInt(api().input("cam").get(), "recording.segments").value_or(0) >= 4; }, 2s))
      << api().context("cam");
  JsonNodePtr input = api().input("cam");
  EXPECT_FALSE(jsonString(input.get(), "recording.segment").value_or("").empty());
  EXPECT_EQ(jsonBool(input.get(), "record"), true);

  HttpResponse stopped = api().del("/api/v1/inputs/cam/recording");
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(jsonString(parseJson(stopped.body).get(), "recording.state"), "stopped");
  ASSERT_TRUE(waitUntil([&] { return markers(dir, ".open").empty(); }, 10s))
      << "the last segment was not finalized";
  EXPECT_TRUE(markers(dir, ".interrupted").empty());
  EXPECT_EQ(api().inputState("cam"), "live") << "stopping the recording touched the input";

  std::vector<fs::path> files = segments(dir);
  ASSERT_GE(files.size(), 4u);
  for (size_t i = 0; i < files.size(); ++i) {
    SegmentCheck check = checkSegment(files[i]);
    std::printf("%s: %s\n", files[i].filename().c_str(), check.describe().c_str());
    EXPECT_TRUE(check.first_video_key) << files[i] << ": " << check.describe();
    EXPECT_TRUE(check.decode_errors.empty()) << files[i] << ": " << check.describe();
    EXPECT_GT(check.audio_frames, 0) << files[i] << ": " << check.describe();
    if (i > 0 && i + 1 < files.size()) {
      // Middle segments: one 2 s GOP each (the segment length, cut at the next keyframe).
      EXPECT_NEAR(check.duration, 2.0, 0.15) << files[i] << ": " << check.describe();
      EXPECT_NEAR(check.video_frames, 60, 2) << files[i] << ": " << check.describe();
    }
  }
  // The last segment, finalized by the stop, says exactly how long it is: as long as its longer
  // stream (video at 30 fps, AAC at 1024 samples of 48 kHz a frame). The stop's EOS may find one
  // more audio frame than video queued: sanitized, 6 video frames and 15 audio (0.32 s).
  SegmentCheck last = checkSegment(files.back());
  const double content = std::max(last.video_frames / 30.0, last.audio_frames * 1024 / 48000.0);
  EXPECT_NEAR(last.duration, content, 0.1) << last.describe();
}

// An RTMP input relayed only to RTMP does not parse its media: its outputs take the source's own
// FLV tags, and its figures come from those tags. A recording started later makes it parse again
// from the next keyframe, its segments decode cleanly from a keyframe with both streams, and
// when it stops parsing pauses again. The relay goes on throughout.
TEST_F(RecordingLifecycle, AnRtmpRelayParsesOnlyWhileARecordingNeedsIt) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd({"--segment-duration", "2"}));
  const std::string outputs =
      jsonArray({JsonText().set("name", "out").set("url", destination.rtmpUrl("live", "out"))});
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "out", "live", 30s));
  auto paused = [&] { return mlsd().process().countLines("cam: parsing paused"); };
  auto resumed = [&] { return mlsd().process().countLines("cam: parsing resumes"); };
  ASSERT_TRUE(waitUntil([&] { return paused() == 1; }, 10s)) << tailOf(mlsd().process().log());
  EXPECT_TRUE(waitUntil(
      [&] {
        JsonNodePtr input = api().input("cam");
        return jsonDouble(input.get(), "fps").value_or(0) >= 24 &&
               jsonDouble(input.get(), "bitrate_bps").value_or(0) > 1e6;
      },
      10s))
      << api().context("cam");
  FlowResult before = measureFlow(destination.rtmpUrl("live", "out"), 3);
  EXPECT_TRUE(before.ok) << before.describe();
  EXPECT_GE(before.fps, 24) << before.describe();

  ASSERT_EQ(api().post("/api/v1/inputs/cam/recording").status, 200);
  ASSERT_TRUE(waitRecording("cam", "live", 15s));
  EXPECT_EQ(resumed(), 1) << tailOf(mlsd().process().log());
  const fs::path dir = recordingsDir() / "cam";
  ASSERT_TRUE(waitUntil([&] { return segments(dir).size() >= 3; }, 20s))
      << segments(dir).size() << " segments\n"
      << api().context("cam");
  ASSERT_EQ(api().del("/api/v1/inputs/cam/recording").status, 200);
  ASSERT_TRUE(waitUntil([&] { return markers(dir, ".open").empty(); }, 10s))
      << "the last segment was not finalized";
  const std::vector<fs::path> files = segments(dir);
  for (size_t i = 0; i < files.size(); ++i) {
    SegmentCheck check = checkSegment(files[i]);
    std::printf("%s: %s\n", files[i].filename().c_str(), check.describe().c_str());
    EXPECT_TRUE(check.first_video_key) << files[i] << ": " << check.describe();
    EXPECT_TRUE(check.decode_errors.empty()) << files[i] << ": " << check.describe();
    EXPECT_GT(check.video_frames, 0) << files[i] << ": " << check.describe();
    // The last one ends where the stop came, which may be right after its first frame.
    if (i + 1 < files.size()) {
      EXPECT_GT(check.audio_frames, 0) << files[i] << ": " << check.describe();
      EXPECT_NEAR(check.duration, 2.0, 0.15) << files[i] << ": " << check.describe();
    }
  }
  EXPECT_TRUE(waitUntil([&] { return paused() == 2; }, 10s)) << tailOf(mlsd().process().log());
  EXPECT_EQ(api().outputState("cam", "out"), "live");
  FlowResult after = measureFlow(destination.rtmpUrl("live", "out"), 3);
  EXPECT_TRUE(after.ok) << after.describe();
  EXPECT_GE(after.fps, 24) << after.describe();
}

TEST_F(RecordingLifecycle, SigtermFinalizesTheOpenSegment) {
  ASSERT_TRUE(startMlsd({"--segment-duration", "600"}));
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", "test://smpte").set("record", true)));
  ASSERT_TRUE(waitRecording("cam", "live", 20s));
  const fs::path dir = recordingsDir() / "cam";
  ASSERT_TRUE(waitUntil([&] { return !segments(dir).empty(); }, 10s));
  std::this_thread::sleep_for(std::chrono::seconds(5));  // some media in the segment

  EXPECT_EQ(mlsd().stop(), 0) << tailOf(mlsd().process().log());
  EXPECT_TRUE(markers(dir, ".open").empty()) << "SIGTERM left a segment open";
  EXPECT_TRUE(markers(dir, ".interrupted").empty());
  ASSERT_EQ(segments(dir).size(), 1u);
  SegmentCheck check = checkSegment(segments(dir).front());
  std::printf("after SIGTERM: %s\n", check.describe().c_str());
  EXPECT_TRUE(check.decode_errors.empty()) << check.describe();
  EXPECT_GE(check.duration, 4.0) << check.describe();
  EXPECT_NEAR(check.duration, check.video_frames / 30.0, 0.1) << check.describe();
}

using RecordingCrash = RecordingTest;

TEST_F(RecordingCrash, KillNineLosesAtMostOneSecondAndIsMarkedInterrupted) {
  // A source with a keyframe every second (30 frames), as the issue's bound assumes.
  RtmpSource source;
  TestPatternOptions pattern;
  pattern.keyframeInterval = 30;
  ASSERT_TRUE(source.start(pattern));
  ASSERT_TRUE(startMlsd({"--segment-duration", "3"}));
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).set("record", true)));
  ASSERT_TRUE(waitRecording("cam", "live", 30s));
  const fs::path dir = recordingsDir() / "cam";
  // The kill hits the third segment, or a later one if that one is cut before the kill. The
  // first one starts with the input's cached GOP (media up to 1 s older than its marker), and
  // media may still arrive faster than real time while the second one starts (the RTMP server's
  // backlog at connection). The third starts with a keyframe as it arrives in real time, and its
  // marker is made then (mlssegmentsink asks for the file name with that keyframe in hand), so
  // the marker's time is its first frame's, unless media still comes in a burst then: the
  // stream from the RTMP server can hold for about 2 s early on and then catch up (segments
  // opened 5.0, 3.0 and 1.0 s apart, 3 s of media each, in 3 sanitized runs of 5 and in the plain
  // build too; gdb during the hold: mlsd's recorder idle, rtmp2src waiting for data), so the
  // third can be closed before the kill comes 1.5-2.5 s into it. A segment cut that early is
  // passed over: the kill waits for the next one.
  constexpr size_t kKilled = 3;
  size_t killed_count = 0;
  size_t at_least = kKilled;
  fs::path marker;
  double opened = 0;
  double kill_time = 0;
  ExitStatus killed;
  for (int attempt = 0; attempt < 5 && killed_count == 0; attempt++) {
    ASSERT_TRUE(waitUntil(
        [&] {
          return segments(dir).size() >= at_least && markers(dir, ".open").size() == 1;
        },
        30s))
        << segments(dir).size() << " segments";
    const size_t open_count = segments(dir).size();
    marker = dir / ("." + segments(dir).back().filename().string() + ".open");
    struct stat st {};
    ASSERT_EQ(stat(marker.c_str(), &st), 0);
    opened = st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
    // Mid-segment, at a random point of mp4mux's 500 ms fragment: 1.5-2.5 s into it (the next
    // cut comes at 3 s).
    const double kill_after = 1.5 + g_random_double_range(0.0, 1.0);
    timespec before{};
    clock_gettime(CLOCK_REALTIME, &before);
    const double waited = before.tv_sec + before.tv_nsec / 1e9 - opened;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, kill_after - waited)));
    if (segments(dir).size() != open_count) {
      std::printf("segment %zu was cut before %.2f s (still catching up): the next one\n",
                  open_count, kill_after);
      at_least = open_count + 1;
      continue;
    }
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    killed = mlsd().kill9();
    kill_time = now.tv_sec + now.tv_nsec / 1e9;
    killed_count = open_count;
  }
  ASSERT_GE(killed_count, kKilled) << "every segment was cut within 1.5-2.5 s";
  EXPECT_FALSE(killed.exited());
  ASSERT_EQ(segments(dir).size(), killed_count);
  const fs::path file = segments(dir).back();
  SegmentCheck check = checkSegment(file);
  // The file is cut mid-fragment: ffmpeg reads it up to the cut ("partial file") and no further.
  EXPECT_TRUE(check.decode_errors.empty() ||
              check.decode_errors.find("partial file") != std::string::npos)
      << check.describe();
  EXPECT_GT(check.video_frames, 0) << check.describe();
  // Media in the file starts with the keyframe at `opened` (mlssegmentsink opens a segment when
  // its first keyframe arrives, and holds no GOP). A kill -9 loses mp4mux's fragment in progress
  // (up to 500 ms) and what is still in the recorder's queues. With splitmuxsink, which held the
  // GOP in progress as well, this measured 0.2-1.9 s; the issue asks for at most 1 s.
  const double video_until = opened + check.video_frames / 30.0;
  std::printf("kill -9 %.2f s after the segment opened: %s; video until %.2f s before the kill\n",
              kill_time - opened, check.describe().c_str(), kill_time - video_until);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LE(kill_time - video_until, 1.0) << check.describe();
#else
  // Sanitized, mlsd's recorder runs behind real time (measured 1.45-1.95 s here, against
  // 0.14-0.62 s in the plain build): the bound is the plain pass's to check.
#endif

  // The next start repairs the segment, marks it interrupted, and recording (still wanted: the
  // flag is persisted) goes on in a new segment.
  ASSERT_TRUE(mlsd().restart());
  EXPECT_TRUE(markers(dir, ".open").size() <= 1u);
  ASSERT_TRUE(waitUntil([&] { return markers(dir, ".interrupted").size() == 1; }, 5s));
  EXPECT_EQ(markers(dir, ".interrupted").front().filename().string(),
            "." + file.filename().string() + ".interrupted");
  SegmentCheck repaired = checkSegment(file);
  EXPECT_TRUE(repaired.decode_errors.empty()) << repaired.describe();
  // Repair drops the cut fragment (at most 500 ms) and nothing else.
  EXPECT_LE(repaired.duration, check.duration + 0.01) << repaired.describe();
  EXPECT_GE(repaired.duration, check.duration - 0.6) << repaired.describe();
  EXPECT_TRUE(mlsd().process().countLines("interrupted") >= 1) << tailOf(mlsd().process().log());
  ASSERT_TRUE(waitRecording("cam", "live", 30s));
  EXPECT_TRUE(waitUntil([&] { return segments(dir).size() > killed_count; }, 15s))
      << segments(dir).size() << " segments";
}

using RecordingIsolation = RecordingTest;

TEST_F(RecordingIsolation, SourceLossEndsTheSegmentAndItsReturnStartsANewOne) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  ASSERT_TRUE(startMlsd({"--segment-duration", "600", "--retry-max", "1"}));
  ASSERT_TRUE(api().createInput(
      JsonText().set("name", "cam").set("url", source.url()).set("record", true)));
  ASSERT_TRUE(waitRecording("cam", "live", 30s));
  const fs::path dir = recordingsDir() / "cam";
  ASSERT_TRUE(waitUntil([&] { return segments(dir).size() == 1; }, 15s));
  std::this_thread::sleep_for(std::chrono::seconds(4));

  source.publisher.kill9();
  ASSERT_TRUE(api().waitInput("cam", "retrying", 15s));
  ASSERT_TRUE(waitRecording("cam", "idle", 10s));
  ASSERT_TRUE(waitUntil([&] { return markers(dir, ".open").empty(); }, 10s))
      << "losing the source did not finish the segment";
  SegmentCheck first = checkSegment(segments(dir).front());
  EXPECT_TRUE(first.decode_errors.empty()) << first.describe();
  EXPECT_NEAR(first.duration, first.video_frames / 30.0, 0.1) << first.describe();

  ASSERT_TRUE(source.republish());
  ASSERT_TRUE(waitRecording("cam", "live", 30s));
  EXPECT_TRUE(waitUntil([&] { return segments(dir).size() == 2; }, 15s))
      << segments(dir).size() << " segments";
  EXPECT_TRUE(markers(dir, ".interrupted").empty());
}

TEST_F(RecordingIsolation, RecordingThatCannotWriteFailsAloneWithAClearError) {
  RtmpSource source;
  ASSERT_TRUE(source.start());
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd());
  // The input's recording folder cannot be made: a file is in its place.
  fs::create_directories(recordingsDir());
  std::ofstream(recordingsDir() / "cam") << "not a folder";
  const std::string outputs =
      jsonArray({JsonText().set("name", "out").set("url", destination.rtmpUrl("live", "out"))});
  ASSERT_TRUE(api().createInput(JsonText()
                                    .set("name", "cam")
                                    .set("url", source.url())
                                    .set("record", true)
                                    .raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "out", "live", 30s));
  ASSERT_TRUE(waitRecording("cam", "failed", 15s));
  JsonNodePtr input = api().input("cam");
  std::string error = jsonString(input.get(), "recording.last_error").value_or("");
  EXPECT_NE(error.find("recording folder"), std::string::npos) << error;
  EXPECT_NE(error.find("cam"), std::string::npos) << error;
  EXPECT_EQ(api().inputState("cam"), "live");

  // The relay carries on at full rate while the recording has failed.
  FlowResult flow = measureFlow(destination.rtmpUrl("live", "out"), 4);
  EXPECT_TRUE(flow.ok) << flow.describe();
  EXPECT_GE(flow.fps, 24) << flow.describe();  // 30 fps source; a loaded CI box dips
  EXPECT_EQ(recordingState(api(), "cam"), "failed") << "a failed recording is not retried";

  // Fixed by the operator: stopping and starting the recording tries again.
  fs::remove(recordingsDir() / "cam");
  ASSERT_EQ(api().del("/api/v1/inputs/cam/recording").status, 200);
  ASSERT_EQ(api().post("/api/v1/inputs/cam/recording").status, 200);
  EXPECT_TRUE(waitRecording("cam", "live", 20s));
  EXPECT_EQ(api().outputState("cam", "out"), "live");
}

// A small file system of its own for the recordings: a 3 MiB tmpfs mounted for the test and
// unmounted (lazily, whatever still holds it) when it ends. Mounting needs root (CI runs as
// root); where it cannot mount, the test says so and skips.
class SmallDisk {
 public:
  explicit SmallDisk(const fs::path& dir) : dir_(dir) {
    fs::create_directories(dir_);
    Process mount({"mount", "-t", "tmpfs", "-o", "size=3m,mode=0755", "tmpfs", dir_.string()},
                  "mount");
    const auto status = mount.wait(10s);
    mounted_ = status && status->success();
    if (!mounted_) error_ = mount.log();
  }
  ~SmallDisk() {
    if (!mounted_) return;
    Process umount({"umount", "-l", dir_.string()}, "umount");
    umount.wait(10s);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string error_;
};

TEST_F(RecordingIsolation, AFullDiskFailsTheRecordingAloneWithAClearError) {
  const fs::path disk = outputDir_ / "small-disk";
  SmallDisk small(disk);
  if (!small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << small.error();
  RtmpSource source;
  ASSERT_TRUE(source.start());  // about 2.6 Mb/s: 3 MiB fill in about 10 s
  NginxRtmp destination;
  ASSERT_TRUE(destination.start());
  ASSERT_TRUE(startMlsd({"--recordings-dir", disk.string(), "--segment-duration", "600"}));
  const std::string outputs =
      jsonArray({JsonText().set("name", "out").set("url", destination.rtmpUrl("live", "out"))});
  ASSERT_TRUE(api().createInput(JsonText()
                                    .set("name", "cam")
                                    .set("url", source.url())
                                    .set("record", true)
                                    .raw("outputs", outputs)));
  ASSERT_TRUE(api().waitOutput("cam", "out", "live", 30s));
  ASSERT_TRUE(waitRecording("cam", "live", 30s));
  // The open segment is never deleted to make room (retention), so the disk fills up.
  ASSERT_TRUE(waitRecording("cam", "failed", 40s)) << api().context("cam");
  JsonNodePtr input = api().input("cam");
  const std::string error = jsonString(input.get(), "recording.last_error").value_or("");
  std::printf("recording failed with: %s\n", error.c_str());
  EXPECT_NE(error.find("the disk is full"), std::string::npos) << error;
  EXPECT_NE(error.find(disk.string() + "/cam/cam_"), std::string::npos) << error;
  EXPECT_EQ(api().inputState("cam"), "live");
  EXPECT_EQ(api().outputState("cam", "out"), "live");

  // The relay carries on at full rate; the recording stays failed (not retried into a full disk).
  FlowResult flow = measureFlow(destination.rtmpUrl("live", "out"), 4);
  EXPECT_TRUE(flow.ok) << flow.describe();
  EXPECT_GE(flow.fps, 24) << flow.describe();
  EXPECT_EQ(recordingState(api(), "cam"), "failed") << "a full disk is not retried";
  // Retention then deletes the segment the full disk ended (free space under the 10 % watermark,
  // and the segment is no longer open): the disk has room again, and the log says why.
  EXPECT_TRUE(mlsd().process().waitForLine(R"(deleted cam/cam_.*\(retention: free space)", 10s))
      << tailOf(mlsd().process().log());
}

using RecordingCompat = RecordingTest;

TEST_F(RecordingCompat, GoMlsStartAndStop) {
  ASSERT_TRUE(startMlsd({"--segment-duration", "600"}));
  // Go-MLS's request shape: start on an unknown name creates the input, recording.
  HttpResponse started =
      api().post("/api/recording/start", R"({"name":"cam","source":"test://ball"})");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(jsonString(parseJson(started.body).get(), "status"), "recording started");
  ASSERT_TRUE(waitRecording("cam", "live", 20s));
  HttpResponse again =
      api().post("/api/recording/start", R"({"name":"cam","source":"test://ball"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(jsonString(parseJson(again.body).get(), "error").value_or("").find("already exists"),
            std::string::npos)
      << again.body;
  HttpResponse missing = api().post("/api/recording/start", R"({"name":"cam"})");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(jsonString(parseJson(missing.body).get(), "error"), "Name and source required");
  HttpResponse undefined_name =
      api().post("/api/recording/start", R"({"name":"undefined","source":"test://ball"})");
  EXPECT_EQ(undefined_name.status, 400) << undefined_name.body;

  HttpResponse stopped =
      api().post("/api/recording/stop", R"({"name":"cam","source":"test://ball"})");
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(jsonString(parseJson(stopped.body).get(), "status"), "recording stopped");
  EXPECT_TRUE(waitRecording("cam", "stopped", 10s));
  const fs::path dir = recordingsDir() / "cam";
  EXPECT_TRUE(waitUntil([&] { return markers(dir, ".open").empty(); }, 10s));
  EXPECT_EQ(segments(dir).size(), 1u);
  // Stopping what is already stopped is fine (Go-MLS: "also when it had already finished").
  EXPECT_EQ(api().post("/api/recording/stop", R"({"name":"cam","source":"test://ball"})").status,
            200);
  EXPECT_EQ(api().post("/api/recording/stop", R"({"name":"nope","source":"test://ball"})").status,
            404);
}

}  // namespace
}  // namespace mls::test
