// ConnectionReaper: lets the API server keep HTTP/1.1 connections alive on libsoup 3.2 without
// leaking the ones their clients close.
//
// The leak (libsoup 3.2.x; fixed upstream in 3.3.0 by commit d20c660): once a keep-alive
// response is written, soup_server_message_io_http1_finished()
// (libsoup/server/http1/soup-server-message-io-http1.c) puts a blank SoupServerMessage on the
// connection and watches the socket for the next request. That message only "starts" (the
// connection's request-started, after which SoupServer gives it its completion callback) when a
// byte of a request has arrived. When the client closes the connection instead, the read gets
// EOF, io_run() fails the blank message, and soup_server_message_io_http1_finished() runs with
// no completion callback and a connection it does not keep: it neither re-arms nor calls
// soup_server_connection_disconnect(). The SoupServerConnection stays in the server's client
// list with its socket open (CLOSE_WAIT) and unwatched until soup_server_disconnect(): one fd
// and a few KB per connection a client closes between requests. 3.3.0 disconnects it there.
//
// What the reaper does from outside, on 3.2 only: it marks each connection idle between a
// response and the next request (the idle window), and every kSweepMs, while it knows any
// connection, peeks at the sockets of the idle ones. One that shows EOF (or a reset) gets a
// watch at a priority just below libsoup's own (G_PRIORITY_DEFAULT), so on that readable socket
// libsoup always runs first. When the reaper's watch fires and a peek still finds EOF, libsoup
// has already failed its blank message: the reaper closes the socket and emits the connection's
// "disconnected" signal, which is how soup_server_connection_disconnect() ends. The server then
// drops the connection from its list with its last reference, and the connection's finalizer
// frees the rest. A byte of a new request instead means libsoup reads it: the reaper lets it be.
//
// The sweep replaced a watch attached for every idle window: under keep-alive load that was a
// GSource created, attached and destroyed per request, and each attach and destroy of a polled
// fd wakes the main context (an eventfd write and an extra poll); about 4-5 % of the main
// thread at 5,000 requests/s (docs/benchmarks.md). A closed connection now gives its fd back
// within kSweepMs instead of at once.
//
// SoupServerConnection is private in 3.2 (SoupServer's signals only pass the message): the
// reaper learns each connection once, from an emission hook on the private listener's
// "new-connection" signal (which runs before SoupServer takes the connection), and tags the
// connection's GSocket with it; a message leads to its connection through
// soup_server_message_get_socket(). (A hook on the connection's "request-started" instead, as
// before, ran for every request and took GLib's slow emission path for each.) If the types,
// their signals or the connection's "socket" property are not what 3.2 has, enable() fails and
// ApiServer closes every connection after its response instead (the old workaround).
//
// ApiServer forwards the server's "request-finished" (requestFinished()), so that one handler
// serves both this and the WriteCoalescer: a signal with a single handler is emitted on GLib's
// fast path.
//
// Owned by ApiServer; main thread (the SoupServer's context).
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "core/gobj.h"

namespace mls::api {

class ConnectionReaper {
 public:
  // How often the idle connections' sockets are peeked at.
  static constexpr guint kSweepMs = 500;

  // Whether this libsoup has the leak (3.x before 3.3).
  static bool needed();

  explicit ConnectionReaper(SoupServer* server);
  ~ConnectionReaper();
  ConnectionReaper(const ConnectionReaper&) = delete;
  ConnectionReaper& operator=(const ConnectionReaper&) = delete;

  // Starts tracking the server's connections. libsoup registers its connection type when the
  // server first listens, so call it after listening. False (and nothing tracked) when libsoup's
  // connection type does not look like 3.2's.
  bool enable();

  // Called by ApiServer on the server's "request-finished": `msg`'s connection is idle now.
  void requestFinished(SoupServerMessage* msg);

  // Connections the reaper knows, those in their idle window, and how many it has closed.
  size_t connections() const { return connections_.size(); }
  size_t idle() const;
  uint64_t reaped() const { return reaped_; }

 private:
  struct Connection;
  static void onRequestStarted(SoupServer* server, SoupServerMessage* msg, gpointer self) noexcept;
  static void onDisconnected(GObject* conn, gpointer self) noexcept;
  static gboolean onIdleSocket(GSocket* socket, GIOCondition condition, gpointer data) noexcept;
  void sweep();
  Connection* find(SoupServerMessage* msg);
  Connection* track(SoupServerMessage* msg);
  void watch(Connection& connection);
  void reap(Connection& connection);

  SoupServer* server_;
  gulong started_handler_ = 0;
  // Keyed by the SoupServerConnection, which each entry holds a reference to until libsoup
  // disconnects it.
  std::unordered_map<GObject*, std::unique_ptr<Connection>> connections_;
  SourceGuard sweep_;  // every kSweepMs while connections_ is not empty
  uint64_t reaped_ = 0;
};

}  // namespace mls::api
