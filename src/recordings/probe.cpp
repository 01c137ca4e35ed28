// Container probing of finished segments. See probe.h.
#include "recordings/probe.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

namespace mls::recordings {

namespace {

// Reads `length` bytes at `offset` (fewer at the end of the data).
using ReadAt = std::function<std::vector<uint8_t>(uint64_t offset, size_t length)>;

constexpr size_t kMaxMoov = 16 * 1024 * 1024;
constexpr size_t kMaxMoof = 4 * 1024 * 1024;
constexpr size_t kTsWindow = 1024 * 1024;
constexpr size_t kTsPacket = 188;

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
uint64_t be64(const uint8_t* p) { return (uint64_t(be32(p)) << 32) | be32(p + 4); }
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// A box inside a buffer: [payload, payload + size).
struct Box {
  std::string type;
  const uint8_t* payload = nullptr;
  size_t size = 0;
};

// The child boxes of a payload (stops at the first malformed header).
std::vector<Box> children(const uint8_t* data, size_t size) {
  std::vector<Box> boxes;
  size_t at = 0;
  while (at + 8 <= size) {
    uint64_t length = be32(data + at);
    size_t header = 8;
    if (length == 1) {
      if (at + 16 > size) break;
      length = be64(data + at + 8);
      header = 16;
    } else if (length == 0) {
      length = size - at;
    }
    if (length < header || length > size - at) break;
    boxes.push_back(Box{std::string(reinterpret_cast<const char*>(data + at + 4), 4),
                        data + at + header, static_cast<size_t>(length - header)});
    at += static_cast<size_t>(length);
  }
  return boxes;
}

const Box* find(const std::vector<Box>& boxes, const char* type) {
  for (const Box& box : boxes)
    if (box.type == type) return &box;
  return nullptr;
}

std::string videoCodec(const std::string& fourcc) {
  if (fourcc == "avc1" || fourcc == "avc3") return "h264";
  if (fourcc == "hvc1" || fourcc == "hev1") return "h265";
  if (fourcc == "av01") return "av1";
  if (fourcc == "vp09") return "vp9";
  if (fourcc == "mp4v") return "mpeg4";
  return fourcc;
}

// mp4a's object type (esds DecoderConfigDescriptor): 0x40/0x66-0x68 AAC, 0x69/0x6B MP3.
std::string audioCodec(const Box& entry) {
  if (entry.type == "Opus") return "opus";
  if (entry.type == "ac-3") return "ac3";
  if (entry.type == "ec-3") return "eac3";
  if (entry.type != "mp4a") return entry.type;
  constexpr size_t kAudioEntryHeader = 28;  // SampleEntry (8) + AudioSampleEntry fields (20)
  if (entry.size <= kAudioEntryHeader) return "aac";
  const Box* esds =
      find(children(entry.payload + kAudioEntryHeader, entry.size - kAudioEntryHeader), "esds");
  if (!esds || esds->size < 4) return "aac";
  // Descriptors after version/flags: find tag 0x04 (DecoderConfigDescriptor).
  for (size_t i = 4; i + 1 < esds->size; ++i) {
    if (esds->payload[i] != 0x04) continue;
    size_t j = i + 1;
    while (j < esds->size && (esds->payload[j] & 0x80)) ++j;  // variable-length size
    if (j + 1 >= esds->size) break;
    uint8_t object_type = esds->payload[j + 1];
    if (object_type == 0x69 || object_type == 0x6B) return "mp3";
    return "aac";
  }
  return "aac";
}

struct Track {
  uint32_t timescale = 0;
  uint32_t default_duration = 0;  // trex
  std::optional<uint64_t> first_dts;
  uint64_t end_dts = 0;
};

struct Mp4State {
  std::map<uint32_t, Track> tracks;
  uint32_t movie_timescale = 0;
  uint64_t movie_duration = 0;
  bool fragments = false;
  ProbeResult result;
};

void parseTrak(const Box& trak, Mp4State* state) {
  auto boxes = children(trak.payload, trak.size);
  const Box* tkhd = find(boxes, "tkhd");
  const Box* mdia = find(boxes, "mdia");
  if (!tkhd || !mdia || tkhd->size < 24) return;
  const bool v1 = tkhd->payload[0] == 1;
  const uint32_t track_id = be32(tkhd->payload + (v1 ? 20 : 12));
  auto mdia_boxes = children(mdia->payload, mdia->size);
  const Box* mdhd = find(mdia_boxes, "mdhd");
  const Box* hdlr = find(mdia_boxes, "hdlr");
  const Box* minf = find(mdia_boxes, "minf");
  if (mdhd && mdhd->size >= 24)
    state->tracks[track_id].timescale = be32(mdhd->payload + (mdhd->payload[0] == 1 ? 20 : 12));
  if (!hdlr || hdlr->size < 12 || !minf) return;
  const std::string handler(reinterpret_cast<const char*>(hdlr->payload + 8), 4);
  const Box* stbl = find(children(minf->payload, minf->size), "stbl");
  if (!stbl) return;
  const Box* stsd = find(children(stbl->payload, stbl->size), "stsd");
  if (!stsd || stsd->size < 8) return;
  auto entries = children(stsd->payload + 8, stsd->size - 8);
  if (entries.empty()) return;
  if (handler == "vide" && state->result.video_codec.empty())
    state->result.video_codec = videoCodec(entries[0].type);
  else if (handler == "soun" && state->result.audio_codec.empty())
    state->result.audio_codec = audioCodec(entries[0]);
}

void parseMoov(const uint8_t* data, size_t size, Mp4State* state) {
  for (const Box& box : children(data, size)) {
    if (box.type == "mvhd" && box.size >= 20) {
      const bool v1 = box.payload[0] == 1;
      if (v1 && box.size >= 32) {
        state->movie_timescale = be32(box.payload + 20);
        state->movie_duration = be64(box.payload + 24);
      } else if (!v1) {
        state->movie_timescale = be32(box.payload + 12);
        state->movie_duration = be32(box.payload + 16);
      }
    } else if (box.type == "trak") {
      parseTrak(box, state);
    } else if (box.type == "mvex") {
      for (const Box& trex : children(box.payload, box.size))
        if (trex.type == "trex" && trex.size >= 16)
          state->tracks[be32(trex.payload + 4)].default_duration = be32(trex.payload + 12);
    }
  }
}

void parseTraf(const Box& traf, Mp4State* state) {
  auto boxes = children(traf.payload, traf.size);
  const Box* tfhd = find(boxes, "tfhd");
  if (!tfhd || tfhd->size < 8) return;
  const uint32_t flags = be32(tfhd->payload) & 0xFFFFFF;
  Track& track = state->tracks[be32(tfhd->payload + 4)];
  size_t at = 8;
  if (flags & 0x01) at += 8;  // base-data-offset
  if (flags & 0x02) at += 4;  // sample-description-index
  uint32_t default_duration = track.default_duration;
  if ((flags & 0x08) && at + 4 <= tfhd->size) default_duration = be32(tfhd->payload + at);

  const Box* tfdt = find(boxes, "tfdt");
  if (!tfdt || tfdt->size < 8) return;
  const uint64_t base =
      tfdt->payload[0] == 1 && tfdt->size >= 12 ? be64(tfdt->payload + 4) : be32(tfdt->payload + 4);
  uint64_t total = 0;
  for (const Box& trun : boxes) {
    if (trun.type != "trun" || trun.size < 8) continue;
    const uint32_t run_flags = be32(trun.payload) & 0xFFFFFF;
    const uint32_t count = be32(trun.payload + 4);
    size_t p = 8;
    if (run_flags & 0x001) p += 4;
    if (run_flags & 0x004) p += 4;
    size_t per_sample = 0;
    for (uint32_t bit : {0x100u, 0x200u, 0x400u, 0x800u})
      if (run_flags & bit) per_sample += 4;
    if (!(run_flags & 0x100)) {
      total += uint64_t(count) * default_duration;
      continue;
    }
    for (uint32_t i = 0; i < count && p + per_sample <= trun.size; ++i, p += per_sample)
      total += be32(trun.payload + p);
  }
  state->fragments = true;
  if (!track.first_dts || base < *track.first_dts) track.first_dts = base;
  track.end_dts = std::max(track.end_dts, base + total);
}

ProbeResult probeMp4(const ReadAt& read, uint64_t size) {
  Mp4State state;
  uint64_t at = 0;
  while (at + 8 <= size) {
    std::vector<uint8_t> header = read(at, 16);
    if (header.size() < 8) break;
    uint64_t length = be32(header.data());
    uint64_t header_size = 8;
    if (length == 1) {
      if (header.size() < 16) break;
      length = be64(header.data() + 8);
      header_size = 16;
    } else if (length == 0) {
      length = size - at;
    }
    if (length < header_size) break;
    const std::string type(reinterpret_cast<const char*>(header.data() + 4), 4);
    const uint64_t payload = length - header_size;
    if ((type == "moov" && payload <= kMaxMoov) || (type == "moof" && payload <= kMaxMoof)) {
      std::vector<uint8_t> body = read(at + header_size, static_cast<size_t>(payload));
      if (type == "moov") {
        parseMoov(body.data(), body.size(), &state);
      } else {
        for (const Box& traf : children(body.data(), body.size()))
          if (traf.type == "traf") parseTraf(traf, &state);
      }
    }
    if (length > size - at) break;  // a box cut by a crash: what came before counts
    at += length;
  }
  double best = -1;
  if (state.fragments) {
    for (const auto& [id, track] : state.tracks)
      if (track.timescale && track.first_dts)
        best = std::max(best, double(track.end_dts - *track.first_dts) / track.timescale);
  }
  if (best < 0 && state.movie_timescale && state.movie_duration)
    best = double(state.movie_duration) / state.movie_timescale;
  if (best >= 0) state.result.duration_s = best;
  return state.result;
}

// MPEG-TS -----------------------------------------------------------------------------------

std::string tsCodec(uint8_t stream_type, bool* video) {
  *video = false;
  switch (stream_type) {
    case 0x1B: *video = true; return "h264";
    case 0x24: *video = true; return "h265";
    case 0x01: case 0x02: *video = true; return "mpeg2";
    case 0x0F: case 0x11: return "aac";
    case 0x03: case 0x04: return "mp3";
    case 0x81: return "ac3";
    default: return {};
  }
}

// The offset of the first packet in `data` (three sync bytes 188 apart), or npos.
size_t tsSync(const std::vector<uint8_t>& data) {
  for (size_t i = 0; i < kTsPacket && i + 2 * kTsPacket < data.size(); ++i)
    if (data[i] == 0x47 && data[i + kTsPacket] == 0x47 && data[i + 2 * kTsPacket] == 0x47)
      return i;
  return std::string::npos;
}

// The payload of a packet (after the adaptation field), or nullptr.
const uint8_t* tsPayload(const uint8_t* packet, size_t* length) {
  const uint8_t control = (packet[3] >> 4) & 0x3;
  size_t at = 4;
  if (control == 2 || control == 0) return nullptr;
  if (control == 3) at += 1 + packet[4];
  if (at >= kTsPacket) return nullptr;
  *length = kTsPacket - at;
  return packet + at;
}

std::optional<uint64_t> pesPts(const uint8_t* p, size_t length) {
  if (length < 14 || p[0] != 0 || p[1] != 0 || p[2] != 1 || !(p[7] & 0x80)) return std::nullopt;
  const uint8_t* t = p + 9;
  return (uint64_t(t[0] & 0x0E) << 29) | (uint64_t(t[1]) << 22) | (uint64_t(t[2] & 0xFE) << 14) |
         (uint64_t(t[3]) << 7) | (uint64_t(t[4]) >> 1);
}

struct TsScan {
  int pmt_pid = -1;
  int timing_pid = -1;  // the first video stream, else the first stream
  std::optional<uint64_t> first_pts, last_pts;
  ProbeResult result;
};

void scanTs(const std::vector<uint8_t>& data, bool head, TsScan* scan) {
  const size_t start = tsSync(data);
  if (start == std::string::npos) return;
  for (size_t at = start; at + kTsPacket <= data.size(); at += kTsPacket) {
    const uint8_t* packet = data.data() + at;
    if (packet[0] != 0x47) continue;
    const bool unit_start = packet[1] & 0x40;
    const int pid = ((packet[1] & 0x1F) << 8) | packet[2];
    size_t length = 0;
    const uint8_t* payload = tsPayload(packet, &length);
    if (!payload || !unit_start) continue;
    if (head && (pid == 0 || pid == scan->pmt_pid) && length > 1) {
      const size_t pointer = payload[0];
      if (1 + pointer + 12 > length) continue;
      const uint8_t* section = payload + 1 + pointer;
      const size_t section_length =
          std::min<size_t>(((section[1] & 0x0F) << 8) | section[2], length - 1 - pointer - 3);
      if (pid == 0 && section[0] == 0x00 && section_length >= 9 && scan->pmt_pid < 0) {
        for (size_t i = 8; i + 4 <= 3 + section_length - 4; i += 4)
          if (be16(section + i) != 0) {
            scan->pmt_pid = be16(section + i + 2) & 0x1FFF;
            break;
          }
      } else if (pid == scan->pmt_pid && section[0] == 0x02 && section_length >= 13 &&
                 scan->timing_pid < 0) {
        const size_t end = 3 + section_length - 4;  // before the CRC
        size_t i = 12 + (be16(section + 10) & 0x0FFF);
        int first_pid = -1;
        while (i + 5 <= end) {
          bool video = false;
          std::string codec = tsCodec(section[i], &video);
          const int es_pid = be16(section + i + 1) & 0x1FFF;
          if (first_pid < 0) first_pid = es_pid;
          if (video && scan->result.video_codec.empty()) {
            scan->result.video_codec = codec;
            scan->timing_pid = es_pid;
          } else if (!video && !codec.empty() && scan->result.audio_codec.empty()) {
            scan->result.audio_codec = codec;
          }
          i += 5 + (be16(section + i + 3) & 0x0FFF);
        }
        if (scan->timing_pid < 0) scan->timing_pid = first_pid;
      }
      continue;
    }
    if (pid != scan->timing_pid) continue;
    if (auto pts = pesPts(payload, length)) {
      if (head && !scan->first_pts) scan->first_pts = *pts;
      if (!head) scan->last_pts = scan->last_pts ? std::max(*scan->last_pts, *pts) : *pts;
    }
  }
}

ProbeResult probeTs(const ReadAt& read, uint64_t size) {
  TsScan scan;
  scanTs(read(0, static_cast<size_t>(std::min<uint64_t>(size, kTsWindow))), true, &scan);
  if (scan.timing_pid >= 0) {
    const uint64_t tail = size > kTsWindow ? size - kTsWindow : 0;
    scanTs(read(tail, static_cast<size_t>(size - tail)), false, &scan);
  }
  if (scan.first_pts && scan.last_pts) {
    uint64_t last = *scan.last_pts;
    if (last < *scan.first_pts) last += uint64_t(1) << 33;  // wrapped
    scan.result.duration_s = double(last - *scan.first_pts) / 90000.0;
  }
  return scan.result;
}

ProbeResult probe(const ReadAt& read, uint64_t size, model::SegmentFormat format) {
  return format == model::SegmentFormat::Ts ? probeTs(read, size) : probeMp4(read, size);
}

}  // namespace

ProbeResult probeFile(int fd, uint64_t size, model::SegmentFormat format) {
  ReadAt read = [fd](uint64_t offset, size_t length) {
    std::vector<uint8_t> data(length);
    size_t done = 0;
    while (done < length) {
      ssize_t n = pread(fd, data.data() + done, length - done, static_cast<off_t>(offset + done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    data.resize(done);
    return data;
  };
  return probe(read, size, format);
}

ProbeResult probeBytes(const std::vector<uint8_t>& bytes, model::SegmentFormat format) {
  ReadAt read = [&bytes](uint64_t offset, size_t length) {
    if (offset >= bytes.size()) return std::vector<uint8_t>();
    const size_t n = std::min<size_t>(length, bytes.size() - offset);
    return std::vector<uint8_t>(bytes.begin() + static_cast<ptrdiff_t>(offset),
                                bytes.begin() + static_cast<ptrdiff_t>(offset + n));
  };
  return probe(read, bytes.size(), format);
}

}  // namespace mls::recordings
