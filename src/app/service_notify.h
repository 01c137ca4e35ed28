// ServiceNotify: tells a service manager how mlsd is doing, through sd_notify (libsystemd; a
// no-op when mlsd was built without it or runs without $NOTIFY_SOCKET): READY=1 once the API
// and the RTSP server listen and the state is loaded, STOPPING=1 when shutdown begins, and
// WATCHDOG=1 pings from a main-loop timer every half $WATCHDOG_USEC. The pings come from the
// main loop itself, so a wedged loop stops them and systemd restarts mlsd (WatchdogSec= in
// packaging/mlsd.service); they stop too while /healthz would fail (shutdown).
// Owned by the Server; main thread.
#pragma once

#include <string>

#include "core/gobj.h"

namespace mls::app {

class ServiceNotify {
 public:
  ServiceNotify() = default;
  ServiceNotify(const ServiceNotify&) = delete;
  ServiceNotify& operator=(const ServiceNotify&) = delete;

  // True when built with libsystemd and a service manager is listening ($NOTIFY_SOCKET).
  static bool available();

  // READY=1 with a STATUS= line; starts the watchdog pings when the manager asked for them.
  void ready(const std::string& status);
  // STOPPING=1; the watchdog pings end.
  void stopping();

 private:
  SourceGuard watchdog_;
};

}  // namespace mls::app
