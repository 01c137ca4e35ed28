// Free ports on 127.0.0.1 for peers that a test starts (nginx, srt-live-transmit, ffmpeg UDP
// receivers). A port is found by binding port 0, reading the port the kernel chose, and closing
// the socket; the peer then binds it. Ports handed out once are never handed out again by the
// same test program, so two peers of one test cannot be given the same port.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace mls::test {

std::uint16_t freeTcpPort();
std::uint16_t freeUdpPort();

// Whether something accepts TCP connections on 127.0.0.1:port right now.
bool tcpPortAccepts(std::uint16_t port);
// Whether a UDP socket is bound to port `port` (on 127.0.0.1 or any address), per /proc/net/udp.
bool udpPortBound(std::uint16_t port);

}  // namespace mls::test
