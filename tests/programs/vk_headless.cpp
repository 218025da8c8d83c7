// A headless swapchain (VK_EXT_headless_surface): the surface's capabilities, then three frames
// acquired (a semaphore), filled from a buffer, presented (another semaphore). Prints what the
// surface offers and how many presents succeeded. lavapipe has no headless surface, so this
// runs relayed only (the guest driver's); natively it says so and exits 77.
#include <vulkan/vulkan.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "vk_helpers.h"

using vk_test::check;

int main() {
  const char* instance_extensions[] = {VK_KHR_SURFACE_EXTENSION_NAME,
                                       VK_EXT_HEADLESS_SURFACE_EXTENSION_NAME};
  uint32_t n = 0;
  vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> offered(n);
  vkEnumerateInstanceExtensionProperties(nullptr, &n, offered.data());
  bool headless = false;
  for (const auto& e : offered)
    headless |= std::strcmp(e.extensionName, VK_EXT_HEADLESS_SURFACE_EXTENSION_NAME) == 0;
  if (!headless) {
    std::printf("vk_headless: no VK_EXT_headless_surface here\n");
    return 77;
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo instance_info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  instance_info.pApplicationInfo = &app;
  instance_info.enabledExtensionCount = 2;
  instance_info.ppEnabledExtensionNames = instance_extensions;
  VkInstance instance;
  check(vkCreateInstance(&instance_info, nullptr, &instance), "vkCreateInstance");
  uint32_t count = 1;
  VkPhysicalDevice physical;
  vkEnumeratePhysicalDevices(instance, &count, &physical);

  auto create_surface = reinterpret_cast<PFN_vkCreateHeadlessSurfaceEXT>(
      vkGetInstanceProcAddr(instance, "vkCreateHeadlessSurfaceEXT"));
  VkHeadlessSurfaceCreateInfoEXT surface_info{VK_STRUCTURE_TYPE_HEADLESS_SURFACE_CREATE_INFO_EXT};
  VkSurfaceKHR surface;
  check(create_surface(instance, &surface_info, nullptr, &surface), "vkCreateHeadlessSurfaceEXT");
  VkBool32 supported = VK_FALSE;
  check(vkGetPhysicalDeviceSurfaceSupportKHR(physical, 0, surface, &supported),
        "vkGetPhysicalDeviceSurfaceSupportKHR");
  VkSurfaceCapabilitiesKHR caps;
  check(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(physical, surface, &caps),
        "vkGetPhysicalDeviceSurfaceCapabilitiesKHR");
  std::printf("surface: supported %u, extent %s, %u to %u images\n", supported,
              caps.currentExtent.width == 0xFFFFFFFFu ? "the swapchain's" : "fixed",
              caps.minImageCount, caps.maxImageCount);

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  const char* device_extensions[] = {VK_KHR_SWAPCHAIN_EXTENSION_NAME};
  VkDeviceCreateInfo device_info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  device_info.enabledExtensionCount = 1;
  device_info.ppEnabledExtensionNames = device_extensions;
  VkDevice device;
  check(vkCreateDevice(physical, &device_info, nullptr, &device), "vkCreateDevice");
  VkQueue queue;
  vkGetDeviceQueue(device, 0, 0, &queue);

  constexpr uint32_t kSize = 32;
  VkSwapchainCreateInfoKHR swapchain_info{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
  swapchain_info.surface = surface;
  swapchain_info.minImageCount = caps.minImageCount;
  swapchain_info.imageFormat = VK_FORMAT_B8G8R8A8_UNORM;
  swapchain_info.imageColorSpace = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
  swapchain_info.imageExtent = {kSize, kSize};
  swapchain_info.imageArrayLayers = 1;
  swapchain_info.imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  swapchain_info.preTransform = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
  swapchain_info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  swapchain_info.presentMode = VK_PRESENT_MODE_FIFO_KHR;
  swapchain_info.clipped = VK_TRUE;
  VkSwapchainKHR swapchain;
  check(vkCreateSwapchainKHR(device, &swapchain_info, nullptr, &swapchain), "vkCreateSwapchainKHR");
  vkGetSwapchainImagesKHR(device, swapchain, &count, nullptr);
  std::vector<VkImage> images(count);
  vkGetSwapchainImagesKHR(device, swapchain, &count, images.data());

  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  VkCommandPool pool;
  check(vkCreateCommandPool(device, &pool_info, nullptr, &pool), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo command_info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  command_info.commandPool = pool;
  command_info.commandBufferCount = 1;
  VkCommandBuffer commands;
  check(vkAllocateCommandBuffers(device, &command_info, &commands), "vkAllocateCommandBuffers");
  VkSemaphoreCreateInfo semaphore_info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  VkSemaphore acquired, rendered;
  vkCreateSemaphore(device, &semaphore_info, nullptr, &acquired);
  vkCreateSemaphore(device, &semaphore_info, nullptr, &rendered);

  // Each frame: the image filled with its frame's colour (a buffer of texels copied in).
  VkBufferCreateInfo buffer_info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  buffer_info.size = kSize * kSize * 4;
  buffer_info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
  VkBuffer texels;
  check(vkCreateBuffer(device, &buffer_info, nullptr, &texels), "vkCreateBuffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device, texels, &req);
  VkMemoryAllocateInfo allocate{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  allocate.allocationSize = req.size;
  VkDeviceMemory memory;
  check(vkAllocateMemory(device, &allocate, nullptr, &memory), "vkAllocateMemory");
  check(vkBindBufferMemory(device, texels, memory, 0), "vkBindBufferMemory");
  uint32_t* mapped = nullptr;
  check(vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, reinterpret_cast<void**>(&mapped)),
        "vkMapMemory");
  uint32_t presented = 0;
  for (uint32_t frame = 0; frame < 3; ++frame) {
    uint32_t index = 0;
    check(vkAcquireNextImageKHR(device, swapchain, UINT64_MAX, acquired, VK_NULL_HANDLE, &index),
          "vkAcquireNextImageKHR");
    for (uint32_t i = 0; i < kSize * kSize; ++i) mapped[i] = 0xFF000000u | (frame * 0x402010u + i);
    vkResetCommandBuffer(commands, 0);
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkBeginCommandBuffer(commands, &begin);
    VkImageMemoryBarrier barrier{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    barrier.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.image = images[index];
    barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         0, 0, nullptr, 0, nullptr, 1, &barrier);
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {kSize, kSize, 1};
    vkCmdCopyBufferToImage(commands, texels, images[index], VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1,
                           &region);
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = 0;
    barrier.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    barrier.newLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, nullptr, 0, nullptr, 1,
                         &barrier);
    vkEndCommandBuffer(commands);
    const VkPipelineStageFlags stage = VK_PIPELINE_STAGE_TRANSFER_BIT;
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.waitSemaphoreCount = 1;
    submit.pWaitSemaphores = &acquired;
    submit.pWaitDstStageMask = &stage;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    submit.signalSemaphoreCount = 1;
    submit.pSignalSemaphores = &rendered;
    check(vkQueueSubmit(queue, 1, &submit, VK_NULL_HANDLE), "vkQueueSubmit");
    VkPresentInfoKHR present{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
    present.waitSemaphoreCount = 1;
    present.pWaitSemaphores = &rendered;
    present.swapchainCount = 1;
    present.pSwapchains = &swapchain;
    present.pImageIndices = &index;
    if (vkQueuePresentKHR(queue, &present) == VK_SUCCESS) ++presented;
    check(vkQueueWaitIdle(queue), "vkQueueWaitIdle");
  }
  std::printf("presented %u of 3 frames\n", presented);

  vkUnmapMemory(device, memory);
  vkDestroyBuffer(device, texels, nullptr);
  vkFreeMemory(device, memory, nullptr);
  vkDestroySemaphore(device, acquired, nullptr);
  vkDestroySemaphore(device, rendered, nullptr);
  vkDestroyCommandPool(device, pool, nullptr);
  vkDestroySwapchainKHR(device, swapchain, nullptr);
  vkDestroyDevice(device, nullptr);
  vkDestroySurfaceKHR(instance, surface, nullptr);
  vkDestroyInstance(instance, nullptr);
  return presented == 3 ? 0 : 1;
}
