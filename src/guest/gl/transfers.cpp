// Commands that move data back to the guest or need guest-side bookkeeping: read-backs, buffer
// mappings, strings, shader sources, errors, flush and finish.
#include <cstring>

#include "gl_encoder_gen.h"
#include "guest/connection.h"
#include "guest/gl/large_transfers.h"

namespace gfxrelay::guest::gles {

namespace {

Context* current() {
  return Context::current();
}

// Copies the pixels GL wrote into `src` (laid out as in client memory) to the program's memory,
// row by row: the bytes between rows and before the first pixel are the program's and stay.
void copy_pixel_rows(const gl::PixelStore& store, GLenum format, GLenum type, GLsizei width,
                     GLsizei height, const uint8_t* src, uint8_t* dst) {
  uint64_t row = 0, image = 0;
  const uint64_t group = gl::pixel_group_bytes(format, type);
  if (!gl::image_strides(store, format, type, width, height, &row, &image) || group == 0) return;
  const uint64_t first = store.skip_rows * row + store.skip_pixels * group;
  const uint64_t pixels = width * group;
  if (row == pixels) return static_cast<void>(std::memcpy(dst + first, src + first, height * row));
  for (GLsizei y = 0; y < height; ++y)
    std::memcpy(dst + first + y * row, src + first + y * row, pixels);
}

// glReadPixels/glReadnPixels: into a bound PIXEL_PACK_BUFFER (asynchronous), or through the
// transfer area into client memory (synchronous).
void read_pixels(Op op, GLint x, GLint y, GLsizei width, GLsizei height, GLenum format, GLenum type,
                 GLsizei buf_size, void* data) {
  Context* ctx = current();
  if (!ctx) return;
  Blob blob;
  uint64_t bytes = 0;
  const bool to_buffer = ctx->state.pixel_pack_buffer != 0;
  if (to_buffer) {
    blob = ctx->offset_blob(data);
  } else if (data && gl::image_bytes(ctx->state.pack, format, type, width, height, 1, &bytes)) {
    if (buf_size >= 0 && bytes > static_cast<uint64_t>(buf_size)) bytes = 0;  // host reports it
    // A large read-back comes in bands of rows.
    if (bytes > kSplitBytes &&
        split_image(*ctx, true, format, type, width, height, 1, data, [&](const ImagePiece& p) {
          read_pixels(Op::glReadPixels, x, y + p.y, width, p.height, format, type, -1, p.pixels);
        }))
      return;
    if (bytes) blob = ctx->output_blob(bytes);
  }
  const size_t size = 40 + blob.wire_size();
  uint8_t* p = ctx->begin(op, size);
  if (!p) return;
  for (uint32_t i = 0;
       const uint32_t v :
       {static_cast<uint32_t>(x), static_cast<uint32_t>(y), static_cast<uint32_t>(width),
        static_cast<uint32_t>(height), format, type, static_cast<uint32_t>(buf_size)})
    wire::store<uint32_t>(p + 8 + 4 * i++, v);
  wire::store<uint32_t>(p + 36, 0);
  ctx->write_blob(p + 40, blob);
  ctx->end(size);
  if (to_buffer) return;
  ReplyReader reply = ctx->sync();
  if (reply.live() && reply.scalar<uint32_t>() && blob.mode == wire::BlobMode::kTransfer)
    copy_pixel_rows(ctx->state.pack, format, type, width, height, ctx->transfer_bytes(blob),
                    static_cast<uint8_t*>(data));
}

// The host maps the range, copies it into `dst` when the access reads, and unmaps; the reply
// is the guest name of the mapped buffer (0: GL refused the mapping). `target` is the buffer's
// name for glMapNamedBufferRange.
GLuint map_on_host(Context& ctx, Op op, GLenum target, GLbitfield access, GLintptr offset,
                   GLsizeiptr length, uint8_t* dst) {
  Blob blob = dst && length > 0 ? ctx.output_blob(static_cast<size_t>(length)) : Blob();
  const size_t size = 32 + blob.wire_size();
  uint8_t* p = ctx.begin(op, size);
  if (!p) return 0;
  wire::store<uint32_t>(p + 8, target);
  wire::store<uint32_t>(p + 12, access);
  wire::store<uint64_t>(p + 16, offset);
  wire::store<uint64_t>(p + 24, length);
  ctx.write_blob(p + 32, blob);
  ctx.end(size);
  ReplyReader reply = ctx.sync();
  const GLuint buffer = reply.scalar<uint32_t>();
  if (buffer && blob.mode == wire::BlobMode::kTransfer)
    std::memcpy(dst, ctx.transfer_bytes(blob), length);
  return buffer;
}

// One glGetString round trip (the host narrows GL_EXTENSIONS to what the relay carries), or,
// with an index, glGetStringi's.
std::string fetch_string(Context& ctx, GLenum name, int index = -1) {
  uint8_t* p = ctx.begin(index < 0 ? Op::glGetString : Op::glGetStringi, 16);
  if (!p) return {};
  wire::store<uint32_t>(p + 8, name);
  wire::store<uint32_t>(p + 12, index < 0 ? 0 : static_cast<uint32_t>(index));
  ctx.end(16);
  ReplyReader reply = ctx.sync();
  std::span<const uint8_t> bytes = reply.output_bytes();
  const char* text = reinterpret_cast<const char*>(bytes.data());
  return std::string(text, strnlen(text, bytes.size()));
}

// The extension string, once per context, and the list glGetStringi indexes.
void fetch_extensions(Context& ctx) {
  if (ctx.extensions_fetched) return;
  ctx.extensions_fetched = true;
  const std::string& all = ctx.strings[4] = fetch_string(ctx, GL_EXTENSIONS);
  for (size_t at = 0; at < all.size();) {
    const size_t space = all.find(' ', at);
    const size_t end = space == std::string::npos ? all.size() : space;
    if (end > at) ctx.extensions.push_back(all.substr(at, end - at));
    at = end + 1;
  }
}

const GLubyte* as_glubyte(const std::string& s) {
  return reinterpret_cast<const GLubyte*>(s.c_str());
}

// glGetStringi(GL_SHADING_LANGUAGE_VERSION, i) (GL 4.3): all fetched once per context.
const GLubyte* shading_language_version(Context& ctx, GLuint index) {
  if (!ctx.shading_language_versions_fetched) {
    ctx.shading_language_versions_fetched = true;
    GLint count = 0;
    encode_glGetIntegerv(ctx, GL_NUM_SHADING_LANGUAGE_VERSIONS, &count);
    for (GLint i = 0; i < std::min(count, 256); ++i)
      ctx.shading_language_versions.push_back(fetch_string(ctx, GL_SHADING_LANGUAGE_VERSION, i));
  }
  if (index >= ctx.shading_language_versions.size()) {
    ctx.set_error(GL_INVALID_VALUE);
    return nullptr;
  }
  return as_glubyte(ctx.shading_language_versions[index]);
}

}  // namespace

namespace hand {

void GL_APIENTRY glReadPixels(GLint x, GLint y, GLsizei width, GLsizei height, GLenum format,
                              GLenum type, void* pixels) {
  read_pixels(Op::glReadPixels, x, y, width, height, format, type, -1, pixels);
}

void GL_APIENTRY glReadnPixels(GLint x, GLint y, GLsizei width, GLsizei height, GLenum format,
                               GLenum type, GLsizei bufSize, void* data) {
  read_pixels(Op::glReadnPixels, x, y, width, height, format, type, bufSize, data);
}

// glGetTexImage / glGetCompressedTexImage (GL 1.0, 1.3) and their direct-state-access forms
// glGetTextureImage / glGetCompressedTextureImage (GL 4.5, a texture name for the target):
// into a bound PIXEL_PACK_BUFFER (asynchronous), or through the transfer area, sized by the
// level's size that the guest asks for first. Wire form: target (or texture), level, format,
// type (0, 0 for compressed), bufSize (-1 for the non-DSA forms), 0, then for the sub-image
// forms (ARB_get_texture_sub_image) x, y, z, width, height, depth, then the blob. A compressed
// sub-image is read into all of bufSize (its size depends on the format's blocks).
void get_tex_image(Op op, GLenum target, GLint level, GLenum format, GLenum type, GLsizei buf_size,
                   void* pixels, const GLint* region = nullptr) {
  Context* ctx = current();
  if (!ctx) return;
  const bool compressed = op == Op::glGetCompressedTexImage ||
                          op == Op::glGetCompressedTextureImage ||
                          op == Op::glGetCompressedTextureSubImage;
  const bool named = op != Op::glGetTexImage && op != Op::glGetCompressedTexImage;
  const bool to_buffer = ctx->state.pixel_pack_buffer != 0;
  auto level_value = [&](GLenum pname) {
    GLint v = 0;
    if (named)
      encode_glGetTextureLevelParameteriv(*ctx, target, level, pname, &v);
    else
      encode_glGetTexLevelParameteriv(*ctx, target, level, pname, &v);
    return v;
  };
  Blob blob;
  uint64_t bytes = 0;
  GLint width = 0, height = 0, depth = 0;
  if (to_buffer) {
    blob = ctx->offset_blob(pixels);
  } else if (pixels) {
    if (compressed && region) {
      bytes = buf_size > 0 ? static_cast<uint64_t>(buf_size) : 0;
    } else if (compressed) {
      const GLint size = level_value(GL_TEXTURE_COMPRESSED_IMAGE_SIZE);
      bytes = size > 0 ? static_cast<uint64_t>(size) : 0;
    } else {
      width = region ? region[3] : level_value(GL_TEXTURE_WIDTH);
      height = region ? region[4] : level_value(GL_TEXTURE_HEIGHT);
      depth = region ? region[5] : level_value(GL_TEXTURE_DEPTH);
      if (!gl::image_bytes(ctx->state.pack, format, type, width, height, depth, &bytes)) bytes = 0;
    }
    // A bufSize too small is GL's error to report: the host sees it and writes nothing.
    if (buf_size >= 0 && bytes > static_cast<uint64_t>(buf_size)) bytes = 0;
    if (bytes) blob = ctx->output_blob(bytes);
  }
  const size_t fixed = region ? 56 : 32;
  const size_t size = fixed + blob.wire_size();
  uint8_t* p = ctx->begin(op, size);
  if (!p) return;
  wire::store<uint32_t>(p + 8, target);
  wire::store<uint32_t>(p + 12, static_cast<uint32_t>(level));
  wire::store<uint32_t>(p + 16, compressed ? 0 : format);
  wire::store<uint32_t>(p + 20, compressed ? 0 : type);
  wire::store<uint32_t>(p + 24, static_cast<uint32_t>(buf_size));
  wire::store<uint32_t>(p + 28, 0);
  for (int i = 0; region && i < 6; ++i)
    wire::store<uint32_t>(p + 32 + 4 * i, static_cast<uint32_t>(region[i]));
  ctx->write_blob(p + fixed, blob);
  ctx->end(size);
  if (to_buffer) return;
  ReplyReader reply = ctx->sync();
  if (!reply.live() || !reply.scalar<uint32_t>() || blob.mode != wire::BlobMode::kTransfer) return;
  auto* dst = static_cast<uint8_t*>(pixels);
  if (compressed) return static_cast<void>(std::memcpy(dst, ctx->transfer_bytes(blob), bytes));
  uint64_t row = 0, image = 0;
  if (!gl::image_strides(ctx->state.pack, format, type, width, height, &row, &image)) return;
  const uint64_t first = static_cast<uint64_t>(ctx->state.pack.skip_images) * image;
  for (GLint z = 0; z < depth; ++z)  // image by image: the bytes between them stay the program's
    copy_pixel_rows(ctx->state.pack, format, type, width, height,
                    ctx->transfer_bytes(blob) + first + z * image, dst + first + z * image);
}

void GL_APIENTRY glGetTexImage(GLenum target, GLint level, GLenum format, GLenum type,
                               void* pixels) {
  get_tex_image(Op::glGetTexImage, target, level, format, type, -1, pixels);
}

void GL_APIENTRY glGetCompressedTexImage(GLenum target, GLint level, void* img) {
  get_tex_image(Op::glGetCompressedTexImage, target, level, 0, 0, -1, img);
}

void GL_APIENTRY glGetTextureImage(GLuint texture, GLint level, GLenum format, GLenum type,
                                   GLsizei bufSize, void* pixels) {
  get_tex_image(Op::glGetTextureImage, texture, level, format, type, bufSize, pixels);
}

void GL_APIENTRY glGetCompressedTextureImage(GLuint texture, GLint level, GLsizei bufSize,
                                             void* pixels) {
  get_tex_image(Op::glGetCompressedTextureImage, texture, level, 0, 0, bufSize, pixels);
}

void GL_APIENTRY glGetTextureSubImage(GLuint texture, GLint level, GLint xoffset, GLint yoffset,
                                      GLint zoffset, GLsizei width, GLsizei height, GLsizei depth,
                                      GLenum format, GLenum type, GLsizei bufSize, void* pixels) {
  const GLint region[] = {xoffset, yoffset, zoffset, width, height, depth};
  get_tex_image(Op::glGetTextureSubImage, texture, level, format, type, bufSize, pixels, region);
}

void GL_APIENTRY glGetCompressedTextureSubImage(GLuint texture, GLint level, GLint xoffset,
                                                GLint yoffset, GLint zoffset, GLsizei width,
                                                GLsizei height, GLsizei depth, GLsizei bufSize,
                                                void* pixels) {
  const GLint region[] = {xoffset, yoffset, zoffset, width, height, depth};
  get_tex_image(Op::glGetCompressedTextureSubImage, texture, level, 0, 0, bufSize, pixels, region);
}

Mapping* named_mapping(Context& ctx, GLuint buffer);

// Records a mapping of `buffer` (made through `target`, or by name when `named`) in place of the
// one it supersedes; returns the address the program gets.
void* add_mapping(Context& ctx, bool named, GLenum target, GLuint buffer, GLbitfield access,
                  GLintptr offset, GLsizeiptr length, bool whole, Mapping m) {
  m.buffer = buffer;
  m.target = named ? 0 : target;
  m.access = access;
  m.offset = offset;
  m.length = length;
  m.whole = whole;
  void* address = m.bytes;
  std::erase_if(ctx.mappings, [&](const Mapping& old) {
    return named ? old.buffer == buffer : old.target == target;
  });
  ctx.mappings.push_back(std::move(m));
  return address;
}

// Mappings live in guest memory: the host fills them when the program will read (the
// command's reply), and the written bytes go back as glBufferSubData at flush or unmap.
// `named`: glMapNamedBufferRange, `target` being the buffer's name. `whole`: the range is the
// whole buffer (glMapBuffer).
void* map_range(Op op, GLenum target, GLintptr offset, GLsizeiptr length, GLbitfield access,
                bool whole = false) {
  Context* ctx = current();
  if (!ctx) return nullptr;
  const bool named = op == Op::glMapNamedBufferRange;
  // A write-only map that does not invalidate keeps the bytes the program leaves alone, and the
  // whole range goes back at unmap: the guest's copy starts as the buffer's contents.
  const bool preserve = (access & GL_MAP_WRITE_BIT) && !(access & GL_MAP_READ_BIT) &&
                        !(access & (GL_MAP_INVALIDATE_RANGE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT));
  constexpr GLbitfield kPlainWriteBits =
      GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT | GL_MAP_UNSYNCHRONIZED_BIT;
  const GLuint known_buffer = named ? target : bound_buffer(*ctx, target);
  uint8_t* known_bytes = nullptr;
  std::shared_ptr<uint8_t[]> known_storage;
  if (preserve && !(access & ~kPlainWriteBits) && !named_mapping(*ctx, known_buffer))
    known_storage = known_range(*ctx, known_buffer, offset, length, &known_bytes);
  if (known_storage) {
    // Contents the guest knows (known_buffers.cpp): mapped in place, nothing asked of the host.
    Mapping m;
    m.known_storage = std::move(known_storage);
    m.bytes = known_bytes;
    return add_mapping(*ctx, named, target, known_buffer, access, offset, length, whole,
                       std::move(m));
  }
  const bool read = (access & GL_MAP_READ_BIT) || preserve;
  const GLbitfield wire_access = access | (preserve ? gl::kMapPreserveContents : 0);
  // ARB_map_buffer_alignment: the pointer minus `offset` is aligned to
  // GL_MIN_MAP_BUFFER_ALIGNMENT, which is 64 on the GLs the relay runs on.
  constexpr uintptr_t kAlignment = 64;
  std::unique_ptr<uint8_t[]> storage(new (
      std::nothrow) uint8_t[static_cast<size_t>(std::max<GLsizeiptr>(length, 1)) + 2 * kAlignment]);
  if (!storage) {
    ctx->set_error(GL_OUT_OF_MEMORY);
    return nullptr;
  }
  const uintptr_t base = reinterpret_cast<uintptr_t>(storage.get());
  uint8_t* bytes = reinterpret_cast<uint8_t*>((base + kAlignment - 1) / kAlignment * kAlignment +
                                              static_cast<uintptr_t>(offset) % kAlignment);
  GLuint buffer = 0;
  if (read && length > 0 && static_cast<uint64_t>(length) > kSplitBytes) {
    // A large read comes in pieces; each is a mapping of its own on the host.
    for (GLsizeiptr done = 0; done < length;) {
      const GLsizeiptr n = std::min<GLsizeiptr>(length - done, kPieceBytes);
      buffer = map_on_host(*ctx, op, target, wire_access, offset + done, n, bytes + done);
      if (!buffer) return nullptr;
      done += n;
    }
  } else {
    buffer = map_on_host(*ctx, op, target, wire_access, offset, length, read ? bytes : nullptr);
    if (!buffer) return nullptr;
    if (!read) std::memset(bytes, 0, length);
  }
  Mapping m;
  m.storage = std::move(storage);
  m.bytes = bytes;
  return add_mapping(*ctx, named, target, buffer, access, offset, length, whole, std::move(m));
}

// glMapBuffer / glMapNamedBuffer (`op` the range form): the whole buffer, its size asked first.
void* map_whole(Op op, GLenum target, GLenum access) {
  Context* ctx = current();
  if (!ctx) return nullptr;
  const GLbitfield bits = access == GL_READ_ONLY    ? GL_MAP_READ_BIT
                          : access == GL_WRITE_ONLY ? GL_MAP_WRITE_BIT
                          : access == GL_READ_WRITE ? GL_MAP_READ_BIT | GL_MAP_WRITE_BIT
                                                    : 0;
  if (!bits) {
    ctx->set_error(GL_INVALID_ENUM);
    return nullptr;
  }
  const bool named = op == Op::glMapNamedBufferRange;
  GLsizeiptr size = known_size(*ctx, named ? target : bound_buffer(*ctx, target));
  if (size < 0) {
    GLint asked = 0;
    if (named)
      encode_glGetNamedBufferParameteriv(*ctx, target, GL_BUFFER_SIZE, &asked);
    else
      encode_glGetBufferParameteriv(*ctx, target, GL_BUFFER_SIZE, &asked);
    size = asked;
  }
  return map_range(op, target, 0, size, bits, true);
}

// The mapping of a buffer by name (any target it was mapped through), or null.
Mapping* named_mapping(Context& ctx, GLuint buffer) {
  for (Mapping& m : ctx.mappings)
    if (m.buffer == buffer) return &m;
  return nullptr;
}

// Sends a mapping's written bytes back: through its target, or by name.
void write_back(Context& ctx, const Mapping& m, GLintptr from, GLsizeiptr length) {
  if (m.target)
    buffer_sub_data(ctx, m.target, m.offset + from, length, m.bytes + from);
  else
    encode_glNamedBufferSubData(ctx, m.buffer, m.offset + from, length, m.bytes + from);
}

// The mapping made through `target`, or null.
Mapping* target_mapping(Context& ctx, GLenum target) {
  for (Mapping& m : ctx.mappings)
    if (m.target == target) return &m;
  return nullptr;
}

// glUnmapBuffer / glUnmapNamedBuffer of `m` (null: nothing mapped there).
GLboolean unmap(Context& ctx, Mapping* m) {
  if (!m) {
    ctx.set_error(GL_INVALID_OPERATION);
    return GL_FALSE;
  }
  if ((m->access & GL_MAP_WRITE_BIT) && !(m->access & GL_MAP_FLUSH_EXPLICIT_BIT)) {
    write_back(ctx, *m, 0, m->length);
    // The host now has exactly these bytes: later write mappings need not ask for them.
    if (!m->known_storage) learn_buffer(ctx, m->buffer, m->offset, m->length, m->bytes, m->whole);
  }
  std::erase_if(ctx.mappings, [m](const Mapping& old) { return &old == m; });
  return GL_TRUE;
}

// glFlushMappedBufferRange / glFlushMappedNamedBufferRange of `m` (null: nothing mapped there).
void flush(Context& ctx, Mapping* m, GLintptr offset, GLsizeiptr length) {
  if (!m) return ctx.set_error(GL_INVALID_OPERATION);
  if (!(m->access & GL_MAP_FLUSH_EXPLICIT_BIT) || offset < 0 || length < 0 ||
      offset + length > m->length)
    return ctx.set_error(GL_INVALID_VALUE);
  write_back(ctx, *m, offset, length);
}

void* GL_APIENTRY glMapBufferRange(GLenum target, GLintptr offset, GLsizeiptr length,
                                   GLbitfield access) {
  return map_range(Op::glMapBufferRange, target, offset, length, access);
}

// Direct state access (GL 4.5): the same mappings, found by the buffer's name.
void* GL_APIENTRY glMapNamedBufferRange(GLuint buffer, GLintptr offset, GLsizeiptr length,
                                        GLbitfield access) {
  return map_range(Op::glMapNamedBufferRange, buffer, offset, length, access);
}

void* GL_APIENTRY glMapNamedBuffer(GLuint buffer, GLenum access) {
  return map_whole(Op::glMapNamedBufferRange, buffer, access);
}

GLboolean GL_APIENTRY glUnmapNamedBuffer(GLuint buffer) {
  Context* ctx = current();
  return ctx ? unmap(*ctx, named_mapping(*ctx, buffer)) : GL_FALSE;
}

void GL_APIENTRY glFlushMappedNamedBufferRange(GLuint buffer, GLintptr offset, GLsizeiptr length) {
  Context* ctx = current();
  if (ctx) flush(*ctx, named_mapping(*ctx, buffer), offset, length);
}

void GL_APIENTRY glGetNamedBufferPointerv(GLuint buffer, GLenum pname, void** params) {
  Context* ctx = current();
  if (!ctx || !params) return;
  if (pname != GL_BUFFER_MAP_POINTER) return ctx->set_error(GL_INVALID_ENUM);
  Mapping* m = named_mapping(*ctx, buffer);
  *params = m ? m->bytes : nullptr;
}

// Invalidating a mapped buffer is GL_INVALID_OPERATION (GL 4.6, 6.5); the mapping is the
// guest's, so the guest says so.
void GL_APIENTRY glInvalidateBufferData(GLuint buffer) {
  Context* ctx = current();
  if (!ctx) return;
  if (named_mapping(*ctx, buffer)) return ctx->set_error(GL_INVALID_OPERATION);
  encode_glInvalidateBufferData(*ctx, buffer);
}
void GL_APIENTRY glInvalidateBufferSubData(GLuint buffer, GLintptr offset, GLsizeiptr length) {
  Context* ctx = current();
  if (!ctx) return;
  // Only a range that meets the mapped one is refused.
  const Mapping* m = named_mapping(*ctx, buffer);
  if (m && length > 0 && offset < m->offset + m->length && m->offset < offset + length)
    return ctx->set_error(GL_INVALID_OPERATION);
  encode_glInvalidateBufferSubData(*ctx, buffer, offset, length);
}

// ARB_query_buffer_object (GL 4.4): with a QUERY_BUFFER bound, `params` is an offset into it,
// and the result goes there through GL 4.5's form that names the buffer.
template <typename T>
void get_query_object(void (*direct)(Context&, GLuint, GLenum, T*),
                      void (*to_buffer)(Context&, GLuint, GLuint, GLenum, GLintptr), GLuint id,
                      GLenum pname, T* params) {
  Context* ctx = current();
  if (!ctx) return;
  if (GLuint b = ctx->state.query_buffer)
    return to_buffer(*ctx, id, b, pname, reinterpret_cast<GLintptr>(params));
  direct(*ctx, id, pname, params);
}
void GL_APIENTRY glGetQueryObjectiv(GLuint id, GLenum pname, GLint* params) {
  get_query_object(encode_glGetQueryObjectiv, encode_glGetQueryBufferObjectiv, id, pname, params);
}
void GL_APIENTRY glGetQueryObjectuiv(GLuint id, GLenum pname, GLuint* params) {
  get_query_object(encode_glGetQueryObjectuiv, encode_glGetQueryBufferObjectuiv, id, pname, params);
}
void GL_APIENTRY glGetQueryObjecti64v(GLuint id, GLenum pname, GLint64* params) {
  get_query_object(encode_glGetQueryObjecti64v, encode_glGetQueryBufferObjecti64v, id, pname,
                   params);
}
void GL_APIENTRY glGetQueryObjectui64v(GLuint id, GLenum pname, GLuint64* params) {
  get_query_object(encode_glGetQueryObjectui64v, encode_glGetQueryBufferObjectui64v, id, pname,
                   params);
}

// glGetBufferSubData (GL 1.5): replies are small (the reply area), so a larger read comes
// through the transfer area as a read mapping of the range, in pieces.
void GL_APIENTRY glGetBufferSubData(GLenum target, GLintptr offset, GLsizeiptr size, void* data) {
  Context* ctx = current();
  if (!ctx) return;
  constexpr GLsizeiptr kReplyLimit = 16 << 10;
  if (size <= kReplyLimit || !data || offset < 0)
    return encode_glGetBufferSubData(*ctx, target, offset, size, data);
  auto* dst = static_cast<uint8_t*>(data);
  for (GLsizeiptr done = 0; done < size;) {
    const GLsizeiptr n = std::min<GLsizeiptr>(size - done, kPieceBytes);
    if (!map_on_host(*ctx, Op::glMapBufferRange, target, GL_MAP_READ_BIT, offset + done, n,
                     dst + done))
      return;  // GL reported why (a bad range, a mapped or missing buffer)
    done += n;
  }
}

// Pack-side reads of the fixed-function pixel state (GL 4.6 compatibility, 8.4.4.1 and
// 14.11): into a bound PIXEL_PACK_BUFFER (the pointer is an offset there) or back to the
// program. Wire form: u32 map (0 for the stipple), u32 0, then an offset blob or none; the reply
// carries the values when no pack buffer is bound.
template <typename T>
void get_pixel_state(Op op, GLenum map, T* values) {
  Context* ctx = current();
  if (!ctx) return;
  const Blob blob = ctx->state.pixel_pack_buffer ? ctx->offset_blob(values) : Blob();
  const size_t size = 16 + blob.wire_size();
  uint8_t* p = ctx->begin(op, size);
  if (!p) return;
  wire::store<uint32_t>(p + 8, map);
  wire::store<uint32_t>(p + 12, 0);
  ctx->write_blob(p + 16, blob);
  ctx->end(size);
  ReplyReader reply = ctx->sync();
  reply.output(ctx->state.pixel_pack_buffer ? static_cast<T*>(nullptr) : values);
}
void GL_APIENTRY glGetPixelMapfv(GLenum map, GLfloat* values) {
  get_pixel_state(Op::glGetPixelMapfv, map, values);
}
void GL_APIENTRY glGetPixelMapuiv(GLenum map, GLuint* values) {
  get_pixel_state(Op::glGetPixelMapuiv, map, values);
}
void GL_APIENTRY glGetPixelMapusv(GLenum map, GLushort* values) {
  get_pixel_state(Op::glGetPixelMapusv, map, values);
}
void GL_APIENTRY glGetPolygonStipple(GLubyte* mask) {
  get_pixel_state(Op::glGetPolygonStipple, 0, mask);
}

// Feedback and selection (GL 4.6 compatibility, 20.1-20.3): GL keeps the buffer and fills it
// while the render mode is FEEDBACK or SELECT; the values appear when glRenderMode leaves that
// mode. The host keeps a buffer of its own for each context; the guest remembers the program's
// and copies the values into it when glRenderMode returns. Wire forms: glFeedbackBuffer u32 size,
// u32 type; glSelectBuffer u32 size, u32 0; glRenderMode u32 mode, u32 0, then a transfer blob
// of the left mode's buffer size (or none), replied u32 result, u32 values written, u32 mode now.
void set_render_buffer(Op op, GLsizei size, GLenum type, void* buffer) {
  Context* ctx = current();
  if (!ctx) return;
  RenderBuffer& b = op == Op::glFeedbackBuffer ? ctx->feedback_buffer : ctx->select_buffer;
  // GL refuses a new buffer while its mode is on (and a negative size); the host reports it.
  if (ctx->render_mode != (op == Op::glFeedbackBuffer ? GL_FEEDBACK : GL_SELECT) && size >= 0) {
    b.pointer = buffer;
    b.size = size;
  }
  uint8_t* p = ctx->begin(op, 16);
  if (!p) return;
  wire::store<uint32_t>(p + 8, static_cast<uint32_t>(size));
  wire::store<uint32_t>(p + 12, type);
  ctx->end(16);
}
void GL_APIENTRY glFeedbackBuffer(GLsizei size, GLenum type, GLfloat* buffer) {
  set_render_buffer(Op::glFeedbackBuffer, size, type, buffer);
}
void GL_APIENTRY glSelectBuffer(GLsizei size, GLuint* buffer) {
  set_render_buffer(Op::glSelectBuffer, size, 0, buffer);
}
GLint GL_APIENTRY glRenderMode(GLenum mode) {
  Context* ctx = current();
  if (!ctx) return 0;
  const RenderBuffer* leaving = ctx->render_mode == GL_FEEDBACK ? &ctx->feedback_buffer
                                : ctx->render_mode == GL_SELECT ? &ctx->select_buffer
                                                                : nullptr;
  Blob blob;
  if (leaving && leaving->pointer && leaving->size > 0)
    blob = ctx->output_blob(static_cast<size_t>(leaving->size) * 4);
  const size_t size = 16 + blob.wire_size();
  uint8_t* p = ctx->begin(Op::glRenderMode, size);
  if (!p) return 0;
  wire::store<uint32_t>(p + 8, mode);
  wire::store<uint32_t>(p + 12, 0);
  ctx->write_blob(p + 16, blob);
  ctx->end(size);
  ReplyReader reply = ctx->sync();
  const auto result = static_cast<GLint>(reply.scalar<uint32_t>());
  const uint32_t written = reply.scalar<uint32_t>();
  const uint32_t now = reply.scalar<uint32_t>();
  if (!reply.live()) return 0;
  if (blob.mode == wire::BlobMode::kTransfer && written <= static_cast<uint32_t>(leaving->size))
    std::memcpy(leaving->pointer, ctx->transfer_bytes(blob), size_t{written} * 4);
  ctx->render_mode = now;
  return result;
}

// glMapBuffer (GL 1.5): the whole buffer, mapped as glMapBufferRange maps a range.
void* GL_APIENTRY glMapBuffer(GLenum target, GLenum access) {
  return map_whole(Op::glMapBufferRange, target, access);
}

void* GL_APIENTRY glMapBufferOES(GLenum target, GLenum access) {
  return glMapBuffer(target, access);  // OES_mapbuffer's only access is GL_WRITE_ONLY
}

void GL_APIENTRY glFlushMappedBufferRange(GLenum target, GLintptr offset, GLsizeiptr length) {
  Context* ctx = current();
  if (ctx) flush(*ctx, target_mapping(*ctx, target), offset, length);
}

GLboolean GL_APIENTRY glUnmapBuffer(GLenum target) {
  Context* ctx = current();
  return ctx ? unmap(*ctx, target_mapping(*ctx, target)) : GL_FALSE;
}

void GL_APIENTRY glGetBufferPointerv(GLenum target, GLenum pname, void** params) {
  Context* ctx = current();
  if (!ctx || !params) return;
  *params = nullptr;
  if (pname != GL_BUFFER_MAP_POINTER) {
    ctx->set_error(GL_INVALID_ENUM);
    return;
  }
  if (const Mapping* m = target_mapping(*ctx, target)) *params = m->bytes;
}

const GLubyte* GL_APIENTRY glGetString(GLenum name) {
  Context* ctx = current();
  if (!ctx) return nullptr;
  int slot;
  switch (name) {
    case GL_VENDOR:
      slot = 0;
      break;
    case GL_RENDERER:
      slot = 1;
      break;
    case GL_VERSION:
      slot = 2;
      break;
    case GL_SHADING_LANGUAGE_VERSION:
      slot = 3;
      break;
    case GL_EXTENSIONS:
      fetch_extensions(*ctx);
      return as_glubyte(ctx->strings[4]);
    default:
      ctx->set_error(GL_INVALID_ENUM);
      return nullptr;
  }
  std::string& cached = ctx->strings[slot];
  if (cached.empty()) cached = fetch_string(*ctx, name);
  return as_glubyte(cached);
}

const GLubyte* GL_APIENTRY glGetStringi(GLenum name, GLuint index) {
  Context* ctx = current();
  if (!ctx) return nullptr;
  if (name == GL_SHADING_LANGUAGE_VERSION) return shading_language_version(*ctx, index);
  if (name != GL_EXTENSIONS) {
    ctx->set_error(GL_INVALID_ENUM);
    return nullptr;
  }
  fetch_extensions(*ctx);
  if (index >= ctx->extensions.size()) {
    ctx->set_error(GL_INVALID_VALUE);
    return nullptr;
  }
  return as_glubyte(ctx->extensions[index]);
}

// GL concatenates the strings of one call; so does the guest, and one blob travels.
void GL_APIENTRY glShaderSource(GLuint shader, GLsizei count, const GLchar* const* string,
                                const GLint* length) {
  Context* ctx = current();
  if (!ctx) return;
  std::string source;
  for (GLsizei i = 0; string && i < count; ++i) {
    if (!string[i]) continue;
    if (length && length[i] >= 0)
      source.append(string[i], length[i]);
    else
      source.append(string[i]);
  }
  Blob blob = ctx->blob(source.data(), source.size());
  if (!string || count < 0) blob = Blob();
  const size_t size = 24 + blob.wire_size();
  uint8_t* p = ctx->begin(Op::glShaderSource, size);
  if (!p) return;
  wire::store<uint32_t>(p + 8, shader);
  wire::store<uint32_t>(p + 12, count);
  wire::store<uint64_t>(p + 16, 0);
  ctx->write_blob(p + 24, blob);
  ctx->end(size);
}

GLenum GL_APIENTRY glGetError() {
  Context* ctx = current();
  if (!ctx) return GL_NO_ERROR;
  if (ctx->pending_error != GL_NO_ERROR) {
    const GLenum e = ctx->pending_error;
    ctx->pending_error = GL_NO_ERROR;
    return e;
  }
  uint8_t* p = ctx->begin(Op::glGetError, 8);
  if (!p) return GL_NO_ERROR;
  ctx->end(8);
  return static_cast<GLenum>(ctx->sync().scalar<uint32_t>());
}

void GL_APIENTRY glFlush() {
  Context* ctx = current();
  if (!ctx) return;
  encode_glFlush(*ctx);
  // After glFenceSync, a flush makes the fence usable by the other contexts of the share group;
  // they have streams of their own, so the host must have created it before this returns.
  if (ctx->take_fence_since_flush() && ctx->share_group().use_count() > 1)
    ctx->round_trip();
  else
    ctx->flush();
}

// Finish waits for the host to finish, like a native glFinish waits for the GPU, and for the
// last frame handed to the X server to be shown (glXWaitGL and eglWaitClient come here too).
void GL_APIENTRY glFinish() {
  Context* ctx = current();
  if (!ctx) return;
  uint8_t* p = ctx->begin(Op::glFinish, 8);
  if (!p) return;
  ctx->end(8);
  ctx->sync();
  ctx->release_held_transfer();
}

}  // namespace hand
}  // namespace gfxrelay::guest::gles
