// Direct presentation on the program's own X server (docs/protocol.md, "Direct X11 windows").
// Where `gfxrelay run`'s host shares the program's X server, a guest GLX display that is that
// server gets host GLX contexts and drawables: Mesa then draws each window's frames where the X
// server takes them from, as in a native run, and no frame is read back. Only with
// `gfxrelay serve --x11-direct` (which `gfxrelay run` passes its own host); every other
// context stays on the host's EGL.
#pragma once

#include <epoxy/glx.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gfxrelay::host {

// What a guest GLX config asks of the host's GLX config.
struct X11ConfigWish {
  uint32_t visual = 0;  // the X visual id (the server's, the same for every client)
  bool double_buffer = true;
  int alpha = 0, depth = 0, stencil = 0, samples = 0;
};

class X11Direct {
 public:
  // The process's connection to $DISPLAY, opened on first use; null where `--x11-direct` was not
  // given, there is no X server or GLX, or the host's GLX renders with another renderer than its
  // EGL (`egl_renderer`: a GPU host under Xvfb would fall back to software).
  static X11Direct* get(const std::string& egl_renderer);

  Display* display() const { return display_; }
  // Whether the guest's display is this X server: the root window's property `name` holds
  // `token`, which the guest wrote there through its own connection.
  bool root_holds(const std::string& name, std::span<const uint8_t> token);
  // The config for a guest config and visual; null if the server has none.
  GLXFBConfig choose_config(const X11ConfigWish& wish);
  // A context of `config` (OpenGL ES where `es`) with EGL context attributes, as the guest
  // sends them, ending with EGL_NONE; null if GLX refused or an attribute has no GLX equivalent.
  GLXContext create_context(GLXFBConfig config, GLXContext share, bool es,
                            const int32_t* egl_attribs);
  GLXPbuffer create_pbuffer(GLXFBConfig config, int width, int height);
  void destroy_pbuffer(GLXPbuffer pbuffer);
  void destroy_context(GLXContext context);
  bool make_current(GLXDrawable draw, GLXDrawable read, GLXContext context);
  void swap(GLXDrawable window);

 private:
  bool open(const std::string& egl_renderer, std::string* why);

  Display* display_ = nullptr;
};

}  // namespace gfxrelay::host
