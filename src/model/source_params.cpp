// Parameters of test://, srt://, udp:// and publish rtsp:// URLs. See source_params.h.
#include "model/source_params.h"

#include <gio/gio.h>

#include <algorithm>
#include <initializer_list>

#include "model/units.h"

namespace mls::model {

namespace {

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::Invalid, std::move(message), "url");
}

// Refuses query keys outside `known`, naming the first one and listing the accepted ones.
Result<void> checkQueryKeys(const Url& url, std::initializer_list<const char*> known) {
  for (const auto& param : url.query) {
    const std::string& key = param.first;
    bool found = std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; });
    if (found) {
      continue;
    }
    std::string list;
    for (const char* k : known) {
      if (!list.empty()) {
        list += ", ";
      }
      list += k;
    }
    std::string shown = key.size() > 32 ? key.substr(0, 32) + "..." : key;
    return invalid("unknown " + url.scheme + ":// parameter '" + shown + "': use " + list);
  }
  return {};
}

const std::string* queryValue(const Url& url, const char* key) {
  auto it = url.query.find(key);
  return it == url.query.end() ? nullptr : &it->second;
}

Result<void> checkNoPath(const Url& url) {
  if (!url.path.empty() && url.path != "/") {
    return invalid(url.scheme + ":// URLs have no path (got '" + url.path + "')");
  }
  return {};
}

Result<void> checkNoUserInfo(const Url& url, const char* hint) {
  if (!url.user.empty() || !url.password.empty()) {
    return invalid(url.scheme + ":// URLs take no user or password" + std::string(hint));
  }
  return {};
}

Result<int> intParam(const Url& url, const char* key, int min, int max, const char* unit) {
  const std::string* text = queryValue(url, key);
  int value = 0;
  if (!parseInt(*text, &value) || value < min || value > max) {
    return invalid(url.scheme + ":// parameter " + key + " must be an integer from " +
                   std::to_string(min) + " to " + std::to_string(max) + unit + " (got '" +
                   (text->size() > 16 ? text->substr(0, 16) + "..." : *text) + "')");
  }
  return value;
}

Result<int> portOf(const Url& url) {
  if (url.port < 1 || url.port > 65535) {
    return invalid(url.scheme + ":// URLs need a port from 1 to 65535, like " + url.scheme +
                   "://host:5000");
  }
  return url.port;
}

}  // namespace

const std::vector<std::string>& testPatterns() {
  static const std::vector<std::string> patterns = {
      "smpte",       "ball",  "snow",       "black",      "white",      "red",
      "green",       "blue",  "checkers-1", "checkers-2", "checkers-4", "checkers-8",
      "circular",    "blink", "smpte75",    "zone-plate", "gamut",      "chroma-zone-plate",
      "solid-color", "bar",   "pinwheel",   "spokes",     "gradient",   "colors",
      "smpte100"};
  return patterns;
}

Result<TestParams> testParams(const Url& url) {
  if (url.scheme != "test") {
    return invalid("not a test:// URL");
  }
  if (auto ok = checkNoUserInfo(url, ""); !ok) {
    return fail(ok.error());
  }
  if (url.port != 0) {
    return invalid("test:// URLs take no port");
  }
  if (auto ok = checkNoPath(url); !ok) {
    return fail(ok.error());
  }
  if (auto ok = checkQueryKeys(url, {"size", "fps", "audio", "video", "bitrate"}); !ok) {
    return fail(ok.error());
  }

  TestParams params;
  if (!url.host.empty()) {
    const auto& patterns = testPatterns();
    if (std::find(patterns.begin(), patterns.end(), url.host) == patterns.end()) {
      std::string list;
      for (const auto& p : patterns) {
        list += (list.empty() ? "" : ", ") + p;
      }
      std::string shown = url.host.size() > 32 ? url.host.substr(0, 32) + "..." : url.host;
      return invalid("unknown test pattern '" + shown + "': use one of " + list);
    }
    params.pattern = url.host;
  }
  if (const std::string* size = queryValue(url, "size")) {
    int w = 0;
    int h = 0;
    if (!parseResolution(*size, &w, &h) || w < 16 || w > 7680 || h < 16 || h > 4320 || w % 2 != 0 ||
        h % 2 != 0) {
      return invalid("test:// size must be WIDTHxHEIGHT, even, from 16x16 to 7680x4320 (got '" +
                     (size->size() > 16 ? size->substr(0, 16) + "..." : *size) + "')");
    }
    params.width = w;
    params.height = h;
  }
  if (queryValue(url, "fps")) {
    auto fps = intParam(url, "fps", 1, 120, " frames per second");
    if (!fps) {
      return fail(fps.error());
    }
    params.fps = *fps;
  }
  if (queryValue(url, "bitrate")) {
    auto bitrate = intParam(url, "bitrate", 100, 100000, " kb/s");
    if (!bitrate) {
      return fail(bitrate.error());
    }
    params.bitrate_kbps = *bitrate;
  }
  for (auto [key, target] :
       {std::pair{"audio", &params.audio}, std::pair{"video", &params.video}}) {
    if (const std::string* text = queryValue(url, key)) {
      if (!parseBool(*text, target)) {
        return invalid(std::string("test:// parameter ") + key + " must be 0, 1, true or false");
      }
    }
  }
  if (!params.audio && !params.video) {
    return invalid("test:// needs video or audio (or both)");
  }
  return params;
}

const char* srtModeName(SrtParams::Mode mode) {
  switch (mode) {
    case SrtParams::Mode::Caller:
      return "caller";
    case SrtParams::Mode::Listener:
      return "listener";
    case SrtParams::Mode::Rendezvous:
      return "rendezvous";
  }
  return "caller";
}

Result<SrtParams> srtParams(const Url& url) {
  if (url.scheme != "srt") {
    return invalid("not an srt:// URL");
  }
  if (auto ok = checkNoUserInfo(url, ": use ?passphrase= and ?streamid="); !ok) {
    return fail(ok.error());
  }
  if (auto ok = checkNoPath(url); !ok) {
    return fail(ok.error());
  }
  if (auto ok = checkQueryKeys(url, {"mode", "passphrase", "pbkeylen", "streamid", "latency"});
      !ok) {
    return fail(ok.error());
  }

  SrtParams params;
  if (const std::string* mode = queryValue(url, "mode")) {
    if (*mode == "caller") {
      params.mode = SrtParams::Mode::Caller;
    } else if (*mode == "listener") {
      params.mode = SrtParams::Mode::Listener;
    } else if (*mode == "rendezvous") {
      params.mode = SrtParams::Mode::Rendezvous;
    } else {
      return invalid("srt:// mode must be caller, listener or rendezvous");
    }
  }
  params.host = url.host;
  if (params.host.empty() && params.mode != SrtParams::Mode::Listener) {
    return invalid(std::string("srt:// ") + srtModeName(params.mode) +
                   " needs a host, like srt://host:9000 (only a listener may leave it empty)");
  }
  auto port = portOf(url);
  if (!port) {
    return fail(port.error());
  }
  params.port = *port;

  if (const std::string* passphrase = queryValue(url, "passphrase")) {
    // Never quote the passphrase, not even its length.
    if (passphrase->size() < 10 || passphrase->size() > 79) {
      return invalid("srt:// passphrase must be 10 to 79 characters long");
    }
    params.passphrase = *passphrase;
  }
  if (queryValue(url, "pbkeylen")) {
    auto len = intParam(url, "pbkeylen", 16, 32, "");
    if (!len || (*len != 16 && *len != 24 && *len != 32)) {
      return invalid("srt:// pbkeylen must be 16, 24 or 32");
    }
    params.pbkeylen = *len;
  }
  if (const std::string* streamid = queryValue(url, "streamid")) {
    if (streamid->size() > 512) {
      return invalid("srt:// streamid is longer than 512 characters");
    }
    params.streamid = *streamid;
  }
  if (queryValue(url, "latency")) {
    auto latency = intParam(url, "latency", 0, 10000, " ms");
    if (!latency) {
      return fail(latency.error());
    }
    params.latency_ms = *latency;
  }
  return params;
}

Result<UdpParams> udpParams(const Url& url) {
  if (url.scheme != "udp") {
    return invalid("not a udp:// URL");
  }
  // udp://@group:port parses as an empty user: that is the accepted '@' form.
  if (auto ok = checkNoUserInfo(url, ""); !ok) {
    return fail(ok.error());
  }
  if (auto ok = checkNoPath(url); !ok) {
    return fail(ok.error());
  }
  if (auto ok = checkQueryKeys(url, {"iface", "ttl"}); !ok) {
    return fail(ok.error());
  }

  UdpParams params;
  params.host = url.host;
  auto port = portOf(url);
  if (!port) {
    return fail(port.error());
  }
  params.port = *port;
  if (!params.host.empty()) {
    g_autoptr(GInetAddress) address = g_inet_address_new_from_string(params.host.c_str());
    params.multicast = address && g_inet_address_get_is_multicast(address);
  }
  if (const std::string* iface = queryValue(url, "iface")) {
    bool ok = !iface->empty() && iface->size() <= 15 &&
              std::all_of(iface->begin(), iface->end(), [](char c) {
                return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
              });
    if (!ok) {
      return invalid(
          "udp:// iface must be a network interface name (1 to 15 characters "
          "among letters, digits, '_', '-' and '.')");
    }
    params.iface = *iface;
  }
  if (queryValue(url, "ttl")) {
    auto ttl = intParam(url, "ttl", 0, 255, "");
    if (!ttl) {
      return fail(ttl.error());
    }
    params.ttl = *ttl;
  }
  return params;
}

bool isRtspPublish(const Url& url) {
  auto it = url.query.find("mode");
  return (url.scheme == "rtsp" || url.scheme == "rtsps") && it != url.query.end() &&
         it->second == "publish";
}

bool isRtspPublishUrl(std::string_view text) {
  auto url = parseUrl(text);
  return url && isRtspPublish(*url);
}

Result<void> checkRtspPublish(const Url& url, const std::string& input, int rtsp_port) {
  const std::string example = "rtsp://0.0.0.0:" + std::to_string(rtsp_port > 0 ? rtsp_port : 8554) +
                              "/" + input + "?mode=publish";
  if (url.scheme != "rtsp") {
    return invalid("publish inputs are served by mlsd's own RTSP server: use " + example);
  }
  if (auto ok = checkNoUserInfo(url, ": publishers authenticate with --rtsp-publish-credentials");
      !ok) {
    return fail(ok.error());
  }
  if (auto ok = checkQueryKeys(url, {"mode"}); !ok) {
    return fail(ok.error());
  }
  if (url.path != "/" + input) {
    std::string shown = url.path.size() > 70 ? url.path.substr(0, 70) + "..." : url.path;
    return invalid("a publish input is published at its own name: the path must be /" + input +
                   " (got '" + shown + "'), like " + example);
  }
  if (url.port != 0 && rtsp_port > 0 && url.port != rtsp_port) {
    return invalid("the RTSP server listens on port " + std::to_string(rtsp_port) + ", not " +
                   std::to_string(url.port) + ": use " + example + " (or leave the port out)");
  }
  return {};
}

}  // namespace mls::model
