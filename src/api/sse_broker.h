// SseBroker: the server-sent event stream GET /api/v1/events. It plays the api::EventSink role
// for the core: publish(type, json) gives each event the next id, keeps the last `history`
// events in a ring, and writes them to every connected client as
//   id: 42\nevent: output.state\ndata: {…one line of JSON…}\n\n
// A new stream starts with `retry: <ms>`; a client reconnecting with `Last-Event-ID` first gets
// the events it missed, or one `reset` event when they are no longer in the ring (it should then
// re-read the resources). A `: keepalive` comment goes out every keepalive interval, which also
// finds dead connections; a client whose unsent backlog exceeds kMaxBacklogBytes is cut off (it
// resumes with Last-Event-ID). closeAll() sends a final `shutdown` event and ends every stream.
//
// libsoup 3 specifics (measured): the response is chunked, the handler appends the first bytes
// without pausing; libsoup pauses the message itself when the body runs dry, and each later
// write is soup_message_body_append + soup_server_message_unpause. Response bodies do not
// accumulate, so a long stream costs no memory. These responses have no write timeout.
//
// Owned by ApiServer; lives on the main thread (publish must be called there too).
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "api/backend.h"
#include "core/gobj.h"

namespace mls::api {

class SseBroker {
 public:
  struct Options {
    unsigned keepalive_ms = 15000;
    size_t history = 1000;
    unsigned retry_ms = 2000;
    // false: a plain stream (Go-MLS /api/recording/sse): each event is only its `data:` lines
    // (no id, no event type, no resume), so EventSource's onmessage sees it; keepalive comments
    // and the closing of streams are the same.
    bool typed = true;
  };
  static constexpr size_t kMaxBacklogBytes = 4 * 1024 * 1024;

  explicit SseBroker(Options options);
  ~SseBroker();
  SseBroker(const SseBroker&) = delete;
  SseBroker& operator=(const SseBroker&) = delete;

  // Records the event and sends it to every client. `json` is one JSON value (newlines in it
  // are split over several `data:` lines, as the SSE format requires).
  void publish(const std::string& type, const std::string& json);
  // Sends a transient event (`stats`): no id, not kept, never replayed — it is stale a second
  // later, and a client's Last-Event-ID stays that of the last real event.
  void publishTransient(const std::string& type, const std::string& json);
  // publish() as an EventSink for the core; valid while the broker lives.
  EventSink sink();
  // Called at each publish() and publishTransient(), before the clients are written: ApiServer
  // drops its cached answers there (response_cache.h), as every event is news about them.
  void setPublishHook(std::function<void()> hook) { publish_hook_ = std::move(hook); }

  // Serves `msg` (a GET /api/v1/events request, inside the SoupServer handler) as an event
  // stream, honouring its Last-Event-ID header. After closeAll() it answers 503.
  void attach(SoupServerMessage* msg);

  // Sends `event: shutdown` with `final_event_json` to every client and ends their streams;
  // new clients are refused from then on. The bytes leave as the main loop runs: iterate it
  // until clientCount() is 0 (with a deadline) before stopping the server.
  void closeAll(const std::string& final_event_json);

  // Forgets every client without writing to it: for ApiServer::stop(), which closes the
  // connections right after (libsoup then tears them down without 'finished').
  void detachAll();

  size_t clientCount() const { return clients_.size(); }
  uint64_t lastEventId() const { return last_id_; }

  // The wire form of one event (pure).
  static std::string formatEvent(uint64_t id, const std::string& type, const std::string& data);
  static std::string formatData(const std::string& data);
  // What a stream starts with for a client that last saw `last_event_id` (nullopt: a new
  // client; an unparsable header counts as too far behind): `retry:`, then the missed events
  // or a `reset` event.
  std::string preamble(const std::optional<std::string>& last_event_id) const;

 private:
  struct Event {
    uint64_t id;
    std::string text;  // formatted
  };
  struct Client {
    GObjectPtr<SoupServerMessage> msg;
    gulong finished_handler = 0;
    gulong wrote_handler = 0;
    size_t backlog = 0;    // bytes appended but not yet written
    bool cut_off = false;  // disconnected for not reading; 'finished' follows
  };

  void send(uint64_t client_id, const std::string& text);
  void sendToAll(const std::string& text);
  void drop(uint64_t client_id);
  void updateKeepalive();
  static void onFinished(SoupServerMessage* msg, gpointer data) noexcept;
  static void onWroteBodyData(SoupServerMessage* msg, guint size, gpointer data) noexcept;

  Options options_;
  uint64_t last_id_ = 0;
  std::deque<Event> ring_;
  uint64_t next_client_id_ = 1;
  std::map<uint64_t, Client> clients_;
  SourceGuard keepalive_;
  bool closed_ = false;
  std::function<void()> publish_hook_;
};

}  // namespace mls::api
