// Relay integration test fixture (see relay_fixture.h).
#include "relay_fixture.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace mls::test {

std::string jsonQuote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JsonText::add(const std::string& key, const std::string& json) {
  if (!members_.empty()) members_ += ",";
  members_ += jsonQuote(key) + ":" + json;
}

JsonText& JsonText::set(const std::string& key, const std::string& value) {
  add(key, jsonQuote(value));
  return *this;
}

JsonText& JsonText::set(const std::string& key, const char* value) {
  return set(key, std::string(value));
}

JsonText& JsonText::set(const std::string& key, long long value) {
  add(key, std::to_string(value));
  return *this;
}

JsonText& JsonText::set(const std::string& key, bool value) {
  add(key, value ? "true" : "false");
  return *this;
}

JsonText& JsonText::raw(const std::string& key, const std::string& json) {
  add(key, json);
  return *this;
}

std::string jsonArray(const std::vector<std::string>& elements) {
  std::string out = "[";
  for (std::size_t i = 0; i < elements.size(); ++i) out += (i ? "," : "") + elements[i];
  return out + "]";
}

std::string tailOf(const std::string& text, std::size_t max) {
  return text.size() > max ? "…" + text.substr(text.size() - max) : text;
}

void expectKeepsUp(const FlowResult& destination, const FlowResult& source,
                   const std::string& where, double ratio, double maxGap, double sourceFps) {
  std::printf("flow %s: %s\n  source: %s\n", where.c_str(), destination.describe().c_str(),
              source.describe().c_str());
  EXPECT_TRUE(source.ok) << "source (for " << where << "): " << source.describe();
  EXPECT_GE(source.fps, 20.0) << "the source itself is not live: " << source.describe();
  EXPECT_TRUE(destination.ok) << where << ": " << destination.describe();
  const double source_rate = sourceFps > 0 ? std::min(source.fps, sourceFps) : source.fps;
  EXPECT_GE(destination.fps, ratio * source_rate)
      << where << ": " << destination.describe() << "\n  source: " << source.describe();
  EXPECT_LT(destination.maxVideoGapSeconds, maxGap) << where << ": " << destination.describe();
}

std::string FrameIntervals::describe() const {
  char text[128];
  std::snprintf(text, sizeof text, "%d video frames, intervals %.3f .. %.3f s", frames, shortest,
                longest);
  return text;
}

FrameIntervals videoFrameIntervals(FlowMeter& meter) {
  std::ifstream in(meter.process().stdoutPath());
  std::vector<double> pts;
  for (std::string line; std::getline(in, line);) {
    if (line.find("codec_type=video") == std::string::npos) continue;
    const auto at = line.find("pts_time=");
    if (at == std::string::npos) continue;
    char* end = nullptr;
    const double value = std::strtod(line.c_str() + at + 9, &end);
    if (end != line.c_str() + at + 9) pts.push_back(value);
  }
  std::sort(pts.begin(), pts.end());
  FrameIntervals intervals;
  intervals.frames = static_cast<int>(pts.size());
  for (std::size_t i = 1; i < pts.size(); ++i) {
    const double interval = pts[i] - pts[i - 1];
    intervals.shortest = i == 1 ? interval : std::min(intervals.shortest, interval);
    intervals.longest = std::max(intervals.longest, interval);
  }
  return intervals;
}

void expectRegularFrames(FlowMeter& meter, double fps, const std::string& where,
                         double maxLongest) {
  const FrameIntervals intervals = videoFrameIntervals(meter);
  std::printf("timestamps %s: %s\n", where.c_str(), intervals.describe().c_str());
  EXPECT_GE(intervals.frames, 10) << where;
  EXPECT_NEAR(intervals.shortest, 1.0 / fps, 0.002)
      << where << ": irregular video timestamps (" << intervals.describe() << ", "
      << meter.process().stdoutPath().string() << ")";
  EXPECT_LE(intervals.longest, maxLongest > 0 ? maxLongest : 1.0 / fps + 0.002)
      << where << ": irregular video timestamps (" << intervals.describe() << ", "
      << meter.process().stdoutPath().string() << ")";
}

bool waitForStreamGone(const NginxRtmp& nginx, const std::string& app, const std::string& key,
                       std::chrono::milliseconds timeout) {
  auto next_poll = std::chrono::steady_clock::now();
  return runUntil(
      [&] {
        if (std::chrono::steady_clock::now() < next_poll) return false;
        next_poll = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        for (const auto& stream : nginx.streams()) {
          if (stream.app == app && stream.name == key && stream.publishing) return false;
        }
        return true;
      },
      timeout);
}

std::string multipartFile(const std::string& field, const std::string& filename,
                          const std::string& content, std::string* contentType) {
  const std::string boundary = "mls-test-boundary-7d1f0c";
  *contentType = "multipart/form-data; boundary=" + boundary;
  return "--" + boundary + "\r\n" + "Content-Disposition: form-data; name=\"" + field +
         "\"; filename=\"" + filename + "\"\r\n" + "Content-Type: application/json\r\n\r\n" +
         content + "\r\n--" + boundary + "--\r\n";
}

// ---- MlsdApi --------------------------------------------------------------------------------

MlsdApi::MlsdApi(Mlsd& mlsd, Headers headers) : mlsd_(mlsd), headers_(std::move(headers)) {}

std::string MlsdApi::baseUrl() const {
  std::string url = mlsd_.baseUrl();
  const std::string wildcard = "http://0.0.0.0:";
  if (url.rfind(wildcard, 0) == 0) url = "http://127.0.0.1:" + url.substr(wildcard.size());
  return url;
}

HttpResponse MlsdApi::send(const std::string& method, const std::string& path,
                           const std::string& body, const Headers& headers) const {
  Headers all = headers_;
  all.insert(all.end(), headers.begin(), headers.end());
  return request(method, baseUrl() + path, body, all);
}

HttpResponse MlsdApi::get(const std::string& path) const { return send("GET", path, {}, {}); }
HttpResponse MlsdApi::post(const std::string& path, const std::string& body) const {
  return send("POST", path, body, {});
}
HttpResponse MlsdApi::put(const std::string& path, const std::string& body) const {
  return send("PUT", path, body, {});
}
HttpResponse MlsdApi::patch(const std::string& path, const std::string& body) const {
  return send("PATCH", path, body, {});
}
HttpResponse MlsdApi::del(const std::string& path) const { return send("DELETE", path, {}, {}); }

namespace {

::testing::AssertionResult expectCreated(const HttpResponse& response, const std::string& what,
                                         const std::string& body) {
  if (response.status == 201) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "POST " << what << " answered " << response.status << " " << response.error << ": "
         << response.body << "\n  request: " << body;
}

}  // namespace

::testing::AssertionResult MlsdApi::createInput(const std::string& body) const {
  return expectCreated(post("/api/v1/inputs", body), "/api/v1/inputs", body);
}

::testing::AssertionResult MlsdApi::createOutput(const std::string& input,
                                                 const std::string& body) const {
  const std::string path = "/api/v1/inputs/" + input + "/outputs";
  return expectCreated(post(path, body), path, body);
}

JsonNodePtr MlsdApi::input(const std::string& name) const {
  const HttpResponse response = get("/api/v1/inputs/" + name);
  return response.status == 200 ? response.json() : nullptr;
}

JsonNodePtr MlsdApi::output(const std::string& input, const std::string& name) const {
  const HttpResponse response = get("/api/v1/inputs/" + input + "/outputs/" + name);
  return response.status == 200 ? response.json() : nullptr;
}

std::string MlsdApi::inputState(const std::string& name) const {
  JsonNodePtr node = input(name);
  return node ? jsonString(node.get(), "state").value_or("") : "";
}

std::string MlsdApi::outputState(const std::string& input, const std::string& name) const {
  JsonNodePtr node = output(input, name);
  return node ? jsonString(node.get(), "state").value_or("") : "";
}

std::string MlsdApi::context(const std::string& input, const std::string& output) const {
  const std::string path = "/api/v1/inputs/" + input + (output.empty() ? "" : "/outputs/" + output);
  const HttpResponse response = get(path);
  std::string text =
      "GET " + path + " → " + std::to_string(response.status) + " " + tailOf(response.body, 1500);
  return text + "\n  mlsd log " + mlsd_.process().logPath().string() + ":\n" +
         tailOf(mlsd_.process().log());
}

::testing::AssertionResult MlsdApi::waitFor(const std::string& path, const std::string& state,
                                            const std::string& what,
                                            std::chrono::milliseconds timeout) const {
  std::string last;
  std::string last_error;
  auto next_poll = std::chrono::steady_clock::now();
  const bool reached = runUntil(
      [&] {
        const auto now = std::chrono::steady_clock::now();
        if (now < next_poll) return false;
        next_poll = now + std::chrono::milliseconds(200);
        const HttpResponse response = get(path);
        JsonNodePtr node = response.status == 200 ? response.json() : nullptr;
        last = node ? jsonString(node.get(), "state").value_or("?")
                    : "HTTP " + std::to_string(response.status);
        if (node) last_error = jsonString(node.get(), "last_error").value_or("");
        return last == state;
      },
      timeout);
  if (reached) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << " did not become \"" << state << "\" within " << timeout.count()
         << " ms; last seen \"" << last << "\" (last_error: " << last_error << ")\n  mlsd log "
         << mlsd_.process().logPath() << ":\n"
         << tailOf(mlsd_.process().log());
}

::testing::AssertionResult MlsdApi::waitInput(const std::string& name, const std::string& state,
                                              std::chrono::milliseconds timeout) const {
  return waitFor("/api/v1/inputs/" + name, state, "input " + name, timeout);
}

::testing::AssertionResult MlsdApi::waitOutput(const std::string& input, const std::string& name,
                                               const std::string& state,
                                               std::chrono::milliseconds timeout) const {
  return waitFor("/api/v1/inputs/" + input + "/outputs/" + name, state,
                 "output " + input + "/" + name, timeout);
}

// ---- RtmpSource -----------------------------------------------------------------------------

::testing::AssertionResult RtmpSource::start(const TestPatternOptions& pattern,
                                             const std::string& key) {
  pattern_ = pattern;
  key_ = key;
  if (auto started = nginx.start(); !started) return started;
  return republish();
}

::testing::AssertionResult RtmpSource::republish() {
  publisher = publishTestPattern(url(), pattern_);
  if (!publisher.started()) return ::testing::AssertionFailure() << publisher.startError();
  if (!nginx.waitForPublisher("live", key_, 20s)) {
    return ::testing::AssertionFailure()
           << "nginx has no publisher on live/" << key_ << " after 20 s:\n"
           << tailOf(publisher.log());
  }
  return ::testing::AssertionSuccess();
}

// ---- RelayTest ------------------------------------------------------------------------------

::testing::AssertionResult RelayTest::startMlsd(std::vector<std::string> args) {
  MlsdOptions options;
  options.args = std::move(args);
  mlsd_ = std::make_unique<Mlsd>(options);
  api_ = std::make_unique<MlsdApi>(*mlsd_);
  return mlsd_->start();
}

void RelayTest::TearDown() {
  if (mlsd_) {
    // Stop it gracefully, so its shutdown path is exercised by every test too.
    if (mlsd_->process().running()) mlsd_->stop();
    EXPECT_EQ(mlsd_->process().countLines(R"(CRITICAL \*\*)"), 0)
        << "mlsd logged a GLib CRITICAL (" << mlsd_->process().logPath() << "):\n"
        << tailOf(mlsd_->process().log());
  }
  LoopTest::TearDown();
}

}  // namespace mls::test
