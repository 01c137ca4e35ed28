// Server options from the command line and the config file. See config.h.
//
// One table (kOptions) lists every option once: its flag, its key in the config file, and the
// help line with its default. Values from the file and from the flags are collected as text
// with their origin ("--listen", or "listen in /etc/mlsd.json") and the directory relative
// paths start from; flags replace file values; then each value is parsed by the same code,
// whichever source it came from, and the whole is checked.
#include "app/config.h"

#include <gio/gio.h>
#include <glib.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "mls_config.h"
#include "model/units.h"

namespace mls::app {

namespace {

enum class Kind { Flag, Text, Path };

struct OptionDef {
  const char* key;   // in the config file (snake_case)
  const char* flag;  // on the command line (--flag)
  Kind kind;
  const char* arg;   // placeholder shown by --help
  const char* help;  // one line, with the default
};

constexpr OptionDef kOptions[] = {
    {"listen", "listen", Kind::Text, "ADDR:PORT",
     "API and web UI address (default 127.0.0.1:8080; :8080 = all addresses, port 0 = any "
     "free port)"},
    {"rtsp_listen", "rtsp-listen", Kind::Text, "ADDR:PORT",
     "RTSP server address (default 127.0.0.1:8554)"},
    {"rtsp_read_credentials", "rtsp-read-credentials", Kind::Text, "USER:PASSWORD",
     "RTSP clients must give these to play an input (default none: anyone may play)"},
    {"rtsp_publish_credentials", "rtsp-publish-credentials", Kind::Text, "USER:PASSWORD",
     "RTSP encoders must give these to publish to a publish input (rtsp://…?mode=publish; "
     "default none: anyone may publish)"},
    {"rtsp_auth", "rtsp-auth", Kind::Text, "METHODS",
     "RTSP authentication the server offers: digest, basic or basic,digest (default digest)"},
    {"state_dir", "state-dir", Kind::Path, "DIR",
     "Directory of the persisted state, state.json (default ./var)"},
    {"recordings_dir", "recordings-dir", Kind::Path, "DIR",
     "Directory of recordings (default <state-dir>/recordings)"},
    {"media_dir", "media-dir", Kind::Path, "DIR",
     "The only directory file:// inputs may read (default none: file:// refused)"},
    {"api_token", "api-token", Kind::Text, "TOKEN",
     "Bearer token required by mutating API routes (default none; required off loopback)"},
    {"api_token_file", "api-token-file", Kind::Path, "FILE",
     "Read the API token from the first line of FILE (default none)"},
    {"no_demo", "no-demo", Kind::Flag, nullptr,
     "Start without the embedded test:// input \"demo\" (default: with it)"},
    {"log_level", "log-level", Kind::Text, "LEVEL", "error, warning, info or debug (default info)"},
    {"shutdown_timeout", "shutdown-timeout", Kind::Text, "SECONDS",
     "How long shutdown waits for pipelines to drain before forcing them (default 5)"},
    {"stall_timeout", "stall-timeout", Kind::Text, "SECONDS",
     "An input that delivers nothing this long is restarted (default 3)"},
    {"retry_initial", "retry-initial", Kind::Text, "SECONDS",
     "First retry delay after a failure, doubling from there (default 1)"},
    {"retry_max", "retry-max", Kind::Text, "SECONDS", "Longest retry delay (default 30)"},
    {"rtmp_sender", "rtmp-sender", Kind::Text, "SENDER",
     "Passthrough RTMP outputs: fanout (one mlsrtmpfanout per input, one thread for all) or "
     "rtmp2sink (a pipeline per output) (default fanout)"},
    {"rtmp_source", "rtmp-source", Kind::Text, "SOURCE",
     "rtmp(s):// inputs: mlsrtmpsrc (one thread reads and parses the stream) or rtmp2src "
     "(default mlsrtmpsrc)"},
    {"segment_duration", "segment-duration", Kind::Text, "SECONDS",
     "Length of a recording segment; inputs may override it (default 600)"},
    {"recording_format", "recording-format", Kind::Text, "FORMAT",
     "mp4 (fragmented, 500 ms fragments) or ts (MPEG-TS) (default mp4)"},
    {"retention_max_age", "retention-max-age", Kind::Text, "SECONDS",
     "Delete finished segments older than this; inputs may override it (default 0: no limit)"},
    {"disk_min_free", "disk-min-free", Kind::Text, "PERCENT",
     "Delete the oldest finished segments while free disk space is under this (default 10)"},
    {"fail_on_leak", "fail-on-leak", Kind::Flag, nullptr,
     "Exit with code 3 when the exit audit finds threads or fds left (default: report only)"},
};
constexpr size_t kOptionCount = sizeof(kOptions) / sizeof(kOptions[0]);

struct RawValue {
  std::string text;
  std::string origin;    // for messages: "--listen" or "listen in FILE"
  std::string base_dir;  // relative paths start here
};
using RawValues = std::map<std::string, RawValue>;

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::Invalid, std::move(message));
}

const OptionDef* findOption(std::string_view key) {
  for (const OptionDef& def : kOptions) {
    if (key == def.key) {
      return &def;
    }
  }
  return nullptr;
}

std::string currentDir() {
  g_autofree gchar* cwd = g_get_current_dir();
  return cwd;
}

// Storage the GOptionEntry table points into.
struct FlagStorage {
  gchar* values[kOptionCount] = {};
  gboolean flags[kOptionCount] = {};
  gchar* config = nullptr;
  gboolean help = FALSE;
  gboolean version = FALSE;

  FlagStorage() = default;
  FlagStorage(const FlagStorage&) = delete;
  FlagStorage& operator=(const FlagStorage&) = delete;
  ~FlagStorage() {
    for (gchar* v : values) {
      g_free(v);
    }
    g_free(config);
  }
};

GOptionContext* newContext(FlagStorage* storage, std::vector<GOptionEntry>* entries) {
  entries->clear();
  entries->push_back({"config", 'c', 0, G_OPTION_ARG_FILENAME, &storage->config,
                      "Read options from FILE first (JSON object or [mlsd] key file); flags "
                      "override it (default none)",
                      "FILE"});
  for (size_t i = 0; i < kOptionCount; i++) {
    const OptionDef& def = kOptions[i];
    GOptionEntry entry = {def.flag, 0,      0, G_OPTION_ARG_STRING, &storage->values[i],
                          def.help, def.arg};
    if (def.kind == Kind::Flag) {
      entry.arg = G_OPTION_ARG_NONE;
      entry.arg_data = &storage->flags[i];
    } else if (def.kind == Kind::Path) {
      entry.arg = G_OPTION_ARG_FILENAME;
    }
    entries->push_back(entry);
  }
  entries->push_back(
      {"help", 'h', 0, G_OPTION_ARG_NONE, &storage->help, "Show this help and exit", nullptr});
  entries->push_back({"version", 'V', 0, G_OPTION_ARG_NONE, &storage->version,
                      "Show the version and exit", nullptr});
  entries->push_back({nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr});

  GOptionContext* context = g_option_context_new(nullptr);
  g_option_context_set_help_enabled(context, FALSE);  // --help is ours: no exit() inside
  g_option_context_set_summary(
      context,
      "mlsd: a live media server. It pulls live inputs (RTSP, RTMP, SRT, HLS, UDP, file, test\n"
      "pattern) and sends each one to many outputs without re-encoding, driven by a REST API.");
  g_option_context_set_description(
      context,
      "ADDR:PORT is an IP address and a port: 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080; :8080\n"
      "means all addresses (0.0.0.0); port 0 picks a free port. Listening on a non-loopback\n"
      "address requires --api-token or --api-token-file.\n"
      "\n"
      "The --config file holds the same options with their names in snake_case, as a JSON\n"
      "object such as {\"listen\": \"0.0.0.0:8080\", \"no_demo\": true, \"api_token_file\":\n"
      "\"token\"} or as a key file with an [mlsd] group (listen=0.0.0.0:8080). Relative paths\n"
      "in the file are relative to the file's directory.\n"
      "\n"
      "Exit codes: 0 stopped cleanly; 1 could not start; 2 bad options; 3 --fail-on-leak and\n"
      "the exit audit found threads or file descriptors left; 130 a second signal.\n");
  g_option_context_add_main_entries(context, entries->data(), nullptr);
  return context;
}

std::string jsonValueText(JsonNode* node, bool* ok) {
  *ok = JSON_NODE_HOLDS_VALUE(node);
  if (!*ok) {
    return {};
  }
  GType type = json_node_get_value_type(node);
  if (type == G_TYPE_STRING) {
    return json_node_get_string(node);
  }
  if (type == G_TYPE_BOOLEAN) {
    return json_node_get_boolean(node) ? "true" : "false";
  }
  if (type == G_TYPE_INT64) {
    return std::to_string(json_node_get_int(node));
  }
  if (type == G_TYPE_DOUBLE) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return g_ascii_dtostr(buf, sizeof buf, json_node_get_double(node));
  }
  *ok = false;
  return {};
}

// Adds key=text from the config file, refusing keys that are not options.
Result<void> addFileValue(const std::string& file, const std::string& base_dir, std::string key,
                          std::string text, RawValues* values) {
  std::string written = key;
  for (char& c : key) {
    if (c == '-') {
      c = '_';
    }
  }
  if (!findOption(key)) {
    return invalid("config file " + file + ": unknown key '" + written +
                   "' (the keys are the option names in snake_case, see --help)");
  }
  (*values)[key] = RawValue{std::move(text), "'" + written + "' in " + file, base_dir};
  return {};
}

Result<void> readConfigFile(const std::string& file, RawValues* values) {
  g_autofree gchar* contents = nullptr;
  gsize length = 0;
  g_autoptr(GError) error = nullptr;
  if (!g_file_get_contents(file.c_str(), &contents, &length, &error)) {
    return invalid("cannot read the config file: " + std::string(error->message));
  }
  g_autofree gchar* dir = g_path_get_dirname(file.c_str());
  const std::string base_dir = dir;

  std::string_view text(contents, length);
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, contents, static_cast<gssize>(length), &error)) {
      return invalid("config file " + file + " is not valid JSON: " + error->message);
    }
    JsonObject* object = json_node_get_object(json_parser_get_root(parser));
    g_autoptr(GList) members = json_object_get_members(object);
    for (GList* m = members; m; m = m->next) {
      const char* key = static_cast<const char*>(m->data);
      bool ok = false;
      std::string value = jsonValueText(json_object_get_member(object, key), &ok);
      if (!ok && findOption(key)) {
        return invalid("config file " + file + ": '" + key +
                       "' must be a string, a number or true/false");
      }
      if (auto added = addFileValue(file, base_dir, key, value, values); !added) {
        return added;
      }
    }
    return {};
  }

  g_autoptr(GKeyFile) keyfile = g_key_file_new();
  if (!g_key_file_load_from_data(keyfile, contents, length, G_KEY_FILE_NONE, &error)) {
    return invalid("config file " + file +
                   " is neither a JSON object nor a key file: " + error->message);
  }
  gsize group_count = 0;
  g_auto(GStrv) groups = g_key_file_get_groups(keyfile, &group_count);
  for (gsize i = 0; i < group_count; i++) {
    if (std::string_view(groups[i]) != "mlsd") {
      return invalid("config file " + file + ": unknown group [" + groups[i] +
                     "] (options go in [mlsd])");
    }
  }
  if (!g_key_file_has_group(keyfile, "mlsd")) {
    return invalid("config file " + file + " has no [mlsd] group");
  }
  g_auto(GStrv) keys = g_key_file_get_keys(keyfile, "mlsd", nullptr, nullptr);
  for (gchar** key = keys; key && *key; key++) {
    g_autofree gchar* value = g_key_file_get_string(keyfile, "mlsd", *key, &error);
    if (!value) {
      return invalid("config file " + file + ": " + error->message);
    }
    if (auto added = addFileValue(file, base_dir, *key, value, values); !added) {
      return added;
    }
  }
  return {};
}

std::string absolutePath(const RawValue& value) {
  g_autofree gchar* path = g_canonicalize_filename(value.text.c_str(), value.base_dir.c_str());
  return path;
}

Result<double> seconds(const RawValue& value, double min, double max) {
  double s = 0;
  if (!model::parseDouble(value.text, &s) || s < min || s > max) {
    char lo[G_ASCII_DTOSTR_BUF_SIZE];
    char hi[G_ASCII_DTOSTR_BUF_SIZE];
    return invalid(value.origin + " must be a number of seconds from " +
                   g_ascii_dtostr(lo, sizeof lo, min) + " to " +
                   g_ascii_dtostr(hi, sizeof hi, max) + " (got '" + value.text + "')");
  }
  return s;
}

Result<std::string> readTokenFile(const RawValue& value) {
  std::string path = absolutePath(value);
  g_autofree gchar* contents = nullptr;
  g_autoptr(GError) error = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, nullptr, &error)) {
    return invalid(value.origin + ": cannot read the token file: " + error->message);
  }
  std::string text(contents);
  std::string line = text.substr(0, text.find('\n'));
  g_autofree gchar* trimmed = g_strstrip(g_strdup(line.c_str()));
  if (!*trimmed) {
    return invalid(value.origin + ": the token file " + path + " is empty");
  }
  return std::string(trimmed);
}

// Parses one value into `out`.
Result<void> apply(const std::string& key, const RawValue& value, ServerOptions* out) {
  if (key == "listen" || key == "rtsp_listen") {
    auto address = parseListenAddress(value.text, value.origin);
    if (!address) {
      return fail(address.error());
    }
    (key == "listen" ? out->listen : out->rtsp_listen) = *address;
  } else if (key == "state_dir" || key == "recordings_dir" || key == "media_dir") {
    if (value.text.empty()) {
      return invalid(value.origin + " is empty");
    }
    std::string path = absolutePath(value);
    if (key == "state_dir") {
      out->state_dir = path;
    }
    if (key == "recordings_dir") {
      out->recordings_dir = path;
    }
    if (key == "media_dir") {
      out->media_dir = path;
    }
  } else if (key == "api_token") {
    if (value.text.empty()) {
      return invalid(value.origin + " is empty");
    }
    out->api_token = value.text;
  } else if (key == "api_token_file") {
    auto token = readTokenFile(value);
    if (!token) {
      return fail(token.error());
    }
    out->api_token = *token;
  } else if (key == "rtsp_read_credentials" || key == "rtsp_publish_credentials") {
    const size_t colon = value.text.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == value.text.size()) {
      return invalid(value.origin + " must be USER:PASSWORD, both non-empty");
    }
    const bool read = key == "rtsp_read_credentials";
    (read ? out->rtsp_read_user : out->rtsp_publish_user) = value.text.substr(0, colon);
    (read ? out->rtsp_read_password : out->rtsp_publish_password) = value.text.substr(colon + 1);
  } else if (key == "rtsp_auth") {
    bool basic = false, digest = false;
    g_auto(GStrv) methods = g_strsplit(value.text.c_str(), ",", -1);
    for (gchar** m = methods; *m; m++) {
      g_strstrip(*m);
      if (g_str_equal(*m, "basic")) {
        basic = true;
      } else if (g_str_equal(*m, "digest")) {
        digest = true;
      } else {
        return invalid(value.origin + " must be digest, basic or basic,digest (got '" + value.text +
                       "')");
      }
    }
    if (!basic && !digest) return invalid(value.origin + " is empty");
    out->rtsp_auth_basic = basic;
    out->rtsp_auth_digest = digest;
  } else if (key == "no_demo") {
    bool no_demo = false;
    if (!model::parseBool(value.text, &no_demo)) {
      return invalid(value.origin + " must be true or false (got '" + value.text + "')");
    }
    out->demo = !no_demo;
  } else if (key == "fail_on_leak") {
    if (!model::parseBool(value.text, &out->fail_on_leak)) {
      return invalid(value.origin + " must be true or false (got '" + value.text + "')");
    }
  } else if (key == "log_level") {
    if (!log::parseLevel(value.text.c_str(), &out->log_level)) {
      return invalid(value.origin + " must be error, warning, info or debug (got '" + value.text +
                     "')");
    }
  } else if (key == "shutdown_timeout") {
    int s = 0;
    if (!model::parseInt(value.text, &s) || s < 0 || s > 3600) {
      return invalid(value.origin + " must be a whole number of seconds from 0 to 3600 (got '" +
                     value.text + "')");
    }
    out->shutdown_timeout_s = s;
  } else if (key == "stall_timeout") {
    auto s = seconds(value, 0.5, 600);
    if (!s) {
      return fail(s.error());
    }
    out->stall_timeout_ms = static_cast<int>(std::lround(*s * 1000));
  } else if (key == "retry_initial" || key == "retry_max") {
    auto s = seconds(value, 0.1, 3600);
    if (!s) {
      return fail(s.error());
    }
    (key == "retry_initial" ? out->retry_initial_ms : out->retry_max_ms) =
        static_cast<int>(std::lround(*s * 1000));
  } else if (key == "rtmp_sender") {
    if (value.text != "fanout" && value.text != "rtmp2sink") {
      return invalid(value.origin + " must be fanout or rtmp2sink (got '" + value.text + "')");
    }
    out->rtmp_fanout = value.text == "fanout";
  } else if (key == "rtmp_source") {
    if (value.text != "mlsrtmpsrc" && value.text != "rtmp2src") {
      return invalid(value.origin + " must be mlsrtmpsrc or rtmp2src (got '" + value.text + "')");
    }
    out->rtmp_source = value.text;
  } else if (key == "segment_duration") {
    int s = 0;
    if (!model::parseInt(value.text, &s) || s < 1 || s > 86400) {
      return invalid(value.origin + " must be a whole number of seconds from 1 to 86400 (got '" +
                     value.text + "')");
    }
    out->segment_duration_s = s;
  } else if (key == "recording_format") {
    auto format = model::parseSegmentFormat(value.text);
    if (!format) {
      return invalid(value.origin + " must be mp4 or ts (got '" + value.text + "')");
    }
    out->recording_format = *format;
  } else if (key == "retention_max_age") {
    int64_t s = 0;
    if (!model::parseInt64(value.text, &s) || s < 0) {
      return invalid(value.origin + " must be a whole number of seconds, 0 for no limit (got '" +
                     value.text + "')");
    }
    out->retention_max_age_s = s;
  } else if (key == "disk_min_free") {
    int percent = 0;
    if (!model::parseInt(value.text, &percent) || percent < 0 || percent > 99) {
      return invalid(value.origin + " must be a whole percentage from 0 to 99 (got '" + value.text +
                     "')");
    }
    out->disk_min_free_percent = percent;
  }
  return {};
}

// Digest credentials are looked up by user name: one name cannot be both a reader and a
// publisher with different passwords (nor the same: the roles must stay apart).
Result<void> checkRtspUsers(const ServerOptions& options) {
  if (!options.rtsp_read_user.empty() && options.rtsp_read_user == options.rtsp_publish_user) {
    return invalid("--rtsp-read-credentials and --rtsp-publish-credentials need different users");
  }
  return {};
}

Result<void> checkTokenRule(const ServerOptions& options) {
  if (!options.api_token.empty()) {
    return {};
  }
  for (const ListenAddress* address : {&options.listen, &options.rtsp_listen}) {
    if (!address->isLoopback()) {
      return invalid("refusing to listen on " + address->toString() +
                     " without --api-token or --api-token-file");
    }
  }
  return {};
}

}  // namespace

bool ListenAddress::isLoopback() const {
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host.c_str());
  return address && g_inet_address_get_is_loopback(address);
}

std::string ListenAddress::toString() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parseListenAddress(std::string_view text, const std::string& option) {
  const std::string quoted = "'" + std::string(text) + "'";
  const std::string form = " (use ADDR:PORT, like 127.0.0.1:8080, [::1]:8080 or :8080)";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return invalid(option + " " + quoted + " has no port" + form);
  }
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == std::string::npos) {
      return invalid(option + " " + quoted + ": brackets are for IPv6 addresses" + form);
    }
  } else if (host.find_first_of(":[]") != std::string::npos) {
    return invalid(option + " " + quoted + ": write an IPv6 address in brackets, like [::1]:8080");
  }
  if (host.empty()) {
    host = "0.0.0.0";
  }
  if (host == "localhost") {
    host = "127.0.0.1";
  }
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host.c_str());
  if (!address) {
    return invalid(option + " " + quoted + ": '" + host +
                   "' is not an IP address (host names other than localhost are not accepted)");
  }
  int port = 0;
  if (!model::parseInt(port_text, &port) || port < 0 || port > 65535) {
    return invalid(option + " " + quoted + ": the port must be 0..65535 (0 picks a free port)");
  }
  ListenAddress result;
  result.host = host;
  result.port = port;
  return result;
}

std::string helpText() {
  FlagStorage storage;
  std::vector<GOptionEntry> entries;
  GOptionContext* context = newContext(&storage, &entries);
  g_autofree gchar* help = g_option_context_get_help(context, TRUE, nullptr);
  g_option_context_free(context);
  return help;
}

std::string versionText() {
  g_autofree gchar* gst = gst_version_string();  // no gst_init() needed
  return std::string("mlsd ") + MLS_VERSION + " (" + gst + ")\n";
}

Result<ParseOutcome> parseOptions(int argc, char** argv, ServerOptions* out) {
  FlagStorage storage;
  std::vector<GOptionEntry> entries;
  GOptionContext* context = newContext(&storage, &entries);
  g_auto(GStrv) args = g_new0(gchar*, argc + 1);
  for (int i = 0; i < argc; i++) {
    args[i] = g_strdup(argv[i]);
  }
  g_autoptr(GError) error = nullptr;
  gboolean parsed = g_option_context_parse_strv(context, &args, &error);
  g_option_context_free(context);
  if (!parsed) {
    return invalid(std::string(error->message) + " (see --help)");
  }
  if (args[0] && args[1]) {
    return invalid(std::string("unexpected argument '") + args[1] + "' (see --help)");
  }
  if (storage.help) {
    std::fputs(helpText().c_str(), stdout);
    return ParseOutcome::ExitSuccess;
  }
  if (storage.version) {
    std::fputs(versionText().c_str(), stdout);
    return ParseOutcome::ExitSuccess;
  }

  ServerOptions options;
  RawValues values;
  const std::string cwd = currentDir();
  if (storage.config) {
    g_autofree gchar* file = g_canonicalize_filename(storage.config, cwd.c_str());
    options.config_file = file;
    if (auto ok = readConfigFile(options.config_file, &values); !ok) {
      return fail(ok.error());
    }
  }
  // Flags replace file values; a token from a flag replaces both token keys of the file.
  bool token_flag = false;
  for (size_t i = 0; i < kOptionCount; i++) {
    std::string key = kOptions[i].key;
    if ((key == "api_token" || key == "api_token_file") && storage.values[i]) {
      token_flag = true;
    }
  }
  if (token_flag) {
    values.erase("api_token");
    values.erase("api_token_file");
  }
  for (size_t i = 0; i < kOptionCount; i++) {
    const OptionDef& def = kOptions[i];
    std::string origin = std::string("--") + def.flag;
    if (def.kind == Kind::Flag && storage.flags[i]) {
      values[def.key] = RawValue{"true", origin, cwd};
    } else if (def.kind != Kind::Flag && storage.values[i]) {
      values[def.key] = RawValue{storage.values[i], origin, cwd};
    }
  }
  if (values.count("api_token") && values.count("api_token_file")) {
    return invalid("use either --api-token or --api-token-file, not both");
  }

  for (const auto& [key, value] : values) {
    if (auto ok = apply(key, value, &options); !ok) {
      return fail(ok.error());
    }
  }

  // Defaults that depend on other options, and checks of the whole.
  options.state_dir = absolutePath(RawValue{options.state_dir, "--state-dir", cwd});
  if (options.recordings_dir.empty()) {
    g_autofree gchar* dir = g_build_filename(options.state_dir.c_str(), "recordings", nullptr);
    options.recordings_dir = dir;
  }
  if (!options.media_dir.empty()) {
    char resolved[PATH_MAX];
    if (!realpath(options.media_dir.c_str(), resolved) ||
        !g_file_test(resolved, G_FILE_TEST_IS_DIR)) {
      return invalid("--media-dir " + options.media_dir + " is not an existing directory");
    }
    options.media_dir = resolved;
  }
  if (options.retry_max_ms < options.retry_initial_ms) {
    return invalid("--retry-max must not be shorter than --retry-initial");
  }
  if (auto ok = checkRtspUsers(options); !ok) {
    return fail(ok.error());
  }
  if (auto ok = checkTokenRule(options); !ok) {
    return fail(ok.error());
  }
  *out = std::move(options);
  return ParseOutcome::Run;
}

}  // namespace mls::app
