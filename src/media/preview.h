// Preview: an input shown live in the web UI's <video> element, as fragmented MP4 over HTTP,
// without re-encoding and without plugins. Each preview is a short-lived pipeline of its own,
// fed from the input's Video and Audio taps exactly as outputs and RTSP media are (appsrc fed
// by a Feed; nothing flows back into the input):
//
//   appsrc(video) ▶ h264parse ┐
//   appsrc(audio) ▶ aacparse ─┴▶ mp4mux fragment-duration=500 streamable=true ▶ appsink
//
// The appsink's buffers (ftyp+moov first, then moof+mdat fragments starting on a keyframe from
// the tap's cached GOP) are handed to the main thread, which writes them to the HTTP response
// (api/preview_route.cpp). A preview ends when its client goes (close()), when its input's
// pipeline goes (withdraw(): retry, restart, delete, shutdown), or on an error in its own
// pipeline; an idle UI therefore costs nothing.
//
// PreviewService plays the media::Publisher role in front of the RTSP publisher (it forwards
// every call to `next`), so it learns when an input's taps appear and before they go. At most
// `max_previews` run at once (Unavailable beyond, the API's 503).
//
// Owned by the app's Server; main thread, except the appsink callback (the preview pipeline's
// streaming thread), which only queues bytes under the preview's lock.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "media/publisher.h"
#include "media/tap.h"

namespace mls::media {

class PreviewPipeline;

class PreviewService final : public Publisher {
 public:
  static constexpr size_t kDefaultMaxPreviews = 4;

  // Main thread. `data`: the next bytes of the MP4 stream. `end`: the preview is over (why, for
  // the log); called at most once, and not after close().
  using DataFn = std::function<void(GBytes* bytes)>;
  using EndFn = std::function<void(const std::string& reason)>;

  explicit PreviewService(Publisher* next, size_t max_previews = kDefaultMaxPreviews);
  ~PreviewService() override;
  PreviewService(const PreviewService&) = delete;
  PreviewService& operator=(const PreviewService&) = delete;

  // media::Publisher: remembers the input's taps, ends its previews; forwards to `next`.
  void publish(const std::string& input, InputPipeline& pipeline) override;
  void withdraw(const std::string& input) override;
  int clients(const std::string& input) const override;

  // Starts a preview of `input`. NotFound when no such input is live now, Invalid when it has
  // no stream a browser can play, Unavailable when max_previews run already. Returns its id.
  Result<uint64_t> open(const std::string& input, DataFn data, EndFn end);
  // Stops a preview (its client went away). Idempotent; `end` is not called.
  void close(uint64_t id);
  // Ends every preview (shutdown).
  void closeAll(const std::string& reason);

  size_t active() const { return previews_.size(); }
  size_t maxPreviews() const { return max_previews_; }

 private:
  struct Source {
    Tap* video = nullptr;  // null: no video stream a browser can play
    std::string video_codec;
    Tap* audio = nullptr;
    std::string audio_codec;
    GstClockTime base_time = GST_CLOCK_TIME_NONE;
  };
  void end(uint64_t id, const std::string& reason);
  void endPreviews(const std::string& input);  // every preview of the input, and its source

  Publisher* next_;  // not owned; may be null
  const size_t max_previews_;
  std::map<std::string, Source> sources_;  // live inputs, by name
  std::map<uint64_t, std::unique_ptr<PreviewPipeline>> previews_;
  uint64_t next_id_ = 1;
};

}  // namespace mls::media
