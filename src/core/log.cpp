// Operator log lines on stderr. See log.h.
#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstring>
#include <string>

namespace mls::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};

const char* levelName(Level level) {
  switch (level) {
    case Level::Error: return "ERROR";
    case Level::Warning: return "WARN ";
    case Level::Info: return "INFO ";
    case Level::Debug: return "DEBUG";
  }
  return "?    ";
}

}  // namespace

bool parseLevel(const char* text, Level* out) {
  if (!text) return false;
  if (!g_ascii_strcasecmp(text, "error")) *out = Level::Error;
  else if (!g_ascii_strcasecmp(text, "warning") || !g_ascii_strcasecmp(text, "warn"))
    *out = Level::Warning;
  else if (!g_ascii_strcasecmp(text, "info")) *out = Level::Info;
  else if (!g_ascii_strcasecmp(text, "debug")) *out = Level::Debug;
  else return false;
  return true;
}

void setLevel(Level level) { g_level.store(static_cast<int>(level)); }
Level level() { return static_cast<Level>(g_level.load()); }
bool enabled(Level level) { return static_cast<int>(level) <= g_level.load(); }

void write(Level lvl, const char* area, const char* format, ...) {
  if (!enabled(lvl)) return;
  va_list args;
  va_start(args, format);
  g_autofree gchar* message = g_strdup_vprintf(format, args);
  va_end(args);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree gchar* stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
  g_autofree gchar* line = g_strdup_printf("%s.%03dZ %s [%s] %s\n", stamp,
                                           g_date_time_get_microsecond(now) / 1000,
                                           levelName(lvl), area, message);
  ssize_t ignored = ::write(STDERR_FILENO, line, strlen(line));
  (void)ignored;
}

}  // namespace mls::log
