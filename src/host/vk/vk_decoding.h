// What the generated Vulkan decoders (vk_host_gen.cpp) build on: the guest's objects by id, the
// memory one command's structures live in, the checks every read goes through.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "host/quota.h"
#include "transport/shm_ring.h"
#include "vk_host_gen.h"
#include "vkcommon/vk_types.h"

namespace gfxrelay::host::vk {

using gfxrelay::vk::from_u64;
using gfxrelay::vk::kMaxChainLength;
using gfxrelay::vk::kMaxOutputElements;
using gfxrelay::vk::kMaxReplyBytes;
using gfxrelay::vk::to_u64;

// Zeroed memory for one command's structures and arrays, freed after the command.
class Arena {
 public:
  // nullptr for n == 0 or past the per-command limit.
  template <typename T>
  T* make(size_t n) {
    if (n == 0 || n > kMaxBytes / sizeof(T) || used_ + n * sizeof(T) > kMaxBytes) return nullptr;
    used_ += n * sizeof(T);
    blocks_.push_back(std::make_unique<uint8_t[]>(n * sizeof(T)));  // value-initialised: zeros
    return reinterpret_cast<T*>(blocks_.back().get());
  }
  void clear() {
    blocks_.clear();
    used_ = 0;
  }

 private:
  // One command cannot make the host hold more than this (its bytes are bounded by the ring
  // anyway; this bounds what counts in it expand to).
  static constexpr size_t kMaxBytes = 256u << 20;
  std::vector<std::unique_ptr<uint8_t[]>> blocks_;
  size_t used_ = 0;
};

// The guest's Vulkan objects by guest id: each one's type, host handle and parent (the
// dispatchable object it was made from). Host-named objects (physical devices) have ids with the
// top bit set, so they never collide with the guest's.
class Objects {
 public:
  struct Entry {
    VkObjectType type;
    uint64_t host;
    uint64_t parent;
    bool counted;  // against the session's object quota (guest-made objects)
  };
  static constexpr uint64_t kHostIdBit = uint64_t{1} << 63;

  // The session's quotas (docs/security.md, "Resources"): every object the guest makes counts,
  // and device memory counts as the GL session's buffers and textures do.
  explicit Objects(std::shared_ptr<SessionQuota> quota) : quota_(std::move(quota)) {}
  SessionQuota& quota() { return *quota_; }

  const Entry* find(uint64_t id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // Records a new object. `counted`: one of the session's objects was reserved for it (by
  // Decoding::fresh_id); host-named objects are not counted.
  void add(uint64_t id, VkObjectType type, uint64_t host, uint64_t parent, bool counted = true) {
    entries_[id] = {type, host, parent, counted};
  }
  // The object reserved by fresh_id was not made after all.
  void unreserve() { quota_->release_objects(1); }
  // Forgets the object and everything made from it.
  void remove(uint64_t id);
  // Every object made from `id` (directly or not), the newest first.
  std::vector<uint64_t> descendants(uint64_t id) const;
  // Whether `ancestor` is `id` or made it (directly or not).
  bool owned_by(uint64_t id, uint64_t ancestor) const;
  // The device `id` is or was made from (0 if none).
  uint64_t device_of(uint64_t id) const;
  // The guest id of a host handle of that type (0 if unknown).
  uint64_t find_id(VkObjectType type, uint64_t host) const;
  std::map<uint64_t, Entry>& all() { return entries_; }

  // What the host knows of a VkDeviceMemory (by guest id): its size, whether its type is
  // coherent, and the host's mapping of all of it while the guest has it mapped.
  // Memory the host imported from the stream's shared memory (VK_EXT_external_memory_host)
  // has `shared` set to its offset in the transfer area: the guest maps it there, no copies.
  struct Memory {
    uint64_t size = 0;  // counted against the session's memory
    bool coherent = false;
    uint8_t* mapped = nullptr;
    int64_t shared = -1;
    bool bound = false;  // a buffer or image is bound to it
    uint32_t type = 0;   // memory type index
  };
  std::map<uint64_t, Memory> memory;
  // By device id: the queues it was made with (family -> count), and whether it imports shared
  // memory (the host enabled VK_EXT_external_memory_host on it).
  struct Device {
    std::map<uint32_t, uint32_t> queues;
    bool imports = false;
    uint64_t import_alignment = 4096;
    PFN_vkGetMemoryHostPointerPropertiesEXT host_pointer_properties = nullptr;
  };
  std::map<uint64_t, Device> devices;
  // Images made without the external-memory structure (they cannot take imported memory).
  std::set<uint64_t> plain_images;
  // Ranges of the stream's transfer area given to imported memory (offset -> size).
  std::map<uint64_t, uint64_t> shared_ranges;
  // A range of `size` bytes at `alignment` inside `capacity`, or -1.
  int64_t allocate_shared(uint64_t size, uint64_t alignment, uint64_t capacity);
  // Pipeline cache data being read in parts (gfxrelay_vkGetPipelineCacheDataPart): taken at the
  // first part so that the parts agree, dropped once the last part is read.
  struct CacheData {
    uint64_t cache = 0;  // guest id
    VkResult result = VK_SUCCESS;
    std::vector<uint8_t> bytes;
  };
  CacheData cache_data;
  uint64_t next_host_id() { return kHostIdBit | next_host_id_++; }

  // A command sent without waiting failed on the host: from now on waits report the device
  // lost (the guest was told VK_SUCCESS).
  void latch(VkResult result, const char* command);
  VkResult reported(VkResult result) const { return latched_ < 0 ? latched_ : result; }

 private:
  std::shared_ptr<SessionQuota> quota_;
  std::map<uint64_t, Entry> entries_;  // ordered: ids grow with creation
  VkResult latched_ = VK_SUCCESS;
  uint64_t next_host_id_ = 1;
};

// One command being decoded.
class Decoding {
 public:
  Decoding(std::span<const uint8_t> payload, Arena& arena, Objects& objects,
           const transport::ShmRegion& region)
      : r(payload), arena(arena), objects(objects), region_(region) {}

  wire::Reader r;
  Arena& arena;
  Objects& objects;
  Writer reply;
  std::string error;

  bool fail(const std::string& where, const std::string& what) {
    if (error.empty()) error = where + ": " + what;
    return false;
  }
  // The host handle for a guest id of that type (0: VK_NULL_HANDLE, where `optional`).
  template <typename H>
  bool handle(VkObjectType type, uint64_t id, bool optional, const char* where, H* out) {
    *out = H{};
    if (id == 0) return optional || fail(where, "VK_NULL_HANDLE where a handle is required");
    const Objects::Entry* e = objects.find(id);
    if (!e) return fail(where, "unknown object id " + std::to_string(id));
    if (e->type != type) return fail(where, "object " + std::to_string(id) + " has another type");
    *out = from_u64<H>(e->host);
    return true;
  }
  // An id the guest picked for a new object: not 0, not the host's, not in use; and one of the
  // session's objects reserved for it (past the quota the session ends: 2^20 objects by
  // default is abuse). The caller adds the object, or unreserves if it was not made.
  bool fresh_id(uint64_t id, const char* where);
  // A handle passed with a device must be that device's (0 passes: optional handles).
  bool owned_by(uint64_t id, uint64_t ancestor, const char* where);
  // Whether the command's fields are all read: what is left is the payload's padding to 8
  // bytes, which must be zeros.
  bool at_end();
  bool get_raw(void* dst, size_t n);
  // An enum from the wire: a value no enum of Vulkan can hold (negative) ends the session
  // rather than becoming an enum value C++ does not allow.
  template <typename E>
  bool get_enum(E* out, const char* where) {
    const uint32_t v = r.get<uint32_t>();
    if (v > 0x7fffffffu) return fail(where, "enum value " + std::to_string(v) + " out of range");
    *out = static_cast<E>(v);
    return true;
  }
  bool get_string(const char** out, const char* where);
  bool get_strings(const char* const** out, uint64_t count, const char* where);
  // Rebuilds an input chain from the wire: each structure must be carried and allowed to extend
  // `root`, and appear once. `next_field` is the address of the root's pNext.
  bool get_chain(void* next_field, VkStructureType root,
                 bool (*get_body_any)(Decoding&, VkStructureType, void*));
  // Writes `reply` into the region's reply area and wakes the guest.
  bool finish_reply();
  // The stream's transfer area: memory the guest maps too.
  std::span<uint8_t> shared_memory() const { return region_.transfer(); }

 private:
  const transport::ShmRegion& region_;
};

// Reads the sTypes the guest chained to an output structure and chains zeroed structures of
// those types (each carried, output-capable, allowed under `root`, once).
bool get_shape(Decoding& d, void* next_field, VkStructureType root);

// Before vkCreateBuffer/vkCreateImage on a device that imports shared memory: chains the
// external-memory structure that lets the object be bound to imported memory.
void allow_host_memory(Decoding& d, uint64_t device_id, VkBufferCreateInfo& info);
void allow_host_memory(Decoding& d, uint64_t device_id, VkImageCreateInfo& info, uint64_t image_id);
// Before vkBindImageMemory: an image made without the external-memory structure (the driver
// cannot import memory for it, or it starts PREINITIALIZED) bound to imported memory that is
// neither mapped nor bound yet gets that memory replaced by an ordinary allocation (mapped as
// copies). False (with d.error) if the host cannot allocate it.
bool before_image_binding(Decoding& d, uint64_t device_id, uint64_t image_id, uint64_t memory_id,
                          VkDeviceMemory* memory);
void note_binding(Decoding& d, uint64_t memory_id);
// The same for each binding of vkBindBufferMemory2 / vkBindImageMemory2 (decoded: host handles).
void note_bindings(Decoding& d, uint32_t count, const VkBindBufferMemoryInfo* infos);
bool before_image_bindings(Decoding& d, uint64_t device_id, uint32_t count,
                           VkBindImageMemoryInfo* infos);
// The longest the host waits in one vkWaitForFences / vkWaitSemaphores; the guest repeats the
// wait until its own timeout, so that a wait for something never signalled does not keep the
// worker from noticing that the guest has gone.
inline constexpr uint64_t kWaitSliceNs = 100'000'000;
// A buffer for vkGetQueryPoolResults that holds every result the driver may write (queryCount
// results `stride` apart, each up to 12 values of 8 bytes with availability), at least
// `data_size` bytes; nullptr (with d.error) past what a reply holds.
uint8_t* query_results(Decoding& d, uint32_t query_count, VkDeviceSize stride, size_t data_size);
// A buffer for vkGetPipelineCacheData's data with room for all of the cache's data, however few
// bytes the guest asked for: a driver may write past the size it is given (NVIDIA 580 did,
// overwriting the host's heap). Null (with d.error) if the arena has no room.
uint8_t* whole_cache_data_buffer(Decoding& d, VkDevice device, VkPipelineCache cache, size_t size);
// Whether the host imports shared memory (GFXRELAY_VK_NO_IMPORT unset).
bool imports_enabled();

// What the relay offers of a physical device's properties: the API version it carries.
void narrow_properties(VkPhysicalDeviceProperties& properties);

// Destroys what a guest left behind: everything made from `id` (before `id` itself goes, so
// that no host object outlives its parent), or every object (the session ended).
void destroy_descendants(Objects& objects, uint64_t id);
// Forgets what was made from `id` without destroying it (the driver freed it: a descriptor
// pool's sets at vkResetDescriptorPool).
void forget_descendants(Objects& objects, uint64_t id);
void destroy_all(Objects& objects);

}  // namespace gfxrelay::host::vk
