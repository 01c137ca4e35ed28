// WriteCoalescer: sends an API response's status line, headers and body in one TCP segment.
//
// libsoup 3.2's server writes a response in two send() calls, the headers (io_write's HEADERS
// state) and then the body (its BODY state), and nothing in its API joins them. On loopback each
// send() runs the whole delivery to the client inside it and wakes the client, which then finds
// half a response and waits again: for small JSON answers that was about 13 % of mlsd's main
// thread (perf, docs/benchmarks.md) and as much again in the client. So for a response whose
// body ApiServer sets at once, cork() sets TCP_CORK on the connection's socket before libsoup
// writes, and the server's "request-finished" signal (emitted once the body is written; ApiServer
// forwards it to requestFinished()) uncorks it: the kernel then sends what it holds as one segment. The kernel also sends corked
// data by itself after 200 ms, so a response that never finishes is late, not lost. Streamed
// bodies (event streams, downloads) are never corked.
//
// Owned by ApiServer; main thread (the SoupServer's context).
#pragma once

#include <libsoup/soup.h>

#include <unordered_set>

namespace mls::api {

class WriteCoalescer {
 public:
  WriteCoalescer() = default;
  ~WriteCoalescer();
  WriteCoalescer(const WriteCoalescer&) = delete;
  WriteCoalescer& operator=(const WriteCoalescer&) = delete;

  // Holds `msg`'s response on its socket until the message is finished. Call it when setting
  // a response whose whole body is known (not for streams, downloads or paused messages).
  void cork(SoupServerMessage* msg);
  // Called by ApiServer on the server's "request-finished": sends what `msg` left corked.
  void requestFinished(SoupServerMessage* msg);

  size_t corked() const { return corked_.size(); }

 private:
  // The fds of the sockets corked now. A connection that goes away unfinished leaves its fd
  // here; the next connection given that fd number is uncorked once for nothing.
  std::unordered_set<int> corked_;
};

}  // namespace mls::api
