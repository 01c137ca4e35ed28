// FlvParser: splits the FLV byte stream the element receives (as flvmux streamable=true makes
// it: the 9-byte FLV header, then tags each followed by their 4-byte PreviousTagSize) into tags,
// whatever the buffer boundaries are. The FLV header is optional (a stream may start at a tag);
// its audio/video flags are reported when present.
//
// Plain data, no GLib; used by the element's streaming thread (and for caps streamheaders).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mls::fanout {

enum FlvTagType : std::uint8_t { kFlvAudio = 8, kFlvVideo = 9, kFlvScript = 18 };

struct FlvTag {
  std::uint8_t type = 0;        // FlvTagType (other values are passed through as they are)
  std::uint32_t timestamp = 0;  // milliseconds, with the extended byte applied
  std::vector<std::uint8_t> data;
};

class FlvParser {
 public:
  // Appends bytes; complete tags are queued for next(). False on a malformed stream (error()).
  bool feed(const std::uint8_t* data, std::size_t size);
  std::optional<FlvTag> next();

  // From the FLV header, once one was seen.
  bool sawHeader() const { return sawHeader_; }
  bool headerHasVideo() const { return hasVideo_; }
  bool headerHasAudio() const { return hasAudio_; }
  const std::string& error() const { return error_; }
  // Forgets any partial tag (after a discontinuity / flush).
  void reset();

 private:
  bool parse();

  std::vector<std::uint8_t> buffer_;
  std::size_t pos_ = 0;
  bool started_ = false;  // first bytes examined (header or not)
  bool sawHeader_ = false;
  bool hasVideo_ = false;
  bool hasAudio_ = false;
  std::vector<FlvTag> ready_;
  std::size_t readyPos_ = 0;
  std::string error_;
};

// What a tag is, from its first bytes (FLV spec E.4.2 / E.4.3, and the Enhanced RTMP video
// header for HEVC/AV1/VP9 by FourCC).
struct FlvTagInfo {
  bool keyframe = false;        // video: frame type 1 (and not a sequence header)
  bool sequenceHeader = false;  // AVC/HEVC decoder config, or AAC AudioSpecificConfig
  bool metadata = false;        // script tag whose first value is the string "onMetaData"
};
FlvTagInfo classifyTag(const FlvTag& tag);
// The same, from a tag's type and body (the bytes after its 11-byte header).
FlvTagInfo classifyTagData(std::uint8_t type, const std::uint8_t* data, std::size_t size);

}  // namespace mls::fanout
