// ffprobe-based stream inspection and flow measurement (see ffprobe.h).
#include "ffprobe.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "fixture.h"
#include "http_client.h"

namespace mls::test {

namespace {

using Clock = std::chrono::steady_clock;

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool isFile(const std::string& url) {
  return url.find("://") == std::string::npos || startsWith(url, "file:");
}

std::string tail(const std::string& text, std::size_t max = 1500) {
  return text.size() > max ? "…" + text.substr(text.size() - max) : text;
}

// ffprobe's input options for `url` (protocol timeouts, RTSP transport); `target` gets the URL
// to open, with receive options added for udp://.
std::vector<std::string> inputArgs(const std::string& url, const std::string& rtsp_transport,
                                   std::string* target) {
  constexpr const char* kIoTimeoutUs = "5000000";
  *target = url;
  if (startsWith(url, "rtsp://") || startsWith(url, "rtsps://")) {
    return {"-rtsp_transport", rtsp_transport, "-timeout", kIoTimeoutUs};
  }
  if (startsWith(url, "udp://")) {
    *target += url.find('?') == std::string::npos ? "?" : "&";
    *target += "overrun_nonfatal=1&fifo_size=50000&timeout=";
    *target += kIoTimeoutUs;
    return {};
  }
  if (isFile(url)) return {};
  return {"-rw_timeout", kIoTimeoutUs};
}

double parseRate(const std::string& rate) {
  int num = 0;
  int den = 0;
  if (std::sscanf(rate.c_str(), "%d/%d", &num, &den) == 2 && den > 0) {
    return static_cast<double>(num) / den;
  }
  return 0;
}

std::string readFrom(const std::filesystem::path& path, std::size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto end = static_cast<std::size_t>(in.tellg());
  if (offset >= end) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::string data(end - offset, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

double secondsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

ProbeResult probe(const std::string& url, std::chrono::milliseconds timeout,
                  const ProbeOptions& options) {
  ProbeResult result;
  const auto started = Clock::now();
  std::string target;
  std::vector<std::string> args = {"ffprobe", "-hide_banner", "-v", "error"};
  for (auto& arg : inputArgs(url, options.rtspTransport, &target)) args.push_back(arg);
  args.insert(args.end(), {"-show_streams", "-of", "json", target});
  ProcessOptions process_options;
  process_options.argv = args;
  process_options.name = "ffprobe";
  process_options.stdoutPath = uniqueOutputPath("ffprobe", ".json");
  Process ffprobe(process_options);
  if (!ffprobe.started()) {
    result.error = ffprobe.startError();
    return result;
  }
  const auto status = ffprobe.wait(timeout);
  result.elapsedSeconds = secondsBetween(started, Clock::now());
  if (!status) {
    ffprobe.kill9();
    result.error = "ffprobe " + url + " did not finish in " + std::to_string(timeout.count()) +
                   " ms:\n" + tail(ffprobe.log());
    return result;
  }
  result.json = readFrom(ffprobe.stdoutPath(), 0);
  if (!status->success()) {
    result.error = "ffprobe " + url + ": " + status->describe() + "\n" + tail(ffprobe.log());
    return result;
  }
  JsonNodePtr root = parseJson(result.json);
  const int count = jsonSize(root.get(), "streams");
  if (count <= 0) {
    result.error = "ffprobe " + url + " found no streams:\n" + tail(ffprobe.log());
    return result;
  }
  for (int i = 0; i < count; ++i) {
    JsonNode* stream = jsonAt(root.get(), "streams." + std::to_string(i));
    const std::string type = jsonString(stream, "codec_type").value_or("");
    if (type == "video" && !result.hasVideo) {
      result.hasVideo = true;
      result.videoCodec = jsonString(stream, "codec_name").value_or("");
      result.videoProfile = jsonString(stream, "profile").value_or("");
      result.width = static_cast<int>(jsonInt(stream, "width").value_or(0));
      result.height = static_cast<int>(jsonInt(stream, "height").value_or(0));
      result.frameRate = parseRate(jsonString(stream, "r_frame_rate").value_or(""));
      result.avgFrameRate = parseRate(jsonString(stream, "avg_frame_rate").value_or(""));
    } else if (type == "audio" && !result.hasAudio) {
      result.hasAudio = true;
      result.audioCodec = jsonString(stream, "codec_name").value_or("");
      result.sampleRate = std::atoi(jsonString(stream, "sample_rate").value_or("0").c_str());
      result.channels = static_cast<int>(jsonInt(stream, "channels").value_or(0));
    }
  }
  result.ok = true;
  return result;
}

std::string ProbeResult::describe() const {
  if (!ok) return "FAILED: " + error;
  char text[512];
  std::snprintf(
      text, sizeof text, "video %s (%s) %dx%d r=%.3f avg=%.3f fps; audio %s %d Hz %d ch; in %.2f s",
      hasVideo ? videoCodec.c_str() : "none", videoProfile.c_str(), width, height, frameRate,
      avgFrameRate, hasAudio ? audioCodec.c_str() : "none", sampleRate, channels, elapsedSeconds);
  return text;
}

std::string FlowResult::describe() const {
  char text[512];
  std::snprintf(text, sizeof text,
                "%s%s: %d video frames in %.2f s (%.2f fps), %d audio packets, %d keyframes, "
                "max video gap %.3f s, first video packet %s, first packet after %.2f s",
                ok ? "ok" : "FAILED ", ok ? "" : error.c_str(), videoFrames, windowSeconds, fps,
                audioPackets, keyframes, maxVideoGapSeconds,
                firstVideoIsKeyframe ? "a keyframe" : "not a keyframe", firstPacketSeconds);
  return text;
}

FlowMeter::FlowMeter(std::string url, double seconds, FlowOptions options)
    : url_(std::move(url)),
      seconds_(seconds),
      options_(std::move(options)),
      file_(isFile(url_)),
      started_(Clock::now()) {
  std::string target;
  std::vector<std::string> args = {"stdbuf", "-oL", "ffprobe", "-hide_banner", "-v", "error"};
  for (auto& arg : inputArgs(url_, options_.rtspTransport, &target)) args.push_back(arg);
  if (file_) {
    char interval[64];
    std::snprintf(interval, sizeof interval, "%%+%.3f", seconds_ + 1.0);
    args.insert(args.end(), {"-read_intervals", interval});
  }
  args.insert(args.end(),
              {"-show_entries", "packet=codec_type,pts_time,flags", "-of", "compact=p=0", target});
  ProcessOptions process_options;
  process_options.argv = args;
  process_options.name = "ffprobe-flow";
  process_options.stdoutPath = uniqueOutputPath("ffprobe-flow", ".packets");
  process_ = Process(process_options);
  result_.wallClock = !file_;
  if (!process_.started()) finish(process_.startError());
}

bool FlowMeter::poll() {
  if (done_) return true;
  const bool was_running = process_.running();  // before reading: its output is then complete
  const auto now = Clock::now();
  const std::string data = readFrom(process_.stdoutPath(), readOffset_);
  readOffset_ += data.size();
  partial_ += data;
  std::size_t start = 0;
  for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = partial_.substr(start, nl - start);
    Packet packet;
    packet.arrival = now;
    bool typed = false;
    std::size_t field_start = 0;
    while (field_start <= line.size()) {
      std::size_t bar = line.find('|', field_start);
      if (bar == std::string::npos) bar = line.size();
      const std::string field = line.substr(field_start, bar - field_start);
      const std::size_t eq = field.find('=');
      if (eq != std::string::npos) {
        const std::string key = field.substr(0, eq);
        const std::string value = field.substr(eq + 1);
        if (key == "codec_type") {
          typed = true;
          packet.video = value == "video";
          packet.audio = value == "audio";
        } else if (key == "flags") {
          packet.key = !value.empty() && value[0] == 'K';
        } else if (key == "pts_time" && value != "N/A") {
          packet.pts = std::atof(value.c_str());
          packet.hasPts = true;
        }
      }
      field_start = bar + 1;
    }
    if (typed) packets_.push_back(packet);
  }
  partial_.erase(0, start);

  if (file_) {
    if (!was_running) {
      finish("");
    } else if (now - started_ > options_.connectTimeout + std::chrono::seconds(30)) {
      finish("ffprobe did not finish reading the file");
    }
    return done_;
  }
  if (packets_.empty()) {
    if (!was_running) {
      finish("ffprobe ended before any packet arrived:\n" + tail(process_.log()));
    } else if (now - started_ > options_.connectTimeout) {
      finish("no packet within " + std::to_string(options_.connectTimeout.count()) + " ms");
    }
    return done_;
  }
  const auto window_end =
      packets_.front().arrival + options_.warmup +
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds_));
  if (now >= window_end) {
    finish("");
  } else if (!was_running) {
    char text[128];
    std::snprintf(text, sizeof text, "the stream ended %.2f s after the first packet",
                  secondsBetween(packets_.front().arrival, now));
    finish(text + std::string(":\n") + tail(process_.log()));
  }
  return done_;
}

void FlowMeter::finish(const std::string& error) {
  process_.kill9();
  done_ = true;
  compute();
  result_.ok = error.empty();
  result_.error = error;
}

void FlowMeter::compute() {
  FlowResult& r = result_;
  r.totalPackets = static_cast<int>(packets_.size());
  const auto first_video =
      std::find_if(packets_.begin(), packets_.end(), [](const Packet& p) { return p.video; });
  r.firstVideoIsKeyframe = first_video != packets_.end() && first_video->key;
  if (packets_.empty()) return;
  r.firstPacketSeconds = secondsBetween(started_, packets_.front().arrival);

  double min_pts = 0;
  double max_pts = 0;
  bool any_pts = false;
  // RTP depayloaders may emit a frame's parameter sets as a packet of their own with the frame's
  // pts: consecutive video packets with one pts are one frame.
  bool have_last_video_pts = false;
  double last_video_pts = 0;
  auto count = [&](const Packet& p) {
    if (p.audio) ++r.audioPackets;
    if (!p.video) return;
    const bool same_frame = p.hasPts && have_last_video_pts && p.pts == last_video_pts;
    have_last_video_pts = p.hasPts;
    last_video_pts = p.pts;
    if (same_frame) return;
    ++r.videoFrames;
    if (p.key) ++r.keyframes;
    if (p.hasPts) {
      min_pts = any_pts ? std::min(min_pts, p.pts) : p.pts;
      max_pts = any_pts ? std::max(max_pts, p.pts) : p.pts;
      any_pts = true;
    }
  };

  if (file_) {
    // Stream-time window: [first video pts, + seconds).
    if (first_video == packets_.end() || !first_video->hasPts) {
      for (const auto& p : packets_) count(p);
      r.windowSeconds = seconds_;
    } else {
      const double start = first_video->pts;
      const double end = start + seconds_;
      std::vector<double> video_pts;
      for (const auto& p : packets_) {
        if (p.hasPts && p.pts >= start - 0.5 && p.pts < end) {
          count(p);
          if (p.video) video_pts.push_back(p.pts);
        }
      }
      std::sort(video_pts.begin(), video_pts.end());
      for (std::size_t i = 1; i < video_pts.size(); ++i) {
        r.maxVideoGapSeconds = std::max(r.maxVideoGapSeconds, video_pts[i] - video_pts[i - 1]);
      }
      // A file shorter than the window: its own length (span plus one frame).
      const double span = video_pts.size() > 1 ? video_pts.back() - video_pts.front() : 0;
      const double frame = video_pts.size() > 1 ? span / double(video_pts.size() - 1) : 0;
      r.windowSeconds = std::min(seconds_, span + frame);
    }
  } else {
    const auto window_start = packets_.front().arrival + options_.warmup;
    const auto window_end = window_start + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(seconds_));
    const auto last_seen = std::min(window_end, Clock::now());
    auto previous_video = window_start;
    for (const auto& p : packets_) {
      if (p.arrival < window_start || p.arrival >= window_end) continue;
      count(p);
      if (p.video) {
        r.maxVideoGapSeconds =
            std::max(r.maxVideoGapSeconds, secondsBetween(previous_video, p.arrival));
        previous_video = p.arrival;
      }
    }
    if (last_seen > window_start) {
      r.maxVideoGapSeconds =
          std::max(r.maxVideoGapSeconds, secondsBetween(previous_video, last_seen));
      r.windowSeconds = secondsBetween(window_start, last_seen);
    }
  }
  r.videoPtsSpanSeconds = any_pts ? max_pts - min_pts : 0;
  r.fps = r.windowSeconds > 0 ? r.videoFrames / r.windowSeconds : 0;
}

FlowResult measureFlow(const std::string& url, double seconds, const FlowOptions& options) {
  FlowMeter meter(url, seconds, options);
  const auto limit = options.connectTimeout + options.warmup +
                     std::chrono::milliseconds(static_cast<int>(seconds * 1000)) +
                     std::chrono::seconds(40);
  const bool finished = runUntil([&] { return meter.poll(); }, limit);
  FlowResult result = meter.result();
  if (!finished) {  // only if the deadlines above disagree with FlowMeter's own
    result.ok = false;
    result.error = "the measurement did not finish in time";
  }
  return result;
}

}  // namespace mls::test
