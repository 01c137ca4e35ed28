// HTTP helpers for tests that drive mlsd (or a peer's HTTP endpoint) over loopback.
//
// HttpClient sends synchronous requests through a SoupSession bound to a private GMainContext,
// so a request never dispatches the test's own main-context sources. request() uses one client
// per calling thread. SseClient reads a text/event-stream on its own thread (with its own
// context) and collects the events; tests wait for one with waitForEvent().
//
// Thread-bound: an HttpClient is used from the thread that created it. SseClient is used from one
// test thread; its reader thread only touches the event list under a mutex.
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mls::test {

struct JsonNodeFree {
  void operator()(JsonNode* node) const noexcept {
    if (node) json_node_unref(node);
  }
};
using JsonNodePtr = std::unique_ptr<JsonNode, JsonNodeFree>;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  unsigned status = 0;  // 0: no HTTP response at all; `error` says why
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string error;

  // The header's value, "" when absent (`name` in any case).
  std::string header(const std::string& name) const;
  // The body parsed as JSON, nullptr when it is not JSON.
  JsonNodePtr json() const;
};

// Parses JSON text; nullptr when it is not valid JSON.
JsonNodePtr parseJson(const std::string& text);

// Looks up a dotted path in a JSON tree: "error.code", "inputs.0.name" (numbers index arrays).
// nullptr when any step is missing. The node belongs to `root`.
JsonNode* jsonAt(JsonNode* root, const std::string& path);
std::optional<std::string> jsonString(JsonNode* root, const std::string& path);
std::optional<std::int64_t> jsonInt(JsonNode* root, const std::string& path);
std::optional<double> jsonDouble(JsonNode* root, const std::string& path);
std::optional<bool> jsonBool(JsonNode* root, const std::string& path);
// Number of elements of the array (or members of the object) at `path`; -1 if neither.
int jsonSize(JsonNode* root, const std::string& path);

class HttpClient {
 public:
  explicit HttpClient(std::chrono::seconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `body` (Content-Type application/json unless `headers` names one; no body when
  // empty) and reads the whole response.
  HttpResponse request(const std::string& method, const std::string& url,
                       const std::string& body = {}, const Headers& headers = {});

 private:
  GMainContext* context_;  // private, pushed as thread-default around each request
  SoupSession* session_;
};

// request() through this thread's HttpClient.
HttpResponse request(const std::string& method, const std::string& url,
                     const std::string& body = {}, const Headers& headers = {});

struct SseEvent {
  std::string id;     // the last id seen (SSE semantics), "" if none yet
  std::string event;  // "message" when the event had no "event:" field
  std::string data;   // data lines joined with '\n'
};

class SseClient {
 public:
  // Connects to `url` (GET, Accept: text/event-stream, plus `headers`, e.g. Last-Event-ID).
  explicit SseClient(std::string url, Headers headers = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Waits until the response headers arrived; true if the status is 200.
  bool waitConnected(std::chrono::milliseconds timeout);
  unsigned status() const { return status_.load(); }
  // Whether the stream ended (server closed it, or an error); lastError() says which.
  bool closed() const { return closed_.load(); }
  std::string lastError() const;
  // Comment lines (": keepalive") received so far.
  int comments() const { return comments_.load(); }
  // The last "retry:" value received, -1 if none.
  int retryMs() const { return retryMs_.load(); }

  // Waits for the next event, after the one the previous call returned, whose type is `type`
  // ("" = any) and that satisfies `predicate` (none = any). Events passed over are not offered
  // again. Iterates the caller's main context while waiting.
  std::optional<SseEvent> waitForEvent(const std::string& type,
                                       const std::function<bool(const SseEvent&)>& predicate,
                                       std::chrono::milliseconds timeout);
  std::optional<SseEvent> waitForEvent(const std::string& type, std::chrono::milliseconds timeout);
  // Every event received so far.
  std::vector<SseEvent> events() const;

 private:
  void run() noexcept;  // the reader thread
  void readNextLine();
  void onLine(const char* line);
  void dispatch();
  static void onSent(GObject* source, GAsyncResult* result, gpointer self) noexcept;
  static void onLineRead(GObject* source, GAsyncResult* result, gpointer self) noexcept;
  void finish(const std::string& error);

  const std::string url_;
  const Headers headers_;
  GMainContext* context_;      // the reader thread's context
  GCancellable* cancellable_;  // cancelled by the destructor (thread-safe)
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned> status_{0};
  std::atomic<bool> connected_{false};
  std::atomic<bool> closed_{false};
  std::atomic<int> comments_{0};
  std::atomic<int> retryMs_{-1};

  // Reader-thread only:
  SoupSession* session_ = nullptr;
  SoupMessage* message_ = nullptr;
  GDataInputStream* stream_ = nullptr;
  int pending_ = 0;  // async operations in flight
  std::string lastId_;
  std::string eventType_;
  std::string data_;
  bool hasData_ = false;

  mutable std::mutex mutex_;
  std::vector<SseEvent> events_;  // protected by mutex_
  std::string error_;             // protected by mutex_
  std::size_t cursor_ = 0;        // test thread only: next event waitForEvent() looks at

  std::thread thread_;
};

}  // namespace mls::test
