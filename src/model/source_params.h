// Typed parameters of the URL schemes whose query string mls interprets itself (test://, srt://,
// udp://). Validation uses them to refuse a bad URL at the API, and the media layer uses the
// same values to set element properties, so the two cannot disagree. Unknown query keys and
// out-of-range values are ErrorCode::Invalid (field "url"). Pure functions, any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/url.h"

namespace mls::model {

// test://<pattern>?size=WxH&fps=N&audio=0|1|true|false&video=…&bitrate=KBPS
// The pattern is one of videotestsrc's nicks (testPatterns()); an empty host means "smpte".
// size 16..7680 x 16..4320 (even), fps 1..120, bitrate 100..100000 kb/s; video and audio may
// not both be off.
struct TestParams {
  std::string pattern = "smpte";
  int width = 1280;
  int height = 720;
  int fps = 30;
  bool video = true;
  bool audio = true;
  int bitrate_kbps = 2000;
};
Result<TestParams> testParams(const Url& url);
const std::vector<std::string>& testPatterns();

// srt://host:port?mode=caller|listener|rendezvous&passphrase=&pbkeylen=16|24|32&streamid=&latency=MS
// Caller and rendezvous need a host; a listener may leave it empty (bind all addresses).
// port 1..65535, passphrase 10..79 characters, streamid up to 512, latency 0..10000 ms.
// A '#' inside the query (streamid=#!::r=live,m=publish, as SRT tools write it) is part of the
// query, not a fragment.
struct SrtParams {
  enum class Mode { Caller, Listener, Rendezvous } mode = Mode::Caller;
  std::string host;
  int port = 0;
  std::string passphrase;
  int pbkeylen = 0;  // 0: libsrt default
  std::string streamid;
  int latency_ms = -1;  // -1: element default
};
Result<SrtParams> srtParams(const Url& url);
const char* srtModeName(SrtParams::Mode mode);

// udp://host:port?iface=NAME&ttl=N
// udp://@239.1.1.1:5000 (a leading '@', as ffmpeg and VLC write it) is accepted. `multicast` is
// true when the host is a multicast address literal (224.0.0.0/4, ff00::/8). An empty host
// (udp://:5000, udp://@:5000) binds all addresses: inputs only. port 1..65535, ttl 0..255,
// iface an interface name (1..15 characters).
struct UdpParams {
  std::string host;
  int port = 0;
  bool multicast = false;
  std::string iface;
  int ttl = -1;  // -1: system default
};
Result<UdpParams> udpParams(const Url& url);

// rtsp://HOST[:PORT]/<input>?mode=publish: a publish input. It pulls nothing; an encoder pushes
// to mlsd's own RTSP server (ANNOUNCE/RECORD at rtsp://HOST:PORT/<input>). The path must be the
// input's name (that is where the server accepts it), the port, when given, the RTSP server's
// (`rtsp_port`; 0 skips that check), the host is informative. No user or password (publishers
// authenticate with --rtsp-publish-credentials) and no other query parameter.
bool isRtspPublish(const Url& url);
bool isRtspPublishUrl(std::string_view text);
Result<void> checkRtspPublish(const Url& url, const std::string& input, int rtsp_port);

}  // namespace mls::model
