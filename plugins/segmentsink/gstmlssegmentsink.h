// GstMlsSegmentSink: the mlssegmentsink element, a GstBin that writes its streams to a sequence of
// files, each a fresh muxer + filesink, cut at the first video keyframe at or after
// `max-size-time`. Unlike splitmuxsink it holds no GOP: every buffer goes to the current muxer as
// soon as it arrives, so after a crash the file trails the stream only by what the muxer itself
// buffers (mp4mux fragment-duration). See plugins/README.md for its exact semantics.
//
// Threads: each sink pad's chain/event functions run on that pad's upstream streaming thread
// (a queue upstream of every pad is required: the streams wait for each other); the old
// segment's muxer and sink are set to NULL and removed from a gst_element_call_async() thread;
// properties are read on the streaming threads and set by the application before PAUSED.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MLS_SEGMENT_SINK (gst_mls_segment_sink_get_type())
G_DECLARE_FINAL_TYPE(GstMlsSegmentSink, gst_mls_segment_sink, GST, MLS_SEGMENT_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE(mlssegmentsink);

G_END_DECLS
