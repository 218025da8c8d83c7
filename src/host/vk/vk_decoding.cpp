#include "host/vk/vk_decoding.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace gfxrelay::host::vk {

void Objects::remove(uint64_t id) {
  if (id == 0) return;
  std::vector<uint64_t> gone = descendants(id);
  gone.push_back(id);
  for (uint64_t child : gone) {
    if (auto e = entries_.find(child); e != entries_.end() && e->second.counted)
      quota_->release_objects(1);
    entries_.erase(child);
    if (auto it = memory.find(child); it != memory.end()) {
      quota_->release_memory(static_cast<int64_t>(it->second.size));
      if (it->second.shared >= 0) shared_ranges.erase(static_cast<uint64_t>(it->second.shared));
      memory.erase(it);
    }
    devices.erase(child);
    plain_images.erase(child);
  }
}

void Objects::latch(VkResult result, const char* command) {
  if (latched_ < 0) return;
  latched_ = VK_ERROR_DEVICE_LOST;
  std::fprintf(stderr,
               "gfxrelay serve: Vulkan: %s failed on the host (%d); the guest's next wait "
               "reports VK_ERROR_DEVICE_LOST\n",
               command, result);
}

int64_t Objects::allocate_shared(uint64_t size, uint64_t alignment, uint64_t capacity) {
  uint64_t at = 0;
  for (const auto& [offset, length] : shared_ranges) {
    if (offset >= at && offset - at >= size) break;
    at = std::max(at, (offset + length + alignment - 1) / alignment * alignment);
  }
  if (at > capacity || capacity - at < size) return -1;
  shared_ranges[at] = size;
  return static_cast<int64_t>(at);
}

std::vector<uint64_t> Objects::descendants(uint64_t id) const {
  // Host-named objects (physical devices) have ids above every guest id, so parents do not
  // always come before their children in id order: collect until nothing changes.
  std::set<uint64_t> found{id};
  for (size_t before = 0; before != found.size();) {
    before = found.size();
    for (const auto& [child, e] : entries_)
      if (found.count(e.parent)) found.insert(child);
  }
  found.erase(id);
  // Deepest first, then newest first: children are destroyed before their parents.
  auto depth = [this](uint64_t child) {
    int d = 0;
    for (const Entry* e = find(child); e && d < 8; e = find(e->parent)) ++d;
    return d;
  };
  std::vector<std::pair<int, uint64_t>> ordered;
  for (uint64_t child : found) ordered.push_back({depth(child), child});
  std::sort(ordered.rbegin(), ordered.rend());
  std::vector<uint64_t> out;
  for (const auto& [d, child] : ordered) out.push_back(child);
  return out;
}

bool Objects::owned_by(uint64_t id, uint64_t ancestor) const {
  for (int depth = 0; depth < 8 && id; ++depth) {
    if (id == ancestor) return true;
    const Entry* e = find(id);
    if (!e) return false;
    id = e->parent;
  }
  return false;
}

uint64_t Objects::device_of(uint64_t id) const {
  for (int depth = 0; depth < 8 && id; ++depth) {
    const Entry* e = find(id);
    if (!e) return 0;
    if (e->type == VK_OBJECT_TYPE_DEVICE) return id;
    id = e->parent;
  }
  return 0;
}

uint64_t Objects::find_id(VkObjectType type, uint64_t host) const {
  for (const auto& [id, e] : entries_)
    if (e.type == type && e.host == host) return id;
  return 0;
}

bool Decoding::fresh_id(uint64_t id, const char* where) {
  if (id == 0 || (id & Objects::kHostIdBit)) return fail(where, "invalid new object id");
  if (objects.find(id)) return fail(where, "object id " + std::to_string(id) + " is in use");
  if (!objects.quota().reserve_objects(1))
    return fail(where, "the session's object quota (" +
                           std::to_string(objects.quota().limits().session_objects) +
                           ") is used up");
  return true;
}

bool Decoding::owned_by(uint64_t id, uint64_t ancestor, const char* where) {
  return id == 0 || objects.owned_by(id, ancestor) ||
         fail(where, "object " + std::to_string(id) + " belongs to another device");
}

bool Decoding::at_end() {
  const size_t n = r.remaining();
  if (!r.ok() || n >= wire::kCommandAlignment) return false;
  for (uint8_t b : r.bytes(n))
    if (b != 0) return false;
  return r.ok();
}

bool Decoding::get_raw(void* dst, size_t n) {
  std::span<const uint8_t> bytes = r.bytes(n);
  if (!r.ok()) return fail("stream", "truncated command");
  if (n) std::memcpy(dst, bytes.data(), n);
  return true;
}

bool Decoding::get_string(const char** out, const char* where) {
  *out = nullptr;
  const uint32_t n = r.get<uint32_t>();
  if (n == gfxrelay::vk::kNullCount) return r.ok() || fail(where, "truncated");
  if (!r.ok() || n > r.remaining()) return fail(where, "truncated string");
  char* s = arena.make<char>(size_t{n} + 1);
  if (!s || !get_raw(s, n)) return fail(where, "bad string");
  s[n] = '\0';
  *out = s;
  return true;
}

bool Decoding::get_strings(const char* const** out, uint64_t count, const char* where) {
  *out = nullptr;
  const uint32_t n = r.get<uint32_t>();
  if (!r.ok() || n != count || n > r.remaining())
    return fail(where, "string count differs from its length");
  if (n == 0) return true;
  auto** strings = arena.make<const char*>(n);
  if (!strings) return fail(where, "out of memory");
  for (uint32_t i = 0; i < n; ++i) {
    if (!get_string(&strings[i], where)) return false;
    if (!strings[i]) return fail(where, "NULL string in a list");
  }
  *out = strings;
  return true;
}

namespace {

// Checks one chained sType and makes its zeroed structure; nullptr (with d.error) if refused.
VkBaseOutStructure* chain_element(Decoding& d, VkStructureType root, VkStructureType type,
                                  bool output, std::set<uint32_t>* seen) {
  const size_t size = gfxrelay::vk::struct_size(type);
  if (size == 0)
    return d.fail("pNext", "structure type " + std::to_string(type) + " is not carried"), nullptr;
  if (!gfxrelay::vk::may_extend(root, type) || (output && !gfxrelay::vk::is_output_struct(type)))
    return d.fail("pNext", "structure type " + std::to_string(type) +
                               " may not extend structure type " + std::to_string(root)),
           nullptr;
  if (!seen->insert(type).second)
    return d.fail("pNext", "structure type " + std::to_string(type) + " twice in one chain"),
           nullptr;
  auto* p = reinterpret_cast<VkBaseOutStructure*>(d.arena.make<uint8_t>(size));
  if (!p) return d.fail("pNext", "out of memory"), nullptr;
  p->sType = type;
  return p;
}

}  // namespace

bool Decoding::get_chain(void* next_field, VkStructureType root,
                         bool (*get_body_any)(Decoding&, VkStructureType, void*)) {
  auto** link = reinterpret_cast<VkBaseOutStructure**>(next_field);
  *link = nullptr;
  std::set<uint32_t> seen;
  for (;;) {
    VkStructureType type{};
    if (!get_enum(&type, "pNext")) return false;
    if (type == 0) return true;
    VkBaseOutStructure* p = chain_element(*this, root, type, false, &seen);
    if (!p || !get_body_any(*this, type, p)) return false;
    *link = p;
    link = &p->pNext;
  }
}

bool get_shape(Decoding& d, void* next_field, VkStructureType root) {
  auto** link = reinterpret_cast<VkBaseOutStructure**>(next_field);
  *link = nullptr;
  std::set<uint32_t> seen;
  for (;;) {
    VkStructureType type{};
    if (!d.get_enum(&type, "pNext")) return false;
    if (type == 0) return true;
    VkBaseOutStructure* p = chain_element(d, root, type, true, &seen);
    if (!p) return false;
    *link = p;
    link = &p->pNext;
  }
}

bool Decoding::finish_reply() {
  const std::vector<uint8_t>& bytes = reply.bytes();
  if (bytes.size() > region_.reply().size())
    return fail("reply", "larger than the reply area (" + std::to_string(bytes.size()) + " bytes)");
  std::memcpy(region_.reply().data(), bytes.data(), bytes.size());
  auto* control = region_.control();
  control->reply_length = static_cast<uint32_t>(bytes.size());
  control->reply_seq.fetch_add(1, std::memory_order_seq_cst);
  if (control->reply_waiting.load(std::memory_order_seq_cst))
    transport::futex_wake_all(&control->reply_seq);
  return true;
}

void narrow_properties(VkPhysicalDeviceProperties& properties) {
  // The relay's guest driver is generated from this header's vk.xml: it carries no later API.
  properties.apiVersion = std::min<uint32_t>(properties.apiVersion, VK_HEADER_VERSION_COMPLETE);
}

void destroy_descendants(Objects& objects, uint64_t id) {
  if (id == 0) return;
  for (uint64_t child : objects.descendants(id)) {
    const Objects::Entry* e = objects.find(child);
    const Objects::Entry* parent = e ? objects.find(e->parent) : nullptr;
    if (e) destroy_object(e->type, e->host, parent ? parent->host : 0);
    objects.remove(child);
  }
}

void forget_descendants(Objects& objects, uint64_t id) {
  for (uint64_t child : objects.descendants(id)) objects.remove(child);
}

void destroy_all(Objects& objects) {
  // Work the guest left in flight finishes before anything it uses goes.
  for (const auto& [id, e] : objects.all())
    if (e.type == VK_OBJECT_TYPE_DEVICE) vkDeviceWaitIdle(from_u64<VkDevice>(e.host));
  while (!objects.all().empty()) {
    const uint64_t first = objects.all().begin()->first;
    destroy_descendants(objects, first);
    const Objects::Entry e = objects.all().begin()->second;
    const Objects::Entry* parent = objects.find(e.parent);
    destroy_object(e.type, e.host, parent ? parent->host : 0);
    objects.remove(first);
  }
}

}  // namespace gfxrelay::host::vk
