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

std::string formatLine(Level lvl, const char* area, const char* message, int64_t unix_us) {
  g_autoptr(GDateTime) second = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_add(second, unix_us % G_USEC_PER_SEC);
  g_autofree gchar* stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
  g_autofree gchar* line = g_strdup_printf("%s.%03dZ %s [%s] %s\n", stamp,
                                           g_date_time_get_microsecond(now) / 1000,
                                           levelName(lvl), area, message);
  return line;
}

void write(Level lvl, const char* area, const char* format, ...) {
  if (!enabled(lvl)) return;
  va_list args;
  va_start(args, format);
  g_autofree gchar* message = g_strdup_vprintf(format, args);
  va_end(args);
  const char* priority = lvl == Level::Error     ? "3"
                         : lvl == Level::Warning ? "4"
                         : lvl == Level::Info    ? "6"
                                                 : "7";
  const char* level_text = levelName(lvl);
  const GLogField fields[] = {
      {"MESSAGE", message, -1},
      {"PRIORITY", priority, -1},
      {"GLIB_DOMAIN", "mls", -1},
      {"MLS_AREA", area, -1},
      {"MLS_LEVEL", level_text, -1},
  };
  // Never a level GLib may make fatal (G_DEBUG=fatal-warnings/criticals): the severity is in
  // PRIORITY, which the writer reads.
  g_log_structured_array(lvl == Level::Debug ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_INFO, fields,
                         G_N_ELEMENTS(fields));
}

namespace {

const char* fieldValue(const GLogField* fields, gsize n, const char* key) {
  for (gsize i = 0; i < n; ++i)
    if (!strcmp(fields[i].key, key) && fields[i].length < 0)
      return static_cast<const char*>(fields[i].value);
  return nullptr;
}

GLogWriterOutput writeField(GLogLevelFlags level, const GLogField* fields, gsize n,
                            gpointer) noexcept {
  const char* area = fieldValue(fields, n, "MLS_AREA");
  const char* domain = fieldValue(fields, n, "GLIB_DOMAIN");
  if (!area || !domain || strcmp(domain, "mls") != 0)
    return g_log_writer_default(level, fields, n, nullptr);
  static const bool journal = g_log_writer_is_journald(STDERR_FILENO);
  if (journal) return g_log_writer_journald(level, fields, n, nullptr);
  const char* message = fieldValue(fields, n, "MESSAGE");
  const char* priority = fieldValue(fields, n, "PRIORITY");
  Level lvl = !priority            ? Level::Info
              : priority[0] == '3' ? Level::Error
              : priority[0] == '4' ? Level::Warning
              : priority[0] == '7' ? Level::Debug
                                   : Level::Info;
  std::string line = formatLine(lvl, area, message ? message : "", g_get_real_time());
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
  return G_LOG_WRITER_HANDLED;
}

}  // namespace

void installWriter() { g_log_set_writer_func(writeField, nullptr, nullptr); }

}  // namespace mls::log
