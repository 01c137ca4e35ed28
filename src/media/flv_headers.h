// FlvStreamHeaders: what a subscriber joining an RTMP source's FLV stream late must get first.
//
// An RTMP input's FLV tap passes the tags its source (mlsrtmpsrc, or rtmp2src) receives on as
// they are, with no demuxing and no re-muxing (see InputPipeline). A subscriber that joins later (a
// fan-out pipeline started by the first RTMP output, an rtmp2sink output) has missed the tags a
// decoder needs before any frame: the onMetaData, and the video and audio sequence headers (decoder
// configuration). This class remembers the latest of each and makes the tap's caps from them the
// way flvmux does: `video/x-flv` with a `streamheader` array of an FLV file header, then those
// tags. Both mlsrtmpfanout and rtmp2sink send a caps' streamheader before the first buffer.
//
// Both sources begin with an FLV file header whose flags say nothing reliable (rtmp2src's always
// say "video only", in the same buffer as the server's first tag, nginx-rtmp's
// |RtmpSampleAccess; mlsrtmpsrc's always say audio and video, alone). That buffer is dropped
// (after any header tag in it is remembered); the file header in the caps carries the flags of
// the streams the input actually has, given by setStreams().
//
// Used by its Tap on the input's streaming thread and by the main thread, always under the tap's
// lock: no locking of its own.
#pragma once

#include <gst/gst.h>

#include "core/gobj.h"

namespace mls::media {

class FlvStreamHeaders {
 public:
  enum class Kind {
    Drop,    // not a tag to pass on (the stream's file header)
    Header,  // onMetaData or a sequence header (also remembered)
    Media,   // anything else: frames, other script tags
  };

  // One buffer of the source's output, which holds one tag (the first: the file header, with a
  // tag after it from rtmp2src).
  Kind accept(GstBuffer* buffer);

  // The streams the input carries: the flags of the file header in the caps. Until this is
  // called caps() is null (the tap has no subscriber before it).
  void setStreams(bool has_video, bool has_audio);
  // The caps to announce now (borrowed), rebuilt when a remembered tag changed; null before
  // setStreams().
  GstCaps* caps();

 private:
  void remember(GstMiniPtr<GstBuffer>& slot, GstBuffer* tag);

  GstMiniPtr<GstBuffer> metadata_;
  GstMiniPtr<GstBuffer> video_config_;
  GstMiniPtr<GstBuffer> audio_config_;
  bool streams_known_ = false;
  bool has_video_ = false;
  bool has_audio_ = false;
  bool changed_ = true;
  GstMiniPtr<GstCaps> caps_;
};

}  // namespace mls::media
