// Logging for operators, filtered by --log-level (error, warning, info, debug). Each line goes
// through GLib structured logging (g_log_structured_array) with the fields MESSAGE, PRIORITY
// (syslog: 3 error, 4 warning, 6 info, 7 debug), GLIB_DOMAIN "mls" and MLS_AREA. The writer
// installed by installWriter() sends them to journald, fields and all, when stderr is the
// journal (mlsd under systemd), and otherwise writes one line on stderr:
// "2026-11-25T03:15:00.123Z INFO  [area] message". Other domains' messages (GLib's criticals)
// keep GLib's default writer. Detailed element-level traces stay in GStreamer's own debug system
// (GST_DEBUG=mls-*:6), one category per module.
//
// Callers mask secrets before logging (model::maskUrl). Thread-safe: each line is written with
// one write(2); the level is set once at start-up.
#pragma once

#include <glib.h>

#include <cstdint>
#include <string>

namespace mls::log {

enum class Level { Error = 0, Warning = 1, Info = 2, Debug = 3 };

// Parses "error", "warning"/"warn", "info", "debug"; false when unknown.
bool parseLevel(const char* text, Level* out);
void setLevel(Level level);
Level level();
bool enabled(Level level);

void write(Level level, const char* area, const char* format, ...) G_GNUC_PRINTF(3, 4);

// Installs the writer described above (once, at start-up, before any thread logs).
void installWriter();
// The stderr line of one message (pure; `unix_us` is the time of the message).
std::string formatLine(Level level, const char* area, const char* message, int64_t unix_us);

}  // namespace mls::log

#define MLS_ERROR(area, ...) ::mls::log::write(::mls::log::Level::Error, area, __VA_ARGS__)
#define MLS_WARN(area, ...) ::mls::log::write(::mls::log::Level::Warning, area, __VA_ARGS__)
#define MLS_INFO(area, ...) ::mls::log::write(::mls::log::Level::Info, area, __VA_ARGS__)
#define MLS_DEBUG(area, ...)                                   \
  do {                                                         \
    if (::mls::log::enabled(::mls::log::Level::Debug))         \
      ::mls::log::write(::mls::log::Level::Debug, area, __VA_ARGS__); \
  } while (0)
