// mlssegmentsink as an element, in live pipelines (videotestsrc → x264enc → h264parse, and
// audiotestsrc → avenc_aac → aacparse, each through a queue): it cuts 1 s segments in mp4 and
// MPEG-TS that each start on a keyframe, decode on their own and carry both streams; audio and
// video cross each cut within one frame of each other; no buffer is lost or written twice;
// the segments add up to the stream. A writer killed with SIGKILL leaves a last segment that
// decodes to within 0.6 s of the last frame it was given; going to NULL without EOS does not hang;
// a file that cannot be written is a RESOURCE error from the segment's filesink.
//
// ffprobe and ffmpeg verify the files. The killed writer is this test binary again
// (SegmentSinkChild.Run, selected with --gtest_filter and enabled by an environment variable).
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "load_plugin.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;

constexpr const char* kChildEnv = "MLS_SEGMENTSINK_CHILD_DIR";

std::string run(const std::vector<std::string>& argv) {
  std::vector<gchar*> args;
  for (const std::string& a : argv) args.push_back(const_cast<gchar*>(a.c_str()));
  args.push_back(nullptr);
  g_autofree gchar* out = nullptr;
  g_autofree gchar* err = nullptr;
  g_autoptr(GError) error = nullptr;
  if (!g_spawn_sync(nullptr, args.data(), nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, &out,
                    &err, nullptr, &error))
    return std::string("spawn failed: ") + error->message;
  return std::string(out ? out : "") + std::string(err ? err : "");
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// What ffprobe and ffmpeg say about one segment.
struct FileCheck {
  std::string name;
  double duration = 0;
  int video_packets = 0;
  int audio_packets = 0;
  bool first_video_key = false;
  std::string decode_errors;
  std::string describe() const {
    char text[256];
    std::snprintf(text, sizeof text, "%s: %.3f s, %d video / %d audio packets, first key %s",
                  name.c_str(), duration, video_packets, audio_packets,
                  first_video_key ? "yes" : "NO");
    return text +
           (decode_errors.empty() ? std::string() : ", errors: " + decode_errors.substr(0, 300));
  }
};

FileCheck checkFile(const std::string& path) {
  FileCheck check;
  g_autofree gchar* base = g_path_get_basename(path.c_str());
  check.name = base;
  for (const std::string& line :
       lines(run({"ffprobe", "-v", "error", "-count_packets", "-show_entries",
                  "stream=codec_type,nb_read_packets", "-of", "csv=p=0", path}))) {
    size_t comma = line.find(',');
    if (comma == std::string::npos) continue;
    int n = std::atoi(line.c_str() + comma + 1);
    if (line.starts_with("video")) check.video_packets = n;
    if (line.starts_with("audio")) check.audio_packets = n;
  }
  check.duration = std::atof(
      run({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path})
          .c_str());
  std::string key = run({"ffprobe", "-v", "error", "-select_streams", "v", "-read_intervals",
                         "%+#1", "-show_entries", "frame=key_frame", "-of", "csv=p=0", path});
  check.first_video_key = key.starts_with("1");
  check.decode_errors = run({"ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"});
  return check;
}

std::vector<std::string> segmentFiles(const std::string& dir) {
  std::vector<std::string> files;
  g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return files;
  while (const gchar* name = g_dir_read_name(d)) files.push_back(dir + "/" + name);
  std::sort(files.begin(), files.end());
  return files;
}

std::string makeDir() {
  g_autofree gchar* dir = g_dir_make_tmp("mlssegmentsink-XXXXXX", nullptr);
  return dir ? dir : "";
}

void removeDir(const std::string& dir) {
  for (const std::string& f : segmentFiles(dir)) g_unlink(f.c_str());
  g_rmdir(dir.c_str());
}

// The live test pipeline: 30 fps H.264 with a keyframe every 15 frames, AAC in 1024-sample
// frames at 48 kHz, each through a queue, into mlssegmentsink "seg".
std::string pipelineText(const std::string& dir, bool ts, int video_frames, int audio_buffers,
                         guint64 max_size_time) {
  std::string vbuffers = video_frames > 0 ? " num-buffers=" + std::to_string(video_frames) : "";
  std::string abuffers = audio_buffers > 0 ? " num-buffers=" + std::to_string(audio_buffers) : "";
  std::string muxer =
      ts ? "muxer-factory=mpegtsmux muxer-properties=\"properties,alignment=(int)7\""
         : "muxer-factory=mp4mux muxer-properties=\"properties,fragment-duration=(uint)500\"";
  return "videotestsrc is-live=true" + vbuffers +
         " ! video/x-raw,width=320,height=240,framerate=30/1 ! x264enc key-int-max=15 "
         "tune=zerolatency speed-preset=ultrafast bitrate=300 ! h264parse" +
         (ts ? " config-interval=-1" : "") +
         " ! queue name=vq ! seg.video "
         "audiotestsrc is-live=true samplesperbuffer=1024" +
         abuffers +
         " ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! aacparse "
         "! queue name=aq ! seg.audio_0 "
         "mlssegmentsink name=seg max-size-time=" +
         std::to_string(max_size_time) + " " + muxer + " location=" + dir + "/seg%05d." +
         (ts ? "ts" : "mp4");
}

class SegmentSink : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mls::test::loadMlsPlugin(); }
  void SetUp() override {
    dir_ = makeDir();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    if (pipeline_) {
      gst_element_set_state(pipeline_, GST_STATE_NULL);
      gst_object_unref(pipeline_);
    }
    if (!HasFailure()) removeDir(dir_);
  }

  // Buffers entering the element's pads, in order: their running time (ns).
  struct Seen {
    std::mutex lock;
    std::vector<GstClockTime> video, audio;
  };
  static GstPadProbeReturn onBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
    auto* seen = static_cast<Seen*>(data);
    GstEvent* event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    GstClockTime rt = GST_CLOCK_TIME_NONE;
    if (event) {
      const GstSegment* segment = nullptr;
      gst_event_parse_segment(event, &segment);
      rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME,
                                       GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)));
      gst_event_unref(event);
    }
    std::lock_guard<std::mutex> guard(seen->lock);
    (g_str_equal(GST_PAD_NAME(pad), "video") ? seen->video : seen->audio).push_back(rt);
    return GST_PAD_PROBE_OK;
  }

  void build(const std::string& text) {
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(text.c_str(), &error);
    ASSERT_NE(pipeline_, nullptr) << (error ? error->message : "?");
    gst_object_ref_sink(pipeline_);
    GstElement* seg = gst_bin_get_by_name(GST_BIN(pipeline_), "seg");
    ASSERT_NE(seg, nullptr);
    for (const char* name : {"video", "audio_0"}) {
      GstPad* pad = gst_element_get_static_pad(seg, name);
      ASSERT_NE(pad, nullptr) << name;
      gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, onBuffer, &seen_, nullptr);
      gst_object_unref(pad);
    }
    gst_object_unref(seg);
  }

  // Runs to EOS; collects the segment messages. False on error or timeout.
  ::testing::AssertionResult runToEos(std::chrono::seconds timeout) {
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      GstMessage* message = gst_bus_timed_pop(bus, 100 * GST_MSECOND);
      if (!message) continue;
      std::unique_ptr<GstMessage, decltype(&gst_message_unref)> guard(message, gst_message_unref);
      switch (GST_MESSAGE_TYPE(message)) {
        case GST_MESSAGE_EOS:
          return ::testing::AssertionSuccess();
        case GST_MESSAGE_ERROR: {
          g_autoptr(GError) error = nullptr;
          g_autofree gchar* debug = nullptr;
          gst_message_parse_error(message, &error, &debug);
          return ::testing::AssertionFailure() << error->message << " " << (debug ? debug : "");
        }
        case GST_MESSAGE_ELEMENT: {
          const GstStructure* s = gst_message_get_structure(message);
          const gchar* location = gst_structure_get_string(s, "location");
          if (gst_structure_has_name(s, "splitmuxsink-fragment-opened"))
            opened_.push_back(location);
          if (gst_structure_has_name(s, "splitmuxsink-fragment-closed"))
            closed_.push_back(location);
          break;
        }
        default:
          break;
      }
    }
    return ::testing::AssertionFailure() << "no EOS within " << timeout.count() << " s";
  }

  // Six seconds of stream in 1 s segments: checks every property the element promises.
  void checkSegments(bool ts) {
    const int frames = 180;  // 6 s at 30 fps
    const int audio = 282;   // 6.016 s of 1024-sample buffers at 48 kHz
    build(pipelineText(dir_, ts, frames, audio, GST_SECOND));
    ASSERT_TRUE(runToEos(30s));
    gst_element_set_state(pipeline_, GST_STATE_NULL);

    std::vector<std::string> files = segmentFiles(dir_);
    ASSERT_EQ(files.size(), 6u) << "1 s segments of a 6 s stream with a keyframe every 0.5 s";
    EXPECT_EQ(opened_, files);
    EXPECT_EQ(closed_, files) << "every segment reported closed, in order, before EOS";
    ASSERT_EQ(seen_.video.size(), static_cast<size_t>(frames));
    int video_total = 0, audio_total = 0;
    double duration_total = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      FileCheck check = checkFile(files[i]);
      std::printf("%s\n", check.describe().c_str());
      EXPECT_TRUE(check.first_video_key) << check.describe();
      EXPECT_TRUE(check.decode_errors.empty()) << check.describe();
      EXPECT_EQ(check.video_packets, 30) << "one second of video: " << check.describe();
      EXPECT_GT(check.audio_packets, 40) << check.describe();
      // Where this segment starts in each stream: video and audio cross the cut within one frame.
      if (video_total < frames && audio_total < static_cast<int>(seen_.audio.size())) {
        double v = seen_.video[video_total] / 1e9;
        double a = seen_.audio[audio_total] / 1e9;
        std::printf("  starts at video %.4f s, audio %.4f s (audio - video %+.1f ms)\n", v, a,
                    (a - v) * 1000);
        if (i > 0) {
          EXPECT_GE(a, v) << "audio before the cut went to the new segment";
          EXPECT_LT(a - v, 1024.0 / 48000) << "audio after the cut stayed in the old segment";
          EXPECT_NEAR(v - seen_.video[0] / 1e9, static_cast<double>(i), 0.001)
              << "cut at the keyframe " << i << " s into the stream";
        }
      }
      video_total += check.video_packets;
      audio_total += check.audio_packets;
      duration_total += check.duration;
    }
    EXPECT_EQ(video_total, frames) << "video frames lost or duplicated across cuts";
    EXPECT_EQ(audio_total, static_cast<int>(seen_.audio.size()))
        << "audio frames lost or duplicated across cuts";
    EXPECT_NEAR(duration_total, frames / 30.0, 0.15) << "the segments add up to the stream";
  }

  std::string dir_;
  GstElement* pipeline_ = nullptr;
  Seen seen_;
  std::vector<std::string> opened_, closed_;
};

TEST_F(SegmentSink, Mp4SegmentsStartOnKeyframesAndLoseNothingAtCuts) { checkSegments(false); }

TEST_F(SegmentSink, TsSegmentsStartOnKeyframesAndLoseNothingAtCuts) { checkSegments(true); }

TEST_F(SegmentSink, NullWithoutEosDoesNotHang) {
  build(pipelineText(dir_, false, 0, 0, GST_SECOND / 2));
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  // Long enough for several cuts (a keyframe every 0.5 s, 0.5 s segments).
  std::this_thread::sleep_for(2500ms);
  // A hang here ends in meson's timeout.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(gst_element_set_state(pipeline_, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("NULL without EOS took %.3f s\n", took);
  EXPECT_LT(took, 2.0);
  const size_t files = segmentFiles(dir_).size();
  EXPECT_GE(files, 3u);
  // And it runs again from NULL, into new files.
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(gst_element_set_state(pipeline_, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  EXPECT_GT(segmentFiles(dir_).size(), files);
}

TEST_F(SegmentSink, AFileThatCannotBeWrittenIsAnErrorFromTheFilesink) {
  // The segment's folder does not exist: its filesink cannot open the file.
  build(pipelineText(dir_ + "/missing", false, 0, 0, GST_SECOND));
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
  GstMessage* message = gst_bus_timed_pop_filtered(
      bus, 20 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  ASSERT_NE(message, nullptr) << "no error within 20 s";
  ASSERT_EQ(GST_MESSAGE_TYPE(message), GST_MESSAGE_ERROR);
  g_autoptr(GError) error = nullptr;
  gst_message_parse_error(message, &error, nullptr);
  std::printf("first error, from %s: %s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
              error->message);
  // What a recorder maps to a permanent failure: a RESOURCE write error, from the filesink.
  EXPECT_EQ(error->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(error->code, GST_RESOURCE_ERROR_OPEN_WRITE);
  EXPECT_TRUE(g_str_has_prefix(GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), "seg-sink"))
      << GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
  gst_message_unref(message);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(gst_element_set_state(pipeline_, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// The writer of KillNineLeavesADecodableLastSegment, in a process of its own: runs the live
// pipeline until killed, after writing the pipeline's base time and its first video buffer's
// running time (both ns, monotonic clock) to <dir>/times.
TEST(SegmentSinkChild, Run) {
  const char* dir = g_getenv(kChildEnv);
  if (!dir) GTEST_SKIP() << "only run as the child of KillNineLeavesADecodableLastSegment";
  gst_init(nullptr, nullptr);
  GError* error = nullptr;
  GstPlugin* plugin = gst_plugin_load_file(MLS_GST_PLUGIN_FILE, &error);
  ASSERT_NE(plugin, nullptr);
  GstElement* pipeline = gst_parse_launch(
      pipelineText(std::string(dir) + "/media", false, 0, 0, 2 * GST_SECOND).c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "?");
  static std::atomic<GstClockTime> first{GST_CLOCK_TIME_NONE};
  // The running time of the latest video buffer the sink was given, in a shared mapping of
  // <dir>/received: the page outlives the SIGKILL, so the parent knows what reached the sink.
  const int fd = open((std::string(dir) + "/received").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, sizeof(guint64)), 0);
  static guint64* received = nullptr;
  void* map = mmap(nullptr, sizeof(guint64), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  received = static_cast<guint64*>(map);
  GstElement* seg = gst_bin_get_by_name(GST_BIN(pipeline), "seg");
  GstPad* pad = gst_element_get_static_pad(seg, "video");
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad* pad, GstPadProbeInfo* info, gpointer) {
        GstEvent* event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
        const GstSegment* segment = nullptr;
        gst_event_parse_segment(event, &segment);
        const GstClockTime running = gst_segment_to_running_time(
            segment, GST_FORMAT_TIME, GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)));
        gst_event_unref(event);
        if (first.load() == GST_CLOCK_TIME_NONE) first = running;
        __atomic_store_n(received, running, __ATOMIC_RELEASE);
        return GST_PAD_PROBE_OK;
      },
      nullptr, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (first.load() == GST_CLOCK_TIME_NONE) std::this_thread::sleep_for(10ms);
  {
    std::ofstream out(std::string(dir) + "/times.tmp");
    out << gst_element_get_base_time(pipeline) << " " << first.load() << "\n";
  }
  g_rename((std::string(dir) + "/times.tmp").c_str(), (std::string(dir) + "/times").c_str());
  for (;;) std::this_thread::sleep_for(1s);  // until SIGKILL
}

TEST_F(SegmentSink, KillNineLeavesADecodableLastSegment) {
  const std::string media = dir_ + "/media";
  ASSERT_EQ(g_mkdir(media.c_str(), 0755), 0);
  g_autofree gchar* exe = g_file_read_link("/proc/self/exe", nullptr);
  ASSERT_NE(exe, nullptr);
  std::string self = exe;
  std::string filter = "--gtest_filter=SegmentSinkChild.Run";
  char* argv[] = {self.data(), filter.data(), nullptr};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.push_back(*e);
  env_strings.push_back(std::string(kChildEnv) + "=" + dir_);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, self.c_str(), nullptr, nullptr, argv, envp.data()), 0);

  const std::string times = dir_ + "/times";
  for (int i = 0; i < 200 && !g_file_test(times.c_str(), G_FILE_TEST_EXISTS); ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(g_file_test(times.c_str(), G_FILE_TEST_EXISTS)) << "the writer did not start";
  GstClockTime base = 0, first = 0;
  std::ifstream(times) >> base >> first;
  // Into the third 2 s segment, at a random point of mp4mux's 500 ms fragment.
  const double delay = 4.6 + g_random_double_range(0.0, 0.8);
  timespec started{};
  clock_gettime(CLOCK_MONOTONIC, &started);
  const double running = (started.tv_sec * 1e9 + started.tv_nsec - static_cast<double>(base)) / 1e9;
  std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, delay - running)));
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const double kill_rt = (now.tv_sec * 1e9 + now.tv_nsec - static_cast<double>(base)) / 1e9;

  std::vector<std::string> files = segmentFiles(media);
  ASSERT_EQ(files.size(), 3u);
  // Under the sanitizers the writer runs several times slower: the killed segment may not have
  // its first fragment on disk yet, so only the finished segments and no time bound are checked.
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool kTimed = false;
#else
  constexpr bool kTimed = true;
#endif
  int frames = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    FileCheck check = checkFile(files[i]);
    std::printf("%s\n", check.describe().c_str());
    if (kTimed || i + 1 < files.size()) {
      EXPECT_TRUE(check.first_video_key) << check.describe();
    }
    if (i + 1 < files.size()) {
      EXPECT_TRUE(check.decode_errors.empty()) << check.describe();
    }
    frames += check.video_packets;
  }
  // The killed segment is cut mid-fragment: ffmpeg reads it up to the cut and no further. What
  // is lost is counted from the last frame the sink was given: frames still in the encoder or
  // its queue at the kill (more of them when the machine is busy) never reached the sink.
  FileCheck last = checkFile(files.back());
  const double video_until = first / 1e9 + frames / 30.0;
  guint64 received_ns = 0;
  {
    std::ifstream in(dir_ + "/received", std::ios::binary);
    in.read(reinterpret_cast<char*>(&received_ns), sizeof received_ns);
  }
  const double received_until = received_ns / 1e9 + 1 / 30.0;
  std::printf(
      "kill -9 at running time %.3f s; the sink was given video until %.3f s; "
      "video on disk until %.3f s: %.3f s lost\n",
      kill_rt, received_until, video_until, received_until - video_until);
  if (kTimed) {
    EXPECT_GT(last.video_packets, 0) << last.describe();
    // One 500 ms fragment, plus the frame being written.
    EXPECT_LE(received_until - video_until, 0.6);
  }
  EXPECT_GE(received_until - video_until, -0.001) << "more video on disk than the sink was given";
  EXPECT_GT(received_ns, first) << "the writer's record of what the sink was given";
  EXPECT_LE(received_ns / 1e9, kill_rt + 1 / 30.0) << "the sink's record is ahead of the kill";
}

}  // namespace
