// Large payloads in pieces: buffer data as consecutive glBufferSubData ranges, images as bands
// of rows or groups of images (glTexSubImage*, glReadPixels) whose client addresses are where
// the whole call would have read or written them.
#include "guest/gl/large_transfers.h"

#include <algorithm>

#include "gl_encoder_gen.h"

namespace gfxrelay::guest::gles {

namespace {
// Only changes reach the host: an ES 2 context has no skip modes, and they are 0 there.
void set_store(GLenum pname, GLint from, GLint to) {
  if (from != to) hand::glPixelStorei(pname, to);
}
}  // namespace

detail::SkipsCleared::SkipsCleared(bool pack, const gl::PixelStore& store)
    : pack_(pack), rows_(store.skip_rows), images_(store.skip_images) {
  set_store(pack_ ? GL_PACK_SKIP_ROWS : GL_UNPACK_SKIP_ROWS, rows_, 0);
  if (!pack_) set_store(GL_UNPACK_SKIP_IMAGES, images_, 0);
}

detail::SkipsCleared::~SkipsCleared() {
  set_store(pack_ ? GL_PACK_SKIP_ROWS : GL_UNPACK_SKIP_ROWS, 0, rows_);
  if (!pack_) set_store(GL_UNPACK_SKIP_IMAGES, 0, images_);
}

void buffer_sub_data(Context& ctx, GLenum target, GLintptr offset, GLsizeiptr size,
                     const void* data) {
  if (!data || size < 0 || static_cast<uint64_t>(size) <= kUploadSplitBytes)
    return encode_glBufferSubData(ctx, target, offset, size, data);
  const auto* bytes = static_cast<const uint8_t*>(data);
  for (GLsizeiptr done = 0; done < size;) {
    const GLsizeiptr n = std::min<GLsizeiptr>(size - done, kUploadPieceBytes);
    encode_glBufferSubData(ctx, target, offset + done, n, bytes + done);
    done += n;
  }
}

namespace hand {

void GL_APIENTRY glBufferData(GLenum target, GLsizeiptr size, const void* data, GLenum usage) {
  Context* ctx = Context::current();
  if (!ctx) return;
  if (!data || size < 0 || static_cast<uint64_t>(size) <= kUploadSplitBytes)
    return encode_glBufferData(*ctx, target, size, data, usage);
  encode_glBufferData(*ctx, target, size, nullptr, usage);
  buffer_sub_data(*ctx, target, 0, size, data);
}

void GL_APIENTRY glBufferSubData(GLenum target, GLintptr offset, GLsizeiptr size,
                                 const void* data) {
  Context* ctx = Context::current();
  if (!ctx) return;
  buffer_sub_data(*ctx, target, offset, size, data);
}

namespace {
// Whether a glTexImage* may allocate first and be filled in pieces: not with a border (the
// sub-image offsets would start inside it) nor for a proxy target (nothing to fill).
bool fillable(GLenum target, GLint border) {
  switch (target) {
    case GL_PROXY_TEXTURE_2D:
    case GL_PROXY_TEXTURE_3D:
    case GL_PROXY_TEXTURE_1D_ARRAY:
    case GL_PROXY_TEXTURE_2D_ARRAY:
    case GL_PROXY_TEXTURE_RECTANGLE:
    case GL_PROXY_TEXTURE_CUBE_MAP:
    case GL_PROXY_TEXTURE_CUBE_MAP_ARRAY:
      return false;
    default:
      return border == 0;
  }
}
}  // namespace

// Uploads from a bound PIXEL_UNPACK_BUFFER are offsets: only client memory is split. A large
// glTexImage* allocates with no data, then fills the level piece by piece.
void GL_APIENTRY glTexImage2D(GLenum target, GLint level, GLint internalformat, GLsizei width,
                              GLsizei height, GLint border, GLenum format, GLenum type,
                              const void* pixels) {
  Context* ctx = Context::current();
  if (!ctx) return;
  if (fillable(target, border) &&
      split_image(*ctx, false, format, type, width, height, 1, pixels, [&](const ImagePiece& p) {
        if (p.y == 0)
          encode_glTexImage2D(*ctx, target, level, internalformat, width, height, border, format,
                              type, nullptr);
        encode_glTexSubImage2D(*ctx, target, level, 0, p.y, width, p.height, format, type,
                               p.pixels);
      }))
    return;
  encode_glTexImage2D(*ctx, target, level, internalformat, width, height, border, format, type,
                      pixels);
}

void GL_APIENTRY glTexSubImage2D(GLenum target, GLint level, GLint xoffset, GLint yoffset,
                                 GLsizei width, GLsizei height, GLenum format, GLenum type,
                                 const void* pixels) {
  Context* ctx = Context::current();
  if (!ctx) return;
  if (split_image(*ctx, false, format, type, width, height, 1, pixels, [&](const ImagePiece& p) {
        encode_glTexSubImage2D(*ctx, target, level, xoffset, yoffset + p.y, width, p.height, format,
                               type, p.pixels);
      }))
    return;
  encode_glTexSubImage2D(*ctx, target, level, xoffset, yoffset, width, height, format, type,
                         pixels);
}

void GL_APIENTRY glTexImage3D(GLenum target, GLint level, GLint internalformat, GLsizei width,
                              GLsizei height, GLsizei depth, GLint border, GLenum format,
                              GLenum type, const void* pixels) {
  Context* ctx = Context::current();
  if (!ctx) return;
  if (fillable(target, border) &&
      split_image(*ctx, false, format, type, width, height, depth, pixels,
                  [&](const ImagePiece& p) {
                    if (p.z == 0 && p.y == 0)
                      encode_glTexImage3D(*ctx, target, level, internalformat, width, height, depth,
                                          border, format, type, nullptr);
                    encode_glTexSubImage3D(*ctx, target, level, 0, p.y, p.z, width, p.height,
                                           p.depth, format, type, p.pixels);
                  }))
    return;
  encode_glTexImage3D(*ctx, target, level, internalformat, width, height, depth, border, format,
                      type, pixels);
}

void GL_APIENTRY glTexSubImage3D(GLenum target, GLint level, GLint xoffset, GLint yoffset,
                                 GLint zoffset, GLsizei width, GLsizei height, GLsizei depth,
                                 GLenum format, GLenum type, const void* pixels) {
  Context* ctx = Context::current();
  if (!ctx) return;
  if (split_image(
          *ctx, false, format, type, width, height, depth, pixels, [&](const ImagePiece& p) {
            encode_glTexSubImage3D(*ctx, target, level, xoffset, yoffset + p.y, zoffset + p.z,
                                   width, p.height, p.depth, format, type, p.pixels);
          }))
    return;
  encode_glTexSubImage3D(*ctx, target, level, xoffset, yoffset, zoffset, width, height, depth,
                         format, type, pixels);
}

}  // namespace hand
}  // namespace gfxrelay::guest::gles
