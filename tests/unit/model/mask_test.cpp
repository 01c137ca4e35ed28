// Secret masking of URLs and free text (model/url.h).
#include <gtest/gtest.h>

#include "model/url.h"

namespace mls::model {
namespace {

const std::string M = "\u2022\u2022\u2022\u2022";  // "••••"

TEST(MaskUrl, RtmpStreamKeyAfterTheApplication) {
  EXPECT_EQ(maskUrl("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a"),
            "rtmp://a.rtmp.youtube.com/live2/" + M + "3f9a");
  // YouTube backup ingest: the key follows the application's query.
  EXPECT_EQ(maskUrl("rtmp://b.rtmp.youtube.com/live2?backup=1/abcd-efgh-ijkl-mnop"),
            "rtmp://b.rtmp.youtube.com/live2?backup=1/" + M + "mnop");
  EXPECT_EQ(maskUrl("rtmp://h/app/key-123456789?token=abc/def"),
            "rtmp://h/app/" + M + "6789?token=" + M);
  // Twitch.
  EXPECT_EQ(maskUrl("rtmp://live.twitch.tv/app/live_123456789_AbCdEfGhIjKlMnOpQrStUvWxYz"),
            "rtmp://live.twitch.tv/app/" + M + "WxYz");
  // Facebook (rtmps, explicit port).
  EXPECT_EQ(maskUrl("rtmps://live-api-s.facebook.com:443/rtmp/FB-1234567890-0-AbcdEfgh1234"),
            "rtmps://live-api-s.facebook.com:443/rtmp/" + M + "1234");
  // Short keys are hidden whole; so is everything after the application.
  EXPECT_EQ(maskUrl("rtmp://host/live/short"), "rtmp://host/live/" + M);
  EXPECT_EQ(maskUrl("rtmp://host/app/sub/key"), "rtmp://host/app/" + M);
  EXPECT_EQ(maskUrl("rtmp://host/app/_definst_/a-long-stream-key-4321"),
            "rtmp://host/app/" + M + "4321");
  EXPECT_EQ(maskUrl("RTMP://host/live/abcdefghijkl"), "RTMP://host/live/" + M + "ijkl");
  // Nothing to hide.
  EXPECT_EQ(maskUrl("rtmp://host/live"), "rtmp://host/live");
  EXPECT_EQ(maskUrl("rtmp://host/live/"), "rtmp://host/live/");
  EXPECT_EQ(maskUrl("rtmp://host"), "rtmp://host");
}

TEST(MaskUrl, KeepsFourOnlyFromTwelveCharacters) {
  EXPECT_EQ(maskUrl("rtmp://h/a/12345678901"), "rtmp://h/a/" + M);
  EXPECT_EQ(maskUrl("rtmp://h/a/123456789012"), "rtmp://h/a/" + M + "9012");
  // A percent-escape counts as one character and is never cut in half.
  EXPECT_EQ(maskUrl("rtmp://h/a/abcdefghi%2Fk"), "rtmp://h/a/" + M);
  EXPECT_EQ(maskUrl("rtmp://h/a/abcdefghijk%2Fl"), "rtmp://h/a/" + M + "jk%2Fl");
}

TEST(MaskUrl, UserinfoPasswordIsAlwaysHidden) {
  EXPECT_EQ(maskUrl("rtsp://admin:hunter2@192.168.1.10:554/Streaming/Channels/101"),
            "rtsp://admin:" + M + "@192.168.1.10:554/Streaming/Channels/101");
  EXPECT_EQ(maskUrl("rtsp://admin:a-very-long-password-9999@cam/x"),
            "rtsp://admin:" + M + "@cam/x");
  EXPECT_EQ(maskUrl("rtsp://user:p%40ss@cam/stream"), "rtsp://user:" + M + "@cam/stream");
  EXPECT_EQ(maskUrl("rtsp://admin@cam/x"), "rtsp://admin@cam/x");
  EXPECT_EQ(maskUrl("udp://@239.1.1.1:5000"), "udp://@239.1.1.1:5000");
  EXPECT_EQ(maskUrl("rtsp://u:p@[::1]:8554/x"), "rtsp://u:" + M + "@[::1]:8554/x");
}

TEST(MaskUrl, SecretQueryParameters) {
  EXPECT_EQ(maskUrl("srt://host:9000?passphrase=0123456789abcdef&latency=200"),
            "srt://host:9000?passphrase=" + M + "cdef&latency=200");
  EXPECT_EQ(maskUrl("srt://host:9000?streamid=#!::r=live/abc,m=publish"),
            "srt://host:9000?streamid=" + M + "lish");
  EXPECT_EQ(maskUrl("https://cdn.example.com/live/index.m3u8?Token=abc&Expires=1700000000"),
            "https://cdn.example.com/live/index.m3u8?Token=" + M + "&Expires=1700000000");
  EXPECT_EQ(maskUrl("https://s3.example.com/x.m3u8?X-Amz-Signature=0123456789abcdef0123&a=1"),
            "https://s3.example.com/x.m3u8?X-Amz-Signature=" + M + "0123&a=1");
  EXPECT_EQ(maskUrl("rtmp://host/live?key=abc&api_key=verylongapikey99&user=bob"),
            "rtmp://host/live?key=" + M + "&api_key=" + M + "ey99&user=bob");
  for (const char* key :
       {"streamkey", "stream_key", "token", "access_token", "passphrase", "password", "pass", "pwd",
        "secret", "auth", "sig", "signature", "streamid", "PASSWORD", "Stream%5Fkey"}) {
    std::string url = std::string("rtsp://h/x?") + key + "=hunter2";
    EXPECT_EQ(maskUrl(url), std::string("rtsp://h/x?") + key + "=" + M) << key;
  }
  EXPECT_EQ(maskUrl("rtsp://h/x?channel=1&subtype=0&key="), "rtsp://h/x?channel=1&subtype=0&key=");
  EXPECT_EQ(maskUrl("rtsp://h/x?flag&&pwd=x"), "rtsp://h/x?flag&&pwd=" + M);
}

TEST(MaskUrl, EverythingElseComesBackByteForByte) {
  for (const char* url :
       {"rtsp://Camera.Local:554/Stream%201?channel=1", "test://ball?size=640x360",
        "udp://239.1.1.1:5000?ttl=4", "srt://:9000?mode=listener", "file:///clip.mp4",
        "https://h/live/index.m3u8", "rtsp://[fe80::1%25eth0]/x"}) {
    EXPECT_EQ(maskUrl(url), url);
  }
  EXPECT_EQ(maskUrl(""), "");
}

TEST(MaskUrl, FragmentsAreHidden) { EXPECT_EQ(maskUrl("rtsp://h/x#secret"), "rtsp://h/x#" + M); }

TEST(MaskUrl, UnparsableIsMaskedWholeExceptTheScheme) {
  EXPECT_EQ(maskUrl("rtmp://user:pa/ss@host:abc/app/key"), "rtmp://" + M);
  EXPECT_EQ(maskUrl("rtmp://host:99999/app/key"), "rtmp://" + M);
  EXPECT_EQ(maskUrl("rtmp:host/app/key"), "rtmp:" + M);
  EXPECT_EQ(maskUrl("a.rtmp.youtube.com/live2/abcd"), M);
}

TEST(MaskUrl, MaskingTwiceChangesNothingMore) {
  for (const char* url : {"rtmp://a.rtmp.youtube.com/live2/abcd-efgh-3f9a",
                          "rtsp://u:password@cam/x?token=abcdefghijklmnop"}) {
    std::string once = maskUrl(url);
    EXPECT_EQ(maskUrl(once), once);
  }
}

TEST(MaskSecretsInText, MasksEveryUrlInAMessage) {
  EXPECT_EQ(maskSecretsInText("Could not connect to rtmp://a.rtmp.youtube.com/live2/"
                              "abcd-efgh-3f9a: Connection refused"),
            "Could not connect to rtmp://a.rtmp.youtube.com/live2/" + M +
                "3f9a: Connection "
                "refused");
  EXPECT_EQ(maskSecretsInText("location=\"rtsp://admin:hunter2@cam/x\" (rtspsrc0)"),
            "location=\"rtsp://admin:" + M + "@cam/x\" (rtspsrc0)");
  EXPECT_EQ(maskSecretsInText("(srt://h:9?passphrase=0123456789) and <rtmp://h/app/key>"),
            "(srt://h:9?passphrase=" + M + ") and <rtmp://h/app/" + M + ">");
  EXPECT_EQ(maskSecretsInText("uri='rtmps://h/app/keykeykeykeykey'\nnext rtmp://h/a/b"),
            "uri='rtmps://h/app/" + M + "ykey'\nnext rtmp://h/a/" + M);
  EXPECT_EQ(maskSecretsInText("no urls here: a://, ://x"), "no urls here: a://, ://x");
  EXPECT_EQ(maskSecretsInText(""), "");
  EXPECT_EQ(maskSecretsInText("failed: rtmp://h/app/0123456789abcdef."),
            "failed: rtmp://h/app/" + M + "cdef.");
  const std::string masked = "see rtmp://h/app/" + M + "cdef, again";
  EXPECT_EQ(maskSecretsInText(masked), masked);
  EXPECT_EQ(maskSecretsInText("tail rtmp://h:bad/app/key"), "tail rtmp://" + M);
}

}  // namespace
}  // namespace mls::model
