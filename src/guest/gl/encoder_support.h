// What the generated guest encoder (gl_encoder_gen.cpp) and the hand-written GL entry points
// build on: the per-context stream, blobs, replies, guest-side names and shadowed state.
#pragma once

// clang-format off
#include <GLES3/gl32.h>
// gl2ext.h needs the core header first.
#include <GLES2/gl2ext.h>
// Desktop OpenGL's types and enums (no prototypes are used: every entry point is the relay's).
#include <GL/gl.h>
#include <GL/glext.h>
// clang-format on

#include <array>
#include <atomic>
#include <bit>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "gl_params_gen.h"
#include "glcommon/client_arrays.h"
#include "glcommon/objects.h"
#include "glcommon/pixel_size.h"
#include "glcommon/sizes.h"
#include "opcodes_gen.h"
#include "transport/shm_ring.h"
#include "wire/wire.h"

namespace gfxrelay::guest {
class Connection;
}

namespace gfxrelay::guest::gles {

using gl::elements;
using gl::ObjectKind;
using wire::Op;

// One payload, prepared before the command is reserved in the ring (a transfer-area copy may
// have to wait for the host, and must not hold a ring reservation while it does).
struct Blob {
  const void* data = nullptr;
  uint32_t length = 0;
  wire::BlobMode mode = wire::BlobMode::kNull;
  uint64_t ref = 0;  // transfer position or buffer offset

  size_t wire_size() const {
    return sizeof(wire::BlobHeader) + (mode == wire::BlobMode::kInline ? wire::align_up(length)
                                       : mode == wire::BlobMode::kNull ? 0
                                                                       : 8);
  }
};

// Reads a synchronous command's reply: the return value, then the outputs in order.
class ReplyReader {
 public:
  ReplyReader() : reader_(nullptr, 0) {}
  explicit ReplyReader(std::span<const uint8_t> bytes) : reader_(bytes), live_(true) {}

  template <typename T>
  T scalar() {
    return live_ ? reader_.get<T>() : T{};
  }
  // The next output's bytes (empty when the session is over).
  std::span<const uint8_t> output_bytes() {
    if (!live_) return {};
    const uint32_t length = reader_.get<uint32_t>();
    reader_.get<uint32_t>();
    return reader_.bytes(length);
  }
  // Copies the next output into dst (when the program gave one); returns the element count.
  template <typename T>
  size_t output(T* dst) {
    std::span<const uint8_t> bytes = output_bytes();
    if (dst && !bytes.empty()) std::memcpy(static_cast<void*>(dst), bytes.data(), bytes.size());
    if constexpr (std::is_void_v<T>)
      return bytes.size();  // untyped outputs (glGetProgramBinary) count bytes
    else
      return bytes.size() / sizeof(T);
  }
  bool live() const { return live_; }

 private:
  wire::Reader reader_;
  bool live_ = false;
};

// Guest-side names (wire rule 3): glGen*/glCreate* allocate here, with no round trip. Shared
// objects' allocators serve contexts on several threads, hence the lock.
class NameAllocator {
 public:
  void generate(GLsizei n, GLuint* out);
  GLuint create();
  void release(GLsizei n, const GLuint* names);
  void mark_used(GLuint name);  // a name bound without glGen (ES allows it for some kinds)

 private:
  GLuint create_locked();
  std::mutex mutex_;
  GLuint next_ = 1;
  std::set<GLuint> used_;
};

// Buffer contents the guest knows byte for byte (known_buffers.cpp): the first `size` bytes of
// a buffer as the host has them. A write mapping that keeps what it does not write is served
// from here, with no round trip and no copy.
struct KnownBuffer {
  std::shared_ptr<uint8_t[]> storage;  // shared with the mappings made from it
  uint8_t* bytes = nullptr;            // in storage, 64-byte aligned (ARB_map_buffer_alignment)
  GLsizeiptr size = 0;
  bool whole = false;  // size is the buffer's size (glMapBuffer need not ask for it)
};
struct KnownBuffers {
  std::mutex mutex;
  bool gl_writes = false;  // a command let GL write buffers itself: nothing is known any more
  std::map<GLuint, KnownBuffer> buffers;
};

// What the contexts of one EGL share group have in common: the names of shared objects
// (buffers, textures, renderbuffers, samplers, programs and shaders) and of sync objects.
struct ShareGroup {
  std::array<NameAllocator, 16> names;
  std::atomic<uint64_t> next_sync_id{1};
  KnownBuffers known_buffers;
};

using gl::AttribKind;

struct VertexAttrib {
  bool enabled = false;
  AttribKind kind = AttribKind::kFloat;
  GLint size = 4;
  GLenum type = GL_FLOAT;
  GLboolean normalized = GL_FALSE;
  GLsizei stride = 0;
  const void* pointer = nullptr;
  GLuint buffer = 0;  // the ARRAY_BUFFER bound when the pointer was set
  GLuint divisor = 0;
};

inline constexpr int kMaxVertexAttribs = 32;  // generic attributes the guest follows

// Bindings the guest must know without asking: what a pointer argument means depends on them.
struct ShadowState {
  GLuint array_buffer = 0;
  GLuint element_array_buffer = 0;  // of the default vertex array
  GLuint pixel_pack_buffer = 0;
  GLuint pixel_unpack_buffer = 0;
  GLuint draw_indirect_buffer = 0;
  GLuint query_buffer = 0;
  GLuint vertex_array = 0;
  GLuint vertex_array_element_buffer = 0;  // of the bound non-default vertex array
  gl::PixelStore unpack;
  gl::PixelStore pack;
  // Arrays of the default vertex array by slot (glcommon/client_arrays.h): generic attributes
  // below kMaxVertexAttribs, then the compatibility profile's fixed-function arrays.
  std::array<VertexAttrib, gl::kClientArraySlots> attribs;
  // The slots that are enabled and read client memory, kept by set_client_array_state: draws
  // look at this instead of every slot.
  std::bitset<gl::kClientArraySlots> client_arrays;
  GLuint client_active_unit = 0;  // glClientActiveTexture
  // Primitive restart: restart indices are no vertices, so the range of vertices a draw reads
  // from client arrays leaves them out.
  bool restart_fixed_index = false;  // GL_PRIMITIVE_RESTART_FIXED_INDEX: the type's largest
  bool restart = false;              // GL_PRIMITIVE_RESTART (or NV's): restart_index
  GLuint restart_index = 0;

  // Call after changing attribs[slot]'s enable, pointer or buffer.
  void update_client_array(uint32_t slot) {
    const VertexAttrib& a = attribs[slot];
    client_arrays[slot] = a.enabled && a.buffer == 0 && a.pointer != nullptr;
  }

  GLuint bound_element_buffer() const {
    return vertex_array ? vertex_array_element_buffer : element_array_buffer;
  }
};

// A feedback or selection buffer of the program (compatibility profile).
struct RenderBuffer {
  void* pointer = nullptr;
  GLsizei size = 0;  // in values (floats or uints)
};

struct Mapping {
  GLuint buffer = 0;
  GLenum target = 0;
  GLbitfield access = 0;
  GLintptr offset = 0;
  GLsizeiptr length = 0;
  std::unique_ptr<uint8_t[]> storage;
  bool whole = false;                        // of the whole buffer (glMapBuffer)
  std::shared_ptr<uint8_t[]> known_storage;  // a known buffer's bytes, mapped in place
  uint8_t* bytes = nullptr;                  // the mapping, within storage (aligned as GL promises)
};

class Context {
 public:
  // `share_group`: the group of the context this one shares with, or null for a new group.
  Context(uint32_t id, int api_major, transport::ShmRegion region, Connection* connection,
          std::shared_ptr<ShareGroup> share_group);
  ~Context();

  static Context* current();
  static void set_current(Context* ctx);

  bool desktop_gl = false;         // an OpenGL (not OpenGL ES) context
  GLenum render_mode = GL_RENDER;  // glRenderMode, as the host last reported it
  RenderBuffer feedback_buffer, select_buffer;
  uint32_t id() const { return id_; }
  int api_major() const { return api_major_; }

  // Stream writing: begin() reserves `size` bytes and writes the header; end() commits and, past
  // the batch size, publishes. nullptr from begin(): the session is over (already reported).
  uint8_t* begin(Op op, size_t size);
  void end(size_t size);
  // Publishes everything and waits for the reply to the last (synchronous) command. Debug
  // messages the host holds for the program's callback are delivered before it returns.
  ReplyReader sync();
  void flush();
  // A round trip with no other effect (delivers pending debug messages).
  void round_trip();

  // Blobs. Null pointers with a non-zero length travel as kNull.
  Blob blob(const void* data, size_t length);
  Blob string_blob(const GLchar* s);
  Blob counted_string_blob(const GLchar* s, GLsizei length);
  Blob strings_blob(const GLchar* const* strings, GLsizei count);
  Blob unpack_image_blob(const void* pixels, GLenum format, GLenum type, GLsizei width,
                         GLsizei height, GLsizei depth);
  Blob unpack_blob(const void* data, size_t length);
  Blob offset_blob(const void* offset);
  // Allocates `length` bytes of the transfer area for the host to write into (read-backs).
  Blob output_blob(size_t length);
  const uint8_t* transfer_bytes(const Blob& b) const;
  // The context's shared memory file and where a transfer blob lies in it (for an X server that
  // maps the file itself).
  int memory_fd() const { return region_.fd(); }
  size_t memory_offset(const Blob& b) const;
  // Keeps a transfer blob's bytes as they are for a reader outside the relay (the X server
  // showing a frame), or a frame the host swaps itself waited for: before the allocator
  // reaches the range again, `release` runs (it waits for that reader or for the host). One at
  // a time: holding another releases the last. `read_by_thread`: the reader is another thread
  // of this process (frames ahead), which reads this context's region and must be waited for
  // before the context goes.
  void hold_transfer(const Blob& b, std::function<void()> release, bool read_by_thread = false);
  // Runs the held transfer's `release` now (glFinish: a frame handed to the X server is shown).
  void release_held_transfer();
  // A waiter, callable from any thread while this context lives, for the host to have finished
  // with a transfer blob (for a read-back: written it); false if the session ended first.
  std::function<bool()> transfer_done_waiter(const Blob& b) const;
  size_t write_blob(uint8_t* at, const Blob& b);

  NameAllocator& names(ObjectKind kind) {
    return gl::shared_kind(kind) ? share_group_->names[static_cast<size_t>(kind)]
                                 : names_[static_cast<size_t>(kind)];
  }
  uint64_t new_sync_id() {
    fence_since_flush_ = true;
    return share_group_->next_sync_id++;
  }
  bool take_fence_since_flush() { return std::exchange(fence_since_flush_, false); }
  const std::shared_ptr<ShareGroup>& share_group() const { return share_group_; }

  ShadowState state;
  std::map<GLuint, GLuint> vao_element_buffers;  // element buffer of each non-default array
  std::vector<Mapping> mappings;
  GLenum pending_error = GL_NO_ERROR;  // an error the guest itself detected
  // The host has answered a present with top-down B,G,R,A rows (wire::PresentResult): later
  // frames of this context may go without waiting for that answer.
  bool host_presents_top_down = false;
  // GL keeps the first error until glGetError reads it.
  void set_error(GLenum error) {
    if (pending_error == GL_NO_ERROR) pending_error = error;
  }
  // glGetString results, fetched once per name (slot 4: GL_EXTENSIONS, also split below).
  std::array<std::string, 5> strings;
  std::vector<std::string> extensions;
  bool extensions_fetched = false;
  std::vector<std::string> shading_language_versions;  // glGetStringi (GL 4.3)
  bool shading_language_versions_fetched = false;
  // KHR_debug: the program's callback stays here; the host only knows whether there is one.
  GLDEBUGPROC debug_callback = nullptr;
  const void* debug_user_param = nullptr;

  bool alive() const;

 private:
  bool wait_for_reply(std::span<const uint8_t>* reply);  // false: the session is over
  void deliver_debug_messages();
  bool debug_messages_pending() const;

  bool wait_for_transfer(size_t length);
  // Whether the next `length` bytes from the transfer head are free, the host having released
  // up to `released`.
  bool transfer_fits(uint32_t length, uint32_t released) const;
  // Whether the next `length` bytes from the transfer head would overwrite the held blob.
  bool reaches_held_transfer(uint32_t length) const;
  // Whether the next `length` bytes from the transfer head are free now, without waiting or
  // releasing the held blob, and the command being written has no range yet.
  bool can_restart_transfer(uint32_t length) const;
  // `released` (the host's transfer_released), moved past the last restart's gap once
  // everything before the gap is released.
  uint32_t effective_released(uint32_t released) const;
  void report_closed();

  uint32_t id_;
  int api_major_;
  transport::ShmRegion region_;
  transport::RingProducer ring_;
  Connection* connection_;
  uint32_t syncs_sent_ = 0;
  uint32_t transfer_head_ = 0;
  uint32_t held_transfer_ = 0;           // start of the held blob (a transfer position)
  uint32_t last_transfer_end_ = 0;       // the end of the last range allocated
  uint32_t committed_transfer_end_ = 0;  // ... of the last one in a command written whole
  bool command_has_transfer_ = false;    // a range was allocated since the last command ended
  // The last restart skipped [gap_start_, gap_end_): from the end of the last range the host
  // will release before it (a dropped command's ranges are never sent) to the next lap.
  bool gap_open_ = false;
  uint32_t gap_start_ = 0, gap_end_ = 0;
  std::function<void()> release_held_transfer_;
  bool held_read_by_thread_ = false;
  std::array<NameAllocator, 16> names_;  // kinds each context has its own of
  std::shared_ptr<ShareGroup> share_group_;
  bool fence_since_flush_ = false;
  bool closed_reported_ = false;
  std::vector<uint8_t> staging_;
  std::array<std::vector<uint8_t>, 2> counted_staging_;
  size_t counted_staging_next_ = 0;
  bool delivering_debug_messages_ = false;
  bool payload_too_large_ = false;  // a blob of the command being built did not fit
  // The command being built carries this many bytes or more through the transfer area: it is
  // published at once rather than with its batch.
  static constexpr size_t kPublishTransferBytes = 256 << 10;
  bool large_transfer_ = false;
  std::vector<uint8_t> saved_reply_;  // a reply kept while debug messages use the reply area
};

void unsupported(const char* name);

// Known buffer contents (known_buffers.cpp). The guest's own writes keep them: `data` written at
// `offset` of `buffer` (0: a buffer the guest cannot name, whose contents are then forgotten
// everywhere), or through the buffer bound to `target`.
void known_buffer_write(Context& ctx, GLuint buffer, GLintptr offset, GLsizeiptr size,
                        const void* data);
void known_target_write(Context& ctx, GLenum target, GLintptr offset, GLsizeiptr size,
                        const void* data);
// New storage: what was known of the buffer goes.
void forget_known_buffer(Context& ctx, GLuint buffer);
void forget_known_target(Context& ctx, GLenum target);
// GL may write buffers from now on (transform feedback, storage buffers, copies...): nothing
// is known in the share group any more, and nothing will be.
void gl_may_write_buffers(Context& ctx);
// Binding `buffer` (non-zero) to `target`, where GL may write it.
void bind_may_write(Context& ctx, GLenum target, GLuint buffer);
// The buffer bound to `target` as far as the guest knows (0: unknown or none).
GLuint bound_buffer(const Context& ctx, GLenum target);
// Keeps `length` bytes of a write mapping of `buffer` at `offset` as known (they are what the
// host has after the mapping's write-back); `whole`: they are the entire buffer.
void learn_buffer(Context& ctx, GLuint buffer, GLintptr offset, GLsizeiptr length,
                  const uint8_t* bytes, bool whole);
// The storage of a known buffer holding [offset, offset + length), with `*bytes` pointing at
// `offset` in it; null if those bytes are not known.
std::shared_ptr<uint8_t[]> known_range(Context& ctx, GLuint buffer, GLintptr offset,
                                       GLsizeiptr length, uint8_t** bytes);
// The buffer's size if all of it is known, else -1.
GLsizeiptr known_size(Context& ctx, GLuint buffer);

struct ProcEntry {
  const char* name;
  void* address;
};
extern const ProcEntry kGlProcs[];
extern const size_t kGlProcCount;
// The entry point for a GL function name, or nullptr.
void* gl_proc_address(const char* name);

}  // namespace gfxrelay::guest::gles
