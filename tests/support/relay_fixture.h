// The fixture of the relay integration tests: mlsd (the real binary) driven over its REST API,
// with helpers to build request bodies, read observed state and wait for it.
//
// - JsonText builds one JSON object's text ({"name":"cam","url":…}) without hand-escaping.
// - MlsdApi sends requests to an Mlsd (following its base URL across restarts) and waits on
//   observed state ("live", "retrying", …) with a deadline; a failed wait says what the state
//   was, the last_error and the end of mlsd's log.
// - RtmpSource is the usual live source: an nginx-rtmp with ffmpeg publishing the test pattern
//   to live/<key>, which mlsd pulls.
// - RelayTest starts one mlsd per test (and a second one when a test restarts it), and checks at
//   the end that mlsd never logged a GLib CRITICAL.
//
// Thread-bound to the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ffmpeg.h"
#include "ffprobe.h"
#include "fixture.h"
#include "http_client.h"
#include "mlsd.h"
#include "nginx_rtmp.h"
#include "process.h"

namespace mls::test {

// `text` as a JSON string literal, quotes included.
std::string jsonQuote(const std::string& text);

// The text of one JSON object, members in the order they were set.
class JsonText {
 public:
  JsonText& set(const std::string& key, const std::string& value);
  JsonText& set(const std::string& key, const char* value);
  JsonText& set(const std::string& key, long long value);
  JsonText& set(const std::string& key, int value) {
    return set(key, static_cast<long long>(value));
  }
  JsonText& set(const std::string& key, bool value);
  // A member whose value is already JSON text (an object, an array, null).
  JsonText& raw(const std::string& key, const std::string& json);
  std::string str() const { return "{" + members_ + "}"; }
  operator std::string() const { return str(); }  // NOLINT: reads well at call sites

 private:
  void add(const std::string& key, const std::string& json);
  std::string members_;
};

// A JSON array of already-JSON elements.
std::string jsonArray(const std::vector<std::string>& elements);

// The last `max` bytes of `text`, for failure messages.
std::string tailOf(const std::string& text, std::size_t max = 3000);

// A destination keeps up with its source: the destination's frame rate at least `ratio` of the
// source's, no video gap over `maxGap` seconds, and the source itself live (so the comparison
// means something). Each flow is measured over its own wall-clock window (FlowMeter: from 1 s
// after its first packet), so the windows are as far apart as the two streams' first packets.
// With `sourceFps` (the rate the source is known to send), the source's measured rate counts up
// to that: more, in a window of a few seconds, is a catch-up burst after the source stalled,
// which the destination's own window need not contain.
void expectKeepsUp(const FlowResult& destination, const FlowResult& source,
                   const std::string& where, double ratio = 0.95, double maxGap = 1.0,
                   double sourceFps = 0);

// How regular the video timestamps are in what a FlowMeter read (its packets file): the
// shortest and longest interval between consecutive video pts, in seconds. A 30 fps stream in FLV
// (millisecond timestamps) reads 0.033 / 0.034.
struct FrameIntervals {
  int frames = 0;
  double shortest = 0;
  double longest = 0;
  std::string describe() const;
};
FrameIntervals videoFrameIntervals(FlowMeter& meter);
// The shortest interval within 2 ms of 1/fps (no jitter, no two frames on one timestamp) and the
// longest at most `maxLongest` (default: also within 2 ms of 1/fps, i.e. no frame missing).
void expectRegularFrames(FlowMeter& meter, double fps, const std::string& where,
                         double maxLongest = 0);

// Waits until nginx no longer has a publisher on `app`/`key` (the stream ended).
bool waitForStreamGone(const NginxRtmp& nginx, const std::string& app, const std::string& key,
                       std::chrono::milliseconds timeout);

// A multipart/form-data body with one file field; `contentType` receives the header value.
std::string multipartFile(const std::string& field, const std::string& filename,
                          const std::string& content, std::string* contentType);

class MlsdApi {
 public:
  explicit MlsdApi(Mlsd& mlsd, Headers headers = {});

  // The base URL of the running mlsd, with 0.0.0.0 (a wildcard --listen) turned into 127.0.0.1.
  std::string baseUrl() const;

  HttpResponse get(const std::string& path) const;
  HttpResponse post(const std::string& path, const std::string& body = "{}") const;
  HttpResponse put(const std::string& path, const std::string& body) const;
  HttpResponse patch(const std::string& path, const std::string& body) const;
  HttpResponse del(const std::string& path) const;
  HttpResponse send(const std::string& method, const std::string& path, const std::string& body,
                    const Headers& headers) const;

  // POST /api/v1/inputs and POST /api/v1/inputs/<input>/outputs, expecting 201.
  ::testing::AssertionResult createInput(const std::string& body) const;
  ::testing::AssertionResult createOutput(const std::string& input, const std::string& body) const;

  // GET of one resource as JSON (nullptr unless 200).
  JsonNodePtr input(const std::string& name) const;
  JsonNodePtr output(const std::string& input, const std::string& name) const;
  // Observed state ("" when the resource is not there).
  std::string inputState(const std::string& name) const;
  std::string outputState(const std::string& input, const std::string& name) const;

  // Waits until the observed state is `state` (polling every 200 ms).
  ::testing::AssertionResult waitInput(const std::string& name, const std::string& state,
                                       std::chrono::milliseconds timeout) const;
  ::testing::AssertionResult waitOutput(const std::string& input, const std::string& name,
                                        const std::string& state,
                                        std::chrono::milliseconds timeout) const;

  // "input/output: state (last_error)" plus the end of mlsd's log, for failure messages.
  std::string context(const std::string& input, const std::string& output = {}) const;

  Mlsd& mlsd() const { return mlsd_; }

 private:
  ::testing::AssertionResult waitFor(const std::string& path, const std::string& state,
                                     const std::string& what,
                                     std::chrono::milliseconds timeout) const;

  Mlsd& mlsd_;
  Headers headers_;
};

// An nginx-rtmp with ffmpeg publishing the test pattern to live/<key>.
class RtmpSource {
 public:
  RtmpSource() = default;
  RtmpSource(const RtmpSource&) = delete;
  RtmpSource& operator=(const RtmpSource&) = delete;

  // Starts nginx and the publisher, and waits until nginx has the stream.
  ::testing::AssertionResult start(const TestPatternOptions& pattern = {},
                                   const std::string& key = "src");
  // Starts a new publisher to the same stream (after the previous one was killed).
  ::testing::AssertionResult republish();

  std::string url() const { return nginx.rtmpUrl("live", key_); }

  NginxRtmp nginx;
  Process publisher;

 private:
  TestPatternOptions pattern_;
  std::string key_;
};

class RelayTest : public LoopTest {
 protected:
  void TearDown() override;
  std::chrono::milliseconds watchdogTimeout() const override { return 170s; }

  // Starts mlsd (extra arguments after the launcher's defaults) and makes api() talk to it.
  ::testing::AssertionResult startMlsd(std::vector<std::string> args = {});
  MlsdApi& api() { return *api_; }
  Mlsd& mlsd() { return *mlsd_; }

  std::unique_ptr<Mlsd> mlsd_;
  std::unique_ptr<MlsdApi> api_;
};

}  // namespace mls::test
