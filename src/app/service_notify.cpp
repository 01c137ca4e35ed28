// sd_notify towards the service manager. See service_notify.h.
#include "app/service_notify.h"

#include <glib.h>

#include "core/log.h"
#include "mls_config.h"

#if MLS_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace mls::app {

bool ServiceNotify::available() {
#if MLS_HAVE_LIBSYSTEMD
  return g_getenv("NOTIFY_SOCKET") != nullptr;
#else
  return false;
#endif
}

void ServiceNotify::ready(const std::string& status) {
#if MLS_HAVE_LIBSYSTEMD
  if (!available()) return;
  std::string message = "READY=1\nSTATUS=" + status;
  sd_notify(0, message.c_str());
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    guint interval_ms = static_cast<guint>(std::max<uint64_t>(usec / 2000, 1));
    MLS_INFO("main", "systemd watchdog: pinging every %u ms", interval_ms);
    watchdog_ = SourceGuard::timeout(interval_ms, []() {
      sd_notify(0, "WATCHDOG=1");
      return G_SOURCE_CONTINUE;
    });
  }
  MLS_INFO("main", "told systemd: ready");
#else
  (void)status;
#endif
}

void ServiceNotify::stopping() {
  watchdog_.reset();
#if MLS_HAVE_LIBSYSTEMD
  if (available()) sd_notify(0, "STOPPING=1\nSTATUS=draining pipelines");
#endif
}

}  // namespace mls::app
