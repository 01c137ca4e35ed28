// RTMP chunk stream writer and reader (see rtmp_chunk.h).
#include "rtmp_chunk.h"

#include <algorithm>

namespace mls::fanout {
namespace {

constexpr std::uint32_t kMaxMessageSize = 16 * 1024 * 1024;  // the 24-bit length field's bound
constexpr std::uint32_t kMaxChunkSize = 0x7fffffff;

void putBasicHeader(std::vector<std::uint8_t>& out, std::uint8_t fmt, std::uint32_t csid) {
  if (csid < 64) {
    out.push_back(static_cast<std::uint8_t>(fmt << 6 | csid));
  } else if (csid < 320) {
    out.push_back(static_cast<std::uint8_t>(fmt << 6 | 0));
    out.push_back(static_cast<std::uint8_t>(csid - 64));
  } else {
    out.push_back(static_cast<std::uint8_t>(fmt << 6 | 1));
    out.push_back(static_cast<std::uint8_t>((csid - 64) & 0xff));
    out.push_back(static_cast<std::uint8_t>((csid - 64) >> 8));
  }
}
void put24(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32be(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
std::vector<std::uint8_t> control(std::uint8_t type, const std::vector<std::uint8_t>& body,
                                  std::uint32_t chunkSize) {
  return chunkMessage(kCsidControl, type, 0, 0, body.data(), body.size(), chunkSize);
}
std::uint32_t get24(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 16 | static_cast<std::uint32_t>(p[1]) << 8 | p[2];
}
std::uint32_t get32be(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | get24(p + 1);
}

}  // namespace

std::vector<std::uint8_t> chunkMessage(std::uint32_t csid, std::uint8_t type,
                                       std::uint32_t timestamp, std::uint32_t streamId,
                                       const std::uint8_t* payload, std::size_t size,
                                       std::uint32_t chunkSize) {
  if (chunkSize == 0) chunkSize = 128;
  const bool extended = timestamp >= 0xffffff;
  const std::size_t chunks = size == 0 ? 1 : (size + chunkSize - 1) / chunkSize;
  std::vector<std::uint8_t> out;
  out.reserve(size + 18 + chunks * 8);
  putBasicHeader(out, 0, csid);
  put24(out, extended ? 0xffffff : timestamp);
  put24(out, static_cast<std::uint32_t>(size));
  out.push_back(type);
  // The message stream id is the one little-endian field of RTMP.
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(streamId >> (8 * i)));
  if (extended) put32be(out, timestamp);
  std::size_t offset = 0;
  for (;;) {
    const std::size_t n = std::min<std::size_t>(chunkSize, size - offset);
    out.insert(out.end(), payload + offset, payload + offset + n);
    offset += n;
    if (offset >= size) break;
    putBasicHeader(out, 3, csid);
    if (extended) put32be(out, timestamp);
  }
  return out;
}

std::vector<std::uint8_t> setChunkSizeMessage(std::uint32_t size, std::uint32_t chunkSize) {
  std::vector<std::uint8_t> body;
  put32be(body, size & 0x7fffffff);
  return control(kSetChunkSize, body, chunkSize);
}

std::vector<std::uint8_t> acknowledgementMessage(std::uint32_t sequence, std::uint32_t chunkSize) {
  std::vector<std::uint8_t> body;
  put32be(body, sequence);
  return control(kAcknowledgement, body, chunkSize);
}

std::vector<std::uint8_t> windowAckSizeMessage(std::uint32_t size, std::uint32_t chunkSize) {
  std::vector<std::uint8_t> body;
  put32be(body, size);
  return control(kWindowAckSize, body, chunkSize);
}

std::vector<std::uint8_t> userControlMessage(std::uint16_t event, std::uint32_t value,
                                             std::uint32_t chunkSize) {
  std::vector<std::uint8_t> body;
  body.push_back(static_cast<std::uint8_t>(event >> 8));
  body.push_back(static_cast<std::uint8_t>(event));
  put32be(body, value);
  return control(kUserControl, body, chunkSize);
}

bool ChunkReader::feed(const std::uint8_t* data, std::size_t size) {
  if (!error_.empty()) return false;
  // Drop what was consumed before growing the buffer.
  if (pos_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buffer_.insert(buffer_.end(), data, data + size);
  bool progress = true;
  while (progress) {
    progress = false;
    if (!parseChunk(progress)) return false;
  }
  return true;
}

std::optional<RtmpMessage> ChunkReader::next() {
  if (readyPos_ >= ready_.size()) {
    ready_.clear();
    readyPos_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[readyPos_++]);
}

bool ChunkReader::parseChunk(bool& progress) {
  const std::uint8_t* p = buffer_.data() + pos_;
  const std::size_t avail = buffer_.size() - pos_;
  if (avail < 1) return true;
  const std::uint8_t fmt = p[0] >> 6;
  std::uint32_t csid = p[0] & 0x3f;
  std::size_t h = 1;
  if (csid == 0) {
    if (avail < 2) return true;
    csid = 64u + p[1];
    h = 2;
  } else if (csid == 1) {
    if (avail < 3) return true;
    csid = 64u + p[1] + (static_cast<std::uint32_t>(p[2]) << 8);
    h = 3;
  }
  static constexpr std::size_t kHeaderSize[4] = {11, 7, 3, 0};
  if (avail < h + kHeaderSize[fmt]) return true;
  StreamState& s = streams_[csid];
  if (fmt != 0 && !s.started) {
    error_ =
        "chunk of type " + std::to_string(fmt) + " on a new chunk stream " + std::to_string(csid);
    return false;
  }
  // Header fields into locals first: nothing is committed until the whole chunk is here.
  std::uint32_t ts_field = 0, length = s.length, streamId = s.streamId;
  std::uint8_t type = s.type;
  const std::uint8_t* m = p + h;
  if (fmt <= 2) ts_field = get24(m);
  if (fmt <= 1) {
    length = get24(m + 3);
    type = m[6];
  }
  if (fmt == 0) streamId = m[7] | m[8] << 8 | m[9] << 16 | static_cast<std::uint32_t>(m[10]) << 24;
  h += kHeaderSize[fmt];
  const bool extended = fmt <= 2 ? ts_field == 0xffffff : s.extended;
  std::uint32_t ext = 0;
  if (extended) {
    if (avail < h + 4) return true;
    ext = get32be(p + h);
    h += 4;
  }
  if (length > kMaxMessageSize) {
    error_ = "message of " + std::to_string(length) + " bytes";
    return false;
  }
  const std::size_t already = fmt == 3 ? s.partial.size() : 0;
  if (fmt != 3 && !s.partial.empty()) {
    error_ = "new message header inside a message on chunk stream " + std::to_string(csid);
    return false;
  }
  const std::size_t n = std::min<std::size_t>(chunkSize_, length - already);
  if (avail < h + n) return true;

  // Commit the header.
  const bool first_chunk = already == 0;
  if (first_chunk) {
    const std::uint32_t ts_value = extended ? ext : ts_field;
    if (fmt == 0) {
      s.timestamp = ts_value;
      s.delta = 0;
    } else if (fmt == 1 || fmt == 2) {
      s.delta = ts_value;
      s.timestamp += ts_value;
    } else {
      s.timestamp += s.delta;  // type 3 starting a new message: repeat the last delta
    }
    s.length = length;
    s.type = type;
    s.streamId = streamId;
    s.extended = extended;
    s.started = true;
  }
  s.partial.insert(s.partial.end(), p + h, p + h + n);
  pos_ += h + n;
  progress = true;
  if (s.partial.size() >= s.length) deliver(s);
  return true;
}

void ChunkReader::deliver(StreamState& s) {
  RtmpMessage msg;
  msg.type = s.type;
  msg.timestamp = s.timestamp;
  msg.streamId = s.streamId;
  msg.payload = std::move(s.partial);
  s.partial.clear();
  if (msg.type == kSetChunkSize && msg.payload.size() >= 4) {
    const std::uint32_t size = get32be(msg.payload.data()) & kMaxChunkSize;
    if (size >= 1) chunkSize_ = size;
  } else if (msg.type == kAbort && msg.payload.size() >= 4) {
    auto it = streams_.find(get32be(msg.payload.data()));
    if (it != streams_.end()) it->second.partial.clear();
  }
  ready_.push_back(std::move(msg));
}

}  // namespace mls::fanout
