// ServerOptions: how mlsd is started (listen addresses, directories, token, timeouts), read
// from the command line and an optional config file, checked once at start-up. A plain value;
// main() parses it on the main thread before anything else runs.
//
// ADDR:PORT is an IP address literal and a port: "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080";
// ":8080" means all IPv4 addresses (0.0.0.0); "localhost" means 127.0.0.1. Port 0 picks a free
// port (the server logs the one it got). Host names other than localhost are refused, so the
// servers bind exactly what was asked.
#pragma once

#include <string>
#include <string_view>

#include "core/log.h"
#include "core/result.h"
#include "model/recording_names.h"

namespace mls::app {

struct ListenAddress {
  std::string host = "127.0.0.1";  // an IP literal, IPv6 without brackets
  int port = 8080;                 // 0: pick a free port
  bool isLoopback() const;
  std::string toString() const;  // "127.0.0.1:8080", "[::1]:8080"
};

struct ServerOptions {
  ListenAddress listen;                          // --listen ADDR:PORT, default 127.0.0.1:8080
  ListenAddress rtsp_listen{"127.0.0.1", 8554};  // --rtsp-listen ADDR:PORT
  // --rtsp-read-credentials USER:PASSWORD: required to play; empty user: anyone may play.
  std::string rtsp_read_user, rtsp_read_password;
  // --rtsp-publish-credentials USER:PASSWORD: required to publish to a publish input; empty user:
  // anyone may publish. Same methods (--rtsp-auth) as reading.
  std::string rtsp_publish_user, rtsp_publish_password;
  bool rtsp_auth_basic = false, rtsp_auth_digest = true;  // --rtsp-auth basic|digest|basic,digest
  std::string state_dir = "./var";                        // --state-dir (made absolute)
  std::string recordings_dir;  // --recordings-dir, default <state_dir>/recordings
  std::string media_dir;       // --media-dir (absolute, canonical), default empty: file:// refused
  std::string api_token;       // --api-token or --api-token-file (file's first line, trimmed)
  bool demo = true;            // --no-demo turns it off
  log::Level log_level = log::Level::Info;            // --log-level error|warning|info|debug
  int shutdown_timeout_s = 5;                         // --shutdown-timeout
  int stall_timeout_ms = 3000;                        // --stall-timeout SECONDS (float ok)
  int retry_initial_ms = 1000, retry_max_ms = 30000;  // --retry-initial / --retry-max SECONDS
  // --rtmp-sender fanout|rtmp2sink: passthrough RTMP outputs of an input share one
  // mlsrtmpfanout (true), or each has its own rtmp2sink pipeline.
  bool rtmp_fanout = true;
  std::string rtmp_source = "mlsrtmpsrc";  // --rtmp-source mlsrtmpsrc|rtmp2src: rtmp(s):// inputs
  std::string config_file;    // --config FILE (absolute)
  bool fail_on_leak = false;  // --fail-on-leak: exit kLeakExitCode when the exit audit finds leaks
  // Recordings (inputs may override the segment length and the maximum age).
  int segment_duration_s = 600;                                       // --segment-duration SECONDS
  model::SegmentFormat recording_format = model::SegmentFormat::Mp4;  // --recording-format
  int64_t retention_max_age_s = 0;  // --retention-max-age SECONDS; 0: keep until disk is low
  int disk_min_free_percent = 10;   // --disk-min-free PERCENT: delete oldest segments below it
};

// mlsd's exit code when --fail-on-leak is set and the exit audit finds application threads or
// file descriptors left beyond the start baseline (0 ok, 1 start-up error, 2 bad options, 130
// second signal).
constexpr int kLeakExitCode = 3;

enum class ParseOutcome { Run, ExitSuccess /* --help / --version printed */ };

// Parses argv with GOptionContext; --config FILE (a JSON object with the option names in
// snake_case, e.g. {"listen":"0.0.0.0:8080","no_demo":true}, or a GKeyFile with an [mlsd]
// group) is read first and flags override it. Relative paths in the file are relative to the
// file's directory; on the command line, to the current directory. Unknown keys in the file are
// an error naming the key. Then checks: ports 0..65535, a non-loopback --listen or
// --rtsp-listen requires an API token, directories made absolute, --media-dir must exist.
// Errors (ErrorCode::Invalid) are user-facing messages. --help and --version print to stdout.
Result<ParseOutcome> parseOptions(int argc, char** argv, ServerOptions* out);

// What --help and --version print.
std::string helpText();
std::string versionText();

// "ADDR:PORT" as described above; `option` names the flag in messages ("--listen").
Result<ListenAddress> parseListenAddress(std::string_view text, const std::string& option);

}  // namespace mls::app
