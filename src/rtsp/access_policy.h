// AccessPolicy: who may do what on the embedded RTSP server, as a GstRTSPAuth subclass installed
// on it (always: the rules below hold with or without credentials). gst-rtsp-server asks its
// auth whether a request may use a mount's factory (auth.check.media.factory.access, then
// .construct) before it builds or finds media; this subclass answers by what the request does:
//
//  - publishing (ANNOUNCE, or a SETUP with mode=record) needs the publish credentials when
//    --rtsp-publish-credentials is set (401 otherwise), a mount that takes publishers (a publish
//    input: else 405 Method Not Allowed) and, for ANNOUNCE, nobody publishing there already
//    (else 503 Service Unavailable: the first publisher is left alone);
//  - reading (DESCRIBE, a SETUP to play) needs the read credentials when --rtsp-read-credentials
//    is set (401 otherwise) and a mount with media (a publish input with no publisher: 404).
//
// Credentials are checked by GstRTSPAuth itself (Basic and/or Digest, as configured): each user
// maps to a token whose role is "reader" or "publisher", and a role grants only its own side,
// so a reader's credentials never publish and a publisher's never play. Other checks (URL,
// TLS connection) keep GstRTSPAuth's defaults; client transport settings are never granted.
//
// Created and configured by RtspPublisher on the main thread before the server listens; check()
// runs on gst-rtsp-server client threads and reads only immutable fields and the factories'
// thread-safe state.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <string>

G_BEGIN_DECLS
#define MLS_TYPE_ACCESS_POLICY (mls_access_policy_get_type())
G_DECLARE_FINAL_TYPE(MlsAccessPolicy, mls_access_policy, MLS, ACCESS_POLICY, GstRTSPAuth)
G_END_DECLS

namespace mls::rtsp {

enum class Side { Read, Publish };

// A new policy: anyone may read and publish where the mounts allow (transfer full).
GstRTSPAuth* newAccessPolicy();
// Requires `user`/`password` for `side`, by Basic and/or Digest (the last call sets the methods
// offered for both sides). Main thread, before the server listens.
void requireCredentials(GstRTSPAuth* policy, Side side, const std::string& user,
                        const std::string& password, bool basic, bool digest);

}  // namespace mls::rtsp
