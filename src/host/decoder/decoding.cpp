// Blobs, name maps and replies for the host decoders. Every length a blob claims is checked
// against the one the host computed (wire rule 4); every transfer reference against the area.
#include "host/decoder/decoding.h"

#include <algorithm>
#include <cstdlib>

namespace gfxrelay::host {

namespace {
// Zeros handed to GL in place of a null pointer the program passed where GL would read.
constexpr size_t kZerosBytes = 64 * 1024;
const uint8_t kZeros[kZerosBytes] = {};
}  // namespace

GLuint NameMap::to_host(GLuint guest) const {
  auto it = guest_to_host_.find(guest);
  return it == guest_to_host_.end() ? 0 : it->second;
}
GLuint NameMap::to_guest(GLuint host) const {
  auto it = host_to_guest_.find(host);
  return it == host_to_guest_.end() ? 0 : it->second;
}
bool NameMap::add(GLuint guest, GLuint host) {
  if (guest == 0 || guest_to_host_.count(guest)) return false;
  guest_to_host_[guest] = host;
  host_to_guest_[host] = guest;
  return true;
}
GLuint NameMap::remove(GLuint guest) {
  auto it = guest_to_host_.find(guest);
  if (it == guest_to_host_.end()) return 0;
  const GLuint host = it->second;
  host_to_guest_.erase(host);
  guest_to_host_.erase(it);
  return host;
}

static size_t count_names(const std::array<NameMap, 16>& maps) {
  size_t n = 0;
  for (const NameMap& m : maps) n += m.all().size();
  return n;
}

HostShareGroup::~HostShareGroup() {
  int64_t bytes = 0;
  for (const auto& [key, held] : allocations) bytes += held;
  quota->release_memory(bytes);
  quota->release_objects(static_cast<int64_t>(count_names(maps) + syncs.size()));
}

namespace {
GLuint generate_host_name(ObjectKind kind) {
  GLuint name = 0;
  switch (kind) {
    case ObjectKind::kBuffer:
      glGenBuffers(1, &name);
      break;
    case ObjectKind::kTexture:
      glGenTextures(1, &name);
      break;
    case ObjectKind::kRenderbuffer:
      glGenRenderbuffers(1, &name);
      break;
    case ObjectKind::kFramebuffer:
      glGenFramebuffers(1, &name);
      break;
    case ObjectKind::kQuery:  // compatibility profile only (HostContext::compat_bind_name)
      glGenQueries(1, &name);
      break;
    default:
      break;
  }
  return name;
}
}  // namespace

HostContext::HostContext(std::shared_ptr<HostShareGroup> group)
    : group_(group ? std::move(group) : std::make_shared<HostShareGroup>()) {}

HostContext::~HostContext() {
  quota().release_objects(static_cast<int64_t>(count_names(maps_)));
}

HostContext::LockedMap HostContext::names(ObjectKind kind) {
  const auto k = static_cast<size_t>(kind);
  if (gl::shared_kind(kind)) return {group_->maps[k], std::unique_lock(group_->mutex)};
  return {maps_[k], {}};
}

GLuint HostContext::host_name(ObjectKind kind, uint64_t guest) {
  if (guest == 0) return 0;
  if (guest > UINT32_MAX) return kUnknownName;
  const GLuint host = names(kind).map.to_host(static_cast<GLuint>(guest));
  return host ? host : kUnknownName;
}

GLuint HostContext::bind_name(ObjectKind kind, uint64_t guest) {
  if (guest == 0) return 0;
  if (guest > UINT32_MAX) return kUnknownName;
  // One lock over lookup and creation: two contexts of a group may bind a new name at once.
  LockedMap m = names(kind);
  GLuint host = m.map.to_host(static_cast<GLuint>(guest));
  if (!host) {
    // A name made by binding it counts against the session's objects like a generated one.
    if (!quota().reserve_objects(1)) {
      record_error(GL_OUT_OF_MEMORY);
      return kUnknownName;
    }
    host = generate_host_name(kind);
    if (!host) {
      quota().release_objects(1);
      return kUnknownName;
    }
    m.map.add(static_cast<GLuint>(guest), host);
  }
  return host;
}

GLuint HostContext::guest_name(ObjectKind kind, GLuint host) {
  return host ? names(kind).map.to_guest(host) : 0;
}

bool HostContext::add_names(ObjectKind kind, const Blob& guest, const std::vector<GLuint>& host) {
  const auto* g = static_cast<const uint8_t*>(guest.data);
  const size_t n = std::min(guest.length / sizeof(GLuint), host.size());
  LockedMap m = names(kind);
  bool ok = true;
  for (size_t i = 0; i < n; ++i) {
    const GLuint name = wire::load<uint32_t>(g + 4 * i);
    if (!m.map.add(name, host[i])) ok = false;
  }
  return ok;
}

void HostContext::add_name(ObjectKind kind, uint64_t guest, GLuint host) {
  // The decoder reserved one object for it (Decoding::objects_allowed).
  if (guest > UINT32_MAX || !host || !names(kind).map.add(static_cast<GLuint>(guest), host))
    quota().release_objects(1);
}

std::vector<GLuint> HostContext::host_names(ObjectKind kind, const Blob& guest) {
  std::vector<GLuint> out(guest.length / sizeof(GLuint));
  const auto* g = static_cast<const uint8_t*>(guest.data);
  LockedMap m = names(kind);
  for (size_t i = 0; i < out.size(); ++i) {
    const GLuint name = wire::load<uint32_t>(g + 4 * i);
    // Deleting a name never seen is a no-op in GL; 0 keeps it one here.
    out[i] = name ? m.map.to_host(name) : 0;
  }
  return out;
}

void HostContext::remove_names(ObjectKind kind, const Blob& guest) {
  const auto* g = static_cast<const uint8_t*>(guest.data);
  LockedMap m = names(kind);
  int64_t removed = 0, bytes = 0;
  for (size_t i = 0; i < guest.length / sizeof(GLuint); ++i) {
    const GLuint host = m.map.remove(wire::load<uint32_t>(g + 4 * i));
    if (!host) continue;
    ++removed;
    // What the object held (shared kinds only: the group's lock is held).
    if (!gl::shared_kind(kind)) continue;
    auto& held = group_->allocations;
    auto it = held.lower_bound({kind, host, 0});
    while (it != held.end() && std::get<0>(it->first) == kind && std::get<1>(it->first) == host) {
      bytes += it->second;
      it = held.erase(it);
    }
  }
  quota().release_objects(removed);
  quota().release_memory(bytes);
}

void HostContext::note_lists(GLuint first, int64_t count) {
  if (count <= 0) return;
  std::lock_guard lock(group_->mutex);
  auto& lists = group_->lists;
  uint64_t begin = first, end = std::min<uint64_t>(uint64_t{first} + count, uint64_t{1} << 32);
  // Merge with the ranges it overlaps or touches.
  auto it = lists.upper_bound(first);
  if (it != lists.begin() && std::prev(it)->second >= begin) --it;
  while (it != lists.end() && it->first <= end) {
    begin = std::min<uint64_t>(begin, it->first);
    end = std::max(end, it->second);
    it = lists.erase(it);
  }
  lists.emplace(static_cast<GLuint>(begin), end);
}

void HostContext::delete_lists(GLuint list, GLsizei range) {
  if (range <= 0) {
    glDeleteLists(list, range);  // GL's own error for a negative range; nothing for 0
    return;
  }
  const uint64_t begin = list, end = uint64_t{list} + static_cast<uint64_t>(range);
  std::vector<std::pair<GLuint, GLsizei>> pieces;
  {
    std::lock_guard lock(group_->mutex);
    auto& lists = group_->lists;
    auto it = lists.upper_bound(list);
    if (it != lists.begin()) --it;
    while (it != lists.end() && it->first < end) {
      const uint64_t first = it->first, last = it->second;
      if (last <= begin) {
        ++it;
        continue;
      }
      const uint64_t from = std::max(first, begin), to = std::min(last, end);
      pieces.emplace_back(static_cast<GLuint>(from), static_cast<GLsizei>(to - from));
      it = lists.erase(it);
      if (first < from) lists.emplace(static_cast<GLuint>(first), from);
      if (to < last) lists.emplace(static_cast<GLuint>(to), last);
    }
  }
  for (auto [first, count] : pieces) glDeleteLists(first, count);
}

void HostContext::remove_name(ObjectKind kind, GLuint guest) {
  if (names(kind).map.remove(guest)) quota().release_objects(1);
}

GLsync HostContext::sync_object(uint64_t guest) {
  std::lock_guard lock(group_->mutex);
  auto it = group_->syncs.find(guest);
  // An unknown sync never reaches GL as a pointer: null makes GL report its own error.
  return it == group_->syncs.end() ? nullptr : it->second;
}

void HostContext::add_sync(uint64_t guest, GLsync sync) {
  // The decoder reserved one object for it (Decoding::objects_allowed).
  if (!sync) {
    quota().release_objects(1);
    return;
  }
  std::unique_lock lock(group_->mutex);
  if (group_->syncs.emplace(guest, sync).second) return;
  lock.unlock();
  quota().release_objects(1);
  glDeleteSync(sync);  // the guest reused an id: keep the first, leak nothing
}

GLsync HostContext::remove_sync(uint64_t guest) {
  std::lock_guard lock(group_->mutex);
  auto it = group_->syncs.find(guest);
  if (it == group_->syncs.end()) return nullptr;
  GLsync sync = it->second;
  group_->syncs.erase(it);
  quota().release_objects(1);
  return sync;
}

// --- HostState ----------------------------------------------------------------------------

uint32_t HostState::get_count(GLenum pname) const {
  if (const GLenum count_pname = gl::get_count_pname(pname)) {
    GLint n = 0;
    glGetIntegerv(count_pname, &n);
    return n > 0 ? static_cast<uint32_t>(std::min(n, 4096)) : 0;
  }
  return gl::get_value_count(pname);
}

// glGetActiveAtomicCounterBufferiv: the counter indices are one value per active counter.
uint32_t HostState::atomic_counter_buffer_value_count(GLuint program, GLuint buffer,
                                                      GLenum pname) const {
  if (pname != GL_ATOMIC_COUNTER_BUFFER_ACTIVE_ATOMIC_COUNTER_INDICES) return 1;
  GLint n = 0;
  glGetActiveAtomicCounterBufferiv(program, buffer, GL_ATOMIC_COUNTER_BUFFER_ACTIVE_ATOMIC_COUNTERS,
                                   &n);
  return n > 0 ? static_cast<uint32_t>(std::min(n, 4096)) : 0;
}

uint32_t HostState::uniform_value_count(GLuint program, GLint location) const {
  // Finds the active uniform at `location` to learn its type.
  GLint active = 0;
  if (!glIsProgram(program)) return 1;
  glGetProgramiv(program, GL_ACTIVE_UNIFORMS, &active);
  GLint max_length = 0;
  glGetProgramiv(program, GL_ACTIVE_UNIFORM_MAX_LENGTH, &max_length);
  std::vector<GLchar> name(std::max(max_length, 1) + 8);
  for (GLint i = 0; i < active; ++i) {
    GLint size = 0;
    GLenum type = 0;
    glGetActiveUniform(program, i, static_cast<GLsizei>(name.size()), nullptr, &size, &type,
                       name.data());
    std::string base(name.data());
    if (base.size() > 3 && base.compare(base.size() - 3, 3, "[0]") == 0)
      base.resize(base.size() - 3);
    const GLint first = glGetUniformLocation(program, base.c_str());
    if (first < 0 || location < first || location >= first + size) continue;
    switch (type) {
      case GL_FLOAT_VEC2:
      case GL_INT_VEC2:
      case GL_UNSIGNED_INT_VEC2:
      case GL_BOOL_VEC2:
      case GL_DOUBLE_VEC2:
      case GL_INT64_VEC2_ARB:
      case GL_UNSIGNED_INT64_VEC2_ARB:
        return 2;
      case GL_FLOAT_VEC3:
      case GL_INT_VEC3:
      case GL_UNSIGNED_INT_VEC3:
      case GL_BOOL_VEC3:
      case GL_DOUBLE_VEC3:
      case GL_INT64_VEC3_ARB:
      case GL_UNSIGNED_INT64_VEC3_ARB:
        return 3;
      case GL_FLOAT_VEC4:
      case GL_INT_VEC4:
      case GL_UNSIGNED_INT_VEC4:
      case GL_BOOL_VEC4:
      case GL_FLOAT_MAT2:
      case GL_DOUBLE_VEC4:
      case GL_INT64_VEC4_ARB:
      case GL_UNSIGNED_INT64_VEC4_ARB:
      case GL_DOUBLE_MAT2:
        return 4;
      case GL_FLOAT_MAT2x3:
      case GL_FLOAT_MAT3x2:
      case GL_DOUBLE_MAT2x3:
      case GL_DOUBLE_MAT3x2:
        return 6;
      case GL_FLOAT_MAT2x4:
      case GL_FLOAT_MAT4x2:
      case GL_DOUBLE_MAT2x4:
      case GL_DOUBLE_MAT4x2:
        return 8;
      case GL_FLOAT_MAT3:
      case GL_DOUBLE_MAT3:
        return 9;
      case GL_FLOAT_MAT3x4:
      case GL_FLOAT_MAT4x3:
      case GL_DOUBLE_MAT3x4:
      case GL_DOUBLE_MAT4x3:
        return 12;
      case GL_FLOAT_MAT4:
      case GL_DOUBLE_MAT4:
        return 16;
      default:
        return 1;
    }
  }
  return 1;
}

// glGetProgramStringARB: the program string's length in bytes.
uint32_t HostState::program_string_length(GLenum target) const {
  GLint n = 0;
  glGetProgramivARB(target, GL_PROGRAM_LENGTH_ARB, &n);
  return n > 0 ? static_cast<uint32_t>(n) : 0;
}

// glGetActiveSubroutineUniformiv: GL_COMPATIBLE_SUBROUTINES lists
// GL_NUM_COMPATIBLE_SUBROUTINES indices; the other parameters are one value.
uint32_t HostState::subroutine_uniform_value_count(GLuint program, GLenum shader_type, GLuint index,
                                                   GLenum pname) const {
  if (pname != GL_COMPATIBLE_SUBROUTINES) return 1;
  GLint n = 0;
  glGetActiveSubroutineUniformiv(program, shader_type, index, GL_NUM_COMPATIBLE_SUBROUTINES, &n);
  return n > 0 ? static_cast<uint32_t>(std::min(n, 4096)) : 0;
}

uint32_t HostState::uniform_block_value_count(GLuint program, GLuint block, GLenum pname) const {
  if (const GLenum count_pname = gl::active_uniform_block_count_pname(pname)) {
    GLint n = 0;
    glGetActiveUniformBlockiv(program, block, count_pname, &n);
    return n > 0 ? static_cast<uint32_t>(std::min(n, 1 << 16)) : 0;
  }
  return gl::active_uniform_block_count(pname);
}

gl::PixelStore HostState::unpack_store() const {
  gl::PixelStore s;
  glGetIntegerv(GL_UNPACK_ALIGNMENT, &s.alignment);
  glGetIntegerv(GL_UNPACK_ROW_LENGTH, &s.row_length);
  glGetIntegerv(GL_UNPACK_IMAGE_HEIGHT, &s.image_height);
  glGetIntegerv(GL_UNPACK_SKIP_PIXELS, &s.skip_pixels);
  glGetIntegerv(GL_UNPACK_SKIP_ROWS, &s.skip_rows);
  glGetIntegerv(GL_UNPACK_SKIP_IMAGES, &s.skip_images);
  return s;
}

gl::PixelStore HostState::pack_store() const {
  gl::PixelStore s;
  glGetIntegerv(GL_PACK_ALIGNMENT, &s.alignment);
  glGetIntegerv(GL_PACK_ROW_LENGTH, &s.row_length);
  glGetIntegerv(GL_PACK_SKIP_PIXELS, &s.skip_pixels);
  glGetIntegerv(GL_PACK_SKIP_ROWS, &s.skip_rows);
  if (desktop_pack_images) {
    glGetIntegerv(GL_PACK_IMAGE_HEIGHT, &s.image_height);
    glGetIntegerv(GL_PACK_SKIP_IMAGES, &s.skip_images);
  }
  return s;
}

GLuint HostState::bound_buffer(GLenum binding) const {
  GLint b = 0;
  glGetIntegerv(binding, &b);
  return static_cast<GLuint>(b);
}

// --- Decoding -----------------------------------------------------------------------------

Blob Decoding::read_blob(wire::Reader& r, bool allow_offset) {
  Blob b;
  const uint32_t length = r.get<uint32_t>();
  const auto mode = static_cast<wire::BlobMode>(r.get<uint32_t>());
  if (!r.ok()) return b;
  b.length = length;
  switch (mode) {
    case wire::BlobMode::kInline: {
      std::span<const uint8_t> bytes = r.bytes(length);
      if (!r.ok()) return b;
      b.data = bytes.data();
      b.ok = true;
      return b;
    }
    case wire::BlobMode::kTransfer: {
      const uint64_t position = r.get<uint64_t>();
      const std::span<uint8_t> area = region.transfer();
      const uint64_t offset = static_cast<uint32_t>(position) % area.size();
      if (!r.ok() || position > UINT32_MAX || offset + length > area.size()) return b;
      b.data = area.data() + offset;
      b.transfer = true;
      b.transfer_end = static_cast<uint32_t>(position + length);
      b.ok = true;
      return b;
    }
    case wire::BlobMode::kNull:
      b.length = 0;
      b.ok = length == 0;
      return b;
    case wire::BlobMode::kOffset: {
      const uint64_t offset = r.get<uint64_t>();
      if (!r.ok() || !allow_offset) return b;
      b.data = reinterpret_cast<const void*>(static_cast<uintptr_t>(offset));
      b.offset = true;
      b.length = 0;
      b.ok = true;
      return b;
    }
  }
  return b;
}

Blob Decoding::blob(wire::Reader& r, size_t expected, bool nullable) {
  Blob b = read_blob(r, false);
  if (!b.ok) return b;
  if (!b.data && !b.transfer && b.length == 0 && expected > 0) {
    // The program passed NULL. GL may accept it (nullable), else it must not read it.
    if (nullable) return b;
    if (expected > kZerosBytes) {
      b.ok = false;
      return b;
    }
    b.data = kZeros;
    b.length = expected;
    return b;
  }
  if (b.length != expected) b.ok = false;
  return b;
}

Blob Decoding::string_blob(wire::Reader& r) {
  Blob b = read_blob(r, false);
  if (!b.ok) return b;
  const auto* s = static_cast<const char*>(b.data);
  // Must be NUL-terminated within its own length, so GL cannot read past it.
  if (!s || b.length == 0 || s[b.length - 1] != '\0') {
    if (!s && b.length == 0) {
      b.data = "";
      return b;
    }
    b.ok = false;
  }
  return b;
}

namespace {

// A size from the environment: bytes (or a count) with an optional K, M or G; 0 if unset.
int64_t size_from_environment(const char* name) {
  const char* set = std::getenv(name);
  if (!set || !*set) return 0;
  char* end = nullptr;
  const int64_t value = std::strtoll(set, &end, 10);
  const char unit = end ? *end : 0;
  return value << (unit == 'K' || unit == 'k'   ? 10
                   : unit == 'M' || unit == 'm' ? 20
                   : unit == 'G' || unit == 'g' ? 30
                                                : 0);
}

}  // namespace

HostLimits host_limits() {
  HostLimits l;
  if (const int64_t bytes = size_from_environment("GFXRELAY_MAX_ALLOCATION"); bytes > 0)
    l.max_allocation_bytes = bytes;
  if (const int64_t vertices = size_from_environment("GFXRELAY_MAX_DRAW_VERTICES"); vertices > 0)
    l.max_draw_vertices = vertices;
  if (const int64_t bytes = size_from_environment("GFXRELAY_SESSION_MEMORY"); bytes > 0)
    l.session_memory_bytes = bytes;
  if (const int64_t objects = size_from_environment("GFXRELAY_SESSION_OBJECTS"); objects > 0)
    l.session_objects = objects;
  if (const int64_t contexts = size_from_environment("GFXRELAY_SESSION_CONTEXTS"); contexts > 0)
    l.session_contexts = contexts;
  return l;
}

bool Decoding::allocation_allowed(int64_t bytes) {
  if (bytes <= ctx.limits().max_allocation_bytes) return true;
  ctx.record_error(GL_OUT_OF_MEMORY);
  return false;
}

bool Decoding::draw_allowed(int64_t count, int64_t instances) {
  if (count <= 0 || instances <= 0) return true;  // GL's own error, or nothing to draw
  if (count <= ctx.limits().max_draw_vertices / instances) return true;
  ctx.record_error(GL_OUT_OF_MEMORY);
  return false;
}

bool Decoding::object_count_allowed(int64_t count) {
  if (count <= ctx.limits().max_objects_per_command) return true;
  ctx.record_error(GL_OUT_OF_MEMORY);
  return false;
}

namespace {

// The draw and read framebuffer bindings (one binding without glBlitFramebuffer: OpenGL ES 2),
// kept to be put back.
struct FramebufferBindings {
  explicit FramebufferBindings(const HostContext& ctx)
      : split(ctx.has(wire::Op::glBlitFramebuffer)) {
    glGetIntegerv(split ? GL_DRAW_FRAMEBUFFER_BINDING : GL_FRAMEBUFFER_BINDING, &draw);
    if (split) glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &read);
  }
  void restore() const {
    if (split) {
      glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(draw));
      glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(read));
    } else {
      glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(draw));
    }
  }
  bool split;
  GLint draw = 0, read = 0;
};

}  // namespace

GLuint Decoding::empty_framebuffer() {
  if (ctx.empty_framebuffer) return ctx.empty_framebuffer;
  // Bound once, so that the name is a framebuffer object (named commands take only those).
  const FramebufferBindings bindings(ctx);
  glGenFramebuffers(1, &ctx.empty_framebuffer);
  glBindFramebuffer(GL_FRAMEBUFFER, ctx.empty_framebuffer);
  bindings.restore();
  return ctx.empty_framebuffer;
}

GLuint Decoding::framebuffer_to_invalidate(GLuint framebuffer) {
  // The default framebuffer's attachments always have storage; a name that is no framebuffer
  // object goes to GL, for its error.
  if (framebuffer == 0 || !ctx.has(wire::Op::glCheckNamedFramebufferStatus) ||
      !glIsFramebuffer(framebuffer))
    return framebuffer;
  if (glCheckNamedFramebufferStatus(framebuffer, GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE)
    return framebuffer;
  return empty_framebuffer();
}

InvalidationTarget::InvalidationTarget(Decoding& d, GLenum target) {
  // Without glBlitFramebuffer (OpenGL ES 2) there are no read and draw framebuffer targets;
  // a target GL refuses goes to GL, for its error.
  const bool split = d.ctx.has(wire::Op::glBlitFramebuffer);
  if (target != GL_FRAMEBUFFER &&
      !(split && (target == GL_DRAW_FRAMEBUFFER || target == GL_READ_FRAMEBUFFER)))
    return;
  const FramebufferBindings bindings(d.ctx);
  const GLint bound = target == GL_READ_FRAMEBUFFER ? bindings.read : bindings.draw;
  if (bound == 0 || glCheckFramebufferStatus(target) == GL_FRAMEBUFFER_COMPLETE) return;
  glBindFramebuffer(target, d.empty_framebuffer());
  restore_ = [bindings] { bindings.restore(); };
}

InvalidationTarget::~InvalidationTarget() {
  if (restore_) restore_();
}

bool Decoding::read_buffer_set(GLenum format) {
  switch (format) {
    case GL_DEPTH_COMPONENT:
    case GL_DEPTH_COMPONENT16:
    case GL_DEPTH_COMPONENT24:
    case GL_DEPTH_COMPONENT32:
    case GL_DEPTH_COMPONENT32F:
    case GL_STENCIL_INDEX:
    case GL_STENCIL_INDEX8:
    case GL_DEPTH_STENCIL:
    case GL_DEPTH24_STENCIL8:
    case GL_DEPTH32F_STENCIL8:
    case GL_DEPTH:  // glCopyPixels' types
    case GL_STENCIL:
      return true;
    default:
      break;
  }
  // Without glReadBuffer (OpenGL ES 2) the read buffer cannot be GL_NONE, nor be asked for.
  if (!ctx.has(wire::Op::glReadBuffer) && !ctx.has(wire::Op::glReadBufferNV)) return true;
  GLint read_buffer = GL_BACK;
  glGetIntegerv(GL_READ_BUFFER, &read_buffer);
  if (read_buffer != GL_NONE) return true;
  ctx.record_error(GL_INVALID_OPERATION);
  return false;
}

bool Decoding::objects_allowed(int64_t count) {
  if (ctx.quota().reserve_objects(count)) return true;
  ctx.record_error(GL_OUT_OF_MEMORY);
  return false;
}

bool Decoding::image_allocation_allowed(std::initializer_list<int64_t> dimensions) {
  if (ctx.largest_texture_dimension == 0) {
    // The largest of the sizes GL checks dimensions against, read once per context. Errors
    // pending before are the guest's; those after, ours (a limit this API does not have).
    for (GLenum e; (e = glGetError()) != GL_NO_ERROR;) ctx.record_error(e);
    GLint largest = 0;
    for (GLenum limit : {GL_MAX_TEXTURE_SIZE, GL_MAX_3D_TEXTURE_SIZE, GL_MAX_ARRAY_TEXTURE_LAYERS,
                         GL_MAX_RENDERBUFFER_SIZE}) {
      GLint value = 0;
      glGetIntegerv(limit, &value);
      largest = std::max(largest, value);
    }
    while (glGetError() != GL_NO_ERROR) {
    }
    ctx.largest_texture_dimension = largest > 0 ? largest : 1;
  }
  // Past every size limit GL has: GL_INVALID_VALUE, given here (a driver handed such sizes
  // need not survive them: Mesa 22.3 smashed its stack after a 33-million-texel-wide image).
  for (int64_t d : dimensions) {
    if (d > ctx.largest_texture_dimension) {
      ctx.record_error(GL_INVALID_VALUE);
      return false;
    }
  }
  return allocation_allowed(gl::image_allocation_bytes(dimensions));
}

Blob Decoding::counted_string_blob(wire::Reader& r, GLsizei length) {
  Blob b = string_blob(r);
  if (!b.ok || length < 0) return b;
  if (b.length == 0) {
    // The program passed NULL: GL still reads `length` characters on some paths (a debug
    // message), so it gets that many NULs instead of memory nobody owns.
    nul_string.assign(static_cast<size_t>(std::min<GLsizei>(length, 1 << 20)) + 1, '\0');
    b.data = nul_string.data();
    if (nul_string.size() < static_cast<size_t>(length) + 1) b.ok = false;
    return b;
  }
  if (static_cast<uint64_t>(length) + 1 > b.length) b.ok = false;
  return b;
}

StringList Decoding::strings_blob(wire::Reader& r, GLsizei count) {
  StringList list;
  Blob b = read_blob(r, false);
  if (!b.ok) return list;
  if (count <= 0 || !b.data) {
    list.ok = b.length == 0;
    return list;
  }
  wire::Reader s(static_cast<const uint8_t*>(b.data), b.length);
  const uint32_t n = s.get<uint32_t>();
  if (!s.ok() || n != static_cast<uint32_t>(count) || n > 65536) return list;
  std::vector<uint32_t> lengths(n);
  for (auto& l : lengths) l = s.get<uint32_t>();
  size_t at = 4 + 4 * size_t{n};
  for (uint32_t l : lengths) {
    if (!s.ok() || at + l > b.length) return list;
    list.storage.emplace_back(static_cast<const char*>(b.data) + at, l);
    at += l;
  }
  if (at != b.length) return list;
  release(b);
  for (const auto& str : list.storage) list.pointers.push_back(str.c_str());
  list.ok = true;
  return list;
}

Blob Decoding::unpack_image_blob(wire::Reader& r, GLenum format, GLenum type, GLsizei width,
                                 GLsizei height, GLsizei depth, bool nullable) {
  const bool buffer_bound = state().bound_buffer(GL_PIXEL_UNPACK_BUFFER_BINDING) != 0;
  Blob b = read_blob(r, buffer_bound);
  if (!b.ok || b.offset) return b;
  if (buffer_bound) {
    // The guest sent client data while the host has a PBO bound: their views differ.
    b.ok = false;
    return b;
  }
  // No data: GL allocates without it, reports the bad enum, or (sub-image with NULL) has
  // nothing to read; NULL stays NULL here, whether or not the parameter is `nullable`. Only
  // data is measured (reading the pixel-store state costs host GL queries).
  (void)nullable;
  if (!b.data && b.length == 0) return b;
  // Data for an image whose size cannot be computed (it does not fit) is malformed: the
  // guest library never sends it, and GL would read rows far apart past the blob.
  uint64_t expected = 0;
  if (!gl::image_bytes(state().unpack_store(), format, type, width, height, depth, &expected) ||
      b.length != expected)
    b.ok = false;
  return b;
}

Blob Decoding::unpack_blob(wire::Reader& r, size_t expected, bool nullable) {
  const bool buffer_bound = state().bound_buffer(GL_PIXEL_UNPACK_BUFFER_BINDING) != 0;
  Blob b = read_blob(r, buffer_bound);
  if (!b.ok || b.offset) return b;
  if (buffer_bound) {
    b.ok = false;
    return b;
  }
  if (!b.data && b.length == 0) return nullable || expected == 0 ? b : Blob{};
  if (b.length != expected) b.ok = false;
  return b;
}

Blob Decoding::output_blob(wire::Reader& r, size_t expected) {
  Blob b = read_blob(r, false);
  if (b.ok && (!b.transfer || b.length != expected)) b.ok = false;
  return b;
}

void Decoding::release(const Blob& b) {
  if (b.transfer) {
    auto* control = region.control();
    control->transfer_released.store(b.transfer_end, std::memory_order_release);
    if (control->transfer_waiting.load(std::memory_order_seq_cst))
      transport::futex_wake_all(&control->transfer_released);
  }
}

ReplyWriter Decoding::reply() {
  return ReplyWriter(region.reply());
}

bool Decoding::finish_reply(const ReplyWriter& w) {
  if (w.overflowed()) return fail("reply larger than the reply area");
  auto* control = region.control();
  control->reply_length = static_cast<uint32_t>(w.used());
  control->reply_seq.fetch_add(1, std::memory_order_seq_cst);
  if (control->reply_waiting.load(std::memory_order_seq_cst))
    transport::futex_wake_all(&control->reply_seq);
  return true;
}

}  // namespace gfxrelay::host
