// TapMediaFactory: a GstRTSPMediaFactory whose media is fed from an input's existing pipeline,
// never from a new connection to the source. Its media bin starts with appsrc elements that a
// TapSource feeds from the input's Video and Audio taps (the appsink → appsrc seam outputs use,
// so nothing a client or the media pipeline does reaches the input), and payloads without
// re-encoding:
//
//   appsrc(video) ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1   (h265 alike)
//   appsrc(audio) ! aacparse ! rtpmp4gpay name=pay1 pt=97     (mp3: rtpmpapay, opus: rtpopuspay)
//
// The factory is shared: every client of the input plays the same media, one tap subscription.
// The media pipeline uses the system clock and the input's base time, so input running time is
// media running time (as for output pipelines) and the cached GOP starts it on a keyframe with
// its codec headers. The subscription ends when the media is unprepared (last client gone) or
// its bin is destroyed.
//
// The factory of a publish input also accepts its publisher: an ANNOUNCE to the mount builds a
// RECORD media instead (record_media.h) that claims the input's Ingest, and readers play the
// TapSource the input publishes once that publisher made it live. gst-rtsp-server fixes a
// media's transport mode when it is constructed and caches shared media by key, so construct
// and gen_key look at the request being handled: ANNOUNCE gets a RECORD media that is never
// shared, anything else the shared PLAY media of the current TapSource (keyed by its
// generation, so a returning publisher's readers never get a media fed by a gone pipeline).
//
// Created and mounted by RtspPublisher on the main thread; create_element, create_pipeline and
// configure run on gst-rtsp-server's client threads and touch only the factory's state (under
// its lock), the TapSource and the Ingest.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <memory>

#include "media/ingest.h"
#include "rtsp/tap_source.h"

G_BEGIN_DECLS
#define MLS_TYPE_TAP_MEDIA_FACTORY (mls_tap_media_factory_get_type())
G_DECLARE_FINAL_TYPE(MlsTapMediaFactory, mls_tap_media_factory, MLS, TAP_MEDIA_FACTORY,
                     GstRTSPMediaFactory)
G_END_DECLS

namespace mls::rtsp {

// A new shared factory serving `source` over UDP and TCP (transfer full).
GstRTSPMediaFactory* newTapMediaFactory(std::shared_ptr<TapSource> source);
// A new factory for a publish input: accepts one publisher into `ingest`, and serves nothing
// until setTapSource() (transfer full).
GstRTSPMediaFactory* newIngestMediaFactory(std::shared_ptr<media::Ingest> ingest);
// Main thread: what readers play from now on (null: nothing, DESCRIBE gets 404).
void setTapSource(GstRTSPMediaFactory* factory, std::shared_ptr<TapSource> source);

// Any thread; `factory` may be any GstRTSPMediaFactory (false/false when it is not mls's).
// Whether it accepts a publisher, whether one holds it, and whether it has media to play.
bool acceptsPublisher(GstRTSPMediaFactory* factory);
bool hasPublisher(GstRTSPMediaFactory* factory);
bool isServing(GstRTSPMediaFactory* factory);

// The payloader and parser factories for a codec, or nullptr when it cannot be served.
const char* payloaderFor(const std::string& codec);
const char* parserFor(const std::string& codec);

}  // namespace mls::rtsp
