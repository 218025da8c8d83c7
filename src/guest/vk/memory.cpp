// Queues and mapped memory in the guest's Vulkan driver. A mapping is guest memory: at
// vkMapMemory it is filled from the host's copy; what the program changed goes back at
// vkFlushMappedMemoryRanges and vkUnmapMemory, and, for coherent memory, before each
// vkQueueSubmit; it is read again at vkInvalidateMappedMemoryRanges and, for coherent memory,
// after each wait. Only bytes that differ from what the host last had are written back, so that
// what the device wrote meanwhile is not overwritten with stale bytes. Memory the host imported
// from the stream's shared memory (VK_EXT_external_memory_host) is mapped in place instead.
// Pipeline cache data larger than one reply is read in parts too.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <tuple>
#include <vector>

#include "guest/connection.h"
#include "guest/vk/guest_support.h"

namespace gfxrelay::guest::vk {

using gfxrelay::vk::VkOp;

namespace {

constexpr uint64_t kReadChunk = 48u << 10;    // the host's limit for one read
constexpr uint64_t kWriteChunk = 256u << 10;  // well inside a command's limit
constexpr uint64_t kCompareBlock = 64;        // granularity of what counts as changed

struct Mapping {
  bool shared = false;  // the host imported the memory from the stream's shared memory: no copies
  uint64_t device = 0;
  uint64_t offset = 0;  // of the mapping in the allocation
  uint64_t size = 0;
  bool coherent = false;
  uint8_t* data = nullptr;     // what the program sees
  std::vector<uint8_t> known;  // what the host had when last written or read
};

std::mutex mappings_mutex;
std::map<uint64_t, Mapping> mappings;  // by memory id

// Writes back the blocks of [from, to) (offsets in the mapping) the program changed.
void write_changes(Stream* stream, uint64_t memory, Mapping& m, uint64_t from, uint64_t to) {
  from = std::min(from, m.size);
  to = std::min(to, m.size);
  uint64_t at = from - from % kCompareBlock;
  while (at < to) {
    // The next run of changed blocks.
    while (at < to &&
           std::memcmp(m.data + at, m.known.data() + at, std::min(kCompareBlock, m.size - at)) == 0)
      at += kCompareBlock;
    uint64_t end = at;
    while (end < to && end - at < kWriteChunk &&
           std::memcmp(m.data + end, m.known.data() + end, std::min(kCompareBlock, m.size - end)))
      end += kCompareBlock;
    end = std::min(end, m.size);
    if (end <= at) break;
    Writer w;
    w.put<uint64_t>(memory);
    w.put<uint64_t>(m.offset + at);
    w.put<uint32_t>(static_cast<uint32_t>(end - at));
    w.put<uint32_t>(0);
    w.put_raw(m.data + at, end - at);
    stream->send(VkOp::gfxrelay_vkWriteMemory, w);
    std::memcpy(m.known.data() + at, m.data + at, end - at);
    at = end;
  }
}

// Reads [from, to) of the mapping from the host; false if the session is over.
bool read_range(Stream* stream, uint64_t memory, Mapping& m, uint64_t from, uint64_t to) {
  to = std::min(to, m.size);
  for (uint64_t at = from; at < to; at += kReadChunk) {
    const uint64_t length = std::min(kReadChunk, to - at);
    Writer w;
    w.put<uint64_t>(memory);
    w.put<uint64_t>(m.offset + at);
    w.put<uint32_t>(static_cast<uint32_t>(length));
    w.put<uint32_t>(0);
    std::vector<uint8_t> reply;
    if (!stream->call(VkOp::gfxrelay_vkReadMemory, w, &reply)) return false;
    if (reply.size() < length) {
      stream->protocol_error("gfxrelay_vkReadMemory");
      return false;
    }
    std::memcpy(m.data + at, reply.data(), length);
    std::memcpy(m.known.data() + at, reply.data(), length);
  }
  return true;
}

// The part of `range` inside mapping `m`, as offsets in the mapping.
std::pair<uint64_t, uint64_t> in_mapping(const Mapping& m, const VkMappedMemoryRange& range) {
  const uint64_t from = range.offset > m.offset ? range.offset - m.offset : 0;
  const uint64_t to = range.size == VK_WHOLE_SIZE ? m.size : range.offset + range.size - m.offset;
  return {std::min(from, m.size), std::min(to, m.size)};
}

// vkFlushMappedMemoryRanges / vkInvalidateMappedMemoryRanges as the generated code would send
// them (the host flushes or invalidates its own mapping); their result.
VkResult send_ranges(Stream* stream, VkOp op, VkDevice device, uint32_t count,
                     const VkMappedMemoryRange* ranges) {
  Writer w;
  w.put<uint64_t>(dispatchable_id(device));
  w.put<uint32_t>(count);
  w.put<uint32_t>(count);
  for (uint32_t i = 0; i < count; ++i) put(w, ranges[i]);
  std::vector<uint8_t> reply;
  if (!stream->call(op, w, &reply) || reply.size() < 4) return VK_ERROR_DEVICE_LOST;
  return static_cast<VkResult>(wire::load<int32_t>(reply.data()));
}

}  // namespace

void write_coherent_mappings() {
  Stream* stream = Stream::get();
  if (!stream) return;
  std::lock_guard lock(mappings_mutex);
  for (auto& [memory, m] : mappings)
    if (m.coherent && !m.shared) write_changes(stream, memory, m, 0, m.size);
}

void read_coherent_mappings() {
  Stream* stream = Stream::get();
  if (!stream) return;
  std::lock_guard lock(mappings_mutex);
  for (auto& [memory, m] : mappings) {
    if (!m.coherent || m.shared) continue;
    write_changes(stream, memory, m, 0, m.size);  // the program's own writes first
    read_range(stream, memory, m, 0, m.size);
  }
}

void forget_mapping(VkDeviceMemory memory) {
  std::lock_guard lock(mappings_mutex);
  auto it = mappings.find(handle_id(memory));
  if (it == mappings.end()) return;
  if (!it->second.shared) std::free(it->second.data);
  mappings.erase(it);
}

VKAPI_ATTR void VKAPI_CALL entry_vkGetDeviceQueue(VkDevice device, uint32_t queueFamilyIndex,
                                                  uint32_t queueIndex, VkQueue* pQueue) {
  // The same handle each time: made once per (device, family, index).
  static std::mutex mutex;
  static std::map<std::tuple<uint64_t, uint32_t, uint32_t>, void*> queues;
  std::lock_guard lock(mutex);
  void*& queue = queues[{dispatchable_id(device), queueFamilyIndex, queueIndex}];
  if (!queue) {
    Stream* stream = Stream::get();
    if (!stream) {
      *pQueue = VK_NULL_HANDLE;
      return;
    }
    const uint64_t id = new_id();
    Writer w;
    w.put<uint64_t>(dispatchable_id(device));
    w.put<uint32_t>(queueFamilyIndex);
    w.put<uint32_t>(queueIndex);
    w.put<uint64_t>(id);
    stream->send(VkOp::vkGetDeviceQueue, w);
    queue = new_dispatchable(id);
  }
  *pQueue = static_cast<VkQueue>(queue);
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkMapMemory(VkDevice device, VkDeviceMemory memory,
                                                 VkDeviceSize offset, VkDeviceSize size,
                                                 VkMemoryMapFlags flags, void** ppData) {
  Stream* stream = Stream::get();
  if (!stream) return VK_ERROR_DEVICE_LOST;
  Writer w;
  w.put<uint64_t>(dispatchable_id(device));
  w.put<uint64_t>(handle_id(memory));
  w.put<uint64_t>(offset);
  w.put<uint64_t>(size);
  w.put<uint32_t>(flags);
  std::vector<uint8_t> reply;
  if (!stream->call(VkOp::vkMapMemory, w, &reply)) return VK_ERROR_DEVICE_LOST;
  wire::Reader r(reply);
  const VkResult result = r.get<VkResult>();
  Mapping m;
  m.device = dispatchable_id(device);
  m.offset = offset;
  m.size = r.get<uint64_t>();
  m.coherent = r.get<uint32_t>() != 0;
  const uint64_t shared = r.get<uint64_t>();
  if (!r.at_end()) return stream->protocol_error("vkMapMemory"), VK_ERROR_DEVICE_LOST;
  if (result != VK_SUCCESS) return result;
  if (shared != UINT64_MAX) {
    // Imported memory: the program writes and reads the device's memory itself.
    m.data = stream->shared_memory(shared, m.size);
    if (!m.data) return stream->protocol_error("vkMapMemory"), VK_ERROR_DEVICE_LOST;
    m.shared = true;
    std::lock_guard lock(mappings_mutex);
    mappings[handle_id(memory)] = std::move(m);
    *ppData = mappings[handle_id(memory)].data;
    return VK_SUCCESS;
  }
  // Page-aligned, as a driver's mapping is (minMemoryMapAlignment).
  m.data = static_cast<uint8_t*>(std::aligned_alloc(4096, (m.size + 4095) / 4096 * 4096));
  if (!m.data) return VK_ERROR_OUT_OF_HOST_MEMORY;
  m.known.assign(m.size, 0);
  std::lock_guard lock(mappings_mutex);
  Mapping& mapping = mappings[handle_id(memory)] = std::move(m);
  if (!read_range(stream, handle_id(memory), mapping, 0, mapping.size)) {
    std::free(mapping.data);
    mappings.erase(handle_id(memory));
    return VK_ERROR_DEVICE_LOST;
  }
  *ppData = mapping.data;
  return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL entry_vkUnmapMemory(VkDevice device, VkDeviceMemory memory) {
  Stream* stream = Stream::get();
  if (!stream) return;
  std::lock_guard lock(mappings_mutex);
  auto it = mappings.find(handle_id(memory));
  if (it == mappings.end()) return;
  if (!it->second.shared) write_changes(stream, it->first, it->second, 0, it->second.size);
  Writer w;
  w.put<uint64_t>(dispatchable_id(device));
  w.put<uint64_t>(handle_id(memory));
  stream->send(VkOp::vkUnmapMemory, w);
  if (!it->second.shared) std::free(it->second.data);
  mappings.erase(it);
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkFlushMappedMemoryRanges(
    VkDevice device, uint32_t memoryRangeCount, const VkMappedMemoryRange* pMemoryRanges) {
  Stream* stream = Stream::get();
  if (!stream) return VK_ERROR_DEVICE_LOST;
  {
    std::lock_guard lock(mappings_mutex);
    for (uint32_t i = 0; i < memoryRangeCount; ++i) {
      auto it = mappings.find(handle_id(pMemoryRanges[i].memory));
      if (it == mappings.end() || it->second.shared) continue;
      const auto [from, to] = in_mapping(it->second, pMemoryRanges[i]);
      write_changes(stream, it->first, it->second, from, to);
    }
  }
  // The host's own mapping may need the flush too (non-coherent host memory).
  return send_ranges(stream, VkOp::vkFlushMappedMemoryRanges, device, memoryRangeCount,
                     pMemoryRanges);
}

VKAPI_ATTR VkResult VKAPI_CALL entry_vkInvalidateMappedMemoryRanges(
    VkDevice device, uint32_t memoryRangeCount, const VkMappedMemoryRange* pMemoryRanges) {
  Stream* stream = Stream::get();
  if (!stream) return VK_ERROR_DEVICE_LOST;
  const VkResult result = send_ranges(stream, VkOp::vkInvalidateMappedMemoryRanges, device,
                                      memoryRangeCount, pMemoryRanges);
  if (result == VK_ERROR_DEVICE_LOST) return result;
  std::lock_guard lock(mappings_mutex);
  for (uint32_t i = 0; i < memoryRangeCount; ++i) {
    auto it = mappings.find(handle_id(pMemoryRanges[i].memory));
    if (it == mappings.end() || it->second.shared) continue;
    const auto [from, to] = in_mapping(it->second, pMemoryRanges[i]);
    if (!read_range(stream, it->first, it->second, from, to)) return VK_ERROR_DEVICE_LOST;
  }
  return result;
}

namespace {

// Most pipeline cache bytes one reply of vkGetPipelineCacheData carries (the host's limit), or
// fewer where GFXRELAY_VK_CACHE_PART says so (tests read lavapipe's small data in parts).
uint64_t cache_data_part() {
  static const uint64_t part = [] {
    constexpr uint64_t kOneReply = kReadChunk - 64;
    const char* set = std::getenv("GFXRELAY_VK_CACHE_PART");
    const uint64_t v = set ? std::strtoull(set, nullptr, 10) : 0;
    return v > 0 && v < kOneReply ? v : kOneReply;
  }();
  return part;
}

}  // namespace

VKAPI_ATTR VkResult VKAPI_CALL entry_vkGetPipelineCacheData(VkDevice device,
                                                            VkPipelineCache pipelineCache,
                                                            size_t* pDataSize, void* pData) {
  const uint64_t part = cache_data_part();
  if (!pData || *pDataSize <= part)
    return relay_vkGetPipelineCacheData(device, pipelineCache, pDataSize, pData);
  Stream* stream = Stream::get();
  if (!stream) return VK_ERROR_DEVICE_LOST;
  auto* out = static_cast<uint8_t*>(pData);
  uint64_t at = 0, total = 0;
  bool incomplete = false;
  do {
    const uint64_t length = std::min<uint64_t>(part, *pDataSize - at);
    Writer w;
    w.put<uint64_t>(dispatchable_id(device));
    w.put<uint64_t>(handle_id(pipelineCache));
    w.put<uint64_t>(at);
    w.put<uint32_t>(static_cast<uint32_t>(length));
    w.put<uint32_t>(0);
    std::vector<uint8_t> reply;
    if (!stream->call(VkOp::gfxrelay_vkGetPipelineCacheDataPart, w, &reply))
      return VK_ERROR_DEVICE_LOST;
    wire::Reader r(reply);
    const auto result = static_cast<VkResult>(r.get<int32_t>());
    r.get<uint32_t>();
    total = r.get<uint64_t>();
    if (r.ok() && result < 0) return result;
    incomplete = result == VK_INCOMPLETE;  // the cache grew while the host read it
    const uint64_t n = at < total ? std::min(length, total - at) : 0;
    get_raw(r, out + at, n);
    if (!r.at_end()) {
      stream->protocol_error("gfxrelay_vkGetPipelineCacheDataPart");
      return VK_ERROR_DEVICE_LOST;
    }
    at += n;
  } while (at < std::min<uint64_t>(total, *pDataSize));
  *pDataSize = at;
  return at < total || incomplete ? VK_INCOMPLETE : VK_SUCCESS;
}

}  // namespace gfxrelay::guest::vk
