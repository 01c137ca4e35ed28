// Catalog: the live, in-memory list of the recording segments under the recordings directory
// (<dir>/<input>/<segment file>, model/recording_names.h), for the REST API, SSE and retention.
//
// How it stays current: a GFileMonitor on the recordings directory and one on each input's
// folder (created as soon as the folder appears, before it is scanned, so nothing falls between
// the scan and the monitor). Monitor events only mark what is dirty — the root, a folder, or a
// file (a marker's event dirties its segment) — and arm a debounce timer (250 ms after the first
// event of a batch); then one worker job (a GTask on GLib's thread pool; one at a time) lstat()s
// the dirty files, scans the dirty folders and probes the finished segments whose size or mtime
// changed (recordings/probe.h), and its result is merged on the main thread, which emits the
// changes. The first scan at start() runs the same way, so a directory of 10,000 segments never
// blocks the main loop; its segments are not announced as changes. A full rescan every
// `resync_interval_s` catches what a monitor may have missed (inotify overflow).
//
// Changes: `new` (first seen), `growing` (a segment being written got bigger; at most once per
// `growing_interval_ms` per segment), `closed` (it left the `recording` state, or a finished
// segment changed), `deleted` (gone: deleted through remove(), by retention, or by hand).
//
// Owned by the app's Server; main thread (the default GMainContext). stop() cancels the monitors
// and waits for the worker job in flight (it reads a few files: milliseconds), so no thread or
// fd of the catalog outlives it.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/gobj.h"
#include "recordings/segment.h"
#include "recordings/segment_files.h"

namespace mls::recordings {

enum class ChangePhase { New, Growing, Closed, Deleted };
const char* changePhaseName(ChangePhase phase);  // "new", "growing", "closed", "deleted"

struct Change {
  Segment segment;  // its last known facts (for Deleted, before it went)
  ChangePhase phase;
};
using ChangeListener = std::function<void(const Change&)>;

class Catalog : public RecordingStore {
 public:
  struct Options {
    unsigned debounce_ms = 250;
    unsigned growing_interval_ms = 1000;
    unsigned resync_interval_s = 600;  // 0: never
  };

  Catalog(std::string root, Options options);
  explicit Catalog(std::string root) : Catalog(std::move(root), Options{}) {}
  ~Catalog() override;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Creates the directory (and parents), starts watching it and starts the first scan.
  Result<void> start();
  // Stops watching and waits for the worker job in flight. Idempotent; the catalog keeps what
  // it knows (list() still answers) but changes no more.
  void stop();

  // Called on the main thread for every change after the first scan.
  void setListener(ChangeListener listener) { listener_ = std::move(listener); }

  const std::string& root() const { return root_; }
  // True once the first scan has been merged.
  bool ready() const { return ready_; }
  // True while a worker job runs or dirty entries wait for one (tests wait for !busy()).
  bool busy() const;
  size_t size() const { return segments_.size(); }
  // The segment, if known.
  const Segment* find(const std::string& input, const std::string& file) const;

  // RecordingStore
  std::vector<Segment> list(const SegmentQuery& query) const override;
  Result<std::unique_ptr<OpenSegment>> open(const std::string& input,
                                            const std::string& file) const override;
  Result<void> remove(const std::string& input, const std::string& file,
                      const std::string& reason) override;

 private:
  struct Job;
  struct Folder {
    GObjectPtr<GFileMonitor> monitor;
    gulong handler = 0;
  };

  void watchRoot();
  void watchFolder(const std::string& input);
  void unwatchFolder(const std::string& input);
  static void onRootChanged(GFileMonitor*, GFile* file, GFile* other, GFileMonitorEvent event,
                            gpointer self) noexcept;
  static void onFolderChanged(GFileMonitor*, GFile* file, GFile* other, GFileMonitorEvent event,
                              gpointer data) noexcept;
  void markFile(const std::string& input, GFile* file);
  void schedule();
  void startJob();
  static void runJob(GTask* task, gpointer source, gpointer data, GCancellable* cancel) noexcept;
  static void onJobDone(GObject* source, GAsyncResult* result, gpointer data) noexcept;
  void merge(Job& job);
  void upsert(Segment segment);
  void erase(const std::string& key);
  void emit(const Segment& segment, ChangePhase phase);
  void emitGrowing(const Segment& segment);
  void armGrowingFlush(int64_t in_us);
  void flushGrowing();

  const std::string root_;
  const Options options_;
  ChangeListener listener_;
  std::map<std::string, Segment> segments_;  // by key "input/file"
  std::map<std::string, Folder> folders_;    // watched input folders
  GObjectPtr<GFileMonitor> root_monitor_;
  gulong root_handler_ = 0;

  // Dirty entries waiting for the next job.
  bool dirty_root_ = false;
  std::set<std::string> dirty_folders_;
  std::set<std::pair<std::string, std::string>> dirty_files_;
  SourceGuard debounce_;
  SourceGuard resync_;

  // The job in flight (at most one).
  std::shared_ptr<Job> job_;
  GObjectPtr<GCancellable> cancellable_;
  std::shared_ptr<Catalog*> anchor_;  // cleared by stop(): late job results find nobody

  // `growing` rate limit.
  std::map<std::string, int64_t> last_growing_us_;
  std::set<std::string> pending_growing_;
  SourceGuard growing_flush_;

  bool started_ = false;
  bool ready_ = false;
};

}  // namespace mls::recordings
