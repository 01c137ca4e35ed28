// Numbers as people write them in URLs, JSON, flags and config files: strict integers, booleans,
// bitrates ("4500k", "4.5M", "4500000") and resolutions ("1920x1080"). Shared by the JSON
// mapping, the URL parameters, the server options and the Go-MLS compatibility routes, so the
// same text means the same thing everywhere. Pure functions, any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mls::model {

// The whole text is a decimal integer with an optional sign; no spaces, no overflow.
bool parseInt64(std::string_view text, int64_t* out);
bool parseInt(std::string_view text, int* out);
// The whole text is a finite decimal number ("2.5", "3"), independent of the locale.
bool parseDouble(std::string_view text, double* out);
// "0", "1", "true", "false" (any case).
bool parseBool(std::string_view text, bool* out);

// A bitrate written as text, in kb/s (rounded): "4500k" / "4500K" is 4500 kb/s, "4.5M" / "4.5m"
// is 4500 kb/s, and a number without a unit ("4500000") is bits per second, as in ffmpeg.
// A unitless value under 1000 b/s is refused with a hint ("write \"128k\""), since it is almost
// always kb/s written without its unit. ErrorCode::Invalid naming `field`.
Result<int> parseBitrateKbps(std::string_view text, const std::string& field);

// "1920x1080" (or "1920X1080") to width and height; both positive.
bool parseResolution(std::string_view text, int* width, int* height);
std::string formatResolution(int width, int height);

}  // namespace mls::model
