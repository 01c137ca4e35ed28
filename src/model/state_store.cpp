// The desired state on disk. See state_store.h.
//
// save() writes configToJson(Keep) as pretty JSON with g_file_set_contents_full(CONSISTENT |
// DURABLE, 0600): on GLib 2.74 that creates "<path>.XXXXXX" in the same directory with
// O_EXCL and mode 0600 (the file holds stream keys), writes it, fsyncs it, renames it over
// state.json and fsyncs the directory (checked with strace), and removes the temporary file if
// anything fails. load() parses with configFromJson only: validation needs the server's
// ValidationContext, so the caller validates what it gets.
#include "model/state_store.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <cerrno>
#include <utility>

#include "model/json_mapping.h"

namespace mls::model {

namespace {

constexpr const char* kLeftUntouched = "; it was left untouched: fix it or move it away";

}  // namespace

StateStore::StateStore(std::string state_dir) : dir_(std::move(state_dir)) {
  g_autofree gchar* path = g_build_filename(dir_.c_str(), "state.json", nullptr);
  path_ = path;
}

Result<std::optional<Config>> StateStore::load() {
  if (g_mkdir_with_parents(dir_.c_str(), 0755) != 0) {
    int err = errno;
    return fail(ErrorCode::Internal,
                "cannot create the state directory " + dir_ + ": " + g_strerror(err));
  }
  g_autofree gchar* contents = nullptr;
  gsize length = 0;
  g_autoptr(GError) error = nullptr;
  if (!g_file_get_contents(path_.c_str(), &contents, &length, &error)) {
    if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      return std::nullopt;
    }
    return fail(ErrorCode::Internal,
                "cannot read the state file " + path_ + ": " + error->message + kLeftUntouched);
  }
  auto node = parseJson(std::string(contents, length));
  if (!node) {
    return fail(ErrorCode::Invalid, "the state file " + path_ + " is corrupt (" +
                                        node.error().message + ")" + kLeftUntouched);
  }
  auto config = configFromJson(*node);
  json_node_unref(*node);
  if (!config) {
    const Error& e = config.error();
    return fail(ErrorCode::Invalid, "the state file " + path_ + " is invalid (" +
                                        (e.field.empty() ? "" : e.field + ": ") + e.message + ")" +
                                        kLeftUntouched);
  }
  return std::optional<Config>(std::move(*config));
}

Result<void> StateStore::save(const Config& config) {
  JsonNode* node = configToJson(config, Secrets::Keep);
  std::string text = toJsonText(node, true) + "\n";
  json_node_unref(node);
  g_autoptr(GError) error = nullptr;
  if (!g_file_set_contents_full(path_.c_str(), text.data(), static_cast<gssize>(text.size()),
                                static_cast<GFileSetContentsFlags>(G_FILE_SET_CONTENTS_CONSISTENT |
                                                                   G_FILE_SET_CONTENTS_DURABLE),
                                0600, &error)) {
    return fail(ErrorCode::Internal,
                "cannot write the state file " + path_ + ": " + error->message);
  }
  return {};
}

}  // namespace mls::model
