// Recording file names: where a segment of an input lives and what its name says, and the
// marker files that tell a segment's state without a database. Pure functions, any thread.
//
// Layout: <recordings-dir>/<input>/<input>_<UTC start YYYYMMDDTHHMMSSZ>[-N].<ext>, ext "mp4"
// (fragmented MP4) or "ts" (MPEG-TS). "-N" (N >= 1) only when two segments of an input start in
// the same second. While a segment is written, an empty marker ".<file>.open" sits beside it and
// is removed when the segment closes cleanly; at start-up a left-over ".open" (a crash) is
// repaired and renamed ".<file>.interrupted", which stays. So a segment is `recording` with an
// .open marker, `interrupted` with an .interrupted marker, `complete` otherwise. Files starting
// with '.' are never segments.
//
// Everything that turns a name from a request into a path goes through isSegmentFileName(): a
// name that passes it has no '/', no "..", no leading '.', so joined onto the input's folder it
// cannot leave it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mls::model {

enum class SegmentFormat { Mp4, Ts };
const char* segmentExtension(SegmentFormat format);  // "mp4", "ts"
std::optional<SegmentFormat> parseSegmentFormat(std::string_view text);  // "mp4", "ts"

// "cam1_20261130T140000Z.mp4" (sequence 0) or "cam1_20261130T140000Z-2.mp4".
std::string segmentFileName(const std::string& input, int64_t start_unix_s,
                            SegmentFormat format, int sequence = 0);

struct SegmentName {
  std::string input;
  int64_t start_unix_s = 0;
  int sequence = 0;
  SegmentFormat format = SegmentFormat::Mp4;
};
// The parts of a segment file name; nullopt for anything else (including every name with '/',
// "..", a leading '.', or an input name that is not a valid one).
std::optional<SegmentName> parseSegmentFileName(std::string_view file);
inline bool isSegmentFileName(std::string_view file) {
  return parseSegmentFileName(file).has_value();
}

// ".cam1_20261130T140000Z.mp4.open" / ".…interrupted".
std::string openMarkerName(const std::string& file);
std::string interruptedMarkerName(const std::string& file);

// "video/mp4" for .mp4, "video/mp2t" for .ts.
const char* segmentContentType(SegmentFormat format);

// "20261130T140000Z" and back (UTC).
std::string compactUtc(int64_t unix_s);
std::optional<int64_t> parseCompactUtc(std::string_view text);
// "2026-11-30T14:00:00Z" (UTC, whole seconds) and back (also accepts fractions and offsets).
std::string isoUtc(int64_t unix_s);
std::optional<int64_t> parseIsoUtc(std::string_view text);

}  // namespace mls::model
