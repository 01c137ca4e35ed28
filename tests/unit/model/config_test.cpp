// Server options: flags, config files (JSON and key file), precedence, the token rule, bad
// values (app/config.h).
#include "app/config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "temp_dir.h"

namespace mls::app {
namespace {

std::string cwd() {
  g_autofree gchar* dir = g_get_current_dir();
  return dir;
}

Result<ParseOutcome> parse(std::vector<std::string> args, ServerOptions* out) {
  args.insert(args.begin(), "mlsd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parseOptions(static_cast<int>(args.size()), argv.data(), out);
}

ServerOptions parsed(std::vector<std::string> args) {
  ServerOptions options;
  auto r = parse(std::move(args), &options);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (r) {
    EXPECT_EQ(*r, ParseOutcome::Run);
  }
  return options;
}

std::string errorOf(std::vector<std::string> args) {
  ServerOptions options;
  options.api_token = "untouched";
  auto r = parse(std::move(args), &options);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code, ErrorCode::Invalid);
  EXPECT_EQ(options.api_token, "untouched");  // nothing written on failure
  return r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Options, Defaults) {
  ServerOptions o = parsed({});
  EXPECT_EQ(o.listen.toString(), "127.0.0.1:8080");
  EXPECT_EQ(o.rtsp_listen.toString(), "127.0.0.1:8554");
  EXPECT_EQ(o.state_dir, cwd() + "/var");
  EXPECT_EQ(o.recordings_dir, cwd() + "/var/recordings");
  EXPECT_EQ(o.media_dir, "");
  EXPECT_EQ(o.api_token, "");
  EXPECT_TRUE(o.demo);
  EXPECT_EQ(o.log_level, log::Level::Info);
  EXPECT_EQ(o.shutdown_timeout_s, 5);
  EXPECT_EQ(o.stall_timeout_ms, 3000);
  EXPECT_EQ(o.retry_initial_ms, 1000);
  EXPECT_EQ(o.retry_max_ms, 30000);
  EXPECT_TRUE(o.rtmp_fanout);
  EXPECT_EQ(o.config_file, "");
}

TEST(Options, EveryFlag) {
  test::TempDir dir;
  ASSERT_EQ(g_mkdir(dir.file("media").c_str(), 0755), 0);
  ServerOptions o = parsed({"--listen",
                            "127.0.0.1:0",
                            "--rtsp-listen=[::1]:0",
                            "--state-dir",
                            dir.file("state"),
                            "--recordings-dir",
                            dir.file("rec"),
                            "--media-dir",
                            dir.file("media/../media"),
                            "--api-token",
                            "s3cret",
                            "--no-demo",
                            "--log-level",
                            "debug",
                            "--shutdown-timeout",
                            "9",
                            "--stall-timeout",
                            "1.5",
                            "--retry-initial",
                            "0.5",
                            "--retry-max",
                            "60",
                            "--rtmp-sender",
                            "rtmp2sink",
                            "--rtmp-source",
                            "rtmp2src"});
  EXPECT_EQ(o.listen.host, "127.0.0.1");
  EXPECT_EQ(o.listen.port, 0);
  EXPECT_EQ(o.rtsp_listen.host, "::1");
  EXPECT_EQ(o.rtsp_listen.toString(), "[::1]:0");
  EXPECT_EQ(o.state_dir, dir.file("state"));
  EXPECT_EQ(o.recordings_dir, dir.file("rec"));
  char media[PATH_MAX];
  ASSERT_NE(realpath(dir.file("media").c_str(), media), nullptr);
  EXPECT_EQ(o.media_dir, media);
  EXPECT_EQ(o.api_token, "s3cret");
  EXPECT_FALSE(o.demo);
  EXPECT_EQ(o.log_level, log::Level::Debug);
  EXPECT_EQ(o.shutdown_timeout_s, 9);
  EXPECT_EQ(o.stall_timeout_ms, 1500);
  EXPECT_EQ(o.retry_initial_ms, 500);
  EXPECT_EQ(o.retry_max_ms, 60000);
  EXPECT_FALSE(o.rtmp_fanout);
  EXPECT_TRUE(parsed({"--rtmp-sender=fanout"}).rtmp_fanout);
  EXPECT_EQ(o.rtmp_source, "rtmp2src");
  EXPECT_EQ(parsed({}).rtmp_source, "mlsrtmpsrc") << "the project's own RTMP source by default";
}

TEST(Options, RtspCredentials) {
  ServerOptions none = parsed({});
  EXPECT_EQ(none.rtsp_read_user, "");
  EXPECT_TRUE(none.rtsp_auth_digest);
  EXPECT_FALSE(none.rtsp_auth_basic);
  ServerOptions o =
      parsed({"--rtsp-read-credentials", "viewer:pa:ss", "--rtsp-auth", "basic, digest"});
  EXPECT_EQ(o.rtsp_read_user, "viewer");
  EXPECT_EQ(o.rtsp_read_password, "pa:ss");  // the first colon separates
  EXPECT_TRUE(o.rtsp_auth_basic);
  EXPECT_TRUE(o.rtsp_auth_digest);
  ServerOptions basic = parsed({"--rtsp-auth", "basic"});
  EXPECT_TRUE(basic.rtsp_auth_basic);
  EXPECT_FALSE(basic.rtsp_auth_digest);
  ServerOptions publish =
      parsed({"--rtsp-publish-credentials", "encoder:p:w", "--rtsp-read-credentials", "viewer:pw"});
  EXPECT_EQ(publish.rtsp_publish_user, "encoder");
  EXPECT_EQ(publish.rtsp_publish_password, "p:w");
  EXPECT_EQ(publish.rtsp_read_user, "viewer");
}

TEST(Options, RelativeDirectoriesBecomeAbsolute) {
  ServerOptions o = parsed({"--state-dir", "data/../st"});
  EXPECT_EQ(o.state_dir, cwd() + "/st");
  EXPECT_EQ(o.recordings_dir, cwd() + "/st/recordings");
}

TEST(ListenAddress, Forms) {
  struct Case {
    const char* text;
    const char* host;
    int port;
    bool loopback;
  } cases[] = {
      {"127.0.0.1:8080", "127.0.0.1", 8080, true},
      {"[::1]:8080", "::1", 8080, true},
      {":8080", "0.0.0.0", 8080, false},
      {"0.0.0.0:80", "0.0.0.0", 80, false},
      {"localhost:1", "127.0.0.1", 1, true},
      {"127.1.2.3:65535", "127.1.2.3", 65535, true},
      {"[::]:0", "::", 0, false},
      {"192.168.1.5:8080", "192.168.1.5", 8080, false},
  };
  for (const auto& c : cases) {
    auto a = parseListenAddress(c.text, "--listen");
    ASSERT_TRUE(a) << c.text << ": " << a.error().message;
    EXPECT_EQ(a->host, c.host) << c.text;
    EXPECT_EQ(a->port, c.port) << c.text;
    EXPECT_EQ(a->isLoopback(), c.loopback) << c.text;
  }
  for (const char* bad :
       {"8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "::1:8080",
        "[127.0.0.1]:80", "camera.local:8080", "[::1:80", "1.2.3:80"}) {
    auto a = parseListenAddress(bad, "--listen");
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().message.rfind("--listen '", 0), 0u) << a.error().message;
  }
}

TEST(Options, NonLoopbackNeedsAToken) {
  EXPECT_EQ(errorOf({"--listen", "0.0.0.0:8080"}),
            "refusing to listen on 0.0.0.0:8080 without --api-token or --api-token-file");
  EXPECT_EQ(errorOf({"--listen", ":9000"}),
            "refusing to listen on 0.0.0.0:9000 without --api-token or --api-token-file");
  EXPECT_EQ(errorOf({"--rtsp-listen", "[::]:8554"}),
            "refusing to listen on [::]:8554 without --api-token or --api-token-file");
  EXPECT_EQ(parsed({"--listen", "0.0.0.0:8080", "--api-token", "t"}).listen.host, "0.0.0.0");
}

TEST(Options, TokenFile) {
  test::TempDir dir;
  dir.write("token", "  tok-123  \nsecond line\n");
  ServerOptions o = parsed({"--listen", ":0", "--api-token-file", dir.file("token")});
  EXPECT_EQ(o.api_token, "tok-123");

  dir.write("empty", "\n");
  EXPECT_TRUE(contains(errorOf({"--api-token-file", dir.file("empty")}), "is empty"));
  EXPECT_TRUE(contains(errorOf({"--api-token-file", dir.file("missing")}),
                       "--api-token-file: cannot read the token file"));
  EXPECT_EQ(errorOf({"--api-token", "a", "--api-token-file", dir.file("token")}),
            "use either --api-token or --api-token-file, not both");
  EXPECT_EQ(errorOf({"--api-token="}), "--api-token is empty");
}

TEST(Options, BadValues) {
  struct Case {
    std::vector<std::string> args;
    const char* part;
  } cases[] = {
      {{"--log-level", "loud"}, "--log-level must be error, warning, info or debug"},
      {{"--shutdown-timeout", "2.5"}, "--shutdown-timeout must be a whole number"},
      {{"--shutdown-timeout", "-1"}, "0 to 3600"},
      {{"--stall-timeout", "0.1"}, "--stall-timeout must be a number of seconds from 0.5 to 600"},
      {{"--stall-timeout", "3s"}, "--stall-timeout must be"},
      {{"--retry-initial", "0"}, "--retry-initial must be"},
      {{"--retry-initial", "10", "--retry-max", "5"}, "--retry-max must not be shorter"},
      {{"--rtmp-sender", "tee"}, "--rtmp-sender must be fanout or rtmp2sink (got 'tee')"},
      {{"--rtmp-source", "rtmpsrc"}, "--rtmp-source must be mlsrtmpsrc or rtmp2src (got 'rtmpsrc')"},
      {{"--listen", "8080"}, "--listen '8080' has no port"},
      {{"--rtsp-read-credentials", "viewer"}, "--rtsp-read-credentials must be USER:PASSWORD"},
      {{"--rtsp-read-credentials", ":pw"}, "both non-empty"},
      {{"--rtsp-publish-credentials", "encoder"},
       "--rtsp-publish-credentials must be USER:PASSWORD"},
      {{"--rtsp-read-credentials", "cam:a", "--rtsp-publish-credentials", "cam:b"},
       "need different users"},
      {{"--rtsp-auth", "ntlm"}, "--rtsp-auth must be digest, basic or basic,digest"},
      {{"--media-dir", "/nonexistent/mls-media"}, "is not an existing directory"},
      {{"--state-dir="}, "--state-dir is empty"},
      {{"--bogus"}, "Unknown option --bogus"},
      {{"--listen"}, "Missing argument for --listen"},
      {{"extra"}, "unexpected argument 'extra'"},
  };
  for (const auto& c : cases) {
    std::string message = errorOf(c.args);
    EXPECT_TRUE(contains(message, c.part)) << c.args[0] << " -> " << message;
  }
}

TEST(Options, JsonConfigFileAndPrecedence) {
  test::TempDir dir;
  ASSERT_EQ(g_mkdir(dir.file("media").c_str(), 0755), 0);
  dir.write("token", "from-file\n");
  dir.write("mlsd.json", R"({
    "listen": "0.0.0.0:8081", "rtsp_listen": "127.0.0.1:0", "state_dir": "state",
    "media_dir": "media", "api_token_file": "token", "no_demo": true, "log_level": "warning",
    "shutdown_timeout": 7, "stall_timeout": 2.5, "retry-initial": "2", "retry_max": 20,
    "rtmp_sender": "rtmp2sink"
  })");
  ServerOptions o = parsed({"--config", dir.file("mlsd.json")});
  EXPECT_EQ(o.config_file, dir.file("mlsd.json"));
  EXPECT_EQ(o.listen.toString(), "0.0.0.0:8081");
  EXPECT_EQ(o.rtsp_listen.port, 0);
  EXPECT_EQ(o.state_dir, dir.file("state"));  // relative to the file's directory
  EXPECT_EQ(o.recordings_dir, dir.file("state/recordings"));
  char media[PATH_MAX];
  ASSERT_NE(realpath(dir.file("media").c_str(), media), nullptr);
  EXPECT_EQ(o.media_dir, media);
  EXPECT_EQ(o.api_token, "from-file");
  EXPECT_FALSE(o.demo);
  EXPECT_EQ(o.log_level, log::Level::Warning);
  EXPECT_EQ(o.shutdown_timeout_s, 7);
  EXPECT_EQ(o.stall_timeout_ms, 2500);
  EXPECT_EQ(o.retry_initial_ms, 2000);
  EXPECT_EQ(o.retry_max_ms, 20000);
  EXPECT_FALSE(o.rtmp_fanout);

  // Flags win; a token flag replaces the file's token file.
  ServerOptions f = parsed({"--config", dir.file("mlsd.json"), "--listen", "127.0.0.1:9",
                            "--api-token", "flag", "--state-dir", "here", "--log-level", "error"});
  EXPECT_EQ(f.listen.toString(), "127.0.0.1:9");
  EXPECT_EQ(f.api_token, "flag");
  EXPECT_EQ(f.state_dir, cwd() + "/here");
  EXPECT_EQ(f.log_level, log::Level::Error);
  EXPECT_EQ(f.shutdown_timeout_s, 7);  // still from the file
}

TEST(Options, KeyFileConfig) {
  test::TempDir dir;
  dir.write("mlsd.conf",
            "# mlsd options\n[mlsd]\nlisten=127.0.0.1:0\nno_demo=false\nstall_timeout=4\n"
            "api_token=abc\n");
  ServerOptions o = parsed({"-c", dir.file("mlsd.conf")});
  EXPECT_EQ(o.listen.port, 0);
  EXPECT_TRUE(o.demo);
  EXPECT_EQ(o.stall_timeout_ms, 4000);
  EXPECT_EQ(o.api_token, "abc");
}

TEST(Options, ConfigFileErrorsNameTheKey) {
  test::TempDir dir;
  dir.write("unknown.json", R"({"listen":"127.0.0.1:1","colour":"red"})");
  EXPECT_EQ(errorOf({"--config", dir.file("unknown.json")}),
            "config file " + dir.file("unknown.json") +
                ": unknown key 'colour' (the keys are the option names in snake_case, see "
                "--help)");
  dir.write("type.json", R"({"listen":["127.0.0.1:1"]})");
  EXPECT_TRUE(contains(errorOf({"--config", dir.file("type.json")}),
                       "'listen' must be a string, a number or true/false"));
  dir.write("value.json", R"({"log_level":"loud"})");
  EXPECT_TRUE(contains(errorOf({"--config", dir.file("value.json")}),
                       "'log_level' in " + dir.file("value.json") + " must be error"));
  dir.write("broken.json", R"({"listen": )");
  EXPECT_TRUE(contains(errorOf({"--config", dir.file("broken.json")}), "is not valid JSON"));
  dir.write("nested.json", R"({"config":"other.json"})");
  EXPECT_TRUE(contains(errorOf({"--config", dir.file("nested.json")}), "unknown key 'config'"));
  dir.write("group.conf", "[server]\nlisten=127.0.0.1:1\n");
  EXPECT_TRUE(contains(errorOf({"--config", dir.file("group.conf")}), "unknown group [server]"));
  dir.write("key.conf", "[mlsd]\nport=1\n");
  EXPECT_TRUE(contains(errorOf({"--config", dir.file("key.conf")}), "unknown key 'port'"));
  dir.write("garbage.conf", "this is not a config\n");
  EXPECT_TRUE(contains(errorOf({"--config", dir.file("garbage.conf")}),
                       "neither a JSON object nor a key file"));
  EXPECT_TRUE(
      contains(errorOf({"--config", dir.file("missing.json")}), "cannot read the config file"));
  dir.write("token.json", R"({"api_token":"a","api_token_file":"t"})");
  EXPECT_EQ(errorOf({"--config", dir.file("token.json")}),
            "use either --api-token or --api-token-file, not both");
}

TEST(Options, HelpListsEveryOptionWithItsDefault) {
  std::string help = helpText();
  for (const char* option :
       {"--config=FILE", "--listen=ADDR:PORT", "--rtsp-listen=ADDR:PORT", "--state-dir=DIR",
        "--recordings-dir=DIR", "--media-dir=DIR", "--api-token=TOKEN", "--api-token-file=FILE",
        "--no-demo", "--log-level=LEVEL", "--shutdown-timeout=SECONDS", "--stall-timeout=SECONDS",
        "--retry-initial=SECONDS", "--retry-max=SECONDS", "--rtmp-sender=SENDER", "--rtmp-source=SOURCE", "--help",
        "--version"})
    EXPECT_TRUE(contains(help, option)) << option;
  for (const char* default_text :
       {"default 127.0.0.1:8080", "default 127.0.0.1:8554", "default ./var",
        "default <state-dir>/recordings", "default none: file:// refused", "default info",
        "default 5)", "default 3)", "default 1)", "default 30)", "(default fanout)"})
    EXPECT_TRUE(contains(help, default_text)) << default_text;

  ServerOptions o;
  testing::internal::CaptureStdout();
  auto r = parse({"--help"}, &o);
  std::string printed = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, ParseOutcome::ExitSuccess);
  EXPECT_EQ(printed, help);

  testing::internal::CaptureStdout();
  r = parse({"--version"}, &o);
  printed = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, ParseOutcome::ExitSuccess);
  EXPECT_EQ(printed, versionText());
  EXPECT_EQ(printed.rfind("mlsd 0.1.0 (GStreamer 1.", 0), 0u) << printed;
}

}  // namespace
}  // namespace mls::app
