// FakeRecordingStore: a RecordingStore for the API tests. list() returns the segments a test
// sets (filtered and ordered like the real catalog); open() and remove() act on real files in a
// temporary directory through recordings/segment_files.h (so the path-safety rules are the real
// ones), and remove() also drops the segment from the list and counts removals. Header-only;
// main thread.
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "recordings/segment.h"
#include "recordings/segment_files.h"

namespace mls::api::test {

class FakeRecordingStore : public recordings::RecordingStore {
 public:
  FakeRecordingStore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mls-store-XXXXXX").string();
    root_ = g_mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~FakeRecordingStore() override {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  // Writes a segment file (and a marker for `state`) and lists it.
  recordings::Segment& add(const std::string& input, const std::string& file,
                           const std::string& bytes,
                           recordings::SegmentState state = recordings::SegmentState::Complete) {
    auto name = model::parseSegmentFileName(file);
    const std::filesystem::path folder = std::filesystem::path(root_) / input;
    std::filesystem::create_directories(folder);
    std::ofstream(folder / file, std::ios::binary) << bytes;
    if (state == recordings::SegmentState::Recording)
      std::ofstream(folder / model::openMarkerName(file)) << "";
    if (state == recordings::SegmentState::Interrupted)
      std::ofstream(folder / model::interruptedMarkerName(file)) << "";
    recordings::Segment segment;
    segment.input = input;
    segment.file = file;
    segment.format = name ? name->format : model::SegmentFormat::Mp4;
    segment.start_unix_s = name ? name->start_unix_s : 0;
    segment.size_bytes = bytes.size();
    segment.state = state;
    segments_.push_back(segment);
    return segments_.back();
  }

  std::vector<recordings::Segment> list(const recordings::SegmentQuery& query) const override {
    std::vector<recordings::Segment> out;
    for (const auto& segment : segments_)
      if (recordings::matches(segment, query, g_get_real_time() / G_USEC_PER_SEC))
        out.push_back(segment);
    std::sort(out.begin(), out.end(), recordings::newerFirst);
    return out;
  }
  Result<std::unique_ptr<recordings::OpenSegment>> open(const std::string& input,
                                                        const std::string& file) const override {
    return recordings::openSegmentFile(root_, input, file);
  }
  Result<void> remove(const std::string& input, const std::string& file,
                      const std::string&) override {
    auto removed = recordings::removeSegmentFile(root_, input, file);
    if (!removed) return removed;
    ++removed_;
    segments_.erase(std::remove_if(segments_.begin(), segments_.end(),
                                   [&](const recordings::Segment& s) {
                                     return s.input == input && s.file == file;
                                   }),
                    segments_.end());
    return {};
  }

  const std::string& root() const { return root_; }
  std::vector<recordings::Segment> segments_;
  int removed_ = 0;

 private:
  std::string root_;
};

}  // namespace mls::api::test
