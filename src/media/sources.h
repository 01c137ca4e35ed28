// Sources: the first elements of an input pipeline, one recipe per URL scheme. A recipe adds its
// elements to the pipeline and says where parsed elementary streams will appear:
//  - test://       static pads (videotestsrc → x264enc → h264parse, audiotestsrc → AAC → aacparse)
//  - rtsp(s)://    rtspsrc; each RTP pad it adds goes through its own parsebin (depay + parse);
//                  H.264/H.265 are depayloaded into whole access units first (InputPipeline)
//  - rtsp://…?mode=publish   one appsrc per stream of the publisher's RECORD media (fed through
//                  its Ingest, ingest.h), each with its parser; live once media arrives
//  - rtmp(s)://, srt://, udp://, http(s)…m3u8, file://   one element whose src pad feeds a parsebin
//    (flvdemux, tsdemux, hlsdemux, qtdemux are plugged by parsebin); mlsrtmpsrc (or rtmp2src:
//    --rtmp-source, and URLs with credentials) through a tee whose
//    other branch is the input's FLV tap: RTMP outputs get the source's FLV tags unmuxed
// file:// streams are paced to the clock (they are not live) and may loop; HLS is paced too (it
// arrives a segment at a time).
//
// Called on the main thread while the pipeline is being built (NULL state).
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "model/spec.h"
#include "model/url.h"

namespace mls::media {

struct SourceRecipe {
  std::vector<GstPad*> stream_pads;  // parsed elementary stream pads, available now (transfer full)
  GstElement* rtp_source = nullptr;  // rtspsrc: RTP pads appear on pad-added (borrowed)
  GstElement* parse_from = nullptr;  // element whose static "src" pad feeds one parsebin (borrowed)
  GstElement* flv_tee = nullptr;     // rtmp(s)://: the tee of the source's FLV stream (borrowed)
  bool paced = false;                // pace to the clock: not live (file://) or bursty (HLS)
  // Publish inputs: the appsrc of each stream the publisher announced, in its order (borrowed),
  // and the streams are ready only once media flows (their pads exist before it does).
  std::vector<GstElement*> publish_sources;
  bool wait_for_media = false;
  std::string launch;  // gst-launch-1.0 description of what was built (secrets masked)
};

struct SourceDefaults {
  int rtsp_latency_ms = 200;
  int connect_timeout_s = 10;
  // The element that plays rtmp(s):// inputs: "mlsrtmpsrc" (one thread, plugins/README.md) or
  // "rtmp2src" (--rtmp-source).
  std::string rtmp_element = "mlsrtmpsrc";
};

// Adds the source elements for `input` to `bin`. ErrorCode::Invalid when the URL cannot be
// served (also checked at the API), ErrorCode::Internal when an element is missing.
// `publish_codecs`: for a publish input, the codecs of the streams its publisher announced.
Result<SourceRecipe> buildSource(GstBin* bin, const model::InputSpec& input,
                                 const std::string& media_dir, const SourceDefaults& defaults,
                                 const std::vector<std::string>& publish_codecs = {});

// A recipe's description (chains separated by two spaces, each ending where the input's tees
// begin) as a gst-launch-1.0 description that runs on its own: each chain ends in a fakesink
// (async=false), a parsebin in one per stream it may expose (video, audio), through
// gst-launch's delayed links ("parsebin name=demux0  demux0. ! queue ! fakesink async=false
// demux0. ! queue ! fakesink async=false").
std::string runnableLaunch(const std::string& recipe);

// Makes an element or fails with a message naming the missing plugin package.
Result<GstElement*> makeElement(const char* factory, const char* name = nullptr);

}  // namespace mls::media
