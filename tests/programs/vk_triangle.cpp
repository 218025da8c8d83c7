// A headless Vulkan graphics program: a 64x64 colour image drawn in two passes, first through a
// render pass (cleared, an indexed quad and a triangle from vertex and index buffers, dynamic
// viewport and scissor), then with dynamic rendering (Vulkan 1.3: a second pipeline made for
// it, loading what the first pass drew, a triangle at half brightness through a push constant);
// the image is copied into a host-visible buffer and its pixels summed up. An occlusion query
// counts the first pass's samples, and an event set at the end is read back. The second pass
// also draws a textured triangle: an 8x8 texture uploaded from a buffer, a sampler, a
// combined image-sampler descriptor. The output must be
// the same natively and relayed (tests/integration/vk_programs_test.sh).
#include <vulkan/vulkan.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "vk_helpers.h"
#include "vk_triangle_frag_spv.h"          // kFragmentShader
#include "vk_triangle_texture_frag_spv.h"  // kTextureShader
#include "vk_triangle_vert_spv.h"          // kVertexShader

namespace {

using vk_test::check;

constexpr uint32_t kSize = 64;
constexpr VkFormat kFormat = VK_FORMAT_R8G8B8A8_UNORM;

struct Vertex {
  float x, y, r, g, b;
};

uint32_t memory_type(VkPhysicalDevice physical, uint32_t bits, VkMemoryPropertyFlags wanted) {
  VkPhysicalDeviceMemoryProperties properties;
  vkGetPhysicalDeviceMemoryProperties(physical, &properties);
  for (uint32_t i = 0; i < properties.memoryTypeCount; ++i)
    if ((bits & (1u << i)) && (properties.memoryTypes[i].propertyFlags & wanted) == wanted)
      return i;
  std::fprintf(stderr, "vk_triangle: no memory type\n");
  std::exit(1);
}

VkDeviceMemory bind_memory(VkDevice device, VkPhysicalDevice physical, VkMemoryRequirements req,
                           VkMemoryPropertyFlags wanted) {
  VkMemoryAllocateInfo info{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  info.allocationSize = req.size;
  info.memoryTypeIndex = memory_type(physical, req.memoryTypeBits, wanted);
  VkDeviceMemory memory;
  check(vkAllocateMemory(device, &info, nullptr, &memory), "vkAllocateMemory");
  return memory;
}

VkShaderModule shader(VkDevice device, const uint32_t* code, size_t bytes) {
  VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  info.codeSize = bytes;
  info.pCode = code;
  VkShaderModule module;
  check(vkCreateShaderModule(device, &info, nullptr, &module), "vkCreateShaderModule");
  return module;
}

// A pipeline for `render_pass`, or for dynamic rendering when it is VK_NULL_HANDLE.
VkPipeline pipeline(VkDevice device, VkPipelineLayout layout, VkRenderPass render_pass,
                    VkShaderModule vertex, VkShaderModule fragment) {
  VkPipelineShaderStageCreateInfo stages[2] = {
      {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO},
      {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO}};
  stages[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
  stages[0].module = vertex;
  stages[0].pName = "main";
  stages[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
  stages[1].module = fragment;
  stages[1].pName = "main";
  const VkVertexInputBindingDescription binding{0, sizeof(Vertex), VK_VERTEX_INPUT_RATE_VERTEX};
  const VkVertexInputAttributeDescription attributes[2] = {{0, 0, VK_FORMAT_R32G32_SFLOAT, 0},
                                                           {1, 0, VK_FORMAT_R32G32B32_SFLOAT, 8}};
  VkPipelineVertexInputStateCreateInfo input{
      VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO};
  input.vertexBindingDescriptionCount = 1;
  input.pVertexBindingDescriptions = &binding;
  input.vertexAttributeDescriptionCount = 2;
  input.pVertexAttributeDescriptions = attributes;
  VkPipelineInputAssemblyStateCreateInfo assembly{
      VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO};
  assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
  VkPipelineViewportStateCreateInfo viewport{VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO};
  viewport.viewportCount = 1;
  viewport.scissorCount = 1;
  VkPipelineRasterizationStateCreateInfo raster{
      VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO};
  raster.polygonMode = VK_POLYGON_MODE_FILL;
  raster.cullMode = VK_CULL_MODE_NONE;
  raster.lineWidth = 1.0f;
  VkPipelineMultisampleStateCreateInfo multisample{
      VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO};
  multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
  VkPipelineColorBlendAttachmentState blend_attachment{};
  blend_attachment.colorWriteMask = 0xF;
  VkPipelineColorBlendStateCreateInfo blend{
      VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO};
  blend.attachmentCount = 1;
  blend.pAttachments = &blend_attachment;
  const VkDynamicState dynamic_states[2] = {VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
  VkPipelineDynamicStateCreateInfo dynamic{VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO};
  dynamic.dynamicStateCount = 2;
  dynamic.pDynamicStates = dynamic_states;
  VkPipelineRenderingCreateInfo rendering{VK_STRUCTURE_TYPE_PIPELINE_RENDERING_CREATE_INFO};
  rendering.colorAttachmentCount = 1;
  rendering.pColorAttachmentFormats = &kFormat;
  VkGraphicsPipelineCreateInfo info{VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO};
  info.pNext = render_pass ? nullptr : &rendering;
  info.stageCount = 2;
  info.pStages = stages;
  info.pVertexInputState = &input;
  info.pInputAssemblyState = &assembly;
  info.pViewportState = &viewport;
  info.pRasterizationState = &raster;
  info.pMultisampleState = &multisample;
  info.pColorBlendState = &blend;
  info.pDynamicState = &dynamic;
  info.layout = layout;
  info.renderPass = render_pass;
  VkPipeline pipeline;
  check(vkCreateGraphicsPipelines(device, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline),
        "vkCreateGraphicsPipelines");
  return pipeline;
}

}  // namespace

int main() {
  VkPhysicalDeviceVulkan13Features features13{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  features13.dynamicRendering = VK_TRUE;
  features13.synchronization2 = VK_TRUE;
  const vk_test::Gpu gpu =
      vk_test::open_gpu("vk_triangle", VK_API_VERSION_1_3, VK_QUEUE_GRAPHICS_BIT, &features13);
  VkInstance instance = gpu.instance;
  VkPhysicalDevice physical = gpu.physical;
  const uint32_t family = gpu.family;
  VkDevice device = gpu.device;
  VkQueue queue = gpu.queue;

  // The colour image, and a buffer to read it back into.
  VkImageCreateInfo image_info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  image_info.imageType = VK_IMAGE_TYPE_2D;
  image_info.format = kFormat;
  image_info.extent = {kSize, kSize, 1};
  image_info.mipLevels = 1;
  image_info.arrayLayers = 1;
  image_info.samples = VK_SAMPLE_COUNT_1_BIT;
  image_info.tiling = VK_IMAGE_TILING_OPTIMAL;
  image_info.usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
  VkImage image;
  check(vkCreateImage(device, &image_info, nullptr, &image), "vkCreateImage");
  VkMemoryRequirements requirements;
  vkGetImageMemoryRequirements(device, image, &requirements);
  VkDeviceMemory image_memory = bind_memory(device, physical, requirements, 0);
  check(vkBindImageMemory(device, image, image_memory, 0), "vkBindImageMemory");
  VkImageViewCreateInfo view_info{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
  view_info.image = image;
  view_info.viewType = VK_IMAGE_VIEW_TYPE_2D;
  view_info.format = kFormat;
  view_info.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  VkImageView view;
  check(vkCreateImageView(device, &view_info, nullptr, &view), "vkCreateImageView");

  // Vertices and indices, and the read-back, in one host-visible buffer each.
  const Vertex vertices[] = {{-0.8f, -0.8f, 1, 0, 0}, {0.2f, -0.8f, 0, 1, 0},
                             {0.2f, 0.2f, 0, 0, 1},   {-0.8f, 0.2f, 1, 1, 0},
                             {0.0f, 0.9f, 1, 0, 1},   {0.9f, -0.3f, 0, 1, 1},
                             {0.9f, 0.9f, 1, 1, 1}};
  const uint16_t indices[] = {0, 1, 2, 2, 3, 0};
  const VkDeviceSize pixel_bytes = kSize * kSize * 4;
  VkBuffer buffers[3];
  VkDeviceMemory buffer_memory[3];
  void* mapped[3];
  const VkDeviceSize sizes[3] = {sizeof vertices, sizeof indices, pixel_bytes};
  const VkBufferUsageFlags usages[3] = {VK_BUFFER_USAGE_VERTEX_BUFFER_BIT,
                                        VK_BUFFER_USAGE_INDEX_BUFFER_BIT,
                                        VK_BUFFER_USAGE_TRANSFER_DST_BIT};
  for (int i = 0; i < 3; ++i) {
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = sizes[i];
    info.usage = usages[i];
    check(vkCreateBuffer(device, &info, nullptr, &buffers[i]), "vkCreateBuffer");
    vkGetBufferMemoryRequirements(device, buffers[i], &requirements);
    buffer_memory[i] =
        bind_memory(device, physical, requirements,
                    VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    check(vkBindBufferMemory(device, buffers[i], buffer_memory[i], 0), "vkBindBufferMemory");
    check(vkMapMemory(device, buffer_memory[i], 0, VK_WHOLE_SIZE, 0, &mapped[i]), "vkMapMemory");
  }
  std::memcpy(mapped[0], vertices, sizeof vertices);
  std::memcpy(mapped[1], indices, sizeof indices);

  // The texture: 8x8 texels from a staging buffer, sampled nearest.
  constexpr uint32_t kTexels = 8;
  VkImageCreateInfo texture_info = image_info;
  texture_info.extent = {kTexels, kTexels, 1};
  texture_info.usage = VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  VkImage texture;
  check(vkCreateImage(device, &texture_info, nullptr, &texture), "vkCreateImage");
  vkGetImageMemoryRequirements(device, texture, &requirements);
  VkDeviceMemory texture_memory = bind_memory(device, physical, requirements, 0);
  check(vkBindImageMemory(device, texture, texture_memory, 0), "vkBindImageMemory");
  VkImageViewCreateInfo texture_view_info = view_info;
  texture_view_info.image = texture;
  VkImageView texture_view;
  check(vkCreateImageView(device, &texture_view_info, nullptr, &texture_view), "vkCreateImageView");
  VkSamplerCreateInfo sampler_info{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
  sampler_info.magFilter = sampler_info.minFilter = VK_FILTER_NEAREST;
  sampler_info.addressModeU = sampler_info.addressModeV = sampler_info.addressModeW =
      VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  VkSampler sampler;
  check(vkCreateSampler(device, &sampler_info, nullptr, &sampler), "vkCreateSampler");
  VkBufferCreateInfo staging_info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  staging_info.size = kTexels * kTexels * 4;
  staging_info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
  VkBuffer staging;
  check(vkCreateBuffer(device, &staging_info, nullptr, &staging), "vkCreateBuffer");
  vkGetBufferMemoryRequirements(device, staging, &requirements);
  VkDeviceMemory staging_memory =
      bind_memory(device, physical, requirements,
                  VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  check(vkBindBufferMemory(device, staging, staging_memory, 0), "vkBindBufferMemory");
  void* staging_data = nullptr;
  check(vkMapMemory(device, staging_memory, 0, VK_WHOLE_SIZE, 0, &staging_data), "vkMapMemory");
  for (uint32_t i = 0; i < kTexels * kTexels; ++i) {
    auto* texel = static_cast<uint8_t*>(staging_data) + 4 * i;
    const bool light = ((i % kTexels) + (i / kTexels)) % 2;
    texel[0] = light ? 240 : 20;
    texel[1] = static_cast<uint8_t>(i * 4);
    texel[2] = light ? 60 : 200;
    texel[3] = 255;
  }
  vkUnmapMemory(device, staging_memory);

  VkDescriptorSetLayoutBinding texture_binding{};
  texture_binding.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  texture_binding.descriptorCount = 1;
  texture_binding.stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT;
  VkDescriptorSetLayoutCreateInfo set_layout_info{
      VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_layout_info.bindingCount = 1;
  set_layout_info.pBindings = &texture_binding;
  VkDescriptorSetLayout set_layout;
  check(vkCreateDescriptorSetLayout(device, &set_layout_info, nullptr, &set_layout),
        "vkCreateDescriptorSetLayout");
  const VkDescriptorPoolSize pool_size{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1};
  VkDescriptorPoolCreateInfo descriptor_pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  descriptor_pool_info.maxSets = 1;
  descriptor_pool_info.poolSizeCount = 1;
  descriptor_pool_info.pPoolSizes = &pool_size;
  VkDescriptorPool descriptor_pool;
  check(vkCreateDescriptorPool(device, &descriptor_pool_info, nullptr, &descriptor_pool),
        "vkCreateDescriptorPool");
  VkDescriptorSetAllocateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  set_info.descriptorPool = descriptor_pool;
  set_info.descriptorSetCount = 1;
  set_info.pSetLayouts = &set_layout;
  VkDescriptorSet set;
  check(vkAllocateDescriptorSets(device, &set_info, &set), "vkAllocateDescriptorSets");
  const VkDescriptorImageInfo image_descriptor{sampler, texture_view,
                                               VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
  VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
  write.dstSet = set;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  write.pImageInfo = &image_descriptor;
  vkUpdateDescriptorSets(device, 1, &write, 0, nullptr);

  // A render pass that clears and leaves the image ready to be copied from.
  VkAttachmentDescription attachment{};
  attachment.format = kFormat;
  attachment.samples = VK_SAMPLE_COUNT_1_BIT;
  attachment.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
  attachment.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  attachment.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
  attachment.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
  attachment.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  attachment.finalLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL;
  const VkAttachmentReference reference{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
  VkSubpassDescription subpass{};
  subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpass.colorAttachmentCount = 1;
  subpass.pColorAttachments = &reference;
  VkRenderPassCreateInfo pass_info{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
  pass_info.attachmentCount = 1;
  pass_info.pAttachments = &attachment;
  pass_info.subpassCount = 1;
  pass_info.pSubpasses = &subpass;
  VkRenderPass render_pass;
  check(vkCreateRenderPass(device, &pass_info, nullptr, &render_pass), "vkCreateRenderPass");
  VkFramebufferCreateInfo framebuffer_info{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
  framebuffer_info.renderPass = render_pass;
  framebuffer_info.attachmentCount = 1;
  framebuffer_info.pAttachments = &view;
  framebuffer_info.width = kSize;
  framebuffer_info.height = kSize;
  framebuffer_info.layers = 1;
  VkFramebuffer framebuffer;
  check(vkCreateFramebuffer(device, &framebuffer_info, nullptr, &framebuffer),
        "vkCreateFramebuffer");

  VkShaderModule vertex = shader(device, kVertexShader, sizeof kVertexShader);
  VkShaderModule fragment = shader(device, kFragmentShader, sizeof kFragmentShader);
  const VkPushConstantRange push{VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof(float)};
  VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout_info.pushConstantRangeCount = 1;
  layout_info.pPushConstantRanges = &push;
  VkPipelineLayout layout;
  check(vkCreatePipelineLayout(device, &layout_info, nullptr, &layout), "vkCreatePipelineLayout");
  VkPipeline pass_pipeline = pipeline(device, layout, render_pass, vertex, fragment);
  VkPipeline dynamic_pipeline = pipeline(device, layout, VK_NULL_HANDLE, vertex, fragment);
  VkShaderModule texture_shader = shader(device, kTextureShader, sizeof kTextureShader);
  VkPipelineLayoutCreateInfo texture_layout_info = layout_info;
  texture_layout_info.setLayoutCount = 1;
  texture_layout_info.pSetLayouts = &set_layout;
  VkPipelineLayout texture_layout;
  check(vkCreatePipelineLayout(device, &texture_layout_info, nullptr, &texture_layout),
        "vkCreatePipelineLayout");
  VkPipeline texture_pipeline =
      pipeline(device, texture_layout, VK_NULL_HANDLE, vertex, texture_shader);

  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.queueFamilyIndex = family;
  VkCommandPool pool;
  check(vkCreateCommandPool(device, &pool_info, nullptr, &pool), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo command_info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  command_info.commandPool = pool;
  command_info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  command_info.commandBufferCount = 1;
  VkCommandBuffer commands;
  check(vkAllocateCommandBuffers(device, &command_info, &commands), "vkAllocateCommandBuffers");

  VkQueryPoolCreateInfo query_info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  query_info.queryType = VK_QUERY_TYPE_OCCLUSION;
  query_info.queryCount = 1;
  VkQueryPool queries;
  check(vkCreateQueryPool(device, &query_info, nullptr, &queries), "vkCreateQueryPool");
  VkEventCreateInfo event_info{VK_STRUCTURE_TYPE_EVENT_CREATE_INFO};
  VkEvent event;
  check(vkCreateEvent(device, &event_info, nullptr, &event), "vkCreateEvent");

  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(vkBeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer");
  vkCmdResetQueryPool(commands, queries, 0, 1);
  // The texture's upload.
  VkImageMemoryBarrier2 to_upload{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER_2};
  to_upload.srcStageMask = VK_PIPELINE_STAGE_2_NONE;
  to_upload.dstStageMask = VK_PIPELINE_STAGE_2_COPY_BIT;
  to_upload.dstAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  to_upload.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  to_upload.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
  to_upload.srcQueueFamilyIndex = to_upload.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  to_upload.image = texture;
  to_upload.subresourceRange = view_info.subresourceRange;
  VkDependencyInfo upload_dependency{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  upload_dependency.imageMemoryBarrierCount = 1;
  upload_dependency.pImageMemoryBarriers = &to_upload;
  vkCmdPipelineBarrier2(commands, &upload_dependency);
  VkBufferImageCopy upload{};
  upload.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  upload.imageExtent = {kTexels, kTexels, 1};
  vkCmdCopyBufferToImage(commands, staging, texture, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1,
                         &upload);
  VkImageMemoryBarrier2 to_sample = to_upload;
  to_sample.srcStageMask = VK_PIPELINE_STAGE_2_COPY_BIT;
  to_sample.srcAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  to_sample.dstStageMask = VK_PIPELINE_STAGE_2_FRAGMENT_SHADER_BIT;
  to_sample.dstAccessMask = VK_ACCESS_2_SHADER_SAMPLED_READ_BIT;
  to_sample.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
  to_sample.newLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
  upload_dependency.pImageMemoryBarriers = &to_sample;
  vkCmdPipelineBarrier2(commands, &upload_dependency);
  const VkViewport viewport{0, 0, float(kSize), float(kSize), 0, 1};
  const VkRect2D scissor{{0, 0}, {kSize, kSize}};
  const VkDeviceSize offset = 0;
  VkClearValue clear{};
  clear.color = {{0.1f, 0.1f, 0.3f, 1.0f}};
  VkRenderPassBeginInfo pass_begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
  pass_begin.renderPass = render_pass;
  pass_begin.framebuffer = framebuffer;
  pass_begin.renderArea = scissor;
  pass_begin.clearValueCount = 1;
  pass_begin.pClearValues = &clear;
  vkCmdBeginRenderPass(commands, &pass_begin, VK_SUBPASS_CONTENTS_INLINE);
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_GRAPHICS, pass_pipeline);
  vkCmdSetViewport(commands, 0, 1, &viewport);
  vkCmdSetScissor(commands, 0, 1, &scissor);
  vkCmdBindVertexBuffers(commands, 0, 1, &buffers[0], &offset);
  vkCmdBindIndexBuffer(commands, buffers[1], 0, VK_INDEX_TYPE_UINT16);
  const float full = 1.0f;
  vkCmdPushConstants(commands, layout, VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof full, &full);
  vkCmdBeginQuery(commands, queries, 0, 0);
  vkCmdDrawIndexed(commands, 6, 1, 0, 0, 0);
  vkCmdDraw(commands, 3, 1, 2, 0);  // vertices 2, 3, 4
  vkCmdEndQuery(commands, queries, 0);
  vkCmdEndRenderPass(commands);

  // Second pass: dynamic rendering, loading the first pass's pixels.
  VkRenderingAttachmentInfo color{VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO};
  color.imageView = view;
  color.imageLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL;
  color.loadOp = VK_ATTACHMENT_LOAD_OP_LOAD;
  color.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  VkRenderingInfo rendering{VK_STRUCTURE_TYPE_RENDERING_INFO};
  rendering.renderArea = scissor;
  rendering.layerCount = 1;
  rendering.colorAttachmentCount = 1;
  rendering.pColorAttachments = &color;
  vkCmdBeginRendering(commands, &rendering);
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_GRAPHICS, dynamic_pipeline);
  vkCmdSetViewport(commands, 0, 1, &viewport);
  vkCmdSetScissor(commands, 0, 1, &scissor);
  vkCmdBindVertexBuffers(commands, 0, 1, &buffers[0], &offset);
  const float half = 0.5f;
  vkCmdPushConstants(commands, layout, VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof half, &half);
  vkCmdDraw(commands, 3, 1, 4, 0);  // vertices 4, 5, 6
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_GRAPHICS, texture_pipeline);
  vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_GRAPHICS, texture_layout, 0, 1, &set, 0,
                          nullptr);
  vkCmdPushConstants(commands, texture_layout, VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof full, &full);
  vkCmdDraw(commands, 3, 1, 0, 0);  // vertices 0, 1, 2, textured
  vkCmdEndRendering(commands);

  // To the read-back buffer (synchronization2 barriers).
  VkImageMemoryBarrier2 to_copy{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER_2};
  to_copy.srcStageMask = VK_PIPELINE_STAGE_2_COLOR_ATTACHMENT_OUTPUT_BIT;
  to_copy.srcAccessMask = VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT;
  to_copy.dstStageMask = VK_PIPELINE_STAGE_2_COPY_BIT;
  to_copy.dstAccessMask = VK_ACCESS_2_TRANSFER_READ_BIT;
  to_copy.oldLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL;
  to_copy.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
  to_copy.srcQueueFamilyIndex = to_copy.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  to_copy.image = image;
  to_copy.subresourceRange = view_info.subresourceRange;
  VkDependencyInfo dependency{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  dependency.imageMemoryBarrierCount = 1;
  dependency.pImageMemoryBarriers = &to_copy;
  vkCmdPipelineBarrier2(commands, &dependency);
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = {kSize, kSize, 1};
  vkCmdCopyImageToBuffer(commands, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffers[2], 1,
                         &region);
  VkBufferMemoryBarrier2 to_host{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER_2};
  to_host.srcStageMask = VK_PIPELINE_STAGE_2_COPY_BIT;
  to_host.srcAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  to_host.dstStageMask = VK_PIPELINE_STAGE_2_HOST_BIT;
  to_host.dstAccessMask = VK_ACCESS_2_HOST_READ_BIT;
  to_host.srcQueueFamilyIndex = to_host.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  to_host.buffer = buffers[2];
  to_host.size = VK_WHOLE_SIZE;
  VkDependencyInfo host_dependency{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  host_dependency.bufferMemoryBarrierCount = 1;
  host_dependency.pBufferMemoryBarriers = &to_host;
  vkCmdPipelineBarrier2(commands, &host_dependency);
  vkCmdSetEvent(commands, event, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
  check(vkEndCommandBuffer(commands), "vkEndCommandBuffer");

  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  check(vkQueueSubmit(queue, 1, &submit, VK_NULL_HANDLE), "vkQueueSubmit");
  check(vkQueueWaitIdle(queue), "vkQueueWaitIdle");

  const auto* pixels = static_cast<const uint8_t*>(mapped[2]);
  uint64_t hash = 1469598103934665603ull;
  for (VkDeviceSize i = 0; i < pixel_bytes; ++i) hash = (hash ^ pixels[i]) * 1099511628211ull;
  std::printf("vk_triangle: %ux%u, checksum %016llx\n", kSize, kSize,
              static_cast<unsigned long long>(hash));
  uint64_t samples_passed = 0;
  check(vkGetQueryPoolResults(device, queries, 0, 1, sizeof samples_passed, &samples_passed,
                              sizeof samples_passed,
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "vkGetQueryPoolResults");
  std::printf("  first pass: %llu samples passed; event %s\n",
              static_cast<unsigned long long>(samples_passed),
              vkGetEventStatus(device, event) == VK_EVENT_SET ? "set" : "not set");
  const uint32_t samples[][2] = {{0, 0}, {16, 40}, {30, 30}, {40, 10}, {56, 12}, {50, 50}};
  for (const auto& s : samples) {
    const uint8_t* p = pixels + (s[1] * kSize + s[0]) * 4;
    std::printf("  pixel (%u,%u): %u %u %u %u\n", s[0], s[1], p[0], p[1], p[2], p[3]);
  }

  vkDestroyPipeline(device, texture_pipeline, nullptr);
  vkDestroyPipelineLayout(device, texture_layout, nullptr);
  vkDestroyShaderModule(device, texture_shader, nullptr);
  vkDestroyDescriptorPool(device, descriptor_pool, nullptr);
  vkDestroyDescriptorSetLayout(device, set_layout, nullptr);
  vkDestroySampler(device, sampler, nullptr);
  vkDestroyImageView(device, texture_view, nullptr);
  vkDestroyImage(device, texture, nullptr);
  vkFreeMemory(device, texture_memory, nullptr);
  vkDestroyBuffer(device, staging, nullptr);
  vkFreeMemory(device, staging_memory, nullptr);
  vkDestroyEvent(device, event, nullptr);
  vkDestroyQueryPool(device, queries, nullptr);
  vkDestroyPipeline(device, pass_pipeline, nullptr);
  vkDestroyPipeline(device, dynamic_pipeline, nullptr);
  vkDestroyPipelineLayout(device, layout, nullptr);
  vkDestroyShaderModule(device, vertex, nullptr);
  vkDestroyShaderModule(device, fragment, nullptr);
  vkDestroyFramebuffer(device, framebuffer, nullptr);
  vkDestroyRenderPass(device, render_pass, nullptr);
  vkDestroyCommandPool(device, pool, nullptr);
  for (int i = 0; i < 3; ++i) {
    vkUnmapMemory(device, buffer_memory[i]);
    vkDestroyBuffer(device, buffers[i], nullptr);
    vkFreeMemory(device, buffer_memory[i], nullptr);
  }
  vkDestroyImageView(device, view, nullptr);
  vkDestroyImage(device, image, nullptr);
  vkFreeMemory(device, image_memory, nullptr);
  vkDestroyDevice(device, nullptr);
  vkDestroyInstance(instance, nullptr);
  return 0;
}
