// Writes frames as PNG. The output depends on the pixels only (no time or text chunks), so two
// runs that render the same pixels write the same bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace gles3_scene {

// `rgba` holds `height` rows of `width` RGBA pixels, bottom row first (as glReadPixels returns
// them); the PNG is written top row first. Returns an empty string on success, else the reason.
std::string WritePngBottomUp(const std::string& path, int width, int height,
                             std::span<const std::uint8_t> rgba);

}  // namespace gles3_scene
