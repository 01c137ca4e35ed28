// ffprobe as the independent verifier of what mls sends or serves: which codecs, profile,
// resolution and frame rate a URL carries (probe), and whether frames actually flow, how many
// per second, starting on a keyframe or not (measureFlow / FlowMeter).
//
// Works for rtmp(s)://, srt://, udp:// (MPEG-TS; ffprobe binds the port and receives), rtsp://
// (TCP by default) and files. Every ffprobe run has a protocol timeout and a hard deadline after
// which it is killed, so a probe never hangs a test.
//
// Live flow is measured in wall-clock time: ffprobe prints one line per packet, line-buffered
// (stdbuf -oL), and each line is stamped when it arrives. The window opens `warmup` after the
// first packet (skipping the burst of packets ffprobe buffered while probing) and lasts
// `seconds`. For files, the window is the first `seconds` of stream time.
//
// Thread-bound to the test's main thread; FlowMeter::poll() is meant for runUntil().
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "process.h"

namespace mls::test {

struct ProbeOptions {
  std::string rtspTransport = "tcp";  // "tcp" or "udp"
};

struct ProbeResult {
  bool ok = false;
  std::string error;  // why !ok, with the tail of ffprobe's log

  bool hasVideo = false;
  std::string videoCodec;    // "h264", "hevc"
  std::string videoProfile;  // "High", "Main", "Constrained Baseline"
  int width = 0;
  int height = 0;
  double frameRate = 0;     // r_frame_rate
  double avgFrameRate = 0;  // avg_frame_rate (0 when ffprobe does not know)

  bool hasAudio = false;
  std::string audioCodec;  // "aac", "opus", "mp3"
  int sampleRate = 0;
  int channels = 0;

  std::string json;           // ffprobe's own output
  double elapsedSeconds = 0;  // how long ffprobe took

  std::string describe() const;  // one line for assertion messages and logs
};

// Runs `ffprobe -show_streams -of json` on `url` with a deadline.
ProbeResult probe(const std::string& url,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20),
                  const ProbeOptions& options = {});

struct FlowOptions {
  std::string rtspTransport = "tcp";
  std::chrono::milliseconds warmup = std::chrono::seconds(1);
  std::chrono::milliseconds connectTimeout = std::chrono::seconds(15);  // until the 1st packet
};

struct FlowResult {
  bool ok = false;        // a full window was observed
  std::string error;      // why not
  bool wallClock = true;  // false for files (stream-time window)

  double windowSeconds = 0;
  int videoFrames = 0;             // video packets in the window
  int audioPackets = 0;            // audio packets in the window
  int keyframes = 0;               // video keyframes in the window
  double fps = 0;                  // videoFrames / windowSeconds
  double maxVideoGapSeconds = 0;   // longest wait between two video packets in the window
  double videoPtsSpanSeconds = 0;  // last - first video pts in the window

  bool firstVideoIsKeyframe = false;  // of the very first video packet received
  double firstPacketSeconds = 0;      // from start to the first packet (live)
  int totalPackets = 0;               // every packet ffprobe printed

  std::string describe() const;  // one line for assertion messages
};

// Measures in one call (blocks, iterating the main context, for about warmup + seconds).
FlowResult measureFlow(const std::string& url, double seconds, const FlowOptions& options = {});

// The same measurement, started now and advanced by poll(), so several can run at once:
//   FlowMeter a(url1, 5), b(url2, 5);
//   runUntil([&] { return a.poll() & b.poll(); }, 30s);
class FlowMeter {
 public:
  FlowMeter(std::string url, double seconds, FlowOptions options = {});
  FlowMeter(const FlowMeter&) = delete;
  FlowMeter& operator=(const FlowMeter&) = delete;

  // Reads what ffprobe printed since the last call; true once the measurement is over.
  bool poll();
  // The result; call after poll() returned true (or to get a partial one).
  FlowResult result() const { return result_; }
  Process& process() { return process_; }

 private:
  struct Packet {
    bool video = false;
    bool audio = false;
    bool key = false;
    double pts = 0;
    bool hasPts = false;
    std::chrono::steady_clock::time_point arrival;
  };
  void finish(const std::string& error);
  void compute();

  std::string url_;
  double seconds_;
  FlowOptions options_;
  bool file_;
  Process process_;
  std::chrono::steady_clock::time_point started_;
  std::size_t readOffset_ = 0;
  std::string partial_;
  std::vector<Packet> packets_;
  bool done_ = false;
  FlowResult result_;
};

}  // namespace mls::test
