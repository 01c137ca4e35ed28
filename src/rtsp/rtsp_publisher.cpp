// The embedded RTSP server and its mount points. See rtsp_publisher.h.
#include "rtsp/rtsp_publisher.h"

#include <cstring>

#include "core/log.h"
#include "media/input_pipeline.h"
#include "rtsp/access_policy.h"
#include "rtsp/tap_media_factory.h"

GST_DEBUG_CATEGORY_STATIC(mls_rtsp_debug);
#define GST_CAT_DEFAULT mls_rtsp_debug

namespace mls::rtsp {
namespace {

std::string mountPath(const std::string& input) { return "/" + input; }

// Whether `session` plays the media mounted at `path` ("" matches every session).
bool sessionPlays(GstRTSPSession* session, const std::string& path) {
  if (path.empty()) return true;
  gint matched = 0;
  GstRTSPSessionMedia* media = gst_rtsp_session_get_media(session, path.c_str(), &matched);
  return media && matched == static_cast<gint>(path.size());
}

// Whether `session`'s media at `path` is a publisher's (RECORD), not a reader's.
bool sessionRecords(GstRTSPSession* session, const std::string& path) {
  gint matched = 0;
  GstRTSPSessionMedia* media = gst_rtsp_session_get_media(session, path.c_str(), &matched);
  if (!media) return false;
  GstRTSPMedia* m = gst_rtsp_session_media_get_media(media);
  return m && (gst_rtsp_media_get_transport_mode(m) & GST_RTSP_TRANSPORT_MODE_RECORD);
}

struct PathFilter {
  const std::string* path;
  int count = 0;
  GList* sessions = nullptr;  // closeClient: the closed clients' sessions of `path` (owned refs)
};

GstRTSPFilterResult countSession(GstRTSPSessionPool*, GstRTSPSession* session,
                                 gpointer data) noexcept {
  auto* filter = static_cast<PathFilter*>(data);
  if (sessionPlays(session, *filter->path) && !sessionRecords(session, *filter->path))
    filter->count++;
  return GST_RTSP_FILTER_KEEP;
}

GstRTSPFilterResult removeSession(GstRTSPSessionPool*, GstRTSPSession* session,
                                  gpointer data) noexcept {
  auto* filter = static_cast<PathFilter*>(data);
  if (!sessionPlays(session, *filter->path)) return GST_RTSP_FILTER_KEEP;
  filter->count++;
  return GST_RTSP_FILTER_REMOVE;
}

GstRTSPFilterResult clientSessionMatches(GstRTSPClient*, GstRTSPSession* session,
                                         gpointer data) noexcept {
  auto* path = static_cast<const std::string*>(data);
  return sessionPlays(session, *path) ? GST_RTSP_FILTER_REF : GST_RTSP_FILTER_KEEP;
}

GstRTSPFilterResult closeClient(GstRTSPServer*, GstRTSPClient* client, gpointer data) noexcept {
  auto* filter = static_cast<PathFilter*>(data);
  GList* sessions = gst_rtsp_client_session_filter(client, clientSessionMatches,
                                                   const_cast<std::string*>(filter->path));
  if (!sessions && !filter->path->empty()) return GST_RTSP_FILTER_KEEP;
  filter->sessions = g_list_concat(filter->sessions, sessions);
  filter->count++;
  return GST_RTSP_FILTER_REMOVE;  // gst_rtsp_client_close(): the connection is closed
}

// The lower transport of a session's first stream: "tcp", "udp", "udp-multicast", or "" before
// SETUP completed.
std::string transportOf(GstRTSPSession* session, const std::string& path) {
  gint matched = 0;
  GstRTSPSessionMedia* media = gst_rtsp_session_get_media(session, path.c_str(), &matched);
  if (!media) return {};
  GstRTSPStreamTransport* stream = gst_rtsp_session_media_get_transport(media, 0);
  const GstRTSPTransport* transport =
      stream ? gst_rtsp_stream_transport_get_transport(stream) : nullptr;
  if (!transport) return {};
  switch (transport->lower_transport) {
    case GST_RTSP_LOWER_TRANS_TCP:
      return "tcp";
    case GST_RTSP_LOWER_TRANS_UDP_MCAST:
      return "udp-multicast";
    default:
      return "udp";
  }
}

struct SessionList {
  const std::vector<std::string>* inputs;  // published inputs and publish inputs
  std::vector<model::RtspSession> sessions;
};

// For gst_rtsp_server_client_filter: lists the client's sessions of published inputs.
GstRTSPFilterResult listClientSessions(GstRTSPServer*, GstRTSPClient* client,
                                       gpointer data) noexcept {
  auto* list = static_cast<SessionList*>(data);
  std::string ip;
  if (GstRTSPConnection* connection = gst_rtsp_client_get_connection(client))
    if (const gchar* address = gst_rtsp_connection_get_ip(connection)) ip = address;
  GList* sessions = gst_rtsp_client_session_filter(
      client, [](GstRTSPClient*, GstRTSPSession*, gpointer) { return GST_RTSP_FILTER_REF; },
      nullptr);
  for (GList* l = sessions; l; l = l->next) {
    auto* session = GST_RTSP_SESSION(l->data);
    for (const std::string& input : *list->inputs) {
      const std::string path = mountPath(input);
      if (!sessionPlays(session, path)) continue;
      list->sessions.push_back({input, gst_rtsp_session_get_sessionid(session), ip,
                                transportOf(session, path),
                                sessionRecords(session, path) ? "publish" : "read"});
    }
  }
  g_list_free_full(sessions, g_object_unref);
  return GST_RTSP_FILTER_KEEP;
}

}  // namespace

RtspPublisher::RtspPublisher() {
  GST_DEBUG_CATEGORY_INIT(mls_rtsp_debug, "mls-rtsp", 0, "mls RTSP publication");
  server_ = adopt(gst_rtsp_server_new());
  policy_ = adopt(newAccessPolicy());
  gst_rtsp_server_set_auth(server_.get(), policy_.get());
  // One thread per client (it ends with the client), not gst-rtsp-server's default of one
  // thread shared by all clients. A client's request can wait there for a long time: a reader's
  // DESCRIBE waits until its media prerolls, which is until the input's next keyframe when the
  // tap has none cached (measured under load: 19.6 s with a 20 s GOP), and a TCP publisher's
  // RTP arrives on its own connection. On a shared thread every other client of every input,
  // readers' keep-alives included, waited behind it.
  g_autoptr(GstRTSPThreadPool) pool = gst_rtsp_server_get_thread_pool(server_.get());
  gst_rtsp_thread_pool_set_max_threads(pool, -1);
}

RtspPublisher::~RtspPublisher() { stop(); }

void RtspPublisher::requireReadCredentials(const std::string& user, const std::string& password,
                                           bool basic, bool digest) {
  requireCredentials(policy_.get(), Side::Read, user, password, basic, digest);
  MLS_INFO("rtsp", "RTSP clients must authenticate to play (%s%s%s)", basic ? "basic" : "",
           basic && digest ? ", " : "", digest ? "digest" : "");
}

void RtspPublisher::requirePublishCredentials(const std::string& user, const std::string& password,
                                              bool basic, bool digest) {
  requireCredentials(policy_.get(), Side::Publish, user, password, basic, digest);
  MLS_INFO("rtsp", "RTSP publishers must authenticate (%s%s%s)", basic ? "basic" : "",
           basic && digest ? ", " : "", digest ? "digest" : "");
}

Result<uint16_t> RtspPublisher::listen(const std::string& host, uint16_t port) {
  host_ = host;
  gst_rtsp_server_set_address(server_.get(), host.c_str());
  const std::string service = std::to_string(port);
  gst_rtsp_server_set_service(server_.get(), service.c_str());
  g_autoptr(GError) error = nullptr;
  GSource* source = gst_rtsp_server_create_source(server_.get(), nullptr, &error);
  if (!source)
    return fail(ErrorCode::Internal, std::string("cannot listen for RTSP: ") +
                                         (error ? error->message : "unknown error"));
  g_source_attach(source, nullptr);  // the default main context: the main thread's
  source_ = SourceGuard(source);
  port_ = static_cast<uint16_t>(gst_rtsp_server_get_bound_port(server_.get()));
  const bool v6 = host.find(':') != std::string::npos;
  MLS_INFO("rtsp", "RTSP server listening on rtsp://%s%s%s:%u", v6 ? "[" : "", host.c_str(),
           v6 ? "]" : "", port_);
  return port_;
}

void RtspPublisher::publish(const std::string& input, media::InputPipeline& pipeline) {
  if (published_.contains(input)) withdraw(input);  // a previous pipeline's publication
  if (!source_) return;
  const model::MediaInfo& media = pipeline.media();
  auto stream = [&](bool present, const std::string& codec, media::TapKind kind) {
    TapStream s;
    if (!present) return s;
    s.codec = codec;
    if (!payloaderFor(codec)) {
      MLS_WARN("rtsp", "%s: %s cannot be served over RTSP; left out", input.c_str(), codec.c_str());
      return s;
    }
    auto tap = pipeline.tap(kind);
    if (!tap) {
      MLS_WARN("rtsp", "%s: %s", input.c_str(), tap.error().message.c_str());
      return s;
    }
    s.tap = *tap;
    s.caps.reset((*tap)->caps());
    return s;
  };
  TapStream video = stream(media.has_video, media.video_codec, media::TapKind::Video);
  TapStream audio = stream(media.has_audio, media.audio_codec, media::TapKind::Audio);
  if (!video.tap && !audio.tap) {
    MLS_WARN("rtsp", "%s: nothing to serve over RTSP", input.c_str());
    return;
  }
  auto source =
      std::make_shared<TapSource>(input, std::move(video), std::move(audio), pipeline.baseTime());
  published_[input] = {source, g_get_real_time() / G_USEC_PER_SEC};
  if (auto ingest = ingests_.find(input); ingest != ingests_.end()) {
    setTapSource(ingest->second.factory.get(), std::move(source));  // the mount is there
    GST_INFO("%s: served at %s", input.c_str(), mountPath(input).c_str());
    return;
  }
  g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server_.get());
  GstRTSPMediaFactory* factory = newTapMediaFactory(std::move(source));
  gst_rtsp_mount_points_add_factory(mounts, mountPath(input).c_str(), factory);  // takes it
  GST_INFO("%s: mounted at %s", input.c_str(), mountPath(input).c_str());
}

void RtspPublisher::withdraw(const std::string& input) {
  auto it = published_.find(input);
  auto ingest = ingests_.find(input);
  if (it == published_.end() && ingest == ingests_.end()) return;
  const std::string path = mountPath(input);
  if (it != published_.end()) {
    if (ingest != ingests_.end()) {
      setTapSource(ingest->second.factory.get(), nullptr);  // readers: 404 until live again
    } else {
      g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server_.get());
      gst_rtsp_mount_points_remove_factory(mounts, path.c_str());  // new clients: 404
    }
    it->second.source->detach();  // media still playing get no more buffers from the taps
    published_.erase(it);
  }
  closeClients(path);  // readers, and a publish input's publisher
  GST_INFO("%s: withdrawn", input.c_str());
}

Result<void> RtspPublisher::openIngest(const std::string& input,
                                       std::shared_ptr<media::Ingest> ingest) {
  if (!source_) return fail(ErrorCode::Unavailable, "the RTSP server is not running");
  closeIngest(input);
  g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server_.get());
  GstRTSPMediaFactory* factory = newIngestMediaFactory(ingest);
  IngestMount mount{retain(factory), std::move(ingest)};
  gst_rtsp_mount_points_add_factory(mounts, mountPath(input).c_str(), factory);  // takes it
  ingests_[input] = std::move(mount);
  const std::string host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  MLS_INFO("rtsp", "%s: accepting a publisher at rtsp://%s:%u%s", input.c_str(), host.c_str(),
           port_, mountPath(input).c_str());
  return {};
}

void RtspPublisher::closeIngest(const std::string& input) {
  auto it = ingests_.find(input);
  if (it == ingests_.end()) return;
  if (published_.contains(input)) withdraw(input);
  it->second.ingest->close();
  const std::string path = mountPath(input);
  g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server_.get());
  gst_rtsp_mount_points_remove_factory(mounts, path.c_str());
  ingests_.erase(it);
  closeClients(path);
  GST_INFO("%s: no longer accepting a publisher", input.c_str());
}

void RtspPublisher::closeClients(const std::string& path) {
  PathFilter clients{&path};
  gst_rtsp_server_client_filter(server_.get(), closeClient, &clients);
  // A closed client's sessions lose their media but would stay in the pool until they time out
  // (60 s): remove them now. Then any other session of the path (UDP, its connection gone).
  g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(server_.get());
  PathFilter sessions{&path};
  for (GList* l = clients.sessions; l; l = l->next)
    if (gst_rtsp_session_pool_remove(pool, GST_RTSP_SESSION(l->data))) sessions.count++;
  g_list_free_full(clients.sessions, g_object_unref);
  gst_rtsp_session_pool_filter(pool, removeSession, &sessions);
  if (clients.count > 0 || sessions.count > 0)
    MLS_INFO("rtsp", "%s: closed %d RTSP client(s), %d session(s)",
             path.empty() ? "all" : path.c_str() + 1, clients.count, sessions.count);
}

int RtspPublisher::clients(const std::string& input) const {
  if (!published_.contains(input)) return 0;
  const std::string path = mountPath(input);
  PathFilter filter{&path};
  g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(server_.get());
  g_list_free_full(gst_rtsp_session_pool_filter(pool, countSession, &filter), g_object_unref);
  return filter.count;
}

std::vector<model::RtspSession> RtspPublisher::sessions() const {
  std::vector<std::string> inputs;
  for (const auto& [input, publication] : published_) inputs.push_back(input);
  for (const auto& [input, mount] : ingests_)
    if (!published_.contains(input)) inputs.push_back(input);
  SessionList list{&inputs, {}};
  if (server_) gst_rtsp_server_client_filter(server_.get(), listClientSessions, &list);
  return list.sessions;
}

std::vector<model::RtspPublication> RtspPublisher::publications() const {
  std::vector<model::RtspPublication> all;
  for (const auto& [input, publication] : published_)
    all.push_back({input, mountPath(input), clients(input), publication.since_unix_s});
  return all;
}

void RtspPublisher::stop() {
  if (!server_) return;
  while (!published_.empty()) withdraw(published_.begin()->first);
  while (!ingests_.empty()) closeIngest(ingests_.begin()->first);
  if (source_) {
    source_.reset();  // stop accepting connections
    closeClients("");
    g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(server_.get());
    gst_rtsp_session_pool_cleanup(pool);
  }
  server_.reset();
  // The client threads of gst-rtsp-server's shared pool end with their clients; wait for them,
  // so the exit audit sees them gone and their resources are freed.
  gst_rtsp_thread_pool_cleanup();
  MLS_INFO("rtsp", "RTSP server stopped; its client threads have ended");
}

}  // namespace mls::rtsp
