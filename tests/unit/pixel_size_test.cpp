#include "glcommon/pixel_size.h"

#include <GLES3/gl32.h>
// After gl32.h, which defines the types it uses.
#include <GLES2/gl2ext.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace gfxrelay::gl {
namespace {

PixelStore aligned(int32_t alignment) {
  PixelStore store;
  store.alignment = alignment;
  return store;
}

// image_bytes, or UINT64_MAX where it refuses.
uint64_t bytes_of(const PixelStore& store, uint32_t format, uint32_t type, int64_t width,
                  int64_t height, int64_t depth = 1) {
  uint64_t bytes = 0;
  if (!image_bytes(store, format, type, width, height, depth, &bytes)) {
    return std::numeric_limits<uint64_t>::max();
  }
  return bytes;
}

constexpr uint64_t kRefused = std::numeric_limits<uint64_t>::max();

TEST(PixelGroupBytes, UnpackedTypes) {
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_UNSIGNED_BYTE), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_RGB, GL_UNSIGNED_BYTE), 3u);
  EXPECT_EQ(pixel_group_bytes(GL_RG, GL_HALF_FLOAT), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_HALF_FLOAT_OES), 8u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_FLOAT), 16u);
  EXPECT_EQ(pixel_group_bytes(GL_RED_INTEGER, GL_INT), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_RGB_INTEGER, GL_UNSIGNED_SHORT), 6u);
  EXPECT_EQ(pixel_group_bytes(GL_LUMINANCE, GL_UNSIGNED_BYTE), 1u);
  EXPECT_EQ(pixel_group_bytes(GL_LUMINANCE_ALPHA, GL_UNSIGNED_BYTE), 2u);
  EXPECT_EQ(pixel_group_bytes(GL_ALPHA, GL_FLOAT), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_BGRA_EXT, GL_UNSIGNED_BYTE), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_DEPTH_COMPONENT, GL_UNSIGNED_SHORT), 2u);
  EXPECT_EQ(pixel_group_bytes(GL_DEPTH_COMPONENT, GL_FLOAT), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_STENCIL_INDEX, GL_UNSIGNED_BYTE), 1u);
}

TEST(PixelGroupBytes, PackedTypes) {
  EXPECT_EQ(pixel_group_bytes(GL_RGB, GL_UNSIGNED_SHORT_5_6_5), 2u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_UNSIGNED_SHORT_4_4_4_4), 2u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_UNSIGNED_SHORT_5_5_5_1), 2u);
  EXPECT_EQ(pixel_group_bytes(GL_BGRA_EXT, GL_UNSIGNED_SHORT_4_4_4_4_REV_EXT), 2u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_UNSIGNED_INT_2_10_10_10_REV), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA_INTEGER, GL_UNSIGNED_INT_2_10_10_10_REV), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_RGB, GL_UNSIGNED_INT_10F_11F_11F_REV), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_RGB, GL_UNSIGNED_INT_5_9_9_9_REV), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_DEPTH_STENCIL, GL_UNSIGNED_INT_24_8), 4u);
  EXPECT_EQ(pixel_group_bytes(GL_DEPTH_COMPONENT, GL_UNSIGNED_INT_24_8), 4u);  // NV_read_depth
  EXPECT_EQ(pixel_group_bytes(GL_DEPTH_STENCIL, GL_FLOAT_32_UNSIGNED_INT_24_8_REV), 8u);
}

TEST(PixelGroupBytes, UnknownCombinations) {
  EXPECT_EQ(pixel_group_bytes(0x1234, GL_UNSIGNED_BYTE), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, 0x1234), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_UNSIGNED_SHORT_5_6_5), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_RGB, GL_UNSIGNED_SHORT_4_4_4_4), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_RGBA, GL_UNSIGNED_INT_10F_11F_11F_REV), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_RED_INTEGER, GL_FLOAT), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_STENCIL_INDEX, GL_HALF_FLOAT), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_DEPTH_STENCIL, GL_UNSIGNED_INT), 0u);
  EXPECT_EQ(pixel_group_bytes(GL_STENCIL_INDEX, GL_UNSIGNED_INT_24_8), 0u);
  EXPECT_EQ(pixel_group_bytes(0xFFFFFFFFu, 0xFFFFFFFFu), 0u);
}

TEST(ImageBytes, AlignmentPadsEveryRowButTheLast) {
  // RGB8, 3 pixels: 9 bytes per row.
  EXPECT_EQ(bytes_of(aligned(1), GL_RGB, GL_UNSIGNED_BYTE, 3, 2), 18u);
  EXPECT_EQ(bytes_of(aligned(2), GL_RGB, GL_UNSIGNED_BYTE, 3, 2), 10u + 9u);
  EXPECT_EQ(bytes_of(aligned(4), GL_RGB, GL_UNSIGNED_BYTE, 3, 2), 12u + 9u);
  EXPECT_EQ(bytes_of(aligned(8), GL_RGB, GL_UNSIGNED_BYTE, 3, 2), 16u + 9u);
  // One row is never padded.
  EXPECT_EQ(bytes_of(aligned(8), GL_RGB, GL_UNSIGNED_BYTE, 3, 1), 9u);
  // RGBA8, 5 pixels: 20 bytes per row.
  EXPECT_EQ(bytes_of(aligned(4), GL_RGBA, GL_UNSIGNED_BYTE, 5, 3), 2 * 20u + 20u);
  EXPECT_EQ(bytes_of(aligned(8), GL_RGBA, GL_UNSIGNED_BYTE, 5, 3), 2 * 24u + 20u);
  // Odd widths of 1-byte formats.
  EXPECT_EQ(bytes_of(aligned(4), GL_LUMINANCE, GL_UNSIGNED_BYTE, 7, 4), 3 * 8u + 7u);
  EXPECT_EQ(bytes_of(aligned(2), GL_LUMINANCE_ALPHA, GL_UNSIGNED_BYTE, 3, 2), 6u + 6u);
  EXPECT_EQ(bytes_of(aligned(4), GL_LUMINANCE_ALPHA, GL_UNSIGNED_BYTE, 3, 2), 8u + 6u);
  EXPECT_EQ(bytes_of(aligned(4), GL_ALPHA, GL_UNSIGNED_BYTE, 1, 3), 2 * 4u + 1u);
}

TEST(ImageBytes, AlignmentWithLargerElements) {
  // 2-byte elements, 6 bytes per row: padded to 8 at alignment 8, not at 2.
  EXPECT_EQ(bytes_of(aligned(2), GL_RGB, GL_UNSIGNED_SHORT, 1, 2), 6u + 6u);
  EXPECT_EQ(bytes_of(aligned(8), GL_RGB, GL_UNSIGNED_SHORT, 1, 2), 8u + 6u);
  // 4-byte elements at alignment 4 are never padded.
  EXPECT_EQ(bytes_of(aligned(4), GL_RGB, GL_FLOAT, 3, 2), 36u + 36u);
  EXPECT_EQ(bytes_of(aligned(8), GL_RGB, GL_FLOAT, 3, 2), 40u + 36u);
  EXPECT_EQ(bytes_of(aligned(1), GL_RGBA, GL_HALF_FLOAT, 3, 2), 24u + 24u);
}

TEST(ImageBytes, RowLengthAndSkips) {
  PixelStore store;
  store.row_length = 10;
  store.skip_rows = 2;
  store.skip_pixels = 3;
  // Rows of 10 RGBA8 pixels (40 bytes); the last row touches pixels 3..6.
  EXPECT_EQ(bytes_of(store, GL_RGBA, GL_UNSIGNED_BYTE, 4, 2), (2 + 1) * 40u + (3 + 4) * 4u);

  // Row length pads too: 5 RGB8 pixels are 15 bytes, 16 at alignment 4.
  PixelStore rgb;
  rgb.row_length = 5;
  EXPECT_EQ(bytes_of(rgb, GL_RGB, GL_UNSIGNED_BYTE, 2, 3), 2 * 16u + 6u);

  // A row length shorter than the width: rows overlap, the last one still ends at its width.
  PixelStore overlap;
  overlap.alignment = 1;
  overlap.row_length = 2;
  EXPECT_EQ(bytes_of(overlap, GL_RED, GL_UNSIGNED_BYTE, 4, 3), 2 * 2u + 4u);

  PixelStore skip_only_pixels = aligned(1);
  skip_only_pixels.skip_pixels = 5;
  EXPECT_EQ(bytes_of(skip_only_pixels, GL_RGB, GL_UNSIGNED_BYTE, 2, 1), (5 + 2) * 3u);
}

TEST(ImageBytes, ThreeDimensional) {
  // RGB8 3x2x3 at alignment 4: 12-byte row stride, 24-byte image stride.
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGB, GL_UNSIGNED_BYTE, 3, 2, 3), 2 * 24u + 12u + 9u);

  PixelStore store;
  store.image_height = 4;
  store.skip_images = 1;
  // Image stride 4 rows x 12 bytes.
  EXPECT_EQ(bytes_of(store, GL_RGB, GL_UNSIGNED_BYTE, 3, 2, 3), (1 + 2) * 48u + 12u + 9u);

  store.skip_rows = 1;
  store.skip_pixels = 2;
  store.row_length = 6;  // 18 bytes, 20 at alignment 4; image stride 80
  EXPECT_EQ(bytes_of(store, GL_RGB, GL_UNSIGNED_BYTE, 3, 2, 3),
            (1 + 2) * 80u + (1 + 1) * 20u + (2 + 3) * 3u);

  // Depth 1 with skip_images still skips whole images.
  PixelStore one = aligned(1);
  one.skip_images = 2;
  EXPECT_EQ(bytes_of(one, GL_RED, GL_UNSIGNED_BYTE, 2, 2, 1), 2 * 4u + 2u + 2u);
}

TEST(ImageBytes, PackedTypes) {
  // 5_6_5: 2-byte elements, so alignment 4 pads 6-byte rows to 8.
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGB, GL_UNSIGNED_SHORT_5_6_5, 3, 2), 8u + 6u);
  EXPECT_EQ(bytes_of(aligned(2), GL_RGB, GL_UNSIGNED_SHORT_5_6_5, 3, 2), 6u + 6u);
  EXPECT_EQ(bytes_of(aligned(8), GL_RGBA, GL_UNSIGNED_SHORT_4_4_4_4, 3, 3), 2 * 8u + 6u);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_INT_2_10_10_10_REV, 3, 2), 12u + 12u);
  EXPECT_EQ(bytes_of(aligned(8), GL_RGB, GL_UNSIGNED_INT_10F_11F_11F_REV, 3, 2), 16u + 12u);
  EXPECT_EQ(bytes_of(aligned(8), GL_RGB, GL_UNSIGNED_INT_5_9_9_9_REV, 1, 1), 4u);
  EXPECT_EQ(bytes_of(aligned(8), GL_DEPTH_STENCIL, GL_UNSIGNED_INT_24_8, 3, 2), 16u + 12u);
  EXPECT_EQ(bytes_of(aligned(8), GL_DEPTH_STENCIL, GL_FLOAT_32_UNSIGNED_INT_24_8_REV, 3, 2),
            24u + 24u);
}

TEST(ImageBytes, EmptyImages) {
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_BYTE, 0, 5), 0u);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_BYTE, 5, 0), 0u);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_BYTE, 5, 5, 0), 0u);
  PixelStore skips;
  skips.skip_rows = 100;
  skips.skip_images = 100;
  EXPECT_EQ(bytes_of(skips, GL_RGBA, GL_UNSIGNED_BYTE, 0, 0, 0), 0u);
}

TEST(ImageBytes, RefusesUnknownEnums) {
  EXPECT_EQ(bytes_of(PixelStore{}, 0x1234, GL_UNSIGNED_BYTE, 1, 1), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, 0x1234, 1, 1), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_SHORT_5_6_5, 1, 1), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, 0x1234, 0, 0), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, 0xFFFFFFFFu, 0xFFFFFFFFu, 1, 1), kRefused);
}

TEST(ImageBytes, RefusesBadSizesAndStoreModes) {
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_BYTE, -1, 1), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_BYTE, 1, -1), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_UNSIGNED_BYTE, 1, 1, -1), kRefused);
  for (int32_t alignment : {0, 3, 5, 16, -4}) {
    EXPECT_EQ(bytes_of(aligned(alignment), GL_RGBA, GL_UNSIGNED_BYTE, 1, 1), kRefused) << alignment;
  }
  PixelStore negative;
  negative.skip_pixels = -1;
  EXPECT_EQ(bytes_of(negative, GL_RGBA, GL_UNSIGNED_BYTE, 1, 1), kRefused);
  negative = PixelStore{};
  negative.row_length = -1;
  EXPECT_EQ(bytes_of(negative, GL_RGBA, GL_UNSIGNED_BYTE, 1, 1), kRefused);
  negative = PixelStore{};
  negative.image_height = -1;
  EXPECT_EQ(bytes_of(negative, GL_RGBA, GL_UNSIGNED_BYTE, 1, 1), kRefused);
  negative = PixelStore{};
  negative.skip_rows = -1;
  EXPECT_EQ(bytes_of(negative, GL_RGBA, GL_UNSIGNED_BYTE, 1, 1), kRefused);
  negative = PixelStore{};
  negative.skip_images = -1;
  EXPECT_EQ(bytes_of(negative, GL_RGBA, GL_UNSIGNED_BYTE, 1, 1), kRefused);
}

TEST(ImageBytes, RefusesOverflow) {
  constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();
  constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();
  // 2^31 bytes is the limit, one more is refused.
  EXPECT_EQ(bytes_of(aligned(1), GL_RGBA, GL_UNSIGNED_BYTE, int64_t{1} << 28, 2), kMaxImageBytes);
  EXPECT_EQ(bytes_of(aligned(1), GL_RGBA, GL_UNSIGNED_BYTE, int64_t{1} << 29, 2), kRefused);
  EXPECT_EQ(bytes_of(aligned(1), GL_RED, GL_UNSIGNED_BYTE, (int64_t{1} << 31) + 1, 1), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_FLOAT, 65536, 65536), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_FLOAT, kMax64, 1), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_FLOAT, kMax64, kMax64, kMax64), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_FLOAT, 1, kMax64), kRefused);
  EXPECT_EQ(bytes_of(PixelStore{}, GL_RGBA, GL_FLOAT, 1, 1, kMax64), kRefused);

  PixelStore huge;
  huge.row_length = kMax32;
  huge.image_height = kMax32;
  huge.skip_pixels = kMax32;
  huge.skip_rows = kMax32;
  huge.skip_images = kMax32;
  EXPECT_EQ(bytes_of(huge, GL_RGBA, GL_FLOAT, kMax32, kMax32, kMax32), kRefused);

  // Huge strides that the image never steps over do not count.
  PixelStore wide;
  wide.row_length = kMax32;
  wide.image_height = kMax32;
  EXPECT_EQ(bytes_of(wide, GL_RGBA, GL_FLOAT, 1, 1, 1), 16u);
  EXPECT_EQ(bytes_of(wide, GL_RGBA, GL_FLOAT, 1, 2, 1), kRefused);
  EXPECT_EQ(bytes_of(wide, GL_RGBA, GL_FLOAT, 1, 1, 2), kRefused);
  wide.skip_rows = 1;
  EXPECT_EQ(bytes_of(wide, GL_RGBA, GL_FLOAT, 1, 1, 1), kRefused);
}

TEST(ImageStrides, RowsAndImagesFollowTheStoreModes) {
  uint64_t row = 0, image = 0;
  // 3 RGB bytes per pixel, 5 pixels: 15 bytes, padded to 16 by alignment 4.
  ASSERT_TRUE(image_strides(aligned(4), GL_RGB, GL_UNSIGNED_BYTE, 5, 7, &row, &image));
  EXPECT_EQ(row, 16u);
  EXPECT_EQ(image, 16u * 7);
  PixelStore store = aligned(1);
  store.row_length = 9;
  store.image_height = 11;
  store.skip_rows = 2;  // skips move the start, not the strides
  ASSERT_TRUE(image_strides(store, GL_RGBA, GL_FLOAT, 5, 7, &row, &image));
  EXPECT_EQ(row, 9u * 16);
  EXPECT_EQ(image, 9u * 16 * 11);
  // Whole images are what image_bytes adds per skipped image and per row.
  uint64_t with_skip = 0, without = 0;
  ASSERT_TRUE(image_bytes(store, GL_RGBA, GL_FLOAT, 5, 7, 3, &with_skip));
  store.skip_rows = 0;
  ASSERT_TRUE(image_bytes(store, GL_RGBA, GL_FLOAT, 5, 7, 3, &without));
  EXPECT_EQ(with_skip - without, 2 * row);
  EXPECT_FALSE(image_strides(aligned(3), GL_RGBA, GL_UNSIGNED_BYTE, 5, 7, &row, &image));
  EXPECT_FALSE(image_strides(aligned(4), 0x1234, GL_UNSIGNED_BYTE, 5, 7, &row, &image));
}

TEST(TypeBytes, VertexAndIndexTypes) {
  EXPECT_EQ(type_bytes(GL_BYTE), 1u);
  EXPECT_EQ(type_bytes(GL_UNSIGNED_BYTE), 1u);
  EXPECT_EQ(type_bytes(GL_SHORT), 2u);
  EXPECT_EQ(type_bytes(GL_UNSIGNED_SHORT), 2u);
  EXPECT_EQ(type_bytes(GL_HALF_FLOAT), 2u);
  EXPECT_EQ(type_bytes(GL_HALF_FLOAT_OES), 2u);
  EXPECT_EQ(type_bytes(GL_INT), 4u);
  EXPECT_EQ(type_bytes(GL_UNSIGNED_INT), 4u);
  EXPECT_EQ(type_bytes(GL_FLOAT), 4u);
  EXPECT_EQ(type_bytes(GL_FIXED), 4u);
  EXPECT_EQ(type_bytes(GL_INT_2_10_10_10_REV), 4u);
  EXPECT_EQ(type_bytes(GL_UNSIGNED_INT_2_10_10_10_REV), 4u);
  EXPECT_EQ(type_bytes(0), 0u);
  EXPECT_EQ(type_bytes(GL_RGBA), 0u);
  EXPECT_EQ(type_bytes(0xFFFFFFFFu), 0u);
}

}  // namespace
}  // namespace gfxrelay::gl
