// The host-side objects behind EGL and GLX: contexts and surfaces made and destroyed with
// control messages, and made current in a context's own stream. Both window-system layers use
// these; they keep their own handles and rules.
#pragma once

#include <EGL/egl.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "guest/gl/encoder_support.h"
#include "guest/x11/window_presenter.h"
#include "transport/socket.h"
#include "wire/handshake.h"
#include "wire/message.h"

namespace gfxrelay::guest {

// Sends a control message on the process's connection and waits for the reply; false if there
// is no host.
bool request_host(wire::Control op, const wire::MessageWriter& w, std::vector<uint8_t>* reply,
                  transport::ShmRegion* region = nullptr);

// A pbuffer on the host (also what a window is there); `attribs` ends with EGL_NONE (or is
// null). Returns the EGL status; *width and *height get the size the host made.
EGLint create_host_surface(uint32_t id, size_t config, const EGLint* attribs, EGLint* width,
                           EGLint* height);
// Direct X11 windows (docs/protocol.md): a GLX display that is the host's own X server gets
// host GLX contexts and drawables of this visual and buffering.
struct X11Target {
  uint32_t visual = 0;
  bool double_buffer = true;
};
// Whether the host's X server is the one whose root window the guest has just given the
// property `name` = `token`.
bool host_shares_x11_display(const std::string& name, std::span<const uint8_t> token);

// A context of `api` (EGL_OPENGL_ES_API / EGL_OPENGL_API); config SIZE_MAX: none; share_id 0:
// none; `x11`: a host GLX context of a display that passed host_shares_x11_display (else
// EGL_BAD_MATCH). On success *out is its stream.
EGLint create_host_context(uint32_t id, size_t config, uint32_t share_id, EGLenum api,
                           const EGLint* attribs, int api_major,
                           std::shared_ptr<gles::ShareGroup> share_group,
                           std::unique_ptr<gles::Context>* out, const X11Target* x11 = nullptr);
// A direct X11 surface: the X window `window` itself, or (window 0) a host GLX pbuffer.
EGLint create_host_x11_surface(uint32_t id, size_t config, const X11Target& x11, uint32_t window,
                               int width, int height);
void destroy_host_surface(uint32_t id);
// A window's host pbuffer at a new size (or config): a new surface replaces *id (0: none yet),
// the old one is destroyed. False, with *id unchanged, if the host refused.
bool replace_host_window(uint32_t* id, size_t config, int width, int height, EGLint* out_width,
                         EGLint* out_height);
void destroy_host_context(uint32_t id);
// Binds the context's host context to the surfaces (0: none) or releases it; the EGL status.
EGLint make_current_on_host(gles::Context& gl, uint32_t draw, uint32_t read, bool release);

// A window's frame: the host reads `surface` (the context's current draw surface, width x
// height) into the transfer area and `window` puts it on the screen. False if the host did
// not (the session is gone, or the surface is not current there).
bool present_frame(gles::Context& gl, uint32_t surface, int width, int height,
                   x11::PixelOrder order, x11::WindowPresenter& window);
// A direct X11 window's frame: the host swaps it. The program goes on at once, at most one
// frame ahead (the context's previous frame is waited for).
bool present_x11_direct(gles::Context& gl, uint32_t surface);

}  // namespace gfxrelay::guest
