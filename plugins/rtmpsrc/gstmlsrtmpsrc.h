// GstMlsRtmpSrc: the mlsrtmpsrc element, a live GstPushSrc that plays one RTMP/RTMPS stream and
// outputs it as FLV (video/x-flv): an FLV file header, then one tag per buffer, exactly as the
// server sends the publisher's messages (DTS = the tag's timestamp). See plugins/README.md.
//
// Why not rtmp2src: rtmp2src runs a connection thread that reads and parses the socket and hands
// every message to its streaming thread (a wake-up and a context switch per message). Here the
// streaming thread does it all: one thread, woken once per socket read. The protocol itself is
// RtmpSession in its player role (plugins/rtmpfanout/rtmp_session.h), shared with mlsrtmpfanout.
//
// Threads: create() runs on the streaming thread and does all the network I/O (blocking, with a
// read deadline of `timeout` seconds and a GCancellable that unlock() cancels so a state change
// never waits on the network); properties are set from the application's thread (read at start).
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MLS_RTMP_SRC (gst_mls_rtmp_src_get_type())
G_DECLARE_FINAL_TYPE(GstMlsRtmpSrc, gst_mls_rtmp_src, GST, MLS_RTMP_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(mlsrtmpsrc);

G_END_DECLS
