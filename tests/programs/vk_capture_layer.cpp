// A Vulkan layer for the tests: writes the image a program presents at frame N (1-based) to a
// PPM file, then lets the present go on. The same layer on top of lavapipe natively and on top
// of the relay's guest driver gives two captures of the same frame to compare pixel for pixel.
//
//   VK_LAYER_PATH=<folder of VkLayer_gfxrelay_capture.json>
//   VK_INSTANCE_LAYERS=VK_LAYER_GFXRELAY_capture
//   GFXRELAY_CAPTURE_FRAME=N GFXRELAY_CAPTURE_PATH=out.ppm
#include <vulkan/vk_layer.h>
#include <vulkan/vulkan.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace {

// The loader's dispatch table pointer: the first word of every dispatchable object.
void* key(const void* dispatchable) {
  return *static_cast<void* const*>(dispatchable);
}

struct InstanceData {
  PFN_vkGetInstanceProcAddr next_gipa;
  PFN_vkGetPhysicalDeviceMemoryProperties memory_properties;
};

struct SwapchainData {
  VkFormat format;
  VkExtent2D extent;
};

struct DeviceData {
  VkDevice device;
  VkPhysicalDevice physical;
  InstanceData* instance;
  PFN_vkGetDeviceProcAddr next_gdpa;
  PFN_vkCreateSwapchainKHR create_swapchain;
  PFN_vkQueuePresentKHR present;
  std::map<VkSwapchainKHR, SwapchainData> swapchains;
  uint32_t frames = 0;
};

std::mutex mutex;
std::map<void*, InstanceData> instances;
std::map<void*, InstanceData*> physical_instances;  // physical device key -> instance data
std::map<void*, DeviceData> devices;                // device and queue key -> device data

template <typename T>
T device_proc(DeviceData& d, const char* name) {
  return reinterpret_cast<T>(d.next_gdpa(d.device, name));
}

uint32_t memory_type(DeviceData& d, uint32_t bits) {
  VkPhysicalDeviceMemoryProperties properties;
  d.instance->memory_properties(d.physical, &properties);
  const VkMemoryPropertyFlags wanted =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (uint32_t i = 0; i < properties.memoryTypeCount; ++i)
    if ((bits >> i & 1) && (properties.memoryTypes[i].propertyFlags & wanted) == wanted) return i;
  return 0;
}

// Copies `image` (in PRESENT_SRC layout) on `queue` after `waits` and writes it as a PPM.
void capture(DeviceData& d, VkQueue queue, VkImage image, const SwapchainData& s,
             const VkPresentInfoKHR* info, const char* path) {
  auto create_buffer = device_proc<PFN_vkCreateBuffer>(d, "vkCreateBuffer");
  auto requirements =
      device_proc<PFN_vkGetBufferMemoryRequirements>(d, "vkGetBufferMemoryRequirements");
  auto allocate = device_proc<PFN_vkAllocateMemory>(d, "vkAllocateMemory");
  auto bind = device_proc<PFN_vkBindBufferMemory>(d, "vkBindBufferMemory");
  auto map = device_proc<PFN_vkMapMemory>(d, "vkMapMemory");
  auto create_pool = device_proc<PFN_vkCreateCommandPool>(d, "vkCreateCommandPool");
  auto allocate_commands = device_proc<PFN_vkAllocateCommandBuffers>(d, "vkAllocateCommandBuffers");
  auto begin = device_proc<PFN_vkBeginCommandBuffer>(d, "vkBeginCommandBuffer");
  auto barrier = device_proc<PFN_vkCmdPipelineBarrier>(d, "vkCmdPipelineBarrier");
  auto copy = device_proc<PFN_vkCmdCopyImageToBuffer>(d, "vkCmdCopyImageToBuffer");
  auto end = device_proc<PFN_vkEndCommandBuffer>(d, "vkEndCommandBuffer");
  auto submit = device_proc<PFN_vkQueueSubmit>(d, "vkQueueSubmit");
  auto wait_idle = device_proc<PFN_vkQueueWaitIdle>(d, "vkQueueWaitIdle");

  VkBufferCreateInfo buffer_info{};
  buffer_info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  buffer_info.size = VkDeviceSize{s.extent.width} * s.extent.height * 4;
  buffer_info.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  VkBuffer buffer;
  create_buffer(d.device, &buffer_info, nullptr, &buffer);
  VkMemoryRequirements req;
  requirements(d.device, buffer, &req);
  VkMemoryAllocateInfo allocate_info{};
  allocate_info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  allocate_info.allocationSize = req.size;
  allocate_info.memoryTypeIndex = memory_type(d, req.memoryTypeBits);
  VkDeviceMemory memory;
  allocate(d.device, &allocate_info, nullptr, &memory);
  bind(d.device, buffer, memory, 0);
  VkCommandPoolCreateInfo pool_info{};
  pool_info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  VkCommandPool pool;
  create_pool(d.device, &pool_info, nullptr, &pool);
  VkCommandBufferAllocateInfo command_info{};
  command_info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  command_info.commandPool = pool;
  command_info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  command_info.commandBufferCount = 1;
  VkCommandBuffer commands;
  allocate_commands(d.device, &command_info, &commands);
  // The loader's dispatch table for the new command buffer (layers must set it).
  *reinterpret_cast<void**>(commands) = key(d.device);
  VkCommandBufferBeginInfo begin_info{};
  begin_info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin(commands, &begin_info);
  VkImageMemoryBarrier to_copy{};
  to_copy.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER;
  to_copy.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
  to_copy.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  to_copy.oldLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
  to_copy.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
  to_copy.srcQueueFamilyIndex = to_copy.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  to_copy.image = image;
  to_copy.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  barrier(commands, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
          0, 0, nullptr, 0, nullptr, 1, &to_copy);
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = {s.extent.width, s.extent.height, 1};
  copy(commands, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffer, 1, &region);
  VkImageMemoryBarrier back = to_copy;
  back.srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  back.dstAccessMask = 0;
  back.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
  back.newLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
  barrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0,
          nullptr, 0, nullptr, 1, &back);
  end(commands);
  std::vector<VkPipelineStageFlags> stages(info->waitSemaphoreCount,
                                           VK_PIPELINE_STAGE_TRANSFER_BIT);
  VkSubmitInfo submit_info{};
  submit_info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit_info.waitSemaphoreCount = info->waitSemaphoreCount;
  submit_info.pWaitSemaphores = info->pWaitSemaphores;
  submit_info.pWaitDstStageMask = stages.data();
  submit_info.commandBufferCount = 1;
  submit_info.pCommandBuffers = &commands;
  submit(queue, 1, &submit_info, VK_NULL_HANDLE);
  wait_idle(queue);
  void* data = nullptr;
  map(d.device, memory, 0, VK_WHOLE_SIZE, 0, &data);
  if (std::FILE* f = std::fopen(path, "wb")) {
    std::fprintf(f, "P6\n%u %u\n255\n", s.extent.width, s.extent.height);
    const bool bgra = s.format == VK_FORMAT_B8G8R8A8_UNORM || s.format == VK_FORMAT_B8G8R8A8_SRGB;
    const auto* p = static_cast<const uint8_t*>(data);
    for (uint64_t i = 0; i < uint64_t{s.extent.width} * s.extent.height; ++i, p += 4) {
      const uint8_t rgb[3] = {bgra ? p[2] : p[0], p[1], bgra ? p[0] : p[2]};
      std::fwrite(rgb, 1, 3, f);
    }
    std::fclose(f);
  }
  // Left for the device's destruction: the test program ends soon after.
}

VKAPI_ATTR VkResult VKAPI_CALL CreateSwapchainKHR(VkDevice device,
                                                  const VkSwapchainCreateInfoKHR* info,
                                                  const VkAllocationCallbacks* allocator,
                                                  VkSwapchainKHR* swapchain) {
  std::lock_guard lock(mutex);
  DeviceData& d = devices[key(device)];
  VkSwapchainCreateInfoKHR copy = *info;
  copy.imageUsage |= VK_IMAGE_USAGE_TRANSFER_SRC_BIT;  // for the capture
  const VkResult result = d.create_swapchain(device, &copy, allocator, swapchain);
  if (result == VK_SUCCESS) d.swapchains[*swapchain] = {info->imageFormat, info->imageExtent};
  return result;
}

VKAPI_ATTR VkResult VKAPI_CALL QueuePresentKHR(VkQueue queue, const VkPresentInfoKHR* info) {
  std::lock_guard lock(mutex);
  DeviceData& d = devices[key(queue)];
  const char* frame = std::getenv("GFXRELAY_CAPTURE_FRAME");
  const char* path = std::getenv("GFXRELAY_CAPTURE_PATH");
  if (++d.frames == (frame ? std::strtoul(frame, nullptr, 10) : 0) && path &&
      info->swapchainCount > 0) {
    auto images = device_proc<PFN_vkGetSwapchainImagesKHR>(d, "vkGetSwapchainImagesKHR");
    uint32_t n = 0;
    images(d.device, info->pSwapchains[0], &n, nullptr);
    std::vector<VkImage> all(n);
    images(d.device, info->pSwapchains[0], &n, all.data());
    capture(d, queue, all[info->pImageIndices[0]], d.swapchains[info->pSwapchains[0]], info, path);
    VkPresentInfoKHR waited = *info;  // the capture waited for the semaphores already
    waited.waitSemaphoreCount = 0;
    return d.present(queue, &waited);
  }
  return d.present(queue, info);
}

VKAPI_ATTR VkResult VKAPI_CALL CreateInstance(const VkInstanceCreateInfo* info,
                                              const VkAllocationCallbacks* allocator,
                                              VkInstance* instance) {
  auto* link = static_cast<VkLayerInstanceCreateInfo*>(const_cast<void*>(info->pNext));
  while (link && !(link->sType == VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO &&
                   link->function == VK_LAYER_LINK_INFO))
    link = static_cast<VkLayerInstanceCreateInfo*>(const_cast<void*>(link->pNext));
  if (!link) return VK_ERROR_INITIALIZATION_FAILED;
  PFN_vkGetInstanceProcAddr next = link->u.pLayerInfo->pfnNextGetInstanceProcAddr;
  link->u.pLayerInfo = link->u.pLayerInfo->pNext;
  auto create = reinterpret_cast<PFN_vkCreateInstance>(next(nullptr, "vkCreateInstance"));
  const VkResult result = create(info, allocator, instance);
  if (result != VK_SUCCESS) return result;
  std::lock_guard lock(mutex);
  InstanceData& data = instances[key(*instance)];
  data.next_gipa = next;
  data.memory_properties = reinterpret_cast<PFN_vkGetPhysicalDeviceMemoryProperties>(
      next(*instance, "vkGetPhysicalDeviceMemoryProperties"));
  auto enumerate = reinterpret_cast<PFN_vkEnumeratePhysicalDevices>(
      next(*instance, "vkEnumeratePhysicalDevices"));
  uint32_t n = 0;
  enumerate(*instance, &n, nullptr);
  std::vector<VkPhysicalDevice> physicals(n);
  enumerate(*instance, &n, physicals.data());
  for (VkPhysicalDevice p : physicals) physical_instances[key(p)] = &data;
  return result;
}

VKAPI_ATTR VkResult VKAPI_CALL CreateDevice(VkPhysicalDevice physical,
                                            const VkDeviceCreateInfo* info,
                                            const VkAllocationCallbacks* allocator,
                                            VkDevice* device) {
  auto* link = static_cast<VkLayerDeviceCreateInfo*>(const_cast<void*>(info->pNext));
  while (link && !(link->sType == VK_STRUCTURE_TYPE_LOADER_DEVICE_CREATE_INFO &&
                   link->function == VK_LAYER_LINK_INFO))
    link = static_cast<VkLayerDeviceCreateInfo*>(const_cast<void*>(link->pNext));
  if (!link) return VK_ERROR_INITIALIZATION_FAILED;
  PFN_vkGetInstanceProcAddr next_gipa = link->u.pLayerInfo->pfnNextGetInstanceProcAddr;
  PFN_vkGetDeviceProcAddr next_gdpa = link->u.pLayerInfo->pfnNextGetDeviceProcAddr;
  link->u.pLayerInfo = link->u.pLayerInfo->pNext;
  auto create = reinterpret_cast<PFN_vkCreateDevice>(next_gipa(nullptr, "vkCreateDevice"));
  const VkResult result = create(physical, info, allocator, device);
  if (result != VK_SUCCESS) return result;
  std::lock_guard lock(mutex);
  DeviceData& d = devices[key(*device)];
  d.device = *device;
  d.physical = physical;
  d.instance = physical_instances[key(physical)];
  d.next_gdpa = next_gdpa;
  d.create_swapchain = device_proc<PFN_vkCreateSwapchainKHR>(d, "vkCreateSwapchainKHR");
  d.present = device_proc<PFN_vkQueuePresentKHR>(d, "vkQueuePresentKHR");
  return result;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL
gfxrelay_capture_GetDeviceProcAddr(VkDevice device, const char* name) {
  if (!std::strcmp(name, "vkCreateSwapchainKHR"))
    return reinterpret_cast<PFN_vkVoidFunction>(CreateSwapchainKHR);
  if (!std::strcmp(name, "vkQueuePresentKHR"))
    return reinterpret_cast<PFN_vkVoidFunction>(QueuePresentKHR);
  if (!std::strcmp(name, "vkGetDeviceProcAddr"))
    return reinterpret_cast<PFN_vkVoidFunction>(gfxrelay_capture_GetDeviceProcAddr);
  std::lock_guard lock(mutex);
  return devices[key(device)].next_gdpa(device, name);
}

__attribute__((visibility("default"))) VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL
gfxrelay_capture_GetInstanceProcAddr(VkInstance instance, const char* name) {
  if (!std::strcmp(name, "vkCreateInstance"))
    return reinterpret_cast<PFN_vkVoidFunction>(CreateInstance);
  if (!std::strcmp(name, "vkCreateDevice"))
    return reinterpret_cast<PFN_vkVoidFunction>(CreateDevice);
  if (!std::strcmp(name, "vkGetInstanceProcAddr"))
    return reinterpret_cast<PFN_vkVoidFunction>(gfxrelay_capture_GetInstanceProcAddr);
  if (!std::strcmp(name, "vkGetDeviceProcAddr") || !std::strcmp(name, "vkCreateSwapchainKHR") ||
      !std::strcmp(name, "vkQueuePresentKHR"))
    return gfxrelay_capture_GetDeviceProcAddr(VK_NULL_HANDLE, name);
  if (!instance) return nullptr;
  std::lock_guard lock(mutex);
  return instances[key(instance)].next_gipa(instance, name);
}

}  // extern "C"
