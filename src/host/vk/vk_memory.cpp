// Hand-written decoders for queues and mapped memory. Mapped memory travels as copies
// (docs/protocol.md, "Vulkan streams"): the host maps the whole allocation while the guest has
// it mapped, and the guest writes and reads ranges of it with the relay's own commands. Pipeline
// cache data larger than one reply is read the same way, in parts.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "host/vk/vk_decoding.h"

namespace gfxrelay::host::vk {

namespace {

// Most bytes one gfxrelay_vkReadMemory answers (the reply area holds 64 KiB).
constexpr uint64_t kMaxReadBytes = 48u << 10;
// Room given to vkGetPipelineCacheData past the data's size as last asked: the data may grow
// meanwhile (pipelines another stream makes into the same cache), and a driver may write past
// the size it is given (finding 21).
constexpr size_t kCacheDataSlack = 64u << 10;

// The memory `id` of device `device_id`, mapped by the host; nullptr (with d.error) if not.
Objects::Memory* mapped_memory(Decoding& d, uint64_t id, const char* where) {
  auto it = d.objects.memory.find(id);
  if (it == d.objects.memory.end() || !it->second.mapped)
    return d.fail(where, "memory " + std::to_string(id) + " is not mapped"), nullptr;
  return &it->second;
}

}  // namespace

uint8_t* query_results(Decoding& d, uint32_t query_count, VkDeviceSize stride, size_t data_size) {
  constexpr uint64_t kLargestResult = 12 * 8;  // pipeline statistics and availability, 64-bit
  uint64_t needed = data_size;
  if (query_count > 0) {
    if (stride > gfxrelay::vk::kMaxReplyBytes)
      return d.fail("vkGetQueryPoolResults", "stride too large"), nullptr;
    needed = std::max<uint64_t>(needed, (query_count - 1) * stride + kLargestResult);
  }
  if (needed > gfxrelay::vk::kMaxReplyBytes + kLargestResult)
    return d.fail("vkGetQueryPoolResults", "results larger than a reply"), nullptr;
  return d.arena.make<uint8_t>(std::max<uint64_t>(needed, 1));
}

bool imports_enabled() {
  static const bool enabled = [] {
    const char* off = std::getenv("GFXRELAY_VK_NO_IMPORT");
    return !off || !*off || std::strcmp(off, "0") == 0;
  }();
  return enabled;
}

namespace {

// Reads a device and one of its memory objects (u64 ids).
bool device_and_memory(Decoding& d, const char* where, uint64_t* device_id, VkDevice* device,
                       uint64_t* memory_id, VkDeviceMemory* memory) {
  *device_id = d.r.get<uint64_t>();
  *memory_id = d.r.get<uint64_t>();
  return d.handle(VK_OBJECT_TYPE_DEVICE, *device_id, false, where, device) &&
         d.handle(VK_OBJECT_TYPE_DEVICE_MEMORY, *memory_id, false, where, memory) &&
         d.owned_by(*memory_id, *device_id, where);
}

VkPhysicalDevice physical_device_of(Decoding& d, uint64_t device_id) {
  const Objects::Entry* device = d.objects.find(device_id);
  const Objects::Entry* physical = device ? d.objects.find(device->parent) : nullptr;
  return physical ? from_u64<VkPhysicalDevice>(physical->host) : VK_NULL_HANDLE;
}

template <typename External, typename Info>
void chain_host_allocation(Decoding& d, Info& info, VkStructureType type) {
  for (auto* p = static_cast<const VkBaseInStructure*>(info.pNext); p; p = p->pNext)
    if (p->sType == type) return;  // the program chose its own external handle types
  auto* external = d.arena.make<External>(1);
  if (!external) return;
  external->sType = type;
  external->pNext = info.pNext;
  external->handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  info.pNext = external;
}

}  // namespace

void allow_host_memory(Decoding& d, uint64_t device_id, VkBufferCreateInfo& info) {
  if (!d.objects.devices[device_id].imports) return;
  chain_host_allocation<VkExternalMemoryBufferCreateInfo>(
      d, info, VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO);
}

void allow_host_memory(Decoding& d, uint64_t device_id, VkImageCreateInfo& info,
                       uint64_t image_id) {
  if (!d.objects.devices[device_id].imports) return;
  // Until the structure is chained below (0: a requirements query, no image).
  if (image_id) d.objects.plain_images.insert(image_id);
  // External memory images start UNDEFINED (VUID-VkImageCreateInfo-pNext-01443).
  if (info.initialLayout != VK_IMAGE_LAYOUT_UNDEFINED) return;
  // Only where the driver can import memory for such an image.
  VkPhysicalDeviceExternalImageFormatInfo external{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO, nullptr,
      VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT};
  VkPhysicalDeviceImageFormatInfo2 query{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_FORMAT_INFO_2,
                                         &external,
                                         info.format,
                                         info.imageType,
                                         info.tiling,
                                         info.usage,
                                         info.flags};
  VkExternalImageFormatProperties external_properties{};
  external_properties.sType = VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES;
  VkImageFormatProperties2 properties{};
  properties.sType = VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2;
  properties.pNext = &external_properties;
  if (vkGetPhysicalDeviceImageFormatProperties2(physical_device_of(d, device_id), &query,
                                                &properties) != VK_SUCCESS ||
      !(external_properties.externalMemoryProperties.externalMemoryFeatures &
        VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT))
    return;
  chain_host_allocation<VkExternalMemoryImageCreateInfo>(
      d, info, VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO);
  d.objects.plain_images.erase(image_id);
}

void note_binding(Decoding& d, uint64_t memory_id) {
  if (auto it = d.objects.memory.find(memory_id); it != d.objects.memory.end())
    it->second.bound = true;
}

void note_bindings(Decoding& d, uint32_t count, const VkBindBufferMemoryInfo* infos) {
  for (uint32_t i = 0; infos && i < count; ++i)
    note_binding(d, d.objects.find_id(VK_OBJECT_TYPE_DEVICE_MEMORY, to_u64(infos[i].memory)));
}

bool before_image_bindings(Decoding& d, uint64_t device_id, uint32_t count,
                           VkBindImageMemoryInfo* infos) {
  for (uint32_t i = 0; infos && i < count; ++i) {
    // A binding to swapchain memory (VkBindImageMemorySwapchainInfoKHR) has no memory.
    if (!infos[i].memory) continue;
    const uint64_t image_id = d.objects.find_id(VK_OBJECT_TYPE_IMAGE, to_u64(infos[i].image));
    const uint64_t memory_id =
        d.objects.find_id(VK_OBJECT_TYPE_DEVICE_MEMORY, to_u64(infos[i].memory));
    if (!before_image_binding(d, device_id, image_id, memory_id, &infos[i].memory)) return false;
  }
  return true;
}

bool before_image_binding(Decoding& d, uint64_t device_id, uint64_t image_id, uint64_t memory_id,
                          VkDeviceMemory* memory) {
  auto it = d.objects.memory.find(memory_id);
  if (it == d.objects.memory.end()) return true;
  Objects::Memory& m = it->second;
  if (m.shared >= 0 && d.objects.plain_images.count(image_id) && !m.bound && !m.mapped) {
    VkDevice device = VK_NULL_HANDLE;
    if (!d.handle(VK_OBJECT_TYPE_DEVICE, device_id, false, "vkBindImageMemory", &device))
      return false;
    VkMemoryAllocateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    info.allocationSize = m.size;
    info.memoryTypeIndex = m.type;
    VkDeviceMemory replacement = VK_NULL_HANDLE;
    if (vkAllocateMemory(device, &info, nullptr, &replacement) != VK_SUCCESS)
      return d.fail("vkBindImageMemory", "no memory for an image that cannot take shared memory");
    vkFreeMemory(device, *memory, nullptr);
    d.objects.shared_ranges.erase(static_cast<uint64_t>(m.shared));
    m.shared = -1;
    *memory = replacement;
    d.objects.add(memory_id, VK_OBJECT_TYPE_DEVICE_MEMORY, to_u64(replacement), device_id);
  }
  m.bound = true;
  return true;
}

// Wire: u64 device, u32 1 + VkMemoryAllocateInfo, u64 new id. Host-visible memory is imported
// from the stream's shared memory where the device can (the guest then maps it in place);
// otherwise it is allocated as asked and mapped as copies.
bool decode_vkAllocateMemory(Decoding& d) {
  const char* where = "vkAllocateMemory";
  const uint64_t device_id = d.r.get<uint64_t>();
  VkDevice device = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_DEVICE, device_id, false, where, &device)) return false;
  VkMemoryAllocateInfo info{};
  if (d.r.get<uint32_t>() != 1u || !get(d, info)) return d.fail(where, "bad pAllocateInfo");
  const uint64_t id = d.r.get<uint64_t>();
  if (!d.fresh_id(id, where)) return false;
  if (!d.at_end()) return d.fail(where, "malformed command");

  Objects::Memory memory;
  memory.size = info.allocationSize;
  VkPhysicalDeviceMemoryProperties properties{};
  vkGetPhysicalDeviceMemoryProperties(physical_device_of(d, device_id), &properties);
  VkMemoryPropertyFlags flags = 0;
  if (info.memoryTypeIndex < properties.memoryTypeCount)
    flags = properties.memoryTypes[info.memoryTypeIndex].propertyFlags;
  memory.coherent = flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  memory.type = info.memoryTypeIndex;

  VkDeviceMemory handle = VK_NULL_HANDLE;
  VkResult result = VK_ERROR_OUT_OF_HOST_MEMORY;
  // Past the session's memory, as a device out of memory.
  if (info.allocationSize > static_cast<uint64_t>(INT64_MAX) ||
      !d.objects.quota().reserve_memory(static_cast<int64_t>(info.allocationSize))) {
    d.objects.unreserve();
    d.reply.put<VkResult>(VK_ERROR_OUT_OF_DEVICE_MEMORY);
    return d.finish_reply();
  }
  const Objects::Device& dev = d.objects.devices[device_id];
  const uint64_t align = dev.import_alignment;
  if (dev.imports && (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) && info.allocationSize > 0 &&
      info.allocationSize <= d.shared_memory().size()) {
    const uint64_t size = (info.allocationSize + align - 1) / align * align;
    const int64_t offset = d.objects.allocate_shared(size, align, d.shared_memory().size());
    if (offset >= 0) {
      void* at = d.shared_memory().data() + offset;
      VkMemoryHostPointerPropertiesEXT pointer{};
      pointer.sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT;
      VkImportMemoryHostPointerInfoEXT import{
          VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT, info.pNext,
          VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, at};
      VkMemoryAllocateInfo imported = info;
      imported.pNext = &import;
      imported.allocationSize = size;
      if (dev.host_pointer_properties(device,
                                      VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, at,
                                      &pointer) == VK_SUCCESS &&
          (pointer.memoryTypeBits >> info.memoryTypeIndex & 1))
        result = vkAllocateMemory(device, &imported, nullptr, &handle);
      if (result == VK_SUCCESS)
        memory.shared = offset;
      else
        d.objects.shared_ranges.erase(static_cast<uint64_t>(offset));
    }
  }
  if (memory.shared < 0) result = vkAllocateMemory(device, &info, nullptr, &handle);
  if (result == VK_SUCCESS) {
    d.objects.add(id, VK_OBJECT_TYPE_DEVICE_MEMORY, to_u64(handle), device_id);
    d.objects.memory[id] = memory;  // its size goes back to the quota when it goes
  } else {
    d.objects.quota().release_memory(static_cast<int64_t>(info.allocationSize));
    d.objects.unreserve();
  }
  d.reply.put<VkResult>(result);
  return d.finish_reply();
}

// Wire: u64 device, u32 queue family, u32 index, u64 the queue's new id.
// Only queues the device was made with.
bool decode_vkGetDeviceQueue(Decoding& d) {
  const char* where = "vkGetDeviceQueue";
  const uint64_t device_id = d.r.get<uint64_t>();
  VkDevice device = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_DEVICE, device_id, false, where, &device)) return false;
  const uint32_t family = d.r.get<uint32_t>();
  const uint32_t index = d.r.get<uint32_t>();
  const uint64_t id = d.r.get<uint64_t>();
  if (!d.at_end()) return d.fail(where, "malformed command");
  if (!d.fresh_id(id, where)) return false;
  const auto& queues = d.objects.devices[device_id].queues;
  auto it = queues.find(family);
  if (it == queues.end() || index >= it->second)
    return d.fail(where, "the device has no queue " + std::to_string(index) + " in family " +
                             std::to_string(family));
  VkQueue queue = VK_NULL_HANDLE;
  vkGetDeviceQueue(device, family, index, &queue);
  d.objects.add(id, VK_OBJECT_TYPE_QUEUE, to_u64(queue), device_id);
  return true;
}

// Wire: u64 device, u64 memory, u64 offset, u64 size, u32 flags. Reply: VkResult, u64 size of
// the mapping (VK_WHOLE_SIZE resolved), u32 coherent, u64 the mapping's offset in the transfer
// area for imported memory (UINT64_MAX: copies).
bool decode_vkMapMemory(Decoding& d) {
  const char* where = "vkMapMemory";
  uint64_t device_id = 0, memory_id = 0;
  VkDevice device = VK_NULL_HANDLE;
  VkDeviceMemory handle = VK_NULL_HANDLE;
  if (!device_and_memory(d, where, &device_id, &device, &memory_id, &handle)) return false;
  const uint64_t offset = d.r.get<uint64_t>();
  uint64_t size = d.r.get<uint64_t>();
  d.r.get<uint32_t>();  // flags: none defined
  if (!d.at_end()) return d.fail(where, "malformed command");
  Objects::Memory& memory = d.objects.memory[memory_id];
  if (size == VK_WHOLE_SIZE && offset <= memory.size) size = memory.size - offset;
  VkResult result = VK_SUCCESS;
  uint64_t shared = UINT64_MAX;  // where the guest finds imported memory in the transfer area
  if (memory.mapped || offset >= memory.size || size == 0 || size > memory.size - offset) {
    result = VK_ERROR_MEMORY_MAP_FAILED;  // mapped twice or outside the allocation
  } else {
    // Imported memory is mapped on the host too: flushes and invalidations the guest forwards
    // need a mapping (and the host's is the same memory).
    void* p = nullptr;
    result = vkMapMemory(device, handle, 0, VK_WHOLE_SIZE, 0, &p);
    if (result == VK_SUCCESS) memory.mapped = static_cast<uint8_t*>(p);
    if (result == VK_SUCCESS && memory.shared >= 0)
      shared = static_cast<uint64_t>(memory.shared) + offset;
  }
  d.reply.put<VkResult>(result);
  d.reply.put<uint64_t>(result == VK_SUCCESS ? size : 0);
  d.reply.put<uint32_t>(memory.coherent ? 1 : 0);
  d.reply.put<uint64_t>(result == VK_SUCCESS ? shared : UINT64_MAX);
  return d.finish_reply();
}

// Wire: u64 device, u64 memory (after the guest wrote back what it changed).
bool decode_vkUnmapMemory(Decoding& d) {
  const char* where = "vkUnmapMemory";
  uint64_t device_id = 0, memory_id = 0;
  VkDevice device = VK_NULL_HANDLE;
  VkDeviceMemory handle = VK_NULL_HANDLE;
  if (!device_and_memory(d, where, &device_id, &device, &memory_id, &handle)) return false;
  if (!d.at_end()) return d.fail(where, "malformed command");
  Objects::Memory* memory = mapped_memory(d, memory_id, where);
  if (!memory) return false;
  vkUnmapMemory(device, handle);
  memory->mapped = nullptr;
  return true;
}

// Wire: u64 memory, u64 offset in the allocation, u32 length, u32 0, bytes (padded to 8).
bool decode_gfxrelay_vkWriteMemory(Decoding& d) {
  const char* where = "gfxrelay_vkWriteMemory";
  const uint64_t memory_id = d.r.get<uint64_t>();
  const uint64_t offset = d.r.get<uint64_t>();
  const uint32_t length = d.r.get<uint32_t>();
  d.r.get<uint32_t>();
  std::span<const uint8_t> bytes = d.r.bytes(length);
  if (!d.at_end()) return d.fail(where, "malformed command");
  Objects::Memory* memory = mapped_memory(d, memory_id, where);
  if (!memory) return false;
  if (offset > memory->size || length > memory->size - offset)
    return d.fail(where, "range outside the allocation");
  std::memcpy(memory->mapped + offset, bytes.data(), length);
  return true;
}

// Wire: u64 memory, u64 offset in the allocation, u32 length (at most 48 KiB), u32 0. Reply: the
// bytes.
bool decode_gfxrelay_vkReadMemory(Decoding& d) {
  const char* where = "gfxrelay_vkReadMemory";
  const uint64_t memory_id = d.r.get<uint64_t>();
  const uint64_t offset = d.r.get<uint64_t>();
  const uint32_t length = d.r.get<uint32_t>();
  d.r.get<uint32_t>();
  if (!d.at_end()) return d.fail(where, "malformed command");
  Objects::Memory* memory = mapped_memory(d, memory_id, where);
  if (!memory) return false;
  if (length > kMaxReadBytes || offset > memory->size || length > memory->size - offset)
    return d.fail(where, "range outside the allocation or too long");
  d.reply.put_raw(memory->mapped + offset, length);
  return d.finish_reply();
}

uint8_t* whole_cache_data_buffer(Decoding& d, VkDevice device, VkPipelineCache cache, size_t size) {
  size_t whole = 0;
  if (vkGetPipelineCacheData(device, cache, &whole, nullptr) != VK_SUCCESS) whole = 0;
  uint8_t* buffer = d.arena.make<uint8_t>(std::max(size, whole) + kCacheDataSlack);
  if (!buffer) d.fail("vkGetPipelineCacheData", "pipeline cache data past the command's memory");
  return buffer;
}

// Wire: u64 device, u64 pipeline cache, u64 offset, u32 length (at most 48 KiB - 16), u32 0.
// Reply: VkResult, u32 0, u64 the size of the whole data, then its bytes from `offset` (at most
// `length`). The data is taken from the driver at offset 0 and kept until its end is read.
bool decode_gfxrelay_vkGetPipelineCacheDataPart(Decoding& d) {
  const char* where = "gfxrelay_vkGetPipelineCacheDataPart";
  const uint64_t id_device = d.r.get<uint64_t>();
  VkDevice device = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_DEVICE, id_device, false, where, &device)) return false;
  const uint64_t id_cache = d.r.get<uint64_t>();
  VkPipelineCache cache = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_PIPELINE_CACHE, id_cache, false, where, &cache)) return false;
  const uint64_t offset = d.r.get<uint64_t>();
  const uint32_t length = d.r.get<uint32_t>();
  d.r.get<uint32_t>();
  if (!d.at_end()) return d.fail(where, "malformed command");
  if (!d.owned_by(id_cache, d.objects.device_of(id_device), where)) return false;
  if (length > kMaxReadBytes - 16) return d.fail(where, "part longer than a reply");
  Objects::CacheData& data = d.objects.cache_data;
  if (offset == 0 || data.cache != id_cache) {
    data = {id_cache, VK_SUCCESS, {}};
    size_t size = 0;
    data.result = vkGetPipelineCacheData(device, cache, &size, nullptr);
    if (data.result == VK_SUCCESS && size > 0) {
      // The copy must fit what the session may still hold (checked, not counted: it lives only
      // while the guest reads it).
      if (!d.objects.quota().reserve_memory(static_cast<int64_t>(size)))
        return d.fail(where, "pipeline cache data past the session's memory");
      data.bytes.resize(size + kCacheDataSlack);
      d.objects.quota().release_memory(static_cast<int64_t>(size));
      size_t asked = size;
      data.result = vkGetPipelineCacheData(device, cache, &asked, data.bytes.data());
      data.bytes.resize(std::min(asked, size));
    }
  }
  const uint64_t total = data.bytes.size();
  const uint64_t n = offset < total ? std::min<uint64_t>(length, total - offset) : 0;
  d.reply.put<VkResult>(data.result);
  d.reply.put<uint32_t>(0);
  d.reply.put<uint64_t>(total);
  if (n) d.reply.put_raw(data.bytes.data() + offset, n);
  if (offset + n >= total) data = {};
  return d.finish_reply();
}

}  // namespace gfxrelay::host::vk
