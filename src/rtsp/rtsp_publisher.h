// RtspPublisher: the embedded RTSP server. Every live input is served at
// rtsp://HOST:PORT/<input> from its existing pipeline (a TapMediaFactory mounted at /<input>),
// over UDP or TCP as the client asks: one connection to the source however many clients.
//
// Mount points follow the inputs (media::Publisher): mounted when an input is ready, unmounted
// when its pipeline goes (retry, restart, delete, shutdown) — its clients are disconnected and
// their sessions removed, and a DESCRIBE then gets 404 (no mount) or 503 (withdrawn while the
// media was being built), never a hang.
//
// Publish inputs (media::IngestHost) are mounted while they are enabled, with a factory that
// takes one publisher (ANNOUNCE/RECORD) into the input's Ingest; when the input goes live the
// same mount also serves readers, and when it stops (the publisher left, or failed) readers and
// publisher are disconnected and the mount waits for the next publisher. Who may read and who
// may publish is the AccessPolicy's (access_policy.h).
//
// Owned by the Server. Lives on the main thread: the listening socket's source is attached to
// the default main context. gst-rtsp-server handles clients on its own thread pool and media
// on one thread each; those threads touch only TapSource (see tap_source.h), never mls state.
// clients() reads the session pool, which has its own lock.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/gobj.h"
#include "core/result.h"
#include "media/ingest.h"
#include "media/publisher.h"
#include "model/status.h"
#include "rtsp/tap_source.h"

namespace mls::rtsp {

class RtspPublisher final : public media::Publisher, public media::IngestHost {
 public:
  RtspPublisher();
  ~RtspPublisher() override;
  RtspPublisher(const RtspPublisher&) = delete;
  RtspPublisher& operator=(const RtspPublisher&) = delete;

  // Requires these credentials to play any input (Basic and/or Digest, as offered); call before
  // listen(). Without it anyone who reaches the port may play.
  void requireReadCredentials(const std::string& user, const std::string& password, bool basic,
                              bool digest);
  // Requires these credentials to publish to a publish input (a reader's never do, nor these
  // to play). Without it anyone who reaches the port may publish to a waiting publish input.
  void requirePublishCredentials(const std::string& user, const std::string& password, bool basic,
                                 bool digest);
  // Starts listening (port 0: a free port). Returns the port actually bound.
  Result<uint16_t> listen(const std::string& host, uint16_t port);
  uint16_t port() const { return port_; }
  // Accepting RTSP connections (between listen() and stop()).
  bool listening() const { return static_cast<bool>(source_); }

  void publish(const std::string& input, media::InputPipeline& pipeline) override;
  void withdraw(const std::string& input) override;
  int clients(const std::string& input) const override;

  Result<void> openIngest(const std::string& input, std::shared_ptr<media::Ingest> ingest) override;
  void closeIngest(const std::string& input) override;

  // Every session playing a published input or publishing to a publish input, with its client,
  // transport and role.
  std::vector<model::RtspSession> sessions() const;
  // Every published input, with its client count.
  std::vector<model::RtspPublication> publications() const;

  // Shutdown: unmounts everything, closes every client, removes every session (their media
  // pipelines stop) and stops listening. Idempotent.
  void stop();

 private:
  void closeClients(const std::string& path);  // "" = all

  GObjectPtr<GstRTSPServer> server_;
  GObjectPtr<GstRTSPAuth> policy_;  // installed on server_
  SourceGuard source_;              // the listening socket, on the main context
  uint16_t port_ = 0;
  std::string host_;
  struct Publication {
    std::shared_ptr<TapSource> source;
    int64_t since_unix_s = 0;
  };
  std::map<std::string, Publication> published_;  // by input name
  struct IngestMount {
    GObjectPtr<GstRTSPMediaFactory> factory;  // mounted at /<input> while the input is enabled
    std::shared_ptr<media::Ingest> ingest;
  };
  std::map<std::string, IngestMount> ingests_;  // publish inputs, by name
};

}  // namespace mls::rtsp
