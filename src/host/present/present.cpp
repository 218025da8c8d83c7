// Presentation of window surfaces (DESIGN.md, "Presentation"): a guest window is a host pbuffer;
// at SwapBuffers the host reads its back buffer into the transfer area, where the guest driver
// takes it and puts it into the window.
#include <cstring>

#include "host/decoder/decoding.h"

namespace gfxrelay::host::gles {

namespace {

// Pixel-pack and read-framebuffer state that the read-back changes, restored afterwards: the
// program's own state must not see the relay's read.
class ReadbackState {
 public:
  // OpenGL ES 2.0 has one framebuffer binding, no read buffer, no pack buffers and only the
  // pack alignment (libepoxy aborts on glReadBuffer there).
  ReadbackState(const gl::ContextApi& api, bool pack_invert)
      : desktop_(!api.es), es2_(api.es && api.version < 30), pack_invert_(pack_invert) {
    if (pack_invert_) {
      glGetIntegerv(GL_PACK_INVERT_MESA, &invert_);
      glPixelStorei(GL_PACK_INVERT_MESA, GL_FALSE);
    }
    const size_t modes = es2_ ? 1 : kPackModes.size();
    for (size_t i = 0; i < modes; ++i) glGetIntegerv(kPackModes[i], &pack_[i]);
    for (size_t i = 0; i < modes; ++i)
      glPixelStorei(kPackModes[i], kPackModes[i] == GL_PACK_ALIGNMENT ? 4 : 0);
    if (es2_) {
      glGetIntegerv(GL_FRAMEBUFFER_BINDING, &read_framebuffer_);
      glBindFramebuffer(GL_FRAMEBUFFER, 0);
      return;
    }
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &read_framebuffer_);
    glGetIntegerv(GL_READ_BUFFER, &read_buffer_);
    glGetIntegerv(GL_PIXEL_PACK_BUFFER_BINDING, &pack_buffer_);
    if (desktop_) glGetIntegerv(GL_PACK_SWAP_BYTES, &swap_bytes_);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    glReadBuffer(GL_BACK);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    if (desktop_) glPixelStorei(GL_PACK_SWAP_BYTES, GL_FALSE);
  }
  ~ReadbackState() {
    if (pack_invert_) glPixelStorei(GL_PACK_INVERT_MESA, invert_);
    const size_t modes = es2_ ? 1 : kPackModes.size();
    for (size_t i = 0; i < modes; ++i) glPixelStorei(kPackModes[i], pack_[i]);
    if (es2_) {
      glBindFramebuffer(GL_FRAMEBUFFER, read_framebuffer_);
      return;
    }
    glBindFramebuffer(GL_READ_FRAMEBUFFER, read_framebuffer_);
    glReadBuffer(read_buffer_);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, pack_buffer_);
    if (desktop_) glPixelStorei(GL_PACK_SWAP_BYTES, swap_bytes_);
  }

 private:
  static constexpr std::array<GLenum, 4> kPackModes = {GL_PACK_ALIGNMENT, GL_PACK_ROW_LENGTH,
                                                       GL_PACK_SKIP_PIXELS, GL_PACK_SKIP_ROWS};
  bool desktop_, es2_, pack_invert_;
  GLint invert_ = 0;
  GLint read_framebuffer_ = 0, read_buffer_ = GL_BACK, pack_buffer_ = 0, swap_bytes_ = 0;
  std::array<GLint, 4> pack_{};
};

}  // namespace

// u32 surface id, u32 format (wire::kPresent*), then the destination blob: width * height * 4
// bytes of the transfer area. Replies a wire::PresentResult unless asked not to.
bool decode_gfxrelay_PresentFrame(Decoding& d) {
  if (d.size < 16) return d.fail("command too short");
  const uint32_t format = wire::load<uint32_t>(d.cmd + 12);
  const uint32_t order = format & 0xff;
  if (order > wire::kPresentRgba ||
      (format &
       ~(0xffu | wire::kPresentTopDownBgra | wire::kPresentNoReply | wire::kPresentX11Direct)) != 0)
    return d.fail("unknown pixel format");
  const uint32_t surface_id = wire::load<uint32_t>(d.cmd + 8);
  const bool no_reply = format & wire::kPresentNoReply;
  wire::Reader r(d.cmd + 16, d.size - 16);
  if (format & wire::kPresentX11Direct) {
    // The X server takes the frame from Mesa's own image: nothing to read back. The blob only
    // tells the guest, at its release, that the frame is on the screen.
    const Blob out = d.output_blob(r, wire::kPresentX11DirectBlob);
    if (!out.ok || !r.at_end()) return d.fail("bad frame blob");
    const bool swapped = d.session.swap_x11_window(surface_id);
    d.release(out);
    if (no_reply) return true;
    ReplyWriter w = d.reply();
    w.scalar<uint32_t>(static_cast<uint32_t>(swapped ? wire::PresentResult::kSwapped
                                                     : wire::PresentResult::kNotCurrent));
    return d.finish_reply(w);
  }
  const EGLSurface surface = d.session.surface(surface_id);
  if (surface == EGL_NO_SURFACE) {
    if (!no_reply) return d.fail("unknown surface");
    // A frame sent without waiting may reach the host after the guest destroyed its surface
    // (control messages overtake the stream): nothing to write, and no error.
    const uint32_t declared = d.size >= 24 ? wire::load<uint32_t>(d.cmd + 16) : 0;
    const Blob out = d.output_blob(r, declared);
    if (!out.ok || !r.at_end()) return d.fail("bad frame blob");
    d.release(out);
    return true;
  }
  EGLint width = 0, height = 0;
  eglQuerySurface(d.session.display(), surface, EGL_WIDTH, &width);
  eglQuerySurface(d.session.display(), surface, EGL_HEIGHT, &height);
  Blob out = d.output_blob(r, static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
  if (!out.ok || !r.at_end()) return d.fail("frame does not match the surface's size");
  wire::PresentResult result = wire::PresentResult::kNotCurrent;
  if (eglGetCurrentSurface(EGL_DRAW) == surface) {
    ReadbackState saved(d.ctx.api, d.ctx.pack_invert);
    // Rows top first, as the window wants them: MESA_pack_invert makes glReadPixels write them
    // so; elsewhere the host reads into its own memory and copies the rows in reverse (a
    // flipped glBlitFramebuffer would spare that copy, but on llvmpipe's compatibility profile
    // it left garbage in later feedback-mode results).
    const bool top_down = (format & wire::kPresentTopDownBgra) && d.ctx.reads_bgra;
    const bool bgra = top_down || order == wire::kPresentBgra;
    const GLenum pixel_format = bgra ? GL_BGRA_EXT : GL_RGBA;
    auto* frame = static_cast<uint8_t*>(const_cast<void*>(out.data));
    if (top_down && d.ctx.pack_invert) {
      glPixelStorei(GL_PACK_INVERT_MESA, GL_TRUE);
      glReadPixels(0, 0, width, height, pixel_format, GL_UNSIGNED_BYTE, frame);
    } else if (top_down) {
      const size_t row = static_cast<size_t>(width) * 4;
      d.ctx.flip_staging.resize(row * static_cast<size_t>(height));
      glReadPixels(0, 0, width, height, pixel_format, GL_UNSIGNED_BYTE, d.ctx.flip_staging.data());
      for (EGLint y = 0; y < height; ++y)
        std::memcpy(frame + static_cast<size_t>(y) * row,
                    d.ctx.flip_staging.data() + static_cast<size_t>(height - 1 - y) * row, row);
    } else {
      glReadPixels(0, 0, width, height, pixel_format, GL_UNSIGNED_BYTE, frame);
    }
    eglSwapBuffers(d.session.display(), surface);
    result = top_down ? wire::PresentResult::kTopDownBgra : wire::PresentResult::kBottomUp;
  }
  d.release(out);
  if (no_reply) return true;
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(static_cast<uint32_t>(result));
  return d.finish_reply(w);
}

}  // namespace gfxrelay::host::gles
