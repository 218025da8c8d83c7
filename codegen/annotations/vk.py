"""What vk.xml does not say about the Vulkan commands and structures the relay carries.

Read by codegen/gen_vk.py. Everything not listed here comes from vk.xml as Debian ships it.
"""

# The commands carried (beyond these the guest driver returns NULL from GetProcAddr, as a driver
# without them does). Extension aliases of a carried command are carried with it. Grows with
# each milestone of docs/vulkan-plan.md; this first set is what `vulkaninfo` asks of a driver.
COMMANDS = [
    'vkEnumerateInstanceVersion',
    'vkEnumerateInstanceExtensionProperties',
    'vkCreateInstance',
    'vkDestroyInstance',
    'vkEnumeratePhysicalDevices',
    'vkGetPhysicalDeviceProperties',
    'vkGetPhysicalDeviceProperties2',
    'vkGetPhysicalDeviceFeatures',
    'vkGetPhysicalDeviceFeatures2',
    'vkGetPhysicalDeviceMemoryProperties',
    'vkGetPhysicalDeviceMemoryProperties2',
    'vkGetPhysicalDeviceQueueFamilyProperties',
    'vkGetPhysicalDeviceQueueFamilyProperties2',
    'vkGetPhysicalDeviceFormatProperties',
    'vkGetPhysicalDeviceFormatProperties2',
    'vkGetPhysicalDeviceImageFormatProperties',
    'vkGetPhysicalDeviceImageFormatProperties2',
    'vkGetPhysicalDeviceSparseImageFormatProperties',
    'vkGetPhysicalDeviceSparseImageFormatProperties2',
    'vkGetPhysicalDeviceExternalBufferProperties',
    'vkGetPhysicalDeviceExternalFenceProperties',
    'vkGetPhysicalDeviceExternalSemaphoreProperties',
    'vkGetPhysicalDeviceToolProperties',
    'vkEnumerateDeviceExtensionProperties',
    'vkCreateDevice',
    'vkDestroyDevice',
    'vkDeviceWaitIdle',
    'vkCreateImage',
    'vkDestroyImage',
    'vkGetImageMemoryRequirements',
    'vkGetImageMemoryRequirements2',
    'vkCreateBuffer',
    'vkDestroyBuffer',
    'vkGetBufferMemoryRequirements',
    'vkGetBufferMemoryRequirements2',
    'vkGetImageSubresourceLayout',
    'vkGetImageSparseMemoryRequirements',
    'vkGetImageSparseMemoryRequirements2',
    # Second milestone: compute (queues, memory, shaders, pipelines, descriptors, command
    # buffers, fences).
    'vkGetDeviceQueue',
    'vkAllocateMemory',
    'vkFreeMemory',
    'vkMapMemory',
    'vkUnmapMemory',
    'vkFlushMappedMemoryRanges',
    'vkInvalidateMappedMemoryRanges',
    'vkBindBufferMemory',
    'vkBindImageMemory',
    'vkCreateShaderModule',
    'vkDestroyShaderModule',
    'vkCreateDescriptorSetLayout',
    'vkDestroyDescriptorSetLayout',
    'vkCreatePipelineLayout',
    'vkDestroyPipelineLayout',
    'vkCreateComputePipelines',
    'vkDestroyPipeline',
    'vkCreateDescriptorPool',
    'vkDestroyDescriptorPool',
    'vkAllocateDescriptorSets',
    'vkFreeDescriptorSets',
    'vkUpdateDescriptorSets',
    'vkCreateCommandPool',
    'vkDestroyCommandPool',
    'vkAllocateCommandBuffers',
    'vkFreeCommandBuffers',
    'vkBeginCommandBuffer',
    'vkEndCommandBuffer',
    'vkResetCommandBuffer',
    'vkCmdBindPipeline',
    'vkCmdBindDescriptorSets',
    'vkCmdDispatch',
    'vkCmdPipelineBarrier',
    'vkCmdFillBuffer',
    'vkCmdCopyBuffer',
    'vkCmdPushConstants',
    'vkQueueSubmit',
    'vkQueueWaitIdle',
    'vkCreateFence',
    'vkDestroyFence',
    'vkResetFences',
    'vkGetFenceStatus',
    'vkWaitForFences',
    # Third: headless graphics (render passes and dynamic rendering, graphics pipelines, image
    # views, samplers, vertex and index buffers, image copies, semaphores).
    'vkCreateImageView',
    'vkDestroyImageView',
    'vkCreateSampler',
    'vkDestroySampler',
    'vkCreateRenderPass',
    'vkCreateRenderPass2',
    'vkDestroyRenderPass',
    'vkCreateFramebuffer',
    'vkDestroyFramebuffer',
    'vkCreateGraphicsPipelines',
    'vkCreatePipelineCache',
    'vkDestroyPipelineCache',
    'vkCreateSemaphore',
    'vkDestroySemaphore',
    'vkCmdBeginRenderPass',
    'vkCmdNextSubpass',
    'vkCmdEndRenderPass',
    'vkCmdBeginRendering',
    'vkCmdEndRendering',
    'vkCmdBindVertexBuffers',
    'vkCmdBindIndexBuffer',
    'vkCmdDraw',
    'vkCmdDrawIndexed',
    'vkCmdSetViewport',
    'vkCmdSetScissor',
    'vkCmdCopyImage',
    'vkCmdCopyBufferToImage',
    'vkCmdCopyImageToBuffer',
    'vkCmdBlitImage',
    'vkCmdUpdateBuffer',
    'vkCmdPipelineBarrier2',
    # Queries and events.
    'vkCreateQueryPool',
    'vkDestroyQueryPool',
    'vkResetQueryPool',
    'vkGetQueryPoolResults',
    'vkCmdResetQueryPool',
    'vkCmdBeginQuery',
    'vkCmdEndQuery',
    'vkCmdWriteTimestamp',
    'vkCmdCopyQueryPoolResults',
    'vkCreateEvent',
    'vkDestroyEvent',
    'vkGetEventStatus',
    'vkSetEvent',
    'vkResetEvent',
    'vkCmdSetEvent',
    'vkCmdResetEvent',
    'vkCmdWaitEvents',
    # The rest of core 1.0-1.3 (docs/vulkan-plan.md, "What is carried").
    'vkGetDeviceMemoryCommitment',
    'vkQueueBindSparse',
    'vkCreateBufferView',
    'vkDestroyBufferView',
    'vkGetPipelineCacheData',
    'vkMergePipelineCaches',
    'vkResetDescriptorPool',
    'vkGetRenderAreaGranularity',
    'vkResetCommandPool',
    'vkTrimCommandPool',
    'vkCmdSetLineWidth',
    'vkCmdSetDepthBias',
    'vkCmdSetBlendConstants',
    'vkCmdSetDepthBounds',
    'vkCmdSetStencilCompareMask',
    'vkCmdSetStencilWriteMask',
    'vkCmdSetStencilReference',
    'vkCmdDrawIndirect',
    'vkCmdDrawIndexedIndirect',
    'vkCmdDispatchIndirect',
    'vkCmdClearColorImage',
    'vkCmdClearDepthStencilImage',
    'vkCmdClearAttachments',
    'vkCmdResolveImage',
    'vkCmdExecuteCommands',
    'vkBindBufferMemory2',
    'vkBindImageMemory2',
    'vkGetDeviceGroupPeerMemoryFeatures',
    'vkCmdSetDeviceMask',
    'vkCmdDispatchBase',
    'vkCreateSamplerYcbcrConversion',
    'vkDestroySamplerYcbcrConversion',
    'vkGetDescriptorSetLayoutSupport',
    'vkCmdDrawIndirectCount',
    'vkCmdDrawIndexedIndirectCount',
    'vkCmdBeginRenderPass2',
    'vkCmdNextSubpass2',
    'vkCmdEndRenderPass2',
    'vkGetSemaphoreCounterValue',
    'vkWaitSemaphores',
    'vkSignalSemaphore',
    'vkGetBufferDeviceAddress',
    'vkGetBufferOpaqueCaptureAddress',
    'vkGetDeviceMemoryOpaqueCaptureAddress',
    'vkCmdSetEvent2',
    'vkCmdResetEvent2',
    'vkCmdWaitEvents2',
    'vkCmdWriteTimestamp2',
    'vkQueueSubmit2',
    'vkCmdCopyBuffer2',
    'vkCmdCopyImage2',
    'vkCmdCopyBufferToImage2',
    'vkCmdCopyImageToBuffer2',
    'vkCmdBlitImage2',
    'vkCmdResolveImage2',
    'vkCmdSetCullMode',
    'vkCmdSetFrontFace',
    'vkCmdSetPrimitiveTopology',
    'vkCmdSetViewportWithCount',
    'vkCmdSetScissorWithCount',
    'vkCmdBindVertexBuffers2',
    'vkCmdSetDepthTestEnable',
    'vkCmdSetDepthWriteEnable',
    'vkCmdSetDepthCompareOp',
    'vkCmdSetDepthBoundsTestEnable',
    'vkCmdSetStencilTestEnable',
    'vkCmdSetStencilOp',
    'vkCmdSetRasterizerDiscardEnable',
    'vkCmdSetDepthBiasEnable',
    'vkCmdSetPrimitiveRestartEnable',
    'vkGetDeviceBufferMemoryRequirements',
    'vkGetDeviceImageMemoryRequirements',
    'vkGetDeviceImageSparseMemoryRequirements',
]

# The relay's own commands on a Vulkan stream (hand-written on both sides, src/guest/vk/memory.cpp
# and src/host/vk/vk_memory.cpp): mapped memory travels as copies, pipeline cache data larger
# than one reply in parts.
RELAY_COMMANDS = ['gfxrelay_vkWriteMemory', 'gfxrelay_vkReadMemory',
                  'gfxrelay_vkGetPipelineCacheDataPart']

# Commands the guest driver answers itself (never on the wire): src/guest/vk/icd.cpp and
# guest_objects.cpp. Descriptor update templates and private data are guest objects (a template
# update is sent as the vkUpdateDescriptorSets it stands for); each physical device is a group of
# its own; vkGetDeviceQueue2 is vkGetDeviceQueue for queues made without flags.
GUEST_ONLY = {'vkGetInstanceProcAddr', 'vkGetDeviceProcAddr', 'vkEnumeratePhysicalDeviceGroups',
              'vkGetDeviceQueue2', 'vkCreateDescriptorUpdateTemplate',
              'vkDestroyDescriptorUpdateTemplate', 'vkUpdateDescriptorSetWithTemplate',
              'vkCreatePrivateDataSlot', 'vkDestroyPrivateDataSlot', 'vkSetPrivateData',
              'vkGetPrivateData'}

# Commands whose guest entry point is hand-written (src/guest/vk/); they still have an opcode
# and a generated host decoder unless HOST_HAND lists them too.
GUEST_HAND = {'vkDestroyInstance', 'vkEnumeratePhysicalDevices', 'vkGetDeviceQueue',
              'vkMapMemory', 'vkUnmapMemory', 'vkFlushMappedMemoryRanges',
              'vkInvalidateMappedMemoryRanges'}

# Commands whose generated guest entry point is named relay_X and wrapped by a hand-written
# entry_X (src/guest/vk/wsi.cpp): window-system extensions exist only in the guest, which adds
# them to the host's lists and takes them out of what it sends.
GUEST_WRAP = {'vkEnumerateInstanceExtensionProperties', 'vkEnumerateDeviceExtensionProperties',
              'vkCreateInstance', 'vkCreateDevice',
              # Waits go to the host in slices (HOST_ARGS), repeated until the program's timeout:
              # other threads' commands (a vkSignalSemaphore) get through in between.
              'vkWaitForFences', 'vkWaitSemaphores',
              # Data larger than one reply comes in parts (gfxrelay_vkGetPipelineCacheDataPart).
              'vkGetPipelineCacheData'}

# Commands whose host decoder is hand-written (src/host/vk/): the relay narrows or owns what
# they answer.
HOST_HAND = {'vkEnumerateInstanceVersion', 'vkEnumerateInstanceExtensionProperties',
             'vkEnumerateDeviceExtensionProperties', 'vkCreateInstance', 'vkDestroyInstance',
             'vkEnumeratePhysicalDevices', 'vkCreateDevice', 'vkGetDeviceQueue', 'vkMapMemory',
             'vkUnmapMemory', 'vkAllocateMemory'}

# Hand-written host code run before the driver is called: buffers and images that may be bound
# to memory the host imports from the stream's shared memory must say so (vk_memory.cpp).
HOST_BEFORE = {
    'vkCreateBuffer': 'allow_host_memory(d, id_device, *pCreateInfo)',
    'vkCreateImage': 'allow_host_memory(d, id_device, *pCreateInfo, id_pImage)',
    # An image that cannot take imported memory, bound to some: the memory becomes ordinary.
    'vkBindImageMemory': 'if (!before_image_binding(d, id_device, id_image, id_memory, &memory)) '
                         'return false',
    'vkBindBufferMemory': 'note_binding(d, id_memory)',
    'vkBindBufferMemory2': 'note_bindings(d, bindInfoCount, pBindInfos)',
    'vkBindImageMemory2': 'if (!before_image_bindings(d, id_device, bindInfoCount, pBindInfos)) '
                          'return false',
    # Requirements as for the objects the host would make (with the external-memory structure).
    'vkGetDeviceBufferMemoryRequirements':
        'allow_host_memory(d, id_device, *const_cast<VkBufferCreateInfo*>(pInfo->pCreateInfo))',
    'vkGetDeviceImageMemoryRequirements':
        'allow_host_memory(d, id_device, *const_cast<VkImageCreateInfo*>(pInfo->pCreateInfo), 0)',
    # The driver writes queryCount results `stride` apart whatever dataSize says: the host's
    # buffer holds them all (vk_memory.cpp).
    'vkGetQueryPoolResults': 'if (!(pData = query_results(d, queryCount, stride, dataSize))) '
                             'return false',
    # Room for all of the data whatever the guest's size (vk_memory.cpp).
    'vkGetPipelineCacheData': 'if (pData && !(pData = whole_cache_data_buffer(d, device, '
                              'pipelineCache, pDataSize))) return false',
}

# Arguments the host passes instead of the guest's: a wait never blocks the stream's worker
# longer than a slice (the guest repeats it; a guest that is gone is noticed in between).
HOST_ARGS = {
    ('vkWaitForFences', 'timeout'): 'std::min<uint64_t>(timeout, kWaitSliceNs)',
    ('vkWaitSemaphores', 'timeout'): 'std::min<uint64_t>(timeout, kWaitSliceNs)',
}

# Hand-written host code run after the driver answered (the relay narrows what it offers).
HOST_AFTER = {
    # The pool's sets are freed by the driver: their ids go.
    'vkResetDescriptorPool': 'forget_descendants(d.objects, id_descriptorPool)',
    'vkGetPhysicalDeviceProperties': 'narrow_properties(*pProperties)',
    'vkGetPhysicalDeviceProperties2': 'narrow_properties(pProperties->properties)',
}

# Guest code run before a command is sent and after its reply: coherent mapped memory is
# copied to the host before work is submitted and back after waits (src/guest/vk/memory.cpp).
GUEST_BEFORE = {
    'vkQueueSubmit': 'write_coherent_mappings()',
    'vkQueueSubmit2': 'write_coherent_mappings()',
    'vkQueueBindSparse': 'write_coherent_mappings()',
    'vkFreeMemory': 'forget_mapping(memory)',
}
GUEST_AFTER = {
    'vkWaitSemaphores': 'read_coherent_mappings()',
    'vkQueueWaitIdle': 'read_coherent_mappings()',
    'vkDeviceWaitIdle': 'read_coherent_mappings()',
    'vkWaitForFences': 'read_coherent_mappings()',
    'vkGetFenceStatus': 'read_coherent_mappings()',
    'vkGetSemaphoreCounterValue': 'read_coherent_mappings()',
}

# Objects allocated from a pool have the pool as parent (destroying the pool frees them):
# (the pool's object type, the host handle of the pool among the decoded parameters).
NEW_HANDLE_PARENT = {
    'vkAllocateCommandBuffers': ('VK_OBJECT_TYPE_COMMAND_POOL', 'pAllocateInfo->commandPool'),
    'vkAllocateDescriptorSets': ('VK_OBJECT_TYPE_DESCRIPTOR_POOL',
                                 'pAllocateInfo->descriptorPool'),
}

# Extensions carried when the host has them: each one's commands must all be carried (the
# generator checks). Core 1.0-1.3 structures are always carried.
INSTANCE_EXTENSIONS = [
    'VK_KHR_get_physical_device_properties2',
    'VK_KHR_external_memory_capabilities',
    'VK_KHR_external_fence_capabilities',
    'VK_KHR_external_semaphore_capabilities',
]
DEVICE_EXTENSIONS = [
    'VK_KHR_get_memory_requirements2',
]

# Pointer members Vulkan says are ignored unless a condition holds (the program may leave
# garbage there): the guest reads them only when the condition is true, the host passes NULL
# otherwise. The condition is C over the structure `s`.
READ_ONLY_IF = {
    ('VkImageCreateInfo', 'pQueueFamilyIndices'): 's.sharingMode == VK_SHARING_MODE_CONCURRENT',
    ('VkBufferCreateInfo', 'pQueueFamilyIndices'): 's.sharingMode == VK_SHARING_MODE_CONCURRENT',
    ('VkPhysicalDeviceImageDrmFormatModifierInfoEXT', 'pQueueFamilyIndices'):
        's.sharingMode == VK_SHARING_MODE_CONCURRENT',
    ('VkDescriptorSetLayoutBinding', 'pImmutableSamplers'):
        's.descriptorType == VK_DESCRIPTOR_TYPE_SAMPLER || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER',
    ('VkWriteDescriptorSet', 'pImageInfo'):
        's.descriptorType == VK_DESCRIPTOR_TYPE_SAMPLER || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_STORAGE_IMAGE || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT',
    ('VkWriteDescriptorSet', 'pBufferInfo'):
        's.descriptorType == VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC',
    ('VkWriteDescriptorSet', 'pTexelBufferView'):
        's.descriptorType == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER || '
        's.descriptorType == VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER',
}

# Commands that return a VkResult but are sent without waiting (they have no outputs and fail
# only for lack of memory or a lost device): the guest returns VK_SUCCESS; a failure on the host
# is kept and reported as VK_ERROR_DEVICE_LOST by the next wait (LATCH_REPORTERS).
ASYNC_RESULT = {'vkQueueSubmit', 'vkResetFences', 'vkBeginCommandBuffer', 'vkEndCommandBuffer',
                'vkResetCommandBuffer', 'vkBindBufferMemory', 'vkBindImageMemory',
                'vkQueueSubmit2', 'vkBindBufferMemory2', 'vkBindImageMemory2',
                'vkResetCommandPool', 'vkResetDescriptorPool', 'vkSignalSemaphore'}
# Creates sent without waiting (the guest chose the ids): objects that fail only for lack of
# host memory. A failure ends the stream with the reason (the device is lost). Memory, buffers,
# images, pipelines and descriptor sets stay round trips: programs act on their failures
# (VK_ERROR_OUT_OF_DEVICE_MEMORY, VK_ERROR_OUT_OF_POOL_MEMORY, pipeline compile results).
ASYNC_CREATE = {'vkCreateImageView', 'vkCreateSampler', 'vkCreateShaderModule',
                'vkCreateSemaphore', 'vkCreateFence', 'vkCreateEvent', 'vkCreateQueryPool',
                'vkCreateDescriptorSetLayout', 'vkCreatePipelineLayout', 'vkCreateRenderPass',
                'vkCreateRenderPass2', 'vkCreateFramebuffer', 'vkCreateCommandPool',
                'vkCreateDescriptorPool', 'vkCreatePipelineCache', 'vkCreateBufferView',
                'vkCreateSamplerYcbcrConversion'}
LATCH_REPORTERS = {'vkWaitForFences', 'vkGetFenceStatus', 'vkQueueWaitIdle', 'vkDeviceWaitIdle',
                   'vkWaitSemaphores', 'vkGetSemaphoreCounterValue'}

# Most elements the host allocates for one output array of a two-call enumeration (the rest is
# reported as VK_INCOMPLETE): bounds what one guest request makes the host allocate.
MAX_OUTPUT_ELEMENTS = 4096

# Commands the Vulkan fuzz target's stand-in driver answers by hand (tests/fuzz/vk_stub.cpp):
# they must describe a device, or give memory.
STUB_HAND = {'vkEnumeratePhysicalDevices', 'vkGetPhysicalDeviceMemoryProperties',
             'vkGetPhysicalDeviceQueueFamilyProperties', 'vkAllocateMemory', 'vkFreeMemory',
             'vkMapMemory', 'vkUnmapMemory', 'vkEnumerateInstanceVersion',
             'vkGetPhysicalDeviceFeatures'}
