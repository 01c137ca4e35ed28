// URL parsing and the scheme rules for inputs and outputs (model/url.h).
#include "model/url.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "temp_dir.h"

namespace mls::model {
namespace {

std::string inputError(const std::string& url, const std::string& media_dir = "") {
  auto r = parseInputUrl(url, media_dir);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code, ErrorCode::Invalid) << url;
  EXPECT_EQ(r.error().field, "url") << url;
  return r.error().message;
}

std::string outputError(const std::string& url) {
  auto r = parseOutputUrl(url);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code, ErrorCode::Invalid) << url;
  EXPECT_EQ(r.error().field, "url") << url;
  return r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ParseUrl, SplitsAndDecodes) {
  auto url = parseUrl("RTSP://user:p%40ss@Cam.local:8554/stream%201?channel=1&a%26b=c%3Dd");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->scheme, "rtsp");
  EXPECT_EQ(url->user, "user");
  EXPECT_EQ(url->password, "p@ss");
  EXPECT_EQ(url->host, "Cam.local");
  EXPECT_EQ(url->port, 8554);
  EXPECT_EQ(url->path, "/stream 1");
  EXPECT_EQ(url->query.at("channel"), "1");
  EXPECT_EQ(url->query.at("a&b"), "c=d");
  EXPECT_EQ(url->raw, "RTSP://user:p%40ss@Cam.local:8554/stream%201?channel=1&a%26b=c%3Dd");
}

TEST(ParseUrl, Ipv6AndEmptyParts) {
  auto v6 = parseUrl("rtsp://[::1]:8554/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8554);

  auto listener = parseUrl("srt://:9000?mode=listener");
  ASSERT_TRUE(listener);
  EXPECT_EQ(listener->host, "");
  EXPECT_EQ(listener->port, 9000);
  EXPECT_EQ(listener->path, "");

  auto test = parseUrl("test://");
  ASSERT_TRUE(test);
  EXPECT_EQ(test->host, "");
  EXPECT_EQ(test->port, 0);

  auto flag = parseUrl("rtsp://cam/x?flag&&a=");
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->query.at("flag"), "");
  EXPECT_EQ(flag->query.at("a"), "");
}

TEST(ParseUrl, RefusesWithAClearMessage) {
  struct Case {
    const char* url;
    const char* message_part;
  } cases[] = {
      {"", "url is required"},
      {"cam/stream", "must start with a scheme"},
      {"rtsp:/cam", "must start with a scheme"},
      {"rtsp://cam/a b", "space"},
      {"rtsp://cam/a\tb", "control character"},
      {"rtsp://cam:99999/x", "invalid URL"},
      {"rtsp://cam:abc/x", "invalid URL"},
      {"rtsp://cam/a%zz", "invalid URL"},
      {"rtsp://cam/x#frag", "%23"},
      {"rtsp://cam/x?a=%zz", "%-encoding"},
      {"rtsp://cam/x?=v", "without a name"},
      {"rtmp://a.rtmp.youtube.com/live2/\u2022\u2022\u2022\u20223f9a", "masked secret"},
  };
  for (const auto& c : cases) {
    auto r = parseUrl(c.url);
    ASSERT_FALSE(r) << c.url;
    EXPECT_EQ(r.error().code, ErrorCode::Invalid);
    EXPECT_EQ(r.error().field, "url");
    EXPECT_TRUE(contains(r.error().message, c.message_part))
        << c.url << " -> " << r.error().message;
  }
  EXPECT_FALSE(parseUrl("rtsp://cam/" + std::string(5000, 'a')));
}

TEST(ParseUrl, SrtStreamIdMayHoldAHash) {
  auto url = parseUrl("srt://host:9000?streamid=#!::r=live,m=publish&latency=200");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->query.at("streamid"), "#!::r=live,m=publish");
  EXPECT_EQ(url->query.at("latency"), "200");
  // Elsewhere a '#' is a fragment, which is refused.
  EXPECT_FALSE(parseUrl("rtmp://h/app/key?x=#y"));
}

TEST(InputUrl, AcceptsEachScheme) {
  for (const char* url : {
           "rtsp://camera/stream",
           "rtsps://user:pass@camera:322/stream",
           "rtmp://server/live/stream",
           "rtmps://server:443/live/stream",
           "srt://host:9000",
           "srt://:9000?mode=listener",
           "srt://127.0.0.1:9000?mode=rendezvous&latency=120",
           "http://host/live/index.m3u8",
           "https://host/live/INDEX.M3U8?token=abc",
           "udp://239.1.1.1:5000",
           "udp://@239.1.1.1:5000",
           "udp://:5000",
           "udp://127.0.0.1:5000",
           "test://",
           "test://ball?size=640x360&fps=25&audio=0",
       }) {
    auto r = parseInputUrl(url, "");
    EXPECT_TRUE(r) << url << ": " << (r ? "" : r.error().message);
  }
}

TEST(InputUrl, RefusesWhatEachSchemeDoesNotAllow) {
  EXPECT_EQ(inputError("ftp://host/file.ts"),
            "unsupported input scheme 'ftp': use rtsp, rtsps, rtmp, rtmps, srt, http(s)…m3u8, "
            "udp, file or test");
  EXPECT_TRUE(contains(inputError("rtsp:///stream"), "need a host"));
  EXPECT_TRUE(contains(inputError("rtmp://server/live"), "application and a stream name"));
  EXPECT_TRUE(contains(inputError("rtmp://server/live/"), "application and a stream name"));
  EXPECT_TRUE(contains(inputError("rtmp://server//key"), "application and a stream name"));
  EXPECT_TRUE(contains(inputError("https://host/live/stream.mp4"), "must end in .m3u8"));
  EXPECT_TRUE(contains(inputError("https:///x.m3u8"), "need a host"));
  EXPECT_TRUE(contains(inputError("srt://host"), "port"));
  EXPECT_TRUE(contains(inputError("srt://:9000"), "caller needs a host"));
  EXPECT_TRUE(contains(inputError("udp://239.1.1.1"), "port"));
  EXPECT_TRUE(contains(inputError("test://nope"), "unknown test pattern 'nope'"));
  EXPECT_TRUE(contains(inputError("file:///clip.mp4"), "file:// inputs need --media-dir"));
}

TEST(OutputUrl, AcceptsEachScheme) {
  for (const char* url : {
           "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop",
           "rtmp://b.rtmp.youtube.com/live2?backup=1/abcd-efgh-ijkl-mnop",
           "rtmps://live-api-s.facebook.com:443/rtmp/FB-123-0-Abc",
           "srt://host:9000?passphrase=0123456789&pbkeylen=32",
           "srt://:9000?mode=listener",
           "rtsp://server:8554/publish",
           "udp://239.1.1.1:5000?ttl=4",
           "udp://127.0.0.1:5000",
       }) {
    auto r = parseOutputUrl(url);
    EXPECT_TRUE(r) << url << ": " << (r ? "" : r.error().message);
  }
}

TEST(OutputUrl, RefusesWhatOutputsCannotDo) {
  EXPECT_EQ(outputError("file:///tmp/out.flv"),
            "unsupported output scheme 'file': use rtmp, rtmps, srt, rtsp or udp");
  EXPECT_TRUE(contains(outputError("http://host/x.m3u8"), "unsupported output scheme 'http'"));
  EXPECT_TRUE(contains(outputError("test://"), "unsupported output scheme 'test'"));
  EXPECT_TRUE(contains(outputError("rtsps://server/x"), "unsupported output scheme 'rtsps'"));
  EXPECT_TRUE(contains(outputError("rtmp://server/live"), "application and a stream name"));
  EXPECT_TRUE(contains(outputError("rtmp://server/live?backup=1"), "application and a stream"));
  EXPECT_TRUE(contains(outputError("rtmp://server/live?backup=1/"), "application and a stream"));
  EXPECT_TRUE(contains(outputError("udp://:5000"), "destination host"));
  EXPECT_TRUE(contains(outputError("udp://@:5000"), "destination host"));
  EXPECT_TRUE(contains(outputError("rtsp:///x"), "need a host"));
  EXPECT_TRUE(contains(outputError("srt://host:9000?passphrase=short"), "10 to 79"));
}

TEST(OutputUrl, ErrorsNeverShowTheSecret) {
  std::string message = outputError("rtmp://h/live2/supersecretkey1234?x=%zz");
  EXPECT_FALSE(contains(message, "supersecretkey")) << message;
  message = outputError("srt://host:9000?passphrase=tooshort");
  EXPECT_FALSE(contains(message, "tooshort")) << message;
}

class FileUrl : public ::testing::Test {
 protected:
  void SetUp() override {
    media_ = dir_.file("media");
    ASSERT_EQ(g_mkdir(media_.c_str(), 0755), 0);
    ASSERT_EQ(g_mkdir((media_ + "/sub").c_str(), 0755), 0);
    dir_.write("media/clip.mp4", "x");
    dir_.write("media/sub/my clip.ts", "x");
    dir_.write("secret.txt", "x");
    ASSERT_EQ(symlink((dir_.path() + "/secret.txt").c_str(), (media_ + "/out.mp4").c_str()), 0);
    ASSERT_EQ(symlink("clip.mp4", (media_ + "/alias.mp4").c_str()), 0);
    ASSERT_EQ(symlink(dir_.path().c_str(), (media_ + "/up").c_str()), 0);
  }
  test::TempDir dir_;
  std::string media_;
};

TEST_F(FileUrl, NamesAFileInTheMediaDirectory) {
  char root[PATH_MAX];
  ASSERT_NE(realpath(media_.c_str(), root), nullptr);
  const std::string clip = std::string(root) + "/clip.mp4";
  const std::vector<std::string> urls = {
      "file:///clip.mp4", "file://clip.mp4", "file://localhost/clip.mp4",
      "file://" + std::string(root) + "/clip.mp4", "file:///alias.mp4"};
  for (const std::string& url : urls) {
    auto r = parseInputUrl(url, media_);
    ASSERT_TRUE(r) << url << ": " << r.error().message;
    EXPECT_EQ(r->scheme, "file");
    EXPECT_EQ(r->path, clip) << url;
  }
  auto spaced = parseInputUrl("file:///sub/my%20clip.ts", media_);
  ASSERT_TRUE(spaced) << spaced.error().message;
  EXPECT_EQ(spaced->path, std::string(root) + "/sub/my clip.ts");
}

TEST_F(FileUrl, RefusesEscapesAndMissingFilesWithoutRevealingTheDirectory) {
  struct Case {
    std::string url;
    const char* message_part;
  } cases[] = {
      {"file:///../secret.txt", "'..'"},
      {"file:///sub/../../secret.txt", "'..'"},
      {"file:///out.mp4", "outside the media directory"},
      {"file:///up/secret.txt", "outside the media directory"},
      {"file:///missing.mp4", "'missing.mp4' does not exist"},
      {"file:///sub", "not a regular file"},
      {"file:///clip.mp4?loop=1", "no query"},
      {"file:///clip.mp4#t=3", "no query or fragment"},
      {"file://", "names no file"},
      {"file:///clip%zz", "percent-encoding"},
  };
  for (const auto& c : cases) {
    std::string message = inputError(c.url, media_);
    EXPECT_TRUE(contains(message, c.message_part)) << c.url << " -> " << message;
    EXPECT_FALSE(contains(message, dir_.path())) << c.url << " -> " << message;
  }
}

}  // namespace
}  // namespace mls::model
