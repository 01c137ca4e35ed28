// Who may read and publish on the embedded RTSP server. See access_policy.h.
#include "rtsp/access_policy.h"

#include "rtsp/record_media.h"
#include "rtsp/tap_media_factory.h"

GST_DEBUG_CATEGORY_STATIC(mls_rtsp_access_debug);
#define GST_CAT_DEFAULT mls_rtsp_access_debug

namespace {

constexpr const char* kReaderRole = "reader";
constexpr const char* kPublisherRole = "publisher";

}  // namespace

struct _MlsAccessPolicy {
  GstRTSPAuth parent;
  gboolean read_credentials;     // set before the server listens, then read-only
  gboolean publish_credentials;  // likewise
};

G_DEFINE_TYPE(MlsAccessPolicy, mls_access_policy, GST_TYPE_RTSP_AUTH)

namespace {

// Whether the request's credentials carry `role` (GstRTSPAuth matches them to a token).
bool hasRole(GstRTSPAuth* auth, GstRTSPContext* ctx, const char* role) {
  auto* klass = GST_RTSP_AUTH_CLASS(mls_access_policy_parent_class);
  if (!ctx->token && klass->authenticate) klass->authenticate(auth, ctx);
  const gchar* granted =
      ctx->token ? gst_rtsp_token_get_string(ctx->token, GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE)
                 : nullptr;
  return granted && g_str_equal(granted, role);
}

gboolean refuse(GstRTSPAuth* auth, GstRTSPContext* ctx, GstRTSPStatusCode code, const char* why) {
  GST_INFO_OBJECT(auth, "%s %s: %d (%s)", gst_rtsp_method_as_text(ctx->method),
                  ctx->uri && ctx->uri->abspath ? ctx->uri->abspath : "?", code, why);
  gst_rtsp_message_init_response(ctx->response, code, gst_rtsp_status_as_text(code), ctx->request);
  if (code == GST_RTSP_STS_UNAUTHORIZED) {
    auto* klass = GST_RTSP_AUTH_CLASS(mls_access_policy_parent_class);
    if (klass->generate_authenticate_header) klass->generate_authenticate_header(auth, ctx);
  }
  gst_rtsp_client_send_message(ctx->client, ctx->session, ctx->response);
  return FALSE;
}

gboolean check(GstRTSPAuth* auth, GstRTSPContext* ctx, const gchar* check) noexcept {
  auto* self = MLS_ACCESS_POLICY(auth);
  if (g_str_equal(check, GST_RTSP_AUTH_CHECK_URL)) return TRUE;  // decided per mount, below
  if (g_str_equal(check, GST_RTSP_AUTH_CHECK_TRANSPORT_CLIENT_SETTINGS)) return FALSE;
  if (g_str_equal(check, GST_RTSP_AUTH_CHECK_MEDIA_FACTORY_CONSTRUCT)) return TRUE;  // = access
  if (!g_str_equal(check, GST_RTSP_AUTH_CHECK_MEDIA_FACTORY_ACCESS))
    return GST_RTSP_AUTH_CLASS(mls_access_policy_parent_class)->check(auth, ctx, check);

  GstRTSPMediaFactory* factory = ctx->factory;
  if (mls::rtsp::isPublishRequest(ctx)) {
    if (self->publish_credentials && !hasRole(auth, ctx, kPublisherRole))
      return refuse(auth, ctx, GST_RTSP_STS_UNAUTHORIZED, "no publish credentials");
    if (!mls::rtsp::acceptsPublisher(factory))
      return refuse(auth, ctx, GST_RTSP_STS_METHOD_NOT_ALLOWED, "not a publish input");
    if (ctx->method == GST_RTSP_ANNOUNCE && mls::rtsp::hasPublisher(factory))
      return refuse(auth, ctx, GST_RTSP_STS_SERVICE_UNAVAILABLE, "someone publishes already");
    return TRUE;
  }
  if (self->read_credentials && !hasRole(auth, ctx, kReaderRole))
    return refuse(auth, ctx, GST_RTSP_STS_UNAUTHORIZED, "no read credentials");
  if (!mls::rtsp::isServing(factory))
    return refuse(auth, ctx, GST_RTSP_STS_NOT_FOUND, "nobody publishes to this input");
  return TRUE;
}

}  // namespace

static void mls_access_policy_class_init(MlsAccessPolicyClass* klass) {
  GST_DEBUG_CATEGORY_INIT(mls_rtsp_access_debug, "mls-rtsp-access", 0, "mls RTSP access policy");
  GST_RTSP_AUTH_CLASS(klass)->check = check;
}

static void mls_access_policy_init(MlsAccessPolicy* self) {
  self->read_credentials = FALSE;
  self->publish_credentials = FALSE;
}

namespace mls::rtsp {

GstRTSPAuth* newAccessPolicy() {
  return GST_RTSP_AUTH(g_object_new(MLS_TYPE_ACCESS_POLICY, nullptr));
}

void requireCredentials(GstRTSPAuth* policy, Side side, const std::string& user,
                        const std::string& password, bool basic, bool digest) {
  g_return_if_fail(MLS_IS_ACCESS_POLICY(policy));
  auto* self = MLS_ACCESS_POLICY(policy);
  const char* role = side == Side::Read ? kReaderRole : kPublisherRole;
  g_autoptr(GstRTSPToken) token =
      gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, role, nullptr);
  if (basic) {
    g_autofree gchar* encoded = gst_rtsp_auth_make_basic(user.c_str(), password.c_str());
    gst_rtsp_auth_add_basic(policy, encoded, token);
  }
  if (digest) gst_rtsp_auth_add_digest(policy, user.c_str(), password.c_str(), token);
  gst_rtsp_auth_set_supported_methods(
      policy, static_cast<GstRTSPAuthMethod>((basic ? GST_RTSP_AUTH_BASIC : 0) |
                                             (digest ? GST_RTSP_AUTH_DIGEST : 0)));
  (side == Side::Read ? self->read_credentials : self->publish_credentials) = TRUE;
}

}  // namespace mls::rtsp
