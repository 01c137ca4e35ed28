// Accepting any server certificate on a GSocketClient's TLS connections (see tls_trust.h).
#include "tls_trust.h"

namespace mls::fanout {
namespace {

gboolean acceptAnyCertificate(GTlsConnection*, GTlsCertificate*, GTlsCertificateFlags,
                              gpointer) noexcept {
  return TRUE;
}

void onClientEvent(GSocketClient*, GSocketClientEvent event, GSocketConnectable*,
                   GIOStream* connection, gpointer) noexcept {
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CLIENT_CONNECTION(connection))
    g_signal_connect(connection, "accept-certificate", G_CALLBACK(acceptAnyCertificate), nullptr);
}

}  // namespace

void trustAnyServerCertificate(GSocketClient* client) {
  g_signal_connect(client, "event", G_CALLBACK(onClientEvent), nullptr);
}

}  // namespace mls::fanout
