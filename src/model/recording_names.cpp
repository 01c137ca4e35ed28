// Recording file names and markers. See recording_names.h.
#include "model/recording_names.h"

#include <glib.h>

#include <cstdio>

#include "model/names.h"
#include "model/units.h"

namespace mls::model {

namespace {

constexpr size_t kStampLength = 16;  // "20261130T140000Z"

bool allDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

const char* segmentExtension(SegmentFormat format) {
  return format == SegmentFormat::Ts ? "ts" : "mp4";
}

std::optional<SegmentFormat> parseSegmentFormat(std::string_view text) {
  if (text == "mp4") return SegmentFormat::Mp4;
  if (text == "ts") return SegmentFormat::Ts;
  return std::nullopt;
}

const char* segmentContentType(SegmentFormat format) {
  return format == SegmentFormat::Ts ? "video/mp2t" : "video/mp4";
}

std::string compactUtc(int64_t unix_s) {
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(unix_s);
  if (!time) return "00000000T000000Z";
  g_autofree gchar* text = g_date_time_format(time, "%Y%m%dT%H%M%SZ");
  return text;
}

std::optional<int64_t> parseCompactUtc(std::string_view text) {
  if (text.size() != kStampLength || text[8] != 'T' || text[15] != 'Z' ||
      !allDigits(text.substr(0, 8)) || !allDigits(text.substr(9, 6)))
    return std::nullopt;
  auto number = [&](size_t at, size_t length) {
    int value = 0;
    for (size_t i = at; i < at + length; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autoptr(GDateTime) time =
      g_date_time_new(utc, number(0, 4), number(4, 2), number(6, 2), number(9, 2), number(11, 2),
                      number(13, 2));
  if (!time) return std::nullopt;
  // g_date_time_new() normalizes nothing, but reject 24:00:00 and friends by formatting back.
  if (compactUtc(g_date_time_to_unix(time)) != text) return std::nullopt;
  return g_date_time_to_unix(time);
}

std::string isoUtc(int64_t unix_s) {
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(unix_s);
  if (!time) return "1970-01-01T00:00:00Z";
  g_autofree gchar* text = g_date_time_format(time, "%Y-%m-%dT%H:%M:%SZ");
  return text;
}

std::optional<int64_t> parseIsoUtc(std::string_view text) {
  std::string copy(text);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601(copy.c_str(), utc);
  if (!time) return std::nullopt;
  return g_date_time_to_unix(time);
}

std::string segmentFileName(const std::string& input, int64_t start_unix_s,
                            SegmentFormat format, int sequence) {
  std::string name = input + "_" + compactUtc(start_unix_s);
  if (sequence > 0) name += "-" + std::to_string(sequence);
  return name + "." + segmentExtension(format);
}

std::optional<SegmentName> parseSegmentFileName(std::string_view file) {
  size_t dot = file.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto format = parseSegmentFormat(file.substr(dot + 1));
  if (!format) return std::nullopt;
  std::string_view stem = file.substr(0, dot);

  // The stamp (and its optional "-N") follows the last '_': stamps have no '_', names may.
  size_t underscore = stem.rfind('_');
  if (underscore == std::string_view::npos) return std::nullopt;
  std::string_view input = stem.substr(0, underscore);
  std::string_view stamp = stem.substr(underscore + 1);
  SegmentName out;
  out.format = *format;
  if (stamp.size() > kStampLength) {
    std::string_view digits = stamp.substr(kStampLength + 1);
    if (stamp[kStampLength] != '-' || !allDigits(digits) || digits[0] == '0' ||
        !parseInt(digits, &out.sequence))
      return std::nullopt;
    stamp = stamp.substr(0, kStampLength);
  }
  auto start = parseCompactUtc(stamp);
  if (!start || !isValidName(input)) return std::nullopt;
  out.input = std::string(input);
  out.start_unix_s = *start;
  return out;
}

std::string openMarkerName(const std::string& file) { return "." + file + ".open"; }

std::string interruptedMarkerName(const std::string& file) { return "." + file + ".interrupted"; }

}  // namespace mls::model
