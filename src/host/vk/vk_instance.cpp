// Hand-written decoders: the commands whose answers the relay narrows (API version, extensions)
// or whose objects the host names (physical devices).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "host/vk/vk_decoding.h"

namespace gfxrelay::host::vk {

namespace {

// The host's extensions that the relay carries, of one kind; spec versions the smaller of
// the two.
std::vector<VkExtensionProperties> carried(const std::vector<VkExtensionProperties>& host,
                                           bool instance) {
  std::vector<VkExtensionProperties> out;
  for (VkExtensionProperties e : host) {
    const auto* c = gfxrelay::vk::carried_extension(e.extensionName);
    if (!c || c->instance != instance) continue;
    e.specVersion = std::min(e.specVersion, c->spec_version);
    out.push_back(e);
  }
  return out;
}

// Whether the host's loader offers VK_KHR_surface: the host enables it on every instance, and
// then VK_KHR_swapchain on devices (the guest's swapchain images use its PRESENT_SRC layout).
bool host_has_surface() {
  static const bool has = [] {
    uint32_t n = 0;
    vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> all(n);
    vkEnumerateInstanceExtensionProperties(nullptr, &n, all.data());
    all.resize(n);
    return std::any_of(all.begin(), all.end(), [](const VkExtensionProperties& e) {
      return std::strcmp(e.extensionName, VK_KHR_SURFACE_EXTENSION_NAME) == 0;
    });
  }();
  return has;
}

std::vector<VkExtensionProperties> host_instance_extensions() {
  uint32_t n = 0;
  vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> all(n);
  vkEnumerateInstanceExtensionProperties(nullptr, &n, all.data());
  all.resize(n);
  return carried(all, true);
}

std::vector<VkExtensionProperties> host_device_extensions(VkPhysicalDevice device) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> all(n);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &n, all.data());
  all.resize(n);
  return carried(all, false);
}

// Whether the host's device has an extension (carried or not).
bool has_extension(VkPhysicalDevice device, const char* name) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> all(n);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &n, all.data());
  all.resize(n);
  return std::any_of(all.begin(), all.end(), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

bool offered(const std::vector<VkExtensionProperties>& list, const char* name) {
  return std::any_of(list.begin(), list.end(), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

// The two-call idiom over a list the host computed: wire (string layer, u32 capacity, u32
// want), reply (result, count, elements).
bool reply_extensions(Decoding& d, const char* layer, uint32_t capacity, bool want,
                      const std::vector<VkExtensionProperties>& list) {
  if (layer) {  // layers live in the guest's loader; the host driver has none
    d.reply.put<VkResult>(VK_ERROR_LAYER_NOT_PRESENT);
    d.reply.put<uint32_t>(0);
    return d.finish_reply();
  }
  const uint32_t total = static_cast<uint32_t>(list.size());
  const uint32_t count = want ? std::min(capacity, total) : total;
  d.reply.put<VkResult>(count < total ? VK_INCOMPLETE : VK_SUCCESS);
  d.reply.put<uint32_t>(count);
  if (want)
    for (uint32_t i = 0; i < count; ++i) put(d.reply, list[i]);
  return d.finish_reply();
}

}  // namespace

bool decode_vkEnumerateInstanceVersion(Decoding& d) {
  if (!d.at_end()) return d.fail("vkEnumerateInstanceVersion", "malformed command");
  uint32_t version = VK_API_VERSION_1_0;
  const VkResult result = vkEnumerateInstanceVersion(&version);
  d.reply.put<VkResult>(result);
  d.reply.put<uint32_t>(std::min<uint32_t>(version, VK_HEADER_VERSION_COMPLETE));
  return d.finish_reply();
}

bool decode_vkEnumerateInstanceExtensionProperties(Decoding& d) {
  const char* layer = nullptr;
  if (!d.get_string(&layer, "vkEnumerateInstanceExtensionProperties")) return false;
  const uint32_t capacity = d.r.get<uint32_t>();
  const bool want = d.r.get<uint32_t>() != 0;
  if (!d.at_end()) return d.fail("vkEnumerateInstanceExtensionProperties", "malformed command");
  return reply_extensions(d, layer, capacity, want, host_instance_extensions());
}

bool decode_vkEnumerateDeviceExtensionProperties(Decoding& d) {
  const char* where = "vkEnumerateDeviceExtensionProperties";
  VkPhysicalDevice device = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_PHYSICAL_DEVICE, d.r.get<uint64_t>(), false, where, &device))
    return false;
  const char* layer = nullptr;
  if (!d.get_string(&layer, where)) return false;
  const uint32_t capacity = d.r.get<uint32_t>();
  const bool want = d.r.get<uint32_t>() != 0;
  if (!d.at_end()) return d.fail(where, "malformed command");
  return reply_extensions(d, layer, capacity, want, host_device_extensions(device));
}

// Wire: u32 1 + VkInstanceCreateInfo, u64 new id. Layers are the guest loader's business: the
// host enables none (its own come from its environment, VK_INSTANCE_LAYERS).
bool decode_vkCreateInstance(Decoding& d) {
  const char* where = "vkCreateInstance";
  VkInstanceCreateInfo info{};
  if (d.r.get<uint32_t>() != 1u || !get(d, info)) return d.fail(where, "bad pCreateInfo");
  const uint64_t id = d.r.get<uint64_t>();
  if (!d.fresh_id(id, where)) return false;
  if (!d.at_end()) return d.fail(where, "malformed command");
  info.enabledLayerCount = 0;
  info.ppEnabledLayerNames = nullptr;
  const std::vector<VkExtensionProperties> offer = host_instance_extensions();
  VkResult result = VK_SUCCESS;
  for (uint32_t i = 0; i < info.enabledExtensionCount; ++i)
    if (!offered(offer, info.ppEnabledExtensionNames[i])) result = VK_ERROR_EXTENSION_NOT_PRESENT;
  std::vector<const char*> extensions(info.ppEnabledExtensionNames,
                                      info.ppEnabledExtensionNames + info.enabledExtensionCount);
  if (host_has_surface()) extensions.push_back(VK_KHR_SURFACE_EXTENSION_NAME);
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  // At least Vulkan 1.1 on the host: what the relay adds for the guest (external memory for
  // imports, the *2 queries) is core there; a 1.0 program sees no difference.
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  if (info.pApplicationInfo) app = *info.pApplicationInfo;
  app.apiVersion = std::max<uint32_t>(app.apiVersion, VK_API_VERSION_1_1);
  info.pApplicationInfo = &app;
  VkInstance instance = VK_NULL_HANDLE;
  if (result == VK_SUCCESS) result = vkCreateInstance(&info, nullptr, &instance);
  if (result == VK_SUCCESS)
    d.objects.add(id, VK_OBJECT_TYPE_INSTANCE, to_u64(instance), 0);
  else
    d.objects.unreserve();
  d.reply.put<VkResult>(result);
  return d.finish_reply();
}

bool decode_vkDestroyInstance(Decoding& d) {
  const uint64_t id = d.r.get<uint64_t>();
  VkInstance instance = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_INSTANCE, id, true, "vkDestroyInstance", &instance)) return false;
  if (!d.at_end()) return d.fail("vkDestroyInstance", "malformed command");
  destroy_descendants(d.objects, id);
  if (instance) vkDestroyInstance(instance, nullptr);
  d.objects.remove(id);
  return true;
}

// Physical devices are named by the host (ids with the top bit set), the same id every time.
bool decode_vkEnumeratePhysicalDevices(Decoding& d) {
  const uint64_t instance_id = d.r.get<uint64_t>();
  VkInstance instance = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_INSTANCE, instance_id, false, "vkEnumeratePhysicalDevices",
                &instance))
    return false;
  if (!d.at_end()) return d.fail("vkEnumeratePhysicalDevices", "malformed command");
  uint32_t n = 0;
  VkResult result = vkEnumeratePhysicalDevices(instance, &n, nullptr);
  std::vector<VkPhysicalDevice> devices(n);
  if (result >= 0) result = vkEnumeratePhysicalDevices(instance, &n, devices.data());
  devices.resize(result >= 0 ? std::min<uint32_t>(n, kMaxOutputElements) : 0);
  d.reply.put<VkResult>(result < 0 ? result : VK_SUCCESS);
  d.reply.put<uint32_t>(static_cast<uint32_t>(devices.size()));
  for (VkPhysicalDevice device : devices) {
    uint64_t id = 0;
    for (const auto& [known, e] : d.objects.all())
      if (e.type == VK_OBJECT_TYPE_PHYSICAL_DEVICE && e.host == to_u64(device)) id = known;
    if (!id) {
      id = d.objects.next_host_id();
      d.objects.add(id, VK_OBJECT_TYPE_PHYSICAL_DEVICE, to_u64(device), instance_id, false);
    }
    d.reply.put<uint64_t>(id);
  }
  return d.finish_reply();
}

// Wire: u64 physical device, u32 1 + VkDeviceCreateInfo, u64 new id. Only carried extensions;
// the host adds VK_EXT_external_memory_host where the device has it (shared memory imports).
bool decode_vkCreateDevice(Decoding& d) {
  const char* where = "vkCreateDevice";
  const uint64_t physical_id = d.r.get<uint64_t>();
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  if (!d.handle(VK_OBJECT_TYPE_PHYSICAL_DEVICE, physical_id, false, where, &physical)) return false;
  VkDeviceCreateInfo info{};
  if (d.r.get<uint32_t>() != 1u || !get(d, info)) return d.fail(where, "bad pCreateInfo");
  const uint64_t id = d.r.get<uint64_t>();
  if (!d.fresh_id(id, where)) return false;
  if (!d.at_end()) return d.fail(where, "malformed command");
  info.enabledLayerCount = 0;  // deprecated and ignored (Vulkan 1.0.13)
  info.ppEnabledLayerNames = nullptr;
  const std::vector<VkExtensionProperties> offer = host_device_extensions(physical);
  VkResult result = VK_SUCCESS;
  for (uint32_t i = 0; i < info.enabledExtensionCount; ++i)
    if (!offered(offer, info.ppEnabledExtensionNames[i])) result = VK_ERROR_EXTENSION_NOT_PRESENT;
  Objects::Device device_info;
  std::vector<const char*> extensions(info.ppEnabledExtensionNames,
                                      info.ppEnabledExtensionNames + info.enabledExtensionCount);
  // The guest's swapchain images are presented from the host's PRESENT_SRC layout, which needs
  // VK_KHR_swapchain on the device (the host never makes a swapchain).
  if (host_has_surface() && has_extension(physical, VK_KHR_SWAPCHAIN_EXTENSION_NAME))
    extensions.push_back(VK_KHR_SWAPCHAIN_EXTENSION_NAME);
  if (imports_enabled() && has_extension(physical, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
    extensions.push_back(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
    VkPhysicalDeviceExternalMemoryHostPropertiesEXT host{};
    host.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT;
    VkPhysicalDeviceProperties2 properties{};
    properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    properties.pNext = &host;
    vkGetPhysicalDeviceProperties2(physical, &properties);
    device_info.imports = true;
    device_info.import_alignment = std::max<uint64_t>(host.minImportedHostPointerAlignment, 1);
  }
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  // Shaders' buffer accesses bounded (robustBufferAccess) where the device can: a guest's shader
  // indexing past a buffer must not reach the host's memory (lavapipe runs shaders on the CPU).
  VkPhysicalDeviceFeatures supported{};
  vkGetPhysicalDeviceFeatures(physical, &supported);
  VkPhysicalDeviceFeatures features{};
  if (supported.robustBufferAccess) {
    auto* features2 = static_cast<VkPhysicalDeviceFeatures2*>(nullptr);
    for (auto* p = static_cast<const VkBaseInStructure*>(info.pNext); p; p = p->pNext)
      if (p->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2)
        features2 = reinterpret_cast<VkPhysicalDeviceFeatures2*>(const_cast<VkBaseInStructure*>(p));
    if (features2) {
      features2->features.robustBufferAccess = VK_TRUE;  // decoded into the arena: ours
    } else {
      if (info.pEnabledFeatures) features = *info.pEnabledFeatures;
      features.robustBufferAccess = VK_TRUE;
      info.pEnabledFeatures = &features;
    }
  }
  VkDevice device = VK_NULL_HANDLE;
  if (result == VK_SUCCESS) result = vkCreateDevice(physical, &info, nullptr, &device);
  if (result == VK_SUCCESS) {
    d.objects.add(id, VK_OBJECT_TYPE_DEVICE, to_u64(device), physical_id);
    for (uint32_t i = 0; i < info.queueCreateInfoCount; ++i)
      device_info.queues[info.pQueueCreateInfos[i].queueFamilyIndex] +=
          info.pQueueCreateInfos[i].queueCount;
    if (device_info.imports)
      device_info.host_pointer_properties =
          reinterpret_cast<PFN_vkGetMemoryHostPointerPropertiesEXT>(
              vkGetDeviceProcAddr(device, "vkGetMemoryHostPointerPropertiesEXT"));
    device_info.imports = device_info.host_pointer_properties != nullptr;
    d.objects.devices[id] = device_info;
  } else {
    d.objects.unreserve();
  }
  d.reply.put<VkResult>(result);
  return d.finish_reply();
}

}  // namespace gfxrelay::host::vk
