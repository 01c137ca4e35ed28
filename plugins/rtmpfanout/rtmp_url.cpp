// RtmpUrl parsing and masking (see rtmp_url.h).
#include "rtmp_url.h"

#include <cstdlib>

namespace mls::fanout {

std::string RtmpUrl::masked() const { return tcUrl + "/***"; }

std::string RtmpUrl::hostAndPort() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<RtmpUrl> parseRtmpUrl(const std::string& url, std::string& error) {
  RtmpUrl out;
  out.original = url;
  std::string rest;
  if (url.rfind("rtmp://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("rtmps://", 0) == 0) {
    out.tls = true;
    out.port = 443;
    rest = url.substr(8);
  } else {
    error = "not an rtmp:// or rtmps:// URL";
    return std::nullopt;
  }
  const std::size_t slash = rest.find('/');
  if (slash == std::string::npos) {
    error = "no application and stream key in the URL";
    return std::nullopt;
  }
  const std::string authority = rest.substr(0, slash);
  const std::string path = rest.substr(slash + 1);
  if (authority.find('@') != std::string::npos) {
    error = "user information in an RTMP URL is not supported";
    return std::nullopt;
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) {
      error = "unterminated IPv6 address";
      return std::nullopt;
    }
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        error = "bad authority";
        return std::nullopt;
      }
      port_text = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    error = "no host in the URL";
    return std::nullopt;
  }
  if (!port_text.empty() || authority.back() == ':') {
    char* end = nullptr;
    const long port = std::strtol(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end != '\0' || port < 1 || port > 65535) {
      error = "bad port";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  // The key is the last segment of the path (before any query string, which stays on the key).
  const std::size_t query = path.find('?');
  const std::string path_only = path.substr(0, query);
  const std::size_t last = path_only.rfind('/');
  if (last == std::string::npos || last == 0) {
    error = "the URL needs both an application and a stream key (rtmp://host/app/key)";
    return std::nullopt;
  }
  out.app = path_only.substr(0, last);
  out.streamKey = path.substr(last + 1);
  if (out.streamKey.empty() || out.streamKey[0] == '?') {
    error = "empty stream key";
    return std::nullopt;
  }
  out.tcUrl = url.substr(0, url.size() - path.size()) + out.app;
  return out;
}

}  // namespace mls::fanout
