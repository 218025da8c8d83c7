// Hand-written decoders for queues and mapped memory. Mapped memory travels as copies
// (docs/protocol.md, "Vulkan streams"): the host maps the whole allocation while the guest has
// it mapped, and the guest writes and reads ranges of it with the relay's own commands.
#include <algorithm>
#include <cstring>

#include "host/vk/vk_decoding.h"

namespace gfxrelay::host::vk {

namespace {

// Most bytes one gfxrelay_vkReadMemory answers (the reply area holds 64 KiB).
constexpr uint64_t kMaxReadBytes = 48u << 10;

// The memory `id` of device `device_id`, mapped by the host; nullptr (with d.error) if not.
Objects::Memory* mapped_memory(Decoding& d, uint64_t id, const char* where) {
  auto it = d.objects.memory.find(id);
  if (it == d.objects.memory.end() || !it->second.mapped)
    return d.fail(where, "memory " + std::to_string(id) + " is not mapped"), nullptr;
  return &it->second;
}

}  // namespace

void note_memory(Decoding& d, uint64_t id, uint64_t device_id, const VkMemoryAllocateInfo& info,
                 VkResult result) {
  if (result < 0) return;
  Objects::Memory memory;
  memory.size = info.allocationSize;
  // The type's flags come from the device's physical device.
  const Objects::Entry* device = d.objects.find(device_id);
  const Objects::Entry* physical = device ? d.objects.find(device->parent) : nullptr;
  if (physical) {
    VkPhysicalDeviceMemoryProperties properties{};
    vkGetPhysicalDeviceMemoryProperties(from_u64<VkPhysicalDevice>(physical->host), &properties);
    if (info.memoryTypeIndex < properties.memoryTypeCount)
      memory.coherent = properties.memoryTypes[info.memoryTypeIndex].propertyFlags &
                        VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  }
  d.objects.memory[id] = memory;
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
  const auto& queues = d.objects.device_queues[device_id];
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
// the mapping (VK_WHOLE_SIZE resolved), u32 coherent.
bool decode_vkMapMemory(Decoding& d) {
  const char* where = "vkMapMemory";
  const uint64_t device_id = d.r.get<uint64_t>();
  const uint64_t memory_id = d.r.get<uint64_t>();
  VkDevice device = VK_NULL_HANDLE;
  VkDeviceMemory handle = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_DEVICE, device_id, false, where, &device) ||
      !d.handle(VK_OBJECT_TYPE_DEVICE_MEMORY, memory_id, false, where, &handle) ||
      !d.owned_by(memory_id, device_id, where))
    return false;
  const uint64_t offset = d.r.get<uint64_t>();
  uint64_t size = d.r.get<uint64_t>();
  d.r.get<uint32_t>();  // flags: none defined
  if (!d.at_end()) return d.fail(where, "malformed command");
  Objects::Memory& memory = d.objects.memory[memory_id];
  if (size == VK_WHOLE_SIZE && offset <= memory.size) size = memory.size - offset;
  VkResult result = VK_SUCCESS;
  if (memory.mapped || offset >= memory.size || size == 0 || size > memory.size - offset) {
    result = VK_ERROR_MEMORY_MAP_FAILED;  // mapped twice or outside the allocation
  } else {
    void* p = nullptr;
    result = vkMapMemory(device, handle, 0, VK_WHOLE_SIZE, 0, &p);
    if (result == VK_SUCCESS) memory.mapped = static_cast<uint8_t*>(p);
  }
  d.reply.put<VkResult>(result);
  d.reply.put<uint64_t>(result == VK_SUCCESS ? size : 0);
  d.reply.put<uint32_t>(memory.coherent ? 1 : 0);
  return d.finish_reply();
}

// Wire: u64 device, u64 memory (after the guest wrote back what it changed).
bool decode_vkUnmapMemory(Decoding& d) {
  const char* where = "vkUnmapMemory";
  const uint64_t device_id = d.r.get<uint64_t>();
  const uint64_t memory_id = d.r.get<uint64_t>();
  VkDevice device = VK_NULL_HANDLE;
  VkDeviceMemory handle = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_DEVICE, device_id, false, where, &device) ||
      !d.handle(VK_OBJECT_TYPE_DEVICE_MEMORY, memory_id, false, where, &handle) ||
      !d.owned_by(memory_id, device_id, where))
    return false;
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

}  // namespace gfxrelay::host::vk
