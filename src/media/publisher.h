// Publisher: what the media layer tells a publication service (the embedded RTSP server) about
// its inputs, without depending on it. An InputRunner publishes its input when the pipeline's
// streams are known (live) and withdraws it before the pipeline is disposed (retry, restart,
// delete, shutdown), so a publication never outlives the taps it reads. Implemented by
// rtsp::RtspPublisher; the Supervisor holds a non-owning pointer (may be null in tests).
// Main thread only.
#pragma once

#include <string>

namespace mls::media {

class InputPipeline;

class Publisher {
 public:
  virtual ~Publisher() = default;
  // The input's pipeline is ready (streams known, PLAYING): serve it.
  virtual void publish(const std::string& input, InputPipeline& pipeline) = 0;
  // The input's pipeline is about to go: stop serving it and end its clients' sessions.
  virtual void withdraw(const std::string& input) = 0;
  // Clients currently playing the input.
  virtual int clients(const std::string& input) const = 0;
};

}  // namespace mls::media
