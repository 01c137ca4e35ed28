// The recording catalog, retention and events, wired. See recordings.h.
#include "app/recordings.h"

#include "core/log.h"

namespace mls::app {

namespace {
constexpr unsigned kRetentionIntervalS = 60;
}

Recordings::Recordings(const ServerOptions& options,
                       std::function<int64_t(const std::string&)> max_age_s)
    : catalog_(std::make_unique<recordings::Catalog>(options.recordings_dir)) {
  recordings::RetentionPolicy policy;
  policy.max_age_s = std::move(max_age_s);
  policy.min_free_percent = options.disk_min_free_percent;
  const std::string dir = options.recordings_dir;
  retention_ = std::make_unique<recordings::Retention>(
      *catalog_, std::move(policy), [dir] { return recordings::diskSpace(dir); },
      kRetentionIntervalS);
}

Recordings::~Recordings() { stop(); }

Result<void> Recordings::start() {
  if (auto started = catalog_->start(); !started) return started;
  retention_->start();
  first_pass_ = SourceGuard::timeout(250, [this]() -> gboolean {
    if (!catalog_->ready()) return G_SOURCE_CONTINUE;
    first_pass_ = SourceGuard();
    retention_->runNow();
    return G_SOURCE_REMOVE;
  });
  return {};
}

void Recordings::connect(api::EventSink sink, api::SseBroker& nudges) {
  events_ = std::make_unique<api::RecordingEvents>(std::move(sink), nudges);
  catalog_->setListener([this](const recordings::Change& change) {
    events_->publish(change);
    if (change.phase == recordings::ChangePhase::New ||
        change.phase == recordings::ChangePhase::Closed)
      retention_->runSoon();
  });
}

void Recordings::stop() {
  first_pass_.reset();
  retention_->stop();
  catalog_->setListener(nullptr);
  catalog_->stop();
  events_.reset();
}

}  // namespace mls::app
