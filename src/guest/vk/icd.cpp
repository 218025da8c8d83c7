// The guest's Vulkan driver as the Vulkan loader sees it (LoaderDriverInterface.md): the three
// exported vk_icd* entry points, GetProcAddr over the generated table, the process's Vulkan
// stream, and the entry points that need more than the generated code (physical devices, which
// the host names, and instance teardown).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <string>

#include "guest/connection.h"
#include "guest/vk/guest_support.h"
#include "wire/handshake.h"
#include "wire/message.h"

namespace gfxrelay::guest::vk {

using gfxrelay::vk::VkOp;

namespace {

// Batches up to this size stay in the ring until a reply is waited for or the batch is full.
constexpr size_t kBatchBytes = 64 << 10;

std::mutex objects_mutex;
// Physical devices by host id, per instance: the loader expects the same handle every time.
std::map<uint64_t, std::map<uint64_t, DispatchableObject*>> physical_devices;

const ProcEntry* find_proc(const char* name) {
  const ProcEntry* end = kVkProcs + kVkProcCount;
  const ProcEntry* it = std::lower_bound(
      kVkProcs, end, name,
      [](const ProcEntry& e, const char* n) { return std::strcmp(e.name, n) < 0; });
  if (it != end && std::strcmp(it->name, name) == 0) return it;
  const ProcEntry* wsi = find_wsi_proc(name);
  return wsi ? wsi : find_guest_proc(name);
}

}  // namespace

uint64_t new_id() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

void* new_dispatchable(uint64_t id) {
  auto* object = new DispatchableObject;
  set_loader_magic_value(object);
  object->id = id;
  return object;
}

void free_dispatchable(const void* handle) {
  delete static_cast<const DispatchableObject*>(handle);
}

// --- the stream -------------------------------------------------------------------------------

Stream* Stream::get() {
  static Stream* stream = []() -> Stream* {
    Connection* connection = Connection::get();
    if (!connection) return nullptr;
    wire::MessageWriter request;
    request.put<uint32_t>(1);  // stream id within the session (one per process for now)
    std::vector<uint8_t> reply;
    transport::ShmRegion region;
    if (!connection->request(wire::Control::kCreateVulkanStream, request.bytes(), &reply, &region))
      return nullptr;
    wire::Reader r(reply);
    const uint32_t status = r.get<uint32_t>();
    if (status != VK_SUCCESS || !region) {
      log_error("the host renderer offers no Vulkan (status " + std::to_string(status) + ")");
      return nullptr;
    }
    return new Stream(std::move(region));  // lives for the whole process, as the connection does
  }();
  return stream;
}

Stream::Stream(transport::ShmRegion region) : region_(std::move(region)), ring_(region_) {}

void Stream::report_closed_locked() {
  if (broken_) return;
  broken_ = true;
  const auto* control = region_.control();
  char reason[sizeof control->close_reason + 1] = {};
  std::memcpy(reason, control->close_reason, sizeof control->close_reason);
  log_error(std::string("the host ended the Vulkan stream: ") +
            (reason[0] ? reason : "no reason given"));
}

bool Stream::write_locked(VkOp op, const Writer& w) {
  if (broken_) return false;
  const size_t size = sizeof(wire::CommandHeader) + wire::align_up(w.bytes().size());
  if (size > ring_.max_command_bytes()) {
    log_error(std::string(gfxrelay::vk::vk_opcode_name(static_cast<uint32_t>(op))) +
              ": command larger than the relay's stream (" + std::to_string(size) + " bytes)");
    return false;
  }
  uint8_t* p = ring_.reserve(size);
  if (!p) {
    report_closed_locked();
    return false;
  }
  wire::store<uint32_t>(p, static_cast<uint32_t>(op));
  wire::store<uint32_t>(p + 4, static_cast<uint32_t>(size));
  std::memcpy(p + sizeof(wire::CommandHeader), w.bytes().data(), w.bytes().size());
  std::memset(p + sizeof(wire::CommandHeader) + w.bytes().size(), 0,
              size - sizeof(wire::CommandHeader) - w.bytes().size());
  ring_.commit(size);
  return true;
}

void Stream::send(VkOp op, const Writer& w) {
  std::lock_guard lock(mutex_);
  if (write_locked(op, w) && ring_.unpublished_bytes() >= kBatchBytes) ring_.publish();
}

bool Stream::call(VkOp op, const Writer& w, std::vector<uint8_t>* reply) {
  std::lock_guard lock(mutex_);
  return write_locked(op, w) && wait_for_reply_locked(reply);
}

bool Stream::wait_for_reply_locked(std::vector<uint8_t>* reply) {
  ring_.publish();
  const uint32_t expected = ++syncs_sent_;
  auto* control = region_.control();
  if (!transport::spin_until(
          [&] { return control->reply_seq.load(std::memory_order_acquire) == expected; })) {
    for (transport::Sleeper sleeper(region_.wakeups());;) {
      control->reply_waiting.store(1, std::memory_order_seq_cst);
      const uint32_t seen = control->reply_seq.load(std::memory_order_seq_cst);
      if (seen == expected) break;
      Connection* connection = Connection::get();
      if (control->closed.load(std::memory_order_acquire) || !connection ||
          !connection->host_alive()) {
        report_closed_locked();
        return false;
      }
      sleeper.sleep(&control->reply_seq, seen, std::chrono::milliseconds(100));
    }
    control->reply_waiting.store(0, std::memory_order_relaxed);
  }
  const uint32_t length = std::min<uint32_t>(control->reply_length, region_.reply().size());
  reply->assign(region_.reply().begin(), region_.reply().begin() + length);
  return true;
}

void Stream::protocol_error(const char* command) {
  std::lock_guard lock(mutex_);
  if (broken_) return;
  broken_ = true;
  log_error(std::string(command) +
            ": the host's reply does not match the command; the Vulkan "
            "stream is closed (the device is lost)");
}

// --- hand-written entry points ------------------------------------------------------------------

VKAPI_ATTR VkResult VKAPI_CALL entry_vkEnumeratePhysicalDevices(
    VkInstance instance, uint32_t* pPhysicalDeviceCount, VkPhysicalDevice* pPhysicalDevices) {
  Stream* stream = Stream::get();
  if (!stream) return VK_ERROR_INITIALIZATION_FAILED;
  Writer w;
  w.put<uint64_t>(dispatchable_id(instance));
  std::vector<uint8_t> reply;
  if (!stream->call(VkOp::vkEnumeratePhysicalDevices, w, &reply))
    return VK_ERROR_INITIALIZATION_FAILED;
  wire::Reader r(reply);
  VkResult result = r.get<VkResult>();
  const uint32_t count = r.get<uint32_t>();
  if (!r.ok() || count > kMaxOutputElements || r.remaining() != size_t{count} * 8) {
    stream->protocol_error("vkEnumeratePhysicalDevices");
    return VK_ERROR_INITIALIZATION_FAILED;
  }
  if (result < 0) return result;
  if (!pPhysicalDevices) {
    *pPhysicalDeviceCount = count;
    return result;
  }
  const uint32_t written = std::min(count, *pPhysicalDeviceCount);
  std::lock_guard lock(objects_mutex);
  auto& known = physical_devices[dispatchable_id(instance)];
  for (uint32_t i = 0; i < written; ++i) {
    const uint64_t id = r.get<uint64_t>();
    DispatchableObject*& object = known[id];
    if (!object) object = static_cast<DispatchableObject*>(new_dispatchable(id));
    pPhysicalDevices[i] = reinterpret_cast<VkPhysicalDevice>(object);
  }
  *pPhysicalDeviceCount = written;
  return written < count ? VK_INCOMPLETE : result;
}

VKAPI_ATTR void VKAPI_CALL entry_vkDestroyInstance(VkInstance instance,
                                                   const VkAllocationCallbacks*) {
  if (!instance) return;
  if (Stream* stream = Stream::get()) {
    Writer w;
    w.put<uint64_t>(dispatchable_id(instance));
    stream->send(VkOp::vkDestroyInstance, w);
  }
  std::lock_guard lock(objects_mutex);
  auto it = physical_devices.find(dispatchable_id(instance));
  if (it != physical_devices.end()) {
    for (auto& [id, object] : it->second) free_dispatchable(object);
    physical_devices.erase(it);
  }
  free_dispatchable(instance);
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL entry_vkGetDeviceProcAddr(VkDevice, const char* name) {
  if (!name) return nullptr;
  if (std::strcmp(name, "vkGetDeviceProcAddr") == 0)
    return reinterpret_cast<PFN_vkVoidFunction>(entry_vkGetDeviceProcAddr);
  const ProcEntry* e = find_proc(name);
  return e && e->level == Level::kDevice ? e->function : nullptr;
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL entry_vkGetInstanceProcAddr(VkInstance instance,
                                                                     const char* name) {
  if (!name) return nullptr;
  if (std::strcmp(name, "vkGetInstanceProcAddr") == 0)
    return reinterpret_cast<PFN_vkVoidFunction>(entry_vkGetInstanceProcAddr);
  if (std::strcmp(name, "vkGetDeviceProcAddr") == 0)
    return reinterpret_cast<PFN_vkVoidFunction>(entry_vkGetDeviceProcAddr);
  const ProcEntry* e = find_proc(name);
  if (!e) return nullptr;
  // Without an instance only the global commands (vkGetInstanceProcAddr's rule).
  return instance || e->level == Level::kGlobal ? e->function : nullptr;
}

}  // namespace gfxrelay::guest::vk

using namespace gfxrelay::guest::vk;

extern "C" {

// Interface version 5: physical-device commands through vk_icdGetPhysicalDeviceProcAddr,
// Vulkan 1.1+ applications on this driver; the loader owns window-system surfaces.
__attribute__((visibility("default"))) VKAPI_ATTR VkResult VKAPI_CALL
vk_icdNegotiateLoaderICDInterfaceVersion(uint32_t* pSupportedVersion) {
  constexpr uint32_t kOurVersion = 5;
  if (!pSupportedVersion || *pSupportedVersion < 2) return VK_ERROR_INCOMPATIBLE_DRIVER;
  *pSupportedVersion = std::min(*pSupportedVersion, kOurVersion);
  return VK_SUCCESS;
}

__attribute__((visibility("default"))) VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL
vk_icdGetInstanceProcAddr(VkInstance instance, const char* pName) {
  return entry_vkGetInstanceProcAddr(instance, pName);
}

__attribute__((visibility("default"))) VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL
vk_icdGetPhysicalDeviceProcAddr(VkInstance, const char* pName) {
  if (!pName) return nullptr;
  const ProcEntry* e = find_proc(pName);
  return e && e->level == Level::kPhysicalDevice ? e->function : nullptr;
}

}  // extern "C"
