// Element counts that both sides compute from a command's own arguments (wire rule 4).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gl_params_gen.h"

namespace gfxrelay::gl {

// The most elements one pointer argument may name; larger counts are refused on both sides.
inline constexpr int64_t kMaxElements = int64_t{1} << 30;

// A GL count as an element count: negative counts (a GL_INVALID_VALUE for the host GL to
// report) carry no data; absurd ones are clamped so that the host refuses the blob.
constexpr size_t elements(int64_t n) {
  return n <= 0 ? 0 : n > kMaxElements ? static_cast<size_t>(kMaxElements) : static_cast<size_t>(n);
}

// glClearBuffer*v: four values for GL_COLOR, one for GL_DEPTH and GL_STENCIL (ES 3.0 4.2.3).
constexpr uint32_t clear_buffer_count(uint32_t buffer) {
  return buffer == 0x1800 /* GL_COLOR */ ? 4 : 1;
}

}  // namespace gfxrelay::gl
