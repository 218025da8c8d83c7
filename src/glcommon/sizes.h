// Element counts that both sides compute from a command's own arguments (wire rule 4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "gl_params_gen.h"

namespace gfxrelay::gl {

// The most elements one pointer argument may name; larger counts are refused on both sides.
inline constexpr int64_t kMaxElements = int64_t{1} << 30;

// A GL count as an element count: negative counts (a GL_INVALID_VALUE for the host GL to
// report) carry no data; absurd ones are clamped so that the host refuses the blob.
constexpr size_t elements(int64_t n) {
  return n <= 0 ? 0 : n > kMaxElements ? static_cast<size_t>(kMaxElements) : static_cast<size_t>(n);
}

// The most bytes an image of these dimensions (width, height, depth, samples: those the command
// has) can take: 16 bytes per texel (RGBA32F); 0 where a dimension is negative (GL refuses it),
// saturating instead of overflowing.
constexpr int64_t image_allocation_bytes(std::initializer_list<int64_t> dimensions) {
  int64_t bytes = 16;
  for (int64_t d : dimensions) {
    if (d <= 0) return 0;
    bytes = bytes > (int64_t{1} << 62) / d ? int64_t{1} << 62 : bytes * d;
  }
  return bytes;
}

// glClearBuffer*v: four values for GL_COLOR, one for GL_DEPTH and GL_STENCIL (ES 3.0 4.2.3).
constexpr uint32_t clear_buffer_count(uint32_t buffer) {
  return buffer == 0x1800 /* GL_COLOR */ ? 4 : 1;
}

// glPatchParameterfv: four outer levels, two inner (GL 4.6 core, 11.2.2).
constexpr uint32_t patch_parameter_count(uint32_t pname) {
  return pname == 0x8E74 /* GL_PATCH_DEFAULT_OUTER_LEVEL */ ? 4 : 2;
}

// glCallLists: bytes per list name of `type` (GL 4.6 compatibility, table 21.1); 0 for an
// unknown type (GL_INVALID_ENUM, no data).
constexpr uint32_t call_lists_type_bytes(uint32_t type) {
  switch (type) {
    case 0x1400:  // GL_BYTE
    case 0x1401:  // GL_UNSIGNED_BYTE
      return 1;
    case 0x1402:  // GL_SHORT
    case 0x1403:  // GL_UNSIGNED_SHORT
    case 0x1407:  // GL_2_BYTES
      return 2;
    case 0x1408:  // GL_3_BYTES
      return 3;
    case 0x1404:  // GL_INT
    case 0x1405:  // GL_UNSIGNED_INT
    case 0x1406:  // GL_FLOAT
    case 0x1409:  // GL_4_BYTES
      return 4;
    default:
      return 0;
  }
}

// A bit of glMapBufferRange's wire access that is not GL's: a write-only map whose untouched
// bytes the guest must keep, so the host reads the range where the buffer allows reading.
inline constexpr uint32_t kMapPreserveContents = 0x80000000u;

}  // namespace gfxrelay::gl
