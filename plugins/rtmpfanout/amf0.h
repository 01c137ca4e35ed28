// Amf0: a small AMF0 codec (Action Message Format, version 0), the encoding of RTMP commands
// (connect, publish, onStatus…) and of FLV/RTMP script data (onMetaData).
//
// Written here because Debian 12 packages no AMF library for C or C++ (librtmp keeps its AMF code
// private; ffmpeg's is internal to libavformat). Covers what an RTMP publisher meets: number,
// boolean, string, long string, object, null, undefined, ECMA array, strict array and date
// (decoded; the date keeps its milliseconds as a number). References, XML documents, typed objects
// and AMF3 switches are refused by the decoder (nullopt), never guessed at.
//
// Plain values without GLib; thread-agnostic (no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mls::fanout {

class Amf0Value {
 public:
  enum class Type {
    Number,
    Boolean,
    String,
    Object,
    Null,
    Undefined,
    EcmaArray,
    StrictArray,
    Date
  };
  using Property = std::pair<std::string, Amf0Value>;

  Amf0Value() : type_(Type::Null) {}
  static Amf0Value number(double v);
  static Amf0Value boolean(bool v);
  static Amf0Value string(std::string v);
  static Amf0Value object(std::vector<Property> properties = {});
  static Amf0Value ecmaArray(std::vector<Property> properties = {});
  static Amf0Value strictArray(std::vector<Amf0Value> items);
  static Amf0Value null() { return Amf0Value(); }
  static Amf0Value undefined();

  Type type() const { return type_; }
  double asNumber() const { return number_; }
  bool asBoolean() const { return boolean_; }
  const std::string& asString() const { return string_; }
  const std::vector<Property>& properties() const { return properties_; }
  const std::vector<Amf0Value>& items() const { return items_; }
  // The property `name` of an object or ECMA array, or nullptr.
  const Amf0Value* get(const std::string& name) const;
  // Adds (or replaces) a property of an object or ECMA array.
  Amf0Value& set(const std::string& name, Amf0Value value);

  bool operator==(const Amf0Value& other) const;

 private:
  Type type_;
  double number_ = 0;
  bool boolean_ = false;
  std::string string_;
  std::vector<Property> properties_;  // Object, EcmaArray
  std::vector<Amf0Value> items_;      // StrictArray
};

// Appends the encoding of `value` to `out`. Strings longer than 65535 bytes become long strings.
void amf0Encode(const Amf0Value& value, std::vector<std::uint8_t>& out);
// Encodes a sequence of values (an RTMP command: name, transaction id, command object, args…).
std::vector<std::uint8_t> amf0EncodeAll(const std::vector<Amf0Value>& values);

// Decodes one value starting at `offset` and advances it; nullopt if the data is truncated,
// malformed or uses a type this codec refuses (see above).
std::optional<Amf0Value> amf0Decode(const std::uint8_t* data, std::size_t size,
                                    std::size_t& offset);
// Decodes values until the data ends; nullopt if any value fails.
std::optional<std::vector<Amf0Value>> amf0DecodeAll(const std::uint8_t* data, std::size_t size);

}  // namespace mls::fanout
