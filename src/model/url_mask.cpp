// Secret masking of URLs and of free text that contains URLs. See url.h; parsing is in url.cpp.
//
// What counts as a secret:
//   - the password of the userinfo (always shown as "••••");
//   - the RTMP stream key: the path after the application (its first segment), so
//     rtmp://host/live2/abcd-efgh-3f9a → rtmp://host/live2/••••3f9a and /app/sub/key → /app/••••;
//     when the application carries a query, the key follows it after a '/'
//     (rtmp://b.rtmp.youtube.com/live2?backup=1/KEY, YouTube's backup ingest);
//   - the value of a secret-looking query parameter: key, streamkey, stream_key, token,
//     access_token, passphrase, password, pass, pwd, secret, auth, sig, signature, streamid (any
//     case), and any name ending in key, token, secret, password, passphrase or signature
//     (api_key, X-Amz-Signature, client_secret…);
//   - a fragment, whole.
// A secret keeps its last 4 characters only when it is at least 12 characters long (enough
// that 4 of them do not help a guess); shorter ones become "••••". A percent-escape or a UTF-8
// sequence counts as one character. A secret that is already masked stays as it is, so masking
// twice changes nothing more. In free text, a URL ends at white space, a quote, '<', '>' or ')',
// and sentence punctuation (.,:;!?) at its end is left outside it.
//
// GUri only decides whether a URL parses; the masking itself works on the text as written, so
// everything that is not a secret comes back byte for byte.
#include <glib.h>

#include <algorithm>
#include <array>
#include <vector>

#include "model/url.h"
#include "model/url_detail.h"

namespace mls::model {

namespace {

constexpr std::string_view kMask = "\u2022\u2022\u2022\u2022";

bool isSchemeChar(char c) { return g_ascii_isalnum(c) || c == '+' || c == '-' || c == '.'; }

bool isSecretKey(std::string_view raw_key) {
  std::string key(raw_key);
  g_autofree gchar* decoded = g_uri_unescape_string(key.c_str(), nullptr);
  g_autofree gchar* lower = g_ascii_strdown(decoded ? decoded : key.c_str(), -1);
  std::string_view k(lower);
  static constexpr std::array<std::string_view, 14> kExact = {
      "key",  "streamkey", "stream_key", "token", "access_token", "passphrase", "password",
      "pass", "pwd",       "secret",     "auth",  "sig",          "signature",  "streamid"};
  static constexpr std::array<std::string_view, 6> kSuffixes = {
      "key", "token", "secret", "password", "passphrase", "signature"};
  for (std::string_view e : kExact) {
    if (k == e) {
      return true;
    }
  }
  for (std::string_view s : kSuffixes) {
    if (k.size() > s.size() && k.substr(k.size() - s.size()) == s) {
      return true;
    }
  }
  return false;
}

// "••••" plus, for a secret of 12 characters or more, its last 4 characters.
std::string maskSecret(std::string_view raw) {
  if (raw.empty()) {
    return {};
  }
  if (raw.substr(0, kMask.size()) == kMask) {
    return std::string(raw);  // masked already
  }
  // Start offsets of the characters: a %XX escape or a UTF-8 sequence is one character.
  std::vector<size_t> starts;
  for (size_t i = 0; i < raw.size();) {
    starts.push_back(i);
    auto c = static_cast<unsigned char>(raw[i]);
    if (c == '%' && i + 2 < raw.size() && g_ascii_isxdigit(raw[i + 1]) &&
        g_ascii_isxdigit(raw[i + 2])) {
      i += 3;
    } else if (c >= 0xC0) {
      i++;
      while (i < raw.size() && (static_cast<unsigned char>(raw[i]) & 0xC0) == 0x80) {
        i++;
      }
    } else {
      i++;
    }
  }
  std::string out(kMask);
  if (starts.size() >= 12) {
    out += raw.substr(starts[starts.size() - 4]);
  }
  return out;
}

std::string maskQuery(std::string_view query) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t amp = query.find('&', pos);
    std::string_view part =
        query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && isSecretKey(part.substr(0, eq))) {
      out += part.substr(0, eq + 1);
      out += maskSecret(part.substr(eq + 1));
    } else {
      out += part;
    }
    if (amp == std::string_view::npos) {
      break;
    }
    out += '&';
    pos = amp + 1;
  }
  return out;
}

// /app/stream-key → /app/••••…: everything after the first segment is the key.
std::string maskRtmpPath(std::string_view path) {
  size_t slash = path.find('/', 1);
  if (path.empty() || slash == std::string_view::npos || slash + 1 >= path.size()) {
    return std::string(path);
  }
  return std::string(path.substr(0, slash + 1)) + maskSecret(path.substr(slash + 1));
}

bool endsUrlInText(char c) {
  return g_ascii_isspace(c) || c == '"' || c == '\'' || c == '`' || c == '>' || c == '<' ||
         c == ')';
}

}  // namespace

namespace detail {

std::string_view schemeOf(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0 || !g_ascii_isalpha(text[0])) {
    return {};
  }
  for (size_t i = 0; i < sep; i++) {
    if (!isSchemeChar(text[i])) {
      return {};
    }
  }
  return text.substr(0, sep);
}

std::string srtHashAsQuery(std::string_view text) {
  std::string out(text);
  std::string_view scheme = schemeOf(text);
  if (scheme.size() != 3 || g_ascii_strncasecmp(scheme.data(), "srt", 3) != 0) {
    return out;
  }
  size_t question = out.find('?');
  if (question == std::string::npos) {
    return out;
  }
  for (size_t i = out.find('#', question); i != std::string::npos; i = out.find('#', i + 3)) {
    out.replace(i, 1, "%23");
  }
  return out;
}

}  // namespace detail

std::string maskUrl(std::string_view text) {
  if (text.empty()) {
    return {};
  }
  std::string_view scheme = detail::schemeOf(text);
  if (scheme.empty()) {
    // Not scheme://…: keep a leading "scheme:" if there is one, mask the rest.
    size_t colon = text.find(':');
    bool has_scheme = colon != std::string_view::npos && colon > 0 && g_ascii_isalpha(text[0]);
    for (size_t i = 0; has_scheme && i < colon; i++) {
      has_scheme = isSchemeChar(text[i]);
    }
    return has_scheme ? std::string(text.substr(0, colon + 1)) + std::string(kMask)
                      : std::string(kMask);
  }
  g_autofree gchar* lower = g_ascii_strdown(scheme.data(), static_cast<gssize>(scheme.size()));
  const std::string_view s(lower);
  if (s == "file") {
    return std::string(text);  // a path in the media directory, no secret
  }

  const std::string prepared = detail::srtHashAsQuery(text);
  std::string unparsable = std::string(scheme) + "://" + std::string(kMask);
  if (!g_uri_split_with_user(prepared.c_str(),
                             static_cast<GUriFlags>(G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED |
                                                    G_URI_FLAGS_NON_DNS),
                             nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                             nullptr, nullptr)) {
    return unparsable;
  }

  std::string_view rest(prepared);
  rest.remove_prefix(scheme.size() + 3);
  std::string out = std::string(scheme) + "://";

  size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos && colon + 1 < userinfo.size()) {
      out += userinfo.substr(0, colon + 1);
      out += kMask;
    } else {
      out += userinfo;
    }
    out += '@';
    authority.remove_prefix(at + 1);
  }
  out += authority;
  rest.remove_prefix(authority_end);

  const bool rtmp = s == "rtmp" || s == "rtmps";
  size_t path_end = std::min(rest.find_first_of("?#"), rest.size());
  std::string_view path = rest.substr(0, path_end);
  std::string masked_path = rtmp ? maskRtmpPath(path) : std::string(path);
  const bool key_in_path = masked_path != path;
  out += masked_path;
  rest.remove_prefix(path_end);

  if (!rest.empty() && rest.front() == '?') {
    size_t query_end = std::min(rest.find('#'), rest.size());
    std::string_view query = rest.substr(1, query_end - 1);
    out += '?';
    size_t slash = query.find('/');
    if (rtmp && !key_in_path && slash != std::string_view::npos) {
      // rtmp://host/app?query/stream-key (YouTube's backup ingest: live2?backup=1/KEY): the
      // application carries a query and the key follows it.
      out += maskQuery(query.substr(0, slash));
      out += '/';
      out += maskSecret(query.substr(slash + 1));
    } else {
      out += maskQuery(query);
    }
    rest.remove_prefix(query_end);
  }
  if (!rest.empty() && rest.front() == '#') {
    out += '#';
    if (rest.size() > 1) {
      out += kMask;
    }
  }
  return out;
}

std::string maskSecretsInText(std::string_view text) {
  std::string out;
  size_t copied = 0;  // text[0, copied) is already in `out`
  size_t pos = 0;
  while (true) {
    size_t sep = text.find("://", pos);
    if (sep == std::string_view::npos) {
      break;
    }
    size_t start = sep;
    while (start > copied && isSchemeChar(text[start - 1])) {
      start--;
    }
    while (start < sep && !g_ascii_isalpha(text[start])) {
      start++;  // schemes begin with a letter
    }
    if (start == sep) {
      pos = sep + 3;
      continue;
    }
    size_t end = sep + 3;
    while (end < text.size() && !endsUrlInText(text[end])) {
      end++;
    }
    // Sentence punctuation after a URL ("…/live2/KEY: refused") is not part of it.
    while (end > sep + 3 &&
           std::string_view(".,:;!?").find(text[end - 1]) != std::string_view::npos) {
      end--;
    }
    out += text.substr(copied, start - copied);
    out += maskUrl(text.substr(start, end - start));
    copied = pos = end;
  }
  out += text.substr(copied);
  return out;
}

}  // namespace mls::model
