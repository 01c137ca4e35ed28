// Destination: one publish connection, its writes and its reconnect policy (see destination.h).
#include "destination.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>

#include "tls_trust.h"

// Destinations are thread-bound to the engine's loop thread, which owns context_: checked where
// the engine calls in (not per packet).
#define MLS_ASSERT_LOOP_THREAD() g_assert(g_main_context_is_owner(context_))

namespace mls::fanout {
namespace {

constexpr std::size_t kMaxSegments = 64;  // iovecs per writev
constexpr std::size_t kReadSize = 16 * 1024;

// The connect callback's reference: the destination if it still exists, and the counter the
// engine waits on (decremented even when the destination is gone).
struct ConnectOp {
  std::weak_ptr<Destination> self;
  std::shared_ptr<std::atomic<int>> pending;
  std::uint64_t attempt;  // which connect() started it: a late result of an older one is dropped
};

}  // namespace

const char* stateName(DestinationState state) {
  switch (state) {
    case DestinationState::Idle:
      return "idle";
    case DestinationState::Connecting:
      return "connecting";
    case DestinationState::Live:
      return "live";
    case DestinationState::Retrying:
      return "retrying";
    case DestinationState::Failed:
      return "failed";
    case DestinationState::Stopped:
      return "stopped";
  }
  return "unknown";
}

Destination::Destination(std::string id, RtmpUrl url, const FanoutSettings& settings,
                         GMainContext* context, Hooks hooks)
    : url_(std::move(url)),
      settings_(settings),
      context_(context),
      hooks_(std::move(hooks)),
      backlog_(settings.maxBacklogBytes),
      backoffMs_(settings.reconnectMinMs) {
  stats_.id = std::move(id);
  stats_.url = url_.masked();
  client_ = g_socket_client_new();
  // An RTMP URL names its server: no system proxy lookup (libproxy would run on a thread pool for
  // every attempt).
  g_socket_client_set_enable_proxy(client_, FALSE);
  if (url_.tls) {
    g_socket_client_set_tls(client_, TRUE);
    if (!settings_.tlsValidate) trustAnyServerCertificate(client_);
  }
}

Destination::~Destination() {
  MLS_ASSERT_LOOP_THREAD();
  closeConnection();
  g_clear_object(&client_);
}

void Destination::begin() {
  MLS_ASSERT_LOOP_THREAD();
  connect();
}

bool Destination::done() const {
  return stats_.state == DestinationState::Stopped || stats_.state == DestinationState::Failed;
}

void Destination::connect() {
  closeConnection();
  backlog_.clear();
  session_ = std::make_unique<RtmpSession>(url_, settings_.chunkSize);
  attemptStarted_ = Clock::now();
  if (attempted_) ++stats_.reconnects;
  attempted_ = true;
  setState(DestinationState::Connecting);
  cancellable_ = g_cancellable_new();
  hooks_.pendingOps->fetch_add(1);
  auto* op = new ConnectOp{weak_from_this(), hooks_.pendingOps, ++attempt_};
  g_socket_client_connect_to_host_async(client_, url_.hostAndPort().c_str(), url_.port,
                                        cancellable_, onConnected, op);
}

void Destination::onConnected(GObject* source, GAsyncResult* result, gpointer data) noexcept {
  std::unique_ptr<ConnectOp> op(static_cast<ConnectOp*>(data));
  op->pending->fetch_sub(1);
  g_autoptr(GError) error = nullptr;
  GSocketConnection* connection =
      g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(source), result, &error);
  std::shared_ptr<Destination> self = op->self.lock();
  if (!self || op->attempt != self->attempt_ || self->stream_) {
    g_clear_object(&connection);
    return;
  }
  if (!connection) {
    // Cancelled: whoever cancelled has already moved the state on.
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      self->failure(std::string("connect: ") + error->message, false);
    return;
  }
  self->connected(connection);
}

void Destination::connected(GSocketConnection* connection) {
  g_clear_object(&cancellable_);
  stream_ = G_IO_STREAM(connection);  // adopted
  GSocket* socket = g_socket_connection_get_socket(connection);
  g_autoptr(GError) ignored = nullptr;
  g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, &ignored);
  GInputStream* in = g_io_stream_get_input_stream(stream_);
  GOutputStream* out = g_io_stream_get_output_stream(stream_);
  if (!G_IS_POLLABLE_INPUT_STREAM(in) || !G_IS_POLLABLE_OUTPUT_STREAM(out) ||
      !g_pollable_input_stream_can_poll(G_POLLABLE_INPUT_STREAM(in)) ||
      !g_pollable_output_stream_can_poll(G_POLLABLE_OUTPUT_STREAM(out))) {
    failure("connection streams are not pollable", true);
    return;
  }
  in_ = G_POLLABLE_INPUT_STREAM(in);
  out_ = G_POLLABLE_OUTPUT_STREAM(out);
  readSource_ = g_pollable_input_stream_create_source(in_, nullptr);
  g_source_set_callback(readSource_, G_SOURCE_FUNC(onReadable), this, nullptr);
  g_source_attach(readSource_, context_);
  lastProgress_ = Clock::now();
  backlog_.pushOwned(session_->start());
  flush();
}

gboolean Destination::onReadable(GObject*, gpointer data) noexcept {
  static_cast<Destination*>(data)->readAvailable();
  return G_SOURCE_CONTINUE;  // closeConnection() destroys the source if it must end
}

gboolean Destination::onWritable(GObject*, gpointer data) noexcept {
  auto* self = static_cast<Destination*>(data);
  self->flush();
  return self->writeSource_ ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void Destination::readAvailable() {
  std::uint8_t buffer[kReadSize];
  std::vector<std::vector<std::uint8_t>> urgent, ordered;
  while (in_) {
    g_autoptr(GError) error = nullptr;
    const gssize n =
        g_pollable_input_stream_read_nonblocking(in_, buffer, sizeof buffer, nullptr, &error);
    if (n > 0) {
      if (!session_->receive(buffer, static_cast<std::size_t>(n), urgent, ordered)) {
        failure(session_->error(), session_->permanent());
        return;
      }
      continue;
    }
    if (n == 0) {
      if (finishing_ && unpublishQueued_) {
        closeConnection();
        setState(DestinationState::Stopped);
      } else if (session_->publishPending()) {
        failure(
            "the server closed the connection in answer to publish (stream key or app "
            "rejected)",
            true);
      } else {
        failure("the server closed the connection", false);
      }
      return;
    }
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) break;
    failure(std::string("read: ") + error->message +
                (session_->publishPending() ? " (in answer to publish: stream key rejected)" : ""),
            session_->publishPending());
    return;
  }
  if (!urgent.empty() || !ordered.empty()) sendNow(urgent, ordered);
  if (out_ && session_ && session_->live() && stats_.state != DestinationState::Live) goLive();
}

void Destination::sendNow(const std::vector<std::vector<std::uint8_t>>& urgent,
                          const std::vector<std::vector<std::uint8_t>>& ordered) {
  for (auto it = urgent.rbegin(); it != urgent.rend(); ++it) backlog_.pushUrgent(*it);
  for (const auto& bytes : ordered) backlog_.pushOwned(bytes);
  flush();
}

void Destination::goLive() {
  backoffMs_ = settings_.reconnectMinMs;
  backlog_.setStreamId(session_->streamId());
  setState(DestinationState::Live);
  // A (re)joining destination starts decodable: the stream headers, then the current GOP.
  for (const PacketPtr& packet : hooks_.joinPackets()) deliver(packet);
  flush();
}

void Destination::deliver(const PacketPtr& packet) {
  if (stats_.state != DestinationState::Live || finishing_) return;
  if (backlog_.push(packet)) ++stats_.messages;
  stats_.dropped = backlog_.droppedPackets();
  stats_.dropEpisodes = backlog_.dropEpisodes();
}

void Destination::flush() {
  if (!out_) return;
  for (;;) {
    if (backlog_.empty()) {
      lastProgress_ = Clock::now();
      if (writeSource_) {
        g_source_destroy(writeSource_);
        g_source_unref(writeSource_);
        writeSource_ = nullptr;
      }
      if (finishing_ && stats_.state == DestinationState::Live && !unpublishQueued_) {
        // EOS, and everything before it is written: end the publish cleanly.
        unpublishQueued_ = true;
        backlog_.pushOwned(session_->unpublishBytes());
        continue;
      }
      if (unpublishQueued_ && !shutdownSent_ && stats_.state == DestinationState::Live) {
        // All written: half-close, so the server reads everything and then closes its side
        // (readAvailable() sees EOF → stopped). Closing outright could reset the connection if a
        // reply were still unread. TLS has no half-close here: its close follows the last write.
        shutdownSent_ = true;
        if (url_.tls) {
          closeConnection();
          setState(DestinationState::Stopped);
          return;
        }
        GSocket* socket = g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream_));
        g_socket_shutdown(socket, FALSE, TRUE, nullptr);
      }
      return;
    }
    backlog_.gather(segments_, kMaxSegments);
    GOutputVector vectors[kMaxSegments];
    for (std::size_t i = 0; i < segments_.size(); ++i)
      vectors[i] = GOutputVector{segments_[i].first, segments_[i].second};
    gsize written = 0;
    g_autoptr(GError) error = nullptr;
    const GPollableReturn r = g_pollable_output_stream_writev_nonblocking(
        out_, vectors, segments_.size(), &written, nullptr, &error);
    if (r == G_POLLABLE_RETURN_OK) {
      backlog_.consume(written);
      stats_.bytes += written;
      stats_.backlogBytes = backlog_.bytes();
      if (written > 0) lastProgress_ = Clock::now();
      continue;
    }
    if (r == G_POLLABLE_RETURN_WOULD_BLOCK) {
      if (!writeSource_) {
        writeSource_ = g_pollable_output_stream_create_source(out_, nullptr);
        g_source_set_callback(writeSource_, G_SOURCE_FUNC(onWritable), this, nullptr);
        g_source_attach(writeSource_, context_);
      }
      return;
    }
    failure(std::string("write: ") + (error ? error->message : "failed"), false);
    return;
  }
}

void Destination::tick(Clock::time_point now) {
  const auto timeout = std::chrono::milliseconds(settings_.timeoutMs);
  stats_.backlogBytes = backlog_.bytes();
  switch (stats_.state) {
    case DestinationState::Connecting:
      if (now - attemptStarted_ > timeout)
        failure("no publish within " + std::to_string(settings_.timeoutMs) + " ms", false);
      break;
    case DestinationState::Live:
      if (!backlog_.empty() && now - lastProgress_ > timeout)
        failure("the server read nothing for " + std::to_string(settings_.timeoutMs) + " ms",
                false);
      break;
    case DestinationState::Retrying:
      if (now >= retryAt_ && !finishing_) connect();
      break;
    default:
      break;
  }
}

void Destination::finish() {
  MLS_ASSERT_LOOP_THREAD();
  finishing_ = true;
  if (stats_.state == DestinationState::Live) {
    flush();
  } else if (!done()) {
    closeConnection();
    setState(DestinationState::Stopped);
  }
}

void Destination::stop() {
  MLS_ASSERT_LOOP_THREAD();
  if (stats_.state == DestinationState::Live && out_ && !unpublishQueued_) {
    unpublishQueued_ = true;
    backlog_.pushOwned(session_->unpublishBytes());
    finishing_ = true;  // flush() must not queue it again
    flush();            // as far as the socket takes it now; the rest goes with the connection
  }
  finishing_ = true;
  closeConnection();
  if (stats_.state != DestinationState::Stopped) setState(DestinationState::Stopped);
}

void Destination::failure(const std::string& error, bool permanent) {
  closeConnection();
  backlog_.clear();
  if (finishing_) {
    setState(DestinationState::Stopped, error);
  } else if (permanent) {
    setState(DestinationState::Failed, error);
  } else {
    retryAt_ = Clock::now() + std::chrono::milliseconds(backoffMs_);
    backoffMs_ = std::min(backoffMs_ * 2, settings_.reconnectMaxMs);
    setState(DestinationState::Retrying, error);
  }
}

void Destination::closeConnection() {
  if (cancellable_) {
    g_cancellable_cancel(cancellable_);
    g_clear_object(&cancellable_);
  }
  for (GSource** source : {&readSource_, &writeSource_}) {
    if (*source) {
      g_source_destroy(*source);
      g_source_unref(*source);
      *source = nullptr;
    }
  }
  in_ = nullptr;
  out_ = nullptr;
  if (stream_) {
    // A plain TCP close is immediate on a non-blocking socket. A TLS close would write
    // close_notify and may block: dropping the last reference closes the socket instead.
    if (!url_.tls) g_io_stream_close(stream_, nullptr, nullptr);
    g_clear_object(&stream_);
  }
}

void Destination::setState(DestinationState state, const std::string& error) {
  stats_.state = state;
  if (!error.empty()) stats_.error = error;
  stats_.backlogBytes = backlog_.bytes();
  stats_.dropped = backlog_.droppedPackets();
  if (hooks_.changed) hooks_.changed(stats_);
}

}  // namespace mls::fanout
