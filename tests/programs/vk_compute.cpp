// A headless Vulkan compute program: storage buffers in host-visible memory, a compute pipeline
// with a descriptor set and push constants, a buffer copy and fill, fences; two rounds, the
// second after the program changed the mapped input. Prints what the device computed and
// whether it matches the CPU's answer: the output must be the same natively and relayed.
// With --bench ROUNDS it then times ROUNDS submissions of the same work, each waited for and
// its result read from mapped memory (bench/vk_compare).
#include <vulkan/vulkan.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "vk_compute_comp_spv.h"  // kComputeShader: shaders/vk_compute.comp as SPIR-V
#include "vk_helpers.h"

namespace {

using vk_test::check;

constexpr uint32_t kValues = 1 << 18;  // 1 MiB of uint32
constexpr VkDeviceSize kBytes = kValues * sizeof(uint32_t);

uint64_t fnv1a(const uint32_t* values, size_t n) {
  uint64_t h = 1469598103934665603ull;
  const auto* bytes = reinterpret_cast<const uint8_t*>(values);
  for (size_t i = 0; i < n * 4; ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  const int bench_rounds =
      argc == 3 && std::strcmp(argv[1], "--bench") == 0 ? std::atoi(argv[2]) : 0;
  const vk_test::Gpu gpu =
      vk_test::open_gpu("vk_compute", VK_API_VERSION_1_1, VK_QUEUE_COMPUTE_BIT, nullptr);
  VkInstance instance = gpu.instance;
  VkPhysicalDevice physical = gpu.physical;
  const uint32_t family = gpu.family;
  VkDevice device = gpu.device;
  VkQueue queue = gpu.queue;
  VkPhysicalDeviceProperties properties;
  vkGetPhysicalDeviceProperties(physical, &properties);
  std::printf("device: %s\n", properties.deviceName);

  // Two buffers in one host-visible, coherent allocation: input/output, then the copy.
  VkBufferCreateInfo buffer_info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  buffer_info.size = kBytes;
  buffer_info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                      VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  VkBuffer buffers[2];
  for (VkBuffer& b : buffers)
    check(vkCreateBuffer(device, &buffer_info, nullptr, &b), "vkCreateBuffer");
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device, buffers[0], &requirements);
  const VkDeviceSize stride = (requirements.size + requirements.alignment - 1) /
                              requirements.alignment * requirements.alignment;
  VkPhysicalDeviceMemoryProperties memory_properties;
  vkGetPhysicalDeviceMemoryProperties(physical, &memory_properties);
  const VkMemoryPropertyFlags wanted =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  uint32_t type = 0;
  while (type < memory_properties.memoryTypeCount &&
         (!(requirements.memoryTypeBits & (1u << type)) ||
          (memory_properties.memoryTypes[type].propertyFlags & wanted) != wanted))
    ++type;
  VkMemoryAllocateInfo allocate{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  allocate.allocationSize = stride * 2;
  allocate.memoryTypeIndex = type;
  VkDeviceMemory memory;
  check(vkAllocateMemory(device, &allocate, nullptr, &memory), "vkAllocateMemory");
  check(vkBindBufferMemory(device, buffers[0], memory, 0), "vkBindBufferMemory");
  check(vkBindBufferMemory(device, buffers[1], memory, stride), "vkBindBufferMemory");
  void* mapped = nullptr;
  check(vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
  auto* input = static_cast<uint32_t*>(mapped);
  auto* copy = reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(mapped) + stride);
  for (uint32_t i = 0; i < kValues; ++i) input[i] = i * 7 + 3;

  // The pipeline: one storage buffer, a push constant.
  VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  module_info.codeSize = sizeof kComputeShader;
  module_info.pCode = kComputeShader;
  VkShaderModule module;
  check(vkCreateShaderModule(device, &module_info, nullptr, &module), "vkCreateShaderModule");
  VkDescriptorSetLayoutBinding binding{};
  binding.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  binding.descriptorCount = 1;
  binding.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  VkDescriptorSetLayoutCreateInfo set_layout_info{
      VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_layout_info.bindingCount = 1;
  set_layout_info.pBindings = &binding;
  VkDescriptorSetLayout set_layout;
  check(vkCreateDescriptorSetLayout(device, &set_layout_info, nullptr, &set_layout),
        "vkCreateDescriptorSetLayout");
  VkPushConstantRange push_range{VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(uint32_t)};
  VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &set_layout;
  layout_info.pushConstantRangeCount = 1;
  layout_info.pPushConstantRanges = &push_range;
  VkPipelineLayout layout;
  check(vkCreatePipelineLayout(device, &layout_info, nullptr, &layout), "vkCreatePipelineLayout");
  VkComputePipelineCreateInfo pipeline_info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  pipeline_info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pipeline_info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipeline_info.stage.module = module;
  pipeline_info.stage.pName = "main";
  pipeline_info.layout = layout;
  VkPipeline pipeline;
  check(vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &pipeline_info, nullptr, &pipeline),
        "vkCreateComputePipelines");

  VkDescriptorPoolSize pool_size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1};
  VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool_info.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  pool_info.maxSets = 1;
  pool_info.poolSizeCount = 1;
  pool_info.pPoolSizes = &pool_size;
  VkDescriptorPool pool;
  check(vkCreateDescriptorPool(device, &pool_info, nullptr, &pool), "vkCreateDescriptorPool");
  VkDescriptorSetAllocateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  set_info.descriptorPool = pool;
  set_info.descriptorSetCount = 1;
  set_info.pSetLayouts = &set_layout;
  VkDescriptorSet set;
  check(vkAllocateDescriptorSets(device, &set_info, &set), "vkAllocateDescriptorSets");
  VkDescriptorBufferInfo buffer_descriptor{buffers[0], 0, VK_WHOLE_SIZE};
  VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
  write.dstSet = set;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  write.pBufferInfo = &buffer_descriptor;
  vkUpdateDescriptorSets(device, 1, &write, 0, nullptr);

  VkCommandPoolCreateInfo command_pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  command_pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  command_pool_info.queueFamilyIndex = family;
  VkCommandPool command_pool;
  check(vkCreateCommandPool(device, &command_pool_info, nullptr, &command_pool),
        "vkCreateCommandPool");
  VkCommandBufferAllocateInfo command_info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  command_info.commandPool = command_pool;
  command_info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  command_info.commandBufferCount = 1;
  VkCommandBuffer commands;
  check(vkAllocateCommandBuffers(device, &command_info, &commands), "vkAllocateCommandBuffers");
  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence;
  check(vkCreateFence(device, &fence_info, nullptr, &fence), "vkCreateFence");

  std::vector<uint32_t> expected(kValues);
  bool all_right = true;
  for (uint32_t round = 1; round <= 2; ++round) {
    const uint32_t multiplier = round + 1;
    for (uint32_t i = 0; i < kValues; ++i) expected[i] = input[i] * multiplier + i * i;
    for (uint32_t i = kValues - 1024; i < kValues; ++i) expected[i] = 0xC0FFEE00u + round;

    check(vkResetCommandBuffer(commands, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer");
    vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0,
                            nullptr);
    vkCmdPushConstants(commands, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof multiplier,
                       &multiplier);
    vkCmdDispatch(commands, kValues / 64, 1, 1);
    VkBufferMemoryBarrier barrier{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.buffer = buffers[0];
    barrier.size = VK_WHOLE_SIZE;
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 1, &barrier, 0, nullptr);
    const VkBufferCopy region{0, 0, kBytes};
    vkCmdCopyBuffer(commands, buffers[0], buffers[1], 1, &region);
    VkBufferMemoryBarrier fill_barrier = barrier;
    fill_barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    fill_barrier.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    fill_barrier.buffer = buffers[1];
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         0, 0, nullptr, 1, &fill_barrier, 0, nullptr);
    vkCmdFillBuffer(commands, buffers[1], kBytes - 4096, 4096, 0xC0FFEE00u + round);
    VkBufferMemoryBarrier host_barrier = barrier;
    host_barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    host_barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    host_barrier.buffer = buffers[1];
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0,
                         nullptr, 1, &host_barrier, 0, nullptr);
    check(vkEndCommandBuffer(commands), "vkEndCommandBuffer");

    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    check(vkQueueSubmit(queue, 1, &submit, fence), "vkQueueSubmit");
    check(vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    check(vkResetFences(device, 1, &fence), "vkResetFences");
    VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
    range.memory = memory;
    range.size = VK_WHOLE_SIZE;
    check(vkInvalidateMappedMemoryRanges(device, 1, &range), "vkInvalidateMappedMemoryRanges");

    const bool right = std::memcmp(copy, expected.data(), kBytes) == 0;
    all_right = all_right && right;
    std::printf("round %u: checksum %016llx, values %u %u %u %u, %s\n", round,
                static_cast<unsigned long long>(fnv1a(copy, kValues)), copy[0], copy[1],
                copy[kValues / 2], copy[kValues - 1], right ? "as computed on the CPU" : "WRONG");
    // The program changes part of the input for the next round (the output of this one is the
    // input now: the shader wrote it in place).
    for (uint32_t i = 0; i < kValues; i += 3) input[i] = i;
  }

  if (bench_rounds > 0) {
    // The last round's commands again (no longer one-time), submitted and waited for each round.
    check(vkResetCommandBuffer(commands, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    check(vkBeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer");
    vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0,
                            nullptr);
    const uint32_t multiplier = 1;
    vkCmdPushConstants(commands, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof multiplier,
                       &multiplier);
    vkCmdDispatch(commands, kValues / 64, 1, 1);
    const VkBufferCopy region{0, 0, kBytes};
    vkCmdCopyBuffer(commands, buffers[0], buffers[1], 1, &region);
    check(vkEndCommandBuffer(commands), "vkEndCommandBuffer");
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    uint64_t sum = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < bench_rounds; ++i) {
      check(vkQueueSubmit(queue, 1, &submit, fence), "vkQueueSubmit");
      check(vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
      check(vkResetFences(device, 1, &fence), "vkResetFences");
      sum += copy[static_cast<uint32_t>(i) * 4099 % kValues];
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("bench: %d rounds, %.3f ms per round (checksum %llu)\n", bench_rounds,
                ms / bench_rounds, static_cast<unsigned long long>(sum));
  }

  vkUnmapMemory(device, memory);
  vkDestroyFence(device, fence, nullptr);
  vkFreeCommandBuffers(device, command_pool, 1, &commands);
  vkDestroyCommandPool(device, command_pool, nullptr);
  vkFreeDescriptorSets(device, pool, 1, &set);
  vkDestroyDescriptorPool(device, pool, nullptr);
  vkDestroyPipeline(device, pipeline, nullptr);
  vkDestroyPipelineLayout(device, layout, nullptr);
  vkDestroyDescriptorSetLayout(device, set_layout, nullptr);
  vkDestroyShaderModule(device, module, nullptr);
  for (VkBuffer b : buffers) vkDestroyBuffer(device, b, nullptr);
  vkFreeMemory(device, memory, nullptr);
  vkDestroyDevice(device, nullptr);
  vkDestroyInstance(instance, nullptr);
  return all_right ? 0 : 1;
}
