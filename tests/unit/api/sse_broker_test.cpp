// SseBroker without sockets: the wire format of events and what a (re)connecting client is sent
// first (retry, missed events, or a reset).
#include "api/sse_broker.h"

#include <gtest/gtest.h>

namespace mls::api::test {
namespace {

TEST(SseFormat, EventHasIdTypeAndOneDataLine) {
  EXPECT_EQ(SseBroker::formatEvent(7, "input.state", R"({"name":"cam1","state":"live"})"),
            "id: 7\nevent: input.state\ndata: {\"name\":\"cam1\",\"state\":\"live\"}\n\n");
}

TEST(SseFormat, LineBreaksInDataBecomeSeveralDataLines) {
  EXPECT_EQ(SseBroker::formatEvent(1, "x", "{\n\"a\": 1\r\n}"),
            "id: 1\nevent: x\ndata: {\ndata: \"a\": 1\ndata: }\n\n");
}

SseBroker::Options smallRing() {
  SseBroker::Options options;
  options.history = 3;
  options.retry_ms = 2000;
  return options;
}

TEST(SsePreamble, NewClientGetsRetryOnly) {
  SseBroker broker(smallRing());
  broker.publish("a", "{}");
  EXPECT_EQ(broker.preamble(std::nullopt), "retry: 2000\n\n");
}

TEST(SsePreamble, ResumingClientGetsWhatItMissed) {
  SseBroker broker(smallRing());
  for (int i = 1; i <= 5; ++i) broker.publish("e", "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ(broker.lastEventId(), 5u);
  // The ring keeps 3..5.
  EXPECT_EQ(broker.preamble(std::string("3")), "retry: 2000\n\n" +
                                                   SseBroker::formatEvent(4, "e", "{\"n\":4}") +
                                                   SseBroker::formatEvent(5, "e", "{\"n\":5}"));
  EXPECT_EQ(broker.preamble(std::string("2")), "retry: 2000\n\n" +
                                                   SseBroker::formatEvent(3, "e", "{\"n\":3}") +
                                                   SseBroker::formatEvent(4, "e", "{\"n\":4}") +
                                                   SseBroker::formatEvent(5, "e", "{\"n\":5}"));
  EXPECT_EQ(broker.preamble(std::string("5")), "retry: 2000\n\n");
}

TEST(SsePreamble, ClientTooFarBehindGetsAReset) {
  SseBroker broker(smallRing());
  for (int i = 1; i <= 5; ++i) broker.publish("e", "{}");
  const std::string reset =
      "retry: 2000\n\n" +
      SseBroker::formatEvent(5, "reset", R"({"reason":"history_lost","last_event_id":5})");
  EXPECT_EQ(broker.preamble(std::string("1")), reset);  // event 2 is gone
  EXPECT_EQ(broker.preamble(std::string("9")), reset);  // ids from before a restart
  EXPECT_EQ(broker.preamble(std::string("abc")), reset);
  EXPECT_EQ(broker.preamble(std::string("")), reset);
}

TEST(SsePreamble, NothingPublishedYet) {
  SseBroker broker(smallRing());
  EXPECT_EQ(broker.preamble(std::string("0")), "retry: 2000\n\n");
}

TEST(SseBroker, SinkPublishes) {
  SseBroker broker(smallRing());
  EventSink sink = broker.sink();
  sink("output.created", R"({"input":"cam1","name":"youtube"})");
  sink("output.state", R"({"state":"live"})");
  EXPECT_EQ(broker.lastEventId(), 2u);
  EXPECT_EQ(broker.preamble(std::string("1")),
            "retry: 2000\n\n" + SseBroker::formatEvent(2, "output.state", R"({"state":"live"})"));
}

}  // namespace
}  // namespace mls::api::test
