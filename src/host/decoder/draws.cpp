// Vertex arrays and draws: client-side arrays arrive as data (gfxrelay_ClientArrays) and live
// in host-owned buffers, so no guest pointer ever reaches the host GL.
#include <algorithm>

#include "host/decoder/decoding.h"

namespace gfxrelay::host::gles {

namespace {

// The buffer that stands in for client memory behind attribute `index`.
GLuint client_array_buffer(HostContext& ctx, GLuint index) {
  if (ctx.client_array_buffers.empty()) {
    GLint max_attribs = 16;
    glGetIntegerv(GL_MAX_VERTEX_ATTRIBS, &max_attribs);
    ctx.client_array_buffers.resize(std::clamp(max_attribs, 1, 64));
    glGenBuffers(static_cast<GLsizei>(ctx.client_array_buffers.size()),
                 ctx.client_array_buffers.data());
  }
  return index < ctx.client_array_buffers.size() ? ctx.client_array_buffers[index] : 0;
}

void set_attrib_pointer(GLuint index, GLint size, GLenum type, GLboolean normalized, GLsizei stride,
                        bool integer, const void* pointer) {
  if (integer)
    glVertexAttribIPointer(index, size, type, stride, pointer);
  else
    glVertexAttribPointer(index, size, type, normalized, stride, pointer);
}

// Points attribute `index` of the default vertex array at its stand-in buffer; called only
// while no ARRAY_BUFFER is bound, which it leaves so.
void point_at_client_buffer(HostContext& ctx, GLuint index, GLint size, GLenum type,
                            GLboolean normalized, GLsizei stride, bool integer) {
  const GLuint buffer = client_array_buffer(ctx, index);
  if (!buffer) return;
  glBindBuffer(GL_ARRAY_BUFFER, buffer);
  set_attrib_pointer(index, size, type, normalized, stride, integer, nullptr);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

bool attrib_pointer(Decoding& d, bool integer) {
  if (d.size != 40) return d.fail("command size");
  const GLuint index = wire::load<uint32_t>(d.cmd + 8);
  const GLint size = static_cast<GLint>(wire::load<uint32_t>(d.cmd + 12));
  const GLenum type = wire::load<uint32_t>(d.cmd + 16);
  const GLboolean normalized = wire::load<uint32_t>(d.cmd + 20) ? GL_TRUE : GL_FALSE;
  const GLsizei stride = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 24));
  const uint64_t offset = wire::load<uint64_t>(d.cmd + 32);
  bool offset_pointer = d.ctx.state.bound_buffer(GL_ARRAY_BUFFER_BINDING) != 0;
  if (!offset_pointer) {
    GLint vertex_array = 0;
    glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &vertex_array);
    offset_pointer = vertex_array != 0;
  }
  if (offset_pointer) {
    // An offset into the bound buffer; on a non-default array with no buffer GL reports a
    // non-zero offset as an error itself and never dereferences it.
    set_attrib_pointer(index, size, type, normalized, stride, integer,
                       reinterpret_cast<const void*>(static_cast<uintptr_t>(offset)));
    return true;
  }
  // Client memory (the guest's `client` flag says the same): the data comes with each draw.
  point_at_client_buffer(d.ctx, index, size, type, normalized, stride, integer);
  return true;
}

// Indexed draws: opcode-specific scalars, then the indices (inline, transfer or offset).
struct IndexedDraw {
  GLenum mode = 0, type = 0;
  GLsizei count = 0, instances = 1;
  GLuint start = 0, end = 0;
  GLint base_vertex = 0;
  GLuint base_instance = 0;
  const void* indices = nullptr;
  Blob blob;
};

bool read_indexed_draw(Decoding& d, int scalars, IndexedDraw* draw,
                       std::initializer_list<int> layout) {
  const size_t fixed = wire::align_up(8 + 4 * scalars);
  if (d.size < fixed) return d.fail("command too short");
  const uint8_t* p = d.cmd + 8;
  for (int field : layout) {
    const uint32_t v = wire::load<uint32_t>(p);
    p += 4;
    switch (field) {
      case 'm':
        draw->mode = v;
        break;
      case 'c':
        draw->count = static_cast<GLsizei>(v);
        break;
      case 't':
        draw->type = v;
        break;
      case 'i':
        draw->instances = static_cast<GLsizei>(v);
        break;
      case 's':
        draw->start = v;
        break;
      case 'e':
        draw->end = v;
        break;
      case 'b':
        draw->base_vertex = static_cast<GLint>(v);
        break;
      case 'B':
        draw->base_instance = v;
        break;
    }
  }
  wire::Reader r(d.cmd + fixed, d.size - fixed);
  const bool element_buffer = d.ctx.state.bound_buffer(GL_ELEMENT_ARRAY_BUFFER_BINDING) != 0;
  if (element_buffer) {
    // Offsets only: GL reads the indices from the buffer it owns.
    const uint32_t length = r.get<uint32_t>();
    const auto mode = static_cast<wire::BlobMode>(r.get<uint32_t>());
    const uint64_t offset = r.get<uint64_t>();
    if (!r.at_end() || length != 0 || mode != wire::BlobMode::kOffset) {
      // The guest believed no element buffer was bound; tell the program, draw nothing.
      if (r.ok() && mode != wire::BlobMode::kOffset) {
        d.ctx.pending_error = GL_INVALID_OPERATION;
        draw->mode = ~0u;
        return true;
      }
      return d.fail("indices: bad reference");
    }
    draw->indices = reinterpret_cast<const void*>(static_cast<uintptr_t>(offset));
    return true;
  }
  const size_t expected = elements(draw->count) * gl::type_bytes(draw->type);
  draw->blob = d.blob(r, expected, false);
  if (!draw->blob.ok) {
    if (draw->blob.offset || r.ok()) {
      d.ctx.pending_error = GL_INVALID_OPERATION;  // an offset with no element buffer bound
      draw->mode = ~0u;
      return true;
    }
    return d.fail("indices: length does not match count and type");
  }
  if (!r.at_end()) return d.fail("size does not match its arguments");
  draw->indices = draw->blob.data;
  return true;
}

}  // namespace

bool decode_glVertexAttribPointer(Decoding& d) {
  return attrib_pointer(d, false);
}
bool decode_glVertexAttribIPointer(Decoding& d) {
  return attrib_pointer(d, true);
}

// Entries: index, size, type, normalized, integer, stride, u64 start byte, blob of the bytes
// from `start` on. The stand-in buffer holds the data at the same offsets as client memory.
bool decode_gfxrelay_ClientArrays(Decoding& d) {
  if (d.size < 16) return d.fail("command too short");
  const uint32_t count = wire::load<uint32_t>(d.cmd + 8);
  wire::Reader r(d.cmd + 16, d.size - 16);
  if (count > 64) return d.fail("too many client arrays");
  const GLuint previous = d.ctx.state.bound_buffer(GL_ARRAY_BUFFER_BINDING);
  for (uint32_t i = 0; i < count; ++i) {
    const GLuint index = r.get<uint32_t>();
    const GLint size = static_cast<GLint>(r.get<uint32_t>());
    const GLenum type = r.get<uint32_t>();
    const GLboolean normalized = r.get<uint32_t>() ? GL_TRUE : GL_FALSE;
    const bool integer = r.get<uint32_t>() != 0;
    const GLsizei stride = static_cast<GLsizei>(r.get<uint32_t>());
    const uint64_t start = r.get<uint64_t>();
    if (!r.ok()) return d.fail("client array entry truncated");
    wire::Reader peek = r;
    const uint32_t length = peek.get<uint32_t>();
    Blob data = d.blob(r, length, false);
    if (!data.ok || start > (uint64_t{1} << 31) || start + data.length > (uint64_t{1} << 31))
      return d.fail("client array data");
    const GLuint buffer = client_array_buffer(d.ctx, index);
    if (buffer) {
      glBindBuffer(GL_ARRAY_BUFFER, buffer);
      glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(start + data.length), nullptr,
                   GL_STREAM_DRAW);
      glBufferSubData(GL_ARRAY_BUFFER, static_cast<GLintptr>(start),
                      static_cast<GLsizeiptr>(data.length), data.data);
      set_attrib_pointer(index, size, type, normalized, stride, integer, nullptr);
    }
    d.release(data);
  }
  glBindBuffer(GL_ARRAY_BUFFER, previous);
  if (!r.at_end()) return d.fail("size does not match its arguments");
  return true;
}

// Scans indices held in the bound element buffer (for client arrays with buffer indices).
bool decode_gfxrelay_IndexRange(Decoding& d) {
  if (d.size != 24) return d.fail("command size");
  const GLenum type = wire::load<uint32_t>(d.cmd + 8);
  const GLsizei count = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 12));
  const uint64_t offset = wire::load<uint64_t>(d.cmd + 16);
  uint32_t lo = UINT32_MAX, hi = 0, valid = 0;
  const uint32_t bytes = gl::type_bytes(type);
  GLint64 buffer_size = 0;
  if (d.ctx.state.bound_buffer(GL_ELEMENT_ARRAY_BUFFER_BINDING))
    glGetBufferParameteri64v(GL_ELEMENT_ARRAY_BUFFER, GL_BUFFER_SIZE, &buffer_size);
  if (bytes && count > 0 &&
      offset + uint64_t{bytes} * count <= static_cast<uint64_t>(buffer_size)) {
    const void* p = glMapBufferRange(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLintptr>(offset),
                                     static_cast<GLsizeiptr>(bytes) * count, GL_MAP_READ_BIT);
    if (p) {
      for (GLsizei i = 0; i < count; ++i) {
        const uint32_t v = bytes == 1   ? static_cast<const uint8_t*>(p)[i]
                           : bytes == 2 ? static_cast<const uint16_t*>(p)[i]
                                        : static_cast<const uint32_t*>(p)[i];
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      valid = 1;
      glUnmapBuffer(GL_ELEMENT_ARRAY_BUFFER);
    }
  }
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(lo);
  w.scalar<uint32_t>(hi);
  w.scalar<uint32_t>(valid);
  return d.finish_reply(w);
}

#define INDEXED_DRAW(name, n, call, ...)                           \
  bool decode_##name(Decoding& d) {                                \
    IndexedDraw x;                                                 \
    if (!read_indexed_draw(d, n, &x, {__VA_ARGS__})) return false; \
    if (x.mode != ~0u) call;                                       \
    d.release(x.blob);                                             \
    return true;                                                   \
  }

INDEXED_DRAW(glDrawElements, 3, glDrawElements(x.mode, x.count, x.type, x.indices), 'm', 'c', 't')
INDEXED_DRAW(glDrawRangeElements, 5,
             glDrawRangeElements(x.mode, x.start, x.end, x.count, x.type, x.indices), 'm', 's', 'e',
             'c', 't')
INDEXED_DRAW(glDrawElementsInstanced, 4,
             glDrawElementsInstanced(x.mode, x.count, x.type, x.indices, x.instances), 'm', 'c',
             't', 'i')
INDEXED_DRAW(glDrawElementsBaseVertex, 4,
             glDrawElementsBaseVertex(x.mode, x.count, x.type, x.indices, x.base_vertex), 'm', 'c',
             't', 'b')
INDEXED_DRAW(glDrawRangeElementsBaseVertex, 6,
             glDrawRangeElementsBaseVertex(x.mode, x.start, x.end, x.count, x.type, x.indices,
                                           x.base_vertex),
             'm', 's', 'e', 'c', 't', 'b')
INDEXED_DRAW(glDrawElementsInstancedBaseVertex, 5,
             glDrawElementsInstancedBaseVertex(x.mode, x.count, x.type, x.indices, x.instances,
                                               x.base_vertex),
             'm', 'c', 't', 'i', 'b')
INDEXED_DRAW(glDrawElementsInstancedBaseInstanceEXT, 5,
             glDrawElementsInstancedBaseInstanceEXT(x.mode, x.count, x.type, x.indices, x.instances,
                                                    x.base_instance),
             'm', 'c', 't', 'i', 'B')
INDEXED_DRAW(glDrawElementsInstancedBaseVertexBaseInstanceEXT, 6,
             glDrawElementsInstancedBaseVertexBaseInstanceEXT(x.mode, x.count, x.type, x.indices,
                                                              x.instances, x.base_vertex,
                                                              x.base_instance),
             'm', 'c', 't', 'i', 'b', 'B')
#undef INDEXED_DRAW

}  // namespace gfxrelay::host::gles
