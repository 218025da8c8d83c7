#include "host/context_worker.h"

#include <cstdlib>
#include <cstring>

#include "glcommon/availability.h"
#include "host/backend/egl_backend.h"
#include "host/session.h"
#include "host/stream_serving.h"
// Last: Xlib's macros (None, Status, Bool) would clash with the headers above.
#include "host/backend/x11_direct.h"

namespace gfxrelay::host {

namespace {
// Before its context is first current a worker accepts only the relay's own commands.
// Relay commands that call GL themselves (client array data, index scans): like GL commands,
// only while the context is current (libepoxy aborts on a call without a current context).
bool relay_command_calls_gl(uint32_t op) {
  return op == static_cast<uint32_t>(wire::Op::gfxrelay_ClientArrays) ||
         op == static_cast<uint32_t>(wire::Op::gfxrelay_IndexRange);
}

// What a context that is not current may run: the relay's own commands that need no GL.
const std::vector<bool>& relay_opcodes_only() {
  static const std::vector<bool> allowed = [] {
    std::vector<bool> v(wire::kOpcodeCount, false);
    for (uint32_t op = 0; op < wire::kOpcodeCount; ++op)
      v[op] = std::string_view(wire::opcode_name(op)).starts_with("gfxrelay_") &&
              !relay_command_calls_gl(op);
    return v;
  }();
  return allowed;
}

}  // namespace

ContextWorker::ContextWorker(Session& session, uint32_t id, EGLenum api, EGLContext context,
                             GLXContext x11_context, transport::ShmRegion region,
                             std::shared_ptr<HostShareGroup> share_group)
    : session_(session),
      id_(id),
      api_(api),
      context_(context),
      x11_context_(x11_context),
      region_(std::move(region)),
      ring_(region_),
      state_(share_group ? std::move(share_group)
                         : std::make_shared<HostShareGroup>(session.quota())),
      allowed_(relay_opcodes_only()) {}

void ContextWorker::read_context_api() {
  // The host GL offers different extensions per API and version (ES 2 lists some that ES 3
  // made core), so the narrowed list comes from this context itself.
  api_read_ = true;
  state_.carried_extensions = carried_extensions_of_current_context();
  const char* version = reinterpret_cast<const char*>(glGetString(GL_VERSION));
  GLint profile = 0;
  if (api_ == EGL_OPENGL_API && epoxy_gl_version() >= 32)
    glGetIntegerv(GL_CONTEXT_PROFILE_MASK, &profile);
  state_.api = gl::current_context_api(version, profile);
  state_.state.desktop_pack_images = !state_.api.es;
  // GFXRELAY_HOST_NO_PACK_INVERT: present as on hosts without it (rows reversed by the host).
  state_.pack_invert =
      epoxy_has_gl_extension("GL_MESA_pack_invert") && !std::getenv("GFXRELAY_HOST_NO_PACK_INVERT");
  state_.reads_bgra = !state_.api.es || epoxy_has_gl_extension("GL_EXT_read_format_bgra");
  available_ = gl::available_opcodes(state_.api, state_.carried_extensions);
  const std::vector<bool>& relay = relay_opcodes_only();
  for (uint32_t op = 0; op < wire::kOpcodeCount; ++op)
    available_[op] = available_[op] || relay[op] || relay_command_calls_gl(op);
  state_.available_opcodes = available_;
}

ContextWorker::~ContextWorker() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (x11_context_)
    session_.x11()->destroy_context(x11_context_);
  else
    eglDestroyContext(session_.display(), context_);
}

void ContextWorker::start() {
  thread_ = std::thread([this] { run(); });
}

bool ContextWorker::decode_inline(std::span<const uint8_t> bytes, std::string* error) {
  return decode_batch(bytes, error);
}

void ContextWorker::close_stream() {
  stop_ = true;
  auto* control = region_.control();
  control->closed.store(1, std::memory_order_seq_cst);
  transport::futex_wake_all(&control->ring_head);
}

EGLDisplay ContextWorker::display() {
  return session_.display();
}
EGLSurface ContextWorker::surface(uint32_t guest_id) {
  return session_.surface(guest_id);
}
EGLImage ContextWorker::egl_image(uint64_t guest_id) {
  return session_.egl_image(guest_id);
}
EGLint ContextWorker::create_image(uint64_t guest_id, EGLenum target, EGLClientBuffer buffer,
                                   const EGLint* attribs) {
  // EGL images are of EGL contexts (a guest's GLX context never names one).
  if (x11_context_) return EGL_BAD_CONTEXT;
  return session_.create_image(context_, guest_id, target, buffer, attribs);
}

void ContextWorker::run() {
  // EGL keeps one current context per client API and thread; this thread's is the context's.
  eglBindAPI(api_);
  std::string error;
  const std::string record_name = "session" + std::to_string(session_.id()) + "-context" +
                                  std::to_string(id_) + (api_ == EGL_OPENGL_API ? "-gl" : "-es");
  error = serve_batches(
      ring_, stop_, &batch_, record_name,
      [&](std::span<const uint8_t> batch, std::string* e) { return decode_batch(batch, e); });
  // No message from the host GL may reach the debug log once this worker is gone.
  if (state_.debug_log.enabled() && is_current()) state_.debug_log.set_enabled(false, nullptr);
  // Leaves the host context unbound so the session can destroy it from its own thread.
  release();
  if (!error.empty()) {
    close_stream_with_reason(region_, error);
    session_.end("context " + std::to_string(id_) + ": " + error);
  }
}

bool ContextWorker::decode_batch(std::span<const uint8_t> bytes, std::string* error) {
  return for_each_command(
      bytes, wire::kOpcodeCount, wire::opcode_name,
      [&](uint32_t opcode, std::span<const uint8_t> command) {
        const uint32_t size = static_cast<uint32_t>(command.size());
        if (!allowed_[opcode]) {
          // A command this context's API, version or extensions lack fails as it would natively
          // (the host GL is never called: libepoxy would abort on a command without a provider).
          state_.record_error(GL_INVALID_OPERATION);
          if (refused_logged_.insert(opcode).second)
            log("context " + std::to_string(id_) + ": " + wire::opcode_name(opcode) +
                " is not available in this context (GL_INVALID_OPERATION)");
          if (gl::kOpcodeAvailability[opcode].has_reply) {
            Decoding d{state_, region_, *this, command.data(), size, {}, {}};
            if (!d.finish_reply(d.reply())) return false;
          }
          return true;
        }
        if (opcode == wire::kOpcodePad) return true;
        // Refused (GL_INVALID_OPERATION recorded); such commands have no reply.
        if (!gles::track_vertex_arrays(state_, opcode, command)) return true;
        Decoding d{state_, region_, *this, command.data(), size, {}, {}};
        const bool decoded = gles::dispatch(opcode, d);
        if (!state_.array_check.reenable.empty()) gles::restore_limited_arrays(state_);
        if (!decoded) *error = std::string(wire::opcode_name(opcode)) + ": " + d.error;
        return decoded;
      },
      error);
}

bool ContextWorker::is_current() const {
  return x11_context_ ? glXGetCurrentContext() == x11_context_ : eglGetCurrentContext() == context_;
}

EGLint ContextWorker::release() {
  if (x11_context_)
    return session_.x11()->make_current(None, None, nullptr) ? EGL_SUCCESS : EGL_BAD_ACCESS;
  return eglMakeCurrent(display(), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT) ? EGL_SUCCESS
                                                                                   : eglGetError();
}

bool ContextWorker::swap_x11_window(uint32_t surface_id) {
  bool window = false;
  const unsigned long drawable = x11_context_ ? session_.x11_drawable(surface_id, &window) : 0;
  if (!drawable || !window || !is_current() || glXGetCurrentDrawable() != drawable) return false;
  session_.x11()->swap(drawable);
  return true;
}

EGLint ContextWorker::make_current(uint32_t draw_id, uint32_t read_id, bool release) {
  if (release) {
    allowed_ = relay_opcodes_only();
    return this->release();
  }
  if (x11_context_) {
    const unsigned long draw = draw_id ? session_.x11_drawable(draw_id) : 0;
    const unsigned long read = read_id ? session_.x11_drawable(read_id) : 0;
    if ((draw_id && !draw) || (read_id && !read)) return EGL_BAD_SURFACE;
    if (!session_.x11()->make_current(draw, read, x11_context_)) return EGL_BAD_MATCH;
    if (!api_read_) read_context_api();
    allowed_ = available_;
    return EGL_SUCCESS;
  }
  EGLSurface draw = draw_id ? surface(draw_id) : EGL_NO_SURFACE;
  EGLSurface read = read_id ? surface(read_id) : EGL_NO_SURFACE;
  if ((draw_id && draw == EGL_NO_SURFACE) || (read_id && read == EGL_NO_SURFACE))
    return EGL_BAD_SURFACE;
  if (!eglMakeCurrent(display(), draw, read, context_)) return eglGetError();
  if (!api_read_) read_context_api();
  allowed_ = available_;
  return EGL_SUCCESS;
}

}  // namespace gfxrelay::host
