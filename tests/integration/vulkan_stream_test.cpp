// Malformed Vulkan streams (unknown and mistyped ids, reused ids, pNext structures that are not
// carried or not allowed there, lengths that do not match their counts, truncated commands)
// end only their own session: a GL guest on the same server keeps rendering correct pixels.
// The streams are written by hand here, as docs/protocol.md ("Vulkan streams") lays them out.
#include <gtest/gtest.h>
#include <vulkan/vulkan.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "support/raw_guest.h"
#include "vkcommon/vk_types.h"

namespace gfxrelay {
namespace {

using testing::all_pixels;
using testing::RawGuest;
using testing::Server;
using vk::VkOp;
using vk::Writer;

// A guest's Vulkan stream, written by hand.
class VulkanStream {
 public:
  explicit VulkanStream(RawGuest& guest) {
    wire::MessageWriter w;
    w.put<uint32_t>(1);
    const std::vector<uint8_t> reply =
        guest.request(wire::Control::kCreateVulkanStream, w, &region_);
    status_ = wire::load<int32_t>(reply.data());
    if (region_) ring_ = transport::RingProducer(region_);
  }
  int32_t status() const { return status_; }

  void command(VkOp op, const Writer& w) {
    const size_t size = 8 + wire::align_up(w.bytes().size());
    uint8_t* p = ring_.reserve(size);
    ASSERT_NE(p, nullptr);
    std::memset(p, 0, size);
    wire::store<uint32_t>(p, static_cast<uint32_t>(op));
    wire::store<uint32_t>(p + 4, static_cast<uint32_t>(size));
    std::memcpy(p + 8, w.bytes().data(), w.bytes().size());
    ring_.commit(size);
    ring_.publish();
  }
  // The first word of reply number ++syncs_ (a VkResult), or 1000 if the stream was closed.
  int32_t result() {
    const uint32_t expected = ++syncs_;
    auto* control = region_.control();
    for (int i = 0; i < 10000; ++i) {
      if (control->reply_seq.load() == expected) return wire::load<int32_t>(region_.reply().data());
      if (closed()) return 1000;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return 1000;
  }
  // A u64 at `offset` of the last reply.
  uint64_t reply_u64(size_t offset) const {
    return wire::load<uint64_t>(region_.reply().data() + offset);
  }
  bool wait_closed() {
    for (int i = 0; i < 3000 && !closed(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return closed();
  }
  bool closed() const { return region_.control()->closed.load() != 0; }
  std::string close_reason() const { return region_.control()->close_reason; }

 private:
  transport::ShmRegion region_;
  transport::RingProducer ring_;
  int32_t status_ = 0;
  uint32_t syncs_ = 0;
};

// vkCreateInstance's wire form: pCreateInfo present, VkInstanceCreateInfo without sType and
// pNext (flags, no pApplicationInfo, no layers, `extensions`), its chain, the new id.
Writer create_instance(uint64_t id, std::vector<std::vector<uint32_t>> chain = {},
                       uint32_t extension_count = 0, std::vector<const char*> extensions = {}) {
  Writer w;
  w.put<uint32_t>(1);
  w.put<uint32_t>(0);                // flags
  w.put<uint32_t>(vk::kNullCount);   // pApplicationInfo
  w.put<uint32_t>(0);                // enabledLayerCount
  w.put<uint32_t>(0);                // ppEnabledLayerNames: none
  w.put<uint32_t>(extension_count);  // enabledExtensionCount
  w.put_strings(extensions.data(), extensions.size());
  for (const auto& element : chain)
    for (uint32_t word : element) w.put<uint32_t>(word);
  w.put<uint32_t>(0);  // end of the chain
  w.put<uint64_t>(id);
  return w;
}

Writer id_only(uint64_t id) {
  Writer w;
  w.put<uint64_t>(id);
  return w;
}

struct BadVulkan {
  const char* name;
  VkOp op;
  Writer (*payload)();
};

class VulkanStreams : public ::testing::TestWithParam<BadVulkan> {};

TEST_P(VulkanStreams, BadStreamEndsOnlyItsOwnSession) {
  Server server;
  RawGuest good(server.path());
  RawGuest bad(server.path());
  ASSERT_TRUE(good.make_current());
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(good.clear_and_read(1, 0, 0, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 255, 0, 0));

  VulkanStream stream(bad);
  ASSERT_EQ(stream.status(), VK_SUCCESS);
  // A well-formed instance first: the stream works until the bad command.
  stream.command(VkOp::vkCreateInstance, create_instance(1));
  ASSERT_EQ(stream.result(), VK_SUCCESS);
  stream.command(VkOp::vkEnumeratePhysicalDevices, id_only(1));
  ASSERT_EQ(stream.result(), VK_SUCCESS);

  stream.command(GetParam().op, GetParam().payload());
  EXPECT_TRUE(stream.wait_closed()) << GetParam().name;
  EXPECT_FALSE(stream.close_reason().empty());
  std::printf("  %s -> \"%s\"\n", GetParam().name, stream.close_reason().c_str());

  ASSERT_TRUE(good.clear_and_read(0, 0, 1, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 0, 0, 255));
  EXPECT_FALSE(good.closed());
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, VulkanStreams,
    ::testing::Values(
        BadVulkan{"unknown instance id", VkOp::vkEnumeratePhysicalDevices,
                  [] { return id_only(12345); }},
        BadVulkan{"instance id where a physical device goes", VkOp::vkGetPhysicalDeviceFeatures,
                  [] { return id_only(1); }},
        BadVulkan{"instance id reused", VkOp::vkCreateInstance, [] { return create_instance(1); }},
        BadVulkan{"host-named id for a new object", VkOp::vkCreateInstance,
                  [] { return create_instance(uint64_t{1} << 63 | 5); }},
        BadVulkan{"loader-private sType on the wire", VkOp::vkCreateInstance,
                  [] { return create_instance(2, {{47u}}); }},
        BadVulkan{"structure not allowed in this chain", VkOp::vkCreateInstance,
                  [] {
                    // VkExportFenceCreateInfo (carried) extends VkFenceCreateInfo only.
                    return create_instance(2, {{VK_STRUCTURE_TYPE_EXPORT_FENCE_CREATE_INFO, 0}});
                  }},
        BadVulkan{
            "extension count differs from the strings", VkOp::vkCreateInstance,
            [] { return create_instance(2, {}, 5, {"VK_KHR_get_physical_device_properties2"}); }},
        BadVulkan{"truncated command", VkOp::vkCreateInstance,
                  [] {
                    Writer w;
                    w.put<uint32_t>(1);
                    w.put<uint32_t>(0);
                    return w;
                  }},
        BadVulkan{"unknown opcode", static_cast<VkOp>(60000), [] { return id_only(1); }}),
    [](const ::testing::TestParamInfo<BadVulkan>& info) {
      std::string name = info.param.name;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

// What a guest leaves behind is destroyed when its session ends; another session's objects
// are out of its reach (ids are per stream).
TEST(VulkanStreamsIsolation, IdsAreThisSessionsOnly) {
  Server server;
  RawGuest first(server.path());
  RawGuest second(server.path());
  VulkanStream a(first);
  VulkanStream b(second);
  ASSERT_EQ(a.status(), VK_SUCCESS);
  ASSERT_EQ(b.status(), VK_SUCCESS);
  a.command(VkOp::vkCreateInstance, create_instance(7));
  ASSERT_EQ(a.result(), VK_SUCCESS);
  // The same id in another session names nothing there.
  b.command(VkOp::vkEnumeratePhysicalDevices, id_only(7));
  EXPECT_TRUE(b.wait_closed());
  a.command(VkOp::vkEnumeratePhysicalDevices, id_only(7));
  EXPECT_EQ(a.result(), VK_SUCCESS);
  EXPECT_FALSE(a.closed());
}

// vkCreateDevice's wire form: physical device, VkDeviceCreateInfo with one queue of family 0,
// the new id.
Writer create_device(uint64_t physical, uint64_t id) {
  Writer w;
  w.put<uint64_t>(physical);
  w.put<uint32_t>(1);
  w.put<uint32_t>(0);  // flags
  w.put<uint32_t>(1);  // queueCreateInfoCount
  w.put<uint32_t>(1);  // pQueueCreateInfos: one
  w.put<uint32_t>(0);  //   flags
  w.put<uint32_t>(0);  //   queueFamilyIndex
  w.put<uint32_t>(1);  //   queueCount
  w.put<uint32_t>(1);  //   pQueuePriorities: one
  const float priority = 1.0f;
  w.put_raw(&priority, sizeof priority);
  w.put<uint32_t>(0);               //   end of its chain
  w.put<uint32_t>(0);               // enabledLayerCount
  w.put<uint32_t>(0);               // ppEnabledLayerNames
  w.put<uint32_t>(0);               // enabledExtensionCount
  w.put<uint32_t>(0);               // ppEnabledExtensionNames
  w.put<uint32_t>(vk::kNullCount);  // pEnabledFeatures
  w.put<uint32_t>(0);               // end of the chain
  w.put<uint64_t>(id);
  return w;
}

Writer allocate_memory(uint64_t device, uint64_t bytes, uint64_t id) {
  Writer w;
  w.put<uint64_t>(device);
  w.put<uint32_t>(1);
  w.put<uint64_t>(bytes);
  w.put<uint32_t>(0);  // memoryTypeIndex
  w.put<uint32_t>(0);  // end of the chain
  w.put<uint64_t>(id);
  return w;
}

// Device memory counts against the session's memory quota: past it, vkAllocateMemory is
// VK_ERROR_OUT_OF_DEVICE_MEMORY and the session goes on; freeing gives the memory back.
TEST(VulkanStreamsIsolation, MemoryPastTheQuotaIsOutOfDeviceMemory) {
  setenv("GFXRELAY_SESSION_MEMORY", "20M", 1);
  Server server;
  RawGuest guest(server.path());
  VulkanStream stream(guest);
  ASSERT_EQ(stream.status(), VK_SUCCESS);
  stream.command(VkOp::vkCreateInstance, create_instance(1));
  ASSERT_EQ(stream.result(), VK_SUCCESS);
  stream.command(VkOp::vkEnumeratePhysicalDevices, id_only(1));
  ASSERT_EQ(stream.result(), VK_SUCCESS);
  const uint64_t physical = stream.reply_u64(8);  // result, count, then the ids
  stream.command(VkOp::vkCreateDevice, create_device(physical, 2));
  ASSERT_EQ(stream.result(), VK_SUCCESS);
  stream.command(VkOp::vkAllocateMemory, allocate_memory(2, 12 << 20, 3));
  EXPECT_EQ(stream.result(), VK_SUCCESS);
  stream.command(VkOp::vkAllocateMemory, allocate_memory(2, 12 << 20, 4));
  EXPECT_EQ(stream.result(), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  Writer free_memory;
  free_memory.put<uint64_t>(2);
  free_memory.put<uint64_t>(3);
  stream.command(VkOp::vkFreeMemory, free_memory);
  stream.command(VkOp::vkAllocateMemory, allocate_memory(2, 12 << 20, 5));
  EXPECT_EQ(stream.result(), VK_SUCCESS);
  EXPECT_FALSE(stream.closed());
  unsetenv("GFXRELAY_SESSION_MEMORY");
}

}  // namespace
}  // namespace gfxrelay
