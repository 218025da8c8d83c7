// Buffer contents the guest knows byte for byte, so that a write mapping that keeps what it does
// not write (glMapBuffer(GL_WRITE_ONLY), glMapBufferRange without an invalidate bit) needs
// neither a round trip nor a copy: the program writes into the guest's copy, and the mapped
// range goes to the host at unmap as before.
//
// Only write mappings through GL_ARRAY_BUFFER or by name are served this way.
//
// A buffer becomes known when a write mapping of it is written back (its bytes are then exactly
// the host's). It stays known while every change to it comes from this guest: glBufferSubData
// and write-backs update the copy, new storage (glBufferData, glBufferStorage) or a deletion
// drops it, and a write through a binding the guest does not follow drops every copy. GL writes
// buffers itself only through the commands annotations/gl.py lists in GUEST_BEFORE (transform
// feedback, storage and atomic counter buffers, pack and query buffers, buffer textures, copies,
// clears); the first of them ends this for the share group.
#include <cstring>

#include "gl_encoder_gen.h"

namespace gfxrelay::guest::gles {

namespace {

constexpr uintptr_t kAlignment = 64;  // GL_MIN_MAP_BUFFER_ALIGNMENT on the GLs the relay runs on

KnownBuffers& known(Context& ctx) {
  return ctx.share_group()->known_buffers;
}

}  // namespace

GLuint bound_buffer(const Context& ctx, GLenum target) {
  // Only the array buffer binding is followed exactly (glBindBuffer, glDeleteBuffers; a
  // glPopClientAttrib ends what is known). Element buffers belong to vertex arrays, which DSA
  // changes without binding them; other targets change with indexed binds too.
  return target == GL_ARRAY_BUFFER ? ctx.state.array_buffer : 0;
}

void known_buffer_write(Context& ctx, GLuint buffer, GLintptr offset, GLsizeiptr size,
                        const void* data) {
  KnownBuffers& k = known(ctx);
  std::lock_guard lock(k.mutex);
  if (k.buffers.empty()) return;
  if (!buffer) {
    k.buffers.clear();
    return;
  }
  auto it = k.buffers.find(buffer);
  if (it == k.buffers.end()) return;
  KnownBuffer& b = it->second;
  if (!data || offset < 0 || size < 0 || offset > b.size || size > b.size - offset) {
    // An error on the host, or bytes past what is known: stop knowing rather than guess.
    k.buffers.erase(it);
    return;
  }
  if (b.bytes + offset != data) std::memmove(b.bytes + offset, data, static_cast<size_t>(size));
}

void known_target_write(Context& ctx, GLenum target, GLintptr offset, GLsizeiptr size,
                        const void* data) {
  known_buffer_write(ctx, bound_buffer(ctx, target), offset, size, data);
}

void forget_known_buffer(Context& ctx, GLuint buffer) {
  KnownBuffers& k = known(ctx);
  std::lock_guard lock(k.mutex);
  if (buffer)
    k.buffers.erase(buffer);
  else
    k.buffers.clear();
}

void forget_known_target(Context& ctx, GLenum target) {
  forget_known_buffer(ctx, bound_buffer(ctx, target));
}

void gl_may_write_buffers(Context& ctx) {
  KnownBuffers& k = known(ctx);
  std::lock_guard lock(k.mutex);
  k.gl_writes = true;
  k.buffers.clear();
}

void bind_may_write(Context& ctx, GLenum target, GLuint buffer) {
  if (!buffer) return;
  switch (target) {
    case GL_PIXEL_PACK_BUFFER:
    case GL_TRANSFORM_FEEDBACK_BUFFER:
    case GL_SHADER_STORAGE_BUFFER:
    case GL_ATOMIC_COUNTER_BUFFER:
    case GL_QUERY_BUFFER:
      return gl_may_write_buffers(ctx);
    default:
      return;
  }
}

void learn_buffer(Context& ctx, GLuint buffer, GLintptr offset, GLsizeiptr length,
                  const uint8_t* bytes, bool whole) {
  if (!buffer || offset != 0 || length <= 0) return;
  KnownBuffers& k = known(ctx);
  std::lock_guard lock(k.mutex);
  if (k.gl_writes) return;
  KnownBuffer& b = k.buffers[buffer];
  if (b.bytes && b.size == length && b.storage.use_count() == 1) {
    if (b.bytes != bytes) std::memcpy(b.bytes, bytes, static_cast<size_t>(length));
  } else {
    std::shared_ptr<uint8_t[]> storage(new (std::nothrow)
                                           uint8_t[static_cast<size_t>(length) + kAlignment]);
    if (!storage) {
      k.buffers.erase(buffer);
      return;
    }
    const uintptr_t base = reinterpret_cast<uintptr_t>(storage.get());
    b.storage = std::move(storage);
    b.bytes = b.storage.get() + ((base + kAlignment - 1) / kAlignment * kAlignment - base);
    b.size = length;
    std::memcpy(b.bytes, bytes, static_cast<size_t>(length));
  }
  b.whole = b.whole || whole;
}

std::shared_ptr<uint8_t[]> known_range(Context& ctx, GLuint buffer, GLintptr offset,
                                       GLsizeiptr length, uint8_t** bytes) {
  if (!buffer || offset < 0 || length <= 0) return nullptr;
  KnownBuffers& k = known(ctx);
  std::lock_guard lock(k.mutex);
  auto it = k.buffers.find(buffer);
  if (it == k.buffers.end() || offset > it->second.size || length > it->second.size - offset)
    return nullptr;
  *bytes = it->second.bytes + offset;
  return it->second.storage;
}

GLsizeiptr known_size(Context& ctx, GLuint buffer) {
  if (!buffer) return -1;
  KnownBuffers& k = known(ctx);
  std::lock_guard lock(k.mutex);
  auto it = k.buffers.find(buffer);
  return it != k.buffers.end() && it->second.whole ? it->second.size : -1;
}

}  // namespace gfxrelay::guest::gles
