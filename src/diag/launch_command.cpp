// gst-launch-1.0 commands from pipeline descriptions. See launch_command.h.
#include "diag/launch_command.h"

#include <glib.h>

namespace mls::diag {
namespace {

bool shellSafe(unsigned char c) {
  // Non-ASCII (the mask marker "••••") is plain text to a shell.
  return c >= 0x80 || g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == ',' ||
         c == '/' || c == ':' || c == '=' || c == '+' || c == '@' || c == '%' || c == '!';
}

std::string quoteWord(std::string_view word) {
  bool safe = true;
  for (char c : word) safe = safe && shellSafe(static_cast<unsigned char>(c));
  if (safe) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

std::string launchCommand(std::string_view description) {
  std::string command = "gst-launch-1.0 -e";
  size_t at = 0;
  while (at < description.size()) {
    size_t start = description.find_first_not_of(" \t\n", at);
    if (start == std::string_view::npos) break;
    size_t end = description.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = description.size();
    command += ' ';
    command += quoteWord(description.substr(start, end - start));
    at = end;
  }
  return command;
}

}  // namespace mls::diag
