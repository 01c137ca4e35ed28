// RecordingFiles: the files of one recorder run. mlssegmentsink asks it for each new segment's
// path (format-location-full, on the video streaming thread, as the segment's first keyframe
// arrives): it picks a free name from the UTC time of that moment (model/recording_names.h) and
// creates the segment's ".open" marker before the muxer opens the file, so a crash at any moment
// leaves a marker. When a segment closes cleanly (splitmuxsink-fragment-closed on the bus, main
// thread; mlssegmentsink keeps splitmuxsink's message names) the marker goes.
// When the run ends without a clean end of stream (error, drain deadline), the segments still
// open are repaired and marked interrupted (segment_repair.h).
//
// Shared by the recorder's OutputPipeline (bus handling, main thread) and the mlssegmentsink
// signal (streaming thread); `lock_` protects open_.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "model/recording_names.h"

namespace mls::media {

class RecordingFiles {
 public:
  RecordingFiles(std::string dir, std::string input, model::SegmentFormat format);

  const std::string& dir() const { return dir_; }
  model::SegmentFormat format() const { return format_; }

  // Streaming thread. The full path of the next segment, starting now; its marker exists.
  // Empty when the marker cannot be created (the caller posts the error).
  std::string nextLocation(std::string* error);
  // Main thread: the segment at `location` was closed cleanly. Returns its file name.
  std::string closed(const std::string& location);
  // Main thread, after the pipeline reached NULL: what is still open ended with the stream
  // (`clean`: EOS went through, the files are complete) or was cut short (repaired, interrupted).
  void finish(bool clean);

  std::vector<std::string> openFiles() const;

  // The timestamp of the run's first video buffer (GST_CLOCK_TIME_NONE until then): the
  // recorder's audio starts there (RecorderBuilder).
  std::shared_ptr<std::atomic<GstClockTime>> videoStart() const { return video_start_; }

 private:
  const std::string dir_;
  const std::string input_;
  const model::SegmentFormat format_;
  mutable std::mutex lock_;
  std::set<std::string> open_;  // file names; protected by lock_
  std::shared_ptr<std::atomic<GstClockTime>> video_start_ =
      std::make_shared<std::atomic<GstClockTime>>(GST_CLOCK_TIME_NONE);
};

}  // namespace mls::media
