// Element registration. See elements.h.
#include "elements.h"

#include "rtmpfanout/gstmlsrtmpfanout.h"

gboolean mls_elements_register(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(mlsrtmpfanout, plugin);
}

gboolean mls_elements_register_static(void) {
  return gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "mls",
                                    "mls media server elements", mls_elements_register, VERSION,
                                    "LGPL", PACKAGE, PACKAGE, "https://github.com/mls/mls");
}
