// Destination: one RTMP/RTMPS publish connection of the fan-out, from connect to unpublish, and
// its reconnect policy. The socket part of the element: an RtmpSession (the protocol) over a
// non-blocking GIOStream (GSocketConnection, or GTlsClientConnection for rtmps), a Backlog of the
// bytes it still has to write, and a write that gathers the whole backlog into one
// g_pollable_output_stream_writev_nonblocking() per batch window.
//
// Lifecycle: connecting (TCP/TLS connect, handshake, connect/createStream/publish) → live (on
// NetStream.Publish.Start: the stream headers and the cached GOP are queued first, then every
// new packet) → on a transient error (refused, reset, EOF, timeout, stalled writes) retrying,
// with exponential backoff from reconnect-min to reconnect-max (reset once live) → connecting…;
// on a permanent error (stream key or app rejected) failed, for good. stop()/finish() end it.
//
// Thread-bound to the engine's event loop thread: every method and every GSource callback runs
// there. Async callbacks hold a weak_ptr, so a destination removed meanwhile is not touched.
#pragma once

#include <gio/gio.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backlog.h"
#include "fanout_settings.h"
#include "packet.h"
#include "rtmp_session.h"
#include "rtmp_url.h"

namespace mls::fanout {

class Destination : public std::enable_shared_from_this<Destination> {
 public:
  using Clock = std::chrono::steady_clock;
  struct Hooks {
    // The state or last error changed (stats are a copy).
    std::function<void(const DestinationStats&)> changed;
    // Went live: returns what a joining destination is sent first (headers + GOP).
    std::function<std::vector<PacketPtr>()> joinPackets;
    // Async operations in flight (connects), shared with the engine, which waits for none to be
    // pending before its thread ends (their callbacks need the context to run).
    std::shared_ptr<std::atomic<int>> pendingOps;
  };

  Destination(std::string id, RtmpUrl url, const FanoutSettings& settings, GMainContext* context,
              Hooks hooks);
  ~Destination();
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;

  // Starts the first connection attempt.
  void begin();
  // A new packet of the stream: queued if live (under the backlog's drop rule).
  void deliver(const PacketPtr& packet);
  // Writes what is queued (one writev, more while the socket accepts).
  void flush();
  // Timeouts and due reconnects; called by the engine's timer.
  void tick(Clock::time_point now);
  // End of stream: when live, write the backlog, then FCUnpublish + deleteStream, then close;
  // otherwise close now. done() becomes true.
  void finish();
  // Removed: unpublish as far as the socket takes it right now, close, state stopped.
  void stop();
  bool done() const;

  const std::string& id() const { return stats_.id; }
  const DestinationStats& stats() const { return stats_; }

 private:
  void connect();
  static void onConnected(GObject* source, GAsyncResult* result, gpointer data) noexcept;
  void connected(GSocketConnection* connection);
  static gboolean onReadable(GObject* stream, gpointer data) noexcept;
  static gboolean onWritable(GObject* stream, gpointer data) noexcept;
  void readAvailable();
  void goLive();
  void sendNow(const std::vector<std::vector<std::uint8_t>>& urgent,
               const std::vector<std::vector<std::uint8_t>>& ordered);
  void failure(const std::string& error, bool permanent);
  void closeConnection();
  void setState(DestinationState state, const std::string& error = {});

  RtmpUrl url_;
  FanoutSettings settings_;
  GMainContext* context_;
  Hooks hooks_;
  DestinationStats stats_;

  GSocketClient* client_ = nullptr;
  GCancellable* cancellable_ = nullptr;  // of the connect in progress
  GIOStream* stream_ = nullptr;          // GSocketConnection (TLS wrapped for rtmps)
  GPollableInputStream* in_ = nullptr;
  GPollableOutputStream* out_ = nullptr;
  GSource* readSource_ = nullptr;
  GSource* writeSource_ = nullptr;  // only while the socket refuses more bytes
  std::unique_ptr<RtmpSession> session_;
  Backlog backlog_;

  Clock::time_point attemptStarted_{};
  Clock::time_point lastProgress_{};  // last write that moved bytes, or the backlog was empty
  Clock::time_point retryAt_{};
  std::uint32_t backoffMs_ = 0;
  bool attempted_ = false;
  std::uint64_t attempt_ = 0;  // connect() calls so far
  bool finishing_ = false;     // EOS: unpublish once the backlog is written
  bool unpublishQueued_ = false;
  bool shutdownSent_ = false;  // the write side is shut after the unpublish
  std::vector<std::pair<const std::uint8_t*, std::size_t>> segments_;  // reused by flush()
};

}  // namespace mls::fanout
