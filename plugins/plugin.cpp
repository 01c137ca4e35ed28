// The mls GStreamer plugin (libgstmls.so): the project's own elements, loadable by gst-launch-1.0
// and any GStreamer application through GST_PLUGIN_PATH, without mlsd's libraries. mlsd links the
// same elements in and registers them statically (elements.h). Owned by the plugins/ folder;
// registration runs on whichever thread loads the plugin.
#include <gst/gst.h>

#include "elements.h"

static gboolean plugin_init(GstPlugin* plugin) { return mls_elements_register(plugin); }

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, mls, "mls media server elements",
                  plugin_init, VERSION, "LGPL", PACKAGE, "Unknown package origin")
