// Names of inputs and outputs: ^[a-z0-9][a-z0-9_-]{0,63}$. They become URL path segments, file
// names and RTSP mount points, so nothing else is accepted. Pure functions, any thread.
#pragma once

#include <string_view>

#include "core/result.h"

namespace mls::model {

bool isValidName(std::string_view name);

// Ok, or ErrorCode::Invalid with field `field` and a message quoting the rule.
Result<void> checkName(std::string_view name, const char* field = "name");

}  // namespace mls::model
