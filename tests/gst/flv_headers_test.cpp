// FlvStreamHeaders (src/media/flv_headers.h) with hand-made FLV tags, as rtmp2src makes them: the
// stream's first buffer (file header and a tag) is dropped, header tags are remembered and
// announced in the caps' streamheader after an FLV file header with the input's stream flags,
// and the caps change only when a configuration really changes.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "media/flv_headers.h"

namespace mls::media {
namespace {

using Bytes = std::vector<guint8>;

// One FLV tag: the 11-byte header, the body, PreviousTagSize.
Bytes tag(guint8 type, guint32 timestamp, std::initializer_list<guint8> body) {
  const guint32 size = static_cast<guint32>(body.size());
  const guint32 total = 11 + size;
  Bytes out(total + 4, 0);
  out[0] = type;
  out[1] = guint8(size >> 16), out[2] = guint8(size >> 8), out[3] = guint8(size);
  out[4] = guint8(timestamp >> 16), out[5] = guint8(timestamp >> 8), out[6] = guint8(timestamp);
  out[7] = guint8(timestamp >> 24);
  std::copy(body.begin(), body.end(), out.begin() + 11);
  for (int i = 0; i < 4; ++i) out[total + i] = guint8(total >> (24 - 8 * i));
  return out;
}

GstBuffer* buffer(const Bytes& bytes) { return gst_buffer_new_memdup(bytes.data(), bytes.size()); }

Bytes bytesOf(GstBuffer* b) {
  Bytes out(gst_buffer_get_size(b));
  gst_buffer_extract(b, 0, out.data(), out.size());
  return out;
}

// The streamheader buffers of `caps`.
std::vector<Bytes> streamheader(GstCaps* caps) {
  std::vector<Bytes> out;
  const GValue* array = gst_structure_get_value(gst_caps_get_structure(caps, 0), "streamheader");
  if (!array) return out;
  for (guint i = 0; i < gst_value_array_get_size(array); ++i)
    out.push_back(bytesOf(gst_value_get_buffer(gst_value_array_get_value(array, i))));
  return out;
}

using Kind = FlvStreamHeaders::Kind;

const Bytes kMetadata = tag(18, 0, {0x02, 0x00, 0x0a, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't',
                                    'a', 0x08, 0, 0, 0, 0, 0, 0, 9});
const Bytes kAvcConfig = tag(9, 0, {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f});
const Bytes kAacConfig = tag(8, 0, {0xaf, 0x00, 0x11, 0x90});

Kind accept(FlvStreamHeaders& headers, const Bytes& bytes) {
  GstBuffer* b = buffer(bytes);
  Kind kind = headers.accept(b);
  gst_buffer_unref(b);
  return kind;
}

class FlvHeadersTest : public ::testing::Test {
 protected:
  void SetUp() override { gst_init(nullptr, nullptr); }
};

TEST_F(FlvHeadersTest, HeaderTagsAreRememberedAndAnnouncedAfterAFileHeaderWithTheInputsFlags) {
  FlvStreamHeaders headers;
  // rtmp2src's first buffer: a file header saying "video only" and nginx's |RtmpSampleAccess.
  Bytes first = {'F', 'L', 'V', 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0};
  const Bytes access = tag(18, 0, {0x02, 0x00, 0x11, '|', 'R', 't', 'm', 'p'});
  first.insert(first.end(), access.begin(), access.end());
  EXPECT_EQ(accept(headers, first), Kind::Drop);
  EXPECT_EQ(accept(headers, kMetadata), Kind::Header);
  EXPECT_EQ(accept(headers, kAacConfig), Kind::Header);
  EXPECT_EQ(accept(headers, tag(8, 21, {0xaf, 0x01, 0x21, 0x10})), Kind::Media);
  EXPECT_EQ(accept(headers, kAvcConfig), Kind::Header);
  EXPECT_EQ(accept(headers, tag(9, 33, {0x17, 0x01, 0, 0, 0, 0x65})), Kind::Media);
  EXPECT_EQ(accept(headers, tag(9, 66, {0x27, 0x01, 0, 0, 0, 0x41})), Kind::Media);
  EXPECT_EQ(accept(headers, tag(18, 70, {0x02, 0x00, 0x0a, 'o', 'n', 'C', 'u', 'e'})),
            Kind::Media);  // other script tags are passed on as they are

  EXPECT_EQ(headers.caps(), nullptr) << "no caps before the input's streams are known";
  headers.setStreams(true, true);
  GstCaps* caps = headers.caps();
  ASSERT_NE(caps, nullptr);
  EXPECT_STREQ(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/x-flv");
  std::vector<Bytes> sh = streamheader(caps);
  ASSERT_EQ(sh.size(), 4u);
  EXPECT_EQ(sh[0], (Bytes{'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0}));
  EXPECT_EQ(sh[1], kMetadata);
  EXPECT_EQ(sh[2], kAvcConfig);
  EXPECT_EQ(sh[3], kAacConfig);
}

TEST_F(FlvHeadersTest, CapsChangeOnlyWithANewConfiguration) {
  FlvStreamHeaders headers;
  accept(headers, kAvcConfig);
  headers.setStreams(true, false);
  GstCaps* caps = headers.caps();
  ASSERT_NE(caps, nullptr);
  std::vector<Bytes> sh = streamheader(caps);
  ASSERT_EQ(sh.size(), 2u);  // no metadata seen, and audio is not carried
  EXPECT_EQ(sh[0][4], 0x01);

  // The same configuration again, later (a publisher repeating it): the same caps.
  EXPECT_EQ(accept(headers, tag(9, 5000, {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f})),
            Kind::Header);
  EXPECT_EQ(headers.caps(), caps);
  // A new one (another resolution): new caps carrying it.
  const Bytes changed = tag(9, 9000, {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x28});
  EXPECT_EQ(accept(headers, changed), Kind::Header);
  GstCaps* next = headers.caps();
  ASSERT_NE(next, nullptr);
  EXPECT_NE(next, caps);
  EXPECT_EQ(streamheader(next).back(), changed);
}

TEST_F(FlvHeadersTest, AHeaderTagInTheFirstBufferIsRememberedThoughTheBufferIsDropped) {
  FlvStreamHeaders headers;
  Bytes first = {'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0};
  first.insert(first.end(), kMetadata.begin(), kMetadata.end());
  EXPECT_EQ(accept(headers, first), Kind::Drop);
  headers.setStreams(false, true);
  std::vector<Bytes> sh = streamheader(headers.caps());
  ASSERT_EQ(sh.size(), 2u);
  EXPECT_EQ(sh[0][4], 0x04);
  EXPECT_EQ(sh[1], kMetadata);
}

}  // namespace
}  // namespace mls::media
