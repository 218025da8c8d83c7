// Bindings the guest shadows, and draws that may read client memory: the guest sends exactly the
// vertex range a draw uses (gfxrelay_ClientArrays) and the indices inline or through transfer.
#include <algorithm>
#include <cstring>
#include <vector>

#include "gl_encoder_gen.h"

namespace gfxrelay::guest::gles {

namespace {

Context* current() {
  return Context::current();
}

// The element buffer binding belongs to the bound vertex array; a non-default array's is also
// remembered for when it is bound again.
void set_element_buffer(Context& ctx, GLuint buffer) {
  ShadowState& s = ctx.state;
  if (!s.vertex_array) {
    s.element_array_buffer = buffer;
    return;
  }
  s.vertex_array_element_buffer = buffer;
  ctx.vao_element_buffers[s.vertex_array] = buffer;
}

// The ES 3.2 binding points whose bound buffer the guest must know.
void shadow_bind_buffer(Context& ctx, GLenum target, GLuint buffer) {
  ShadowState& s = ctx.state;
  switch (target) {
    case GL_ARRAY_BUFFER:
      s.array_buffer = buffer;
      break;
    case GL_ELEMENT_ARRAY_BUFFER:
      set_element_buffer(ctx, buffer);
      break;
    case GL_PIXEL_PACK_BUFFER:
      s.pixel_pack_buffer = buffer;
      break;
    case GL_PIXEL_UNPACK_BUFFER:
      s.pixel_unpack_buffer = buffer;
      break;
    case GL_DRAW_INDIRECT_BUFFER:
      s.draw_indirect_buffer = buffer;
      break;
    case GL_QUERY_BUFFER:
      s.query_buffer = buffer;
      break;
    default:
      break;
  }
}

bool valid_buffer_target(GLenum target) {
  switch (target) {
    case GL_ARRAY_BUFFER:
    case GL_ELEMENT_ARRAY_BUFFER:
    case GL_PIXEL_PACK_BUFFER:
    case GL_PIXEL_UNPACK_BUFFER:
    case GL_COPY_READ_BUFFER:
    case GL_COPY_WRITE_BUFFER:
    case GL_TRANSFORM_FEEDBACK_BUFFER:
    case GL_UNIFORM_BUFFER:
    case GL_DRAW_INDIRECT_BUFFER:
    case GL_DISPATCH_INDIRECT_BUFFER:
    case GL_SHADER_STORAGE_BUFFER:
    case GL_ATOMIC_COUNTER_BUFFER:
    case GL_TEXTURE_BUFFER:
    case GL_QUERY_BUFFER:      // GL 4.4
    case GL_PARAMETER_BUFFER:  // GL 4.6
      return true;
    default:
      return false;
  }
}

// Bytes one vertex of this attribute occupies.
uint32_t attrib_element_bytes(const VertexAttrib& a) {
  if (a.type == GL_INT_2_10_10_10_REV || a.type == GL_UNSIGNED_INT_2_10_10_10_REV) return 4;
  const GLint components = a.size == GL_BGRA ? 4 : a.size;  // ARB_vertex_array_bgra
  return static_cast<uint32_t>(std::max(components, 0)) * gl::type_bytes(a.type);
}

// Vertex range [first, last] a draw reads; instanced attributes use the instance range.
struct VertexRange {
  int64_t first = 0;
  int64_t last = -1;  // empty when last < first
};

// Instances a draw reads: instanced attributes start at `base` (EXT_base_instance).
struct InstanceRange {
  GLsizei count = 1;
  GLuint base = 0;
};

// Sends the used range of every enabled client-side attribute (default vertex array only).
void send_client_arrays(Context& ctx, VertexRange vertices, InstanceRange instances) {
  ShadowState& s = ctx.state;
  if (s.vertex_array != 0) return;
  struct Entry {
    int index = 0;
    const VertexAttrib* attrib = nullptr;
    uint64_t start = 0;
    Blob blob;
  };
  std::array<Entry, gl::kClientArraySlots> entries;  // no allocation per draw
  size_t count = 0;
  for (uint32_t i = 0; i < gl::kClientArraySlots; ++i) {
    if (!s.client_arrays[i]) continue;
    const VertexAttrib& a = s.attribs[i];
    const uint32_t element = attrib_element_bytes(a);
    if (element == 0) continue;
    const uint64_t stride = a.stride ? static_cast<uint64_t>(a.stride) : element;
    int64_t first = vertices.first, last = vertices.last;
    if (a.divisor) {
      first = instances.base;
      last = instances.count > 0 ? first + (instances.count - 1) / a.divisor : -1;
    }
    if (last < first || first < 0) continue;
    const uint64_t start = static_cast<uint64_t>(first) * stride;
    const uint64_t end = static_cast<uint64_t>(last) * stride + element;
    const auto* base = static_cast<const uint8_t*>(a.pointer);
    entries[count++] = {static_cast<int>(i), &a, start, ctx.blob(base + start, end - start)};
  }
  if (count == 0) return;
  const std::span<const Entry> used(entries.data(), count);
  size_t size = 16;
  for (const Entry& e : used) size += 32 + e.blob.wire_size();
  uint8_t* p = ctx.begin(Op::gfxrelay_ClientArrays, size);
  if (!p) return;
  wire::store<uint32_t>(p + 8, static_cast<uint32_t>(used.size()));
  wire::store<uint32_t>(p + 12, 0);
  size_t at = 16;
  for (const Entry& e : used) {
    const VertexAttrib& a = *e.attrib;
    wire::store<uint32_t>(p + at, e.index);
    wire::store<uint32_t>(p + at + 4, a.size);
    wire::store<uint32_t>(p + at + 8, a.type);
    wire::store<uint32_t>(p + at + 12, a.normalized);
    wire::store<uint32_t>(p + at + 16, static_cast<uint32_t>(a.kind));
    wire::store<uint32_t>(p + at + 20, a.stride);
    wire::store<uint64_t>(p + at + 24, e.start);
    at += 32;
    at += ctx.write_blob(p + at, e.blob);
  }
  ctx.end(size);
}

bool any_client_arrays(const ShadowState& s) {
  return s.vertex_array == 0 && s.client_arrays.any();
}

// Follows an enable or disable of array `slot` of the default vertex array.
void set_array_enabled(Context& ctx, uint32_t slot, bool enabled) {
  ShadowState& s = ctx.state;
  if (s.vertex_array != 0 || slot >= gl::kClientArraySlots) return;
  s.attribs[slot].enabled = enabled;
  s.update_client_array(slot);
}

// Index range of client-side indices, leaving out primitive restart indices (GL reads no
// vertex for them; counting one could make the range reach past the program's arrays).
VertexRange scan_indices(const ShadowState& state, const void* indices, GLsizei count,
                         GLenum type) {
  VertexRange r;
  if (!indices || count <= 0) return r;
  const uint64_t type_max = type == GL_UNSIGNED_BYTE    ? 0xff
                            : type == GL_UNSIGNED_SHORT ? 0xffff
                                                        : 0xffffffffu;
  const bool skip = state.restart_fixed_index || state.restart;
  const uint64_t restart = state.restart_fixed_index ? type_max : state.restart_index;
  int64_t lo = INT64_MAX, hi = -1;
  auto scan = [&](auto* p) {
    for (GLsizei i = 0; i < count; ++i) {
      if (skip && p[i] == restart) continue;
      lo = std::min<int64_t>(lo, p[i]);
      hi = std::max<int64_t>(hi, p[i]);
    }
  };
  switch (type) {
    case GL_UNSIGNED_BYTE:
      scan(static_cast<const uint8_t*>(indices));
      break;
    case GL_UNSIGNED_SHORT:
      scan(static_cast<const uint16_t*>(indices));
      break;
    case GL_UNSIGNED_INT:
      scan(static_cast<const uint32_t*>(indices));
      break;
    default:
      return r;
  }
  r.first = lo;
  r.last = hi;
  return r;
}

// Index range of indices in the bound element buffer: asks the host (client arrays with
// buffer-held indices are rare).
VertexRange host_index_range(Context& ctx, const void* offset, GLsizei count, GLenum type) {
  VertexRange r;
  uint8_t* p = ctx.begin(Op::gfxrelay_IndexRange, 24);
  if (!p) return r;
  wire::store<uint32_t>(p + 8, type);
  wire::store<uint32_t>(p + 12, count);
  wire::store<uint64_t>(p + 16, reinterpret_cast<uintptr_t>(offset));
  ctx.end(24);
  ReplyReader reply = ctx.sync();
  const uint32_t lo = reply.scalar<uint32_t>();
  const uint32_t hi = reply.scalar<uint32_t>();
  const uint32_t valid = reply.scalar<uint32_t>();
  if (valid) {
    r.first = lo;
    r.last = hi;
  }
  return r;
}

// Indexed draws: the fixed scalars (opcode-specific), then the indices blob.
void indexed_draw(Op op, std::initializer_list<uint32_t> scalars, const void* indices,
                  GLsizei count, GLenum type, InstanceRange instances, int64_t base_vertex) {
  Context* ctx = current();
  if (!ctx) return;
  const bool client_indices = ctx->state.bound_element_buffer() == 0;
  if (any_client_arrays(ctx->state)) {
    VertexRange range = client_indices ? scan_indices(ctx->state, indices, count, type)
                                       : host_index_range(*ctx, indices, count, type);
    range.first += base_vertex;
    range.last += base_vertex;
    send_client_arrays(*ctx, range, instances);
  }
  Blob blob = client_indices ? ctx->blob(indices, elements(count) * gl::type_bytes(type))
                             : ctx->offset_blob(indices);
  const size_t fixed = wire::align_up(8 + 4 * scalars.size());
  const size_t size = fixed + blob.wire_size();
  uint8_t* p = ctx->begin(op, size);
  if (!p) return;
  size_t at = 8;
  for (uint32_t v : scalars) {
    wire::store<uint32_t>(p + at, v);
    at += 4;
  }
  if (at < fixed) wire::store<uint32_t>(p + at, 0);
  ctx->write_blob(p + fixed, blob);
  ctx->end(size);
}

// The array slot (glcommon/client_arrays.h) the guest follows for a generic attribute, or
// kClientArraySlots for one beyond those it follows.
uint32_t generic_slot(GLuint index) {
  return index < kMaxVertexAttribs ? index : gl::kClientArraySlots;
}

// glVertexAttrib*Pointer and the fixed-function gl*Pointer commands, all with one layout:
// index (the slot for fixed-function arrays), size, type, normalized, stride, whether the
// pointer is client memory, and the buffer offset.
void array_pointer(Op op, GLuint index, uint32_t slot, GLint size, GLenum type,
                   GLboolean normalized, GLsizei stride, const void* pointer, AttribKind kind) {
  Context* ctx = current();
  if (!ctx) return;
  ShadowState& s = ctx->state;
  const bool client = s.vertex_array == 0 && s.array_buffer == 0;
  if (s.vertex_array == 0 && slot < gl::kClientArraySlots) {
    VertexAttrib& a = s.attribs[slot];
    a.size = size;
    a.type = type;
    a.normalized = normalized;
    a.stride = stride;
    a.pointer = pointer;
    a.buffer = s.array_buffer;
    a.kind = kind;
    s.update_client_array(slot);
  }
  uint8_t* p = ctx->begin(op, 40);
  if (!p) return;
  wire::store<uint32_t>(p + 8, index);
  wire::store<uint32_t>(p + 12, size);
  wire::store<uint32_t>(p + 16, type);
  wire::store<uint32_t>(p + 20, normalized);
  wire::store<uint32_t>(p + 24, stride);
  wire::store<uint32_t>(p + 28, client ? 1 : 0);
  // A client pointer never crosses the wire: the data follows with each draw instead.
  wire::store<uint64_t>(p + 32, client ? 0 : reinterpret_cast<uintptr_t>(pointer));
  ctx->end(40);
}

// Base-instance draws (EXT_base_instance and GL 4.2 share the layout, not the opcode).
void arrays_base_instance(void (*encode)(Context&, GLenum, GLint, GLsizei, GLsizei, GLuint),
                          GLenum mode, GLint first, GLsizei count, GLsizei instancecount,
                          GLuint baseinstance) {
  Context* ctx = current();
  if (!ctx) return;
  if (count > 0 && any_client_arrays(ctx->state))
    send_client_arrays(*ctx, {first, int64_t{first} + count - 1}, {instancecount, baseinstance});
  encode(*ctx, mode, first, count, instancecount, baseinstance);
}

void elements_base_instance(Op op, bool with_base_vertex, GLenum mode, GLsizei count, GLenum type,
                            const void* indices, GLsizei instancecount, GLint basevertex,
                            GLuint baseinstance) {
  const auto n = static_cast<uint32_t>(count), instances = static_cast<uint32_t>(instancecount);
  if (with_base_vertex)
    indexed_draw(op, {mode, n, type, instances, static_cast<uint32_t>(basevertex), baseinstance},
                 indices, count, type, {instancecount, baseinstance}, basevertex);
  else
    indexed_draw(op, {mode, n, type, instances, baseinstance}, indices, count, type,
                 {instancecount, baseinstance}, 0);
}

}  // namespace

namespace hand {

void GL_APIENTRY glBindBuffer(GLenum target, GLuint buffer) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glBindBuffer(*ctx, target, buffer);
  if (valid_buffer_target(target)) {
    ctx->names(ObjectKind::kBuffer).mark_used(buffer);
    shadow_bind_buffer(*ctx, target, buffer);
  }
}

void GL_APIENTRY glDeleteBuffers(GLsizei n, const GLuint* buffers) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glDeleteBuffers(*ctx, n, buffers);
  if (n <= 0 || !buffers) return;
  ShadowState& s = ctx->state;
  for (GLsizei i = 0; i < n; ++i) {
    const GLuint b = buffers[i];
    if (!b) continue;
    // Deleting a bound buffer unbinds it (ES 3.2 6.1.2), from the bound vertex array too.
    for (GLuint* binding : {&s.array_buffer, &s.element_array_buffer, &s.pixel_pack_buffer,
                            &s.pixel_unpack_buffer, &s.draw_indirect_buffer, &s.query_buffer})
      if (*binding == b) *binding = 0;
    if (s.vertex_array && s.vertex_array_element_buffer == b) set_element_buffer(*ctx, 0);
    forget_known_buffer(*ctx, b);
  }
  ctx->names(ObjectKind::kBuffer).release(n, buffers);
}

void GL_APIENTRY glBindVertexArray(GLuint array) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glBindVertexArray(*ctx, array);
  ShadowState& s = ctx->state;
  if (s.vertex_array != array) {
    s.vertex_array = array;
    // The element buffer binding belongs to the vertex array; the guest does not track it per
    // array, so a freshly bound one is assumed to have whatever was last bound to it.
    s.vertex_array_element_buffer = array ? ctx->vao_element_buffers[array] : 0;
  }
}

void GL_APIENTRY glDeleteVertexArrays(GLsizei n, const GLuint* arrays) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glDeleteVertexArrays(*ctx, n, arrays);
  if (n <= 0 || !arrays) return;
  for (GLsizei i = 0; i < n; ++i) {
    if (arrays[i] && arrays[i] == ctx->state.vertex_array) {
      ctx->state.vertex_array = 0;
      ctx->state.vertex_array_element_buffer = 0;
    }
    ctx->vao_element_buffers.erase(arrays[i]);
  }
  ctx->names(ObjectKind::kVertexArray).release(n, arrays);
}

void GL_APIENTRY glPixelStorei(GLenum pname, GLint param) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glPixelStorei(*ctx, pname, param);
  gl::PixelStore& u = ctx->state.unpack;
  gl::PixelStore& k = ctx->state.pack;
  const bool alignment_ok = param == 1 || param == 2 || param == 4 || param == 8;
  if (param < 0) return;  // GL_INVALID_VALUE on the host; nothing changes
  switch (pname) {
    case GL_UNPACK_ALIGNMENT:
      if (alignment_ok) u.alignment = param;
      break;
    case GL_UNPACK_ROW_LENGTH:
      u.row_length = param;
      break;
    case GL_UNPACK_IMAGE_HEIGHT:
      u.image_height = param;
      break;
    case GL_UNPACK_SKIP_PIXELS:
      u.skip_pixels = param;
      break;
    case GL_UNPACK_SKIP_ROWS:
      u.skip_rows = param;
      break;
    case GL_UNPACK_SKIP_IMAGES:
      u.skip_images = param;
      break;
    case GL_PACK_ALIGNMENT:
      if (alignment_ok) k.alignment = param;
      break;
    case GL_PACK_ROW_LENGTH:
      k.row_length = param;
      break;
    case GL_PACK_SKIP_PIXELS:
      k.skip_pixels = param;
      break;
    case GL_PACK_SKIP_ROWS:
      k.skip_rows = param;
      break;
    case GL_PACK_IMAGE_HEIGHT:  // desktop GL only (ES reports GL_INVALID_ENUM, nothing changes)
      if (ctx->desktop_gl) k.image_height = param;
      break;
    case GL_PACK_SKIP_IMAGES:
      if (ctx->desktop_gl) k.skip_images = param;
      break;
    default:
      break;
  }
}

void GL_APIENTRY glVertexAttribPointer(GLuint index, GLint size, GLenum type, GLboolean normalized,
                                       GLsizei stride, const void* pointer) {
  array_pointer(Op::glVertexAttribPointer, index, generic_slot(index), size, type, normalized,
                stride, pointer, AttribKind::kFloat);
}

void GL_APIENTRY glVertexAttribIPointer(GLuint index, GLint size, GLenum type, GLsizei stride,
                                        const void* pointer) {
  array_pointer(Op::glVertexAttribIPointer, index, generic_slot(index), size, type, GL_FALSE,
                stride, pointer, AttribKind::kInteger);
}

void GL_APIENTRY glVertexAttribLPointer(GLuint index, GLint size, GLenum type, GLsizei stride,
                                        const void* pointer) {
  array_pointer(Op::glVertexAttribLPointer, index, generic_slot(index), size, type, GL_FALSE,
                stride, pointer, AttribKind::kLong);
}

// The compatibility profile's fixed-function arrays (GL 4.6 compatibility, 10.3.2).
void GL_APIENTRY glVertexPointer(GLint size, GLenum type, GLsizei stride, const void* pointer) {
  array_pointer(Op::glVertexPointer, gl::kFixedVertexArray, gl::kFixedVertexArray, size, type,
                GL_FALSE, stride, pointer, AttribKind::kFloat);
}
void GL_APIENTRY glNormalPointer(GLenum type, GLsizei stride, const void* pointer) {
  array_pointer(Op::glNormalPointer, gl::kFixedNormalArray, gl::kFixedNormalArray, 3, type,
                GL_FALSE, stride, pointer, AttribKind::kFloat);
}
void GL_APIENTRY glColorPointer(GLint size, GLenum type, GLsizei stride, const void* pointer) {
  array_pointer(Op::glColorPointer, gl::kFixedColorArray, gl::kFixedColorArray, size, type,
                GL_FALSE, stride, pointer, AttribKind::kFloat);
}
void GL_APIENTRY glSecondaryColorPointer(GLint size, GLenum type, GLsizei stride,
                                         const void* pointer) {
  array_pointer(Op::glSecondaryColorPointer, gl::kFixedSecondaryColorArray,
                gl::kFixedSecondaryColorArray, size, type, GL_FALSE, stride, pointer,
                AttribKind::kFloat);
}
void GL_APIENTRY glFogCoordPointer(GLenum type, GLsizei stride, const void* pointer) {
  array_pointer(Op::glFogCoordPointer, gl::kFixedFogCoordArray, gl::kFixedFogCoordArray, 1, type,
                GL_FALSE, stride, pointer, AttribKind::kFloat);
}
void GL_APIENTRY glIndexPointer(GLenum type, GLsizei stride, const void* pointer) {
  array_pointer(Op::glIndexPointer, gl::kFixedIndexArray, gl::kFixedIndexArray, 1, type, GL_FALSE,
                stride, pointer, AttribKind::kFloat);
}
void GL_APIENTRY glEdgeFlagPointer(GLsizei stride, const void* pointer) {
  array_pointer(Op::glEdgeFlagPointer, gl::kFixedEdgeFlagArray, gl::kFixedEdgeFlagArray, 1,
                GL_UNSIGNED_BYTE, GL_FALSE, stride, pointer, AttribKind::kFloat);
}
void GL_APIENTRY glTexCoordPointer(GLint size, GLenum type, GLsizei stride, const void* pointer) {
  Context* ctx = current();
  if (!ctx) return;
  const uint32_t slot =
      gl::client_state_slot(GL_TEXTURE_COORD_ARRAY, ctx->state.client_active_unit);
  array_pointer(Op::glTexCoordPointer, slot, slot, size, type, GL_FALSE, stride, pointer,
                AttribKind::kFloat);
}

// EXT_vertex_array (GL 1.1's arrays before they were core): the same arrays; `count` only
// told GL how many elements were valid, which the guest learns from each draw instead.
void GL_APIENTRY glVertexPointerEXT(GLint size, GLenum type, GLsizei stride, GLsizei,
                                    const void* pointer) {
  glVertexPointer(size, type, stride, pointer);
}
void GL_APIENTRY glNormalPointerEXT(GLenum type, GLsizei stride, GLsizei, const void* pointer) {
  glNormalPointer(type, stride, pointer);
}
void GL_APIENTRY glColorPointerEXT(GLint size, GLenum type, GLsizei stride, GLsizei,
                                   const void* pointer) {
  glColorPointer(size, type, stride, pointer);
}
void GL_APIENTRY glIndexPointerEXT(GLenum type, GLsizei stride, GLsizei, const void* pointer) {
  glIndexPointer(type, stride, pointer);
}
void GL_APIENTRY glTexCoordPointerEXT(GLint size, GLenum type, GLsizei stride, GLsizei,
                                      const void* pointer) {
  glTexCoordPointer(size, type, stride, pointer);
}
void GL_APIENTRY glEdgeFlagPointerEXT(GLsizei stride, GLsizei, const GLboolean* pointer) {
  glEdgeFlagPointer(stride, pointer);
}

void GL_APIENTRY glClientActiveTexture(GLenum texture) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glClientActiveTexture(*ctx, texture);
  // Units past those the guest follows, and bad names, leave texture coordinates unfollowed.
  ctx->state.client_active_unit = texture - GL_TEXTURE0;
}

void client_state(GLenum array, bool enable) {
  Context* ctx = current();
  if (!ctx) return;
  if (enable)
    encode_glEnableClientState(*ctx, array);
  else
    encode_glDisableClientState(*ctx, array);
  if (array == GL_PRIMITIVE_RESTART_NV) ctx->state.restart = enable;  // NV_primitive_restart
  set_array_enabled(*ctx, gl::client_state_slot(array, ctx->state.client_active_unit), enable);
}
void GL_APIENTRY glEnableClientState(GLenum array) {
  client_state(array, true);
}
void GL_APIENTRY glDisableClientState(GLenum array) {
  client_state(array, false);
}

// glEnable / glDisable: the guest follows primitive restart (for the vertex range of draws from
// client arrays) and, since Mesa's compatibility profile (like other GLs of old) also takes the
// client array names there, the arrays' enables.
void follow_capability(Context& ctx, GLenum cap, bool enabled) {
  if (cap == GL_PRIMITIVE_RESTART_FIXED_INDEX) ctx.state.restart_fixed_index = enabled;
  if (cap == GL_PRIMITIVE_RESTART || cap == GL_PRIMITIVE_RESTART_NV) ctx.state.restart = enabled;
  if (ctx.desktop_gl)
    set_array_enabled(ctx, gl::client_state_slot(cap, ctx.state.client_active_unit), enabled);
}
void GL_APIENTRY glEnable(GLenum cap) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glEnable(*ctx, cap);
  follow_capability(*ctx, cap, true);
}
void GL_APIENTRY glDisable(GLenum cap) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glDisable(*ctx, cap);
  follow_capability(*ctx, cap, false);
}
void set_restart_index(void (*encode)(Context&, GLuint), GLuint index) {
  Context* ctx = current();
  if (!ctx) return;
  encode(*ctx, index);
  ctx->state.restart_index = index;
}
void GL_APIENTRY glPrimitiveRestartIndex(GLuint index) {
  set_restart_index(encode_glPrimitiveRestartIndex, index);
}
void GL_APIENTRY glPrimitiveRestartIndexNV(GLuint index) {
  set_restart_index(encode_glPrimitiveRestartIndexNV, index);
}

// Sets the arrays of one of the interleaved formats (GL 4.6 compatibility, 10.3.4, table
// 10.6), as the sequence of commands the specification gives.
void GL_APIENTRY glInterleavedArrays(GLenum format, GLsizei stride, const void* pointer) {
  Context* ctx = current();
  if (!ctx) return;
  struct Layout {
    GLenum format;
    GLint texcoords, colors;  // component counts; 0: no such array
    GLenum color_type;
    bool normals;
    GLint vertices;
    int color_at, normal_at, vertex_at, size;  // byte offsets and the packed size
  };
  static constexpr Layout kLayouts[] = {
      {GL_V2F, 0, 0, 0, false, 2, 0, 0, 0, 8},
      {GL_V3F, 0, 0, 0, false, 3, 0, 0, 0, 12},
      {GL_C4UB_V2F, 0, 4, GL_UNSIGNED_BYTE, false, 2, 0, 0, 4, 12},
      {GL_C4UB_V3F, 0, 4, GL_UNSIGNED_BYTE, false, 3, 0, 0, 4, 16},
      {GL_C3F_V3F, 0, 3, GL_FLOAT, false, 3, 0, 0, 12, 24},
      {GL_N3F_V3F, 0, 0, 0, true, 3, 0, 0, 12, 24},
      {GL_C4F_N3F_V3F, 0, 4, GL_FLOAT, true, 3, 0, 16, 28, 40},
      {GL_T2F_V3F, 2, 0, 0, false, 3, 0, 0, 8, 20},
      {GL_T4F_V4F, 4, 0, 0, false, 4, 0, 0, 16, 32},
      {GL_T2F_C4UB_V3F, 2, 4, GL_UNSIGNED_BYTE, false, 3, 8, 0, 12, 24},
      {GL_T2F_C3F_V3F, 2, 3, GL_FLOAT, false, 3, 8, 0, 20, 32},
      {GL_T2F_N3F_V3F, 2, 0, 0, true, 3, 0, 8, 20, 32},
      {GL_T2F_C4F_N3F_V3F, 2, 4, GL_FLOAT, true, 3, 8, 24, 36, 48},
      {GL_T4F_C4F_N3F_V4F, 4, 4, GL_FLOAT, true, 4, 16, 32, 44, 60},
  };
  const Layout* layout = nullptr;
  for (const Layout& l : kLayouts)
    if (l.format == format) layout = &l;
  if (!layout || stride < 0) {
    ctx->set_error(layout ? GL_INVALID_VALUE : GL_INVALID_ENUM);
    return;
  }
  const auto* base = static_cast<const uint8_t*>(pointer);
  const GLsizei s = stride ? stride : layout->size;
  for (GLenum array :
       {GL_EDGE_FLAG_ARRAY, GL_INDEX_ARRAY, GL_SECONDARY_COLOR_ARRAY, GL_FOG_COORD_ARRAY})
    glDisableClientState(array);
  if (layout->texcoords) {
    glEnableClientState(GL_TEXTURE_COORD_ARRAY);
    glTexCoordPointer(layout->texcoords, GL_FLOAT, s, base);
  } else {
    glDisableClientState(GL_TEXTURE_COORD_ARRAY);
  }
  if (layout->colors) {
    glEnableClientState(GL_COLOR_ARRAY);
    glColorPointer(layout->colors, layout->color_type, s, base + layout->color_at);
  } else {
    glDisableClientState(GL_COLOR_ARRAY);
  }
  if (layout->normals) {
    glEnableClientState(GL_NORMAL_ARRAY);
    glNormalPointer(GL_FLOAT, s, base + layout->normal_at);
  } else {
    glDisableClientState(GL_NORMAL_ARRAY);
  }
  glEnableClientState(GL_VERTEX_ARRAY);
  glVertexPointer(layout->vertices, GL_FLOAT, s, base + layout->vertex_at);
}

void GL_APIENTRY glVertexAttribDivisor(GLuint index, GLuint divisor) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glVertexAttribDivisor(*ctx, index, divisor);
  if (ctx->state.vertex_array == 0 && index < kMaxVertexAttribs)
    ctx->state.attribs[index].divisor = divisor;
}

void GL_APIENTRY glEnableVertexAttribArray(GLuint index) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glEnableVertexAttribArray(*ctx, index);
  set_array_enabled(*ctx, generic_slot(index), true);
}

void GL_APIENTRY glDisableVertexAttribArray(GLuint index) {
  Context* ctx = current();
  if (!ctx) return;
  encode_glDisableVertexAttribArray(*ctx, index);
  set_array_enabled(*ctx, generic_slot(index), false);
}

void GL_APIENTRY glGetVertexAttribPointerv(GLuint index, GLenum pname, void** pointer) {
  Context* ctx = current();
  if (!ctx || !pointer || pname != GL_VERTEX_ATTRIB_ARRAY_POINTER) return;
  // Client pointers are the guest's own; buffer offsets are what the program passed.
  *pointer = index < kMaxVertexAttribs && ctx->state.vertex_array == 0
                 ? const_cast<void*>(ctx->state.attribs[index].pointer)
                 : nullptr;
}

void GL_APIENTRY glDrawArrays(GLenum mode, GLint first, GLsizei count) {
  Context* ctx = current();
  if (!ctx) return;
  if (count > 0 && any_client_arrays(ctx->state))
    send_client_arrays(*ctx, {first, int64_t{first} + count - 1}, {});
  encode_glDrawArrays(*ctx, mode, first, count);
}

void GL_APIENTRY glDrawArraysInstanced(GLenum mode, GLint first, GLsizei count,
                                       GLsizei instancecount) {
  Context* ctx = current();
  if (!ctx) return;
  if (count > 0 && any_client_arrays(ctx->state))
    send_client_arrays(*ctx, {first, int64_t{first} + count - 1}, {instancecount, 0});
  encode_glDrawArraysInstanced(*ctx, mode, first, count, instancecount);
}

void GL_APIENTRY glDrawElements(GLenum mode, GLsizei count, GLenum type, const void* indices) {
  indexed_draw(Op::glDrawElements, {mode, static_cast<uint32_t>(count), type}, indices, count, type,
               {}, 0);
}

void GL_APIENTRY glDrawRangeElements(GLenum mode, GLuint start, GLuint end, GLsizei count,
                                     GLenum type, const void* indices) {
  indexed_draw(Op::glDrawRangeElements, {mode, start, end, static_cast<uint32_t>(count), type},
               indices, count, type, {}, 0);
}

void GL_APIENTRY glDrawElementsInstanced(GLenum mode, GLsizei count, GLenum type,
                                         const void* indices, GLsizei instancecount) {
  indexed_draw(Op::glDrawElementsInstanced,
               {mode, static_cast<uint32_t>(count), type, static_cast<uint32_t>(instancecount)},
               indices, count, type, {instancecount, 0}, 0);
}

void GL_APIENTRY glDrawElementsBaseVertex(GLenum mode, GLsizei count, GLenum type,
                                          const void* indices, GLint basevertex) {
  indexed_draw(Op::glDrawElementsBaseVertex,
               {mode, static_cast<uint32_t>(count), type, static_cast<uint32_t>(basevertex)},
               indices, count, type, {}, basevertex);
}

void GL_APIENTRY glDrawRangeElementsBaseVertex(GLenum mode, GLuint start, GLuint end, GLsizei count,
                                               GLenum type, const void* indices, GLint basevertex) {
  indexed_draw(
      Op::glDrawRangeElementsBaseVertex,
      {mode, start, end, static_cast<uint32_t>(count), type, static_cast<uint32_t>(basevertex)},
      indices, count, type, {}, basevertex);
}

void GL_APIENTRY glDrawElementsInstancedBaseVertex(GLenum mode, GLsizei count, GLenum type,
                                                   const void* indices, GLsizei instancecount,
                                                   GLint basevertex) {
  indexed_draw(Op::glDrawElementsInstancedBaseVertex,
               {mode, static_cast<uint32_t>(count), type, static_cast<uint32_t>(instancecount),
                static_cast<uint32_t>(basevertex)},
               indices, count, type, {instancecount, 0}, basevertex);
}

void GL_APIENTRY glDrawArraysInstancedBaseInstanceEXT(GLenum mode, GLint first, GLsizei count,
                                                      GLsizei instancecount, GLuint baseinstance) {
  arrays_base_instance(encode_glDrawArraysInstancedBaseInstanceEXT, mode, first, count,
                       instancecount, baseinstance);
}

void GL_APIENTRY glDrawElementsInstancedBaseInstanceEXT(GLenum mode, GLsizei count, GLenum type,
                                                        const void* indices, GLsizei instancecount,
                                                        GLuint baseinstance) {
  elements_base_instance(Op::glDrawElementsInstancedBaseInstanceEXT, false, mode, count, type,
                         indices, instancecount, 0, baseinstance);
}

void GL_APIENTRY glDrawElementsInstancedBaseVertexBaseInstanceEXT(GLenum mode, GLsizei count,
                                                                  GLenum type, const void* indices,
                                                                  GLsizei instancecount,
                                                                  GLint basevertex,
                                                                  GLuint baseinstance) {
  elements_base_instance(Op::glDrawElementsInstancedBaseVertexBaseInstanceEXT, true, mode, count,
                         type, indices, instancecount, basevertex, baseinstance);
}

// glMultiDraw* (GL 1.4, 3.2, EXT_multi_draw_arrays): one draw per entry. GL checks drawcount and
// every count before drawing any: a negative one is GL_INVALID_VALUE and no draw, which a single
// draw with a negative count carries to the host.
bool negative_count(const GLsizei* count, GLsizei drawcount) {
  for (GLsizei i = 0; i < drawcount; ++i)
    if (count[i] < 0) return true;
  return false;
}

void GL_APIENTRY glMultiDrawArraysEXT(GLenum mode, const GLint* first, const GLsizei* count,
                                      GLsizei drawcount) {
  if (drawcount < 0 || negative_count(count, drawcount)) return glDrawArrays(mode, 0, -1);
  for (GLsizei i = 0; i < drawcount; ++i) glDrawArrays(mode, first[i], count[i]);
}

void GL_APIENTRY glMultiDrawElementsEXT(GLenum mode, const GLsizei* count, GLenum type,
                                        const void* const* indices, GLsizei drawcount) {
  if (drawcount < 0 || negative_count(count, drawcount))
    return glDrawElements(mode, -1, type, nullptr);
  for (GLsizei i = 0; i < drawcount; ++i) glDrawElements(mode, count[i], type, indices[i]);
}

void GL_APIENTRY glMultiDrawElementsBaseVertexEXT(GLenum mode, const GLsizei* count, GLenum type,
                                                  const void* const* indices, GLsizei drawcount,
                                                  const GLint* basevertex) {
  if (drawcount < 0 || negative_count(count, drawcount))
    return glDrawElements(mode, -1, type, nullptr);
  for (GLsizei i = 0; i < drawcount; ++i)
    glDrawElementsBaseVertex(mode, count[i], type, indices[i], basevertex[i]);
}

void GL_APIENTRY glMultiDrawArrays(GLenum mode, const GLint* first, const GLsizei* count,
                                   GLsizei drawcount) {
  Context* ctx = current();
  if (!ctx) return;
  if (any_client_arrays(ctx->state)) return glMultiDrawArraysEXT(mode, first, count, drawcount);
  encode_glMultiDrawArrays(*ctx, mode, first, count, drawcount);
}
void GL_APIENTRY glMultiDrawElements(GLenum mode, const GLsizei* count, GLenum type,
                                     const void* const* indices, GLsizei drawcount) {
  glMultiDrawElementsEXT(mode, count, type, indices, drawcount);
}
void GL_APIENTRY glMultiDrawElementsBaseVertex(GLenum mode, const GLsizei* count, GLenum type,
                                               const void* const* indices, GLsizei drawcount,
                                               const GLint* basevertex) {
  glMultiDrawElementsBaseVertexEXT(mode, count, type, indices, drawcount, basevertex);
}

// The desktop forms of the base-instance draws (GL 4.2): as EXT_base_instance's, with their
// own opcodes.
void GL_APIENTRY glDrawArraysInstancedBaseInstance(GLenum mode, GLint first, GLsizei count,
                                                   GLsizei instancecount, GLuint baseinstance) {
  arrays_base_instance(encode_glDrawArraysInstancedBaseInstance, mode, first, count, instancecount,
                       baseinstance);
}

void GL_APIENTRY glDrawElementsInstancedBaseInstance(GLenum mode, GLsizei count, GLenum type,
                                                     const void* indices, GLsizei instancecount,
                                                     GLuint baseinstance) {
  elements_base_instance(Op::glDrawElementsInstancedBaseInstance, false, mode, count, type, indices,
                         instancecount, 0, baseinstance);
}

void GL_APIENTRY glDrawElementsInstancedBaseVertexBaseInstance(GLenum mode, GLsizei count,
                                                               GLenum type, const void* indices,
                                                               GLsizei instancecount,
                                                               GLint basevertex,
                                                               GLuint baseinstance) {
  elements_base_instance(Op::glDrawElementsInstancedBaseVertexBaseInstance, true, mode, count, type,
                         indices, instancecount, basevertex, baseinstance);
}

// Indirect draws (GL 4.0 / 4.3, ES 3.1): commands in the bound DRAW_INDIRECT_BUFFER go as
// offsets. Desktop GL also takes them from client memory (compatibility profile), and lets the
// vertices come from client arrays; then the guest reads the commands (from the program's
// memory, or back from the host's buffer) and makes the draws they describe (GL 4.6, 10.4),
// sending the vertex range each uses. OpenGL ES forbids both: the host reports its error.
struct DrawArraysCommand {
  GLuint count, instance_count, first, base_instance;
};
struct DrawElementsCommand {
  GLuint count, instance_count, first_index;
  GLint base_vertex;
  GLuint base_instance;
};

// Reads `drawcount` commands of type T at `indirect` into `out` if the guest must make the
// draws itself; false if the host can take the indirect draw as it is.
template <typename T>
bool read_indirect(Context& ctx, const void* indirect, GLsizei drawcount, GLsizei stride,
                   std::vector<T>* out) {
  if (!ctx.desktop_gl || drawcount < 0 || stride < 0) return false;
  const bool client = ctx.state.draw_indirect_buffer == 0;
  if (client ? !indirect : !any_client_arrays(ctx.state)) return false;
  const size_t step = stride ? static_cast<size_t>(stride) : sizeof(T);
  const size_t bytes = drawcount ? step * (drawcount - 1) + sizeof(T) : 0;
  std::vector<uint8_t> raw(bytes);
  if (client)
    std::memcpy(raw.data(), indirect, bytes);
  else if (bytes)  // through the transfer area when larger than a reply
    glGetBufferSubData(GL_DRAW_INDIRECT_BUFFER, reinterpret_cast<GLintptr>(indirect),
                       static_cast<GLsizeiptr>(bytes), raw.data());
  out->resize(drawcount);
  for (GLsizei i = 0; i < drawcount; ++i) std::memcpy(&(*out)[i], raw.data() + i * step, sizeof(T));
  return true;
}

void draw_arrays_from(GLenum mode, const DrawArraysCommand& c) {
  glDrawArraysInstancedBaseInstance(mode, static_cast<GLint>(c.first),
                                    static_cast<GLsizei>(c.count),
                                    static_cast<GLsizei>(c.instance_count), c.base_instance);
}

// The indices of an indirect elements draw are always in the element buffer.
void draw_elements_from(Context& ctx, GLenum mode, GLenum type,
                        const std::vector<DrawElementsCommand>& commands) {
  if (!ctx.state.bound_element_buffer()) return ctx.set_error(GL_INVALID_OPERATION);
  for (const DrawElementsCommand& c : commands) {
    const uintptr_t offset = uintptr_t{c.first_index} * gl::type_bytes(type);
    glDrawElementsInstancedBaseVertexBaseInstance(
        mode, static_cast<GLsizei>(c.count), type, reinterpret_cast<const void*>(offset),
        static_cast<GLsizei>(c.instance_count), c.base_vertex, c.base_instance);
  }
}

void GL_APIENTRY glDrawArraysIndirect(GLenum mode, const void* indirect) {
  Context* ctx = current();
  if (!ctx) return;
  std::vector<DrawArraysCommand> commands;
  if (!read_indirect(*ctx, indirect, 1, 0, &commands))
    return encode_glDrawArraysIndirect(*ctx, mode, indirect);
  for (const DrawArraysCommand& c : commands) draw_arrays_from(mode, c);
}

void GL_APIENTRY glDrawElementsIndirect(GLenum mode, GLenum type, const void* indirect) {
  Context* ctx = current();
  if (!ctx) return;
  std::vector<DrawElementsCommand> commands;
  if (!read_indirect(*ctx, indirect, 1, 0, &commands))
    return encode_glDrawElementsIndirect(*ctx, mode, type, indirect);
  draw_elements_from(*ctx, mode, type, commands);
}

void GL_APIENTRY glMultiDrawArraysIndirect(GLenum mode, const void* indirect, GLsizei drawcount,
                                           GLsizei stride) {
  Context* ctx = current();
  if (!ctx) return;
  std::vector<DrawArraysCommand> commands;
  if (!read_indirect(*ctx, indirect, drawcount, stride, &commands))
    return encode_glMultiDrawArraysIndirect(*ctx, mode, indirect, drawcount, stride);
  for (const DrawArraysCommand& c : commands) draw_arrays_from(mode, c);
}

void GL_APIENTRY glMultiDrawElementsIndirect(GLenum mode, GLenum type, const void* indirect,
                                             GLsizei drawcount, GLsizei stride) {
  Context* ctx = current();
  if (!ctx) return;
  std::vector<DrawElementsCommand> commands;
  if (!read_indirect(*ctx, indirect, drawcount, stride, &commands))
    return encode_glMultiDrawElementsIndirect(*ctx, mode, type, indirect, drawcount, stride);
  draw_elements_from(*ctx, mode, type, commands);
}

namespace {

// One component of a client array element as a double: normalized integers as GL converts them
// (GL 4.6, 2.3.5: unsigned c / (2^b - 1), signed max(c / (2^(b-1) - 1), -1)).
double component(const uint8_t* at, GLenum type, bool normalized) {
  auto load = [at](auto v) {
    std::memcpy(&v, at, sizeof(v));
    return v;
  };
  switch (type) {
    case GL_BYTE:
      return normalized ? std::max(load(int8_t{}) / 127.0, -1.0) : load(int8_t{});
    case GL_UNSIGNED_BYTE:
      return normalized ? load(uint8_t{}) / 255.0 : load(uint8_t{});
    case GL_SHORT:
      return normalized ? std::max(load(int16_t{}) / 32767.0, -1.0) : load(int16_t{});
    case GL_UNSIGNED_SHORT:
      return normalized ? load(uint16_t{}) / 65535.0 : load(uint16_t{});
    case GL_INT:
      return normalized ? std::max(load(int32_t{}) / 2147483647.0, -1.0) : load(int32_t{});
    case GL_UNSIGNED_INT:
      return normalized ? load(uint32_t{}) / 4294967295.0 : load(uint32_t{});
    case GL_FLOAT:
      return load(float{});
    case GL_DOUBLE:
      return load(double{});
    default:
      return 0;  // packed and half types: not read here
  }
}

// Element `i` of an enabled client array: up to four components, the rest GL's defaults.
std::array<double, 4> element(const VertexAttrib& a, GLint i, bool normalized) {
  std::array<double, 4> v = {0, 0, 0, 1};
  const uint32_t bytes = attrib_element_bytes(a);
  const uint32_t type_bytes = gl::type_bytes(a.type);
  const GLint n = a.size == GL_BGRA ? 4 : std::clamp(a.size, 0, 4);
  if (!bytes || !type_bytes) return v;
  const auto* at = static_cast<const uint8_t*>(a.pointer) +
                   static_cast<uint64_t>(i) * (a.stride ? static_cast<uint64_t>(a.stride) : bytes);
  for (GLint c = 0; c < n; ++c) v[c] = component(at + c * type_bytes, a.type, normalized);
  if (a.size == GL_BGRA) std::swap(v[0], v[2]);
  return v;
}

}  // namespace

// glArrayElement (GL 4.6 compatibility, 10.8): where the enabled arrays are client memory, the
// guest reads element `i` and sends the attribute commands the specification lists (inside
// glBegin/glEnd no buffer can be filled for the host). Arrays in buffers: the host reads them.
void GL_APIENTRY glArrayElement(GLint i) {
  Context* ctx = current();
  if (!ctx) return;
  const ShadowState& s = ctx->state;
  // The restart index reads no element: the host GL restarts the primitive.
  if (!any_client_arrays(s) || i < 0 || (s.restart && static_cast<GLuint>(i) == s.restart_index))
    return encode_glArrayElement(*ctx, i);
  auto enabled = [&s](uint32_t slot) -> const VertexAttrib* {
    return s.client_arrays[slot] ? &s.attribs[slot] : nullptr;
  };
  using namespace gl;
  if (const VertexAttrib* a = enabled(kFixedNormalArray)) {
    const auto v = element(*a, i, true);
    encode_glNormal3d(*ctx, v[0], v[1], v[2]);
  }
  if (const VertexAttrib* a = enabled(kFixedColorArray)) {
    const auto v = element(*a, i, true);
    encode_glColor4d(*ctx, v[0], v[1], v[2], v[3]);
  }
  if (const VertexAttrib* a = enabled(kFixedSecondaryColorArray)) {
    const auto v = element(*a, i, true);
    encode_glSecondaryColor3d(*ctx, v[0], v[1], v[2]);
  }
  if (const VertexAttrib* a = enabled(kFixedFogCoordArray))
    encode_glFogCoordd(*ctx, element(*a, i, false)[0]);
  for (uint32_t unit = 0; unit < kFixedTexCoordUnits; ++unit) {
    if (const VertexAttrib* a = enabled(kFixedTexCoordArray0 + unit)) {
      const auto v = element(*a, i, false);
      encode_glMultiTexCoord4d(*ctx, GL_TEXTURE0 + unit, v[0], v[1], v[2], v[3]);
    }
  }
  if (const VertexAttrib* a = enabled(kFixedIndexArray))
    encode_glIndexd(*ctx, element(*a, i, false)[0]);
  if (const VertexAttrib* a = enabled(kFixedEdgeFlagArray))
    encode_glEdgeFlag(*ctx, element(*a, i, false)[0] != 0 ? GL_TRUE : GL_FALSE);
  // Generic attributes, 0 last: it provokes the vertex as glVertex does.
  for (int index = 1; index < kMaxVertexAttribs; ++index) {
    if (const VertexAttrib* a = enabled(static_cast<uint32_t>(index))) {
      const auto v = element(*a, i, a->normalized);
      if (a->kind == AttribKind::kInteger)
        encode_glVertexAttribI4i(*ctx, index, static_cast<GLint>(v[0]), static_cast<GLint>(v[1]),
                                 static_cast<GLint>(v[2]), static_cast<GLint>(v[3]));
      else if (a->kind == AttribKind::kLong)
        encode_glVertexAttribL4d(*ctx, index, v[0], v[1], v[2], v[3]);
      else
        encode_glVertexAttrib4d(*ctx, index, v[0], v[1], v[2], v[3]);
    }
  }
  if (const VertexAttrib* a = enabled(0)) {
    const auto v = element(*a, i, a->normalized);
    encode_glVertexAttrib4d(*ctx, 0, v[0], v[1], v[2], v[3]);
  } else if (const VertexAttrib* a = enabled(kFixedVertexArray)) {
    const auto v = element(*a, i, false);
    encode_glVertex4d(*ctx, v[0], v[1], v[2], v[3]);
  }
}

}  // namespace hand
}  // namespace gfxrelay::guest::gles
