// gst-launch-1.0 commands from pipeline descriptions: words a shell would interpret are quoted,
// the rest is left as it is.
#include "diag/launch_command.h"

#include <gtest/gtest.h>

namespace mls::diag {
namespace {

TEST(LaunchCommand, PlainDescriptionStaysAsItIs) {
  EXPECT_EQ(launchCommand("videotestsrc is-live=true ! video/x-raw,width=320 ! fakesink"),
            "gst-launch-1.0 -e videotestsrc is-live=true ! video/x-raw,width=320 ! fakesink");
}

TEST(LaunchCommand, ChainsSeparatedByTwoSpacesBecomeOneCommand) {
  EXPECT_EQ(launchCommand("audiotestsrc ! aacparse  videotestsrc ! h264parse"),
            "gst-launch-1.0 -e audiotestsrc ! aacparse videotestsrc ! h264parse");
}

TEST(LaunchCommand, ShellWordsAreQuoted) {
  EXPECT_EQ(launchCommand("srtsrc uri=srt://h:9000?mode=listener&latency=200 ! parsebin"),
            "gst-launch-1.0 -e srtsrc 'uri=srt://h:9000?mode=listener&latency=200' ! parsebin");
  EXPECT_EQ(launchCommand("capsfilter caps=video/x-raw, format=(string)I420"),
            "gst-launch-1.0 -e capsfilter caps=video/x-raw, 'format=(string)I420'");
  EXPECT_EQ(launchCommand("filesrc location=/media/it's here.mp4"),
            "gst-launch-1.0 -e filesrc 'location=/media/it'\\''s' here.mp4");
  // The mask marker is plain text to a shell.
  EXPECT_EQ(launchCommand("rtmp2sink location=rtmp://h/live/\u2022\u2022\u2022\u20223f9a"),
            "gst-launch-1.0 -e rtmp2sink location=rtmp://h/live/\u2022\u2022\u2022\u20223f9a");
}

}  // namespace
}  // namespace mls::diag
