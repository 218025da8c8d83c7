// Byte sizes of the client-memory images that pixel transfer calls read (glTexImage*,
// glTexSubImage*) or write (glReadPixels), following the OpenGL ES 3.2 specification, section 8.4
// ("Pixel Rectangles") and 16.1 ("Reading Pixels"). The guest and the host both compute these, and
// the host relies on them to bound untrusted guest data, so every function here is exact and
// rejects what it does not know instead of guessing.
#pragma once

#include <cstdint>

namespace gfxrelay::gl {

// The GL_{UN,}PACK_* pixel store modes. ES has no GL_PACK_IMAGE_HEIGHT / GL_PACK_SKIP_IMAGES and
// GL ignores image_height and skip_images for 2D calls: leave them 0 in those cases.
struct PixelStore {
  int32_t alignment = 4;
  int32_t row_length = 0;
  int32_t image_height = 0;
  int32_t skip_pixels = 0;
  int32_t skip_rows = 0;
  int32_t skip_images = 0;
};

// The largest image any call may describe; larger requests are rejected, not computed.
inline constexpr uint64_t kMaxImageBytes = uint64_t{1} << 31;

// Bytes per pixel group for a (format, type) pair that GLES 3.2 or an ES extension accepts for
// pixel transfers; 0 for a pair it does not know.
uint32_t pixel_group_bytes(uint32_t format, uint32_t type);

// Exactly how many bytes GL reads (unpack) or writes (pack) for a width x height x depth image
// with these store modes, from the first byte it touches counted from the client pointer (skips
// included) to the last byte of the last pixel (the final row is not padded to the alignment).
// Returns false for an unknown format/type, a negative size or store value, an alignment other
// than 1, 2, 4 or 8, or a result above kMaxImageBytes. An empty image is 0 bytes.
bool image_bytes(const PixelStore& store, uint32_t format, uint32_t type, int64_t width,
                 int64_t height, int64_t depth, uint64_t* bytes);

// Distances in bytes between the first bytes of consecutive rows and of consecutive images of
// such an image (what skip_rows and skip_images count in). False as for image_bytes.
bool image_strides(const PixelStore& store, uint32_t format, uint32_t type, int64_t width,
                   int64_t height, uint64_t* row_stride, uint64_t* image_stride);

// Bytes of one component of a vertex attribute or one index of this type; for the packed
// attribute types (GL_INT_2_10_10_10_REV and the like) the bytes of the whole packed attribute.
// 0 if unknown.
uint32_t type_bytes(uint32_t gl_type);

}  // namespace gfxrelay::gl
