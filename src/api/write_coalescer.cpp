// One TCP segment per API response. See write_coalescer.h.
#include "api/write_coalescer.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace mls::api {

namespace {

void setCork(int fd, int on) { setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on); }

}  // namespace

WriteCoalescer::~WriteCoalescer() {
  // Whatever is still corked goes out now.
  for (int fd : corked_) setCork(fd, 0);
}

void WriteCoalescer::cork(SoupServerMessage* msg) {
  GSocket* socket = soup_server_message_get_socket(msg);
  if (!socket || g_socket_is_closed(socket)) return;
  const int fd = g_socket_get_fd(socket);
  if (corked_.insert(fd).second) setCork(fd, 1);
}

void WriteCoalescer::requestFinished(SoupServerMessage* msg) {
  if (corked_.empty()) return;
  GSocket* socket = soup_server_message_get_socket(msg);
  if (!socket) return;
  const int fd = g_socket_get_fd(socket);
  if (corked_.erase(fd) && !g_socket_is_closed(socket)) setCork(fd, 0);
}

}  // namespace mls::api
