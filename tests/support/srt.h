// SRT peers for tests, built from srt-live-transmit (srt-tools):
//
// - SrtToUdp: an SRT listener on 127.0.0.1:<srtPort> that forwards what it receives to
//   udp://127.0.0.1:<udpPort>. It stands in for an SRT destination of an mlsd output; the test
//   reads the UDP side with ffprobe (udpUrl()).
// - SrtSource: an SRT listener serving a live MPEG-TS test pattern: ffmpeg publishes to a local
//   UDP port, srt-live-transmit serves it at srt://127.0.0.1:<srtPort> (callers connect with
//   mode=caller, the default). It stands in for an SRT camera/encoder that mlsd pulls.
//
// srt-live-transmit serves one SRT connection at a time and, after a disconnect, listens again.
// Thread-bound to the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "ffmpeg.h"
#include "process.h"

namespace mls::test {

class SrtToUdp {
 public:
  SrtToUdp() = default;
  SrtToUdp(const SrtToUdp&) = delete;
  SrtToUdp& operator=(const SrtToUdp&) = delete;

  // Starts (first time on fresh ports, later on the same ones) and waits for the SRT port.
  ::testing::AssertionResult start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ExitStatus stop() { return process_.stop(); }

  std::uint16_t srtPort() const { return srtPort_; }
  std::uint16_t udpPort() const { return udpPort_; }
  std::string srtUrl() const;  // "srt://127.0.0.1:<srtPort>" (connect as caller)
  std::string udpUrl() const;  // "udp://127.0.0.1:<udpPort>" (read with ffprobe)
  Process& process() { return process_; }

 private:
  std::uint16_t srtPort_ = 0;
  std::uint16_t udpPort_ = 0;
  Process process_;
};

class SrtSource {
 public:
  SrtSource() = default;
  SrtSource(const SrtSource&) = delete;
  SrtSource& operator=(const SrtSource&) = delete;

  // Starts srt-live-transmit and the ffmpeg publisher; ready when the SRT port is bound.
  ::testing::AssertionResult start(const TestPatternOptions& pattern = {},
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void stop();

  std::uint16_t srtPort() const { return srtPort_; }
  std::string srtUrl() const;  // "srt://127.0.0.1:<srtPort>"
  Process& transmitter() { return transmitter_; }
  Process& publisher() { return publisher_; }

 private:
  std::uint16_t srtPort_ = 0;
  std::uint16_t udpPort_ = 0;
  Process transmitter_;
  Process publisher_;
};

}  // namespace mls::test
