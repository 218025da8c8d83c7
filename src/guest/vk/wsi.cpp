// Window-system integration in the guest's Vulkan driver: VK_KHR_surface with X11 windows
// (xcb and Xlib surfaces) and headless surfaces (VK_EXT_headless_surface: presenting shows
// nothing), and VK_KHR_swapchain, made of core Vulkan on the host. The loader
// creates the surfaces (VkIcdSurfaceXcb / VkIcdSurfaceXlib: this driver has no surface
// commands of its own); a swapchain's images are host images; presenting copies the image into
// a host-visible buffer on the host and puts its pixels into the window (x11/window_presenter,
// as GL frames are). The host never sees a window or a surface.
#define VK_USE_PLATFORM_XCB_KHR
#define VK_USE_PLATFORM_XLIB_KHR
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "guest/connection.h"
#include "guest/vk/guest_support.h"
#include "guest/x11/window_presenter.h"

namespace gfxrelay::guest::vk {

namespace {

// The extensions only the guest has: offered on top of the host's, never sent to it.
constexpr VkExtensionProperties kGuestInstanceExtensions[] = {
    {VK_KHR_SURFACE_EXTENSION_NAME, VK_KHR_SURFACE_SPEC_VERSION},
    {VK_KHR_XCB_SURFACE_EXTENSION_NAME, VK_KHR_XCB_SURFACE_SPEC_VERSION},
    {VK_KHR_XLIB_SURFACE_EXTENSION_NAME, VK_KHR_XLIB_SURFACE_SPEC_VERSION},
    {VK_EXT_HEADLESS_SURFACE_EXTENSION_NAME, VK_EXT_HEADLESS_SURFACE_SPEC_VERSION},
};
constexpr VkExtensionProperties kGuestDeviceExtensions[] = {
    {VK_KHR_SWAPCHAIN_EXTENSION_NAME, VK_KHR_SWAPCHAIN_SPEC_VERSION},
};
// The surface formats a swapchain offers (B,G,R,A bytes are what an X TrueColor image holds).
constexpr VkSurfaceFormatKHR kFormats[] = {
    {VK_FORMAT_B8G8R8A8_UNORM, VK_COLOR_SPACE_SRGB_NONLINEAR_KHR},
    {VK_FORMAT_B8G8R8A8_SRGB, VK_COLOR_SPACE_SRGB_NONLINEAR_KHR},
    {VK_FORMAT_R8G8B8A8_UNORM, VK_COLOR_SPACE_SRGB_NONLINEAR_KHR},
    {VK_FORMAT_R8G8B8A8_SRGB, VK_COLOR_SPACE_SRGB_NONLINEAR_KHR},
};

template <size_t N>
bool listed(const VkExtensionProperties (&list)[N], const char* name) {
  return std::any_of(std::begin(list), std::end(list), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

// The two-call idiom over a list the guest computed.
template <typename T>
VkResult fill(const std::vector<T>& all, uint32_t* count, T* out) {
  if (!out) {
    *count = static_cast<uint32_t>(all.size());
    return VK_SUCCESS;
  }
  const uint32_t n = std::min<uint32_t>(*count, static_cast<uint32_t>(all.size()));
  std::copy(all.begin(), all.begin() + n, out);
  *count = n;
  return n < all.size() ? VK_INCOMPLETE : VK_SUCCESS;
}

// The host's list (all of it), then the guest's own.
template <typename Enumerate, size_t N>
VkResult extensions(Enumerate enumerate, const char* layer, const VkExtensionProperties (&own)[N],
                    uint32_t* count, VkExtensionProperties* out) {
  uint32_t n = 0;
  VkResult result = enumerate(layer, &n, nullptr);
  if (result < 0) return result;
  std::vector<VkExtensionProperties> all(n);
  result = enumerate(layer, &n, all.data());
  if (result < 0) return result;
  all.resize(n);
  if (!layer) all.insert(all.end(), std::begin(own), std::end(own));
  return fill(all, count, out);
}

// A copy of a list of names without the guest's own.
template <size_t N>
std::vector<const char*> host_names(const char* const* names, uint32_t count,
                                    const VkExtensionProperties (&own)[N]) {
  std::vector<const char*> out;
  for (uint32_t i = 0; i < count; ++i)
    if (!listed(own, names[i])) out.push_back(names[i]);
  return out;
}

// What the guest knows of each device it made: its physical device and a queue family it has.
struct DeviceInfo {
  VkPhysicalDevice physical;
  uint32_t family;
};
std::mutex devices_mutex;
std::map<VkDevice, DeviceInfo> devices;

// The X window of a surface the loader made, and a display to draw into it with (the
// program's for Xlib surfaces; one of the driver's own for xcb ones: any client may draw into
// a window).
struct Target {
  bool headless = false;  // VK_EXT_headless_surface: presenting shows nothing
  x11::XDisplay* display = nullptr;
  x11::XWindow window = 0;
  bool usable() const { return headless || display; }
};
Target target_of(VkSurfaceKHR surface) {
  static x11::XDisplay* own = nullptr;
  auto* base = reinterpret_cast<VkIcdSurfaceBase*>(static_cast<uintptr_t>(handle_id(surface)));
  Target t;
  if (!base) return t;
  if (base->platform == VK_ICD_WSI_PLATFORM_HEADLESS) {
    t.headless = true;
  } else if (base->platform == VK_ICD_WSI_PLATFORM_XLIB) {
    auto* xlib = reinterpret_cast<VkIcdSurfaceXlib*>(base);
    t.display = reinterpret_cast<x11::XDisplay*>(xlib->dpy);
    t.window = xlib->window;
  } else if (base->platform == VK_ICD_WSI_PLATFORM_XCB) {
    static std::once_flag once;
    std::call_once(once, [] { own = x11::open_default_display(); });
    t.display = own;
    t.window = reinterpret_cast<VkIcdSurfaceXcb*>(base)->window;
  }
  return t;
}

struct Swapchain {
  VkDevice device;
  VkExtent2D extent;
  x11::PixelOrder order;
  std::vector<VkImage> images;
  std::vector<VkDeviceMemory> memories;
  VkBuffer readback = VK_NULL_HANDLE;
  VkDeviceMemory readback_memory = VK_NULL_HANDLE;
  const uint8_t* pixels = nullptr;
  VkCommandPool pool = VK_NULL_HANDLE;
  std::vector<VkCommandBuffer> copies;  // per image: to the readback buffer and back
  VkFence fence = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t next = 0;
  Target target;
  std::unique_ptr<x11::WindowPresenter> presenter;
};

uint32_t memory_type(VkPhysicalDevice physical, uint32_t bits, VkMemoryPropertyFlags wanted) {
  VkPhysicalDeviceMemoryProperties properties;
  entry_vkGetPhysicalDeviceMemoryProperties(physical, &properties);
  for (uint32_t i = 0; i < properties.memoryTypeCount; ++i)
    if ((bits >> i & 1) && (properties.memoryTypes[i].propertyFlags & wanted) == wanted) return i;
  for (uint32_t i = 0; i < properties.memoryTypeCount; ++i)
    if (bits >> i & 1) return i;
  return 0;
}

void destroy(Swapchain* s) {
  VkDevice d = s->device;
  if (s->fence) entry_vkDestroyFence(d, s->fence, nullptr);
  if (s->pool) entry_vkDestroyCommandPool(d, s->pool, nullptr);
  if (s->readback_memory) entry_vkUnmapMemory(d, s->readback_memory);
  if (s->readback) entry_vkDestroyBuffer(d, s->readback, nullptr);
  if (s->readback_memory) entry_vkFreeMemory(d, s->readback_memory, nullptr);
  for (VkImage i : s->images) entry_vkDestroyImage(d, i, nullptr);
  for (VkDeviceMemory m : s->memories) entry_vkFreeMemory(d, m, nullptr);
  delete s;
}

}  // namespace

// --- extension lists and the commands that name extensions ------------------------------------

VKAPI_ATTR VkResult VKAPI_CALL entry_vkEnumerateInstanceExtensionProperties(
    const char* pLayerName, uint32_t* pPropertyCount, VkExtensionProperties* pProperties) {
  // Without a host this driver has nothing: an empty list, so that a loader with other drivers
  // goes on with them (vkCreateInstance then answers VK_ERROR_INCOMPATIBLE_DRIVER).
  if (!Stream::get()) {
    *pPropertyCount = 0;
    return VK_SUCCESS;
  }
  return extensions(relay_vkEnumerateInstanceExtensionProperties, pLayerName,
                    kGuestInstanceExtensions, pPropertyCount, pProperties);
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkEnumerateDeviceExtensionProperties(
    VkPhysicalDevice physicalDevice, const char* pLayerName, uint32_t* pPropertyCount,
    VkExtensionProperties* pProperties) {
  auto host = [physicalDevice](const char* layer, uint32_t* n, VkExtensionProperties* p) {
    return relay_vkEnumerateDeviceExtensionProperties(physicalDevice, layer, n, p);
  };
  return extensions(host, pLayerName, kGuestDeviceExtensions, pPropertyCount, pProperties);
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkCreateInstance(const VkInstanceCreateInfo* pCreateInfo,
                                                      const VkAllocationCallbacks* pAllocator,
                                                      VkInstance* pInstance) {
  VkInstanceCreateInfo info = *pCreateInfo;
  const std::vector<const char*> names = host_names(
      info.ppEnabledExtensionNames, info.enabledExtensionCount, kGuestInstanceExtensions);
  info.enabledExtensionCount = static_cast<uint32_t>(names.size());
  info.ppEnabledExtensionNames = names.data();
  return relay_vkCreateInstance(&info, pAllocator, pInstance);
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkCreateDevice(VkPhysicalDevice physicalDevice,
                                                    const VkDeviceCreateInfo* pCreateInfo,
                                                    const VkAllocationCallbacks* pAllocator,
                                                    VkDevice* pDevice) {
  VkDeviceCreateInfo info = *pCreateInfo;
  const std::vector<const char*> names =
      host_names(info.ppEnabledExtensionNames, info.enabledExtensionCount, kGuestDeviceExtensions);
  info.enabledExtensionCount = static_cast<uint32_t>(names.size());
  info.ppEnabledExtensionNames = names.data();
  const VkResult result = relay_vkCreateDevice(physicalDevice, &info, pAllocator, pDevice);
  if (result == VK_SUCCESS) {
    std::lock_guard lock(devices_mutex);
    devices[*pDevice] = {
        physicalDevice, info.queueCreateInfoCount ? info.pQueueCreateInfos[0].queueFamilyIndex : 0};
  }
  return result;
}

// --- surfaces -----------------------------------------------------------------------------------

namespace {

VKAPI_ATTR void VKAPI_CALL wsi_vkDestroySurfaceKHR(VkInstance, VkSurfaceKHR,
                                                   const VkAllocationCallbacks*) {
  // The loader made the surface and frees it.
}

VKAPI_ATTR VkResult VKAPI_CALL
wsi_vkGetPhysicalDeviceSurfaceSupportKHR(VkPhysicalDevice physicalDevice, uint32_t queueFamilyIndex,
                                         VkSurfaceKHR surface, VkBool32* pSupported) {
  uint32_t n = 0;
  entry_vkGetPhysicalDeviceQueueFamilyProperties(physicalDevice, &n, nullptr);
  std::vector<VkQueueFamilyProperties> families(n);
  entry_vkGetPhysicalDeviceQueueFamilyProperties(physicalDevice, &n, families.data());
  // Presenting is a copy and a wait on the host: any family with transfers can.
  *pSupported = queueFamilyIndex < n && target_of(surface).usable() &&
                (families[queueFamilyIndex].queueFlags &
                 (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT));
  return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL wsi_vkGetPhysicalDeviceSurfaceCapabilitiesKHR(
    VkPhysicalDevice, VkSurfaceKHR surface, VkSurfaceCapabilitiesKHR* caps) {
  const Target t = target_of(surface);
  int width = 0, height = 0;
  if (!t.headless &&
      (!t.display || !x11::checked_window_size(t.display, t.window, &width, &height)))
    return VK_ERROR_SURFACE_LOST_KHR;
  *caps = {};
  caps->minImageCount = 2;
  caps->maxImageCount = 4;
  // A headless surface has no size of its own: the swapchain's is the program's choice.
  caps->currentExtent =
      t.headless ? VkExtent2D{0xFFFFFFFFu, 0xFFFFFFFFu}
                 : VkExtent2D{static_cast<uint32_t>(width), static_cast<uint32_t>(height)};
  caps->minImageExtent = {1, 1};
  caps->maxImageExtent = {16384, 16384};
  caps->maxImageArrayLayers = 1;
  caps->supportedTransforms = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
  caps->currentTransform = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
  caps->supportedCompositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  caps->supportedUsageFlags = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT |
                              VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT |
                              VK_IMAGE_USAGE_SAMPLED_BIT;
  return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL wsi_vkGetPhysicalDeviceSurfaceFormatsKHR(
    VkPhysicalDevice, VkSurfaceKHR, uint32_t* pSurfaceFormatCount,
    VkSurfaceFormatKHR* pSurfaceFormats) {
  return fill(std::vector<VkSurfaceFormatKHR>(std::begin(kFormats), std::end(kFormats)),
              pSurfaceFormatCount, pSurfaceFormats);
}

VKAPI_ATTR VkResult VKAPI_CALL wsi_vkGetPhysicalDeviceSurfacePresentModesKHR(
    VkPhysicalDevice, VkSurfaceKHR, uint32_t* pPresentModeCount, VkPresentModeKHR* pPresentModes) {
  // Each present waits for the frame and hands it to the X server: FIFO-like, never tearing.
  return fill(std::vector<VkPresentModeKHR>{VK_PRESENT_MODE_FIFO_KHR}, pPresentModeCount,
              pPresentModes);
}

// --- swapchains
// -----------------------------------------------------------------------------------

VKAPI_ATTR VkResult VKAPI_CALL wsi_vkCreateSwapchainKHR(VkDevice device,
                                                        const VkSwapchainCreateInfoKHR* info,
                                                        const VkAllocationCallbacks*,
                                                        VkSwapchainKHR* pSwapchain) {
  DeviceInfo dev;
  {
    std::lock_guard lock(devices_mutex);
    auto it = devices.find(device);
    if (it == devices.end()) return VK_ERROR_INITIALIZATION_FAILED;
    dev = it->second;
  }
  auto* s = new Swapchain{};
  s->device = device;
  s->extent = info->imageExtent;
  s->order =
      info->imageFormat == VK_FORMAT_R8G8B8A8_UNORM || info->imageFormat == VK_FORMAT_R8G8B8A8_SRGB
          ? x11::PixelOrder::kRgba
          : x11::PixelOrder::kBgra;
  s->target = target_of(info->surface);
  if (!s->target.usable()) {
    delete s;
    return VK_ERROR_SURFACE_LOST_KHR;
  }
  // The images: host images the program renders into, which presenting copies from.
  VkImageCreateInfo image_info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  image_info.imageType = VK_IMAGE_TYPE_2D;
  image_info.format = info->imageFormat;
  image_info.extent = {info->imageExtent.width, info->imageExtent.height, 1};
  image_info.mipLevels = 1;
  image_info.arrayLayers = info->imageArrayLayers;
  image_info.samples = VK_SAMPLE_COUNT_1_BIT;
  image_info.tiling = VK_IMAGE_TILING_OPTIMAL;
  image_info.usage = info->imageUsage | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
  image_info.sharingMode = info->imageSharingMode;
  image_info.queueFamilyIndexCount = info->queueFamilyIndexCount;
  image_info.pQueueFamilyIndices = info->pQueueFamilyIndices;
  const uint32_t count = std::max(info->minImageCount, 2u);
  VkResult result = VK_SUCCESS;
  for (uint32_t i = 0; i < count && result == VK_SUCCESS; ++i) {
    VkImage image = VK_NULL_HANDLE;
    result = entry_vkCreateImage(device, &image_info, nullptr, &image);
    if (result != VK_SUCCESS) break;
    s->images.push_back(image);
    VkMemoryRequirements req;
    entry_vkGetImageMemoryRequirements(device, image, &req);
    VkMemoryAllocateInfo allocate{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    allocate.allocationSize = req.size;
    allocate.memoryTypeIndex =
        memory_type(dev.physical, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    VkDeviceMemory memory = VK_NULL_HANDLE;
    result = entry_vkAllocateMemory(device, &allocate, nullptr, &memory);
    if (result != VK_SUCCESS) break;
    s->memories.push_back(memory);
    result = entry_vkBindImageMemory(device, image, memory, 0);
  }
  // The readback buffer, host-visible (shared with the host where it imports memory).
  const VkDeviceSize bytes = VkDeviceSize{info->imageExtent.width} * info->imageExtent.height * 4;
  VkBufferCreateInfo buffer_info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  buffer_info.size = bytes;
  buffer_info.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  if (result == VK_SUCCESS)
    result = entry_vkCreateBuffer(device, &buffer_info, nullptr, &s->readback);
  if (result == VK_SUCCESS) {
    VkMemoryRequirements req;
    entry_vkGetBufferMemoryRequirements(device, s->readback, &req);
    VkMemoryAllocateInfo allocate{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    allocate.allocationSize = req.size;
    allocate.memoryTypeIndex =
        memory_type(dev.physical, req.memoryTypeBits,
                    VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    result = entry_vkAllocateMemory(device, &allocate, nullptr, &s->readback_memory);
  }
  if (result == VK_SUCCESS)
    result = entry_vkBindBufferMemory(device, s->readback, s->readback_memory, 0);
  void* mapped = nullptr;
  if (result == VK_SUCCESS)
    result = entry_vkMapMemory(device, s->readback_memory, 0, VK_WHOLE_SIZE, 0, &mapped);
  s->pixels = static_cast<const uint8_t*>(mapped);
  // One command buffer per image: PRESENT_SRC -> TRANSFER_SRC, copy, back.
  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.queueFamilyIndex = dev.family;
  if (result == VK_SUCCESS)
    result = entry_vkCreateCommandPool(device, &pool_info, nullptr, &s->pool);
  if (result == VK_SUCCESS) {
    s->copies.resize(s->images.size());
    VkCommandBufferAllocateInfo command_info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    command_info.commandPool = s->pool;
    command_info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    command_info.commandBufferCount = static_cast<uint32_t>(s->copies.size());
    result = entry_vkAllocateCommandBuffers(device, &command_info, s->copies.data());
  }
  for (size_t i = 0; result == VK_SUCCESS && i < s->copies.size(); ++i) {
    VkCommandBuffer c = s->copies[i];
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    entry_vkBeginCommandBuffer(c, &begin);
    VkImageMemoryBarrier barrier{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    barrier.oldLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
    barrier.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.image = s->images[i];
    barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    entry_vkCmdPipelineBarrier(c, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                               VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0, nullptr, 1,
                               &barrier);
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = image_info.extent;
    entry_vkCmdCopyImageToBuffer(c, s->images[i], VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, s->readback,
                                 1, &region);
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    barrier.dstAccessMask = 0;
    barrier.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    barrier.newLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
    entry_vkCmdPipelineBarrier(c, VK_PIPELINE_STAGE_TRANSFER_BIT,
                               VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, nullptr, 0, nullptr, 1,
                               &barrier);
    VkBufferMemoryBarrier to_host{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
    to_host.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    to_host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    to_host.srcQueueFamilyIndex = to_host.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    to_host.buffer = s->readback;
    to_host.size = VK_WHOLE_SIZE;
    entry_vkCmdPipelineBarrier(c, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0,
                               nullptr, 1, &to_host, 0, nullptr);
    entry_vkEndCommandBuffer(c);
  }
  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  if (result == VK_SUCCESS) result = entry_vkCreateFence(device, &fence_info, nullptr, &s->fence);
  if (result != VK_SUCCESS) {
    destroy(s);
    return result;
  }
  entry_vkGetDeviceQueue(device, dev.family, 0, &s->queue);
  if (!s->target.headless)
    s->presenter = std::make_unique<x11::WindowPresenter>(s->target.display, s->target.window);
  if (info->oldSwapchain) {
    // The old swapchain's images stay the program's until it destroys it.
  }
  *pSwapchain = reinterpret_cast<VkSwapchainKHR>(s);
  return VK_SUCCESS;
}

Swapchain* swapchain_of(VkSwapchainKHR handle) {
  return reinterpret_cast<Swapchain*>(handle);
}

VKAPI_ATTR void VKAPI_CALL wsi_vkDestroySwapchainKHR(VkDevice, VkSwapchainKHR swapchain,
                                                     const VkAllocationCallbacks*) {
  if (!swapchain) return;
  Swapchain* s = swapchain_of(swapchain);
  entry_vkDeviceWaitIdle(s->device);
  destroy(s);
}

VKAPI_ATTR VkResult VKAPI_CALL wsi_vkGetSwapchainImagesKHR(VkDevice, VkSwapchainKHR swapchain,
                                                           uint32_t* pCount, VkImage* pImages) {
  return fill(swapchain_of(swapchain)->images, pCount, pImages);
}

VKAPI_ATTR VkResult VKAPI_CALL wsi_vkAcquireNextImageKHR(VkDevice, VkSwapchainKHR swapchain,
                                                         uint64_t, VkSemaphore semaphore,
                                                         VkFence fence, uint32_t* pImageIndex) {
  Swapchain* s = swapchain_of(swapchain);
  // Presenting waits until the X server has the frame: every image is free at once. The
  // semaphore and fence are signalled by an empty submission.
  *pImageIndex = s->next;
  s->next = (s->next + 1) % static_cast<uint32_t>(s->images.size());
  if (!semaphore && !fence) return VK_SUCCESS;
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.signalSemaphoreCount = semaphore ? 1 : 0;
  submit.pSignalSemaphores = &semaphore;
  return entry_vkQueueSubmit(s->queue, 1, &submit, fence);
}

VKAPI_ATTR VkResult VKAPI_CALL wsi_vkQueuePresentKHR(VkQueue, const VkPresentInfoKHR* info) {
  VkResult overall = VK_SUCCESS;
  for (uint32_t i = 0; i < info->swapchainCount; ++i) {
    Swapchain* s = swapchain_of(info->pSwapchains[i]);
    const uint32_t index = info->pImageIndices[i];
    VkResult result = VK_ERROR_OUT_OF_DATE_KHR;
    if (index < s->copies.size()) {
      // The first copy waits for the program's semaphores.
      std::vector<VkPipelineStageFlags> stages(i == 0 ? info->waitSemaphoreCount : 0,
                                               VK_PIPELINE_STAGE_TRANSFER_BIT);
      VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
      submit.waitSemaphoreCount = static_cast<uint32_t>(stages.size());
      submit.pWaitSemaphores = info->pWaitSemaphores;
      submit.pWaitDstStageMask = stages.data();
      submit.commandBufferCount = 1;
      submit.pCommandBuffers = &s->copies[index];
      result = entry_vkQueueSubmit(s->queue, 1, &submit, s->fence);
      if (result == VK_SUCCESS)
        result = entry_vkWaitForFences(s->device, 1, &s->fence, VK_TRUE, UINT64_MAX);
      entry_vkResetFences(s->device, 1, &s->fence);
      if (result == VK_SUCCESS && s->pixels && s->presenter)
        s->presenter->present(s->pixels, static_cast<int>(s->extent.width),
                              static_cast<int>(s->extent.height), s->order,
                              x11::RowOrder::kTopFirst);
      // A window of another size than the swapchain's: the program should make a new one.
      int width = 0, height = 0;
      if (result == VK_SUCCESS && s->presenter &&
          x11::window_size(s->target.display, s->target.window, &width, &height) &&
          (static_cast<uint32_t>(width) != s->extent.width ||
           static_cast<uint32_t>(height) != s->extent.height))
        result = VK_SUBOPTIMAL_KHR;
    }
    if (info->pResults) info->pResults[i] = result;
    if (result < 0 || overall == VK_SUCCESS) overall = result;
  }
  return overall;
}

const ProcEntry kWsiProcs[] = {
    {"vkAcquireNextImageKHR", reinterpret_cast<PFN_vkVoidFunction>(wsi_vkAcquireNextImageKHR),
     Level::kDevice},
    {"vkCreateSwapchainKHR", reinterpret_cast<PFN_vkVoidFunction>(wsi_vkCreateSwapchainKHR),
     Level::kDevice},
    {"vkDestroySurfaceKHR", reinterpret_cast<PFN_vkVoidFunction>(wsi_vkDestroySurfaceKHR),
     Level::kInstance},
    {"vkDestroySwapchainKHR", reinterpret_cast<PFN_vkVoidFunction>(wsi_vkDestroySwapchainKHR),
     Level::kDevice},
    {"vkGetPhysicalDeviceSurfaceCapabilitiesKHR",
     reinterpret_cast<PFN_vkVoidFunction>(wsi_vkGetPhysicalDeviceSurfaceCapabilitiesKHR),
     Level::kPhysicalDevice},
    {"vkGetPhysicalDeviceSurfaceFormatsKHR",
     reinterpret_cast<PFN_vkVoidFunction>(wsi_vkGetPhysicalDeviceSurfaceFormatsKHR),
     Level::kPhysicalDevice},
    {"vkGetPhysicalDeviceSurfacePresentModesKHR",
     reinterpret_cast<PFN_vkVoidFunction>(wsi_vkGetPhysicalDeviceSurfacePresentModesKHR),
     Level::kPhysicalDevice},
    {"vkGetPhysicalDeviceSurfaceSupportKHR",
     reinterpret_cast<PFN_vkVoidFunction>(wsi_vkGetPhysicalDeviceSurfaceSupportKHR),
     Level::kPhysicalDevice},
    {"vkGetSwapchainImagesKHR", reinterpret_cast<PFN_vkVoidFunction>(wsi_vkGetSwapchainImagesKHR),
     Level::kDevice},
    {"vkQueuePresentKHR", reinterpret_cast<PFN_vkVoidFunction>(wsi_vkQueuePresentKHR),
     Level::kDevice},
};

}  // namespace

const ProcEntry* find_wsi_proc(const char* name) {
  for (const ProcEntry& e : kWsiProcs)
    if (std::strcmp(e.name, name) == 0) return &e;
  return nullptr;
}

}  // namespace gfxrelay::guest::vk
