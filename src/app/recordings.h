// Recordings: the recording catalog (recordings/catalog.h), its retention
// (recordings/retention.h) and the events it publishes (api/recordings_events.h), put together
// for the Server. start() creates the recordings directory and starts watching and scanning it
// (before the audit's baseline: GLib's inotify fd and worker thread are the process's from
// then on); connect() publishes the catalog's changes on the API's event streams once the API
// exists and lets each new or closed segment trigger retention (which also runs once the first
// scan is done, and every minute); stop() ends monitoring and
// retention and waits for the catalog's worker job, before the exit audit. Owned by the Server;
// main thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/recordings_events.h"
#include "api/sse_broker.h"
#include "app/config.h"
#include "core/result.h"
#include "recordings/catalog.h"
#include "recordings/retention.h"

namespace mls::app {

class Recordings {
 public:
  // `max_age_s` gives an input's maximum segment age (its override, else the server's).
  Recordings(const ServerOptions& options, std::function<int64_t(const std::string&)> max_age_s);
  ~Recordings();
  Recordings(const Recordings&) = delete;
  Recordings& operator=(const Recordings&) = delete;

  Result<void> start();
  void connect(api::EventSink sink, api::SseBroker& nudges);
  void stop();

  recordings::Catalog& catalog() { return *catalog_; }

 private:
  std::unique_ptr<recordings::Catalog> catalog_;
  std::unique_ptr<recordings::Retention> retention_;
  std::unique_ptr<api::RecordingEvents> events_;
  SourceGuard first_pass_;  // runs retention once the first scan is done
};

}  // namespace mls::app
