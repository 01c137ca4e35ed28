// Debug category definitions. See media_log.h.
#include "media/media_log.h"

#include "model/url.h"

GST_DEBUG_CATEGORY(mls_input_debug);
GST_DEBUG_CATEGORY(mls_output_debug);
GST_DEBUG_CATEGORY(mls_tap_debug);
GST_DEBUG_CATEGORY(mls_supervisor_debug);

namespace mls::media {

void mediaLogInit() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(mls_input_debug, "mls-input", 0, "mls input pipelines");
    GST_DEBUG_CATEGORY_INIT(mls_output_debug, "mls-output", 0, "mls output pipelines");
    GST_DEBUG_CATEGORY_INIT(mls_tap_debug, "mls-tap", 0, "mls input→output taps");
    GST_DEBUG_CATEGORY_INIT(mls_supervisor_debug, "mls-supervisor", 0, "mls supervision");
    g_once_init_leave(&once, 1);
  }
}

std::string describeGstError(const GError* error, const gchar* debug) {
  std::string text = model::maskSecretsInText(error && error->message ? error->message : "error");
  if (debug) {
    std::string detail = model::maskSecretsInText(debug);
    auto nl = detail.rfind('\n');
    if (nl != std::string::npos) {
      detail = detail.substr(nl + 1, 200);
      if (!detail.empty() && detail != text) text += ": " + detail;
    }
  }
  return text;
}

}  // namespace mls::media
