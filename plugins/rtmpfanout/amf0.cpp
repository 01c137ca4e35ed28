// Amf0: encoder and decoder (see amf0.h). Big-endian numbers and lengths, as the format says.
#include "amf0.h"

#include <cstring>

namespace mls::fanout {
namespace {

enum Marker : std::uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kNull = 0x05,
  kUndefined = 0x06,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0a,
  kDate = 0x0b,
  kLongString = 0x0c,
};

constexpr int kMaxDepth = 32;  // nesting bound, so hostile input cannot exhaust the stack

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void putDouble(std::vector<std::uint8_t>& out, double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(bits >> shift));
}
// A property name or short string body: 16-bit length, then the bytes (truncated at 65535).
void putShortString(std::vector<std::uint8_t>& out, const std::string& s) {
  const std::size_t n = s.size() > 0xffff ? 0xffff : s.size();
  put16(out, static_cast<std::uint16_t>(n));
  out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
}
void putProperties(std::vector<std::uint8_t>& out, const std::vector<Amf0Value::Property>& props) {
  for (const auto& [name, value] : props) {
    putShortString(out, name);
    amf0Encode(value, out);
  }
  put16(out, 0);
  out.push_back(kObjectEnd);
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, std::size_t offset)
      : data_(data), size_(size), offset_(offset) {}
  std::size_t offset() const { return offset_; }
  bool need(std::size_t n) const { return size_ - offset_ >= n && offset_ <= size_; }
  bool u8(std::uint8_t& v) {
    if (!need(1)) return false;
    v = data_[offset_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (!need(2)) return false;
    v = static_cast<std::uint16_t>(data_[offset_] << 8 | data_[offset_ + 1]);
    offset_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (!need(4)) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | data_[offset_++];
    return true;
  }
  bool f64(double& d) {
    if (!need(8)) return false;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = bits << 8 | data_[offset_++];
    std::memcpy(&d, &bits, sizeof d);
    return true;
  }
  bool bytes(std::size_t n, std::string& s) {
    if (!need(n)) return false;
    s.assign(reinterpret_cast<const char*>(data_ + offset_), n);
    offset_ += n;
    return true;
  }
  // Properties until the empty name + object-end marker.
  bool properties(std::vector<Amf0Value::Property>& props, int depth) {
    for (;;) {
      std::uint16_t len = 0;
      if (!u16(len)) return false;
      std::string name;
      if (!bytes(len, name)) return false;
      if (len == 0 && need(1) && data_[offset_] == kObjectEnd) {
        ++offset_;
        return true;
      }
      std::optional<Amf0Value> v = value(depth + 1);
      if (!v) return false;
      props.emplace_back(std::move(name), std::move(*v));
    }
  }
  std::optional<Amf0Value> value(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    std::uint8_t marker = 0;
    if (!u8(marker)) return std::nullopt;
    switch (marker) {
      case kNumber: {
        double d = 0;
        if (!f64(d)) return std::nullopt;
        return Amf0Value::number(d);
      }
      case kBoolean: {
        std::uint8_t b = 0;
        if (!u8(b)) return std::nullopt;
        return Amf0Value::boolean(b != 0);
      }
      case kString: {
        std::uint16_t len = 0;
        std::string s;
        if (!u16(len) || !bytes(len, s)) return std::nullopt;
        return Amf0Value::string(std::move(s));
      }
      case kLongString: {
        std::uint32_t len = 0;
        std::string s;
        if (!u32(len) || !bytes(len, s)) return std::nullopt;
        return Amf0Value::string(std::move(s));
      }
      case kObject: {
        std::vector<Amf0Value::Property> props;
        if (!properties(props, depth)) return std::nullopt;
        return Amf0Value::object(std::move(props));
      }
      case kEcmaArray: {
        std::uint32_t count_hint = 0;  // advisory only: the end marker ends the array
        std::vector<Amf0Value::Property> props;
        if (!u32(count_hint) || !properties(props, depth)) return std::nullopt;
        return Amf0Value::ecmaArray(std::move(props));
      }
      case kStrictArray: {
        std::uint32_t count = 0;
        if (!u32(count)) return std::nullopt;
        if (count > size_ - offset_) return std::nullopt;  // each item takes at least a byte
        std::vector<Amf0Value> items;
        items.reserve(count);
        for (std::uint32_t i = 0; i < count; ++i) {
          std::optional<Amf0Value> v = value(depth + 1);
          if (!v) return std::nullopt;
          items.push_back(std::move(*v));
        }
        return Amf0Value::strictArray(std::move(items));
      }
      case kDate: {
        double ms = 0;
        std::uint16_t tz = 0;
        if (!f64(ms) || !u16(tz)) return std::nullopt;
        Amf0Value v = Amf0Value::number(ms);
        return v;
      }
      case kNull:
        return Amf0Value::null();
      case kUndefined:
        return Amf0Value::undefined();
      default:
        return std::nullopt;  // movieclip, reference, XML, typed object, AMF3: refused
    }
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t offset_;
};

}  // namespace

Amf0Value Amf0Value::number(double v) {
  Amf0Value a;
  a.type_ = Type::Number;
  a.number_ = v;
  return a;
}
Amf0Value Amf0Value::boolean(bool v) {
  Amf0Value a;
  a.type_ = Type::Boolean;
  a.boolean_ = v;
  return a;
}
Amf0Value Amf0Value::string(std::string v) {
  Amf0Value a;
  a.type_ = Type::String;
  a.string_ = std::move(v);
  return a;
}
Amf0Value Amf0Value::object(std::vector<Property> properties) {
  Amf0Value a;
  a.type_ = Type::Object;
  a.properties_ = std::move(properties);
  return a;
}
Amf0Value Amf0Value::ecmaArray(std::vector<Property> properties) {
  Amf0Value a;
  a.type_ = Type::EcmaArray;
  a.properties_ = std::move(properties);
  return a;
}
Amf0Value Amf0Value::strictArray(std::vector<Amf0Value> items) {
  Amf0Value a;
  a.type_ = Type::StrictArray;
  a.items_ = std::move(items);
  return a;
}
Amf0Value Amf0Value::undefined() {
  Amf0Value a;
  a.type_ = Type::Undefined;
  return a;
}

const Amf0Value* Amf0Value::get(const std::string& name) const {
  for (const auto& [key, value] : properties_)
    if (key == name) return &value;
  return nullptr;
}

Amf0Value& Amf0Value::set(const std::string& name, Amf0Value value) {
  for (auto& [key, v] : properties_) {
    if (key == name) {
      v = std::move(value);
      return *this;
    }
  }
  properties_.emplace_back(name, std::move(value));
  return *this;
}

bool Amf0Value::operator==(const Amf0Value& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::Number:
    case Type::Date:
      return number_ == other.number_;
    case Type::Boolean:
      return boolean_ == other.boolean_;
    case Type::String:
      return string_ == other.string_;
    case Type::Object:
    case Type::EcmaArray:
      return properties_ == other.properties_;
    case Type::StrictArray:
      return items_ == other.items_;
    case Type::Null:
    case Type::Undefined:
      return true;
  }
  return false;
}

void amf0Encode(const Amf0Value& value, std::vector<std::uint8_t>& out) {
  switch (value.type()) {
    case Amf0Value::Type::Number:
    case Amf0Value::Type::Date:  // never produced by the encoder's users; a number is closest
      out.push_back(kNumber);
      putDouble(out, value.asNumber());
      break;
    case Amf0Value::Type::Boolean:
      out.push_back(kBoolean);
      out.push_back(value.asBoolean() ? 1 : 0);
      break;
    case Amf0Value::Type::String:
      if (value.asString().size() > 0xffff) {
        out.push_back(kLongString);
        put32(out, static_cast<std::uint32_t>(value.asString().size()));
        out.insert(out.end(), value.asString().begin(), value.asString().end());
      } else {
        out.push_back(kString);
        putShortString(out, value.asString());
      }
      break;
    case Amf0Value::Type::Object:
      out.push_back(kObject);
      putProperties(out, value.properties());
      break;
    case Amf0Value::Type::EcmaArray:
      out.push_back(kEcmaArray);
      put32(out, static_cast<std::uint32_t>(value.properties().size()));
      putProperties(out, value.properties());
      break;
    case Amf0Value::Type::StrictArray:
      out.push_back(kStrictArray);
      put32(out, static_cast<std::uint32_t>(value.items().size()));
      for (const Amf0Value& item : value.items()) amf0Encode(item, out);
      break;
    case Amf0Value::Type::Null:
      out.push_back(kNull);
      break;
    case Amf0Value::Type::Undefined:
      out.push_back(kUndefined);
      break;
  }
}

std::vector<std::uint8_t> amf0EncodeAll(const std::vector<Amf0Value>& values) {
  std::vector<std::uint8_t> out;
  for (const Amf0Value& v : values) amf0Encode(v, out);
  return out;
}

std::optional<Amf0Value> amf0Decode(const std::uint8_t* data, std::size_t size,
                                    std::size_t& offset) {
  Reader reader(data, size, offset);
  std::optional<Amf0Value> v = reader.value(0);
  if (v) offset = reader.offset();
  return v;
}

std::optional<std::vector<Amf0Value>> amf0DecodeAll(const std::uint8_t* data, std::size_t size) {
  std::vector<Amf0Value> values;
  std::size_t offset = 0;
  while (offset < size) {
    std::optional<Amf0Value> v = amf0Decode(data, size, offset);
    if (!v) return std::nullopt;
    values.push_back(std::move(*v));
  }
  return values;
}

}  // namespace mls::fanout
