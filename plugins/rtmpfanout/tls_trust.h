// trustAnyServerCertificate: makes a GSocketClient accept any server certificate on the TLS
// connections it makes (rtmps:// with validation turned off: a self-signed test server, a
// private ingest). Shared by mlsrtmpfanout's destinations and mlsrtmpsrc. Any thread; the
// callbacks run on the thread that connects.
#pragma once

#include <gio/gio.h>

namespace mls::fanout {

void trustAnyServerCertificate(GSocketClient* client);

}  // namespace mls::fanout
