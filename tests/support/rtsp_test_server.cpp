// mls-test-rtsp-server: a small RTSP camera for tests, built on gst-rtsp-server.
//
// Serves H.264 (x264enc, tune=zerolatency, a keyframe every 2 s exactly: no scene-cut keyframes)
// and AAC from live test sources
// at rtsp://127.0.0.1:PORT/test, as one shared media (one pipeline however many clients), over
// TCP or UDP as the client asks. It prints, line-buffered on stdout:
//   listening on rtsp://127.0.0.1:PORT/test      once, when it accepts clients
//   client connected N                            for each new RTSP connection (N counts them)
// so tests can find the port it picked (--port 0) and count the connections made to the source.
// SIGTERM or SIGINT stop it cleanly (exit status 0).
//
// Usage: mls-test-rtsp-server [--port N] [--no-audio] [--size WxH] [--fps N]
// Everything runs on the default main context of the main thread, except gst-rtsp-server's
// media pipeline threads, which this program does not touch.
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdio>
#include <string>

namespace {

int g_clients = 0;  // main thread only

void onClientConnected(GstRTSPServer*, GstRTSPClient*, gpointer) noexcept {
  ++g_clients;
  std::printf("client connected %d\n", g_clients);
  std::fflush(stdout);
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

}  // namespace

int main(int argc, char** argv) {
  gint port = 0;
  gint fps = 30;
  gboolean no_audio = FALSE;
  g_autofree gchar* size = nullptr;
  GOptionEntry entries[] = {
      {"port", 0, 0, G_OPTION_ARG_INT, &port, "TCP port (0: pick a free one)", "N"},
      {"no-audio", 0, 0, G_OPTION_ARG_NONE, &no_audio, "Serve video only", nullptr},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size, "Video size (default 1280x720)", "WxH"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate (default 30)", "N"},
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
