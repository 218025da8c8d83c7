#include "guest/host_objects.h"

#include "guest/connection.h"

namespace gfxrelay::guest {

bool request_host(wire::Control op, const wire::MessageWriter& w, std::vector<uint8_t>* reply,
                  transport::ShmRegion* region) {
  Connection* c = Connection::get();
  return c && c->request(op, w.bytes(), reply, region);
}

EGLint create_host_surface(uint32_t id, size_t config, const EGLint* attribs, EGLint* width,
                           EGLint* height) {
  wire::MessageWriter w;
  w.put<uint32_t>(id);
  w.put<uint32_t>(static_cast<uint32_t>(config));
  wire::put_attribs(w, attribs);
  std::vector<uint8_t> reply;
  if (!request_host(wire::Control::kCreateSurface, w, &reply)) return EGL_BAD_ALLOC;
  wire::Reader r(reply);
  const EGLint status = r.get<uint32_t>();
  *width = r.get<int32_t>();
  *height = r.get<int32_t>();
  return r.ok() ? status : EGL_BAD_ALLOC;
}

EGLint create_host_context(uint32_t id, size_t config, uint32_t share_id, EGLenum api,
                           const EGLint* attribs, int api_major,
                           std::shared_ptr<gles::ShareGroup> share_group,
                           std::unique_ptr<gles::Context>* out, const X11Target* x11) {
  wire::MessageWriter w;
  w.put<uint32_t>(id);
  w.put<uint32_t>(config == SIZE_MAX ? UINT32_MAX : static_cast<uint32_t>(config));
  w.put<uint32_t>(share_id);
  w.put<uint32_t>(api);
  if (x11) {
    w.put<uint32_t>(x11->visual);
    w.put<uint32_t>(x11->double_buffer ? 1 : 0);
  }
  wire::put_attribs(w, attribs);
  std::vector<uint8_t> reply;
  transport::ShmRegion region;
  if (!request_host(x11 ? wire::Control::kCreateX11Context : wire::Control::kCreateContext, w,
                    &reply, &region))
    return EGL_BAD_ALLOC;
  wire::Reader r(reply);
  const EGLint status = r.get<uint32_t>();
  if (!r.ok()) return EGL_BAD_ALLOC;
  if (status != EGL_SUCCESS) return status;
  if (!region) {
    log_error("the host sent no stream for the new context");
    return EGL_BAD_ALLOC;
  }
  *out = std::make_unique<gles::Context>(id, api_major, std::move(region), Connection::get(),
                                         std::move(share_group));
  (*out)->desktop_gl = api == EGL_OPENGL_API;
  return EGL_SUCCESS;
}

bool host_shares_x11_display(const std::string& name, std::span<const uint8_t> token) {
  wire::MessageWriter w;
  w.put_string(name);
  w.put_bytes(token);
  std::vector<uint8_t> reply;
  if (!request_host(wire::Control::kCheckX11Display, w, &reply)) return false;
  wire::Reader r(reply);
  const uint32_t same = r.get<uint32_t>();
  return r.ok() && same == 1;
}

EGLint create_host_x11_surface(uint32_t id, size_t config, const X11Target& x11, uint32_t window,
                               int width, int height) {
  wire::MessageWriter w;
  w.put<uint32_t>(id);
  w.put<uint32_t>(static_cast<uint32_t>(config));
  w.put<uint32_t>(x11.visual);
  w.put<uint32_t>(x11.double_buffer ? 1 : 0);
  w.put<uint32_t>(window);
  w.put<int32_t>(width);
  w.put<int32_t>(height);
  std::vector<uint8_t> reply;
  if (!request_host(wire::Control::kCreateX11Surface, w, &reply)) return EGL_BAD_ALLOC;
  wire::Reader r(reply);
  const EGLint status = r.get<uint32_t>();
  return r.ok() ? status : EGL_BAD_ALLOC;
}

void destroy_host_surface(uint32_t id) {
  // The session's control messages overtake the context's stream: a frame of the surface
  // still in flight (present_frame without waiting) must be read back first.
  if (gles::Context* gl = gles::Context::current()) gl->release_held_transfer();
  wire::MessageWriter w;
  w.put<uint32_t>(id);
  std::vector<uint8_t> reply;
  request_host(wire::Control::kDestroySurface, w, &reply);
}

void destroy_host_context(uint32_t id) {
  wire::MessageWriter w;
  w.put<uint32_t>(id);
  std::vector<uint8_t> reply;
  request_host(wire::Control::kDestroyContext, w, &reply);
}

EGLint make_current_on_host(gles::Context& gl, uint32_t draw, uint32_t read, bool release) {
  uint8_t* p = gl.begin(wire::Op::gfxrelay_MakeCurrent, 24);
  if (!p) return EGL_CONTEXT_LOST;
  wire::store<uint32_t>(p + 8, draw);
  wire::store<uint32_t>(p + 12, read);
  wire::store<uint32_t>(p + 16, release ? 1 : 0);
  wire::store<uint32_t>(p + 20, 0);
  gl.end(24);
  gles::ReplyReader reply = gl.sync();
  return reply.live() ? static_cast<EGLint>(reply.scalar<uint32_t>()) : EGL_CONTEXT_LOST;
}

bool replace_host_window(uint32_t* id, size_t config, int width, int height, EGLint* out_width,
                         EGLint* out_height) {
  const uint32_t fresh = Connection::new_object_id();
  const EGLint size[] = {EGL_WIDTH, width, EGL_HEIGHT, height, EGL_NONE};
  if (create_host_surface(fresh, config, size, out_width, out_height) != EGL_SUCCESS) return false;
  if (*id) destroy_host_surface(*id);
  *id = fresh;
  return true;
}

namespace {

// A top-down B,G,R,A frame the host has written into `blob`.
bool present_written(gles::Context& gl, const gles::Blob& blob, int width, int height,
                     x11::WindowPresenter& window) {
  // The X server reads the frame where the host wrote it (the context id names the file),
  // while the program goes on; the transfer allocator waits for it before reusing the range.
  std::function<void()> frame_taken;
  if (window.present_shared(gl.memory_fd(), gl.id(), gl.memory_offset(blob), width, height,
                            &frame_taken)) {
    gl.hold_transfer(blob, std::move(frame_taken));
    return true;
  }
  window.present(gl.transfer_bytes(blob), width, height, x11::PixelOrder::kBgra,
                 x11::RowOrder::kTopFirst);
  return true;
}

}  // namespace

bool present_x11_direct(gles::Context& gl, uint32_t surface) {
  gles::Blob blob = gl.output_blob(wire::kPresentX11DirectBlob);
  const size_t size = 16 + blob.wire_size();
  uint8_t* p = gl.begin(wire::Op::gfxrelay_PresentFrame, size);
  if (!p) return false;
  wire::store<uint32_t>(p + 8, surface);
  wire::store<uint32_t>(p + 12,
                        wire::kPresentBgra | wire::kPresentX11Direct | wire::kPresentNoReply);
  gl.write_blob(p + 16, blob);
  gl.end(size);
  gl.flush();
  // The host may draw this frame while the program makes the next, not further ahead (as a
  // native swap waits for the frame before): the next frame's hold waits for this one. Held,
  // the frame's position also stays within reach of the released one the waiter compares.
  gl.hold_transfer(blob, [shown = gl.transfer_done_waiter(blob)] { shown(); });
  return gl.alive();
}

bool present_frame(gles::Context& gl, uint32_t surface, int width, int height,
                   x11::PixelOrder order, x11::WindowPresenter& window) {
  const size_t bytes = static_cast<size_t>(width) * static_cast<size_t>(height) * 4;
  // One frame in flight per window: the X server has had the whole last frame to read the
  // previous one, so this rarely waits.
  window.finish_frame();
  gles::Blob blob = gl.output_blob(bytes);
  if (blob.mode != wire::BlobMode::kTransfer) return false;
  const size_t size = 16 + blob.wire_size();
  uint8_t* p = gl.begin(wire::Op::gfxrelay_PresentFrame, size);
  if (!p) return false;
  uint32_t format = order == x11::PixelOrder::kBgra ? wire::kPresentBgra : wire::kPresentRgba;
  const bool shared = window.can_share_memory();
  if (shared) format |= wire::kPresentTopDownBgra;
  // Once the host has said it writes top-down B,G,R,A frames, the program goes on while the
  // host reads the frame back and the presenter's thread puts it.
  const bool ahead = shared && gl.host_presents_top_down;
  wire::store<uint32_t>(p + 8, surface);
  wire::store<uint32_t>(p + 12, format | (ahead ? wire::kPresentNoReply : 0));
  gl.write_blob(p + 16, blob);
  gl.end(size);
  if (ahead) {
    gl.flush();
    std::function<void()> frame_shown;
    if (window.present_shared_async(gl.memory_fd(), gl.id(), gl.memory_offset(blob), width, height,
                                    gl.transfer_done_waiter(blob), &frame_shown)) {
      gl.hold_transfer(blob, std::move(frame_shown), /*read_by_thread=*/true);
      return gl.alive();
    }
    // No second X connection: this frame the synchronous way, once the host has written it.
    if (!gl.transfer_done_waiter(blob)()) return false;
    gl.host_presents_top_down = false;  // every later frame too
    return present_written(gl, blob, width, height, window);
  }
  gles::ReplyReader reply = gl.sync();
  const auto result = static_cast<wire::PresentResult>(reply.scalar<uint32_t>());
  if (!reply.live() || result == wire::PresentResult::kNotCurrent) return false;
  if (result == wire::PresentResult::kTopDownBgra) {
    gl.host_presents_top_down = true;
    return present_written(gl, blob, width, height, window);
  }
  window.present(gl.transfer_bytes(blob), width, height, order, x11::RowOrder::kBottomFirst);
  return true;
}

}  // namespace gfxrelay::guest
