// The live recording catalog. See catalog.h.
#include "recordings/catalog.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "core/log.h"
#include "model/names.h"

namespace mls::recordings {

const char* changePhaseName(ChangePhase phase) {
  switch (phase) {
    case ChangePhase::New: return "new";
    case ChangePhase::Growing: return "growing";
    case ChangePhase::Closed: return "closed";
    case ChangePhase::Deleted: break;
  }
  return "deleted";
}

// One worker job: what to look at (filled on the main thread), what was found (filled on the
// worker), and `done` for stop() to wait on.
struct Catalog::Job {
  std::string root;
  bool list_root = false;
  std::vector<std::string> folders;
  std::vector<std::pair<std::string, std::string>> files;
  std::map<std::string, ProbeCacheEntry> cache;  // finished segments already probed

  std::vector<std::string> found_folders;  // when list_root
  std::vector<std::pair<std::string, std::optional<std::vector<Segment>>>> folder_results;
  std::vector<std::pair<std::string, std::optional<Segment>>> file_results;  // by key

  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;  // protected by mutex
};

namespace {

std::optional<ProbeCacheEntry> cacheEntry(const Segment& segment) {
  if (!segment.finished()) return std::nullopt;
  ProbeCacheEntry entry;
  entry.size_bytes = segment.size_bytes;
  entry.mtime_unix_us = segment.mtime_unix_us;
  entry.probe.duration_s = segment.duration_s;
  entry.probe.video_codec = segment.video_codec;
  entry.probe.audio_codec = segment.audio_codec;
  return entry;
}

std::string baseName(GFile* file) {
  if (!file) return {};
  g_autofree gchar* name = g_file_get_basename(file);
  return name ? name : "";
}

bool sameFacts(const Segment& a, const Segment& b) {
  return a.state == b.state && a.size_bytes == b.size_bytes &&
         a.mtime_unix_us == b.mtime_unix_us && a.duration_s == b.duration_s &&
         a.video_codec == b.video_codec && a.audio_codec == b.audio_codec;
}

}  // namespace

Catalog::Catalog(std::string root, Options options)
    : root_(std::move(root)), options_(options), anchor_(std::make_shared<Catalog*>(this)) {}

Catalog::~Catalog() { stop(); }

Result<void> Catalog::start() {
  g_return_val_if_fail(!started_, fail(ErrorCode::Internal, "catalog started twice"));
  if (g_mkdir_with_parents(root_.c_str(), 0755) != 0)
    return fail(ErrorCode::Internal,
                "cannot create the recordings directory " + root_ + ": " + g_strerror(errno));
  started_ = true;
  cancellable_ = adopt(g_cancellable_new());
  watchRoot();
  dirty_root_ = true;
  startJob();
  if (options_.resync_interval_s > 0)
    resync_ = SourceGuard::timeout(options_.resync_interval_s * 1000, [this] {
      dirty_root_ = true;
      for (const auto& [input, folder] : folders_) dirty_folders_.insert(input);
      schedule();
      return G_SOURCE_CONTINUE;
    });
  MLS_INFO("recordings", "catalog of %s: first scan started", root_.c_str());
  return {};
}

void Catalog::stop() {
  if (!started_) return;
  started_ = false;
  *anchor_ = nullptr;
  debounce_.reset();
  resync_.reset();
  growing_flush_.reset();
  if (cancellable_) g_cancellable_cancel(cancellable_.get());
  if (job_) {
    // The worker checks the cancellable between files: this is a few milliseconds at most.
    std::unique_lock<std::mutex> lock(job_->mutex);
    job_->cv.wait_for(lock, std::chrono::seconds(10), [&] { return job_->done; });
  }
  job_.reset();
  while (!folders_.empty()) unwatchFolder(folders_.begin()->first);
  if (root_monitor_) {
    g_signal_handler_disconnect(root_monitor_.get(), root_handler_);
    g_file_monitor_cancel(root_monitor_.get());
    root_monitor_.reset();
  }
}

bool Catalog::busy() const {
  return job_ || dirty_root_ || !dirty_folders_.empty() || !dirty_files_.empty();
}

const Segment* Catalog::find(const std::string& input, const std::string& file) const {
  auto it = segments_.find(input + "/" + file);
  return it == segments_.end() ? nullptr : &it->second;
}

// Monitors -----------------------------------------------------------------------------------

void Catalog::watchRoot() {
  g_autoptr(GFile) dir = g_file_new_for_path(root_.c_str());
  g_autoptr(GError) error = nullptr;
  root_monitor_ = adopt(g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, nullptr, &error));
  if (!root_monitor_) {
    MLS_WARN("recordings", "cannot watch %s: %s (changes show at the next rescan)", root_.c_str(),
             error->message);
    return;
  }
  root_handler_ = g_signal_connect(root_monitor_.get(), "changed", G_CALLBACK(onRootChanged), this);
}

void Catalog::watchFolder(const std::string& input) {
  if (folders_.count(input)) return;
  g_autofree gchar* path = g_build_filename(root_.c_str(), input.c_str(), nullptr);
  g_autoptr(GFile) dir = g_file_new_for_path(path);
  g_autoptr(GError) error = nullptr;
  Folder folder;
  folder.monitor = adopt(g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, nullptr, &error));
  if (!folder.monitor) {
    MLS_WARN("recordings", "cannot watch %s: %s", path, error->message);
    return;
  }
  // The folder's name is the data: the map entry can move, the name cannot change.
  folder.handler = g_signal_connect_data(
      folder.monitor.get(), "changed", G_CALLBACK(onFolderChanged),
      new std::pair<Catalog*, std::string>(this, input),
      [](gpointer data, GClosure*) noexcept {
        delete static_cast<std::pair<Catalog*, std::string>*>(data);
      },
      GConnectFlags(0));
  folders_.emplace(input, std::move(folder));
}

void Catalog::unwatchFolder(const std::string& input) {
  auto it = folders_.find(input);
  if (it == folders_.end()) return;
  g_signal_handler_disconnect(it->second.monitor.get(), it->second.handler);
  g_file_monitor_cancel(it->second.monitor.get());
  folders_.erase(it);
}

void Catalog::onRootChanged(GFileMonitor*, GFile* file, GFile*, GFileMonitorEvent event,
                            gpointer data) noexcept {
  auto* self = static_cast<Catalog*>(data);
  if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED) return;
  if (event == G_FILE_MONITOR_EVENT_DELETED || event == G_FILE_MONITOR_EVENT_MOVED_OUT ||
      event == G_FILE_MONITOR_EVENT_RENAMED) {
    // A folder went (or was renamed away): forget its monitor now, so a folder made again
    // under the same name before the next job is watched afresh (the old watch is dead).
    const std::string name = baseName(file);
    if (self->folders_.count(name)) {
      self->unwatchFolder(name);
      self->dirty_folders_.insert(name);
    }
  }
  self->dirty_root_ = true;  // a folder came or went: the job lists the root
  self->schedule();
}

void Catalog::onFolderChanged(GFileMonitor*, GFile* file, GFile* other, GFileMonitorEvent event,
                              gpointer data) noexcept {
  auto* ref = static_cast<std::pair<Catalog*, std::string>*>(data);
  Catalog* self = ref->first;
  const std::string& input = ref->second;
  if (event == G_FILE_MONITOR_EVENT_DELETED || event == G_FILE_MONITOR_EVENT_UNMOUNTED ||
      event == G_FILE_MONITOR_EVENT_MOVED_OUT || event == G_FILE_MONITOR_EVENT_MOVED_IN ||
      event == G_FILE_MONITOR_EVENT_RENAMED || event == G_FILE_MONITOR_EVENT_CREATED ||
      event == G_FILE_MONITOR_EVENT_CHANGED || event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT ||
      event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED) {
    // (A segment's modification time is one of its facts: retention ages a file without a
    // duration by it, so `touch` or a copy that keeps times must be seen.)
    if (baseName(file) == input && event == G_FILE_MONITOR_EVENT_DELETED) {
      self->dirty_root_ = true;  // the folder itself went
    } else {
      self->markFile(input, file);
      self->markFile(input, other);
    }
    self->schedule();
  }
}

void Catalog::markFile(const std::string& input, GFile* file) {
  std::string name = baseName(file);
  if (name.empty()) return;
  if (name[0] == '.') {
    if (auto target = markerTarget(name)) dirty_files_.emplace(input, *target);
  } else if (model::isSegmentFileName(name)) {
    dirty_files_.emplace(input, name);
  }
}

// Jobs ---------------------------------------------------------------------------------------

void Catalog::schedule() {
  if (!started_ || debounce_ || job_) return;  // a running job reschedules when it is done
  debounce_ = SourceGuard::timeout(options_.debounce_ms, [this] {
    debounce_ = SourceGuard();  // (the source is removed by returning REMOVE; forget it first)
    startJob();
    return G_SOURCE_REMOVE;
  });
}

void Catalog::startJob() {
  if (!started_ || job_ || !busy()) return;
  auto job = std::make_shared<Job>();
  job->root = root_;
  job->list_root = std::exchange(dirty_root_, false);
  job->folders.assign(dirty_folders_.begin(), dirty_folders_.end());
  job->files.assign(dirty_files_.begin(), dirty_files_.end());
  dirty_folders_.clear();
  dirty_files_.clear();
  for (const auto& [key, segment] : segments_) {
    bool wanted = false;
    for (const std::string& input : job->folders) wanted = wanted || segment.input == input;
    for (const auto& file : job->files)
      wanted = wanted || (segment.input == file.first && segment.file == file.second);
    if (!wanted) continue;
    if (auto entry = cacheEntry(segment)) job->cache.emplace(key, *entry);
  }
  job_ = job;
  GTask* task = g_task_new(nullptr, cancellable_.get(), onJobDone,
                           new std::weak_ptr<Catalog*>(anchor_));
  g_task_set_task_data(task, new std::shared_ptr<Job>(job), [](gpointer data) noexcept {
    delete static_cast<std::shared_ptr<Job>*>(data);
  });
  g_task_run_in_thread(task, runJob);
  g_object_unref(task);
}

void Catalog::runJob(GTask* task, gpointer, gpointer data, GCancellable* cancel) noexcept {
  Job& job = **static_cast<std::shared_ptr<Job>*>(data);
  ProbeCache cache = [&job](const std::string& key) -> const ProbeCacheEntry* {
    auto it = job.cache.find(key);
    return it == job.cache.end() ? nullptr : &it->second;
  };
  if (job.list_root) job.found_folders = listInputFolders(job.root);
  for (const std::string& input : job.folders) {
    if (g_cancellable_is_cancelled(cancel)) break;
    job.folder_results.emplace_back(input, scanFolder(job.root, input, cache));
  }
  for (const auto& [input, file] : job.files) {
    if (g_cancellable_is_cancelled(cancel)) break;
    job.file_results.emplace_back(input + "/" + file, readSegment(job.root, input, file, cache));
  }
  {
    std::lock_guard<std::mutex> lock(job.mutex);
    job.done = true;
  }
  job.cv.notify_all();
  g_task_return_boolean(task, TRUE);
}

void Catalog::onJobDone(GObject*, GAsyncResult* result, gpointer data) noexcept {
  std::unique_ptr<std::weak_ptr<Catalog*>> anchor(static_cast<std::weak_ptr<Catalog*>*>(data));
  auto alive = anchor->lock();
  if (!alive || !*alive) return;
  Catalog* self = *alive;
  std::shared_ptr<Job> job =
      *static_cast<std::shared_ptr<Job>*>(g_task_get_task_data(G_TASK(result)));
  self->job_.reset();
  self->merge(*job);
  if (!self->ready_ && !self->busy()) {
    self->ready_ = true;
    MLS_INFO("recordings", "catalog of %s: %zu segment(s) in %zu input folder(s)",
             self->root_.c_str(), self->segments_.size(), self->folders_.size());
  }
  if (self->dirty_root_ || !self->dirty_folders_.empty())
    self->startJob();  // folders to scan (new ones, the first scan): no need to wait
  else
    self->schedule();
}

void Catalog::merge(Job& job) {
  if (job.list_root) {
    std::set<std::string> found(job.found_folders.begin(), job.found_folders.end());
    std::vector<std::string> gone;
    for (const auto& [input, folder] : folders_)
      if (!found.count(input)) gone.push_back(input);
    for (const std::string& input : gone) {
      unwatchFolder(input);
      dirty_folders_.insert(input);  // its scan finds nothing: its segments go
    }
    for (const std::string& input : found) {
      if (folders_.count(input)) continue;
      watchFolder(input);  // before its scan, so nothing falls in between
      dirty_folders_.insert(input);
    }
  }
  for (auto& [input, listing] : job.folder_results) {
    std::set<std::string> present;
    if (listing) {
      for (Segment& segment : *listing) {
        present.insert(segment.key());
        upsert(std::move(segment));
      }
    }
    std::vector<std::string> vanished;
    for (const auto& [key, segment] : segments_)
      if (segment.input == input && !present.count(key)) vanished.push_back(key);
    for (const std::string& key : vanished) erase(key);
  }
  for (auto& [key, segment] : job.file_results) {
    if (segment)
      upsert(std::move(*segment));
    else
      erase(key);
  }
}

void Catalog::upsert(Segment segment) {
  const std::string key = segment.key();
  auto it = segments_.find(key);
  if (it == segments_.end()) {
    auto& stored = segments_.emplace(key, std::move(segment)).first->second;
    emit(stored, ChangePhase::New);
    return;
  }
  Segment& known = it->second;
  if (sameFacts(known, segment)) return;
  known = std::move(segment);
  if (!known.finished())
    emitGrowing(known);
  else
    emit(known, ChangePhase::Closed);  // it closed, or a finished file changed
}

void Catalog::erase(const std::string& key) {
  auto it = segments_.find(key);
  if (it == segments_.end()) return;
  Segment gone = std::move(it->second);
  segments_.erase(it);
  last_growing_us_.erase(key);
  pending_growing_.erase(key);
  emit(gone, ChangePhase::Deleted);
}

void Catalog::emit(const Segment& segment, ChangePhase phase) {
  if (phase == ChangePhase::Deleted || phase == ChangePhase::Closed) {
    last_growing_us_.erase(segment.key());
    pending_growing_.erase(segment.key());
  }
  if (!ready_ || !listener_) return;  // the first scan announces nothing
  listener_(Change{segment, phase});
}

void Catalog::emitGrowing(const Segment& segment) {
  const std::string key = segment.key();
  const int64_t now = g_get_monotonic_time();
  auto last = last_growing_us_.find(key);
  const int64_t interval = int64_t(options_.growing_interval_ms) * 1000;
  if (last != last_growing_us_.end() && now - last->second < interval) {
    pending_growing_.insert(key);
    armGrowingFlush(last->second + interval - now);
    return;
  }
  last_growing_us_[key] = now;
  pending_growing_.erase(key);  // announced now: a pending flush has nothing left to say
  emit(segment, ChangePhase::Growing);
}

void Catalog::armGrowingFlush(int64_t in_us) {
  if (growing_flush_) return;
  growing_flush_ = SourceGuard::timeout(static_cast<guint>(in_us / 1000 + 1), [this] {
    growing_flush_ = SourceGuard();
    flushGrowing();
    return G_SOURCE_REMOVE;
  });
}

void Catalog::flushGrowing() {
  // Announce each pending segment whose interval has passed; the others wait for their turn.
  std::set<std::string> pending = std::move(pending_growing_);
  pending_growing_.clear();
  for (const std::string& key : pending) {
    auto it = segments_.find(key);
    if (it == segments_.end() || it->second.finished()) continue;
    emitGrowing(it->second);
  }
}

// RecordingStore -------------------------------------------------------------------------------

std::vector<Segment> Catalog::list(const SegmentQuery& query) const {
  const int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  std::vector<Segment> out;
  for (const auto& [key, segment] : segments_)
    if (matches(segment, query, now)) out.push_back(segment);
  std::sort(out.begin(), out.end(), newerFirst);
  return out;
}

Result<std::unique_ptr<OpenSegment>> Catalog::open(const std::string& input,
                                                   const std::string& file) const {
  return openSegmentFile(root_, input, file);
}

Result<void> Catalog::remove(const std::string& input, const std::string& file,
                             const std::string& reason) {
  if (auto removed = removeSegmentFile(root_, input, file); !removed) return removed;
  MLS_INFO("recordings", "deleted %s/%s (%s)", input.c_str(), file.c_str(), reason.c_str());
  const std::string key = input + "/" + file;
  if (segments_.count(key)) {
    erase(key);
  } else if (ready_ && listener_) {
    // On disk but not catalogued yet (the monitor's batch is pending): announce it anyway.
    Segment gone;
    gone.input = input;
    gone.file = file;
    if (auto name = model::parseSegmentFileName(file)) {
      gone.format = name->format;
      gone.start_unix_s = name->start_unix_s;
    }
    listener_(Change{gone, ChangePhase::Deleted});
  }
  return {};
}

}  // namespace mls::recordings
