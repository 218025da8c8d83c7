// Payloads too large for one command (the transfer area holds at most half its size at once)
// go as several commands that each fit, with the same effect as the one the program made.
// Uploads (buffer data, images from client memory) are cut much smaller, into pieces the host
// starts copying while the guest still copies the next (each is published at once: a command
// with a large transfer is, Context::end): a 16 MiB texture upload ran at 37% of memcpy in one
// command, at 85% in 512 KiB bands (bench/micro, BENCHMARKS.md).
#pragma once

#include <algorithm>

#include "guest/gl/encoder_support.h"

namespace gfxrelay::guest::gles {

// Above this, a payload is split; pieces are about half of it.
inline constexpr uint64_t kSplitBytes = uint64_t{32} << 20;
inline constexpr uint64_t kPieceBytes = uint64_t{16} << 20;
// The same for uploads (2D images); bands are a multiple of kBlockRows rows.
inline constexpr GLsizei kBlockRows = 120;
inline constexpr uint64_t kUploadSplitBytes = uint64_t{1} << 20;
inline constexpr uint64_t kUploadPieceBytes = uint64_t{512} << 10;

// glBufferSubData, in pieces when large (also the write-back of mapped ranges).
void buffer_sub_data(Context& ctx, GLenum target, GLintptr offset, GLsizeiptr size,
                     const void* data);

// One piece of a split image: its first image and row within the whole call, its images and
// rows, and the client address of its first row (the skips already applied).
struct ImagePiece {
  GLsizei z, y, depth, height;
  uint8_t* pixels;
};

namespace detail {
// Sets skip_rows and skip_images of the pack or unpack modes to 0, on the guest and the host,
// until destroyed; the pieces' addresses already include the skips.
class SkipsCleared {
 public:
  SkipsCleared(bool pack, const gl::PixelStore& store);
  ~SkipsCleared();

 private:
  bool pack_;
  GLint rows_, images_;
};
}  // namespace detail

// Calls `piece(const ImagePiece&)` for each piece of a large client-memory image, with the pack
// or unpack skips set to 0 on guest and host meanwhile. False, with nothing called, when a pack
// or unpack buffer is bound (the pointer is an offset), the image fits in one command, or its
// size is unknown (the single command then reports what is wrong).
template <typename Piece>
bool split_image(Context& ctx, bool pack, GLenum format, GLenum type, GLsizei width, GLsizei height,
                 GLsizei depth, const void* pixels, Piece&& piece) {
  if ((pack ? ctx.state.pixel_pack_buffer : ctx.state.pixel_unpack_buffer) != 0) return false;
  const gl::PixelStore& store = pack ? ctx.state.pack : ctx.state.unpack;
  // Upload bands only for 2D images; 3D ones of compressed textures may have blocks several
  // images deep.
  const bool bands = !pack && depth == 1;
  const uint64_t split = bands ? kUploadSplitBytes : kSplitBytes;
  const uint64_t piece_bytes = bands ? kUploadPieceBytes : kPieceBytes;
  uint64_t total = 0, row = 0, image = 0;
  if (!pixels || !gl::image_bytes(store, format, type, width, height, depth, &total) ||
      total <= split || !gl::image_strides(store, format, type, width, height, &row, &image))
    return false;
  auto* base = static_cast<uint8_t*>(const_cast<void*>(pixels)) +
               static_cast<uint64_t>(store.skip_images) * image +
               static_cast<uint64_t>(store.skip_rows) * row;
  detail::SkipsCleared cleared(pack, store);
  if (depth > 1 && image <= piece_bytes) {
    const GLsizei images = static_cast<GLsizei>(std::max<uint64_t>(1, piece_bytes / image));
    for (GLsizei z = 0; z < depth; z += images)
      piece(ImagePiece{z, 0, std::min(images, depth - z), height, base + z * image});
    return true;
  }
  GLsizei rows = static_cast<GLsizei>(std::max<uint64_t>(1, piece_bytes / row));
  // Upload bands are whole rows of blocks of any compressed format the texture may have (the
  // guest does not know it: an uncompressed upload into a BPTC or ASTC texture is allowed):
  // 120 is a multiple of every block height (4, 5, 6, 8, 10, 12).
  if (bands) rows = (rows + kBlockRows - 1) / kBlockRows * kBlockRows;
  for (GLsizei z = 0; z < depth; ++z)
    for (GLsizei y = 0; y < height; y += rows)
      piece(ImagePiece{z, y, 1, std::min(rows, height - y), base + z * image + y * row});
  return true;
}

}  // namespace gfxrelay::guest::gles
