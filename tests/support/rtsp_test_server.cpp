// mls-test-rtsp-server: a small RTSP camera for tests, built on gst-rtsp-server.
//
// Serves H.264 (x264enc, tune=zerolatency, a keyframe every 2 s exactly: no scene-cut keyframes)
// and AAC from live test sources
// at rtsp://127.0.0.1:PORT/test, as one shared media (one pipeline however many clients), over
// TCP or UDP as the client asks.
//
// With --record FILE it also accepts publishers (ANNOUNCE + RECORD, as rtspclientsink and
// ffmpeg -f rtsp send) at rtsp://127.0.0.1:PORT/record, and writes what they send, depayloaded
// and parsed but not decoded, to FILE as MPEG-TS (each new publish starts the file again), so a
// test reads it back with ffprobe. It takes up to two streams (video and audio, in any order).
//
// It prints, line-buffered on stdout:
//   listening on rtsp://127.0.0.1:PORT/test      once, when it accepts clients
//   client connected N                            for each new RTSP connection (N counts them)
//   client N setup TRANSPORT                      for each SETUP, with the Transport header the
//                                                 client asked for (RTP/AVP/TCP;… or RTP/AVP;…)
//   client N record                               for each RECORD request
// so tests can find the port it picked (--port 0), count the connections made to the source and
// see which transport each client chose.
// SIGTERM or SIGINT stop it cleanly (exit status 0).
//
// Usage: mls-test-rtsp-server [--port N] [--no-audio] [--size WxH] [--fps N] [--record FILE]
// Everything runs on the default main context of the main thread, except gst-rtsp-server's
// media pipeline threads, which this program does not touch.
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdio>
#include <string>

namespace {

int g_clients = 0;  // main thread only

void onSetupRequest(GstRTSPClient*, GstRTSPContext* ctx, gpointer client_number) noexcept {
  gchar* transport = nullptr;  // owned by the request
  if (ctx->request) {
    gst_rtsp_message_get_header(ctx->request, GST_RTSP_HDR_TRANSPORT, &transport, 0);
  }
  std::printf("client %d setup %s\n", GPOINTER_TO_INT(client_number),
              transport ? transport : "(no transport)");
  std::fflush(stdout);
}

void onRecordRequest(GstRTSPClient*, GstRTSPContext*, gpointer client_number) noexcept {
  std::printf("client %d record\n", GPOINTER_TO_INT(client_number));
  std::fflush(stdout);
}

void onClientConnected(GstRTSPServer*, GstRTSPClient* client, gpointer) noexcept {
  ++g_clients;
  std::printf("client connected %d\n", g_clients);
  std::fflush(stdout);
  g_signal_connect(client, "setup-request", G_CALLBACK(onSetupRequest), GINT_TO_POINTER(g_clients));
  g_signal_connect(client, "record-request", G_CALLBACK(onRecordRequest),
                   GINT_TO_POINTER(g_clients));
}

gboolean onQuitSignal(gpointer loop) noexcept {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
  return G_SOURCE_REMOVE;
}

std::string launchLine(int width, int height, int fps, bool audio) {
  const std::string video =
      "videotestsrc is-live=true pattern=smpte ! video/x-raw,width=" + std::to_string(width) +
      ",height=" + std::to_string(height) + ",framerate=" + std::to_string(fps) +
      "/1 ! timeoverlay ! videoconvert ! video/x-raw,format=I420 ! "
      "x264enc tune=zerolatency speed-preset=veryfast bitrate=2000 option-string=scenecut=0 "
      "key-int-max=" +
      std::to_string(2 * fps) +
      " ! video/x-h264,profile=high ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1";
  const std::string sound =
      " audiotestsrc is-live=true wave=sine freq=1000 ! "
      "audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac bitrate=128000 ! aacparse ! "
      "rtpmp4gpay name=pay1 pt=97";
  return "( " + video + (audio ? sound : std::string()) + " )";
}

// The receiving side of a RECORD: gst-rtsp-server feeds the n-th stream of the publisher's SDP
// to the element named depay<n>. parsebin picks the depayloader and parser the RTP caps call for,
// so the streams may come in any order and nothing is decoded; onParsedPad links what it exposes
// into the muxer.
std::string recordLaunchLine(const std::string& path) {
  g_autofree gchar* quoted = g_strescape(path.c_str(), nullptr);
  return "( parsebin name=depay0  parsebin name=depay1  mpegtsmux name=mux alignment=7 ! "
         "filesink sync=false async=false location=\"" +
         std::string(quoted) + "\" )";
}

// A parsebin of the RECORD media exposed a parsed stream (on that media's streaming thread):
// queue it into the muxer. H.264 goes through h264parse, because the depayloader gives avc and
// mpegtsmux takes byte-stream; AAC goes in as it is.
void onParsedPad(GstElement* parsebin, GstPad* pad, gpointer mux_ptr) noexcept {
  auto* mux = static_cast<GstElement*>(mux_ptr);
  g_autoptr(GstObject) parent = gst_element_get_parent(parsebin);
  GstBin* bin = GST_BIN(parent);
  g_autoptr(GstCaps) caps = gst_pad_query_caps(pad, nullptr);
  const bool h264 = !gst_caps_is_empty(caps) &&
                    gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-h264");
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  GstElement* last = queue;
  gst_bin_add(bin, queue);
  if (h264) {
    last = gst_element_factory_make("h264parse", nullptr);
    g_object_set(last, "config-interval", -1, nullptr);
    gst_bin_add(bin, last);
    gst_element_link(queue, last);
  }
  if (!gst_element_link(last, mux)) {
    g_autofree gchar* text = gst_caps_to_string(caps);
    std::fprintf(stderr, "mls-test-rtsp-server: cannot record a stream of %s\n", text);
  }
  gst_element_sync_state_with_parent(last);
  gst_element_sync_state_with_parent(queue);
  g_autoptr(GstPad) sink = gst_element_get_static_pad(queue, "sink");
  gst_pad_link(pad, sink);
}

// The rtpbin of a RECORD media (added to its pipeline when the media is prepared) stamps what
// arrives from each stream's first arrival and its RTP timestamps from there on (buffer-mode
// synced), and leaves the streams' offsets as they arrived (rtcp-sync rtp-info: a RECORD has no
// RTP-Info, so no RTCP lip-sync shift). With the defaults (slave mode: arrival times, smoothed),
// a publisher that sends its backlog in a burst when RECORD is answered late (mlsd queues while
// the server is slow to answer, up to its queues' 3 s) left the video jitterbuffer's skew
// estimate seconds off: it stamped every later packet with the same time ("backwards
// timestamps, using previous time"), h264parse passed those frames on without PTS, and
// mpegtsmux waited on them for good: 0.4 s of video in the file, then audio alone (4 runs of 4
// with this server stopped for 1.5 s during the handshake; 0 of 3 with these settings). Synced
// mode alone still shifted video once by 50-90 ms when the first RTCP SR came (lip-sync). A
// recorder wants the sender's timing anyway. Client or main thread.
void onRecordPipelineElementAdded(GstBin*, GstElement* element, gpointer) noexcept {
  GstElementFactory* factory = gst_element_get_factory(element);
  if (!factory || !g_str_equal(GST_OBJECT_NAME(factory), "rtpbin")) return;
  gst_util_set_object_arg(G_OBJECT(element), "buffer-mode", "synced");
  gst_util_set_object_arg(G_OBJECT(element), "rtcp-sync", "rtp-info");
}

// Main thread: a RECORD media was built from the launch line; watch its parsebins, and its
// pipeline for the rtpbin.
void onRecordMediaConstructed(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer) noexcept {
  g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
  g_autoptr(GstObject) pipeline = gst_element_get_parent(element);
  if (pipeline && GST_IS_BIN(pipeline))
    g_signal_connect(pipeline, "element-added", G_CALLBACK(onRecordPipelineElementAdded), nullptr);
  g_autoptr(GstElement) mux = gst_bin_get_by_name(GST_BIN(element), "mux");
  for (const char* name : {"depay0", "depay1"}) {
    g_autoptr(GstElement) parsebin = gst_bin_get_by_name(GST_BIN(element), name);
    // The muxer lives in the same bin as the parsebins, so it outlives their signals.
    g_signal_connect(parsebin, "pad-added", G_CALLBACK(onParsedPad), mux);
  }
}

}  // namespace

int main(int argc, char** argv) {
  gint port = 0;
  gint fps = 30;
  gboolean no_audio = FALSE;
  g_autofree gchar* size = nullptr;
  g_autofree gchar* record = nullptr;
  GOptionEntry entries[] = {
      {"port", 0, 0, G_OPTION_ARG_INT, &port, "TCP port (0: pick a free one)", "N"},
      {"no-audio", 0, 0, G_OPTION_ARG_NONE, &no_audio, "Serve video only", nullptr},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size, "Video size (default 1280x720)", "WxH"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate (default 30)", "N"},
      {"record", 0, 0, G_OPTION_ARG_FILENAME, &record,
       "Accept publishers at /record and write them to FILE (MPEG-TS)", "FILE"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  g_autoptr(GOptionContext) options = g_option_context_new("- RTSP test camera for mls tests");
  g_option_context_add_main_entries(options, entries, nullptr);
  g_option_context_add_group(options, gst_init_get_option_group());
  g_autoptr(GError) error = nullptr;
  if (!g_option_context_parse(options, &argc, &argv, &error)) {
    std::fprintf(stderr, "mls-test-rtsp-server: %s\n", error->message);
    return 2;
  }
  int width = 1280;
  int height = 720;
  if (size && std::sscanf(size, "%dx%d", &width, &height) != 2) {
    std::fprintf(stderr, "mls-test-rtsp-server: --size wants WxH, got %s\n", size);
    return 2;
  }
  if (port < 0 || port > 65535 || fps <= 0 || width <= 0 || height <= 0) {
    std::fprintf(stderr, "mls-test-rtsp-server: invalid --port, --fps or --size\n");
    return 2;
  }

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  GstRTSPServer* server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, "127.0.0.1");
  const std::string service = std::to_string(port);
  gst_rtsp_server_set_service(server, service.c_str());

  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launchLine(width, height, fps, !no_audio).c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  gst_rtsp_media_factory_set_protocols(
      factory, static_cast<GstRTSPLowerTrans>(GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP));
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, "/test", factory);  // takes the factory
  if (record) {
    GstRTSPMediaFactory* receiver = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_transport_mode(receiver, GST_RTSP_TRANSPORT_MODE_RECORD);
    gst_rtsp_media_factory_set_launch(receiver, recordLaunchLine(record).c_str());
    g_signal_connect(receiver, "media-constructed", G_CALLBACK(onRecordMediaConstructed), nullptr);
    gst_rtsp_media_factory_set_protocols(
        receiver,
        static_cast<GstRTSPLowerTrans>(GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP));
    gst_rtsp_mount_points_add_factory(mounts, "/record", receiver);  // takes the factory
  }
  g_object_unref(mounts);

  g_signal_connect(server, "client-connected", G_CALLBACK(onClientConnected), nullptr);
  const guint server_source = gst_rtsp_server_attach(server, nullptr);
  if (server_source == 0) {
    std::fprintf(stderr, "mls-test-rtsp-server: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  g_unix_signal_add(SIGTERM, onQuitSignal, loop);
  g_unix_signal_add(SIGINT, onQuitSignal, loop);

  std::printf("listening on rtsp://127.0.0.1:%d/test\n", gst_rtsp_server_get_bound_port(server));
  std::fflush(stdout);
  g_main_loop_run(loop);

  g_source_remove(server_source);
  g_object_unref(server);
  g_main_loop_unref(loop);
  std::printf("stopped after %d client connections\n", g_clients);
  return 0;
}
