// Redaction of secrets in debugging text. See redact.h.
#include "diag/redact.h"

#include <glib.h>

#include <algorithm>
#include <cstring>

#include "model/url.h"

namespace mls::diag {
namespace {

constexpr std::string_view kMask = "\u2022\u2022\u2022\u2022";
constexpr size_t kMinSecretLength = 4;
constexpr std::string_view kEscapedQuote = "\"\x02";

// Element properties that hold credentials, as gst_debug_bin_to_dot_data() writes them in a
// node label: \nname=\"value\" (the label's own escapes: \n, \", and \\\" for a quote inside).
constexpr const char* kSecretProperties[] = {"stream",  "passphrase", "streamid",    "password",
                                             "user-pw", "proxy-pw",   "secure-token"};

void replaceAll(std::string& text, const std::string& what, std::string_view with) {
  if (what.empty()) return;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

void maskDotProperties(std::string& text) {
  for (const char* name : kSecretProperties) {
    const std::string open = std::string("\\n") + name + "=\\\"";
    for (size_t at = text.find(open); at != std::string::npos; at = text.find(open, at + 1)) {
      size_t value = at + open.size();
      // The value ends at the \" followed by the next \n or by the label's closing quote.
      size_t end = value;
      while ((end = text.find("\\\"", end)) != std::string::npos) {
        char next = end + 2 < text.size() ? text[end + 2] : '"';
        char after = end + 3 < text.size() ? text[end + 3] : '\0';
        if (next == '"' || (next == '\\' && after == 'n')) break;
        end += 2;
      }
      if (end == std::string::npos) break;
      text.replace(value, end - value, kMask);
    }
  }
}

}  // namespace

std::vector<std::string> hiddenPartsOf(std::string_view url) {
  const std::string raw(url);
  const std::string masked = model::maskUrl(url);
  std::vector<std::string> hidden;
  if (masked == raw) return hidden;
  // The masked URL is the raw one with some parts replaced by the marker; a pattern made of the
  // masked URL's literal chunks with a greedy group at each marker recovers those parts (greedy:
  // when a chunk could match in two places, the hidden part is the longer one).
  std::string pattern = "^";
  size_t at = 0;
  for (size_t marker = masked.find(kMask); marker != std::string::npos;
       marker = masked.find(kMask, at)) {
    g_autofree gchar* chunk = g_regex_escape_string(masked.substr(at, marker - at).c_str(), -1);
    pattern += chunk;
    pattern += "(.*)";
    at = marker + kMask.size();
    while (masked.compare(at, kMask.size(), kMask) == 0) at += kMask.size();
  }
  g_autofree gchar* tail = g_regex_escape_string(masked.substr(at).c_str(), -1);
  pattern += tail;
  pattern += "$";
  g_autoptr(GRegex) regex = g_regex_new(pattern.c_str(), GRegexCompileFlags(G_REGEX_DOTALL),
                                        GRegexMatchFlags(0), nullptr);
  g_autoptr(GMatchInfo) match = nullptr;
  if (!regex || !g_regex_match(regex, raw.c_str(), GRegexMatchFlags(0), &match)) {
    // Not a plain replacement (an unparsable URL is masked whole): everything after the scheme.
    size_t scheme_end = raw.find("://");
    std::string rest = scheme_end == std::string::npos ? raw : raw.substr(scheme_end + 3);
    if (rest.size() >= kMinSecretLength) hidden.push_back(rest);
    return hidden;
  }
  for (int group = 1; group < g_match_info_get_match_count(match); ++group) {
    g_autofree gchar* part = g_match_info_fetch(match, group);
    if (!part || strlen(part) < kMinSecretLength) continue;
    hidden.emplace_back(part);
    g_autofree gchar* decoded = g_uri_unescape_string(part, nullptr);
    if (decoded && strcmp(decoded, part) != 0 && strlen(decoded) >= kMinSecretLength)
      hidden.emplace_back(decoded);
  }
  return hidden;
}

std::string redactSecrets(std::string_view text, const std::vector<std::string>& urls) {
  // In DOT labels a URL ends at an escaped quote (\"). URL masking stops at a quote but not at
  // a backslash, which it would take for part of the secret (and a short secret, masked whole,
  // would take the backslash with it and break the label). So \" stands as "\x02 meanwhile.
  std::string out(text);
  replaceAll(out, "\\\"", kEscapedQuote);
  out = model::maskSecretsInText(out);
  replaceAll(out, std::string(kEscapedQuote), "\\\"");
  std::vector<std::string> secrets;
  for (const std::string& url : urls) {
    auto parts = hiddenPartsOf(url);
    secrets.insert(secrets.end(), parts.begin(), parts.end());
  }
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& secret : secrets) replaceAll(out, secret, kMask);
  maskDotProperties(out);
  return out;
}

}  // namespace mls::diag
