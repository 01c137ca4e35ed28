// Redaction of secrets in debugging text: what maskUrl hides is found in each URL, then removed
// from URLs in the text, from bare copies (rtmp2sink's `stream` property) and from credential
// properties in DOT labels — with the label's escapes left intact.
#include "diag/redact.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mls::diag {
namespace {

constexpr const char* kMask = "\u2022\u2022\u2022\u2022";

TEST(Redact, HiddenPartsAreWhatMaskUrlHides) {
  EXPECT_EQ(hiddenPartsOf("rtmp://a.rtmp.youtube.com/live2/sekret-key-3f9a"),
            std::vector<std::string>{"sekret-key-"});
  EXPECT_EQ(hiddenPartsOf("rtsp://admin:hunter2@cam.example/stream1"),
            std::vector<std::string>{"hunter2"});
  EXPECT_EQ(hiddenPartsOf("srt://rx.example:9000?passphrase=0123456789ab&mode=caller"),
            std::vector<std::string>{"01234567"});
  // Percent-encoded secrets are found decoded too (elements hold them decoded).
  EXPECT_EQ(hiddenPartsOf("rtsp://u:p%40ss%2Fword@cam/s"),
            (std::vector<std::string>{"p%40ss%2Fword", "p@ss/word"}));
  EXPECT_TRUE(hiddenPartsOf("test://smpte?size=1280x720").empty());
  EXPECT_TRUE(hiddenPartsOf("rtmp://host/live/").empty());
  // Too short to replace everywhere; URL masking and property masking still cover it.
  EXPECT_TRUE(hiddenPartsOf("rtsp://u:pw@cam/s").empty());
}

TEST(Redact, DotLabelsOfRtmp2Sink) {
  // As gst_debug_bin_to_dot_data() writes an rtmp2sink whose location has a quote in its query.
  const std::string dot =
      "  subgraph cluster_sink_0x1 {\n"
      "    label=\"GstRtmp2Sink\\nsink\\n[0]\\nlocation=\\\"rtmp://127.0.0.1:1935/live/"
      "sekret-key-3f9a?x=\\\\\\\"y\\\\\\\"\\\"\\nport=1935\\nstream=\\\"sekret-key-3f9a?x="
      "\\\\\\\"y\\\\\\\"\\\"\\napplication=\\\"live\\\"\";\n"
      "  }\n";
  const std::string url = "rtmp://127.0.0.1:1935/live/sekret-key-3f9a?x=\"y\"";
  const std::string out = redactSecrets(dot, {url});
  EXPECT_EQ(out.find("sekret"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("location=\\\"rtmp://127.0.0.1:1935/live/") + kMask +
                     "3f9a?x=\\\\\\\"y\\\\\\\"\\\"\\nport=1935"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(std::string("\\nstream=\\\"") + kMask + "\\\"\\napplication=\\\"live\\\"\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\\nport=1935\\n"), std::string::npos) << out;
  EXPECT_NE(out.find("label=\"GstRtmp2Sink\\nsink"), std::string::npos) << out;
}

TEST(Redact, UrlsInDotLabelsEndAtTheEscapedQuote) {
  // A short key is masked whole; the label's \" after it must survive.
  EXPECT_EQ(redactSecrets("label=\"X\\nlocation=\\\"rtmp://h/live/abc\\\"\\nport=1\"", {}),
            std::string("label=\"X\\nlocation=\\\"rtmp://h/live/") + kMask + "\\\"\\nport=1\"");
  EXPECT_EQ(redactSecrets("location=\\\"rtmp://h/live/sekret-key-3f9a\\\"", {}),
            std::string("location=\\\"rtmp://h/live/") + kMask + "3f9a\\\"");
}

TEST(Redact, BareSecretsOfTheNamedUrlsAndCredentialProperties) {
  const std::vector<std::string> urls = {"rtsp://admin:hunter2@cam.example/s",
                                         "rtmp://x.example/app/abcdefgh-1234-ijkl"};
  EXPECT_EQ(redactSecrets("user-pw=hunter2 key abcdefgh-1234-ijkl end", urls),
            std::string("user-pw=") + kMask + " key " + kMask + "ijkl end");
  EXPECT_EQ(redactSecrets("rtspsrc location=rtsp://admin:hunter2@cam.example/s", urls),
            std::string("rtspsrc location=rtsp://admin:") + kMask + "@cam.example/s");
  // URLs nobody named are masked by their shape.
  EXPECT_EQ(redactSecrets("srtsink uri=srt://h:9000?passphrase=0123456789ab ok", {}),
            std::string("srtsink uri=srt://h:9000?passphrase=") + kMask + "89ab ok");
  EXPECT_EQ(redactSecrets("a\\npassphrase=\\\"short\\\"\\nb", {}),
            std::string("a\\npassphrase=\\\"") + kMask + "\\\"\\nb");
  EXPECT_EQ(redactSecrets("nothing secret here", urls), "nothing secret here");
}

}  // namespace
}  // namespace mls::diag
