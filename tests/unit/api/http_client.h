// A small HTTP client for the loopback tests, on SoupSession and the default main context:
// send() runs the context until the reply arrives (with a deadline), SseStream reads an event
// stream as it comes. No proxy, loopback only. Main thread.
#pragma once

#include <libsoup/soup.h>

#include <map>
#include <optional>
#include <string>

#include "core/gobj.h"

namespace mls::api::test {

struct HttpReply {
  int status = 0;  // 0: no reply (see error)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;
};

class HttpClient {
 public:
  HttpClient();
  HttpReply send(const std::string& method, const std::string& url, const std::string& body = {},
                 const std::string& content_type = "application/json",
                 const std::map<std::string, std::string>& headers = {}, bool chunked = false);
  SoupSession* session() const { return session_.get(); }

 private:
  GObjectPtr<SoupSession> session_;
};

// An open GET on an event stream; collects everything received.
class SseStream {
 public:
  SseStream(SoupSession* session, const std::string& url,
            const std::optional<std::string>& last_event_id = std::nullopt);
  ~SseStream();  // cancels and waits for pending callbacks
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  // Runs the main context until the received text contains `text` (true) or the deadline.
  bool waitFor(const std::string& text, int timeout_ms = 5000);
  bool waitForEnd(int timeout_ms = 5000);
  void close();  // cancels the read and closes the connection

  const std::string& received() const { return received_; }
  int status() const { return status_; }
  std::string header(const char* name) const;
  bool ended() const { return ended_; }

 private:
  static void onSent(GObject* source, GAsyncResult* result, gpointer self) noexcept;
  static void onRead(GObject* source, GAsyncResult* result, gpointer self) noexcept;
  void readMore();

  GObjectPtr<SoupMessage> msg_;
  GObjectPtr<GCancellable> cancellable_;
  GObjectPtr<GInputStream> stream_;
  std::string received_;
  int status_ = 0;
  bool pending_ = false;
  bool ended_ = false;
};

}  // namespace mls::api::test
