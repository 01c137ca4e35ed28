// The registration of the project's own GStreamer elements, shared by the loadable plugin
// (plugin.cpp, libgstmls.so) and by mlsd, which links the elements in and registers them as a
// static plugin at start-up (so it never depends on GST_PLUGIN_PATH). Adding an element means
// adding it here once. Either entry point runs on the thread that initializes GStreamer.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

// Registers every element of the plugin into `plugin` (the plugin_init of GST_PLUGIN_DEFINE).
gboolean mls_elements_register(GstPlugin* plugin);

// For applications that link the elements in: registers them as the static plugin "mls".
// Call once after gst_init(). FALSE if registration failed (logged by GStreamer).
gboolean mls_elements_register_static(void);

G_END_DECLS
