// FileSender: streams file bodies (Response::file, recording downloads) to HTTP clients. For
// each download it reads the next chunk with pread() on GLib's thread pool (a GTask), appends
// it to the message's body and unpauses the message; the next read starts once the client has
// taken enough of what is queued (wrote-body-data), so a download holds at most
// kMaxQueued + kChunk bytes whatever the file's size, and a slow client just takes longer (no
// time limit: libsoup's server has no write timeout). Response bodies do not accumulate.
//
// libsoup 3 specifics: the response has Content-Length set and an empty body when the handler
// returns; libsoup writes the headers, pauses the message itself when the body runs dry, and
// each append + soup_server_message_unpause resumes it (the same as SSE, sse_broker.h).
//
// Owned by ApiServer; main thread. stop() forgets every download (their connections close
// right after); a read still running on the pool finishes in milliseconds and frees its fd when
// its result comes back to the main context.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <map>
#include <memory>

#include "api/http.h"

namespace mls::api {

class FileSender {
 public:
  static constexpr size_t kChunk = 256 * 1024;
  static constexpr size_t kMaxQueued = 512 * 1024;

  FileSender() = default;
  ~FileSender() { stop(); }
  FileSender(const FileSender&) = delete;
  FileSender& operator=(const FileSender&) = delete;

  // Starts sending `file` as the body of `msg` (inside the SoupServer handler, after the
  // status and headers are set, Content-Length included).
  void start(SoupServerMessage* msg, std::shared_ptr<FileBody> file);
  void stop();
  size_t active() const { return downloads_.size(); }

 private:
  struct Download;
  void readNext(uint64_t id);
  void drop(uint64_t id);
  static void onFinished(SoupServerMessage* msg, gpointer data) noexcept;
  static void onWroteBodyData(SoupServerMessage* msg, guint size, gpointer data) noexcept;
  static void runRead(GTask* task, gpointer source, gpointer data, GCancellable* c) noexcept;
  static void onRead(GObject* source, GAsyncResult* result, gpointer data) noexcept;

  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Download>> downloads_;
  std::shared_ptr<FileSender*> anchor_ = std::make_shared<FileSender*>(this);
};

}  // namespace mls::api
