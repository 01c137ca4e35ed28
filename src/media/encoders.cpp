// Encoder/decoder choice. See encoders.h.
#include "media/encoders.h"

#include <algorithm>

#include "media/sources.h"

namespace mls::media {

Result<GstElement*> makeVideoEncoder(const model::TranscodeSettings& settings, int fps,
                                     std::string* launch) {
  int bitrate = settings.bitrate_kbps > 0 ? settings.bitrate_kbps : 2500;
  int keyint = std::max(1, settings.keyframe_interval_s) * std::max(1, fps);
  if (settings.video_codec == "h265") {
    auto enc = makeElement("x265enc");
    if (!enc) return enc;
    g_object_set(*enc, "bitrate", (guint)bitrate, "key-int-max", keyint, nullptr);
    gst_util_set_object_arg(G_OBJECT(*enc), "tune", "zerolatency");
    gst_util_set_object_arg(G_OBJECT(*enc), "speed-preset", "veryfast");
    if (launch)
      *launch = "x265enc bitrate=" + std::to_string(bitrate) + " key-int-max=" +
                std::to_string(keyint) + " tune=zerolatency speed-preset=veryfast";
    return enc;
  }
  auto enc = makeElement("x264enc");
  if (!enc) return enc;
  // Keep up in real time on a small edge box: above 720p30 worth of pixels per second, x264's
  // "veryfast" needs more than a core (1080p30 fell behind on 2 cores, measured); "superfast"
  // keeps up at a modest quality cost.
  long pixel_rate = static_cast<long>(std::max(settings.width, 1280)) *
                    std::max(settings.height, 720) * std::max(fps, 1);
  const char* preset = pixel_rate > 1280L * 720 * 30 ? "superfast" : "veryfast";
  // pass=cbr is x264enc's default; nal-hrd=cbr makes the stream strictly constant bitrate, as
  // YouTube and Twitch ingest expect.
  g_object_set(*enc, "bitrate", (guint)bitrate, "key-int-max", (guint)keyint, "vbv-buf-capacity",
               1000u, "option-string", "nal-hrd=cbr", nullptr);
  gst_util_set_object_arg(G_OBJECT(*enc), "tune", "zerolatency");
  gst_util_set_object_arg(G_OBJECT(*enc), "speed-preset", preset);
  if (launch)
    *launch = "x264enc bitrate=" + std::to_string(bitrate) + " key-int-max=" +
              std::to_string(keyint) +
              " vbv-buf-capacity=1000 option-string=nal-hrd=cbr tune=zerolatency speed-preset=" +
              preset;
  return enc;
}

Result<GstElement*> makeAudioEncoder(int bitrate_kbps, std::string* launch) {
  auto enc = makeElement("avenc_aac");
  if (!enc) return enc;
  int bitrate = bitrate_kbps > 0 ? bitrate_kbps : 128;
  g_object_set(*enc, "bitrate", bitrate * 1000, nullptr);
  if (launch) *launch = "avenc_aac bitrate=" + std::to_string(bitrate * 1000);
  return enc;
}

Result<GstElement*> makeDecoder(const std::string& codec) {
  if (codec == "h264") return makeElement("avdec_h264");
  if (codec == "h265") return makeElement("avdec_h265");
  if (codec == "aac") return makeElement("avdec_aac");
  if (codec == "mp3") return makeElement("avdec_mp3");
  if (codec == "opus") return makeElement("opusdec");
  return fail(ErrorCode::Invalid, "no decoder for codec '" + codec + "'");
}

const char* parserFor(const std::string& codec) {
  if (codec == "h264") return "h264parse";
  if (codec == "h265") return "h265parse";
  if (codec == "aac") return "aacparse";
  if (codec == "mp3") return "mpegaudioparse";
  if (codec == "opus") return "opusparse";
  return nullptr;
}

const char* parserFactory(const std::string& codec) {
  const char* parser = parserFor(codec);
  return parser ? parser : "identity";
}

}  // namespace mls::media
