// Ingest: the publisher slot of a publish input (rtsp://HOST:PORT/<input>?mode=publish). An
// encoder pushes to the embedded RTSP server (ANNOUNCE/RECORD); the server's RECORD media
// depayloads each stream into the appsink of a Tap (tap.h) and claims this slot with those taps.
// The input's InputRunner then builds its input pipeline with one appsrc per stream and attaches
// them: each appsrc is a Feed of its stream's tap. So the bridge is the appsink → appsrc seam
// outputs already use: the RECORD media (owned by gst-rtsp-server) and the input pipeline (owned
// by mls) share no element, clock or state change, an input pipeline that fails or restarts
// cannot stall the publisher's connection, and a publisher that vanishes only stops the buffers.
// (proxysink/proxysrc would couple both pipelines' states and base times; the RECORD pipeline
// cannot be the input pipeline, gst-rtsp-server owns and tears it down.)
//
// One publisher at a time: claim() fails while a session holds the slot, and after close().
//
// Threads: claim() runs on a gst-rtsp-server client thread (while the ANNOUNCE is handled),
// release() on whatever thread unprepares or destroys the RECORD media; both post the news
// (`arrived`, `left`) to the main context. attach(), detach(), close() and the events run on the
// main thread. `lock_` protects the session and its feeds; it is taken before a tap's own lock.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "media/tap.h"

namespace mls::media {

// One stream of a publisher's RECORD media.
struct IngestStream {
  std::string codec;   // "h264", "h265", "aac", "mp3", "opus"
  Tap* tap = nullptr;  // owned by the RECORD media's bin; valid until release()
};

class Ingest : public std::enable_shared_from_this<Ingest> {
 public:
  struct Events {
    std::function<void(uint64_t session)> arrived;  // main thread: a publisher claimed the slot
    std::function<void(uint64_t session)> left;     // main thread: its media is gone
  };

  Ingest(std::string input, Events events);
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  const std::string& input() const { return input_; }

  // Any thread. A publisher with these streams takes the slot: its session id, or 0 when
  // another one holds it or the ingest is closed. `client` is the publisher's address;
  // `disconnect` ends its connection (main thread; see disconnect()).
  uint64_t claim(std::vector<IngestStream> streams, std::string client,
                 std::function<void()> disconnect);
  // Any thread; idempotent. The session's media is gone: its taps are not used any more.
  void release(uint64_t session);
  // Any thread: a publisher holds the slot.
  bool busy() const;

  // Main thread. The codecs of the session's streams, in order (empty when it is gone).
  std::vector<std::string> codecs(uint64_t session) const;
  // The publisher's address ("" when the session is gone).
  std::string client(uint64_t session) const;
  // Feeds `sources[i]` (an appsrc of the input pipeline, or null) from stream i of the session.
  // False when the session is gone.
  bool attach(uint64_t session, const std::vector<GstElement*>& sources);
  // Stops feeding the attached appsrcs (before their pipeline is disposed).
  void detach();
  // Ends the publisher's connection if `session` still holds the slot (its input failed: a
  // stall, an error), even before it set up a stream; its media then goes and releases the slot.
  void disconnect(uint64_t session);
  // No more claims or events (the input is stopped or deleted).
  void close();

 private:
  struct Session {
    uint64_t id = 0;
    std::vector<IngestStream> streams;
    std::string client;
    std::function<void()> disconnect;
    std::vector<std::pair<Tap*, std::shared_ptr<Feed>>> feeds;
  };
  void post(uint64_t session, bool arrived);

  const std::string input_;
  Events events_;        // main thread
  bool closed_ = false;  // main thread (the posted events check it)

  mutable std::mutex lock_;
  Session session_;        // protected by lock_; id 0: nobody publishes
  bool accepting_ = true;  // protected by lock_: false once closed
  uint64_t next_id_ = 1;   // protected by lock_
};

// What accepts publishers for publish inputs (the embedded RTSP server), as the media layer sees
// it. Implemented by rtsp::RtspPublisher; RunContext holds a non-owning pointer (null when
// there is no RTSP server). Main thread.
class IngestHost {
 public:
  virtual ~IngestHost() = default;
  // Accepts publishers of `input` at rtsp://HOST:PORT/<input> into `ingest` until closeIngest().
  virtual Result<void> openIngest(const std::string& input, std::shared_ptr<Ingest> ingest) = 0;
  // Stops accepting them; the publisher and the readers of the input are disconnected.
  virtual void closeIngest(const std::string& input) = 0;
};

}  // namespace mls::media
