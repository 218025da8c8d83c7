// Little-endian stores and loads at fixed offsets, and a bounds-checked Reader for the
// variable part of a command (docs/protocol.md). Knows nothing of GL or of transports.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "wire/command.h"

namespace gfxrelay::wire {

static_assert(std::endian::native == std::endian::little, "the wire is little-endian");

// Stores v converted to the wire type T (same-size integers keep their bits; floats are
// bit_cast by the caller).
template <typename T, typename V>
inline void store(uint8_t* at, V v) {
  const T t = static_cast<T>(v);
  std::memcpy(at, &t, sizeof t);
}

template <typename T>
inline T load(const uint8_t* at) {
  T t;
  std::memcpy(&t, at, sizeof t);
  return t;
}

// Bulk data (wire rule 2): a blob header, then the bytes inline or a reference into the
// transfer area.
enum class BlobMode : uint32_t {
  kInline = 0,    // `length` bytes follow, padded to 8
  kTransfer = 1,  // a uint64 transfer-area position follows
  kNull = 2,      // the program passed a null pointer; nothing follows
  kOffset = 3,    // a uint64 byte offset into a bound buffer object follows (PBOs, indices)
};
struct BlobHeader {
  uint32_t length;
  uint32_t mode;
};
static_assert(sizeof(BlobHeader) == 8);

// Payloads up to this many bytes travel inline; larger ones through the transfer area.
inline constexpr size_t kInlineBlobLimit = 4096;

// Reads sequentially from a byte range it never leaves. Any read past the end sets a sticky
// failure and returns zeros, so decoders check ok() (or at_end()) once, after reading.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit Reader(std::span<const uint8_t> bytes) : Reader(bytes.data(), bytes.size()) {}

  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!ok_ || size_ - pos_ < sizeof(T)) {
      ok_ = false;
      return T{};
    }
    T t;
    std::memcpy(&t, data_ + pos_, sizeof t);
    pos_ += sizeof t;
    return t;
  }

  // The next n bytes, then skips to the next 8-byte boundary. Empty span on failure.
  std::span<const uint8_t> bytes(size_t n) {
    if (!ok_ || size_ - pos_ < n) {
      ok_ = false;
      return {};
    }
    std::span<const uint8_t> out(data_ + pos_, n);
    pos_ += n;
    const size_t pad = align_up(pos_) - pos_;
    if (size_ - pos_ < pad) {
      ok_ = false;
      return {};
    }
    pos_ += pad;
    return out;
  }

  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && pos_ == size_; }
  size_t remaining() const { return ok_ ? size_ - pos_ : 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace gfxrelay::wire
