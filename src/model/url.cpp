// Parsing of input and output URLs and the rules for each scheme. See url.h; masking is in
// url_mask.cpp, the parameters of test://, srt:// and udp:// in source_params.cpp.
//
// Generic syntax comes from GUri (HAS_PASSWORD, NON_DNS: hosts are not restricted to DNS
// names, percent-decoded user, password and path). The query is split here so that a value
// holding an encoded '&' or '=' stays whole.
//
// file:// URLs name a file in the media directory, which acts as their root: file:///clip.mp4,
// file://clip.mp4 and file://<media-dir>/clip.mp4 all mean <media-dir>/clip.mp4. parseInputUrl
// resolves the path (following symbolic links) and returns the canonical absolute path in
// Url::path, for the media layer to open. Messages never show the media directory itself.
#include "model/url.h"

#include <glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <utility>

#include "model/source_params.h"
#include "model/url_detail.h"

namespace mls::model {

namespace {

constexpr size_t kMaxUrlLength = 4096;

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::Invalid, std::move(message), "url");
}

std::string shorten(std::string_view text, size_t max = 32) {
  return text.size() > max ? std::string(text.substr(0, max)) + "..." : std::string(text);
}

bool endsWithNoCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         g_ascii_strncasecmp(text.data() + text.size() - suffix.size(), suffix.data(),
                             suffix.size()) == 0;
}

// Percent-decodes `text`; nullopt on a bad escape or an encoded NUL.
std::optional<std::string> unescape(std::string_view text) {
  std::string copy(text);
  g_autofree gchar* decoded = g_uri_unescape_string(copy.c_str(), nullptr);
  if (!decoded) {
    return std::nullopt;
  }
  return std::string(decoded);
}

Result<std::map<std::string, std::string>> parseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    std::string_view part = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
    pos = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    if (part.empty()) {
      continue;
    }
    size_t eq = part.find('=');
    auto key = unescape(part.substr(0, eq));
    auto value = unescape(eq == std::string_view::npos ? "" : part.substr(eq + 1));
    if (!key || !value) {
      return invalid("url has an invalid percent-encoding in its query");
    }
    if (key->empty()) {
      return invalid("url has a query parameter without a name");
    }
    params[*key] = *value;
  }
  return params;
}

// file://… as written; the path is media-dir relative until parseInputUrl resolves it.
Result<Url> parseFileUrl(std::string_view text, std::string_view scheme) {
  std::string_view rest = text.substr(scheme.size() + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid(
        "file:// URLs take no query or fragment (percent-encode '?' as %3F and '#' "
        "as %23; looping is the input's \"loop\" field)");
  }
  auto decoded = unescape(rest);
  if (!decoded) {
    return invalid("file:// URL has an invalid percent-encoding");
  }
  std::string path = *decoded;
  if (path.rfind("localhost/", 0) == 0) {
    path.erase(0, strlen("localhost"));
  }
  if (path.empty() || path == "/") {
    return invalid("file:// URL names no file");
  }
  if (path.front() != '/') {
    path.insert(0, "/");
  }
  Url url;
  url.scheme = "file";
  url.path = std::move(path);
  url.raw = std::string(text);
  return url;
}

Result<void> needHost(const Url& url, const char* example) {
  if (url.host.empty()) {
    return invalid(url.scheme + ":// URLs need a host, like " + example);
  }
  return {};
}

// rtmp://host/app/stream: the stream key is everything after the application. The application
// may carry a query, the stream then follows it: rtmp://b.rtmp.youtube.com/live2?backup=1/KEY.
Result<void> needRtmpAppAndStream(const Url& url) {
  if (auto ok = needHost(url, "rtmp://host/live/stream-key"); !ok) {
    return ok;
  }
  size_t slash = url.path.find('/', 1);
  bool ok =
      url.path.size() > 1 && slash != std::string::npos && slash > 1 && slash + 1 < url.path.size();
  if (!ok && url.path.size() > 1 && slash == std::string::npos) {
    size_t question = url.raw.find('?');
    size_t key = question == std::string::npos ? question : url.raw.find('/', question);
    ok = key != std::string::npos && key + 1 < url.raw.size();
  }
  if (!ok) {
    return invalid(url.scheme + ":// URLs need an application and a stream name, like " +
                   url.scheme + "://host/live/stream-key");
  }
  return {};
}

// The canonical file a file:// URL names, confined to media_dir.
Result<std::string> resolveMediaFile(const std::string& path, const std::string& media_dir) {
  if (media_dir.empty()) {
    return invalid("file:// inputs need --media-dir (the server was started without one)");
  }
  char root_buf[PATH_MAX];
  if (!realpath(media_dir.c_str(), root_buf)) {
    return fail(ErrorCode::Internal, "the media directory (--media-dir) cannot be read", "url");
  }
  const std::string root(root_buf);

  // Shown in messages: the path relative to the media directory, never the directory itself.
  std::string relative =
      path.rfind(root + "/", 0) == 0 ? path.substr(root.size() + 1) : path.substr(1);
  const std::string shown = "'" + shorten(relative, 200) + "'";
  std::string with_slashes = "/" + relative + "/";
  if (with_slashes.find("/../") != std::string::npos) {
    return invalid("file:// paths may not contain '..'");
  }

  std::string candidate = root + "/" + relative;
  char resolved_buf[PATH_MAX];
  if (!realpath(candidate.c_str(), resolved_buf)) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return invalid("file " + shown + " does not exist in the media directory");
    }
    return invalid("file " + shown + " cannot be opened: " + g_strerror(errno));
  }
  std::string resolved(resolved_buf);
  if (resolved.rfind(root + "/", 0) != 0) {
    return invalid("file " + shown +
                   " is outside the media directory (a symbolic link leads out of it)");
  }
  struct stat st;
  if (stat(resolved.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return invalid(shown + " is not a regular file");
  }
  if (access(resolved.c_str(), R_OK) != 0) {
    return invalid("file " + shown + " cannot be read");
  }
  return resolved;
}

std::string list(std::initializer_list<const char*> items, const char* last_joiner) {
  std::string out;
  size_t i = 0;
  for (const char* item : items) {
    if (i > 0) {
      out += (i + 1 == items.size()) ? last_joiner : ", ";
    }
    out += item;
    i++;
  }
  return out;
}

}  // namespace

Result<Url> parseUrl(std::string_view text) {
  if (text.empty()) {
    return invalid("url is required");
  }
  if (text.size() > kMaxUrlLength) {
    return invalid("url is longer than 4096 characters");
  }
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) {
      return invalid(
          "url contains a space or a control character (percent-encode a space as "
          "%20)");
    }
  }
  if (text.find("\u2022") != std::string_view::npos) {
    return invalid(
        "url contains a masked secret (\u2022\u2022\u2022\u2022): send the full URL "
        "with its stream key or password");
  }
  std::string_view written_scheme = detail::schemeOf(text);
  if (written_scheme.empty()) {
    return invalid("url must start with a scheme and '://', like rtsp://host/path");
  }
  g_autofree gchar* scheme_lower =
      g_ascii_strdown(written_scheme.data(), static_cast<gssize>(written_scheme.size()));
  if (std::string_view(scheme_lower) == "file") {
    return parseFileUrl(text, written_scheme);
  }

  std::string prepared = detail::srtHashAsQuery(text);
  g_autoptr(GError) error = nullptr;
  g_autoptr(GUri) uri =
      g_uri_parse(prepared.c_str(),
                  static_cast<GUriFlags>(G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_NON_DNS |
                                         G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_FRAGMENT),
                  &error);
  if (!uri) {
    return invalid("invalid URL: " + maskSecretsInText(error->message));
  }
  if (g_uri_get_fragment(uri)) {
    return invalid("url must not contain '#' (a fragment): percent-encode it as %23");
  }

  Url url;
  url.scheme = g_uri_get_scheme(uri);
  url.user = g_uri_get_user(uri) ? g_uri_get_user(uri) : "";
  url.password = g_uri_get_password(uri) ? g_uri_get_password(uri) : "";
  url.host = g_uri_get_host(uri) ? g_uri_get_host(uri) : "";
  url.port = std::max(0, g_uri_get_port(uri));
  url.path = g_uri_get_path(uri);
  if (const char* query = g_uri_get_query(uri)) {
    auto params = parseQuery(query);
    if (!params) {
      return fail(params.error());
    }
    url.query = std::move(*params);
  }
  if (!g_uri_get_host(uri)) {
    return invalid("url must have the form " + url.scheme + "://host/…");
  }
  url.raw = std::string(text);
  return url;
}

Result<Url> parseInputUrl(std::string_view text, const std::string& media_dir) {
  auto url = parseUrl(text);
  if (!url) {
    return url;
  }
  const std::string& s = url->scheme;
  Result<void> ok;
  if (s == "rtsp" || s == "rtsps") {
    ok = needHost(*url, "rtsp://camera/stream");
  } else if (s == "rtmp" || s == "rtmps") {
    ok = needRtmpAppAndStream(*url);
  } else if (s == "srt") {
    auto params = srtParams(*url);
    if (!params) {
      ok = fail(params.error());
    }
  } else if (s == "http" || s == "https") {
    ok = needHost(*url, "https://host/live/index.m3u8");
    if (ok && !endsWithNoCase(url->path, ".m3u8")) {
      ok = invalid(s + ":// inputs must be HLS playlists: the path must end in .m3u8");
    }
  } else if (s == "udp") {
    auto params = udpParams(*url);
    if (!params) {
      ok = fail(params.error());
    }
  } else if (s == "file") {
    auto resolved = resolveMediaFile(url->path, media_dir);
    if (!resolved) {
      return fail(resolved.error());
    }
    url->path = std::move(*resolved);
  } else if (s == "test") {
    auto params = testParams(*url);
    if (!params) {
      ok = fail(params.error());
    }
  } else {
    ok = invalid(
        "unsupported input scheme '" + shorten(s) + "': use " +
        list({"rtsp", "rtsps", "rtmp", "rtmps", "srt", "http(s)…m3u8", "udp", "file", "test"},
             " or "));
  }
  if (!ok) {
    return fail(ok.error());
  }
  return url;
}

Result<Url> parseOutputUrl(std::string_view text) {
  auto url = parseUrl(text);
  if (!url) {
    return url;
  }
  const std::string& s = url->scheme;
  Result<void> ok;
  if (s == "rtmp" || s == "rtmps") {
    ok = needRtmpAppAndStream(*url);
  } else if (s == "srt") {
    auto params = srtParams(*url);
    if (!params) {
      ok = fail(params.error());
    }
  } else if (s == "rtsp") {
    ok = needHost(*url, "rtsp://server:8554/path");
  } else if (s == "udp") {
    auto params = udpParams(*url);
    if (!params) {
      ok = fail(params.error());
    } else if (params->host.empty()) {
      ok = invalid("udp:// outputs need a destination host, like udp://239.1.1.1:5000");
    }
  } else {
    ok = invalid("unsupported output scheme '" + shorten(s) + "': use " +
                 list({"rtmp", "rtmps", "srt", "rtsp", "udp"}, " or "));
  }
  if (!ok) {
    return fail(ok.error());
  }
  return url;
}

}  // namespace mls::model
