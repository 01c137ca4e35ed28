// Internal to url.cpp and url_mask.cpp (not for other folders): the pieces both need so a URL is
// split the same way when it is parsed and when it is masked. Pure, any thread.
#pragma once

#include <string>
#include <string_view>

namespace mls::model::detail {

// The scheme of "scheme://…" (as written), or "" when the text does not start with one.
std::string_view schemeOf(std::string_view text);

// SRT tools write stream ids as "?streamid=#!::r=live,m=publish"; a '#' after the '?' of an
// srt:// URL is percent-encoded so it stays in the query instead of starting a fragment.
std::string srtHashAsQuery(std::string_view text);

}  // namespace mls::model::detail
