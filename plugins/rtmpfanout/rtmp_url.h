// RtmpUrl: a destination URL split into what the RTMP client needs.
//
//   rtmp[s]://host[:port]/app[/more/app]/streamkey[?query]
//
// The stream key is the LAST path segment (with the query string, if any, kept on it: services
// pass parameters there); the app is everything between the host and that segment, slashes
// included (e.g. "live/instance" for services that use an application instance). tcUrl is
// scheme://host[:port]/app exactly as given. Default ports: 1935 for rtmp, 443 for rtmps. IPv6
// literals go in brackets. No user:password in the authority (refused).
//
// masked() is the URL with the stream key replaced by "***", for logs, bus messages and
// properties that anyone may read (mls never shows a stream key).
//
// Plain values; thread-agnostic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mls::fanout {

struct RtmpUrl {
  bool tls = false;
  std::string host;  // without brackets
  std::uint16_t port = 1935;
  std::string app;
  std::string streamKey;
  std::string tcUrl;
  std::string original;

  std::string masked() const;
  // "host:port" as GSocketClient wants it (IPv6 in brackets).
  std::string hostAndPort() const;
};

// Parses `url`; on failure returns nullopt and sets `error` (without the stream key).
std::optional<RtmpUrl> parseRtmpUrl(const std::string& url, std::string& error);

}  // namespace mls::fanout
