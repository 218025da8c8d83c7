// Vertex arrays and draws: client-side arrays arrive as data (gfxrelay_ClientArrays) and live
// in host-owned buffers, so no guest pointer ever reaches the host GL.
#include <algorithm>

#include "glcommon/client_arrays.h"
#include "host/decoder/decoding.h"

namespace gfxrelay::host::gles {

namespace {

// The buffer that stands in for client memory behind array `slot` (glcommon/client_arrays.h):
// generic attributes the host GL has, and the fixed-function arrays.
GLuint client_array_buffer(HostContext& ctx, uint32_t slot) {
  if (ctx.client_array_buffers.empty()) {
    GLint max_attribs = 16;
    glGetIntegerv(GL_MAX_VERTEX_ATTRIBS, &max_attribs);
    ctx.generic_array_slots = static_cast<uint32_t>(
        std::clamp<GLint>(max_attribs, 1, static_cast<GLint>(gl::kGenericArraySlots)));
    ctx.client_array_buffers.assign(gl::kClientArraySlots, 0);
  }
  if (slot >= gl::kClientArraySlots ||
      (slot < gl::kGenericArraySlots && slot >= ctx.generic_array_slots))
    return 0;
  GLuint& buffer = ctx.client_array_buffers[slot];
  if (!buffer) glGenBuffers(1, &buffer);
  return buffer;
}

// Sets the pointer of array `slot` (a generic attribute or a fixed-function array).
void set_array_pointer(uint32_t slot, GLint size, GLenum type, GLboolean normalized, GLsizei stride,
                       gl::AttribKind kind, const void* pointer) {
  using namespace gl;
  if (slot < kGenericArraySlots) {
    if (kind == AttribKind::kLong)
      glVertexAttribLPointer(slot, size, type, stride, pointer);
    else if (kind == AttribKind::kInteger)
      glVertexAttribIPointer(slot, size, type, stride, pointer);
    else
      glVertexAttribPointer(slot, size, type, normalized, stride, pointer);
    return;
  }
  switch (slot) {
    case kFixedVertexArray:
      return glVertexPointer(size, type, stride, pointer);
    case kFixedNormalArray:
      return glNormalPointer(type, stride, pointer);
    case kFixedColorArray:
      return glColorPointer(size, type, stride, pointer);
    case kFixedSecondaryColorArray:
      return glSecondaryColorPointer(size, type, stride, pointer);
    case kFixedFogCoordArray:
      return glFogCoordPointer(type, stride, pointer);
    case kFixedIndexArray:
      return glIndexPointer(type, stride, pointer);
    case kFixedEdgeFlagArray:
      return glEdgeFlagPointer(stride, pointer);
    default: {  // texture coordinates of one unit: that unit made client-active meanwhile
      GLint active = GL_TEXTURE0;
      glGetIntegerv(GL_CLIENT_ACTIVE_TEXTURE, &active);
      glClientActiveTexture(GL_TEXTURE0 + (slot - kFixedTexCoordArray0));
      glTexCoordPointer(size, type, stride, pointer);
      glClientActiveTexture(active);
      return;
    }
  }
}

// Points array `slot` of the default vertex array at its stand-in buffer; called only while no
// ARRAY_BUFFER is bound, which it leaves so.
void point_at_client_buffer(HostContext& ctx, uint32_t slot, GLint size, GLenum type,
                            GLboolean normalized, GLsizei stride, gl::AttribKind kind) {
  const GLuint buffer = client_array_buffer(ctx, slot);
  if (!buffer) return;
  glBindBuffer(GL_ARRAY_BUFFER, buffer);
  set_array_pointer(slot, size, type, normalized, stride, kind, nullptr);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

// Only compatibility-profile contexts have fixed-function arrays (libepoxy aborts elsewhere).
bool has_fixed_function_arrays(const HostContext& ctx) {
  return !ctx.api.es && !ctx.api.core_profile;
}

// What a check found for one array: off, enabled with a buffer, or enabled without one (then
// disabled by the check).
enum class Found { kOff, kHasBuffer, kDisabled };

Found check_attribute(GLuint i) {
  GLint on = 0, buffer = 0;
  glGetVertexAttribiv(i, GL_VERTEX_ATTRIB_ARRAY_ENABLED, &on);
  if (!on) return Found::kOff;
  glGetVertexAttribiv(i, GL_VERTEX_ATTRIB_ARRAY_BUFFER_BINDING, &buffer);
  if (buffer) return Found::kHasBuffer;
  glDisableVertexAttribArray(i);
  return Found::kDisabled;
}

// The fixed-function arrays, and the buffer binding that goes with each.
constexpr std::pair<GLenum, GLenum> kFixedArrays[] = {
    {GL_VERTEX_ARRAY, GL_VERTEX_ARRAY_BUFFER_BINDING},
    {GL_NORMAL_ARRAY, GL_NORMAL_ARRAY_BUFFER_BINDING},
    {GL_COLOR_ARRAY, GL_COLOR_ARRAY_BUFFER_BINDING},
    {GL_SECONDARY_COLOR_ARRAY, GL_SECONDARY_COLOR_ARRAY_BUFFER_BINDING},
    {GL_FOG_COORD_ARRAY, GL_FOG_COORD_ARRAY_BUFFER_BINDING},
    {GL_INDEX_ARRAY, GL_INDEX_ARRAY_BUFFER_BINDING},
    {GL_EDGE_FLAG_ARRAY, GL_EDGE_FLAG_ARRAY_BUFFER_BINDING},
    {GL_TEXTURE_COORD_ARRAY, GL_TEXTURE_COORD_ARRAY_BUFFER_BINDING},  // one per client unit
};
constexpr size_t kTexCoordArray = 7;
constexpr GLint kMaxClientUnits = 32;

// A fixed-function array's index in HostContext::ArrayCheck::safe_fixed (texture coordinates:
// one per client unit), or -1 for an enum that is none.
int fixed_array_bit(GLenum array, GLint unit) {
  for (size_t k = 0; k < std::size(kFixedArrays); ++k)
    if (kFixedArrays[k].first == array)
      return k < kTexCoordArray                    ? static_cast<int>(k)
             : unit >= 0 && unit < kMaxClientUnits ? static_cast<int>(kTexCoordArray) + unit
                                                   : -1;
  return -1;
}

// check_attribute for fixed-function array `bit` (fixed_array_bit's numbering).
Found check_fixed_array(int bit) {
  const size_t k = std::min<size_t>(static_cast<size_t>(bit), kTexCoordArray);
  const auto [array, binding] = kFixedArrays[k];
  GLint active = GL_TEXTURE0;
  const GLint unit = bit - static_cast<int>(kTexCoordArray);
  if (k == kTexCoordArray) {
    glGetIntegerv(GL_CLIENT_ACTIVE_TEXTURE, &active);
    if (active != GL_TEXTURE0 + unit) glClientActiveTexture(GL_TEXTURE0 + unit);
  }
  Found found = Found::kOff;
  if (glIsEnabled(array)) {
    GLint buffer = 0;
    glGetIntegerv(binding, &buffer);
    found = buffer ? Found::kHasBuffer : Found::kDisabled;
    if (!buffer) glDisableClientState(array);
  }
  if (k == kTexCoordArray && active != GL_TEXTURE0 + unit) glClientActiveTexture(active);
  return found;
}

// How many fixed-function arrays the context has, in fixed_array_bit's numbering (0 without
// them: OpenGL ES and core profiles).
int fixed_array_bits(const HostContext& ctx) {
  if (!has_fixed_function_arrays(ctx)) return 0;
  GLint units = 0;
  glGetIntegerv(GL_MAX_TEXTURE_COORDS, &units);
  return static_cast<int>(kTexCoordArray) + std::clamp<GLint>(units, 0, kMaxClientUnits);
}

// Where an array reads from: its buffer (host name), the offset of element 0, the distance
// between elements and the bytes of one.
struct ArrayShape {
  GLuint buffer = 0;
  uint64_t offset = 0;
  int64_t stride = 0, element = 0;
};

ArrayShape generic_shape(GLuint i) {
  GLint buffer = 0, size = 4, type = GL_FLOAT, stride = 0;
  void* pointer = nullptr;
  glGetVertexAttribiv(i, GL_VERTEX_ATTRIB_ARRAY_BUFFER_BINDING, &buffer);
  glGetVertexAttribiv(i, GL_VERTEX_ATTRIB_ARRAY_SIZE, &size);
  glGetVertexAttribiv(i, GL_VERTEX_ATTRIB_ARRAY_TYPE, &type);
  glGetVertexAttribiv(i, GL_VERTEX_ATTRIB_ARRAY_STRIDE, &stride);
  glGetVertexAttribPointerv(i, GL_VERTEX_ATTRIB_ARRAY_POINTER, &pointer);
  const int64_t components = size == GL_BGRA ? 4 : size;
  const uint32_t type_size = gl::type_bytes(static_cast<GLenum>(type));
  // Packed types are one value for all components; unknown types count 8 bytes a component.
  const int64_t element =
      type_size == 4 && (type == GL_INT_2_10_10_10_REV || type == GL_UNSIGNED_INT_2_10_10_10_REV)
          ? 4
          : components * (type_size ? type_size : 8);
  return {static_cast<GLuint>(buffer), reinterpret_cast<uintptr_t>(pointer),
          stride ? stride : element, element};
}

// The fixed-function array `bit` (fixed_array_bit's numbering) of the client-active unit.
ArrayShape fixed_shape(int bit) {
  struct Names {
    GLenum size, type, stride, pointer;  // 0: a fixed size or type
    int64_t fixed_components;
  };
  static constexpr Names kNames[] = {
      {GL_VERTEX_ARRAY_SIZE, GL_VERTEX_ARRAY_TYPE, GL_VERTEX_ARRAY_STRIDE, GL_VERTEX_ARRAY_POINTER,
       0},
      {0, GL_NORMAL_ARRAY_TYPE, GL_NORMAL_ARRAY_STRIDE, GL_NORMAL_ARRAY_POINTER, 3},
      {GL_COLOR_ARRAY_SIZE, GL_COLOR_ARRAY_TYPE, GL_COLOR_ARRAY_STRIDE, GL_COLOR_ARRAY_POINTER, 0},
      {GL_SECONDARY_COLOR_ARRAY_SIZE, GL_SECONDARY_COLOR_ARRAY_TYPE,
       GL_SECONDARY_COLOR_ARRAY_STRIDE, GL_SECONDARY_COLOR_ARRAY_POINTER, 0},
      {0, GL_FOG_COORD_ARRAY_TYPE, GL_FOG_COORD_ARRAY_STRIDE, GL_FOG_COORD_ARRAY_POINTER, 1},
      {0, GL_INDEX_ARRAY_TYPE, GL_INDEX_ARRAY_STRIDE, GL_INDEX_ARRAY_POINTER, 1},
      {0, 0, GL_EDGE_FLAG_ARRAY_STRIDE, GL_EDGE_FLAG_ARRAY_POINTER, 1},
      {GL_TEXTURE_COORD_ARRAY_SIZE, GL_TEXTURE_COORD_ARRAY_TYPE, GL_TEXTURE_COORD_ARRAY_STRIDE,
       GL_TEXTURE_COORD_ARRAY_POINTER, 0},
  };
  const size_t k = std::min<size_t>(static_cast<size_t>(bit), kTexCoordArray);
  const Names& n = kNames[k];
  GLint buffer = 0, size = static_cast<GLint>(n.fixed_components), type = GL_UNSIGNED_BYTE,
        stride = 0;
  void* pointer = nullptr;
  glGetIntegerv(kFixedArrays[k].second, &buffer);
  if (n.size) glGetIntegerv(n.size, &size);
  if (n.type) glGetIntegerv(n.type, &type);
  glGetIntegerv(n.stride, &stride);
  glGetPointerv(n.pointer, &pointer);
  const int64_t components = size == GL_BGRA ? 4 : size;
  const uint32_t type_size = gl::type_bytes(static_cast<GLenum>(type));
  const int64_t element = components * (type_size ? type_size : 8);
  return {static_cast<GLuint>(buffer), reinterpret_cast<uintptr_t>(pointer),
          stride ? stride : element, element};
}

// How many elements from element 0 lie inside the array's buffer.
int64_t elements_in_buffer(const ArrayShape& a) {
  if (!a.buffer) return 0;
  GLint previous = 0;
  GLint64 size = 0;
  glGetIntegerv(GL_ARRAY_BUFFER_BINDING, &previous);
  glBindBuffer(GL_ARRAY_BUFFER, a.buffer);
  glGetBufferParameteri64v(GL_ARRAY_BUFFER, GL_BUFFER_SIZE, &size);
  glBindBuffer(GL_ARRAY_BUFFER, static_cast<GLuint>(previous));
  if (a.stride <= 0 || a.element <= 0 || static_cast<uint64_t>(size) < a.offset + a.element)
    return 0;
  return (static_cast<int64_t>(static_cast<uint64_t>(size) - a.offset) - a.element) / a.stride + 1;
}

// What a command does to vertex arrays (track_vertex_arrays), from its name.
enum class ArrayRole : uint8_t {
  kNone,
  kReads,           // other draws (multi, indirect, transform feedback)
  kReadsElement,    // glArrayElement(i): element i of every enabled array
  kReadsRange,      // glDrawArrays*(mode, first, count, ...): elements first to first+count-1
  kReadsIndexed,    // glDrawElements* and ranges: the indices say (read_indexed_draw)
  kListBegins,      // glNewList
  kListEnds,        // glEndList
  kEnablesGeneric,  // glEnableVertexAttribArray(index): that attribute of the current array
  kEnablesFixed,    // glEnableClientState(array), glEnable of an array: that array
  kBindsArray,      // glBindVertexArray
  kChangesAny,      // anything else that may leave an enabled array without a buffer, in the
                    // current vertex array or another: all are checked again
  kCallsList,       // glCallList(s): as kChangesAny, and a list may leave GL inside glBegin
  kBegins,          // glBegin
  kEnds,            // glEnd
};

// Commands that change neither vertex arrays nor buffers (current values, transforms, lights,
// textures, queries): the glArrayElement limit computed at one glBegin still holds after them.
bool keeps_element_limit(std::string_view name) {
  static constexpr std::string_view kPrefixes[] = {"glVertex2",
                                                   "glVertex3",
                                                   "glVertex4",
                                                   "glVertexAttrib1",
                                                   "glVertexAttrib2",
                                                   "glVertexAttrib3",
                                                   "glVertexAttrib4",
                                                   "glColor3",
                                                   "glColor4",
                                                   "glSecondaryColor3",
                                                   "glNormal3",
                                                   "glTexCoord",
                                                   "glMultiTexCoord",
                                                   "glFogCoord",
                                                   "glEdgeFlag(",
                                                   "glIndex",
                                                   "glMaterial",
                                                   "glEvalCoord",
                                                   "glEvalPoint",
                                                   "glRect",
                                                   "glUniform",
                                                   "glGet",
                                                   "glIs",
                                                   "glBindTexture",
                                                   "glActiveTexture",
                                                   "glTexParameter",
                                                   "glTexEnv",
                                                   "glLight",
                                                   "glMatrixMode",
                                                   "glLoadIdentity",
                                                   "glLoadMatrix",
                                                   "glMultMatrix",
                                                   "glPushMatrix",
                                                   "glPopMatrix",
                                                   "glTranslate",
                                                   "glRotate",
                                                   "glScale",
                                                   "glOrtho",
                                                   "glFrustum",
                                                   "glViewport",
                                                   "glClear",
                                                   "glShadeModel",
                                                   "glUseProgram",
                                                   "glFlush",
                                                   "glFinish",
                                                   "glBlendFunc",
                                                   "glDepthFunc",
                                                   "glColorMask",
                                                   "glDepthMask",
                                                   "glLineWidth",
                                                   "glPointSize",
                                                   "glPolygonMode",
                                                   "glFrontFace",
                                                   "glCullFace",
                                                   "gfxrelay_Ping",
                                                   "gfxrelay_SwapBuffers",
                                                   "gfxrelay_PresentFrame"};
  for (std::string_view p : kPrefixes)
    if (p.back() == '(' ? name == p.substr(0, p.size() - 1) : name.starts_with(p)) return true;
  return false;
}

const std::vector<ArrayRole>& array_roles() {
  static const std::vector<ArrayRole> roles = [] {
    std::vector<ArrayRole> v(wire::kOpcodeCount, ArrayRole::kNone);
    for (uint32_t op = 0; op < wire::kOpcodeCount; ++op) {
      const std::string_view name = wire::opcode_name(op);
      auto starts = [&](std::initializer_list<std::string_view> prefixes) {
        return std::any_of(prefixes.begin(), prefixes.end(),
                           [&](std::string_view p) { return name.starts_with(p); });
      };
      const bool indirect = name.find("Indirect") != std::string_view::npos;
      if (starts({"glArrayElement"}))
        v[op] = ArrayRole::kReadsElement;
      else if (starts({"glDrawArrays"}) && !indirect)
        v[op] = ArrayRole::kReadsRange;
      else if (starts({"glDrawElements", "glDrawRangeElements"}) && !indirect)
        v[op] = ArrayRole::kReadsIndexed;
      else if ((starts({"glDraw"}) && !starts({"glDrawBuffer", "glDrawPixels", "glDrawTex"})) ||
               starts({"glMultiDraw"}))
        v[op] = ArrayRole::kReads;
      else if (name == "glNewList")
        v[op] = ArrayRole::kListBegins;
      else if (name == "glEndList")
        v[op] = ArrayRole::kListEnds;
      else if (name == "glEnableVertexAttribArray")
        v[op] = ArrayRole::kEnablesGeneric;
      else if (name == "glEnableClientState" || name == "glEnable")
        v[op] = ArrayRole::kEnablesFixed;  // Mesa's glEnable takes the arrays too
      else if (name == "glBindVertexArray")
        v[op] = ArrayRole::kBindsArray;
      else if (starts({"glEnableVertexArray", "glEnableClientStatei", "glEnableClientStateIndexed",
                       "glEnablei", "glEnableIndexed", "glInterleavedArrays", "glBindVertexBuffer",
                       "glVertexArrayVertexBuffer", "glVertexAttribBinding",
                       "glVertexArrayAttribBinding", "glVertexArrayBindVertexBuffer",
                       "glVertexArrayVertexAttribBinding", "glDeleteBuffers", "glPopClientAttrib",
                       "glDeleteVertexArrays"}))
        v[op] = ArrayRole::kChangesAny;
      else if (starts({"glCallList"}))
        v[op] = ArrayRole::kCallsList;
      else if (name == "glBegin")
        v[op] = ArrayRole::kBegins;
      else if (name == "glEnd")
        v[op] = ArrayRole::kEnds;
    }
    return v;
  }();
  return roles;
}

const std::vector<bool>& element_limit_keepers() {
  static const std::vector<bool> keeps = [] {
    std::vector<bool> v(wire::kOpcodeCount, false);
    for (uint32_t op = 0; op < wire::kOpcodeCount; ++op)
      v[op] =
          (array_roles()[op] == ArrayRole::kNone && keeps_element_limit(wire::opcode_name(op))) ||
          array_roles()[op] == ArrayRole::kBegins || array_roles()[op] == ArrayRole::kEnds;
    return v;
  }();
  return keeps;
}

// Calls visit(entry, elements) for each enabled array (entry: generic index, or -1 - fixed array
// bit; elements: how many its buffer holds); disables, for the command about to run, those for
// which it returns true (restore_limited_arrays enables them again). Only outside glBegin/glEnd.
template <typename Visit>
bool visit_enabled_arrays(HostContext& ctx, Visit visit) {
  HostContext::ArrayCheck& arrays = ctx.array_check;
  if (ctx.client_array_buffers.empty()) client_array_buffer(ctx, 0);  // the attribute count
  bool disabled = false;
  for (GLuint i = 0; i < ctx.generic_array_slots; ++i) {
    GLint on = 0;
    glGetVertexAttribiv(i, GL_VERTEX_ATTRIB_ARRAY_ENABLED, &on);
    if (!on || !visit(static_cast<int>(i), elements_in_buffer(generic_shape(i)))) continue;
    glDisableVertexAttribArray(i);
    arrays.reenable.push_back(static_cast<int>(i));
    disabled = true;
  }
  if (const int bits = fixed_array_bits(ctx); bits > 0) {
    GLint active = GL_TEXTURE0;
    glGetIntegerv(GL_CLIENT_ACTIVE_TEXTURE, &active);
    for (int bit = 0; bit < bits; ++bit) {
      const GLenum array = kFixedArrays[std::min<size_t>(bit, kTexCoordArray)].first;
      if (bit >= static_cast<int>(kTexCoordArray))
        glClientActiveTexture(GL_TEXTURE0 + bit - static_cast<int>(kTexCoordArray));
      if (!glIsEnabled(array) || !visit(-1 - bit, elements_in_buffer(fixed_shape(bit)))) continue;
      glDisableClientState(array);
      arrays.reenable.push_back(-1 - bit);
      disabled = true;
    }
    glClientActiveTexture(active);
  }
  return disabled;
}

// Inside glBegin/glEnd (or not known to be outside): no GL query may run. glArrayElement gets
// the limit computed at glBegin; false refuses the command.
bool track_inside_begin_end(HostContext& ctx, uint32_t opcode, ArrayRole role, int32_t element) {
  HostContext::ArrayCheck& arrays = ctx.array_check;
  using Primitive = HostContext::ArrayCheck::Primitive;
  switch (role) {
    case ArrayRole::kReadsElement:
      if (arrays.primitive == Primitive::kInside && element >= 0 && element <= arrays.element_limit)
        return true;
      ctx.record_error(GL_INVALID_OPERATION);
      return false;
    case ArrayRole::kEnds:
      arrays.primitive = Primitive::kOutside;
      return true;
    case ArrayRole::kBegins:
      // Inside, GL refuses it; not known, GL may begin now, with no limit computed.
      if (arrays.primitive == Primitive::kUnknown) {
        arrays.primitive = Primitive::kInside;
        arrays.element_limit = -1;
      }
      return true;
    default:
      break;
  }
  if (!element_limit_keepers()[opcode]) {
    // GL refuses it inside glBegin/glEnd; if GL was not inside after all, it may have changed
    // arrays: no element from now on, and a new limit at the next glBegin.
    arrays.element_limit = -1;
    arrays.element_limit_stale = true;
  }
  if (role == ArrayRole::kCallsList) arrays.primitive = Primitive::kUnknown;
  return true;
}

}  // namespace

bool track_vertex_arrays(HostContext& ctx, uint32_t opcode, std::span<const uint8_t> command) {
  HostContext::ArrayCheck& arrays = ctx.array_check;
  const uint32_t first = command.size() >= 12 ? wire::load<uint32_t>(command.data() + 8) : 0;
  const ArrayRole role = array_roles()[opcode];
  using Primitive = HostContext::ArrayCheck::Primitive;
  if (arrays.primitive != Primitive::kOutside &&
      !track_inside_begin_end(ctx, opcode, role, static_cast<int32_t>(first)))
    return false;
  if (arrays.primitive == Primitive::kOutside && !element_limit_keepers()[opcode])
    arrays.element_limit_stale = true;
  switch (role) {
    case ArrayRole::kNone:
    case ArrayRole::kEnds:
      return true;
    case ArrayRole::kListBegins:
      arrays.compiling_list = true;  // a glNewList GL refuses only makes draws checked more
      return true;
    case ArrayRole::kListEnds:
      arrays.compiling_list = false;
      return true;
    case ArrayRole::kCallsList:
      arrays.check_all_again();
      arrays.primitive = Primitive::kUnknown;
      return true;
    case ArrayRole::kBegins:
      if (arrays.primitive != Primitive::kOutside) return true;
      arrays.primitive = Primitive::kInside;
      if (!arrays.element_limit_stale) return true;
      break;  // checks the arrays, then computes the limit below
    case ArrayRole::kEnablesGeneric:
      // Enabling an attribute that is enabled with a buffer changes nothing.
      if (first < 64 && (arrays.safe_generic >> first & 1)) return true;
      if (arrays.generic.size() < 64)
        arrays.generic.push_back(first);
      else
        arrays.check_all_again();
      return true;
    case ArrayRole::kEnablesFixed: {
      if (!has_fixed_function_arrays(ctx)) return true;
      GLint active = GL_TEXTURE0;
      if (first == GL_TEXTURE_COORD_ARRAY) glGetIntegerv(GL_CLIENT_ACTIVE_TEXTURE, &active);
      const int bit = fixed_array_bit(first, active - GL_TEXTURE0);
      if (bit < 0 || (arrays.safe_fixed >> bit & 1)) return true;
      if (arrays.fixed.size() < 64)
        arrays.fixed.push_back(bit);
      else
        arrays.check_all_again();
      return true;
    }
    case ArrayRole::kBindsArray:
      // Arrays enabled in the one being left are checked when it is current again.
      if (!arrays.generic.empty() || !arrays.fixed.empty()) arrays.checked.clear();
      arrays.generic.clear();
      arrays.fixed.clear();
      arrays.safe_generic = 0;
      arrays.safe_fixed = 0;
      arrays.arrays_bound = true;
      return true;
    case ArrayRole::kChangesAny:
      arrays.check_all_again();
      return true;
    case ArrayRole::kReads:
    case ArrayRole::kReadsElement:
    case ArrayRole::kReadsRange:
    case ArrayRole::kReadsIndexed:
      break;
  }
  GLint vertex_array = 0;
  if (arrays.arrays_bound) glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &vertex_array);
  bool disabled = false;
  auto note_generic = [&](GLuint i) {
    const Found found = check_attribute(i);
    disabled |= found == Found::kDisabled;
    if (i < 64 && found == Found::kHasBuffer) arrays.safe_generic |= uint64_t{1} << i;
  };
  auto note_fixed = [&](int bit) {
    const Found found = check_fixed_array(bit);
    disabled |= found == Found::kDisabled;
    if (found == Found::kHasBuffer) arrays.safe_fixed |= uint64_t{1} << bit;
  };
  if (arrays.checked.insert(static_cast<GLuint>(vertex_array)).second) {
    // The whole vertex array.
    arrays.safe_generic = 0;
    arrays.safe_fixed = 0;
    if (ctx.client_array_buffers.empty()) client_array_buffer(ctx, 0);  // the attribute count
    for (GLuint i = 0; i < ctx.generic_array_slots; ++i) note_generic(i);
    for (int bit = 0; bit < fixed_array_bits(ctx); ++bit) note_fixed(bit);
  } else {
    for (GLuint i : arrays.generic)
      if (i < ctx.generic_array_slots) note_generic(i);
    for (int bit : arrays.fixed) note_fixed(bit);
  }
  arrays.generic.clear();
  arrays.fixed.clear();
  if (disabled) ctx.record_error(GL_INVALID_OPERATION);
  // glArrayElement, and draws compiled into a display list, read arrays element by element in
  // Mesa without looking at the buffer's size (draws otherwise go through a bounds-checked
  // path): elements past a buffer's end would be host memory. Arrays that do not hold the
  // elements the command reads are disabled for the command (then enabled again).
  const int32_t second = command.size() >= 16 ? wire::load<int32_t>(command.data() + 12) : 0;
  const int32_t third = command.size() >= 20 ? wire::load<int32_t>(command.data() + 16) : 0;
  if (role == ArrayRole::kReadsElement) {
    limit_arrays_to(ctx, static_cast<int32_t>(first) < 0 ? INT64_MAX : int64_t{first});
  } else if (arrays.compiling_list && role == ArrayRole::kReadsRange) {
    if (third > 0) limit_arrays_to(ctx, second < 0 ? INT64_MAX : int64_t{second} + third - 1);
  } else if (arrays.compiling_list && role == ArrayRole::kReads) {
    limit_arrays_to(ctx, INT64_MAX);  // which elements is not known here
  } else if (role == ArrayRole::kBegins) {
    // The largest element every enabled array holds (glArrayElement's limit until glEnd).
    int64_t limit = INT64_MAX;
    visit_enabled_arrays(ctx, [&limit](int, int64_t elements) {
      limit = std::min(limit, elements - 1);
      return false;
    });
    arrays.element_limit = limit;
    arrays.element_limit_stale = false;
  }
  return true;
}

void limit_arrays_to(HostContext& ctx, int64_t max_index) {
  const bool disabled = visit_enabled_arrays(
      ctx, [max_index](int, int64_t elements) { return max_index >= elements; });
  if (disabled) ctx.record_error(GL_INVALID_OPERATION);
}

void restore_limited_arrays(HostContext& ctx) {
  GLint active = GL_TEXTURE0;
  bool fixed = false;
  for (int entry : ctx.array_check.reenable) {
    if (entry >= 0) {
      glEnableVertexAttribArray(static_cast<GLuint>(entry));
      continue;
    }
    const int bit = -1 - entry;
    if (!fixed) glGetIntegerv(GL_CLIENT_ACTIVE_TEXTURE, &active);
    fixed = true;
    if (bit >= static_cast<int>(kTexCoordArray))
      glClientActiveTexture(GL_TEXTURE0 + bit - static_cast<int>(kTexCoordArray));
    glEnableClientState(kFixedArrays[std::min<size_t>(bit, kTexCoordArray)].first);
  }
  if (fixed) glClientActiveTexture(active);
  ctx.array_check.reenable.clear();
}

namespace {

// glVertexAttrib*Pointer and gl*Pointer: index, size, type, normalized, stride, client flag,
// u64 offset. `fixed_slot` is the fixed-function array of the command, or kClientArraySlots
// for the generic ones, whose index is on the wire.
bool array_pointer(Decoding& d, gl::AttribKind kind, uint32_t fixed_slot = gl::kClientArraySlots) {
  if (d.size != 40) return d.fail("command size");
  GLuint index = wire::load<uint32_t>(d.cmd + 8);
  const GLint size = static_cast<GLint>(wire::load<uint32_t>(d.cmd + 12));
  const GLenum type = wire::load<uint32_t>(d.cmd + 16);
  const GLboolean normalized = wire::load<uint32_t>(d.cmd + 20) ? GL_TRUE : GL_FALSE;
  const GLsizei stride = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 24));
  const uint64_t offset = wire::load<uint64_t>(d.cmd + 32);
  const auto* offset_pointer = reinterpret_cast<const void*>(static_cast<uintptr_t>(offset));
  const bool buffer_bound = d.ctx.state.bound_buffer(GL_ARRAY_BUFFER_BINDING) != 0;
  bool followed = true;  // an array the guest sends client memory for (default vertex array)
  if (fixed_slot == gl::kFixedTexCoordArray0) {
    GLint active = GL_TEXTURE0;  // the unit glTexCoordPointer sets is the client-active one
    glGetIntegerv(GL_CLIENT_ACTIVE_TEXTURE, &active);
    fixed_slot = gl::client_state_slot(GL_TEXTURE_COORD_ARRAY, active - GL_TEXTURE0);
    followed = fixed_slot != gl::kClientArraySlots;
  }
  if (fixed_slot != gl::kClientArraySlots) {
    index = fixed_slot;
  } else if (followed && index >= gl::kGenericArraySlots) {
    glVertexAttribPointer(index, 4, GL_FLOAT, GL_FALSE, 0, nullptr);  // GL_INVALID_VALUE
    return true;
  }
  auto set_pointer = [&](const void* pointer) {
    if (followed)
      set_array_pointer(index, size, type, normalized, stride, kind, pointer);
    else  // a unit past those the guest follows: the client-active one
      glTexCoordPointer(size, type, stride, pointer);
  };
  if (buffer_bound) {
    set_pointer(offset_pointer);  // an offset into the bound buffer
    return true;
  }
  GLint vertex_array = 0;
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &vertex_array);
  if (vertex_array == 0 && followed) {
    // Client memory (the guest's `client` flag says the same): the data comes with each draw.
    point_at_client_buffer(d.ctx, index, size, type, normalized, stride, kind);
    return true;
  }
  // No buffer to take the offset into: a non-default vertex array, or a unit whose client
  // memory the guest does not send. ES and core GL refuse a non-zero offset there, but the
  // compatibility profile takes it as a client pointer: an address in the host (finding 19 in
  // docs/security.md). Refused in every context; a null one leaves the array with no buffer,
  // which the next draw must check again even if the array was checked with a buffer before.
  if (offset != 0) {
    d.ctx.record_error(GL_INVALID_OPERATION);
    return true;
  }
  set_pointer(nullptr);
  d.ctx.array_check.check_all_again();
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

// The largest of `count` indices of `type` (unknown types: as large as can be).
int64_t largest_index(const void* indices, GLenum type, GLsizei count) {
  int64_t largest = 0;
  const auto* p = static_cast<const uint8_t*>(indices);
  for (GLsizei i = 0; i < count; ++i) {
    switch (type) {
      case GL_UNSIGNED_BYTE:
        largest = std::max<int64_t>(largest, p[i]);
        break;
      case GL_UNSIGNED_SHORT:
        largest = std::max<int64_t>(largest, wire::load<uint16_t>(p + 2 * i));
        break;
      case GL_UNSIGNED_INT:
        largest = std::max<int64_t>(largest, wire::load<uint32_t>(p + 4 * i));
        break;
      default:
        return INT64_MAX / 2;
    }
  }
  return largest;
}

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
    if (!d.draw_allowed(draw->count, draw->instances)) draw->mode = ~0u;  // draws nothing
    if (d.ctx.array_check.compiling_list && draw->mode != ~0u) {
      // Compiled into a display list (track_vertex_arrays): the indices, read back.
      const uint64_t bytes = elements(draw->count) * gl::type_bytes(draw->type);
      std::vector<uint8_t> indices(bytes <= (uint64_t{64} << 20) ? bytes : 0);
      bool read = false;
      if (!indices.empty()) {
        const GLenum before = glGetError();  // the program's, kept; the read's own is not
        glGetBufferSubData(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLintptr>(offset),
                           static_cast<GLsizeiptr>(bytes), indices.data());
        read = glGetError() == GL_NO_ERROR;
        d.ctx.record_error(before);
      }
      limit_arrays_to(
          d.ctx, !read || draw->base_vertex < 0
                     ? INT64_MAX
                     : largest_index(indices.data(), draw->type, draw->count) + draw->base_vertex);
    }
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
  if (!d.draw_allowed(draw->count, draw->instances)) draw->mode = ~0u;  // draws nothing
  if (d.ctx.array_check.compiling_list && draw->mode != ~0u && draw->count > 0)
    limit_arrays_to(d.ctx, draw->base_vertex < 0
                               ? INT64_MAX
                               : largest_index(draw->indices, draw->type, draw->count) +
                                     draw->base_vertex);  // compiled into a display list
  return true;
}

}  // namespace

bool decode_glVertexAttribPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat);
}
bool decode_glVertexAttribIPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kInteger);
}
bool decode_glVertexAttribLPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kLong);
}
bool decode_glVertexPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat, gl::kFixedVertexArray);
}
bool decode_glNormalPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat, gl::kFixedNormalArray);
}
bool decode_glColorPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat, gl::kFixedColorArray);
}
bool decode_glSecondaryColorPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat, gl::kFixedSecondaryColorArray);
}
bool decode_glFogCoordPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat, gl::kFixedFogCoordArray);
}
bool decode_glIndexPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat, gl::kFixedIndexArray);
}
bool decode_glEdgeFlagPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat, gl::kFixedEdgeFlagArray);
}
bool decode_glTexCoordPointer(Decoding& d) {
  return array_pointer(d, gl::AttribKind::kFloat,
                       gl::kFixedTexCoordArray0);  // of the client-active unit
}

// Entries: slot, size, type, normalized, kind (0 float, 1 integer, 2 64-bit), stride, u64 start
// byte, blob of the bytes from `start` on. The stand-in buffer holds the data at the same offsets
// as client memory.
bool decode_gfxrelay_ClientArrays(Decoding& d) {
  if (d.size < 16) return d.fail("command too short");
  const uint32_t count = wire::load<uint32_t>(d.cmd + 8);
  wire::Reader r(d.cmd + 16, d.size - 16);
  if (count > gl::kClientArraySlots) return d.fail("too many client arrays");
  const GLuint previous = d.ctx.state.bound_buffer(GL_ARRAY_BUFFER_BINDING);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t index = r.get<uint32_t>();  // the array's slot
    const GLint size = static_cast<GLint>(r.get<uint32_t>());
    const GLenum type = r.get<uint32_t>();
    const GLboolean normalized = r.get<uint32_t>() ? GL_TRUE : GL_FALSE;
    const auto kind = static_cast<gl::AttribKind>(r.get<uint32_t>());
    const GLsizei stride = static_cast<GLsizei>(r.get<uint32_t>());
    const uint64_t start = r.get<uint64_t>();
    if (!r.ok()) return d.fail("client array entry truncated");
    wire::Reader peek = r;
    const uint32_t length = peek.get<uint32_t>();
    Blob data = d.blob(r, length, false);
    if (!data.ok || start > (uint64_t{1} << 31) || start + data.length > (uint64_t{1} << 31))
      return d.fail("client array data");
    if (gl::is_fixed_function_array(index) && !has_fixed_function_arrays(d.ctx))
      return d.fail("a fixed-function array in a context without them");
    const wire::Op pointer_command =
        kind == gl::AttribKind::kLong      ? wire::Op::glVertexAttribLPointer
        : kind == gl::AttribKind::kInteger ? wire::Op::glVertexAttribIPointer
                                           : wire::Op::glVertexAttribPointer;
    if (!gl::is_fixed_function_array(index) &&
        (static_cast<uint32_t>(kind) > 2 || !d.ctx.has(pointer_command)))
      return d.fail("an attribute kind this context does not have");
    const GLuint buffer = client_array_buffer(d.ctx, index);
    if (buffer) {
      glBindBuffer(GL_ARRAY_BUFFER, buffer);
      glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(start + data.length), nullptr,
                   GL_STREAM_DRAW);
      glBufferSubData(GL_ARRAY_BUFFER, static_cast<GLintptr>(start),
                      static_cast<GLsizeiptr>(data.length), data.data);
      set_array_pointer(index, size, type, normalized, stride, kind, nullptr);
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
  // Primitive restart indices are no vertices (the guest reads client arrays for the range).
  bool restart = false;
  uint32_t restart_index = 0;
  const gl::ContextApi& api = d.ctx.api;
  if ((api.es ? api.version >= 30 : api.version >= 43) &&
      glIsEnabled(GL_PRIMITIVE_RESTART_FIXED_INDEX)) {
    restart = true;
    restart_index = bytes == 1 ? 0xff : bytes == 2 ? 0xffff : 0xffffffffu;
  } else if (!api.es && api.version >= 31 && glIsEnabled(GL_PRIMITIVE_RESTART)) {
    GLint index = 0;
    glGetIntegerv(GL_PRIMITIVE_RESTART_INDEX, &index);
    restart = true;
    restart_index = static_cast<uint32_t>(index);
  } else if (!api.es && epoxy_has_gl_extension("GL_NV_primitive_restart") &&
             glIsEnabled(GL_PRIMITIVE_RESTART_NV)) {
    GLint index = 0;
    glGetIntegerv(GL_PRIMITIVE_RESTART_INDEX_NV, &index);
    restart = true;
    restart_index = static_cast<uint32_t>(index);
  }
  if (bytes && count > 0 &&
      offset + uint64_t{bytes} * count <= static_cast<uint64_t>(buffer_size)) {
    const void* p = glMapBufferRange(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLintptr>(offset),
                                     static_cast<GLsizeiptr>(bytes) * count, GL_MAP_READ_BIT);
    if (p) {
      for (GLsizei i = 0; i < count; ++i) {
        const uint32_t v = bytes == 1   ? static_cast<const uint8_t*>(p)[i]
                           : bytes == 2 ? static_cast<const uint16_t*>(p)[i]
                                        : static_cast<const uint32_t*>(p)[i];
        if (restart && v == restart_index) continue;
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
INDEXED_DRAW(glDrawElementsInstancedBaseInstance, 5,
             glDrawElementsInstancedBaseInstance(x.mode, x.count, x.type, x.indices, x.instances,
                                                 x.base_instance),
             'm', 'c', 't', 'i', 'B')
INDEXED_DRAW(glDrawElementsInstancedBaseVertexBaseInstance, 6,
             glDrawElementsInstancedBaseVertexBaseInstance(x.mode, x.count, x.type, x.indices,
                                                           x.instances, x.base_vertex,
                                                           x.base_instance),
             'm', 'c', 't', 'i', 'b', 'B')
#undef INDEXED_DRAW

}  // namespace gfxrelay::host::gles
