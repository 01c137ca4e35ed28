// URL parsing, scheme rules and secret masking for input and output URLs. Pure functions, no
// GStreamer; safe on any thread.
//
// Masking: stream keys and passwords never leave mls in clear text (API responses, SSE events,
// logs, metrics). maskUrl("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a") gives
// "rtmp://a.rtmp.youtube.com/live2/••••3f9a": the RTMP stream key (the path after the app),
// userinfo passwords, and secret-looking query parameters (key, token, passphrase, password,
// secret, auth, sig, streamid) keep at most their last 4 characters, behind "••••".
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mls::model {

struct Url {
  std::string scheme;  // lower case: "rtsp", "rtmps", "srt", "udp", "file", "test", "http", …
  std::string user;    // percent-decoded
  std::string password;
  std::string host;  // without brackets for IPv6; empty for file:// and test://
  int port = 0;      // 0 when absent
  std::string path;  // percent-decoded, starts with "/" when present ("" for srt://h:p)
  std::map<std::string, std::string> query;  // percent-decoded keys and values
  std::string raw;                           // the URL as given
};

// Parses an absolute URL. Fails with ErrorCode::Invalid (field "url") and a message that says
// what is wrong, with the secret parts masked.
Result<Url> parseUrl(std::string_view text);

// Input URL rules: scheme in rtsp, rtsps, rtmp, rtmps, srt, http(s) ending in .m3u8 (path),
// udp, file, test; a host where the scheme needs one; a port for srt and udp; file:// only for
// a path under media_dir after resolving symlinks (an empty media_dir refuses file://).
// media_dir is the root of file:// URLs: file:///clip.mp4, file://clip.mp4 and
// file://<media_dir>/clip.mp4 all name <media_dir>/clip.mp4, and the returned Url::path is
// that file's canonical absolute path (what the media layer opens). test://, srt:// and udp://
// parameters are checked with source_params.h.
Result<Url> parseInputUrl(std::string_view text, const std::string& media_dir);

// Output URL rules: rtmp, rtmps, srt, rtsp, udp, each with a host (and a port for srt/udp;
// srt listener mode may leave the host empty).
Result<Url> parseOutputUrl(std::string_view text);

// The URL with every secret masked (see the header comment). Never fails: an unparsable string
// is masked whole except its scheme.
std::string maskUrl(std::string_view text);

// Masks every URL-looking substring of free text (error messages from GStreamer elements).
std::string maskSecretsInText(std::string_view text);

}  // namespace mls::model
