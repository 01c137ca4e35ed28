// Free ports on loopback (see ports.h).
#include "ports.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

namespace mls::test {

namespace {

std::uint16_t bindZero(int type) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::uint16_t freshPort(int type) {
  static std::mutex mutex;
  static std::set<std::uint16_t> handed_out;  // protected by mutex
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::uint16_t port = bindZero(type);
    if (port != 0 && handed_out.insert(port).second) return port;
  }
  ADD_FAILURE() << "no free " << (type == SOCK_STREAM ? "TCP" : "UDP") << " port on 127.0.0.1";
  return 0;
}

}  // namespace

std::uint16_t freeTcpPort() { return freshPort(SOCK_STREAM); }
std::uint16_t freeUdpPort() { return freshPort(SOCK_DGRAM); }

bool tcpPortAccepts(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

bool udpPortBound(std::uint16_t port) {
  // Lines look like "  12: 0100007F:A029 00000000:0000 07 …": local address:port in hex.
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      const auto colon = line.find(':', line.find(':') + 1);
      if (colon == std::string::npos) continue;
      unsigned local_port = 0;
      if (std::sscanf(line.c_str() + colon + 1, "%x", &local_port) == 1 && local_port == port) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace mls::test
