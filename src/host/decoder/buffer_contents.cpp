// Buffer contents the host knows without reading them back (KnownBufferContents in
// decoding.h). The rule that keeps them exact: they change only through commands the host sees
// carrying the bytes (glBufferSubData, glNamedBufferSubData), and are all forgotten at any
// command that may let the GPU, or GL itself, write a buffer: copies, clears, pack-buffer
// read-backs, query results, compute, (re)specifying or deleting buffers, and everything a
// context sends once it has bound storage, atomic counter, transform feedback buffers or
// images.
#include <set>
#include <string_view>

#include "host/decoder/decoding.h"

namespace gfxrelay::host {

bool KnownBufferContents::knows(GLuint buffer) {
  std::lock_guard hold(mutex_);
  return by_buffer_.count(buffer) != 0;
}

bool KnownBufferContents::read(GLuint buffer, size_t offset, size_t length, void* out) {
  std::lock_guard hold(mutex_);
  auto it = by_buffer_.find(buffer);
  if (it == by_buffer_.end() || offset > it->second.size() ||
      length > it->second.size() - offset)
    return false;
  std::memcpy(out, it->second.data() + offset, length);
  return true;
}

void KnownBufferContents::remember(GLuint buffer, const void* data, size_t size) {
  std::lock_guard hold(mutex_);
  auto& bytes = by_buffer_[buffer];
  const auto* from = static_cast<const uint8_t*>(data);
  bytes.assign(from, from + size);
  any_.store(true, std::memory_order_release);
}

void KnownBufferContents::write(GLuint buffer, size_t offset, const void* data, size_t length) {
  std::lock_guard hold(mutex_);
  auto it = by_buffer_.find(buffer);
  if (it == by_buffer_.end()) return;
  if (offset > it->second.size() || length > it->second.size() - offset) {
    by_buffer_.erase(it);
    return;
  }
  std::memcpy(it->second.data() + offset, data, length);
}

void KnownBufferContents::forget(GLuint buffer) {
  std::lock_guard hold(mutex_);
  by_buffer_.erase(buffer);
}

void KnownBufferContents::forget_all() {
  std::lock_guard hold(mutex_);
  by_buffer_.clear();
  any_.store(false, std::memory_order_release);
}

namespace gles {

namespace {

bool starts_with_any(std::string_view name, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view p : prefixes)
    if (name.substr(0, p.size()) == p) return true;
  return false;
}

struct OpcodeSets {
  std::vector<bool> may_write_buffers;    // the command itself may write a buffer
  std::vector<bool> enables_gpu_writes;   // binds something shaders or feedback write
  OpcodeSets() : may_write_buffers(wire::kOpcodeCount), enables_gpu_writes(wire::kOpcodeCount) {
    for (uint32_t op = 0; op < wire::kOpcodeCount; ++op) {
      const std::string_view name = wire::opcode_name(op);
      may_write_buffers[op] = starts_with_any(
          name, {"glCopyBufferSubData", "glCopyNamedBufferSubData", "glClearBufferData",
                 "glClearBufferSubData", "glClearNamedBufferData", "glClearNamedBufferSubData",
                 "glReadPixels", "glReadnPixels", "glGetTexImage", "glGetnTexImage",
                 "glGetTextureImage", "glGetTextureSubImage", "glGetCompressedTexImage",
                 "glGetnCompressedTexImage", "glGetCompressedTextureImage",
                 "glGetCompressedTextureSubImage", "glGetPolygonStipple", "glGetnPolygonStipple",
                 "glGetPixelMap", "glGetnPixelMap", "glGetQueryObject", "glGetQueryBufferObject",
                 "glDispatchCompute", "glBufferData", "glNamedBufferData", "glBufferStorage",
                 "glNamedBufferStorage", "glDeleteBuffers"});
      enables_gpu_writes[op] = starts_with_any(
          name, {"glBindBufferBase", "glBindBufferRange", "glBindBuffersBase",
                 "glBindBuffersRange", "glBindBufferOffset", "glBindImageTexture",
                 "glBeginTransformFeedback", "glBindTransformFeedback",
                 "glTransformFeedbackBuffer"});
    }
  }
};

const OpcodeSets& opcode_sets() {
  static const OpcodeSets sets;
  return sets;
}

bool is_indexed_bind(uint32_t opcode) {
  return opcode == static_cast<uint32_t>(Op::glBindBufferBase) ||
         opcode == static_cast<uint32_t>(Op::glBindBufferRange) ||
         opcode == static_cast<uint32_t>(Op::glBindBuffersBase) ||
         opcode == static_cast<uint32_t>(Op::glBindBuffersRange);
}

}  // namespace

void before_command(uint32_t opcode, Decoding& d, PendingBufferWrite* pending) {
  const OpcodeSets& sets = opcode_sets();
  // Uniform buffers are read-only to shaders: binding them enables no writes.
  if (sets.enables_gpu_writes[opcode] &&
      !(is_indexed_bind(opcode) && d.size >= 12 &&
        wire::load<uint32_t>(d.cmd + 8) == GL_UNIFORM_BUFFER))
    d.ctx.shader_writes_possible = true;
  KnownBufferContents& known = d.ctx.share_group()->known_buffers;
  if (known.empty()) return;
  if (d.ctx.shader_writes_possible || sets.may_write_buffers[opcode]) {
    known.forget_all();
    return;
  }
  // glBufferSubData / glNamedBufferSubData: u32 target or name, pad, u64 offset, u64 size,
  // then the data blob (as the generated decoder reads them).
  const bool named = opcode == static_cast<uint32_t>(Op::glNamedBufferSubData);
  if (!named && opcode != static_cast<uint32_t>(Op::glBufferSubData)) return;
  if (d.size < 32) return;  // the decoder ends the session
  const uint32_t first = wire::load<uint32_t>(d.cmd + 8);
  GLuint buffer = 0;
  if (named) {
    buffer = d.ctx.host_name(ObjectKind::kBuffer, first);
  } else if (const GLenum binding = buffer_binding(first)) {
    buffer = d.state().bound_buffer(binding);
  }
  if (!buffer || !known.knows(buffer)) return;
  const uint64_t offset = wire::load<uint64_t>(d.cmd + 16);
  const uint64_t size = wire::load<uint64_t>(d.cmd + 24);
  wire::Reader r(d.cmd + 32, d.size - 32);
  Blob data = d.blob(r, static_cast<size_t>(size), false);
  if (!data.ok || data.offset || size > (1ull << 40)) {
    known.forget(buffer);
    return;
  }
  pending->buffer = buffer;
  pending->offset = static_cast<size_t>(offset);
  const auto* bytes = static_cast<const uint8_t*>(data.data);
  pending->bytes.assign(bytes, bytes + size);
}

void after_command(Decoding& d, PendingBufferWrite* pending) {
  if (!pending->buffer) return;
  KnownBufferContents& known = d.ctx.share_group()->known_buffers;
  // Whether GL took the write: an error (this command's or an older one the program has not
  // read yet) is kept for the program's glGetError, and the buffer is forgotten.
  const GLenum error = glGetError();
  if (error != GL_NO_ERROR) {
    d.ctx.record_error(error);
    known.forget(pending->buffer);
  } else {
    known.write(pending->buffer, pending->offset, pending->bytes.data(), pending->bytes.size());
  }
  pending->buffer = 0;
}

}  // namespace gles
}  // namespace gfxrelay::host
