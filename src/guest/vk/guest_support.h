// What the generated Vulkan entry points (vk_guest_gen.cpp) build on: the process's Vulkan
// stream, guest ids for handles, dispatchable objects the loader can patch.
#pragma once

#include <vulkan/vk_icd.h>
#include <vulkan/vulkan.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "transport/shm_ring.h"
#include "vk_guest_gen.h"
#include "vkcommon/vk_types.h"

namespace gfxrelay::guest::vk {

using gfxrelay::vk::kMaxChainLength;
using gfxrelay::vk::kMaxOutputElements;
using gfxrelay::vk::Writer;

// The Vulkan stream of this process (docs/protocol.md, "Vulkan"): made on first use through the
// session's control channel; commands from any thread, one at a time.
class Stream {
 public:
  // nullptr (after saying why, once) when no host can be reached.
  static Stream* get();

  // Sends a command that has no reply.
  void send(gfxrelay::vk::VkOp op, const Writer& w);
  // Sends a command and waits for its reply; false when the session is over.
  bool call(gfxrelay::vk::VkOp op, const Writer& w, std::vector<uint8_t>* reply);
  // The host's reply to `command` did not make sense: says so once and ends the stream (every
  // later command fails as if the device were lost).
  void protocol_error(const char* command);
  // `size` bytes at `offset` of the stream's transfer area (memory the host imported there), or
  // nullptr if that is not inside it.
  uint8_t* shared_memory(uint64_t offset, uint64_t size) const {
    const std::span<uint8_t> area = region_.transfer();
    return offset <= area.size() && size <= area.size() - offset ? area.data() + offset : nullptr;
  }

 private:
  explicit Stream(transport::ShmRegion region);
  bool write_locked(gfxrelay::vk::VkOp op, const Writer& w);
  bool wait_for_reply_locked(std::vector<uint8_t>* reply);
  void report_closed_locked();

  std::mutex mutex_;
  transport::ShmRegion region_;
  transport::RingProducer ring_;
  uint32_t syncs_sent_ = 0;
  bool broken_ = false;
};

// Dispatchable objects (VkInstance, VkPhysicalDevice, VkDevice, VkQueue, VkCommandBuffer): the
// loader needs the first word for its dispatch table (vk_icd.h); the guest id follows.
struct DispatchableObject {
  VK_LOADER_DATA loader_data;
  uint64_t id;
};

// A new guest id (never 0; the host's own ids have the top bit set).
uint64_t new_id();
void* new_dispatchable(uint64_t id);
void free_dispatchable(const void* handle);

inline uint64_t dispatchable_id(const void* handle) {
  return handle ? static_cast<const DispatchableObject*>(handle)->id : 0;
}
template <typename H>
uint64_t handle_id(H handle) {
  return gfxrelay::vk::to_u64(handle);
}
template <typename H>
H from_id(uint64_t id) {
  return gfxrelay::vk::from_u64<H>(id);
}

inline void get_raw(wire::Reader& r, void* dst, size_t n) {
  std::span<const uint8_t> bytes = r.bytes(n);
  if (!bytes.empty()) std::memcpy(dst, bytes.data(), n);
}

// The sTypes chained to an output structure that the relay can fill (the host prepares them).
void put_shape(Writer& w, const void* next, VkStructureType root);

// Mapped memory travels as copies (memory.cpp): coherent mappings are written to the host before
// work is submitted and read back after waits.
void write_coherent_mappings();
void read_coherent_mappings();
// vkFreeMemory unmaps memory still mapped (its guest copy goes; what was written is lost, as it
// would be natively).
void forget_mapping(VkDeviceMemory memory);

enum class Level { kGlobal, kInstance, kPhysicalDevice, kDevice };
struct ProcEntry {
  const char* name;
  PFN_vkVoidFunction function;
  Level level;
};
extern const ProcEntry kVkProcs[];  // sorted by name
extern const size_t kVkProcCount;
// The window-system commands (wsi.cpp), or nullptr.
const ProcEntry* find_wsi_proc(const char* name);
// The commands the guest answers without a command of their own (guest_objects.cpp), or nullptr.
const ProcEntry* find_guest_proc(const char* name);

}  // namespace gfxrelay::guest::vk
