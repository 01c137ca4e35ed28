// Redaction of secrets in debugging text (pipeline graphs, gst-launch lines) before it leaves
// mlsd. Three layers, because a pipeline repeats a URL's secrets in places no URL pattern finds
// (rtmp2sink's `stream` property holds the bare stream key):
//   1. every URL in the text is masked (model::maskSecretsInText);
//   2. every secret of the URLs the caller names (what model::maskUrl hides in them: stream
//      keys, passwords, secret query values; as written and percent-decoded) is replaced by
//      "••••" wherever it appears;
//   3. the values of element properties that carry credentials (stream, passphrase, streamid,
//      password, user-pw, proxy-pw, secure-token) are replaced by "••••" in DOT text.
// Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mls::diag {

// What model::maskUrl(url) hides, as separate strings (each at least 4 characters long; shorter
// ones are left to layers 1 and 3), raw and percent-decoded.
std::vector<std::string> hiddenPartsOf(std::string_view url);

// `text` with the three layers applied, `urls` naming the secrets of layer 2.
std::string redactSecrets(std::string_view text, const std::vector<std::string>& urls);

}  // namespace mls::diag
