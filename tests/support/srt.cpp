// srt-live-transmit based SRT peers (see srt.h).
#include "srt.h"

#include "fixture.h"
#include "ports.h"

namespace mls::test {

namespace {

std::string tail(const std::string& text, std::size_t max = 1500) {
  return text.size() > max ? "…" + text.substr(text.size() - max) : text;
}

::testing::AssertionResult waitBound(Process& process, std::uint16_t port,
                                     std::chrono::milliseconds timeout) {
  if (!process.started()) return ::testing::AssertionFailure() << process.startError();
  runUntil([&] { return !process.running() || udpPortBound(port); }, timeout);
  if (!process.running() || !udpPortBound(port)) {
    return ::testing::AssertionFailure()
           << "srt-live-transmit is not listening on 127.0.0.1:" << port << " ("
           << process.logPath() << "):\n"
           << tail(process.log());
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult SrtToUdp::start(std::chrono::milliseconds timeout) {
  if (srtPort_ == 0) {
    srtPort_ = freeUdpPort();
    udpPort_ = freeUdpPort();
  }
  process_ = Process({"srt-live-transmit", "-v", "-a:yes",
                      "srt://127.0.0.1:" + std::to_string(srtPort_) + "?mode=listener",
                      "udp://127.0.0.1:" + std::to_string(udpPort_)},
                     "srt-to-udp");
  return waitBound(process_, srtPort_, timeout);
}

std::string SrtToUdp::srtUrl() const { return "srt://127.0.0.1:" + std::to_string(srtPort_); }
std::string SrtToUdp::udpUrl() const { return "udp://127.0.0.1:" + std::to_string(udpPort_); }

::testing::AssertionResult SrtSource::start(const TestPatternOptions& pattern,
                                            std::chrono::milliseconds timeout) {
  if (srtPort_ == 0) {
    srtPort_ = freeUdpPort();
    udpPort_ = freeUdpPort();
  }
  transmitter_ =
      Process({"srt-live-transmit", "-v", "-a:yes", "udp://127.0.0.1:" + std::to_string(udpPort_),
               "srt://127.0.0.1:" + std::to_string(srtPort_) + "?mode=listener"},
              "srt-source");
  auto ready = waitBound(transmitter_, srtPort_, timeout);
  if (!ready) return ready;
  publisher_ = publishTestPattern("udp://127.0.0.1:" + std::to_string(udpPort_), pattern);
  if (!publisher_.started()) return ::testing::AssertionFailure() << publisher_.startError();
  return ::testing::AssertionSuccess();
}

void SrtSource::stop() {
  publisher_.stop();
  transmitter_.stop();
}

std::string SrtSource::srtUrl() const { return "srt://127.0.0.1:" + std::to_string(srtPort_); }

}  // namespace mls::test
