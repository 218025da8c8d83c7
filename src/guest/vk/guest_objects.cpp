// Core Vulkan commands the guest driver answers without a command of their own on the wire:
// descriptor update templates and private data are guest objects (a template update is sent as
// the vkUpdateDescriptorSets it stands for), each physical device is a device group of its own,
// vkGetDeviceQueue2 is vkGetDeviceQueue; and waits, which go to the host in slices.
#include <chrono>
#include <cstring>
#include <map>
#include <tuple>

#include "guest/vk/guest_support.h"

namespace gfxrelay::guest::vk {

namespace {

// --- descriptor update templates ----------------------------------------------------------------

struct UpdateTemplate {
  std::vector<VkDescriptorUpdateTemplateEntry> entries;
};

std::mutex templates_mutex;
std::map<uint64_t, UpdateTemplate> templates;

VKAPI_ATTR VkResult VKAPI_CALL guest_vkCreateDescriptorUpdateTemplate(
    VkDevice, const VkDescriptorUpdateTemplateCreateInfo* pCreateInfo, const VkAllocationCallbacks*,
    VkDescriptorUpdateTemplate* pDescriptorUpdateTemplate) {
  // Push-descriptor templates need VK_KHR_push_descriptor, which the relay does not offer.
  if (pCreateInfo->templateType != VK_DESCRIPTOR_UPDATE_TEMPLATE_TYPE_DESCRIPTOR_SET)
    return VK_ERROR_FEATURE_NOT_PRESENT;
  UpdateTemplate t;
  t.entries.assign(pCreateInfo->pDescriptorUpdateEntries,
                   pCreateInfo->pDescriptorUpdateEntries + pCreateInfo->descriptorUpdateEntryCount);
  const uint64_t id = new_id();
  std::lock_guard lock(templates_mutex);
  templates[id] = std::move(t);
  *pDescriptorUpdateTemplate = from_id<VkDescriptorUpdateTemplate>(id);
  return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL guest_vkDestroyDescriptorUpdateTemplate(
    VkDevice, VkDescriptorUpdateTemplate descriptorUpdateTemplate, const VkAllocationCallbacks*) {
  std::lock_guard lock(templates_mutex);
  templates.erase(handle_id(descriptorUpdateTemplate));
}

template <typename T>
const T& at(const void* data, size_t offset) {
  return *reinterpret_cast<const T*>(static_cast<const uint8_t*>(data) + offset);
}

VKAPI_ATTR void VKAPI_CALL guest_vkUpdateDescriptorSetWithTemplate(
    VkDevice device, VkDescriptorSet descriptorSet,
    VkDescriptorUpdateTemplate descriptorUpdateTemplate, const void* pData) {
  std::vector<VkDescriptorUpdateTemplateEntry> entries;
  {
    std::lock_guard lock(templates_mutex);
    auto it = templates.find(handle_id(descriptorUpdateTemplate));
    if (it == templates.end()) return;
    entries = it->second.entries;
  }
  // The writes the template stands for; the arrays they point into live until the call.
  std::vector<VkWriteDescriptorSet> writes;
  std::vector<std::vector<VkDescriptorImageInfo>> images;
  std::vector<std::vector<VkDescriptorBufferInfo>> buffers;
  std::vector<std::vector<VkBufferView>> views;
  std::vector<VkWriteDescriptorSetInlineUniformBlock> blocks;
  blocks.reserve(entries.size());  // pointed to by pNext: no reallocation
  for (const VkDescriptorUpdateTemplateEntry& e : entries) {
    if (e.descriptorCount == 0) continue;
    VkWriteDescriptorSet w{};
    w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    w.dstSet = descriptorSet;
    w.dstBinding = e.dstBinding;
    w.dstArrayElement = e.dstArrayElement;
    w.descriptorCount = e.descriptorCount;
    w.descriptorType = e.descriptorType;
    switch (e.descriptorType) {
      case VK_DESCRIPTOR_TYPE_SAMPLER:
      case VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER:
      case VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE:
      case VK_DESCRIPTOR_TYPE_STORAGE_IMAGE:
      case VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT: {
        auto& list = images.emplace_back();
        for (uint32_t i = 0; i < e.descriptorCount; ++i)
          list.push_back(at<VkDescriptorImageInfo>(pData, e.offset + i * e.stride));
        w.pImageInfo = list.data();
        break;
      }
      case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER:
      case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER:
      case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC:
      case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC: {
        auto& list = buffers.emplace_back();
        for (uint32_t i = 0; i < e.descriptorCount; ++i)
          list.push_back(at<VkDescriptorBufferInfo>(pData, e.offset + i * e.stride));
        w.pBufferInfo = list.data();
        break;
      }
      case VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER:
      case VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER: {
        auto& list = views.emplace_back();
        for (uint32_t i = 0; i < e.descriptorCount; ++i)
          list.push_back(at<VkBufferView>(pData, e.offset + i * e.stride));
        w.pTexelBufferView = list.data();
        break;
      }
      case VK_DESCRIPTOR_TYPE_INLINE_UNIFORM_BLOCK: {
        // descriptorCount bytes at offset; dstArrayElement is the byte offset in the block.
        VkWriteDescriptorSetInlineUniformBlock& block = blocks.emplace_back();
        block.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET_INLINE_UNIFORM_BLOCK;
        block.dataSize = e.descriptorCount;
        block.pData = static_cast<const uint8_t*>(pData) + e.offset;
        w.pNext = &block;
        break;
      }
      default:
        continue;  // a type the relay does not carry (acceleration structures)
    }
    writes.push_back(w);
  }
  entry_vkUpdateDescriptorSets(device, static_cast<uint32_t>(writes.size()), writes.data(), 0,
                               nullptr);
}

// --- private data
// ---------------------------------------------------------------------------------

std::mutex private_data_mutex;
// (slot, object type, object handle) -> value.
std::map<std::tuple<uint64_t, VkObjectType, uint64_t>, uint64_t> private_data;

VKAPI_ATTR VkResult VKAPI_CALL guest_vkCreatePrivateDataSlot(VkDevice,
                                                             const VkPrivateDataSlotCreateInfo*,
                                                             const VkAllocationCallbacks*,
                                                             VkPrivateDataSlot* pPrivateDataSlot) {
  *pPrivateDataSlot = from_id<VkPrivateDataSlot>(new_id());
  return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL guest_vkDestroyPrivateDataSlot(VkDevice, VkPrivateDataSlot slot,
                                                          const VkAllocationCallbacks*) {
  std::lock_guard lock(private_data_mutex);
  std::erase_if(private_data, [id = handle_id(slot)](const auto& entry) {
    return std::get<0>(entry.first) == id;
  });
}

VKAPI_ATTR VkResult VKAPI_CALL guest_vkSetPrivateData(VkDevice, VkObjectType objectType,
                                                      uint64_t objectHandle, VkPrivateDataSlot slot,
                                                      uint64_t data) {
  std::lock_guard lock(private_data_mutex);
  private_data[{handle_id(slot), objectType, objectHandle}] = data;
  return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL guest_vkGetPrivateData(VkDevice, VkObjectType objectType,
                                                  uint64_t objectHandle, VkPrivateDataSlot slot,
                                                  uint64_t* pData) {
  std::lock_guard lock(private_data_mutex);
  auto it = private_data.find({handle_id(slot), objectType, objectHandle});
  *pData = it == private_data.end() ? 0 : it->second;
}

// --- device groups and queues
// -----------------------------------------------------------------------

VKAPI_ATTR VkResult VKAPI_CALL guest_vkEnumeratePhysicalDeviceGroups(
    VkInstance instance, uint32_t* pPhysicalDeviceGroupCount,
    VkPhysicalDeviceGroupProperties* pPhysicalDeviceGroupProperties) {
  uint32_t count = 0;
  VkResult result = entry_vkEnumeratePhysicalDevices(instance, &count, nullptr);
  if (result < 0) return result;
  std::vector<VkPhysicalDevice> devices(count);
  result = entry_vkEnumeratePhysicalDevices(instance, &count, devices.data());
  if (result < 0) return result;
  if (!pPhysicalDeviceGroupProperties) {
    *pPhysicalDeviceGroupCount = count;
    return VK_SUCCESS;
  }
  const uint32_t written = std::min(count, *pPhysicalDeviceGroupCount);
  for (uint32_t i = 0; i < written; ++i) {
    VkPhysicalDeviceGroupProperties& group = pPhysicalDeviceGroupProperties[i];
    group.physicalDeviceCount = 1;
    std::fill(std::begin(group.physicalDevices), std::end(group.physicalDevices), nullptr);
    group.physicalDevices[0] = devices[i];
    group.subsetAllocation = VK_FALSE;
  }
  *pPhysicalDeviceGroupCount = written;
  return written < count ? VK_INCOMPLETE : VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL guest_vkGetDeviceQueue2(VkDevice device,
                                                   const VkDeviceQueueInfo2* pQueueInfo,
                                                   VkQueue* pQueue) {
  // Protected queues (the only flag) are not offered: no queue was made with flags.
  if (pQueueInfo->flags != 0) {
    *pQueue = VK_NULL_HANDLE;
    return;
  }
  entry_vkGetDeviceQueue(device, pQueueInfo->queueFamilyIndex, pQueueInfo->queueIndex, pQueue);
}

// Each command under its core name and its extension's (the loader asks for either).
// clang-format off
#define GUEST_PROC(name, suffix, level)                                             \
  {#name, reinterpret_cast<PFN_vkVoidFunction>(guest_##name), Level::level},        \
  {#name suffix, reinterpret_cast<PFN_vkVoidFunction>(guest_##name), Level::level}
// clang-format on

const ProcEntry kGuestProcs[] = {
    GUEST_PROC(vkCreateDescriptorUpdateTemplate, "KHR", kDevice),
    GUEST_PROC(vkDestroyDescriptorUpdateTemplate, "KHR", kDevice),
    GUEST_PROC(vkUpdateDescriptorSetWithTemplate, "KHR", kDevice),
    GUEST_PROC(vkCreatePrivateDataSlot, "EXT", kDevice),
    GUEST_PROC(vkDestroyPrivateDataSlot, "EXT", kDevice),
    GUEST_PROC(vkSetPrivateData, "EXT", kDevice),
    GUEST_PROC(vkGetPrivateData, "EXT", kDevice),
    GUEST_PROC(vkEnumeratePhysicalDeviceGroups, "KHR", kInstance),
    {"vkGetDeviceQueue2", reinterpret_cast<PFN_vkVoidFunction>(guest_vkGetDeviceQueue2),
     Level::kDevice},
};

#undef GUEST_PROC

// Repeats a sliced wait until it ends otherwise or the program's timeout has passed.
template <typename Wait>
VkResult wait_in_slices(uint64_t timeout, Wait wait) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  for (uint64_t left = timeout;;) {
    const VkResult result = wait(left);
    if (result != VK_TIMEOUT || left == 0) return result;
    if (timeout == UINT64_MAX) continue;  // forever
    const auto spent = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
    if (static_cast<uint64_t>(spent.count()) >= timeout) return VK_TIMEOUT;
    left = timeout - static_cast<uint64_t>(spent.count());
  }
}

}  // namespace

const ProcEntry* find_guest_proc(const char* name) {
  for (const ProcEntry& e : kGuestProcs)
    if (std::strcmp(e.name, name) == 0) return &e;
  return nullptr;
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkWaitForFences(VkDevice device, uint32_t fenceCount,
                                                     const VkFence* pFences, VkBool32 waitAll,
                                                     uint64_t timeout) {
  return wait_in_slices(timeout, [&](uint64_t left) {
    return relay_vkWaitForFences(device, fenceCount, pFences, waitAll, left);
  });
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkWaitSemaphores(VkDevice device,
                                                      const VkSemaphoreWaitInfo* pWaitInfo,
                                                      uint64_t timeout) {
  return wait_in_slices(
      timeout, [&](uint64_t left) { return relay_vkWaitSemaphores(device, pWaitInfo, left); });
}

}  // namespace gfxrelay::guest::vk
