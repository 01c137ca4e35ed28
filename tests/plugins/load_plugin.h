// The plugin tests' one set-up step: loads the project's GStreamer plugin (libgstmls.so, the
// file meson passes as MLS_GST_PLUGIN_FILE) into this process, so its elements can be made by
// name without GST_PLUGIN_PATH. Call from SetUpTestSuite(), on the test's main thread.
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace mls::test {

inline void loadMlsPlugin() {
  gst_init(nullptr, nullptr);
  GError* error = nullptr;
  GstPlugin* plugin = gst_plugin_load_file(MLS_GST_PLUGIN_FILE, &error);
  ASSERT_NE(plugin, nullptr) << (error ? error->message : "?");
  gst_object_unref(plugin);
}

}  // namespace mls::test
