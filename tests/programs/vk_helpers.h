// What the headless Vulkan test programs share: failing loudly, and an instance, physical
// device, device and queue of the first queue family with the flags asked for.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace vk_test {

inline void check(VkResult result, const char* what) {
  if (result != VK_SUCCESS) {
    std::fprintf(stderr, "%s failed (%d)\n", what, result);
    std::exit(1);
  }
}

struct Gpu {
  VkInstance instance;
  VkPhysicalDevice physical;
  uint32_t family;
  VkDevice device;
  VkQueue queue;
};

// `features`: chained to VkDeviceCreateInfo (or null).
inline Gpu open_gpu(const char* program, uint32_t api_version, VkQueueFlags queue_flags,
                    const void* features) {
  Gpu gpu{};
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = program;
  app.apiVersion = api_version;
  VkInstanceCreateInfo instance_info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  instance_info.pApplicationInfo = &app;
  check(vkCreateInstance(&instance_info, nullptr, &gpu.instance), "vkCreateInstance");
  uint32_t count = 1;
  const VkResult enumerated = vkEnumeratePhysicalDevices(gpu.instance, &count, &gpu.physical);
  if ((enumerated != VK_SUCCESS && enumerated != VK_INCOMPLETE) || count == 0) {
    std::fprintf(stderr, "%s: no physical device\n", program);
    std::exit(1);
  }
  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(gpu.physical, &families, nullptr);
  std::vector<VkQueueFamilyProperties> family_properties(families);
  vkGetPhysicalDeviceQueueFamilyProperties(gpu.physical, &families, family_properties.data());
  while (gpu.family < families && !(family_properties[gpu.family].queueFlags & queue_flags))
    ++gpu.family;
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = gpu.family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkDeviceCreateInfo device_info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  device_info.pNext = features;
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  check(vkCreateDevice(gpu.physical, &device_info, nullptr, &gpu.device), "vkCreateDevice");
  vkGetDeviceQueue(gpu.device, gpu.family, 0, &gpu.queue);
  return gpu;
}

}  // namespace vk_test
