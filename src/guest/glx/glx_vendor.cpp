// The GLX vendor library for GLVND (libGLX_gfxrelay.so.0, the same file as the EGL vendor):
// GLX 1.4 on the X server the program talks to, with every GL context and drawable living on
// the host. A window is a host pbuffer of the window's size; glXSwapBuffers brings its back
// buffer into the window (x11/window_presenter.h). No GLX request reaches the X server: configs
// come from the host's EGL configs, shown with the screen's 24-bit TrueColor visual.
// clang-format off
// The relay's headers first: Xlib defines macros (Status, None, Bool) that clash with them.
#include "gl_encoder_gen.h"
#include "guest/connection.h"
#include "guest/gl/encoder_support.h"
#include "guest/host_objects.h"
#include "wire/wire.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/glx.h>
#include <GL/glxext.h>
#include <glvnd/libglxabi.h>

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "guest/x11/window_presenter.h"
// XESetCloseDisplay; last, since it defines min and max as macros.
#include <X11/Xatom.h>
#include <X11/Xlibint.h>
#undef min
#undef max
// clang-format on

namespace gfxrelay::guest::glx {

using gles::Context;

namespace {

struct FbConfig {
  int id = 0;  // GLX_FBCONFIG_ID: 1-based in the screen's list
  int screen = 0;
  size_t host = 0;  // row of the host's config table
  bool double_buffer = true;
  VisualID visual = 0;
  int red = 0, green = 0, blue = 0, alpha = 0, depth = 0, stencil = 0, samples = 0;
  int max_pbuffer_width = 0, max_pbuffer_height = 0, max_pbuffer_pixels = 0;
};

struct Drawable {
  enum class Kind { kWindow, kPbuffer };
  Kind kind = Kind::kWindow;
  GLXDrawable xid = 0;
  Display* display = nullptr;
  const FbConfig* config = nullptr;  // of the host surface
  uint32_t surface = 0;              // host surface id, 0 until first needed
  bool direct = false;               // the host surface is a direct X11 one (host_objects.h)
  int width = 0, height = 0;
  int swap_interval = 1;
  unsigned long event_mask = 0;
  std::unique_ptr<x11::WindowPresenter> presenter;
};

struct GlxContext {
  uint32_t id = 0;
  const FbConfig* config = nullptr;
  int screen = 0;
  std::unique_ptr<Context> gl;
  bool direct = false;  // a host GLX context on the program's own X server
  Drawable* draw = nullptr;
  Drawable* read = nullptr;
  bool bound = false;
  bool destroyed = false;
};

// Process-lifetime state (never destroyed: a program may still use GLX from exit handlers,
// and destroying presenters at exit would talk to closed displays).
std::mutex& mutex = *new std::mutex;  // guards everything below
auto& screen_configs =
    *new std::map<std::pair<Display*, int>, std::vector<std::unique_ptr<FbConfig>>>;
// The config glXChooseVisual picked for a visual: glXCreateContext gets only the visual.
auto& visual_choice = *new std::map<std::pair<Display*, VisualID>, const FbConfig*>;
auto& drawables = *new std::map<std::pair<Display*, GLXDrawable>, std::unique_ptr<Drawable>>;
auto& contexts = *new std::set<GlxContext*>;
auto& watched_displays = *new std::set<Display*>;
// Displays that are the host's own X server (checked once each).
auto& direct_displays = *new std::map<Display*, bool>;

// When the program closes a display, its drawables go (their X resources went with the
// connection; only the host surfaces remain to free) and so do its configs.
int display_closing(Display* dpy, XExtCodes*) {
  std::lock_guard lock(mutex);
  for (auto it = drawables.begin(); it != drawables.end();) {
    if (it->first.first != dpy) {
      ++it;
      continue;
    }
    bool in_use = false;
    for (GlxContext* ctx : contexts)
      in_use = in_use || ctx->draw == it->second.get() || ctx->read == it->second.get();
    if (in_use) {
      ++it;
      continue;
    }
    (void)it->second->presenter.release();  // its GC and shared memory went with the connection
    if (it->second->surface) destroy_host_surface(it->second->surface);
    it = drawables.erase(it);
  }
  std::erase_if(visual_choice, [dpy](const auto& e) { return e.first.first == dpy; });
  watched_displays.erase(dpy);
  direct_displays.erase(dpy);
  return 0;
}

// Lock held.
void watch_display(Display* dpy) {
  if (!watched_displays.insert(dpy).second) return;
  if (XExtCodes* codes = XAddExtension(dpy))
    XESetCloseDisplay(dpy, codes->extension, display_closing);
}
thread_local GlxContext* current = nullptr;

// Whether `dpy` is the host's own X server: the guest writes a random token into a property of
// the root window through the program's connection, and the host looks for it through its
// own. GFXRELAY_X11_DIRECT=0 skips the check; =1 requires direct contexts (tests: a context
// that cannot be one fails instead of falling back to read-backs). Lock held.
// GFXRELAY_X11_DIRECT's value is `value`.
bool x11_direct_setting(const char* value) {
  const char* env = std::getenv("GFXRELAY_X11_DIRECT");
  return env && std::strcmp(env, value) == 0;
}

// The host config's X11 target: the guest shows every config with the screen's visual.
X11Target x11_target(const FbConfig* config) {
  return {static_cast<uint32_t>(config->visual), config->double_buffer};
}

bool is_direct_display(Display* dpy) {
  if (auto it = direct_displays.find(dpy); it != direct_displays.end()) return it->second;
  watch_display(dpy);
  bool& direct = direct_displays[dpy];
  uint8_t token[16];
  if (x11_direct_setting("0") || getrandom(token, sizeof token, 0) != sizeof token)
    return direct = false;
  const std::string name = "_GFXRELAY_CHECK_" + std::to_string(getpid());
  const Atom atom = XInternAtom(dpy, name.c_str(), False);
  const Window root = DefaultRootWindow(dpy);
  XChangeProperty(dpy, root, atom, XA_STRING, 8, PropModeReplace, token, sizeof token);
  XSync(dpy, False);
  direct = host_shares_x11_display(name, token);
  XDeleteProperty(dpy, root, atom);
  XFlush(dpy);
  return direct;
}

const wire::Caps* caps() {
  Connection* c = Connection::get();
  return c ? &c->caps() : nullptr;
}

int host_value(size_t row, EGLint attribute) {
  int32_t v = 0;
  caps()->config_value(row, attribute, &v);
  return v;
}

using x11::truecolor_visual;

// The screen's configs: each host config of desktop GL with 8-bit RGB, single- and
// double-buffered. Lock held.
const std::vector<std::unique_ptr<FbConfig>>& configs_of(Display* dpy, int screen) {
  auto& list = screen_configs[{dpy, screen}];
  if (!list.empty() || !caps()) return list;
  const VisualID visual = truecolor_visual(dpy, screen);
  if (!visual) return list;
  for (size_t row = 0; row < caps()->configs.size(); ++row) {
    if (!(host_value(row, EGL_RENDERABLE_TYPE) & EGL_OPENGL_BIT)) continue;
    if (host_value(row, EGL_COLOR_BUFFER_TYPE) != EGL_RGB_BUFFER) continue;
    if (host_value(row, EGL_RED_SIZE) != 8 || host_value(row, EGL_GREEN_SIZE) != 8 ||
        host_value(row, EGL_BLUE_SIZE) != 8)
      continue;
    for (bool double_buffer : {true, false}) {
      auto c = std::make_unique<FbConfig>();
      c->id = static_cast<int>(list.size()) + 1;
      c->screen = screen;
      c->host = row;
      c->double_buffer = double_buffer;
      c->visual = visual;
      c->red = c->green = c->blue = 8;
      c->alpha = host_value(row, EGL_ALPHA_SIZE);
      c->depth = host_value(row, EGL_DEPTH_SIZE);
      c->stencil = host_value(row, EGL_STENCIL_SIZE);
      c->samples = host_value(row, EGL_SAMPLES);
      c->max_pbuffer_width = host_value(row, EGL_MAX_PBUFFER_WIDTH);
      c->max_pbuffer_height = host_value(row, EGL_MAX_PBUFFER_HEIGHT);
      c->max_pbuffer_pixels = host_value(row, EGL_MAX_PBUFFER_PIXELS);
      list.push_back(std::move(c));
    }
  }
  return list;
}

const FbConfig* to_config(GLXFBConfig handle) {
  for (auto& [key, list] : screen_configs)
    for (auto& c : list)
      if (reinterpret_cast<GLXFBConfig>(c.get()) == handle) return c.get();
  return nullptr;
}

// GLX 1.4 table 3.1 attribute values of a config; false for an unknown attribute.
bool config_attribute(const FbConfig& c, int attribute, int* value) {
  switch (attribute) {
    case GLX_FBCONFIG_ID:
      *value = c.id;
      break;
    case GLX_BUFFER_SIZE:
      *value = c.red + c.green + c.blue + c.alpha;
      break;
    case GLX_LEVEL:
      *value = 0;
      break;
    case GLX_DOUBLEBUFFER:
      *value = c.double_buffer;
      break;
    case GLX_STEREO:
      *value = False;
      break;
    case GLX_AUX_BUFFERS:
      *value = 0;
      break;
    case GLX_RED_SIZE:
      *value = c.red;
      break;
    case GLX_GREEN_SIZE:
      *value = c.green;
      break;
    case GLX_BLUE_SIZE:
      *value = c.blue;
      break;
    case GLX_ALPHA_SIZE:
      *value = c.alpha;
      break;
    case GLX_DEPTH_SIZE:
      *value = c.depth;
      break;
    case GLX_STENCIL_SIZE:
      *value = c.stencil;
      break;
    case GLX_ACCUM_RED_SIZE:
    case GLX_ACCUM_GREEN_SIZE:
    case GLX_ACCUM_BLUE_SIZE:
    case GLX_ACCUM_ALPHA_SIZE:
      *value = 0;
      break;
    case GLX_RENDER_TYPE:
      *value = GLX_RGBA_BIT;
      break;
    case GLX_DRAWABLE_TYPE:
      *value = GLX_WINDOW_BIT | GLX_PBUFFER_BIT;
      break;
    case GLX_X_RENDERABLE:
      *value = True;
      break;
    case GLX_VISUAL_ID:
      *value = static_cast<int>(c.visual);
      break;
    case GLX_X_VISUAL_TYPE:
      *value = GLX_TRUE_COLOR;
      break;
    case GLX_CONFIG_CAVEAT:
      *value = GLX_NONE;
      break;
    case GLX_TRANSPARENT_TYPE:
      *value = GLX_NONE;
      break;
    case GLX_TRANSPARENT_INDEX_VALUE:
    case GLX_TRANSPARENT_RED_VALUE:
    case GLX_TRANSPARENT_GREEN_VALUE:
    case GLX_TRANSPARENT_BLUE_VALUE:
    case GLX_TRANSPARENT_ALPHA_VALUE:
      *value = 0;
      break;
    case GLX_MAX_PBUFFER_WIDTH:
      *value = c.max_pbuffer_width;
      break;
    case GLX_MAX_PBUFFER_HEIGHT:
      *value = c.max_pbuffer_height;
      break;
    case GLX_MAX_PBUFFER_PIXELS:
      *value = c.max_pbuffer_pixels;
      break;
    case GLX_SAMPLE_BUFFERS:
      *value = c.samples > 0;
      break;
    case GLX_SAMPLES:
      *value = c.samples;
      break;
    case GLX_SCREEN:
      *value = c.screen;
      break;
    // glXGetConfig's own attributes.
    case GLX_USE_GL:
      *value = True;
      break;
    case GLX_RGBA:
      *value = True;
      break;
    default:
      return false;
  }
  return true;
}

// Configs matching a GLX attribute list, best first (GLX 1.4 section 3.3.3 and table 3.4).
// `visual_rules`: glXChooseVisual's list (boolean attributes without values, RGBA and
// single-buffered by default).
std::vector<const FbConfig*> choose(Display* dpy, int screen, const int* attribs,
                                    bool visual_rules) {
  std::map<int, int> want;
  want[GLX_DOUBLEBUFFER] = visual_rules ? False : static_cast<int>(GLX_DONT_CARE);
  want[GLX_RENDER_TYPE] = GLX_RGBA_BIT;
  want[GLX_DRAWABLE_TYPE] = GLX_WINDOW_BIT;
  bool rgba = !visual_rules;
  for (const int* a = attribs; a && *a != None;) {
    const int name = *a++;
    if (visual_rules && (name == GLX_USE_GL || name == GLX_RGBA || name == GLX_DOUBLEBUFFER ||
                         name == GLX_STEREO)) {
      if (name == GLX_RGBA) rgba = true;
      if (name == GLX_DOUBLEBUFFER) want[GLX_DOUBLEBUFFER] = True;
      if (name == GLX_STEREO) want[GLX_STEREO] = True;
      continue;
    }
    want[name] = *a++;
  }
  std::vector<const FbConfig*> out;
  if (!rgba) return out;  // no color-index rendering
  for (auto& c : configs_of(dpy, screen)) {
    bool ok = true;
    for (auto [name, value] : want) {
      if (value == static_cast<int>(GLX_DONT_CARE)) continue;
      int have = 0;
      if (!config_attribute(*c, name, &have)) continue;  // unknown: no constraint
      switch (name) {
        case GLX_RENDER_TYPE:
        case GLX_DRAWABLE_TYPE:
          ok = (have & value) == value;
          break;
        case GLX_DOUBLEBUFFER:
        case GLX_STEREO:
        case GLX_LEVEL:
        case GLX_X_VISUAL_TYPE:
        case GLX_CONFIG_CAVEAT:
        case GLX_TRANSPARENT_TYPE:
        case GLX_FBCONFIG_ID:
        case GLX_VISUAL_ID:
        case GLX_X_RENDERABLE:
          ok = have == value;
          break;
        default:  // sizes: at least
          ok = have >= value;
      }
      if (!ok) break;
    }
    if (ok) out.push_back(c.get());
  }
  auto wanted = [&](int name) { return want.count(name) && want[name] > 0; };
  std::stable_sort(out.begin(), out.end(), [&](const FbConfig* a, const FbConfig* b) {
    auto color = [&](const FbConfig* c) {
      return (wanted(GLX_RED_SIZE) ? c->red : 0) + (wanted(GLX_GREEN_SIZE) ? c->green : 0) +
             (wanted(GLX_BLUE_SIZE) ? c->blue : 0) + (wanted(GLX_ALPHA_SIZE) ? c->alpha : 0);
    };
    auto key = [&](const FbConfig* c) {
      return std::make_tuple(-color(c), c->red + c->green + c->blue + c->alpha, c->samples > 0,
                             c->samples, !c->double_buffer, -c->depth, c->stencil, c->id);
    };
    return key(a) < key(b);
  });
  return out;
}

// The config behind an X visual: the one glXChooseVisual picked for it, else the richest
// double-buffered one. Lock held.
const FbConfig* config_for_visual(Display* dpy, const XVisualInfo* vis) {
  if (!vis) return nullptr;
  auto it = visual_choice.find({dpy, vis->visualid});
  if (it != visual_choice.end()) return it->second;
  const FbConfig* best = nullptr;
  for (auto& c : configs_of(dpy, vis->screen)) {
    if (c->visual != vis->visualid || !c->double_buffer || c->samples) continue;
    if (!best || std::tie(c->alpha, c->depth, c->stencil) >
                     std::tie(best->alpha, best->depth, best->stencil))
      best = c.get();
  }
  return best;
}

XVisualInfo* visual_info(Display* dpy, const FbConfig* c) {
  if (!c) return nullptr;
  XVisualInfo want{};
  want.visualid = c->visual;
  want.screen = c->screen;
  int count = 0;
  return XGetVisualInfo(dpy, VisualIDMask | VisualScreenMask, &want, &count);
}

GlxContext* to_context(GLXContext handle) {
  auto* c = reinterpret_cast<GlxContext*>(handle);
  return contexts.count(c) ? c : nullptr;
}

Drawable* find_drawable(Display* dpy, GLXDrawable xid) {
  auto it = drawables.find({dpy, xid});
  return it == drawables.end() ? nullptr : it->second.get();
}

using x11::window_size;

// Gives a drawable a host surface of `width` x `height` (for a pbuffer: its own size) made
// with `config`, a direct X11 one where `direct`; the old one (another size, config or kind) is
// destroyed once nothing uses it. Lock held.
bool ensure_surface_of_size(Drawable* d, const FbConfig* config, int width, int height,
                            bool direct) {
  if (d->surface && d->config == config && d->direct == direct &&
      (direct || (width == d->width && height == d->height))) {
    d->width = width;  // a direct window follows its size on the host by itself
    d->height = height;
    return true;
  }
  if (d->kind == Drawable::Kind::kPbuffer && d->surface)
    return d->config == config && d->direct == direct;
  if (direct) {
    // The window itself (it follows its own size there), or a host GLX pbuffer.
    const uint32_t fresh = Connection::new_object_id();
    const bool window = d->kind == Drawable::Kind::kWindow;
    if (create_host_x11_surface(fresh, config->host, x11_target(config),
                                window ? static_cast<uint32_t>(d->xid) : 0, width,
                                height) != EGL_SUCCESS)
      return false;
    if (d->surface) destroy_host_surface(d->surface);
    d->surface = fresh;
  } else if (!replace_host_window(&d->surface, config->host, width, height, &width, &height)) {
    return false;
  }
  d->config = config;
  d->direct = direct;
  d->width = width;
  d->height = height;
  return true;
}

// The same at the window's current size (one round trip to the X server).
bool ensure_surface(Drawable* d, const FbConfig* config, bool direct) {
  int width = d->width, height = d->height;
  if (d->kind == Drawable::Kind::kWindow && !window_size(d->display, d->xid, &width, &height))
    return false;
  return ensure_surface_of_size(d, config, width, height, direct);
}

void release_current() {
  GlxContext* ctx = current;
  if (!ctx) return;
  make_current_on_host(*ctx->gl, 0, 0, true);
  ctx->draw = ctx->read = nullptr;
  ctx->bound = false;
  current = nullptr;
  Context::set_current(nullptr);
  if (ctx->destroyed) {
    contexts.erase(ctx);
    ctx->gl.reset();
    destroy_host_context(ctx->id);
    delete ctx;
  }
}

// --- GLX entry points ----------------------------------------------------------------------

XVisualInfo* ChooseVisual(Display* dpy, int screen, int* attribs) {
  std::lock_guard lock(mutex);
  const std::vector<const FbConfig*> found = choose(dpy, screen, attribs, true);
  if (found.empty()) return nullptr;
  visual_choice[{dpy, found[0]->visual}] = found[0];
  return visual_info(dpy, found[0]);
}

GLXFBConfig* ChooseFBConfig(Display* dpy, int screen, const int* attribs, int* count) {
  std::lock_guard lock(mutex);
  const std::vector<const FbConfig*> found = choose(dpy, screen, attribs, false);
  if (count) *count = static_cast<int>(found.size());
  if (found.empty()) return nullptr;
  // The program frees the list with XFree (free()).
  auto* out = static_cast<GLXFBConfig*>(std::malloc(found.size() * sizeof(GLXFBConfig)));
  for (size_t i = 0; i < found.size(); ++i)
    out[i] = reinterpret_cast<GLXFBConfig>(const_cast<FbConfig*>(found[i]));
  return out;
}

GLXFBConfig* GetFBConfigs(Display* dpy, int screen, int* count) {
  const int all[] = {GLX_DRAWABLE_TYPE, 0, GLX_RENDER_TYPE, 0, None};
  return ChooseFBConfig(dpy, screen, all, count);
}

int GetFBConfigAttrib(Display*, GLXFBConfig config, int attribute, int* value) {
  std::lock_guard lock(mutex);
  const FbConfig* c = to_config(config);
  if (!c) return GLX_BAD_VISUAL;
  return config_attribute(*c, attribute, value) ? Success : GLX_BAD_ATTRIBUTE;
}

XVisualInfo* GetVisualFromFBConfig(Display* dpy, GLXFBConfig config) {
  std::lock_guard lock(mutex);
  const FbConfig* c = to_config(config);
  if (c) visual_choice.emplace(std::make_pair(dpy, c->visual), c);
  return visual_info(dpy, c);
}

int GetConfig(Display* dpy, XVisualInfo* vis, int attribute, int* value) {
  std::lock_guard lock(mutex);
  const FbConfig* c = config_for_visual(dpy, vis);
  if (!c) {
    if (attribute == GLX_USE_GL) {
      *value = False;
      return Success;
    }
    return GLX_BAD_VISUAL;
  }
  return config_attribute(*c, attribute, value) ? Success : GLX_BAD_ATTRIBUTE;
}

// GLX_ARB_create_context(_profile) and GLX_EXT_create_context_es(2)_profile attributes as EGL
// ones; false for one the relay refuses. `out` ends with EGL_NONE; *api and *major get the
// client API (an ES profile asks for OpenGL ES) and its major version.
bool translate_context_attribs(const int* attribs, std::vector<EGLint>* out, EGLenum* api,
                               int* major) {
  *api = EGL_OPENGL_API;
  *major = 1;
  bool version_given = false;
  for (const int* a = attribs; a && a[0] != None; a += 2) {
    if (a[0] == GLX_CONTEXT_PROFILE_MASK_ARB && a[1] == GLX_CONTEXT_ES2_PROFILE_BIT_EXT)
      *api = EGL_OPENGL_ES_API;
    if (a[0] == GLX_CONTEXT_MAJOR_VERSION_ARB) {
      *major = a[1];
      version_given = true;
    }
  }
  // GLX_EXT_create_context_es2_profile: an ES profile with no version is ES 2.0 here (the
  // relay carries no ES 1.x).
  if (*api == EGL_OPENGL_ES_API && !version_given) {
    out->insert(out->end(), {EGL_CONTEXT_MAJOR_VERSION, 2});
    *major = 2;
  }
  for (const int* a = attribs; a && a[0] != None; a += 2) {
    switch (a[0]) {
      case GLX_CONTEXT_MAJOR_VERSION_ARB:
        out->insert(out->end(), {EGL_CONTEXT_MAJOR_VERSION, a[1]});
        break;
      case GLX_CONTEXT_MINOR_VERSION_ARB:
        out->insert(out->end(), {EGL_CONTEXT_MINOR_VERSION, a[1]});
        break;
      case GLX_CONTEXT_PROFILE_MASK_ARB:
        // Core (1) and compatibility (2) have the same bits in EGL; the ES profile is the API.
        if (a[1] == GLX_CONTEXT_ES2_PROFILE_BIT_EXT) break;
        if (a[1] & ~(GLX_CONTEXT_CORE_PROFILE_BIT_ARB | GLX_CONTEXT_COMPATIBILITY_PROFILE_BIT_ARB))
          return false;
        out->insert(out->end(), {EGL_CONTEXT_OPENGL_PROFILE_MASK, a[1]});
        break;
      case GLX_CONTEXT_FLAGS_ARB:
        if (a[1] & GLX_CONTEXT_DEBUG_BIT_ARB)
          out->insert(out->end(), {EGL_CONTEXT_OPENGL_DEBUG, EGL_TRUE});
        if ((a[1] & GLX_CONTEXT_FORWARD_COMPATIBLE_BIT_ARB) && *api == EGL_OPENGL_API)
          out->insert(out->end(), {EGL_CONTEXT_OPENGL_FORWARD_COMPATIBLE, EGL_TRUE});
        if (a[1] & ~(GLX_CONTEXT_DEBUG_BIT_ARB | GLX_CONTEXT_FORWARD_COMPATIBLE_BIT_ARB))
          return false;
        break;
      case GLX_RENDER_TYPE:
        if (a[1] != GLX_RGBA_TYPE) return false;
        break;
      default:
        return false;
    }
  }
  out->push_back(EGL_NONE);
  return true;
}

GLXContext create_context(Display* dpy, const FbConfig* config, int screen, GLXContext share,
                          const int* attribs) {
  std::lock_guard lock(mutex);
  if (!config) return nullptr;
  std::vector<EGLint> egl_attribs;
  EGLenum api;
  int major;
  if (!translate_context_attribs(attribs, &egl_attribs, &api, &major)) return nullptr;
  if (api == EGL_OPENGL_ES_API &&
      !(host_value(config->host, EGL_RENDERABLE_TYPE) & (EGL_OPENGL_ES2_BIT | EGL_OPENGL_ES3_BIT)))
    return nullptr;
  GlxContext* shared_with = nullptr;
  if (share && !(shared_with = to_context(share))) return nullptr;
  auto ctx = std::make_unique<GlxContext>();
  ctx->id = Connection::new_object_id();
  ctx->config = config;
  ctx->screen = screen;
  // On the host's own X server, a host GLX context (where the server has this config, and the
  // share context is one too); else, or if the host refused, an EGL one.
  const uint32_t share_id = shared_with ? shared_with->id : 0;
  auto share_group = shared_with ? shared_with->gl->share_group() : nullptr;
  const X11Target target = x11_target(config);
  ctx->direct = is_direct_display(dpy) && (!shared_with || shared_with->direct) &&
                create_host_context(ctx->id, config->host, share_id, api, egl_attribs.data(), major,
                                    share_group, &ctx->gl, &target) == EGL_SUCCESS;
  if (!ctx->direct && x11_direct_setting("1")) {
    log_error(
        "GFXRELAY_X11_DIRECT=1, but this context cannot be a direct X11 one (the display "
        "is not the host's X server, or the host has no GLX config like it)");
    return nullptr;
  }
  if (!ctx->direct && (shared_with && shared_with->direct)) return nullptr;
  if (!ctx->direct && create_host_context(ctx->id, config->host, share_id, api, egl_attribs.data(),
                                          major, share_group, &ctx->gl) != EGL_SUCCESS)
    return nullptr;
  contexts.insert(ctx.get());
  return reinterpret_cast<GLXContext>(ctx.release());
}

GLXContext CreateContext(Display* dpy, XVisualInfo* vis, GLXContext share, Bool) {
  const FbConfig* config;
  {
    std::lock_guard lock(mutex);
    config = config_for_visual(dpy, vis);
  }
  return create_context(dpy, config, vis ? vis->screen : 0, share, nullptr);
}

GLXContext CreateNewContext(Display* dpy, GLXFBConfig config, int render_type, GLXContext share,
                            Bool) {
  if (render_type != GLX_RGBA_TYPE) return nullptr;
  const FbConfig* c;
  {
    std::lock_guard lock(mutex);
    c = to_config(config);
  }
  return create_context(dpy, c, c ? c->screen : 0, share, nullptr);
}

// A GLX protocol error as the X server would send it (GLX 1.4, 3.3): the program's X error
// handler gets it, as it would from a GLX that talks to the server.
// `core`: a core X error (BadValue...) rather than one of GLX's own.
void send_glx_error(Display* dpy, int error, XID resource, int minor_opcode, bool core = false) {
  int major = 0, first_event = 0, first_error = 0;
  if (!XQueryExtension(dpy, "GLX", &major, &first_event, &first_error)) return;
  // _XError unlocks the display around the handler and locks it again: it must be held.
  LockDisplay(dpy);
  xError e{};
  e.type = X_Error;
  e.errorCode = static_cast<CARD8>(core ? error : first_error + error);
  e.sequenceNumber = static_cast<CARD16>(dpy->request);
  e.resourceID = static_cast<CARD32>(resource);
  e.minorCode = static_cast<CARD16>(minor_opcode);
  e.majorCode = static_cast<CARD8>(major);
  _XError(dpy, &e);
  UnlockDisplay(dpy);
}

GLXContext CreateContextAttribsARB(Display* dpy, GLXFBConfig config, GLXContext share, Bool,
                                   const int* attribs) {
  // A render type other than RGBA is BadValue (GLX_ARB_create_context): no float configs here.
  for (const int* a = attribs; a && a[0] != None; a += 2) {
    if (a[0] == GLX_RENDER_TYPE && a[1] != GLX_RGBA_TYPE) {
      constexpr int kGlxCreateContextAttribsOp = 34;  // X_GLXCreateContextAttribsARB
      send_glx_error(dpy, BadValue, static_cast<XID>(a[1]), kGlxCreateContextAttribsOp, true);
      return nullptr;
    }
  }
  const FbConfig* c;
  {
    std::lock_guard lock(mutex);
    c = config ? to_config(config) : nullptr;
    // GLX_EXT_no_config_context is not offered; a null config takes the screen's default.
    if (!config && DefaultScreen(dpy) >= 0) {
      XVisualInfo vis{};
      vis.screen = DefaultScreen(dpy);
      vis.visualid = truecolor_visual(dpy, vis.screen);
      c = config_for_visual(dpy, &vis);
    }
  }
  return create_context(dpy, c, c ? c->screen : 0, share, attribs);
}

void DestroyContext(Display*, GLXContext context) {
  std::lock_guard lock(mutex);
  GlxContext* ctx = to_context(context);
  if (!ctx) return;
  if (ctx->bound) {
    ctx->destroyed = true;  // goes when it is no longer current
    return;
  }
  contexts.erase(ctx);
  ctx->gl.reset();
  destroy_host_context(ctx->id);
  delete ctx;
}

Drawable* drawable_for(Display* dpy, GLXDrawable xid) {
  Drawable* d = find_drawable(dpy, xid);
  if (d) return d;
  int width, height;
  if (!x11::checked_window_size(dpy, xid, &width, &height)) return nullptr;  // not a window
  watch_display(dpy);
  auto owned = std::make_unique<Drawable>();
  owned->kind = Drawable::Kind::kWindow;
  owned->xid = xid;
  owned->display = dpy;
  d = owned.get();
  drawables[{dpy, xid}] = std::move(owned);
  return d;
}

Bool MakeContextCurrent(Display* dpy, GLXDrawable draw, GLXDrawable read, GLXContext context) {
  std::lock_guard lock(mutex);
  if (!context) {
    release_current();
    return True;
  }
  GlxContext* ctx = to_context(context);
  if (!ctx || (ctx->bound && ctx != current)) return False;  // current in another thread
  Drawable* ds = draw ? drawable_for(dpy, draw) : nullptr;
  Drawable* rs = read ? drawable_for(dpy, read) : nullptr;
  if ((draw && !ds) || (read && !rs)) return False;
  for (Drawable* d : {ds, rs})
    if (d && !ensure_surface(d, ctx->config, ctx->direct)) return False;
  if (current && current != ctx) release_current();
  if (make_current_on_host(*ctx->gl, ds ? ds->surface : 0, rs ? rs->surface : 0, false) !=
      EGL_SUCCESS)
    return False;
  ctx->draw = ds;
  ctx->read = rs;
  ctx->bound = true;
  current = ctx;
  Context::set_current(ctx->gl.get());
  return True;
}

Bool MakeCurrent(Display* dpy, GLXDrawable drawable, GLXContext context) {
  return MakeContextCurrent(dpy, drawable, drawable, context);
}

void SwapBuffers(Display* dpy, GLXDrawable drawable) {
  std::lock_guard lock(mutex);
  Drawable* d = find_drawable(dpy, drawable);
  GlxContext* ctx = current;
  if (!d || !ctx || ctx->draw != d || d->kind != Drawable::Kind::kWindow) return;
  Context& gl = *ctx->gl;
  if (d->direct) {
    present_x11_direct(gl, d->surface);
    return;
  }
  if (!d->presenter) d->presenter = std::make_unique<x11::WindowPresenter>(dpy, d->xid);
  x11::WindowSizeRequest size(dpy, d->xid);
  // B,G,R,A: the bytes of a little-endian X image.
  present_frame(gl, d->surface, d->width, d->height, x11::PixelOrder::kBgra, *d->presenter);
  // The next frame renders at the window's new size (the program sees it in its events).
  const uint32_t before = d->surface;
  int width = 0, height = 0;
  if (size.get(&width, &height) && ensure_surface_of_size(d, d->config, width, height, false) &&
      d->surface != before) {
    Drawable* rs = ctx->read == d ? d : ctx->read;
    make_current_on_host(gl, d->surface, rs ? rs->surface : 0, false);
  }
}

GLXPbuffer CreatePbuffer(Display* dpy, GLXFBConfig config, const int* attribs) {
  std::lock_guard lock(mutex);
  const FbConfig* c = to_config(config);
  if (!c) return 0;
  int width = 0, height = 0;
  for (const int* a = attribs; a && a[0] != None; a += 2) {
    if (a[0] == GLX_PBUFFER_WIDTH) width = a[1];
    if (a[0] == GLX_PBUFFER_HEIGHT) height = a[1];
  }
  watch_display(dpy);
  auto d = std::make_unique<Drawable>();
  d->kind = Drawable::Kind::kPbuffer;
  d->xid = XAllocID(dpy);
  d->display = dpy;
  d->width = width;
  d->height = height;
  if (!ensure_surface(d.get(), c, is_direct_display(dpy))) return 0;
  const GLXPbuffer xid = d->xid;
  drawables[{dpy, xid}] = std::move(d);
  return xid;
}

void destroy_drawable(Display* dpy, GLXDrawable xid) {
  std::lock_guard lock(mutex);
  auto it = drawables.find({dpy, xid});
  if (it == drawables.end()) return;
  for (GlxContext* ctx : contexts)
    if (ctx->draw == it->second.get() || ctx->read == it->second.get()) return;  // in use
  if (it->second->surface) destroy_host_surface(it->second->surface);
  drawables.erase(it);
}

void DestroyPbuffer(Display* dpy, GLXPbuffer pbuffer) {
  destroy_drawable(dpy, pbuffer);
}

GLXWindow CreateWindow(Display* dpy, GLXFBConfig, Window window, const int*) {
  std::lock_guard lock(mutex);
  return drawable_for(dpy, window) ? window : 0;  // the window's own id serves as the GLXWindow
}

// A GLXWindow dies with its X window: destroying it afterwards is GLXBadWindow.
void DestroyWindow(Display* dpy, GLXWindow window) {
  constexpr int kGlxBadWindow = 12;        // glxproto.h
  constexpr int kGlxDestroyWindowOp = 32;  // X_GLXDestroyWindow
  int width, height;
  const bool alive = x11::checked_window_size(dpy, window, &width, &height);
  destroy_drawable(dpy, window);
  if (!alive) send_glx_error(dpy, kGlxBadWindow, window, kGlxDestroyWindowOp);
}

// Pixmaps are not carried: the host cannot render into the guest X server's memory yet.
GLXPixmap CreatePixmap(Display*, GLXFBConfig, Pixmap, const int*) {
  gles::unsupported("glXCreatePixmap");
  return 0;
}
GLXPixmap CreateGLXPixmap(Display*, XVisualInfo*, Pixmap) {
  gles::unsupported("glXCreateGLXPixmap");
  return 0;
}
void DestroyPixmap(Display*, GLXPixmap) {}
void DestroyGLXPixmap(Display*, GLXPixmap) {}

void QueryDrawable(Display* dpy, GLXDrawable drawable, int attribute, unsigned int* value) {
  std::lock_guard lock(mutex);
  Drawable* d = find_drawable(dpy, drawable);
  if (!d || !value) return;
  // A direct window follows its size on the host without the guest: ask the X server.
  if (d->direct && d->kind == Drawable::Kind::kWindow &&
      (attribute == GLX_WIDTH || attribute == GLX_HEIGHT))
    window_size(d->display, d->xid, &d->width, &d->height);
  switch (attribute) {
    case GLX_WIDTH:
      *value = d->width;
      break;
    case GLX_HEIGHT:
      *value = d->height;
      break;
    case GLX_PRESERVED_CONTENTS:
      *value = True;
      break;
    case GLX_LARGEST_PBUFFER:
      *value = False;
      break;
    case GLX_FBCONFIG_ID:
      *value = d->config ? d->config->id : 0;
      break;
    case GLX_SWAP_INTERVAL_EXT:
      *value = d->swap_interval;
      break;
    case GLX_MAX_SWAP_INTERVAL_EXT:
      *value = 1;
      break;
    default:
      break;
  }
}

int QueryContext(Display*, GLXContext context, int attribute, int* value) {
  std::lock_guard lock(mutex);
  GlxContext* ctx = to_context(context);
  if (!ctx) return GLX_BAD_CONTEXT;
  switch (attribute) {
    case GLX_FBCONFIG_ID:
      *value = ctx->config ? ctx->config->id : 0;
      break;
    case GLX_RENDER_TYPE:
      *value = GLX_RGBA_TYPE;
      break;
    case GLX_SCREEN:
      *value = ctx->screen;
      break;
    default:
      return GLX_BAD_ATTRIBUTE;
  }
  return Success;
}

void SelectEvent(Display* dpy, GLXDrawable drawable, unsigned long mask) {
  std::lock_guard lock(mutex);
  if (Drawable* d = find_drawable(dpy, drawable)) d->event_mask = mask;
}
void GetSelectedEvent(Display* dpy, GLXDrawable drawable, unsigned long* mask) {
  std::lock_guard lock(mutex);
  Drawable* d = find_drawable(dpy, drawable);
  if (mask) *mask = d ? d->event_mask : 0;
}

Bool IsDirect(Display*, GLXContext) {
  return True;
}
void CopyContext(Display*, GLXContext, GLXContext, unsigned long) {
  gles::unsupported("glXCopyContext");
}
void UseXFont(Font, int, int, int) {
  gles::unsupported("glXUseXFont");
}
void WaitGL() {
  if (Context::current()) gles::hand::glFinish();
}
void WaitX() {
  if (current && current->draw) XSync(current->draw->display, False);
}

constexpr const char* kExtensions =
    "GLX_ARB_create_context GLX_ARB_create_context_profile GLX_EXT_create_context_es_profile "
    "GLX_EXT_create_context_es2_profile GLX_ARB_get_proc_address "
    "GLX_EXT_swap_control GLX_MESA_swap_control GLX_SGI_swap_control";

const char* glx_string(int name) {
  switch (name) {
    case GLX_VENDOR:
      return "gfxrelay";
    case GLX_VERSION:
      return "1.4";
    case GLX_EXTENSIONS:
      return kExtensions;
    default:
      return nullptr;
  }
}
const char* QueryServerString(Display*, int, int name) {
  return glx_string(name);
}
const char* GetClientString(Display*, int name) {
  return glx_string(name);
}
const char* QueryExtensionsString(Display*, int) {
  return kExtensions;
}

// Swap control: frames are shown when the program swaps; the interval is recorded and reported.
void SwapIntervalEXT(Display* dpy, GLXDrawable drawable, int interval) {
  std::lock_guard lock(mutex);
  if (Drawable* d = find_drawable(dpy, drawable)) d->swap_interval = interval;
}
int SwapIntervalMESA(unsigned int interval) {
  std::lock_guard lock(mutex);
  if (current && current->draw) current->draw->swap_interval = static_cast<int>(interval);
  return 0;
}
int GetSwapIntervalMESA() {
  std::lock_guard lock(mutex);
  return current && current->draw ? current->draw->swap_interval : 0;
}
int SwapIntervalSGI(int interval) {
  return interval <= 0 ? GLX_BAD_VALUE : SwapIntervalMESA(static_cast<unsigned>(interval));
}

// --- GLVND vendor interface ------------------------------------------------------------------

struct Proc {
  const char* name;
  void* address;
};
#define GLX_PROC(name, fn) \
  { name, reinterpret_cast<void*>(&fn) }
const Proc kGlxProcs[] = {
    GLX_PROC("glXChooseFBConfig", ChooseFBConfig),
    GLX_PROC("glXChooseVisual", ChooseVisual),
    GLX_PROC("glXCopyContext", CopyContext),
    GLX_PROC("glXCreateContext", CreateContext),
    GLX_PROC("glXCreateContextAttribsARB", CreateContextAttribsARB),
    GLX_PROC("glXCreateGLXPixmap", CreateGLXPixmap),
    GLX_PROC("glXCreateNewContext", CreateNewContext),
    GLX_PROC("glXCreatePbuffer", CreatePbuffer),
    GLX_PROC("glXCreatePixmap", CreatePixmap),
    GLX_PROC("glXCreateWindow", CreateWindow),
    GLX_PROC("glXDestroyContext", DestroyContext),
    GLX_PROC("glXDestroyGLXPixmap", DestroyGLXPixmap),
    GLX_PROC("glXDestroyPbuffer", DestroyPbuffer),
    GLX_PROC("glXDestroyPixmap", DestroyPixmap),
    GLX_PROC("glXDestroyWindow", DestroyWindow),
    GLX_PROC("glXGetClientString", GetClientString),
    GLX_PROC("glXGetConfig", GetConfig),
    GLX_PROC("glXGetFBConfigAttrib", GetFBConfigAttrib),
    GLX_PROC("glXGetFBConfigs", GetFBConfigs),
    GLX_PROC("glXGetSelectedEvent", GetSelectedEvent),
    GLX_PROC("glXGetSwapIntervalMESA", GetSwapIntervalMESA),
    GLX_PROC("glXGetVisualFromFBConfig", GetVisualFromFBConfig),
    GLX_PROC("glXIsDirect", IsDirect),
    GLX_PROC("glXMakeContextCurrent", MakeContextCurrent),
    GLX_PROC("glXMakeCurrent", MakeCurrent),
    GLX_PROC("glXQueryContext", QueryContext),
    GLX_PROC("glXQueryDrawable", QueryDrawable),
    GLX_PROC("glXQueryExtensionsString", QueryExtensionsString),
    GLX_PROC("glXQueryServerString", QueryServerString),
    GLX_PROC("glXSelectEvent", SelectEvent),
    GLX_PROC("glXSwapBuffers", SwapBuffers),
    GLX_PROC("glXSwapIntervalEXT", SwapIntervalEXT),
    GLX_PROC("glXSwapIntervalMESA", SwapIntervalMESA),
    GLX_PROC("glXSwapIntervalSGI", SwapIntervalSGI),
    GLX_PROC("glXUseXFont", UseXFont),
    GLX_PROC("glXWaitGL", WaitGL),
    GLX_PROC("glXWaitX", WaitX),
};
#undef GLX_PROC

// GLX extension functions libGLX has no dispatch stub of its own for. Under
// __GLX_VENDOR_LIBRARY_NAME the relay serves every screen, so they can be the functions.
constexpr const char* kDispatched[] = {"glXSwapIntervalEXT", "glXSwapIntervalMESA",
                                       "glXGetSwapIntervalMESA", "glXSwapIntervalSGI"};

void* glx_proc(const char* name) {
  for (const Proc& p : kGlxProcs)
    if (std::strcmp(p.name, name) == 0) return p.address;
  return nullptr;
}

Bool is_screen_supported(Display*, int) {
  return Connection::get() != nullptr;
}

void* get_proc_address(const GLubyte* name) {
  const char* n = reinterpret_cast<const char*>(name);
  if (void* p = glx_proc(n)) return p;
  return gles::gl_proc_address(n);
}

void* get_dispatch_address(const GLubyte* name) {
  const char* n = reinterpret_cast<const char*>(name);
  for (const char* d : kDispatched)
    if (std::strcmp(d, n) == 0) return glx_proc(n);
  return nullptr;
}

void set_dispatch_index(const GLubyte*, int) {}

}  // namespace
}  // namespace gfxrelay::guest::glx

extern "C" __attribute__((visibility("default"))) Bool __glx_Main(uint32_t version,
                                                                  const __GLXapiExports* exports,
                                                                  __GLXvendorInfo*,
                                                                  __GLXapiImports* imports) {
  using namespace gfxrelay::guest::glx;
  if (GLX_VENDOR_ABI_GET_MAJOR_VERSION(version) != GLX_VENDOR_ABI_MAJOR_VERSION) return False;
  (void)exports;  // the relay serves every screen: no lookups of other vendors
  imports->isScreenSupported = is_screen_supported;
  imports->getProcAddress = get_proc_address;
  imports->getDispatchAddress = get_dispatch_address;
  imports->setDispatchIndex = set_dispatch_index;
  return True;
}
