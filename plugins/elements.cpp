// Element registration. See elements.h.
#include "elements.h"

#include "rtmpfanout/gstmlsrtmpfanout.h"
#include "rtmpsrc/gstmlsrtmpsrc.h"
#include "segmentsink/gstmlssegmentsink.h"

gboolean mls_elements_register(GstPlugin* plugin) {
  gboolean ok = GST_ELEMENT_REGISTER(mlsrtmpfanout, plugin);
  ok = GST_ELEMENT_REGISTER(mlsrtmpsrc, plugin) && ok;
  ok = GST_ELEMENT_REGISTER(mlssegmentsink, plugin) && ok;
  return ok;
}

gboolean mls_elements_register_static(void) {
  return gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "mls",
                                    "mls media server elements", mls_elements_register, VERSION,
                                    "LGPL", PACKAGE, PACKAGE, "https://github.com/mls/mls");
}
