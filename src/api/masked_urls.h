// Masked URLs coming back in requests. The API shows URLs masked ("rtmp://…/live2/••••3f9a"),
// so a client that reads a resource and writes it back sends the masked form. Such a URL means
// "unchanged" when it equals the masked form of the URL already stored under the same name; any
// other URL still carrying the mask marker is refused, so a masked key can never replace a real
// one. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "model/spec.h"

namespace mls::api {

// True when `url` contains the mask marker "•".
bool hasMaskMarker(std::string_view url);

// True when `given` is `current` or its masked form.
bool sameUrlOrMasked(const std::string& given, const std::string& current);

// Puts the real URL back wherever `next` has the masked form of the URL that `current` holds
// for the same input (or the same input/output).
void restoreMaskedUrls(model::Config& next, const model::Config& current);

// ErrorCode::Invalid (field `field`) when `url` still carries the mask marker.
Result<void> refuseMaskedUrl(const std::string& url, const std::string& field);
Result<void> refuseMaskedUrls(const model::InputSpec& input);
Result<void> refuseMaskedUrls(const model::Config& config);

}  // namespace mls::api
