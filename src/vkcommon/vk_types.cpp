#include "vkcommon/vk_types.h"

namespace gfxrelay::vk {

const CarriedExtension* carried_extension(std::string_view name) {
  for (size_t i = 0; i < kCarriedExtensionCount; ++i)
    if (name == kCarriedExtensions[i].name) return &kCarriedExtensions[i];
  return nullptr;
}

}  // namespace gfxrelay::vk
