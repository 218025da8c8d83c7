#include "host/backend/x11_direct.h"

#include <X11/Xatom.h>
#include <epoxy/egl.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace gfxrelay::host {

void log(const std::string& message);  // host/session.h (whose headers clash with Xlib's)

namespace {

// X errors reach the host asynchronously: never fatal (Xlib's default handler would end the
// process). A window the program destroyed while the host still used it (its last frame, the
// context's release) is the program's business and goes unlogged; anything else is logged.
int log_x_error(Display* dpy, XErrorEvent* e) {
  if (e->error_code == BadWindow || e->error_code == BadDrawable) return 0;
  static std::atomic<int> logged{0};
  if (logged.fetch_add(1) < 20) {
    char text[160] = {};
    XGetErrorText(dpy, e->error_code, text, sizeof text);
    log("X error from the program's X server (ignored): " + std::string(text) + ", request " +
        std::to_string(e->request_code) + "." + std::to_string(e->minor_code) + ", resource " +
        std::to_string(e->resourceid));
  }
  return 0;
}

}  // namespace

X11Direct* X11Direct::get(const std::string& egl_renderer) {
  static std::once_flag once;
  static X11Direct* instance = nullptr;
  std::call_once(once, [&] {
    // GFXRELAY_X11_DIRECT_HOST: set by `gfxrelay serve --x11-direct`, inherited by its workers.
    const char* allowed = std::getenv("GFXRELAY_X11_DIRECT_HOST");
    if (!allowed || std::strcmp(allowed, "1") != 0) return;
    auto* direct = new X11Direct;
    std::string why;
    if (direct->open(egl_renderer, &why)) {
      instance = direct;
    } else {
      log("direct X11 windows off: " + why);
      delete direct;
    }
  });
  return instance;
}

bool X11Direct::open(const std::string& egl_renderer, std::string* why) {
  // Session and context threads all use the connection (Mesa puts frames from the latter).
  XInitThreads();
  display_ = XOpenDisplay(nullptr);
  if (!display_) {
    *why = "cannot open the X display";
    return false;
  }
  XSetErrorHandler(log_x_error);
  int major = 0, minor = 0;
  if (!glXQueryVersion(display_, &major, &minor) || major * 10 + minor < 14 ||
      !epoxy_has_glx_extension(display_, DefaultScreen(display_),
                               "GLX_ARB_create_context_profile")) {
    *why = "the X server has no GLX 1.4 with GLX_ARB_create_context_profile";
    return false;
  }
  // The renderer GLX gives this process must be the one EGL gives it: read it in a probe context
  // with no drawable (a frame put into a GLX pbuffer is an MIT-SHM error to the X server, after
  // which Mesa 22.3 never uses shared memory again in this process).
  const int probe_attribs[] = {GLX_RENDER_TYPE, GLX_RGBA_BIT, None};
  int count = 0;
  GLXFBConfig* configs =
      glXChooseFBConfig(display_, DefaultScreen(display_), probe_attribs, &count);
  std::string renderer;
  if (configs && count > 0) {
    const int32_t no_attribs[] = {EGL_NONE};
    GLXContext probe = create_context(configs[0], nullptr, false, no_attribs);
    if (probe && glXMakeContextCurrent(display_, None, None, probe)) {
      if (const auto* s = reinterpret_cast<const char*>(glGetString(GL_RENDERER))) renderer = s;
      glXMakeContextCurrent(display_, None, None, nullptr);
    }
    if (probe) glXDestroyContext(display_, probe);
  }
  if (configs) XFree(configs);
  if (renderer != egl_renderer) {
    *why = "the X server's GLX renders with \"" + renderer + "\", the host's EGL with \"" +
           egl_renderer + "\"";
    return false;
  }
  log("direct X11 windows on (" + renderer + ")");
  return true;
}

bool X11Direct::root_holds(const std::string& name, std::span<const uint8_t> token) {
  const Atom atom = XInternAtom(display_, name.c_str(), True);
  if (atom == None) return false;
  Atom type = None;
  int format = 0;
  unsigned long items = 0, left = 0;
  unsigned char* data = nullptr;
  const bool read =
      XGetWindowProperty(display_, DefaultRootWindow(display_), atom, 0, (token.size() + 3) / 4,
                         False, XA_STRING, &type, &format, &items, &left, &data) == Success;
  const bool same = read && type == XA_STRING && format == 8 && items == token.size() && data &&
                    std::memcmp(data, token.data(), token.size()) == 0;
  if (data) XFree(data);
  return same;
}

GLXFBConfig X11Direct::choose_config(const X11ConfigWish& wish) {
  const int attribs[] = {GLX_X_RENDERABLE,
                         True,
                         GLX_RENDER_TYPE,
                         GLX_RGBA_BIT,
                         GLX_DRAWABLE_TYPE,
                         GLX_WINDOW_BIT | GLX_PBUFFER_BIT,
                         GLX_RED_SIZE,
                         8,
                         GLX_GREEN_SIZE,
                         8,
                         GLX_BLUE_SIZE,
                         8,
                         GLX_DOUBLEBUFFER,
                         wish.double_buffer ? True : False,
                         None};
  int count = 0;
  GLXFBConfig* configs = glXChooseFBConfig(display_, DefaultScreen(display_), attribs, &count);
  // The guest shows every config with the screen's TrueColor visual, and the server ties each
  // of its configs to a visual of its own: any visual of the window's depth and class serves
  // (Mesa draws the window at its depth), the window's own one first. Buffering and samples
  // must match, depth and stencil buffers be there where asked for; of the rest, the config
  // closest to the guest's wins.
  XVisualInfo want{};
  want.visualid = wish.visual;
  int found = 0;
  XVisualInfo* window_visual = XGetVisualInfo(display_, VisualIDMask, &want, &found);
  GLXFBConfig chosen = nullptr;
  int best = -1;
  for (int i = 0; window_visual && configs && i < count; ++i) {
    auto value = [&](int attribute) {
      int v = 0;
      glXGetFBConfigAttrib(display_, configs[i], attribute, &v);
      return v;
    };
    XVisualInfo* visual = glXGetVisualFromFBConfig(display_, configs[i]);
    const bool same_kind = visual && visual->depth == window_visual->depth &&
                           visual->c_class == window_visual->c_class;
    if (visual) XFree(visual);
    const int depth = value(GLX_DEPTH_SIZE), stencil = value(GLX_STENCIL_SIZE);
    if (!same_kind || value(GLX_SAMPLES) != wish.samples || (depth > 0) != (wish.depth > 0) ||
        (stencil > 0) != (wish.stencil > 0))
      continue;
    const int score = (static_cast<uint32_t>(value(GLX_VISUAL_ID)) == wish.visual) * 8 +
                      (value(GLX_ALPHA_SIZE) == wish.alpha) * 4 + (depth == wish.depth) * 2 +
                      (stencil == wish.stencil);
    if (score > best) {
      best = score;
      chosen = configs[i];
    }
  }
  if (window_visual) XFree(window_visual);
  if (configs) XFree(configs);
  return chosen;
}

GLXContext X11Direct::create_context(GLXFBConfig config, GLXContext share, bool es,
                                     const int32_t* egl_attribs) {
  std::vector<int> attribs;
  int flags = 0;
  for (const int32_t* a = egl_attribs; a && a[0] != EGL_NONE; a += 2) {
    switch (a[0]) {
      case EGL_CONTEXT_MAJOR_VERSION:
        attribs.insert(attribs.end(), {GLX_CONTEXT_MAJOR_VERSION_ARB, a[1]});
        break;
      case EGL_CONTEXT_MINOR_VERSION:
        attribs.insert(attribs.end(), {GLX_CONTEXT_MINOR_VERSION_ARB, a[1]});
        break;
      case EGL_CONTEXT_OPENGL_PROFILE_MASK:  // the same bits in GLX
        attribs.insert(attribs.end(), {GLX_CONTEXT_PROFILE_MASK_ARB, a[1]});
        break;
      case EGL_CONTEXT_OPENGL_DEBUG:
        if (a[1]) flags |= GLX_CONTEXT_DEBUG_BIT_ARB;
        break;
      case EGL_CONTEXT_OPENGL_FORWARD_COMPATIBLE:
        if (a[1]) flags |= GLX_CONTEXT_FORWARD_COMPATIBLE_BIT_ARB;
        break;
      default:
        return nullptr;
    }
  }
  if (es)
    attribs.insert(attribs.end(), {GLX_CONTEXT_PROFILE_MASK_ARB, GLX_CONTEXT_ES2_PROFILE_BIT_EXT});
  if (flags) attribs.insert(attribs.end(), {GLX_CONTEXT_FLAGS_ARB, flags});
  attribs.push_back(None);
  return glXCreateContextAttribsARB(display_, config, share, True, attribs.data());
}

GLXPbuffer X11Direct::create_pbuffer(GLXFBConfig config, int width, int height) {
  const int attribs[] = {
      GLX_PBUFFER_WIDTH, width, GLX_PBUFFER_HEIGHT, height, GLX_PRESERVED_CONTENTS, True, None};
  return glXCreatePbuffer(display_, config, attribs);
}

void X11Direct::destroy_pbuffer(GLXPbuffer pbuffer) {
  glXDestroyPbuffer(display_, pbuffer);
}

void X11Direct::destroy_context(GLXContext context) {
  glXDestroyContext(display_, context);
}

bool X11Direct::make_current(GLXDrawable draw, GLXDrawable read, GLXContext context) {
  return glXMakeContextCurrent(display_, draw, read, context);
}

void X11Direct::swap(GLXDrawable window) {
  glXSwapBuffers(display_, window);
}

}  // namespace gfxrelay::host
