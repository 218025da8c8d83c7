// The hand-written part of fuzz_vulkan's stand-in Vulkan driver (the rest is generated:
// vk_stub_gen.cpp): one physical device with one queue family and one host-visible memory
// type, and device memory that is real memory (the host copies into mapped memory).
#include <vulkan/vulkan.h>

#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace {

std::mutex mutex;
std::map<VkDeviceMemory, std::vector<uint8_t>> memories;
uint64_t next_memory = 1;

}  // namespace

extern "C" {

VKAPI_ATTR VkResult VKAPI_CALL vkEnumerateInstanceVersion(uint32_t* version) {
  *version = VK_API_VERSION_1_3;
  return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL vkEnumeratePhysicalDevices(VkInstance, uint32_t* count,
                                                          VkPhysicalDevice* devices) {
  if (devices && *count >= 1) devices[0] = reinterpret_cast<VkPhysicalDevice>(uintptr_t{0x1000});
  *count = 1;
  return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL vkGetPhysicalDeviceFeatures(VkPhysicalDevice,
                                                       VkPhysicalDeviceFeatures* features) {
  *features = {};
}

VKAPI_ATTR void VKAPI_CALL vkGetPhysicalDeviceMemoryProperties(
    VkPhysicalDevice, VkPhysicalDeviceMemoryProperties* properties) {
  *properties = {};
  properties->memoryTypeCount = 1;
  properties->memoryTypes[0].propertyFlags = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                             VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                             VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  properties->memoryHeapCount = 1;
  properties->memoryHeaps[0].size = uint64_t{1} << 30;
}

VKAPI_ATTR void VKAPI_CALL vkGetPhysicalDeviceQueueFamilyProperties(
    VkPhysicalDevice, uint32_t* count, VkQueueFamilyProperties* families) {
  if (families && *count >= 1) {
    families[0] = {};
    families[0].queueFlags = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT;
    families[0].queueCount = 1;
  }
  *count = 1;
}

VKAPI_ATTR VkResult VKAPI_CALL vkAllocateMemory(VkDevice, const VkMemoryAllocateInfo* info,
                                                const VkAllocationCallbacks*,
                                                VkDeviceMemory* memory) {
  if (info->allocationSize > (64u << 20)) return VK_ERROR_OUT_OF_DEVICE_MEMORY;
  std::lock_guard lock(mutex);
  *memory = reinterpret_cast<VkDeviceMemory>(next_memory++ << 8);
  memories[*memory].assign(info->allocationSize, 0);
  return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL vkFreeMemory(VkDevice, VkDeviceMemory memory,
                                        const VkAllocationCallbacks*) {
  std::lock_guard lock(mutex);
  memories.erase(memory);
}

VKAPI_ATTR VkResult VKAPI_CALL vkMapMemory(VkDevice, VkDeviceMemory memory, VkDeviceSize offset,
                                           VkDeviceSize, VkMemoryMapFlags, void** data) {
  std::lock_guard lock(mutex);
  auto it = memories.find(memory);
  if (it == memories.end() || offset > it->second.size()) return VK_ERROR_MEMORY_MAP_FAILED;
  *data = it->second.data() + offset;
  return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL vkUnmapMemory(VkDevice, VkDeviceMemory) {}

}  // extern "C"
