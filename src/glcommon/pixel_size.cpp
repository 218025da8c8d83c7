#include "glcommon/pixel_size.h"

#include <GLES3/gl32.h>
// After gl32.h, which defines the types it uses.
#include <GLES2/gl2ext.h>
// Desktop OpenGL's formats and types (GL 4.6 compatibility, tables 8.5 and 8.8).
#include <GL/gl.h>
#include <GL/glext.h>

#include <cassert>
#include <limits>

namespace gfxrelay::gl {
namespace {

enum class FormatClass { kColor, kInteger, kDepth, kStencil, kDepthStencil };

struct FormatInfo {
  uint32_t components;
  FormatClass format_class;
};

bool format_info(uint32_t format, FormatInfo* info) {
  switch (format) {
    case GL_RED:
    case GL_GREEN:
    case GL_BLUE:
    case GL_ALPHA:
    case GL_LUMINANCE:
    case GL_COLOR_INDEX:
      *info = {1, FormatClass::kColor};
      return true;
    case GL_RG:
    case GL_LUMINANCE_ALPHA:
      *info = {2, FormatClass::kColor};
      return true;
    case GL_RGB:
    case GL_BGR:
    case GL_SRGB_EXT:
      *info = {3, FormatClass::kColor};
      return true;
    case GL_RGBA:
    case GL_BGRA_EXT:
    case GL_SRGB_ALPHA_EXT:
      *info = {4, FormatClass::kColor};
      return true;
    case GL_RED_INTEGER:
    case GL_GREEN_INTEGER:
    case GL_BLUE_INTEGER:
      *info = {1, FormatClass::kInteger};
      return true;
    case GL_RG_INTEGER:
      *info = {2, FormatClass::kInteger};
      return true;
    case GL_RGB_INTEGER:
    case GL_BGR_INTEGER:
      *info = {3, FormatClass::kInteger};
      return true;
    case GL_RGBA_INTEGER:
    case GL_BGRA_INTEGER:
      *info = {4, FormatClass::kInteger};
      return true;
    case GL_DEPTH_COMPONENT:
      *info = {1, FormatClass::kDepth};
      return true;
    case GL_STENCIL_INDEX:
      *info = {1, FormatClass::kStencil};
      return true;
    case GL_DEPTH_STENCIL:
      *info = {2, FormatClass::kDepthStencil};
      return true;
    default:
      return false;
  }
}

// A packed type holds a whole pixel group in one element. Returns false if `type` is not packed;
// otherwise sets *bytes to the group size, or to 0 if `type` does not go with `format`.
bool packed_group_bytes(uint32_t format, uint32_t type, uint32_t* bytes) {
  // Desktop GL packs RGB types with BGR too, and RGBA types with BGRA (and the integer forms).
  const bool rgb =
      format == GL_RGB || format == GL_BGR || format == GL_RGB_INTEGER || format == GL_BGR_INTEGER;
  const bool rgba = format == GL_RGBA || format == GL_BGRA || format == GL_RGBA_INTEGER ||
                    format == GL_BGRA_INTEGER;
  switch (type) {
    case GL_UNSIGNED_BYTE_3_3_2:
    case GL_UNSIGNED_BYTE_2_3_3_REV:
      *bytes = rgb ? 1 : 0;
      return true;
    case GL_UNSIGNED_SHORT_5_6_5:
    case GL_UNSIGNED_SHORT_5_6_5_REV:
      *bytes = rgb ? 2 : 0;
      return true;
    case GL_UNSIGNED_SHORT_4_4_4_4:
    case GL_UNSIGNED_SHORT_5_5_5_1:
    case GL_UNSIGNED_SHORT_4_4_4_4_REV:  // also EXT_read_format_bgra's, with BGRA
    case GL_UNSIGNED_SHORT_1_5_5_5_REV:
      *bytes = rgba ? 2 : 0;
      return true;
    case GL_UNSIGNED_INT_8_8_8_8:
    case GL_UNSIGNED_INT_8_8_8_8_REV:
    case GL_UNSIGNED_INT_10_10_10_2:
      *bytes = rgba ? 4 : 0;
      return true;
    case GL_UNSIGNED_INT_2_10_10_10_REV:
      // RGB is EXT_texture_type_2_10_10_10_REV's.
      *bytes = rgba || format == GL_RGB ? 4 : 0;
      return true;
    case GL_UNSIGNED_INT_10F_11F_11F_REV:
    case GL_UNSIGNED_INT_5_9_9_9_REV:
      *bytes = format == GL_RGB ? 4 : 0;
      return true;
    case GL_UNSIGNED_INT_24_8:
      // DEPTH_COMPONENT is NV_read_depth's readback (depth in the high 24 bits).
      *bytes = format == GL_DEPTH_STENCIL || format == GL_DEPTH_COMPONENT ? 4 : 0;
      return true;
    case GL_FLOAT_32_UNSIGNED_INT_24_8_REV:
      *bytes = format == GL_DEPTH_STENCIL ? 8 : 0;
      return true;
    default:
      return false;
  }
}

// The spec's element size s and element count n per group (section 8.4.4.1); the row alignment
// rule depends on s, not on the group size.
struct GroupLayout {
  uint32_t element_bytes;
  uint32_t elements;
};

bool group_layout(uint32_t format, uint32_t type, GroupLayout* layout) {
  FormatInfo info;
  if (!format_info(format, &info)) return false;
  uint32_t packed_bytes;
  if (packed_group_bytes(format, type, &packed_bytes)) {
    if (packed_bytes == 0) return false;
    *layout = {packed_bytes, 1};
    return true;
  }
  uint32_t element_bytes = 0;
  bool is_float = false;
  switch (type) {
    case GL_UNSIGNED_BYTE:
    case GL_BYTE:
      element_bytes = 1;
      break;
    case GL_UNSIGNED_SHORT:
    case GL_SHORT:
      element_bytes = 2;
      break;
    case GL_UNSIGNED_INT:
    case GL_INT:
      element_bytes = 4;
      break;
    case GL_HALF_FLOAT:
    case GL_HALF_FLOAT_OES:
      element_bytes = 2;
      is_float = true;
      break;
    case GL_FLOAT:
      element_bytes = 4;
      is_float = true;
      break;
    default:
      return false;
  }
  // Unpacked types carry one component per element. Pairs no GL accepts are refused; the others
  // are sized by the generic rule, which is what any GL that accepts them reads.
  switch (info.format_class) {
    case FormatClass::kInteger:
    case FormatClass::kStencil:
      if (is_float) return false;
      break;
    case FormatClass::kDepthStencil:
      return false;  // only through GL_UNSIGNED_INT_24_8 / GL_FLOAT_32_UNSIGNED_INT_24_8_REV
    case FormatClass::kColor:
    case FormatClass::kDepth:
      break;
  }
  *layout = {element_bytes, info.components};
  return true;
}

// Saturating arithmetic: a saturated intermediate only matters if it ends up in the total, and a
// saturated stride multiplied by zero rows or images correctly contributes nothing.
constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

uint64_t sat_mul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kSaturated / b ? kSaturated : a * b;
}

uint64_t sat_add(uint64_t a, uint64_t b) {
  return a > kSaturated - b ? kSaturated : a + b;
}

}  // namespace

uint32_t pixel_group_bytes(uint32_t format, uint32_t type) {
  GroupLayout layout;
  if (!group_layout(format, type, &layout)) return 0;
  return layout.element_bytes * layout.elements;
}

namespace {

// The checks both public functions make; fills the layout and the two strides (saturated).
bool strides(const PixelStore& store, uint32_t format, uint32_t type, int64_t width, int64_t height,
             GroupLayout* layout, uint64_t* row_stride, uint64_t* image_stride) {
  if (width < 0 || height < 0) return false;
  if (store.row_length < 0 || store.image_height < 0 || store.skip_pixels < 0 ||
      store.skip_rows < 0 || store.skip_images < 0) {
    return false;
  }
  if (store.alignment != 1 && store.alignment != 2 && store.alignment != 4 &&
      store.alignment != 8) {
    return false;
  }
  const uint64_t alignment = static_cast<uint64_t>(store.alignment);
  const uint64_t row_pixels =
      store.row_length > 0 ? static_cast<uint64_t>(store.row_length) : static_cast<uint64_t>(width);
  if (type == GL_BITMAP) {
    // One bit per pixel, rows of whole bytes (GL 4.6 compatibility, 8.4.4.1); a layout of one
    // one-byte element per group only serves the alignment rule below.
    if (format != GL_COLOR_INDEX && format != GL_STENCIL_INDEX) return false;
    *layout = {1, 1};
    *row_stride = (row_pixels + 7) / 8;
  } else {
    if (!group_layout(format, type, layout)) return false;
    *row_stride = sat_mul(uint64_t{layout->element_bytes} * layout->elements, row_pixels);
  }
  // Rows start on `alignment` boundaries unless the element is at least that large (then every
  // row already does).
  if (layout->element_bytes < alignment && *row_stride != kSaturated) {
    *row_stride = (*row_stride + alignment - 1) / alignment * alignment;
  }
  const uint64_t image_rows = store.image_height > 0 ? static_cast<uint64_t>(store.image_height)
                                                     : static_cast<uint64_t>(height);
  *image_stride = sat_mul(*row_stride, image_rows);
  return true;
}

}  // namespace

bool image_strides(const PixelStore& store, uint32_t format, uint32_t type, int64_t width,
                   int64_t height, uint64_t* row_stride, uint64_t* image_stride) {
  GroupLayout layout;
  if (!strides(store, format, type, width, height, &layout, row_stride, image_stride)) return false;
  return *image_stride <= kMaxImageBytes;
}

bool image_bytes(const PixelStore& store, uint32_t format, uint32_t type, int64_t width,
                 int64_t height, int64_t depth, uint64_t* bytes) {
  assert(bytes != nullptr);
  GroupLayout layout;
  uint64_t row_stride = 0, image_stride = 0;
  if (depth < 0 ||
      !strides(store, format, type, width, height, &layout, &row_stride, &image_stride))
    return false;
  if (width == 0 || height == 0 || depth == 0) {
    *bytes = 0;
    return true;
  }
  const uint64_t group_bytes = uint64_t{layout.element_bytes} * layout.elements;
  // The last byte touched is at the end of the last pixel of the last row of the last image.
  const uint64_t images_before =
      sat_add(static_cast<uint64_t>(store.skip_images), static_cast<uint64_t>(depth) - 1);
  const uint64_t rows_before =
      sat_add(static_cast<uint64_t>(store.skip_rows), static_cast<uint64_t>(height) - 1);
  const uint64_t pixels_in_last_row =
      sat_add(static_cast<uint64_t>(store.skip_pixels), static_cast<uint64_t>(width));
  const uint64_t last_row_bytes =
      type == GL_BITMAP ? (pixels_in_last_row + 7) / 8 : sat_mul(pixels_in_last_row, group_bytes);
  uint64_t total = sat_mul(images_before, image_stride);
  total = sat_add(total, sat_mul(rows_before, row_stride));
  total = sat_add(total, last_row_bytes);
  if (total > kMaxImageBytes) return false;
  *bytes = total;
  return true;
}

uint32_t type_bytes(uint32_t gl_type) {
  switch (gl_type) {
    case GL_BYTE:
    case GL_UNSIGNED_BYTE:
      return 1;
    case GL_SHORT:
    case GL_UNSIGNED_SHORT:
    case GL_HALF_FLOAT:
    case GL_HALF_FLOAT_OES:
      return 2;
    case GL_INT:
    case GL_UNSIGNED_INT:
    case GL_FLOAT:
    case GL_FIXED:
    case GL_INT_2_10_10_10_REV:
    case GL_UNSIGNED_INT_2_10_10_10_REV:
    case GL_INT_10_10_10_2_OES:  // OES_vertex_type_10_10_10_2
    case GL_UNSIGNED_INT_10_10_10_2_OES:
      return 4;
    default:
      return 0;
  }
}

}  // namespace gfxrelay::gl
