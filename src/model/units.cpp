// Strict parsing of numbers, booleans, bitrates and resolutions. See units.h.
#include "model/units.h"

#include <glib.h>

#include <cerrno>
#include <climits>
#include <cmath>

namespace mls::model {

bool parseInt64(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 32) {
    return false;
  }
  std::string copy(text);
  const char* begin = copy.c_str();
  if (*begin == '+' || *begin == '-') {
    begin++;
  }
  if (!g_ascii_isdigit(*begin)) {
    return false;  // no spaces, no empty digits
  }
  char* end = nullptr;
  errno = 0;
  gint64 value = g_ascii_strtoll(copy.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') {
    return false;
  }
  *out = value;
  return true;
}

bool parseInt(std::string_view text, int* out) {
  int64_t value = 0;
  if (!parseInt64(text, &value) || value < INT_MIN || value > INT_MAX) {
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

bool parseDouble(std::string_view text, double* out) {
  if (text.empty() || text.size() > 64) {
    return false;
  }
  std::string copy(text);
  const char* begin = copy.c_str();
  if (*begin == '+' || *begin == '-') {
    begin++;
  }
  if (!g_ascii_isdigit(*begin) && *begin != '.') {
    return false;  // refuses "inf", "nan", " 1"
  }
  char* end = nullptr;
  errno = 0;
  double value = g_ascii_strtod(copy.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(value)) {
    return false;
  }
  *out = value;
  return true;
}

bool parseBool(std::string_view text, bool* out) {
  std::string copy(text);
  if (copy == "1" || !g_ascii_strcasecmp(copy.c_str(), "true")) {
    *out = true;
  } else if (copy == "0" || !g_ascii_strcasecmp(copy.c_str(), "false")) {
    *out = false;
  } else {
    return false;
  }
  return true;
}

Result<int> parseBitrateKbps(std::string_view text, const std::string& field) {
  std::string_view number = text;
  double scale_to_kbps = 0.001;  // no unit: bits per second
  bool has_unit = false;
  if (!number.empty()) {
    char unit = number.back();
    if (unit == 'k' || unit == 'K') {
      scale_to_kbps = 1;
      has_unit = true;
    } else if (unit == 'm' || unit == 'M') {
      scale_to_kbps = 1000;
      has_unit = true;
    }
    if (has_unit) {
      number.remove_suffix(1);
    }
  }
  double value = 0;
  if (!parseDouble(number, &value) || value < 0) {
    return fail(ErrorCode::Invalid,
                field + " \"" + std::string(text) +
                    "\" is not a bitrate: use kb/s as a number (4500) or text such as "
                    "\"4500k\", \"4.5M\" or \"4500000\" (b/s)",
                field);
  }
  if (!has_unit && value > 0 && value < 1000) {
    return fail(ErrorCode::Invalid,
                field + " \"" + std::string(text) +
                    "\" has no unit, so it reads as bits per second: write \"" + std::string(text) +
                    "k\" for kb/s",
                field);
  }
  double kbps = value * scale_to_kbps;
  if (kbps > 10'000'000) {
    return fail(ErrorCode::Invalid, field + " \"" + std::string(text) + "\" is too large", field);
  }
  return static_cast<int>(std::lround(kbps));
}

bool parseResolution(std::string_view text, int* width, int* height) {
  size_t x = text.find_first_of("xX");
  if (x == std::string_view::npos) {
    return false;
  }
  int w = 0;
  int h = 0;
  std::string_view ws = text.substr(0, x);
  std::string_view hs = text.substr(x + 1);
  if (ws.empty() || hs.empty() || !g_ascii_isdigit(ws.front()) || !g_ascii_isdigit(hs.front())) {
    return false;
  }
  if (!parseInt(ws, &w) || !parseInt(hs, &h) || w <= 0 || h <= 0) {
    return false;
  }
  *width = w;
  *height = h;
  return true;
}

std::string formatResolution(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

}  // namespace mls::model
