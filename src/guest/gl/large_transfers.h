// Payloads too large for one command (the transfer area holds at most half its size at once)
// go as several commands that each fit, with the same effect as the one the program made.
#pragma once

#include <functional>

#include "guest/gl/encoder_support.h"

namespace gfxrelay::guest::gles {

// Above this, a payload is split; pieces are about half of it.
inline constexpr uint64_t kSplitBytes = uint64_t{32} << 20;
inline constexpr uint64_t kPieceBytes = uint64_t{16} << 20;

// glBufferSubData, in pieces when large (also the write-back of mapped ranges).
void buffer_sub_data(Context& ctx, GLenum target, GLintptr offset, GLsizeiptr size,
                     const void* data);

// One piece of a split image: its first image and row within the whole call, its images and
// rows, and the client address of its first row (the skips already applied).
struct ImagePiece {
  GLsizei z, y, depth, height;
  uint8_t* pixels;
};

// Calls `piece` for each piece of a large client-memory image, with the pack or unpack skips
// set to 0 on guest and host meanwhile. False, with nothing called, when the image fits in one
// command or its size is unknown (the single command then reports what is wrong).
bool split_image(Context& ctx, bool pack, GLenum format, GLenum type, GLsizei width, GLsizei height,
                 GLsizei depth, const void* pixels,
                 const std::function<void(const ImagePiece&)>& piece);

}  // namespace gfxrelay::guest::gles
