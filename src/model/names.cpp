// Input and output names. See names.h.
#include "model/names.h"

#include <string>

namespace mls::model {

namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool isValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  if (!isLowerAlnum(name.front())) {
    return false;
  }
  for (char c : name) {
    if (!isLowerAlnum(c) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

Result<void> checkName(std::string_view name, const char* field) {
  if (isValidName(name)) {
    return {};
  }
  std::string what = field ? field : "name";
  if (name.empty()) {
    return fail(ErrorCode::Invalid, what + " is required", what);
  }
  // Quote at most 64 bytes, and only printable ASCII, so the message stays readable.
  std::string shown;
  for (char c : name.substr(0, 64)) {
    shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (name.size() > 64) {
    shown += "...";
  }
  return fail(ErrorCode::Invalid,
              "invalid " + what + " '" + shown +
                  "': use 1 to 64 characters among a-z, 0-9, '_' and '-', starting with a "
                  "letter or a digit",
              what);
}

}  // namespace mls::model
