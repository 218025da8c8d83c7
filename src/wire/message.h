// Builds variable-length messages (control messages, replies) in a growable buffer, in the
// layout wire::Reader reads back: scalars by value, byte strings as u32 length + u32 zero +
// bytes padded to 8.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "wire/wire.h"

namespace gfxrelay::wire {

class MessageWriter {
 public:
  template <typename T>
  void put(T v) {
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof v);
    std::memcpy(bytes_.data() + at, &v, sizeof v);
  }
  void put_bytes(std::span<const uint8_t> b) {
    put<uint32_t>(static_cast<uint32_t>(b.size()));
    put<uint32_t>(0);
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    bytes_.resize(align_up(bytes_.size()));
  }
  void put_string(std::string_view s) {
    put_bytes({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Reads what put_bytes()/put_string() wrote.
inline std::span<const uint8_t> read_bytes(Reader& r) {
  const uint32_t length = r.get<uint32_t>();
  r.get<uint32_t>();
  return r.bytes(length);
}
inline std::string_view read_string(Reader& r) {
  std::span<const uint8_t> b = read_bytes(r);
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace gfxrelay::wire
