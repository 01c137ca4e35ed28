// Parameters of test://, srt:// and udp:// URLs (model/source_params.h).
#include "model/source_params.h"

#include <gtest/gtest.h>

namespace mls::model {
namespace {

Url parsed(const std::string& text) {
  auto url = parseUrl(text);
  EXPECT_TRUE(url) << text << ": " << (url ? "" : url.error().message);
  return url ? *url : Url{};
}

template <typename Params>
std::string errorOf(const Result<Params>& r) {
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code, ErrorCode::Invalid);
  EXPECT_EQ(r.error().field, "url");
  return r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TestParams, Defaults) {
  auto p = testParams(parsed("test://"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pattern, "smpte");
  EXPECT_EQ(p->width, 1280);
  EXPECT_EQ(p->height, 720);
  EXPECT_EQ(p->fps, 30);
  EXPECT_TRUE(p->video);
  EXPECT_TRUE(p->audio);
  EXPECT_EQ(p->bitrate_kbps, 2000);
}

TEST(TestParams, EveryParameter) {
  auto p = testParams(parsed("test://ball?size=640x360&fps=25&audio=false&video=1&bitrate=800"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->pattern, "ball");
  EXPECT_EQ(p->width, 640);
  EXPECT_EQ(p->height, 360);
  EXPECT_EQ(p->fps, 25);
  EXPECT_FALSE(p->audio);
  EXPECT_TRUE(p->video);
  EXPECT_EQ(p->bitrate_kbps, 800);
  for (const std::string& pattern : testPatterns())
    EXPECT_TRUE(testParams(parsed("test://" + pattern))) << pattern;
  auto audio_only = testParams(parsed("test://?video=0"));
  ASSERT_TRUE(audio_only);
  EXPECT_FALSE(audio_only->video);
}

TEST(TestParams, RefusesBadValues) {
  struct Case {
    const char* url;
    const char* part;
  } cases[] = {
      {"test://plaid", "unknown test pattern 'plaid'"},
      {"test://?colour=red", "unknown test:// parameter 'colour': use size, fps, audio, video"},
      {"test://?size=641x360", "even"},
      {"test://?size=8x8", "16x16"},
      {"test://?size=8000x4000", "7680x4320"},
      {"test://?size=big", "WIDTHxHEIGHT"},
      {"test://?fps=0", "fps must be an integer from 1 to 120"},
      {"test://?fps=121", "1 to 120"},
      {"test://?fps=2.5", "1 to 120"},
      {"test://?bitrate=50", "100 to 100000"},
      {"test://?audio=maybe", "audio must be 0, 1, true or false"},
      {"test://?audio=0&video=0", "needs video or audio"},
      {"test://ball/x", "no path"},
      {"test://ball:5", "no port"},
      {"test://u:p@ball", "no user or password"},
  };
  for (const auto& c : cases) {
    std::string message = errorOf(testParams(parsed(c.url)));
    EXPECT_TRUE(contains(message, c.part)) << c.url << " -> " << message;
  }
  EXPECT_TRUE(contains(errorOf(testParams(parsed("rtsp://cam/x"))), "not a test://"));
}

TEST(SrtParams, CallerListenerRendezvous) {
  auto caller = srtParams(parsed("srt://ingest.example.com:9000"));
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->mode, SrtParams::Mode::Caller);
  EXPECT_EQ(caller->host, "ingest.example.com");
  EXPECT_EQ(caller->port, 9000);
  EXPECT_EQ(caller->latency_ms, -1);
  EXPECT_EQ(caller->pbkeylen, 0);

  auto listener = srtParams(parsed("srt://:9001?mode=listener"));
  ASSERT_TRUE(listener);
  EXPECT_EQ(listener->mode, SrtParams::Mode::Listener);
  EXPECT_EQ(listener->host, "");
  EXPECT_STREQ(srtModeName(listener->mode), "listener");

  auto full =
      srtParams(parsed("srt://127.0.0.1:9002?mode=rendezvous&passphrase=0123456789&"
                       "pbkeylen=24&streamid=%23!::r=live,m=publish&latency=250"));
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->mode, SrtParams::Mode::Rendezvous);
  EXPECT_EQ(full->passphrase, "0123456789");
  EXPECT_EQ(full->pbkeylen, 24);
  EXPECT_EQ(full->streamid, "#!::r=live,m=publish");
  EXPECT_EQ(full->latency_ms, 250);

  auto hash = srtParams(parsed("srt://h:1?streamid=#!::u=bob"));
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->streamid, "#!::u=bob");
}

TEST(SrtParams, RefusesBadValues) {
  struct Case {
    std::string url;
    const char* part;
  } cases[] = {
      {"srt://h", "port from 1 to 65535"},
      {"srt://h:0", "port from 1 to 65535"},
      {"srt://:9000", "caller needs a host"},
      {"srt://:9000?mode=rendezvous", "rendezvous needs a host"},
      {"srt://h:9000?mode=server", "caller, listener or rendezvous"},
      {"srt://h:9000?passphrase=123456789", "10 to 79"},
      {"srt://h:9000?passphrase=" + std::string(80, 'x'), "10 to 79"},
      {"srt://h:9000?pbkeylen=20", "16, 24 or 32"},
      {"srt://h:9000?pbkeylen=x", "16, 24 or 32"},
      {"srt://h:9000?latency=-1", "0 to 10000 ms"},
      {"srt://h:9000?latency=20000", "0 to 10000 ms"},
      {"srt://h:9000?streamid=" + std::string(513, 's'), "512"},
      {"srt://h:9000?maxbw=1", "unknown srt:// parameter 'maxbw'"},
      {"srt://h:9000/path", "no path"},
      {"srt://user:pw@h:9000", "?passphrase="},
  };
  for (const auto& c : cases) {
    std::string message = errorOf(srtParams(parsed(c.url)));
    EXPECT_TRUE(contains(message, c.part)) << c.url << " -> " << message;
  }
  std::string message = errorOf(srtParams(parsed("srt://h:9000?passphrase=secret123")));
  EXPECT_FALSE(contains(message, "secret123"));
}

TEST(UdpParams, UnicastMulticastAndBindAll) {
  auto multicast = udpParams(parsed("udp://@239.1.1.1:5000?iface=eth0.100&ttl=8"));
  ASSERT_TRUE(multicast) << multicast.error().message;
  EXPECT_EQ(multicast->host, "239.1.1.1");
  EXPECT_EQ(multicast->port, 5000);
  EXPECT_TRUE(multicast->multicast);
  EXPECT_EQ(multicast->iface, "eth0.100");
  EXPECT_EQ(multicast->ttl, 8);

  auto no_at = udpParams(parsed("udp://239.255.0.1:1234"));
  ASSERT_TRUE(no_at);
  EXPECT_TRUE(no_at->multicast);

  auto v6 = udpParams(parsed("udp://[ff15::1]:1234"));
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->multicast);

  auto unicast = udpParams(parsed("udp://127.0.0.1:5000"));
  ASSERT_TRUE(unicast);
  EXPECT_FALSE(unicast->multicast);
  EXPECT_EQ(unicast->ttl, -1);

  auto all = udpParams(parsed("udp://@:5000"));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->host, "");
  EXPECT_FALSE(all->multicast);
}

TEST(UdpParams, RefusesBadValues) {
  struct Case {
    const char* url;
    const char* part;
  } cases[] = {
      {"udp://239.1.1.1", "port from 1 to 65535"},
      {"udp://239.1.1.1:5000?ttl=256", "0 to 255"},
      {"udp://239.1.1.1:5000?iface=", "interface name"},
      {"udp://239.1.1.1:5000?iface=eth0/1", "interface name"},
      {"udp://239.1.1.1:5000?iface=averyveryverylongname", "interface name"},
      {"udp://239.1.1.1:5000?pkt_size=1316", "unknown udp:// parameter 'pkt_size': use iface, ttl"},
      {"udp://239.1.1.1:5000/x", "no path"},
      {"udp://u:p@239.1.1.1:5000", "no user or password"},
  };
  for (const auto& c : cases) {
    std::string message = errorOf(udpParams(parsed(c.url)));
    EXPECT_TRUE(contains(message, c.part)) << c.url << " -> " << message;
  }
}

}  // namespace
}  // namespace mls::model
