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

// EGL attribute lists as the wire carries them: u32 pairs (at most kMaxAttribPairs), then
// pairs x (i32 name, i32 value); no terminator on the wire.
inline constexpr uint32_t kMaxAttribPairs = 128;
inline constexpr int32_t kEglNone = 0x3038;  // EGL_NONE, which ends a list in memory

template <typename T>  // EGLint or EGLAttrib
void put_attribs(MessageWriter& w, const T* list) {
  std::vector<int32_t> values;
  for (; list && list[0] != kEglNone && values.size() < 2 * kMaxAttribPairs; list += 2) {
    values.push_back(static_cast<int32_t>(list[0]));
    values.push_back(static_cast<int32_t>(list[1]));
  }
  w.put<uint32_t>(static_cast<uint32_t>(values.size() / 2));
  for (int32_t v : values) w.put<int32_t>(v);
}

// Reads a list put_attribs() wrote and ends it with EGL_NONE, as EGL takes it.
template <typename T>
bool read_attribs(Reader& r, std::vector<T>* out) {
  const uint32_t pairs = r.get<uint32_t>();
  if (!r.ok() || pairs > kMaxAttribPairs) return false;
  for (uint32_t i = 0; i < pairs * 2; ++i) out->push_back(static_cast<T>(r.get<int32_t>()));
  out->push_back(kEglNone);
  return r.ok();
}

}  // namespace gfxrelay::wire
