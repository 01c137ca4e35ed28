// GstMlsRtmpFanout: the mlsrtmpfanout element, a GstBaseSink that takes one FLV stream
// (video/x-flv, as flvmux streamable=true makes it) and publishes it to many RTMP/RTMPS
// destinations from one event loop thread (FanoutEngine). See plugins/README.md for its exact
// semantics.
//
// Threads: render()/event() run on the streaming thread (or whichever thread pushes into the pad)
// and only parse FLV and queue packets: they never wait on a peer, not even for EOS, whose message
// the loop thread posts once every destination has unpublished (or eos-timeout-ms passed).
// Properties and action signals run on the application's threads; destination messages are
// posted from the loop thread.
#pragma once

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MLS_RTMP_FANOUT (gst_mls_rtmp_fanout_get_type())
G_DECLARE_FINAL_TYPE(GstMlsRtmpFanout, gst_mls_rtmp_fanout, GST, MLS_RTMP_FANOUT, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE(mlsrtmpfanout);

G_END_DECLS
