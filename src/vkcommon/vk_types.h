// Vulkan facts both sides compute identically (generated from vk.xml: vk_types_gen.cpp) and the
// writer both sides serialise with (docs/protocol.md, "Vulkan").
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "vk_opcodes_gen.h"
#include "wire/wire.h"

namespace gfxrelay::vk {

// sizeof the carried structure with this sType, or 0 when the relay does not carry it.
size_t struct_size(VkStructureType type);
// Whether the structure can be an output (no pointers but pNext, no handles).
bool is_output_struct(VkStructureType type);
// Whether vk.xml lets `type` extend `root` (structextends) and both are carried.
bool may_extend(VkStructureType root, VkStructureType type);

struct CarriedExtension {
  const char* name;
  uint32_t spec_version;
  bool instance;
};
extern const CarriedExtension kCarriedExtensions[];
extern const size_t kCarriedExtensionCount;
// The carried extension of that name, or nullptr.
const CarriedExtension* carried_extension(std::string_view name);

// Longest pNext chain either side walks (a loop in a chain must not hang the guest driver; the
// host refuses a structure type twice in one chain, so its chains are shorter anyway).
inline constexpr size_t kMaxChainLength = 1024;
// A u32 element count that stands for a NULL pointer.
inline constexpr uint32_t kNullCount = 0xffffffffu;

// A command's or reply's bytes: scalars as their C type (unaligned), raw bytes padded to 8 as
// wire::Reader::bytes() reads them.
class Writer {
 public:
  template <typename T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof v);
    std::memcpy(bytes_.data() + at, &v, sizeof v);
  }
  void put_raw(const void* data, size_t n) {
    const size_t at = bytes_.size();
    bytes_.resize(wire::align_up(at + n));
    if (n) std::memcpy(bytes_.data() + at, data, n);
  }
  // u32 length (kNullCount for NULL), then the bytes without their NUL.
  void put_string(const char* s) {
    if (!s) {
      put<uint32_t>(kNullCount);
      return;
    }
    const size_t n = std::strlen(s);
    put<uint32_t>(static_cast<uint32_t>(n));
    put_raw(s, n);
  }
  void put_strings(const char* const* strings, uint64_t count) {
    if (!strings) count = 0;
    put<uint32_t>(static_cast<uint32_t>(count));
    for (uint64_t i = 0; i < count; ++i) put_string(strings[i]);
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  void clear() { bytes_.clear(); }

 private:
  std::vector<uint8_t> bytes_;
};

// Handles as the wire carries them (u64) and back; non-dispatchable handles are uint64_t on
// 32-bit targets and pointers on 64-bit ones.
template <typename H>
uint64_t to_u64(H h) {
  if constexpr (std::is_pointer_v<H>)
    return reinterpret_cast<uintptr_t>(h);
  else
    return static_cast<uint64_t>(h);
}
template <typename H>
H from_u64(uint64_t v) {
  if constexpr (std::is_pointer_v<H>)
    return reinterpret_cast<H>(static_cast<uintptr_t>(v));
  else
    return static_cast<H>(v);
}

}  // namespace gfxrelay::vk
