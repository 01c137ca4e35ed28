// Closes the keep-alive connections libsoup 3.2 forgets. See connection_reaper.h.
#include "api/connection_reaper.h"

#include <sys/socket.h>

#include <cerrno>

#include "core/gobj.h"
#include "core/log.h"

namespace mls::api {

namespace {

// Each connection's SoupServerConnection, kept on its GSocket (no reference: the connection
// holds the socket, and the reaper asks only for the sockets of live connections' messages).
GQuark connectionQuark() {
  static const GQuark quark = g_quark_from_static_string("mls-soup-server-connection");
  return quark;
}

// SoupListener::new-connection (listener, connection): tags the connection's socket, once per
// connection, before SoupServer takes the connection.
gboolean rememberConnection(GSignalInvocationHint*, guint n_params, const GValue* params,
                            gpointer) noexcept {
  if (n_params == 2 && G_VALUE_HOLDS_OBJECT(&params[1])) {
    auto* conn = static_cast<GObject*>(g_value_get_object(&params[1]));
    if (!conn) return TRUE;
    GSocket* socket = nullptr;
    g_object_get(conn, "socket", &socket, nullptr);
    if (socket) {
      g_object_set_qdata(G_OBJECT(socket), connectionQuark(), conn);
      g_object_unref(socket);
    }
  }
  return TRUE;  // stay installed
}

// Installs the emission hook once per process (it serves every SoupServer and only tags
// sockets). False while libsoup's listener and connection types are unknown or not shaped like
// 3.2's.
bool hookConnections() {
  static bool hooked = false;
  if (hooked) return true;
  const GType listener_type = g_type_from_name("SoupListener");
  const GType conn_type = g_type_from_name("SoupServerConnection");
  if (!listener_type || !G_TYPE_IS_OBJECT(listener_type) || !conn_type ||
      !G_TYPE_IS_OBJECT(conn_type))
    return false;
  // Kept for the process: the signals live in the classes.
  g_type_class_ref(listener_type);
  auto* conn_class = static_cast<GObjectClass*>(g_type_class_ref(conn_type));
  GParamSpec* socket_property = g_object_class_find_property(conn_class, "socket");
  if (!socket_property || socket_property->value_type != G_TYPE_SOCKET ||
      !(socket_property->flags & G_PARAM_READABLE))
    return false;
  const guint new_connection = g_signal_lookup("new-connection", listener_type);
  const guint disconnected = g_signal_lookup("disconnected", conn_type);
  if (!new_connection || !disconnected) return false;
  GSignalQuery query;
  g_signal_query(new_connection, &query);
  const bool new_connection_ok =
      query.n_params == 1 &&
      (query.param_types[0] & ~G_SIGNAL_TYPE_STATIC_SCOPE) == conn_type &&
      query.return_type == G_TYPE_NONE;
  g_signal_query(disconnected, &query);
  if (!new_connection_ok || query.n_params != 0 || query.return_type != G_TYPE_NONE) return false;
  g_signal_add_emission_hook(new_connection, 0, rememberConnection, nullptr, nullptr);
  hooked = true;
  return true;
}

// The SoupServerConnection of `msg`, from its socket's tag; nullptr for a connection that did
// not come from a listener.
GObject* connectionOf(SoupServerMessage* msg) {
  GSocket* socket = soup_server_message_get_socket(msg);
  return socket ? static_cast<GObject*>(g_object_get_qdata(G_OBJECT(socket), connectionQuark()))
                : nullptr;
}

// Just below libsoup's own socket watch (G_PRIORITY_DEFAULT): when both are ready, GLib
// dispatches only libsoup's in that iteration.
constexpr int kWatchPriority = G_PRIORITY_DEFAULT + 1;

}  // namespace

struct ConnectionReaper::Connection {
  ConnectionReaper* owner = nullptr;
  GObjectPtr<GObject> conn;  // the SoupServerConnection
  GObjectPtr<GSocket> socket;
  gulong disconnected_handler = 0;
  bool idle = false;  // between a response and the next request
  SourceGuard watch;  // set when a sweep found the idle socket at EOF
};

bool ConnectionReaper::needed() {
  return soup_get_major_version() == 3 && soup_get_minor_version() < 3;
}

ConnectionReaper::ConnectionReaper(SoupServer* server) : server_(server) {}

ConnectionReaper::~ConnectionReaper() {
  sweep_.reset();
  if (started_handler_) g_signal_handler_disconnect(server_, started_handler_);
  for (auto& [conn, connection] : connections_)
    g_signal_handler_disconnect(conn, connection->disconnected_handler);
  connections_.clear();
}

bool ConnectionReaper::enable() {
  if (started_handler_) return true;
  if (!hookConnections()) {
    MLS_WARN("api", "libsoup %u.%u: its connection type is not the expected one",
             soup_get_major_version(), soup_get_minor_version());
    return false;
  }
  started_handler_ =
      g_signal_connect(server_, "request-started", G_CALLBACK(onRequestStarted), this);
  return true;
}

size_t ConnectionReaper::idle() const {
  size_t n = 0;
  for (const auto& [conn, connection] : connections_)
    if (connection->idle) ++n;
  return n;
}

ConnectionReaper::Connection* ConnectionReaper::find(SoupServerMessage* msg) {
  GObject* conn = connectionOf(msg);
  if (!conn) return nullptr;
  auto it = connections_.find(conn);
  return it == connections_.end() ? nullptr : it->second.get();
}

ConnectionReaper::Connection* ConnectionReaper::track(SoupServerMessage* msg) {
  if (Connection* known = find(msg)) return known;
  GObject* conn = connectionOf(msg);
  GSocket* socket = soup_server_message_get_socket(msg);
  if (!conn || !socket) return nullptr;  // not a listener's connection: nothing to watch
  auto connection = std::make_unique<Connection>();
  connection->owner = this;
  connection->conn = retain(conn);
  connection->socket = retain(socket);
  connection->disconnected_handler =
      g_signal_connect(conn, "disconnected", G_CALLBACK(onDisconnected), this);
  if (!sweep_)
    sweep_ = SourceGuard::timeout(kSweepMs, [this]() -> gboolean {
      if (connections_.empty()) {
        sweep_ = SourceGuard();
        return G_SOURCE_REMOVE;
      }
      sweep();
      return G_SOURCE_CONTINUE;
    });
  return connections_.emplace(conn, std::move(connection)).first->second.get();
}

void ConnectionReaper::onRequestStarted(SoupServer*, SoupServerMessage* msg,
                                        gpointer self) noexcept {
  // The first message of a connection starts when it is accepted; later ones with their first
  // byte. Either way the connection is busy until its response is written.
  if (Connection* connection = static_cast<ConnectionReaper*>(self)->track(msg)) {
    connection->idle = false;
    connection->watch.reset();
  }
}

void ConnectionReaper::requestFinished(SoupServerMessage* msg) {
  // Emitted before libsoup decides whether the connection stays: if it does not, it
  // disconnects right after and onDisconnected() forgets the connection, watch included.
  if (Connection* connection = find(msg)) connection->idle = true;
}

void ConnectionReaper::sweep() {
  for (auto& [conn, connection] : connections_) {
    if (!connection->idle || connection->watch || g_socket_is_closed(connection->socket.get()))
      continue;
    char byte = 0;
    const ssize_t n =
        recv(g_socket_get_fd(connection->socket.get()), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    // Nothing (the client keeps the connection for later) or the first byte of a request
    // (libsoup reads it): nothing to do. EOF or an error: watch it, behind libsoup.
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
      continue;
    watch(*connection);
  }
}

void ConnectionReaper::onDisconnected(GObject* conn, gpointer self) noexcept {
  auto* reaper = static_cast<ConnectionReaper*>(self);
  auto it = reaper->connections_.find(conn);
  if (it == reaper->connections_.end()) return;
  g_signal_handler_disconnect(conn, it->second->disconnected_handler);
  reaper->connections_.erase(it);  // the emitter holds its own reference during the emission
}

void ConnectionReaper::watch(Connection& connection) {
  if (connection.watch || g_socket_is_closed(connection.socket.get())) return;
  GSource* source = g_socket_create_source(connection.socket.get(),
                                           GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), nullptr);
  g_source_set_priority(source, kWatchPriority);
  g_source_set_callback(source, G_SOURCE_FUNC(onIdleSocket), &connection, nullptr);
  g_source_attach(source, g_main_context_get_thread_default());
  connection.watch = SourceGuard(source);
}

gboolean ConnectionReaper::onIdleSocket(GSocket* socket, GIOCondition, gpointer data) noexcept {
  auto* connection = static_cast<Connection*>(data);
  char byte = 0;
  const ssize_t n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n > 0) {
    // A request is arriving and libsoup reads it (its request-started comes with the first
    // byte): not our business until it is answered.
    connection->watch.reset();
    return G_SOURCE_REMOVE;
  }
  // EOF or an error such as a reset: the client is gone, and libsoup, which ran first, has
  // already given up its blank message.
  connection->owner->reap(*connection);  // `connection` is gone after this
  return G_SOURCE_REMOVE;
}

void ConnectionReaper::reap(Connection& connection) {
  GObjectPtr<GObject> conn = retain(connection.conn.get());  // alive through the emission
  // The fd goes back now, whatever still holds the connection object.
  g_socket_close(connection.socket.get(), nullptr);
  ++reaped_;
  // As soup_server_connection_disconnect() ends: SoupServer's handler removes the connection
  // from its list and drops its reference; ours (onDisconnected) forgets it.
  g_signal_emit_by_name(conn.get(), "disconnected");
  auto it = connections_.find(conn.get());
  if (it != connections_.end()) {  // our handler did not run: forget it all the same
    g_signal_handler_disconnect(conn.get(), it->second->disconnected_handler);
    connections_.erase(it);
  }
  MLS_DEBUG("api", "closed an idle keep-alive connection its client had closed (%llu so far)",
            static_cast<unsigned long long>(reaped_));
}

}  // namespace mls::api
