// RecordMedia: the element of a publisher's RECORD media — what gst-rtsp-server runs for an
// encoder that ANNOUNCEs and RECORDs to a publish input. Built from the ANNOUNCE's SDP, one
// branch per SDP media, so the stream count matches what the publisher sends:
//
//   rtph264depay name=depay0 ! video/x-h264,stream-format=avc,alignment=au ! appsink (Tap Video)
//   rtpmp4gdepay name=depay1 ! appsink (Tap Audio)          (MP4A-LATM: rtpmp4adepay, OPUS,
//                                                             MPA; H265 like H264)
//   fakesink name=depay2                                      (a stream mls does not carry)
//
// gst-rtsp-server links its RTP receivers (UDP or interleaved TCP) to each depay<N>'s sink pad.
// The appsinks are Taps (media/tap.h); the bin claims the input's Ingest with them, and the input
// pipeline's appsrcs subscribe to them (media/ingest.h). Whole access units from the depayloader,
// as for a pulled RTSP source (see InputPipeline's RTP note). The Ingest session is released
// when the media is unprepared (TEARDOWN, the connection closed, the client kicked) or its bin
// destroyed, whichever comes first.
//
// Called on a gst-rtsp-server client thread, from the media factory, while the ANNOUNCE is
// handled (the request, and its SDP, are the current GstRTSPContext's).
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <memory>

#include "media/ingest.h"

namespace mls::rtsp {

// A new RECORD bin for the ANNOUNCE being handled, which holds `ingest`'s slot; nullptr (floating
// bin otherwise) when the request carries no usable SDP, no stream mls carries, or someone else
// publishes already.
GstElement* newRecordBin(const std::shared_ptr<media::Ingest>& ingest, GstRTSPContext* ctx);

// Whether the request being handled publishes: ANNOUNCE, or a SETUP whose transport asks for
// mode=record. Any thread.
bool isPublishRequest(const GstRTSPContext* ctx);

// Releases the slot held by the bin of `media` (its "unprepared" signal). Any thread.
void releaseRecordBin(GstRTSPMedia* media);

}  // namespace mls::rtsp
