// What the generated host decoder (gl_decoder_gen.cpp) and the hand-written decoders build on:
// one command being decoded, the guest context's host-side state (name maps, syncs), blobs read
// in place from the stream or the transfer area, and the reply writer.
#pragma once

#include <epoxy/egl.h>
#include <epoxy/gl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gl_params_gen.h"
#include "glcommon/availability.h"
#include "glcommon/objects.h"
#include "glcommon/pixel_size.h"
#include "glcommon/sizes.h"
#include "host/quota.h"
#include "opcodes_gen.h"
#include "transport/shm_ring.h"
#include "wire/wire.h"

namespace gfxrelay::host {

using gl::elements;
using gl::ObjectKind;
using wire::Op;

// A name no host GL allocates (they count up from 1), standing in for a guest name the host has
// never seen, so GL reports its own error for it instead of acting on a real object.
inline constexpr GLuint kUnknownName = 0xFFFFFFF0u;

// Guest name -> host name, one map per kind (wire rule 3).
class NameMap {
 public:
  GLuint to_host(GLuint guest) const;
  GLuint to_guest(GLuint host) const;
  bool add(GLuint guest, GLuint host);  // false if guest is already mapped
  GLuint remove(GLuint guest);          // the host name it had, or 0
  bool contains(GLuint guest) const { return guest_to_host_.count(guest) != 0; }
  const std::unordered_map<GLuint, GLuint>& all() const { return guest_to_host_; }

 private:
  std::unordered_map<GLuint, GLuint> guest_to_host_;
  std::unordered_map<GLuint, GLuint> host_to_guest_;
};

// Sizes that only the host's GL state can give (annotation expressions call `state.`).
struct HostState {
  uint32_t get_count(GLenum pname) const;
  uint32_t uniform_value_count(GLuint program, GLint location) const;
  uint32_t atomic_counter_buffer_value_count(GLuint program, GLuint buffer, GLenum pname) const;
  uint32_t program_string_length(GLenum target) const;
  uint32_t subroutine_uniform_value_count(GLuint program, GLenum shader_type, GLuint index,
                                          GLenum pname) const;
  uint32_t uniform_block_value_count(GLuint program, GLuint block, GLenum pname) const;
  gl::PixelStore unpack_store() const;
  gl::PixelStore pack_store() const;
  GLuint bound_buffer(GLenum binding) const;
  // Desktop GL has pack modes for 3D images (GL_PACK_IMAGE_HEIGHT, GL_PACK_SKIP_IMAGES) that
  // OpenGL ES lacks; pack_store reads them only where they exist.
  bool desktop_pack_images = false;
};

// KHR_debug messages the host GL gives a guest's debug callback, held until the guest fetches
// them (gfxrelay_DebugMessages). The GL may call in from a driver thread, hence the lock.
class DebugLog {
 public:
  struct Message {
    GLenum source, type;
    GLuint id;
    GLenum severity;
    std::string text;
  };
  static constexpr size_t kMaxMessages = 1024;  // beyond this the oldest are dropped
  static constexpr size_t kMaxMessageBytes = 4096;

  // Installs or removes the host GL callback (the context must be current). `pending` is the
  // control block counter the guest watches.
  void set_enabled(bool enabled, std::atomic<uint32_t>* pending);
  bool enabled() const { return enabled_; }
  // Takes the oldest messages whose encoded size fits in `budget` bytes (at least one).
  std::vector<Message> take(size_t budget, uint32_t* dropped);
  static size_t encoded_size(const Message& m);

 private:
  static void APIENTRY on_message(GLenum source, GLenum type, GLuint id, GLenum severity,
                                  GLsizei length, const GLchar* text, const void* self);
  std::mutex mutex_;
  std::deque<Message> messages_;
  uint32_t dropped_ = 0;
  std::atomic<uint32_t>* pending_ = nullptr;
  bool enabled_ = false;
};

// What the contexts of one EGL share group have in common on the host: the name maps of shared
// kinds (gl::shared_kind), the sync objects, and the memory their buffers, textures and
// renderbuffers hold. Their workers run concurrently, hence the lock.
struct HostShareGroup {
  explicit HostShareGroup(std::shared_ptr<SessionQuota> session_quota = nullptr)
      : quota(session_quota ? std::move(session_quota) : std::make_shared<SessionQuota>()) {}
  ~HostShareGroup();  // gives what the group held back to the session's quota

  const std::shared_ptr<SessionQuota> quota;  // the session's
  std::mutex mutex;
  std::array<NameMap, 16> maps;
  std::map<uint64_t, GLsync> syncs;
  // Display list names made (glGenLists, glNewList): disjoint ranges, first -> one past last.
  std::map<GLuint, uint64_t> lists;
  // Bytes of each allocation (AllocationKey: kind, host name, level and face or storage).
  std::map<std::tuple<ObjectKind, GLuint, uint32_t>, int64_t> allocations;
};

// The host side of one guest GL context.
class HostContext {
 public:
  // `group`: the share group of the context this one shares with, or null for a new group.
  explicit HostContext(std::shared_ptr<HostShareGroup> group = nullptr);
  ~HostContext();  // gives the names only it held back to the session's quota
  const std::shared_ptr<HostShareGroup>& share_group() const { return group_; }
  SessionQuota& quota() const { return *group_->quota; }

  GLuint host_name(ObjectKind kind, uint64_t guest);
  GLuint bind_name(ObjectKind kind, uint64_t guest);  // creates an object for a new name
  // As bind_name in a compatibility-profile context; elsewhere as host_name.
  GLuint compat_bind_name(ObjectKind kind, uint64_t guest) {
    return !api.es && !api.core_profile ? bind_name(kind, guest) : host_name(kind, guest);
  }
  GLuint guest_name(ObjectKind kind, GLuint host);
  bool add_names(ObjectKind kind, const struct Blob& guest, const std::vector<GLuint>& host);
  void add_name(ObjectKind kind, uint64_t guest, GLuint host);
  std::vector<GLuint> host_names(ObjectKind kind, const struct Blob& guest);
  void remove_names(ObjectKind kind, const struct Blob& guest);
  void remove_name(ObjectKind kind, GLuint guest);  // one name (no allocations: programs)
  // Display lists made (glGenLists, glNewList): `count` names from `first`.
  void note_lists(GLuint first, int64_t count);
  // glDeleteLists, on the names of the range that lists were made of only (Mesa visits every
  // name of the range: the guest chooses its size, not the work).
  void delete_lists(GLuint list, GLsizei range);
  GLsync sync_object(uint64_t guest);
  void add_sync(uint64_t guest, GLsync sync);
  GLsync remove_sync(uint64_t guest);  // the host sync to delete, or null

  HostState state;
  GLenum pending_error = GL_NO_ERROR;  // reported before the driver's by glGetError
  // GL keeps the first error until glGetError reads it.
  void record_error(GLenum error) {
    if (pending_error == GL_NO_ERROR) pending_error = error;
  }
  // What gles::track_vertex_arrays knows: vertex arrays (host names; 0: the default one) whose
  // enabled arrays all had buffers when last checked; the arrays enabled since (generic
  // indices; fixed-function ones numbered as draws.cpp does, texture coordinates per client
  // unit), to check before the next command that reads arrays; which arrays of the current
  // vertex array were enabled with a buffer at the last check (enabling one again changes
  // nothing); whether the guest ever bound a vertex array (else it is always the default one).
  struct ArrayCheck {
    std::unordered_set<GLuint> checked;
    std::vector<GLuint> generic;
    std::vector<int> fixed;
    uint64_t safe_generic = 0, safe_fixed = 0;
    bool arrays_bound = false;
    bool compiling_list = false;  // between glNewList and glEndList
    // Between glBegin and glEnd GL answers no query, so glArrayElement there is limited to the
    // largest element every enabled array held at glBegin (array state cannot change inside;
    // any command that could is taken to have, and then no element is allowed). After
    // glCallList(s) it is not known whether a list left GL inside: nothing is allowed until
    // glEnd. The limit is computed again at glBegin only after a command that may have changed
    // arrays or buffers (element_limit_stale).
    enum class Primitive : uint8_t { kOutside, kInside, kUnknown } primitive = Primitive::kOutside;
    int64_t element_limit = -1;
    bool element_limit_stale = true;
    // Arrays limit_arrays_to disabled for one command (generic index, or -1 - fixed array).
    std::vector<int> reenable;
    // After a command that may have left an enabled array without a buffer: every vertex array
    // is checked whole again before the next command that reads arrays.
    void check_all_again() {
      checked.clear();
      generic.clear();
      fixed.clear();
      safe_generic = 0;
      safe_fixed = 0;
    }
  } array_check;
  std::vector<GLuint> client_array_buffers;  // by array slot; host-owned, never in a guest
                                             // name space
  uint32_t generic_array_slots = 0;          // GL_MAX_VERTEX_ATTRIBS
  // Feedback and selection buffers GL holds between glFeedbackBuffer / glSelectBuffer and
  // glRenderMode (as 32-bit values: floats or uints).
  std::vector<uint32_t> feedback_storage, select_storage;
  std::vector<std::string> carried_extensions;  // host's, narrowed to what the relay carries
  GLint largest_texture_dimension = 0;          // image_allocation_allowed's, 0 until first needed
  gl::ContextApi api;                           // what the context is (read when first current)
  std::vector<bool> available_opcodes;          // the commands it has (empty until then)
  const HostLimits& limits() const { return quota().limits(); }  // the session's
  // Whether the context has this GL command (hand-written decoders that call GL functions
  // the opcode gate does not cover; libepoxy aborts on a call the context lacks).
  bool has(wire::Op op) const {
    const auto i = static_cast<size_t>(op);
    return i < available_opcodes.size() && available_opcodes[i];
  }
  // Presentation: can glReadPixels write rows top first (MESA_pack_invert) and read B,G,R,A?
  // Without pack_invert, frames are read into flip_staging and their rows copied in reverse.
  bool pack_invert = false;
  bool reads_bgra = false;
  std::vector<uint8_t> flip_staging;
  GLuint empty_framebuffer = 0;  // Decoding::empty_framebuffer (host name, no guest's)
  DebugLog debug_log;

 private:
  // The map for `kind`, and the group's lock when the kind is shared (not held otherwise).
  struct LockedMap {
    NameMap& map;
    std::unique_lock<std::mutex> lock;
  };
  LockedMap names(ObjectKind kind);

  std::array<NameMap, 16> maps_;  // kinds this context has its own of
  std::shared_ptr<HostShareGroup> group_;
};

struct Blob {
  bool ok = false;
  const void* data = nullptr;
  size_t length = 0;
  bool offset = false;    // data is a byte offset into a bound buffer
  bool transfer = false;  // release() frees transfer_end
  uint32_t transfer_end = 0;
};

struct StringList {
  bool ok = false;
  std::vector<std::string> storage;
  std::vector<const GLchar*> pointers;
};

class ReplyWriter {
 public:
  explicit ReplyWriter(std::span<uint8_t> area) : area_(area) {}
  template <typename T>
  void scalar(T v) {
    put(&v, sizeof v);
  }
  template <typename T>
  void output(const T* data, size_t count) {
    const uint32_t bytes = static_cast<uint32_t>(count * sizeof(T));
    scalar<uint32_t>(bytes);
    scalar<uint32_t>(0);
    put(data, bytes);
    const size_t pad = wire::align_up(used_) - used_;
    static const uint8_t zeros[8] = {};
    put(zeros, pad);
  }
  bool overflowed() const { return overflow_; }
  size_t used() const { return used_; }

 private:
  void put(const void* data, size_t n) {
    if (overflow_ || area_.size() - used_ < n) {
      overflow_ = true;
      return;
    }
    std::memcpy(area_.data() + used_, data, n);
    used_ += n;
  }
  std::span<uint8_t> area_;
  size_t used_ = 0;
  bool overflow_ = false;
};

// Services the session gives decoders (surfaces live at session level).
class SessionServices {
 public:
  virtual ~SessionServices() = default;
  virtual EGLDisplay display() = 0;
  virtual EGLContext context() = 0;
  // The host surface for a guest surface id, or EGL_NO_SURFACE.
  virtual EGLSurface surface(uint32_t guest_id) = 0;
  // Binds the context to guest surfaces (0: none), or unbinds it; returns an EGL error code.
  virtual EGLint make_current(uint32_t draw_id, uint32_t read_id, bool release) = 0;
  // The host EGLImage for a guest image id, or null.
  virtual EGLImage egl_image(uint64_t guest_id) = 0;
  // Makes an image of an object of this context (current on the calling thread); an EGL error.
  virtual EGLint create_image(uint64_t guest_id, EGLenum target, EGLClientBuffer buffer,
                              const EGLint* attribs) = 0;
  // Where this is a direct X11 context (backend/x11_direct.h) with the window `surface_id` as
  // its current draw surface: swaps it (the X server takes the frame); else false.
  virtual bool swap_x11_window(uint32_t surface_id) {
    (void)surface_id;
    return false;
  }
};

// Runs a GL call whose failure must leave the program's memory alone (read-backs); true if GL
// took it with no error. The error, or one already pending in the host GL, stays for the
// program's glGetError.
template <typename Call>
bool call_checked(HostContext& ctx, Call call) {
  const GLenum before = glGetError();
  call();
  const GLenum error = glGetError();
  ctx.record_error(before);
  ctx.record_error(error);
  return error == GL_NO_ERROR;
}

// A buffer, image or storage a command is about to make the host GL allocate (the generator
// fills one in for each such command, from the parameters the command has): it counts against
// the session's memory quota from before the call until the object is deleted or re-specified.
struct Allocation {
  ObjectKind kind = ObjectKind::kNone;  // kBuffer, kTexture or kRenderbuffer
  GLenum target = 0;                    // the binding point, where the command names no object
  bool named = false;                   // the command names the object (object: its host name)
  GLuint object = 0;
  int64_t level = 0;
  int64_t levels = 0;  // glTex*Storage*: all its levels at once
  GLenum internalformat = 0, format = 0, type = 0;
  int64_t width = 1, height = 1, depth = 1, samples = 1;
  std::optional<int64_t> bytes;  // what the command gives: a buffer's or compressed image's size

  // Set by Decoding::begin_allocation.
  bool tracked = false;
  std::tuple<ObjectKind, GLuint, uint32_t> key;
  int64_t total = 0;     // bytes the object's entry will hold
  int64_t reserved = 0;  // added to the session's memory before the call (negative: to give)
};

// The binding that names the buffer bound to `target` (glGetIntegerv's), or 0.
GLenum buffer_binding(GLenum target);

// One command being decoded.
struct Decoding {
  HostContext& ctx;
  const transport::ShmRegion& region;
  SessionServices& session;
  const uint8_t* cmd = nullptr;  // the command, header included, in private memory
  size_t size = 0;
  std::string error;
  std::string nul_string;  // counted_string_blob's stand-in for a NULL string with a length

  bool fail(const std::string& why) {
    error = why;
    return false;
  }
  HostState& state() { return ctx.state; }

  Blob blob(wire::Reader& r, size_t expected, bool nullable);
  Blob string_blob(wire::Reader& r);
  // A string GL reads `length` characters of (up to its NUL when negative): the blob must hold
  // them and the NUL the guest adds.
  Blob counted_string_blob(wire::Reader& r, GLsizei length);
  StringList strings_blob(wire::Reader& r, GLsizei count);
  Blob unpack_image_blob(wire::Reader& r, GLenum format, GLenum type, GLsizei width, GLsizei height,
                         GLsizei depth, bool nullable);
  Blob unpack_blob(wire::Reader& r, size_t expected, bool nullable);
  // A blob the host writes into (read-backs): must be a transfer reference of `expected` bytes.
  Blob output_blob(wire::Reader& r, size_t expected);
  // A blob that is an offset into a bound buffer, or anything else as it came (the caller
  // checks which it accepts).
  Blob offset_or_plain_blob(wire::Reader& r) { return read_blob(r, true); }
  void release(const Blob& b);

  // How many values of `element_bytes` a getter may return for a count of `n`: at most what
  // the reply area holds (a guest's count is no reason to allocate gigabytes).
  // Whether the host GL may allocate `bytes` for one buffer or image (the per-allocation quota,
  // ctx.limits); if not, the command fails with GL_OUT_OF_MEMORY as a driver's would.
  bool allocation_allowed(int64_t bytes);
  // The same for an image of these dimensions (width, height, depth, samples: those the command
  // has), at 16 bytes a texel. A dimension past every size limit of the context is
  // GL_INVALID_VALUE, as GL would answer (the driver never sees it).
  bool image_allocation_allowed(std::initializer_list<int64_t> dimensions);
  // Whether a draw of `count` vertices times `instances` stays within the per-draw limit
  // (HostLimits::max_draw_vertices), else GL_OUT_OF_MEMORY and no draw.
  bool draw_allowed(int64_t count, int64_t instances);
  // Whether one command may make the host GL allocate `count` objects at once (glGenLists'
  // range): at most HostLimits::max_objects_per_command, else GL_OUT_OF_MEMORY.
  bool object_count_allowed(int64_t count);
  // Whether a read of color (`format`: a pixel format, or an internal format for copies) has
  // a read buffer to read from. Mesa 22.3 crashes in glReadPixels and glCopyTexImage* reading
  // color when the read buffer is GL_NONE, where GL says GL_INVALID_OPERATION: the decoder
  // answers that itself (recorded when false). Depth and stencil reads need no read buffer.
  bool read_buffer_set(GLenum format);
  // Invalidations of attachments (glInvalidate*Framebuffer*, glDiscardFramebufferEXT): Mesa
  // 22.3 goes by each attachment's completeness as last computed, and reads through one given
  // zero size since (no storage behind it): a host crash (finding 20). A framebuffer object
  // that is not complete when checked now is swapped for an empty one of this context for the
  // call: GL checks the arguments as for any framebuffer object, and invalidates nothing
  // (what invalidation promises, undefined contents, allows the old ones).
  GLuint empty_framebuffer();
  GLuint framebuffer_to_invalidate(GLuint framebuffer);  // host names
  // Reserves `count` objects of the session's quota for names about to be created; past it,
  // GL_OUT_OF_MEMORY and false (the caller does not create them).
  bool objects_allowed(int64_t count);
  // Before an allocating command: the per-command limits (allocation_allowed and
  // image_allocation_allowed), then the session's memory quota. False: the command must not
  // run (GL_OUT_OF_MEMORY or GL_INVALID_VALUE recorded). Errors already pending in the host GL
  // are moved to the context's first, so end_allocation sees only the command's own.
  bool begin_allocation(Allocation& a);
  // After the command: keeps what it allocated if GL took it, else gives the reservation back.
  void end_allocation(const Allocation& a);

  size_t output_count(int64_t n, size_t element_bytes) const {
    return std::min(elements(n), region.reply().size() / element_bytes);
  }
  // Scratch for GL to write outputs into: never smaller than 64 values, so a pname missing
  // from the tables cannot make the driver write past it.
  size_t scratch_elements(size_t count) const { return count < 64 ? 64 : count; }

  ReplyWriter reply();
  bool finish_reply(const ReplyWriter& w);

 private:
  Blob read_blob(wire::Reader& r, bool allow_offset);
};

// For an invalidation by target: binds the context's empty framebuffer object to `target`
// while the command runs when the one bound there is a framebuffer object that is not
// complete (Decoding::framebuffer_to_invalidate says why).
class InvalidationTarget {
 public:
  InvalidationTarget(Decoding& d, GLenum target);
  ~InvalidationTarget();
  InvalidationTarget(const InvalidationTarget&) = delete;
  InvalidationTarget& operator=(const InvalidationTarget&) = delete;

 private:
  std::function<void()> restore_;  // the bindings before, when swapped
};

namespace gles {
// The generated dispatch: decodes and executes one command. False ends the session.
bool dispatch(uint32_t opcode, Decoding& d);

// Called before each command: GL reads an enabled array with no buffer bound from client
// memory, at whatever pointer was left there (an offset whose buffer was deleted, or null plus
// the first vertex): host memory. The guest's own client arrays always have a buffer
// (gfxrelay_ClientArrays), so such an array is a hostile or broken guest's: before a command
// that reads arrays (draws, glArrayElement) it is disabled and the command gets
// GL_INVALID_OPERATION (natively the program would read garbage or crash). A vertex array is
// checked whole once, then only the arrays enabled since, until a command that may change it
// otherwise (deleting or unbinding buffers, glPopClientAttrib, glCallList, ...).
// False: the command must not run (it would read past an array; GL_INVALID_OPERATION is
// recorded).
bool track_vertex_arrays(HostContext& ctx, uint32_t opcode, std::span<const uint8_t> command);
// Disables, for the command about to run, every enabled array whose buffer does not hold element
// `max_index` (GL_INVALID_OPERATION if any); restore_limited_arrays enables them again after it.
void limit_arrays_to(HostContext& ctx, int64_t max_index);
void restore_limited_arrays(HostContext& ctx);
}  // namespace gles

}  // namespace gfxrelay::host
