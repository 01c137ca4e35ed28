// GStreamer debug categories of the media layer (GST_DEBUG=mls-*:6). Registered once by
// mediaLogInit(), called from mls::media::init() on the main thread before any pipeline exists.
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(mls_input_debug);
GST_DEBUG_CATEGORY_EXTERN(mls_output_debug);
GST_DEBUG_CATEGORY_EXTERN(mls_tap_debug);
GST_DEBUG_CATEGORY_EXTERN(mls_supervisor_debug);

#include <string>

namespace mls::media {
void mediaLogInit();

// An element error as an operator reads it: the message, plus the last line of the debug text
// (where elements put the useful part: "Connection refused", an RTMP onStatus code), secrets
// masked, without source locations and element paths.
std::string describeGstError(const GError* error, const gchar* debug);
}
