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
]

# Commands the guest driver answers itself (never on the wire).
GUEST_ONLY = {'vkGetInstanceProcAddr', 'vkGetDeviceProcAddr'}

# Commands whose guest entry point is hand-written (src/guest/vk/); they still have an opcode
# and a generated host decoder unless HOST_HAND lists them too.
GUEST_HAND = {'vkDestroyInstance', 'vkEnumeratePhysicalDevices'}

# Commands whose host decoder is hand-written (src/host/vk/): the relay narrows or owns what
# they answer.
HOST_HAND = {'vkEnumerateInstanceVersion', 'vkEnumerateInstanceExtensionProperties',
             'vkEnumerateDeviceExtensionProperties', 'vkCreateInstance', 'vkDestroyInstance',
             'vkEnumeratePhysicalDevices', 'vkCreateDevice'}

# Hand-written host code run after the driver answered (the relay narrows what it offers).
HOST_AFTER = {
    'vkGetPhysicalDeviceProperties': 'narrow_properties(*pProperties)',
    'vkGetPhysicalDeviceProperties2': 'narrow_properties(pProperties->properties)',
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
}

# Most elements the host allocates for one output array of a two-call enumeration (the rest is
# reported as VK_INCOMPLETE): bounds what one guest request makes the host allocate.
MAX_OUTPUT_ELEMENTS = 4096
