// State events for SSE subscribers. See run_context.h.
#include "media/run_context.h"

#include <json-glib/json-glib.h>

namespace mls::media {

void publishState(RunContext& ctx, const std::string& input, const std::string& output,
                  const model::RunStatus& status) {
  if (!ctx.events) return;
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "input");
  json_builder_add_string_value(b, input.c_str());
  if (!output.empty()) {
    json_builder_set_member_name(b, "output");
    json_builder_add_string_value(b, output.c_str());
  }
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, model::runStateName(status.state));
  json_builder_set_member_name(b, "last_error");
  json_builder_add_string_value(b, status.last_error.c_str());
  json_builder_set_member_name(b, "retries");
  json_builder_add_int_value(b, status.retries);
  json_builder_set_member_name(b, "next_retry_unix_ms");
  json_builder_add_int_value(b, status.next_retry_unix_ms);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree gchar* text = json_to_string(root, FALSE);
  ctx.events(output.empty() ? "input.state" : "output.state", text);
}

}  // namespace mls::media
