// libEGL_gfxrelay: the guest's EGL 1.5, as a GLVND vendor library (glvnd/libeglabi.h).
// Displays, configs and surfaces are answered from the host's capabilities or by control
// messages on the session socket; each context gets its own shared-memory stream.
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <glvnd/libeglabi.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gl_encoder_gen.h"
#include "guest/connection.h"
#include "guest/host_objects.h"
#include "guest/x11/window_presenter.h"
#include "wire/message.h"

namespace gfxrelay::guest::egl {

namespace {

using gles::Context;

struct Surface {
  uint32_t id = 0;  // of the host surface; a window gets a new one when its size changes
  size_t config = 0;
  EGLint width = 0, height = 0;
  EGLint largest_pbuffer = EGL_FALSE;
  bool destroyed = false;  // eglDestroySurface called while current
  int current_count = 0;   // contexts it is bound to
  // Windows (X11): a host pbuffer of the window's size, presented at eglSwapBuffers.
  x11::XWindow window = 0;
  std::unique_ptr<x11::WindowPresenter> presenter;
};

struct EglContext {
  uint32_t id = 0;
  size_t config = 0;  // SIZE_MAX for EGL_NO_CONFIG_KHR
  EGLint major = 1;
  std::unique_ptr<Context> gl;
  EGLenum api = EGL_OPENGL_ES_API;
  std::thread::id bound_thread;
  bool bound = false;
  bool destroyed = false;
  Surface* draw = nullptr;
  Surface* read = nullptr;
};

struct Display {
  explicit Display(EGLenum p, x11::XDisplay* x = nullptr) : platform(p), x_display(x) {}
  EGLenum platform;
  // The X connection of an X11 display; the default display opens $DISPLAY when it first
  // needs windows, as Mesa's default platform is X11.
  x11::XDisplay* x_display;
  bool x_display_tried = false;
  unsigned long visual = 0;  // of window configs, once known
  bool visual_known = false;
  bool initialized = false;
  std::set<Surface*> surfaces;
  std::set<EglContext*> contexts;
  std::set<uint32_t> images;  // ids; the EGLImage handle is the id
};

std::mutex mutex;  // guards displays, surfaces, contexts and ids
Display surfaceless_display{EGL_PLATFORM_SURFACELESS_MESA};
Display default_display{EGL_NONE};
Display device_display{EGL_PLATFORM_DEVICE_EXT};  // the relay's one device (EGL_EXT_device_*)
// Every display handed out: the three above and one per X connection (EGL_KHR_platform_x11),
// which live as long as the process (EGL displays are never freed).
std::set<Display*>& displays =
    *new std::set<Display*>{&surfaceless_display, &default_display, &device_display};
auto& x11_displays = *new std::map<x11::XDisplay*, Display*>;

// The relay is one EGL device: the host GPU behind it.
struct Device {};
Device relay_device;

// Client extensions (no display); GLVND enables its device functions for vendors naming them.
constexpr const char* kClientExtensions =
    "EGL_EXT_platform_base EGL_EXT_platform_device EGL_MESA_platform_surfaceless "
    "EGL_KHR_platform_x11 EGL_EXT_platform_x11 EGL_EXT_device_base EGL_EXT_device_enumeration "
    "EGL_EXT_device_query";

thread_local EGLint last_error = EGL_SUCCESS;
thread_local EglContext* current_context = nullptr;
thread_local EGLenum bound_api = EGL_OPENGL_ES_API;

EGLBoolean fail(EGLint error) {
  last_error = error;
  return EGL_FALSE;
}
template <typename T>
T fail(EGLint error, T value) {
  last_error = error;
  return value;
}
EGLBoolean succeed() {
  last_error = EGL_SUCCESS;
  return EGL_TRUE;
}

Display* to_display(EGLDisplay dpy) {
  auto* d = static_cast<Display*>(dpy);
  return displays.count(d) ? d : nullptr;
}

// The X connection windows of `d` live on, or null where it has none. Lock held.
x11::XDisplay* x_display_of(Display* d) {
  if (d->platform == EGL_NONE && !d->x_display && !d->x_display_tried) {
    d->x_display_tried = true;
    d->x_display = x11::open_default_display();
  }
  return d->x_display;
}

// Returns the display if it is ours and initialized, else sets the EGL error.
Display* initialized_display(EGLDisplay dpy) {
  Display* d = to_display(dpy);
  if (!d) return fail(EGL_BAD_DISPLAY, static_cast<Display*>(nullptr));
  if (!d->initialized) return fail(EGL_NOT_INITIALIZED, static_cast<Display*>(nullptr));
  return d;
}

const wire::Caps* caps() {
  Connection* c = Connection::get();
  return c ? &c->caps() : nullptr;
}

size_t config_count() {
  return caps() ? caps()->configs.size() : 0;
}

// Config handles are 1-based indices into the host's config table.
EGLConfig to_handle(size_t index) {
  return reinterpret_cast<EGLConfig>(index + 1);
}
bool to_index(EGLConfig config, size_t* index) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(config);
  if (v == 0 || v > config_count()) return false;
  *index = v - 1;
  return true;
}

int32_t host_config_value(size_t index, EGLint attribute) {
  int32_t v = 0;
  caps()->config_value(index, attribute, &v);
  return v;
}

// The visual of window configs on `d`, 0 where it has no windows. Lock held.
unsigned long window_visual(Display* d) {
  if (!d->visual_known) {
    x11::XDisplay* x = x_display_of(d);
    d->visual = x ? x11::truecolor_visual(x, x11::default_screen(x)) : 0;
    d->visual_known = true;
  }
  return d->visual;
}

// Windows get frames as 8-bit RGB (x11/window_presenter.h), so window configs are the
// host's 8-bit RGB ones, shown with the screen's TrueColor visual.
bool window_config(Display* d, size_t index) {
  return host_config_value(index, EGL_COLOR_BUFFER_TYPE) == EGL_RGB_BUFFER &&
         host_config_value(index, EGL_RED_SIZE) == 8 &&
         host_config_value(index, EGL_GREEN_SIZE) == 8 &&
         host_config_value(index, EGL_BLUE_SIZE) == 8 && window_visual(d) != 0;
}

Surface* to_surface(Display* d, EGLSurface s) {
  auto* surface = static_cast<Surface*>(s);
  return d->surfaces.count(surface) ? surface : nullptr;
}
EglContext* to_context(Display* d, EGLContext c) {
  auto* ctx = static_cast<EglContext*>(c);
  return d->contexts.count(ctx) ? ctx : nullptr;
}

void destroy_image_on_host(uint32_t id) {
  wire::MessageWriter w;
  w.put<uint32_t>(id);
  std::vector<uint8_t> reply;
  request_host(wire::Control::kDestroyImage, w, &reply);
}

void destroy_surface_on_host(Surface* s) {
  destroy_host_surface(s->id);
  delete s;
}

void destroy_context_on_host(EglContext* ctx) {
  ctx->gl.reset();
  destroy_host_context(ctx->id);
  delete ctx;
}

EGLint host_make_current(EglContext* ctx, Surface* draw, Surface* read, bool release) {
  return make_current_on_host(*ctx->gl, draw ? draw->id : 0, read ? read->id : 0, release);
}

// Unbinds the calling thread's context; destroys what was waiting for that. Lock held.
void release_current(Display* d) {
  EglContext* ctx = current_context;
  if (!ctx) return;
  host_make_current(ctx, nullptr, nullptr, true);
  for (Surface* s : {ctx->draw, ctx->read}) {
    if (s) --s->current_count;
  }
  for (Surface* s : {ctx->draw, ctx->read}) {
    if (s && s->destroyed && s->current_count == 0 && d->surfaces.erase(s))
      destroy_surface_on_host(s);
  }
  ctx->draw = ctx->read = nullptr;
  ctx->bound = false;
  current_context = nullptr;
  Context::set_current(nullptr);
  if (ctx->destroyed && d->contexts.erase(ctx)) destroy_context_on_host(ctx);
}

// --- EGL entry points --------------------------------------------------------------------

EGLBoolean EGLAPIENTRY Initialize(EGLDisplay dpy, EGLint* major, EGLint* minor) {
  std::lock_guard lock(mutex);
  Display* d = to_display(dpy);
  if (!d) return fail(EGL_BAD_DISPLAY);
  if (!Connection::get()) return fail(EGL_NOT_INITIALIZED);
  d->initialized = true;
  if (major) *major = 1;
  if (minor) *minor = 5;
  return succeed();
}

EGLBoolean EGLAPIENTRY Terminate(EGLDisplay dpy) {
  std::lock_guard lock(mutex);
  Display* d = to_display(dpy);
  if (!d) return fail(EGL_BAD_DISPLAY);
  for (uint32_t id : d->images) destroy_image_on_host(id);
  d->images.clear();
  // Objects still current stay alive until released (EGL 1.5 3.2).
  for (auto it = d->contexts.begin(); it != d->contexts.end();) {
    EglContext* ctx = *it;
    if (ctx->bound) {
      ctx->destroyed = true;
      ++it;
    } else {
      it = d->contexts.erase(it);
      destroy_context_on_host(ctx);
    }
  }
  for (auto it = d->surfaces.begin(); it != d->surfaces.end();) {
    Surface* s = *it;
    if (s->current_count) {
      s->destroyed = true;
      ++it;
    } else {
      it = d->surfaces.erase(it);
      destroy_surface_on_host(s);
    }
  }
  d->initialized = false;
  return succeed();
}

// The relay's own display extensions, and those it carries where the host has them.
const std::string& display_extensions() {
  static const std::string extensions = [] {
    std::string all =
        "EGL_KHR_create_context EGL_KHR_surfaceless_context EGL_KHR_get_all_proc_addresses "
        "EGL_KHR_client_get_all_proc_addresses EGL_KHR_fence_sync";
    const wire::Caps* c = caps();
    const std::string host = c ? c->get("egl_extensions") : "";
    return host.empty() ? all : all + " " + host;
  }();
  return extensions;
}

bool has_display_extension(const char* name) {
  const std::string padded = " " + display_extensions() + " ";
  return padded.find(" " + std::string(name) + " ") != std::string::npos;
}

EGLint EGLAPIENTRY GetError() {
  const EGLint e = last_error;
  last_error = EGL_SUCCESS;
  return e;
}

const char* EGLAPIENTRY QueryString(EGLDisplay dpy, EGLint name) {
  std::lock_guard lock(mutex);
  if (dpy == EGL_NO_DISPLAY && name == EGL_EXTENSIONS) {
    last_error = EGL_SUCCESS;
    return kClientExtensions;
  }
  if (!initialized_display(dpy)) return nullptr;
  last_error = EGL_SUCCESS;
  switch (name) {
    case EGL_VENDOR:
      return "gfxrelay";
    case EGL_VERSION:
      return "1.5 gfxrelay";
    case EGL_CLIENT_APIS:
      return "OpenGL OpenGL_ES";
    case EGL_EXTENSIONS:
      return display_extensions().c_str();
    default:
      return fail(EGL_BAD_PARAMETER, static_cast<const char*>(nullptr));
  }
}

EGLBoolean EGLAPIENTRY GetConfigs(EGLDisplay dpy, EGLConfig* configs, EGLint size, EGLint* count) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  if (!count) return fail(EGL_BAD_PARAMETER);
  const size_t n = config_count();
  if (!configs) {
    *count = static_cast<EGLint>(n);
    return succeed();
  }
  EGLint written = 0;
  for (size_t i = 0; i < n && written < size; ++i) configs[written++] = to_handle(i);
  *count = written;
  return succeed();
}

EGLBoolean EGLAPIENTRY ChooseConfig(EGLDisplay dpy, const EGLint* attribs, EGLConfig* configs,
                                    EGLint size, EGLint* count) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  if (!count) return fail(EGL_BAD_PARAMETER);
  // The host has pbuffers only: a wish for windows goes there as one for pbuffers, and the
  // native-visual attributes are matched here.
  std::vector<EGLint> host_attribs;
  bool windows_only = false, surface_type_given = false;
  for (const EGLint* a = attribs; a && a[0] != EGL_NONE; a += 2) {
    EGLint value = a[1];
    if (a[0] == EGL_NATIVE_RENDERABLE || a[0] == EGL_NATIVE_VISUAL_TYPE) {
      windows_only = windows_only || (value != EGL_DONT_CARE && value != EGL_FALSE);
      continue;
    }
    if (a[0] == EGL_SURFACE_TYPE && value != EGL_DONT_CARE) {
      if (value & EGL_PIXMAP_BIT) {  // no pixmaps on the relay
        *count = 0;
        return succeed();
      }
      if (value & EGL_WINDOW_BIT) {
        windows_only = true;
        value = (value & ~EGL_WINDOW_BIT) | EGL_PBUFFER_BIT;
      }
    }
    host_attribs.insert(host_attribs.end(), {a[0], value});
    surface_type_given = surface_type_given || a[0] == EGL_SURFACE_TYPE;
  }
  // EGL_SURFACE_TYPE defaults to EGL_WINDOW_BIT (EGL 1.5, table 3.4): on a display with
  // windows, an unsaid surface type asks for window configs.
  if (!surface_type_given && window_visual(d) != 0) {
    windows_only = true;
    host_attribs.insert(host_attribs.end(), {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT});
  }
  host_attribs.push_back(EGL_NONE);
  wire::MessageWriter w;
  wire::put_attribs(w, host_attribs.data());
  std::vector<uint8_t> reply;
  if (!request_host(wire::Control::kChooseConfig, w, &reply)) return fail(EGL_BAD_ALLOC);
  wire::Reader r(reply);
  const EGLint status = r.get<uint32_t>();
  const uint32_t n = r.get<uint32_t>();
  if (!r.ok()) return fail(EGL_BAD_ALLOC);
  if (status != EGL_SUCCESS) return fail(status);
  EGLint written = 0;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    const uint32_t index = r.get<uint32_t>();
    if (index >= config_count() || (windows_only && !window_config(d, index))) continue;
    if (configs && written < size) configs[written] = to_handle(index);
    ++written;
    if (configs && written >= size) break;
  }
  *count = written;
  return succeed();
}

EGLBoolean EGLAPIENTRY GetConfigAttrib(EGLDisplay dpy, EGLConfig config, EGLint attribute,
                                       EGLint* value) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  size_t index;
  if (!to_index(config, &index)) return fail(EGL_BAD_CONFIG);
  if (!value) return fail(EGL_BAD_PARAMETER);
  int32_t v;
  if (!caps()->config_value(index, attribute, &v)) return fail(EGL_BAD_ATTRIBUTE);
  // The host describes pbuffer configs; on an X11 display the 8-bit RGB ones are windows too.
  const bool window = (attribute == EGL_SURFACE_TYPE || attribute == EGL_NATIVE_RENDERABLE ||
                       attribute == EGL_NATIVE_VISUAL_ID || attribute == EGL_NATIVE_VISUAL_TYPE) &&
                      window_config(d, index);
  if (window && attribute == EGL_SURFACE_TYPE) v |= EGL_WINDOW_BIT;
  if (window && attribute == EGL_NATIVE_RENDERABLE) v = EGL_TRUE;
  if (window && attribute == EGL_NATIVE_VISUAL_ID) v = static_cast<int32_t>(window_visual(d));
  if (window && attribute == EGL_NATIVE_VISUAL_TYPE) v = x11::kTrueColor;
  *value = v;
  return succeed();
}

EGLSurface EGLAPIENTRY CreatePbufferSurface(EGLDisplay dpy, EGLConfig config,
                                            const EGLint* attribs) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_NO_SURFACE;
  size_t index;
  if (!to_index(config, &index)) return fail(EGL_BAD_CONFIG, EGL_NO_SURFACE);
  auto s = std::make_unique<Surface>();
  s->id = Connection::new_object_id();
  s->config = index;
  for (const EGLint* a = attribs; a && a[0] != EGL_NONE; a += 2)
    if (a[0] == EGL_LARGEST_PBUFFER) s->largest_pbuffer = a[1];
  const EGLint status = create_host_surface(s->id, index, attribs, &s->width, &s->height);
  if (status != EGL_SUCCESS) return fail(status, EGL_NO_SURFACE);
  Surface* surface = s.release();
  d->surfaces.insert(surface);
  last_error = EGL_SUCCESS;
  return surface;
}

// A window (EGL_KHR_platform_x11): a host pbuffer of the window's size, its frames put into
// the window at eglSwapBuffers. Attributes (render buffer, colorspace) are not honoured: the
// host surface is always back-buffered and linear.
EGLSurface create_window_surface(EGLDisplay dpy, EGLConfig config, x11::XWindow window) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_NO_SURFACE;
  // A display with no windows (surfaceless, device) refuses before looking at the config.
  x11::XDisplay* x = x_display_of(d);
  if (!x) return fail(EGL_BAD_NATIVE_WINDOW, EGL_NO_SURFACE);
  size_t index;
  if (!to_index(config, &index)) return fail(EGL_BAD_CONFIG, EGL_NO_SURFACE);
  int width = 0, height = 0;
  if (!window || !x11::checked_window_size(x, window, &width, &height))
    return fail(EGL_BAD_NATIVE_WINDOW, EGL_NO_SURFACE);
  if (!window_config(d, index)) return fail(EGL_BAD_MATCH, EGL_NO_SURFACE);
  for (Surface* other : d->surfaces)
    if (other->window == window && !other->destroyed) return fail(EGL_BAD_ALLOC, EGL_NO_SURFACE);
  auto s = std::make_unique<Surface>();
  s->config = index;
  s->window = window;
  if (!replace_host_window(&s->id, s->config, width, height, &s->width, &s->height))
    return fail(EGL_BAD_ALLOC, EGL_NO_SURFACE);
  s->presenter = std::make_unique<x11::WindowPresenter>(x, window);
  Surface* surface = s.release();
  d->surfaces.insert(surface);
  last_error = EGL_SUCCESS;
  return surface;
}

// The X11 platform's native window is the Window itself in eglCreateWindowSurface and a
// pointer to it in the platform forms.
x11::XWindow window_at(const void* native) {
  return native ? *static_cast<const x11::XWindow*>(native) : 0;
}
EGLSurface EGLAPIENTRY CreateWindowSurface(EGLDisplay dpy, EGLConfig config,
                                           EGLNativeWindowType window, const EGLint*) {
  return create_window_surface(dpy, config, static_cast<x11::XWindow>(window));
}
EGLSurface EGLAPIENTRY CreatePlatformWindowSurface(EGLDisplay dpy, EGLConfig config, void* window,
                                                   const EGLAttrib*) {
  return create_window_surface(dpy, config, window_at(window));
}
// EGL_EXT_platform_base's form (EGLint attributes); GLVND asks the vendor for it by name.
EGLSurface EGLAPIENTRY CreatePlatformWindowSurfaceEXT(EGLDisplay dpy, EGLConfig config,
                                                      void* window, const EGLint*) {
  return create_window_surface(dpy, config, window_at(window));
}

// The relay has no native pixmaps.
EGLSurface pixmap_surface_refused(EGLDisplay dpy) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_NO_SURFACE;
  return fail(EGL_BAD_NATIVE_PIXMAP, EGL_NO_SURFACE);
}
EGLSurface EGLAPIENTRY CreatePixmapSurface(EGLDisplay dpy, EGLConfig, EGLNativePixmapType,
                                           const EGLint*) {
  return pixmap_surface_refused(dpy);
}
EGLSurface EGLAPIENTRY CreatePlatformPixmapSurface(EGLDisplay dpy, EGLConfig, void*,
                                                   const EGLAttrib*) {
  return pixmap_surface_refused(dpy);
}
EGLSurface EGLAPIENTRY CreatePlatformPixmapSurfaceEXT(EGLDisplay dpy, EGLConfig, void*,
                                                      const EGLint*) {
  return pixmap_surface_refused(dpy);
}
EGLSurface EGLAPIENTRY CreatePbufferFromClientBuffer(EGLDisplay dpy, EGLenum, EGLClientBuffer,
                                                     EGLConfig, const EGLint*) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_NO_SURFACE;
  return fail(EGL_BAD_PARAMETER, EGL_NO_SURFACE);
}

EGLBoolean EGLAPIENTRY DestroySurface(EGLDisplay dpy, EGLSurface surface) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  Surface* s = to_surface(d, surface);
  if (!s || s->destroyed) return fail(EGL_BAD_SURFACE);
  if (s->current_count) {
    s->destroyed = true;  // goes when no longer current
  } else {
    d->surfaces.erase(s);
    destroy_surface_on_host(s);
  }
  return succeed();
}

EGLBoolean EGLAPIENTRY QuerySurface(EGLDisplay dpy, EGLSurface surface, EGLint attribute,
                                    EGLint* value) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  Surface* s = to_surface(d, surface);
  if (!s) return fail(EGL_BAD_SURFACE);
  if (!value) return fail(EGL_BAD_PARAMETER);
  switch (attribute) {
    case EGL_WIDTH:
      *value = s->width;
      break;
    case EGL_HEIGHT:
      *value = s->height;
      break;
    case EGL_CONFIG_ID: {
      int32_t id = 0;
      caps()->config_value(s->config, EGL_CONFIG_ID, &id);
      *value = id;
      break;
    }
    case EGL_LARGEST_PBUFFER:
      *value = s->largest_pbuffer;
      break;
    case EGL_RENDER_BUFFER:
      *value = EGL_BACK_BUFFER;
      break;
    case EGL_TEXTURE_FORMAT:
      *value = EGL_NO_TEXTURE;
      break;
    case EGL_TEXTURE_TARGET:
      *value = EGL_NO_TEXTURE;
      break;
    case EGL_MIPMAP_TEXTURE:
      *value = EGL_FALSE;
      break;
    case EGL_MIPMAP_LEVEL:
      *value = 0;
      break;
    case EGL_SWAP_BEHAVIOR:
      *value = EGL_BUFFER_DESTROYED;
      break;
    case EGL_MULTISAMPLE_RESOLVE:
      *value = EGL_MULTISAMPLE_RESOLVE_DEFAULT;
      break;
    case EGL_HORIZONTAL_RESOLUTION:
    case EGL_VERTICAL_RESOLUTION:
    case EGL_PIXEL_ASPECT_RATIO:
      *value = EGL_UNKNOWN;
      break;
    case EGL_VG_ALPHA_FORMAT:
      *value = EGL_VG_ALPHA_FORMAT_NONPRE;
      break;
    case EGL_VG_COLORSPACE:
      *value = EGL_VG_COLORSPACE_sRGB;
      break;
    case EGL_GL_COLORSPACE:
      *value = EGL_GL_COLORSPACE_LINEAR;
      break;
    default:
      return fail(EGL_BAD_ATTRIBUTE);
  }
  return succeed();
}

EGLBoolean EGLAPIENTRY SurfaceAttrib(EGLDisplay dpy, EGLSurface surface, EGLint attribute, EGLint) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  if (!to_surface(d, surface)) return fail(EGL_BAD_SURFACE);
  if (attribute != EGL_SWAP_BEHAVIOR && attribute != EGL_MULTISAMPLE_RESOLVE &&
      attribute != EGL_MIPMAP_LEVEL)
    return fail(EGL_BAD_ATTRIBUTE);
  return succeed();
}

EGLBoolean EGLAPIENTRY BindTexImage(EGLDisplay dpy, EGLSurface, EGLint) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  return fail(EGL_BAD_MATCH);
}

EGLBoolean EGLAPIENTRY CopyBuffers(EGLDisplay dpy, EGLSurface, EGLNativePixmapType) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  return fail(EGL_BAD_NATIVE_PIXMAP);  // no native pixmaps on the relay
}

EGLBoolean EGLAPIENTRY BindAPI(EGLenum api) {
  if (api != EGL_OPENGL_ES_API && api != EGL_OPENGL_API) return fail(EGL_BAD_PARAMETER);
  bound_api = api;
  return succeed();
}

EGLenum EGLAPIENTRY QueryAPI() {
  return bound_api;
}

EGLContext EGLAPIENTRY CreateContext(EGLDisplay dpy, EGLConfig config, EGLContext share,
                                     const EGLint* attribs) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_NO_CONTEXT;
  size_t index = SIZE_MAX;
  if (config != EGL_NO_CONFIG_KHR && !to_index(config, &index))
    return fail(EGL_BAD_CONFIG, EGL_NO_CONTEXT);
  EglContext* shared_with = nullptr;
  if (share != EGL_NO_CONTEXT) {
    shared_with = to_context(d, share);
    if (!shared_with || shared_with->destroyed) return fail(EGL_BAD_CONTEXT, EGL_NO_CONTEXT);
  }
  EGLint major = 1;
  for (const EGLint* a = attribs; a && a[0] != EGL_NONE; a += 2)
    if (a[0] == EGL_CONTEXT_MAJOR_VERSION) major = a[1];
  auto ctx = std::make_unique<EglContext>();
  ctx->id = Connection::new_object_id();
  ctx->config = index;
  ctx->major = major;
  ctx->api = bound_api;
  const EGLint status =
      create_host_context(ctx->id, index, shared_with ? shared_with->id : 0, bound_api, attribs,
                          major, shared_with ? shared_with->gl->share_group() : nullptr, &ctx->gl);
  if (status != EGL_SUCCESS) return fail(status, EGL_NO_CONTEXT);
  EglContext* handle = ctx.release();
  d->contexts.insert(handle);
  last_error = EGL_SUCCESS;
  return handle;
}

EGLBoolean EGLAPIENTRY DestroyContext(EGLDisplay dpy, EGLContext context) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  EglContext* ctx = to_context(d, context);
  if (!ctx || ctx->destroyed) return fail(EGL_BAD_CONTEXT);
  if (ctx->bound) {
    ctx->destroyed = true;
  } else {
    d->contexts.erase(ctx);
    destroy_context_on_host(ctx);
  }
  return succeed();
}

EGLBoolean EGLAPIENTRY MakeCurrent(EGLDisplay dpy, EGLSurface draw, EGLSurface read,
                                   EGLContext context) {
  std::lock_guard lock(mutex);
  Display* d = to_display(dpy);
  if (!d) return fail(EGL_BAD_DISPLAY);
  if (context == EGL_NO_CONTEXT) {
    if (draw != EGL_NO_SURFACE || read != EGL_NO_SURFACE) return fail(EGL_BAD_MATCH);
    release_current(d);
    return succeed();
  }
  if (!d->initialized) return fail(EGL_NOT_INITIALIZED);
  EglContext* ctx = to_context(d, context);
  if (!ctx) return fail(EGL_BAD_CONTEXT);
  if ((draw == EGL_NO_SURFACE) != (read == EGL_NO_SURFACE)) return fail(EGL_BAD_MATCH);
  Surface* ds = draw == EGL_NO_SURFACE ? nullptr : to_surface(d, draw);
  Surface* rs = read == EGL_NO_SURFACE ? nullptr : to_surface(d, read);
  if ((draw != EGL_NO_SURFACE && !ds) || (read != EGL_NO_SURFACE && !rs))
    return fail(EGL_BAD_SURFACE);
  if (ctx->bound && ctx->bound_thread != std::this_thread::get_id()) return fail(EGL_BAD_ACCESS);
  if (ctx == current_context && ctx->draw == ds && ctx->read == rs) return succeed();
  if (current_context && current_context != ctx) release_current(d);
  const EGLint status = host_make_current(ctx, ds, rs, false);
  if (status != EGL_SUCCESS) return fail(status);
  for (Surface* s : {ctx->draw, ctx->read})
    if (s) --s->current_count;
  for (Surface* s : {ds, rs})
    if (s) ++s->current_count;
  ctx->draw = ds;
  ctx->read = rs;
  ctx->bound = true;
  ctx->bound_thread = std::this_thread::get_id();
  current_context = ctx;
  Context::set_current(ctx->gl.get());
  return succeed();
}

EGLBoolean EGLAPIENTRY QueryContext(EGLDisplay dpy, EGLContext context, EGLint attribute,
                                    EGLint* value) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  EglContext* ctx = to_context(d, context);
  if (!ctx) return fail(EGL_BAD_CONTEXT);
  if (!value) return fail(EGL_BAD_PARAMETER);
  switch (attribute) {
    case EGL_CONFIG_ID: {
      int32_t id = 0;
      if (ctx->config != SIZE_MAX) caps()->config_value(ctx->config, EGL_CONFIG_ID, &id);
      *value = id;
      break;
    }
    case EGL_CONTEXT_CLIENT_TYPE:
      *value = ctx->api;
      break;
    case EGL_CONTEXT_CLIENT_VERSION:
      *value = ctx->major;
      break;
    case EGL_RENDER_BUFFER:
      *value = ctx->draw ? EGL_BACK_BUFFER : EGL_NONE;
      break;
    default:
      return fail(EGL_BAD_ATTRIBUTE);
  }
  return succeed();
}

// Presents a window's frame, then follows its size: the next frame renders at the new size
// (the program learns it from its X events or eglQuerySurface). Lock held.
EGLBoolean swap_window(Display* d, Surface* s) {
  EglContext* ctx = current_context;
  // Desktop GL reads B,G,R,A (the X image's bytes); OpenGL ES is sure to read only R,G,B,A.
  const x11::PixelOrder order =
      ctx->api == EGL_OPENGL_API ? x11::PixelOrder::kBgra : x11::PixelOrder::kRgba;
  x11::WindowSizeRequest size(d->x_display, s->window);
  if (!present_frame(*ctx->gl, s->id, s->width, s->height, order, *s->presenter))
    return fail(ctx->gl->alive() ? EGL_BAD_SURFACE : EGL_CONTEXT_LOST);
  int width = 0, height = 0;
  if (!size.get(&width, &height)) return succeed();
  if ((width != s->width || height != s->height) &&
      replace_host_window(&s->id, s->config, width, height, &s->width, &s->height))
    host_make_current(ctx, s, ctx->read, false);
  return succeed();
}

EGLBoolean EGLAPIENTRY SwapBuffers(EGLDisplay dpy, EGLSurface surface) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  Surface* s = to_surface(d, surface);
  if (!s) return fail(EGL_BAD_SURFACE);
  if (!current_context || current_context->draw != s) return fail(EGL_BAD_SURFACE);
  Context& gl = *current_context->gl;
  if (s->window) return swap_window(d, s);
  uint8_t* p = gl.begin(wire::Op::gfxrelay_SwapBuffers, 16);
  if (!p) return fail(EGL_CONTEXT_LOST);
  wire::store<uint32_t>(p + 8, s->id);
  wire::store<uint32_t>(p + 12, 0);
  gl.end(16);
  gl.flush();
  return succeed();
}

EGLBoolean EGLAPIENTRY SwapInterval(EGLDisplay dpy, EGLint) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  return succeed();
}

EGLBoolean EGLAPIENTRY WaitClient() {
  if (current_context) gles::hand::glFinish();
  return succeed();
}
EGLBoolean EGLAPIENTRY WaitNative(EGLint) {
  return succeed();
}

EGLBoolean EGLAPIENTRY ReleaseThread() {
  std::lock_guard lock(mutex);
  if (current_context) {
    Display* d = &default_display;
    for (Display* candidate : displays)
      if (candidate->contexts.count(current_context)) d = candidate;
    release_current(d);
  }
  bound_api = EGL_OPENGL_ES_API;
  return succeed();
}

// Fence syncs: created signaled after the host has finished the work before them.
struct FenceSync {};
std::set<FenceSync*> syncs;

EGLSync EGLAPIENTRY CreateSync(EGLDisplay dpy, EGLenum type, const EGLAttrib*) {
  {
    std::lock_guard lock(mutex);
    if (!initialized_display(dpy)) return EGL_NO_SYNC;
    if (type != EGL_SYNC_FENCE) return fail(EGL_BAD_ATTRIBUTE, EGL_NO_SYNC);
    if (!current_context) return fail(EGL_BAD_MATCH, EGL_NO_SYNC);
  }
  gles::hand::glFinish();
  std::lock_guard lock(mutex);
  auto* s = new FenceSync;
  syncs.insert(s);
  last_error = EGL_SUCCESS;
  return s;
}
EGLSyncKHR EGLAPIENTRY CreateSyncKHR(EGLDisplay dpy, EGLenum type, const EGLint*) {
  return CreateSync(dpy, type, nullptr);
}
EGLBoolean EGLAPIENTRY DestroySync(EGLDisplay dpy, EGLSync sync) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  if (!syncs.erase(static_cast<FenceSync*>(sync))) return fail(EGL_BAD_PARAMETER);
  delete static_cast<FenceSync*>(sync);
  return succeed();
}
EGLint EGLAPIENTRY ClientWaitSync(EGLDisplay dpy, EGLSync sync, EGLint, EGLTime) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  if (!syncs.count(static_cast<FenceSync*>(sync))) return fail(EGL_BAD_PARAMETER);
  last_error = EGL_SUCCESS;
  return EGL_CONDITION_SATISFIED;
}
EGLint EGLAPIENTRY ClientWaitSyncKHR(EGLDisplay dpy, EGLSyncKHR sync, EGLint flags, EGLTimeKHR t) {
  return ClientWaitSync(dpy, sync, flags, t);
}
EGLBoolean EGLAPIENTRY WaitSync(EGLDisplay dpy, EGLSync sync, EGLint) {
  return ClientWaitSync(dpy, sync, 0, 0) == EGL_CONDITION_SATISFIED;
}
EGLBoolean EGLAPIENTRY GetSyncAttrib(EGLDisplay dpy, EGLSync sync, EGLint attribute,
                                     EGLAttrib* value) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  if (!syncs.count(static_cast<FenceSync*>(sync))) return fail(EGL_BAD_PARAMETER);
  if (!value) return fail(EGL_BAD_PARAMETER);
  switch (attribute) {
    case EGL_SYNC_TYPE:
      *value = EGL_SYNC_FENCE;
      break;
    case EGL_SYNC_STATUS:
      *value = EGL_SIGNALED;
      break;
    case EGL_SYNC_CONDITION:
      *value = EGL_SYNC_PRIOR_COMMANDS_COMPLETE;
      break;
    default:
      return fail(EGL_BAD_ATTRIBUTE);
  }
  return succeed();
}
EGLBoolean EGLAPIENTRY GetSyncAttribKHR(EGLDisplay dpy, EGLSyncKHR sync, EGLint attribute,
                                        EGLint* value) {
  EGLAttrib v = 0;
  if (!GetSyncAttrib(dpy, sync, attribute, &v)) return EGL_FALSE;
  if (value) *value = static_cast<EGLint>(v);
  return EGL_TRUE;
}

// --- GLVND vendor interface --------------------------------------------------------------

EGLDisplay get_platform_display(EGLenum platform, void* native, const EGLAttrib*) {
  if (platform == EGL_PLATFORM_SURFACELESS_MESA && native == nullptr) return &surfaceless_display;
  if ((platform == EGL_NONE || platform == EGL_PLATFORM_X11_KHR) && native == nullptr)
    return &default_display;  // EGL_DEFAULT_DISPLAY: $DISPLAY once windows are made
  if (platform == EGL_PLATFORM_DEVICE_EXT && (native == nullptr || native == &relay_device))
    return &device_display;
  // eglGetDisplay of a native display: GLVND passes it as is unless it could tell the
  // platform; on this vendor it is an Xlib Display.
  if (platform == EGL_PLATFORM_X11_KHR || platform == EGL_NONE) {
    std::lock_guard lock(mutex);
    auto* x = static_cast<x11::XDisplay*>(native);
    Display*& d = x11_displays[x];
    if (!d) {
      d = new Display(EGL_PLATFORM_X11_KHR, x);
      displays.insert(d);
    }
    return d;
  }
  return fail(EGL_BAD_PARAMETER, EGL_NO_DISPLAY);  // a platform not ours
}

EGLBoolean supports_api(EGLenum api) {
  return api == EGL_OPENGL_ES_API || api == EGL_OPENGL_API;
}

const char* vendor_string(int name) {
  if (name == __EGL_VENDOR_STRING_PLATFORM_EXTENSIONS) return kClientExtensions;
  return nullptr;
}

// --- Images of GL objects (EGL 1.5, EGL_KHR_image_base, EGL_KHR_gl_*_image) ------------------

template <typename Attrib>
EGLImage create_image(EGLDisplay dpy, EGLContext context, EGLenum target, EGLClientBuffer buffer,
                      const Attrib* attribs) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_NO_IMAGE;
  if (!has_display_extension("EGL_KHR_image_base")) return fail(EGL_BAD_PARAMETER, EGL_NO_IMAGE);
  EglContext* ctx = to_context(d, context);
  if (!ctx || ctx->destroyed) return fail(EGL_BAD_CONTEXT, EGL_NO_IMAGE);
  const auto object = reinterpret_cast<uintptr_t>(buffer);
  if (object > UINT32_MAX) return fail(EGL_BAD_PARAMETER, EGL_NO_IMAGE);
  // The image is made in the context's own stream, after the commands that made the object.
  // Its stream is this thread's to use if the context is current here or nowhere.
  if (ctx->bound && ctx->bound_thread != std::this_thread::get_id())
    return fail(EGL_BAD_ACCESS, EGL_NO_IMAGE);
  const uint32_t id = Connection::new_object_id();
  wire::MessageWriter w;  // u32 id, target, object, then the attribute list: a multiple of 8
  w.put<uint32_t>(id);
  w.put<uint32_t>(target);
  w.put<uint32_t>(static_cast<uint32_t>(object));
  wire::put_attribs(w, attribs);
  const size_t size = 8 + w.bytes().size();
  uint8_t* p = ctx->gl->begin(wire::Op::gfxrelay_CreateImage, size);
  if (!p) return fail(EGL_BAD_ALLOC, EGL_NO_IMAGE);
  std::memcpy(p + 8, w.bytes().data(), w.bytes().size());
  ctx->gl->end(size);
  gles::ReplyReader reply = ctx->gl->sync();
  if (!reply.live()) return fail(EGL_BAD_ALLOC, EGL_NO_IMAGE);
  const EGLint status = static_cast<EGLint>(reply.scalar<uint32_t>());
  if (status != EGL_SUCCESS) return fail(status, EGL_NO_IMAGE);
  d->images.insert(id);
  last_error = EGL_SUCCESS;
  return reinterpret_cast<EGLImage>(uintptr_t{id});
}

EGLImage EGLAPIENTRY CreateImage(EGLDisplay dpy, EGLContext context, EGLenum target,
                                 EGLClientBuffer buffer, const EGLAttrib* attribs) {
  return create_image(dpy, context, target, buffer, attribs);
}
EGLImageKHR EGLAPIENTRY CreateImageKHR(EGLDisplay dpy, EGLContext context, EGLenum target,
                                       EGLClientBuffer buffer, const EGLint* attribs) {
  return create_image(dpy, context, target, buffer, attribs);
}

EGLBoolean EGLAPIENTRY DestroyImage(EGLDisplay dpy, EGLImage image) {
  std::lock_guard lock(mutex);
  Display* d = initialized_display(dpy);
  if (!d) return EGL_FALSE;
  const auto id = reinterpret_cast<uintptr_t>(image);
  if (id > UINT32_MAX || !d->images.erase(static_cast<uint32_t>(id)))
    return fail(EGL_BAD_PARAMETER);
  destroy_image_on_host(static_cast<uint32_t>(id));
  return succeed();
}

// --- EGL_EXT_device_enumeration, EGL_EXT_device_query -------------------------------------

EGLBoolean EGLAPIENTRY QueryDevicesEXT(EGLint max_devices, EGLDeviceEXT* devices,
                                       EGLint* num_devices) {
  if (!num_devices || (devices && max_devices <= 0)) return fail(EGL_BAD_PARAMETER);
  *num_devices = 1;
  if (devices) devices[0] = &relay_device;
  return succeed();
}

EGLBoolean EGLAPIENTRY QueryDeviceAttribEXT(EGLDeviceEXT device, EGLint, EGLAttrib* value) {
  if (device != &relay_device) return fail(EGL_BAD_DEVICE_EXT);
  if (!value) return fail(EGL_BAD_PARAMETER);
  return fail(EGL_BAD_ATTRIBUTE);  // the device extensions the relay has define none
}

const char* EGLAPIENTRY QueryDeviceStringEXT(EGLDeviceEXT device, EGLint name) {
  if (device != &relay_device) return fail(EGL_BAD_DEVICE_EXT, static_cast<const char*>(nullptr));
  if (name != EGL_EXTENSIONS) return fail(EGL_BAD_PARAMETER, static_cast<const char*>(nullptr));
  last_error = EGL_SUCCESS;
  return "";
}

EGLBoolean EGLAPIENTRY QueryDisplayAttribEXT(EGLDisplay dpy, EGLint attribute, EGLAttrib* value) {
  std::lock_guard lock(mutex);
  if (!initialized_display(dpy)) return EGL_FALSE;
  if (!value) return fail(EGL_BAD_PARAMETER);
  if (attribute != EGL_DEVICE_EXT) return fail(EGL_BAD_ATTRIBUTE);
  *value = reinterpret_cast<EGLAttrib>(&relay_device);
  return succeed();
}

struct EglProc {
  const char* name;
  void* address;
};
#define EGL_PROC(name, fn) \
  { name, reinterpret_cast<void*>(&fn) }
const EglProc kEglProcs[] = {
    EGL_PROC("eglBindAPI", BindAPI),
    EGL_PROC("eglBindTexImage", BindTexImage),
    EGL_PROC("eglChooseConfig", ChooseConfig),
    EGL_PROC("eglClientWaitSync", ClientWaitSync),
    EGL_PROC("eglClientWaitSyncKHR", ClientWaitSyncKHR),
    EGL_PROC("eglCopyBuffers", CopyBuffers),
    EGL_PROC("eglCreateContext", CreateContext),
    EGL_PROC("eglCreateImage", CreateImage),
    EGL_PROC("eglCreateImageKHR", CreateImageKHR),
    EGL_PROC("eglCreatePbufferFromClientBuffer", CreatePbufferFromClientBuffer),
    EGL_PROC("eglCreatePbufferSurface", CreatePbufferSurface),
    EGL_PROC("eglCreatePixmapSurface", CreatePixmapSurface),
    EGL_PROC("eglCreatePlatformPixmapSurface", CreatePlatformPixmapSurface),
    EGL_PROC("eglCreatePlatformPixmapSurfaceEXT", CreatePlatformPixmapSurfaceEXT),
    EGL_PROC("eglCreatePlatformWindowSurface", CreatePlatformWindowSurface),
    EGL_PROC("eglCreatePlatformWindowSurfaceEXT", CreatePlatformWindowSurfaceEXT),
    EGL_PROC("eglCreateSync", CreateSync),
    EGL_PROC("eglCreateSyncKHR", CreateSyncKHR),
    EGL_PROC("eglCreateWindowSurface", CreateWindowSurface),
    EGL_PROC("eglDestroyContext", DestroyContext),
    EGL_PROC("eglDestroyImage", DestroyImage),
    EGL_PROC("eglDestroyImageKHR", DestroyImage),
    EGL_PROC("eglDestroySurface", DestroySurface),
    EGL_PROC("eglDestroySync", DestroySync),
    EGL_PROC("eglDestroySyncKHR", DestroySync),
    EGL_PROC("eglGetConfigAttrib", GetConfigAttrib),
    EGL_PROC("eglGetConfigs", GetConfigs),
    EGL_PROC("eglGetError", GetError),
    EGL_PROC("eglGetSyncAttrib", GetSyncAttrib),
    EGL_PROC("eglGetSyncAttribKHR", GetSyncAttribKHR),
    EGL_PROC("eglInitialize", Initialize),
    EGL_PROC("eglMakeCurrent", MakeCurrent),
    EGL_PROC("eglQueryAPI", QueryAPI),
    EGL_PROC("eglQueryContext", QueryContext),
    EGL_PROC("eglQueryDeviceAttribEXT", QueryDeviceAttribEXT),
    EGL_PROC("eglQueryDeviceStringEXT", QueryDeviceStringEXT),
    EGL_PROC("eglQueryDevicesEXT", QueryDevicesEXT),
    EGL_PROC("eglQueryDisplayAttribEXT", QueryDisplayAttribEXT),
    EGL_PROC("eglQueryDisplayAttribKHR", QueryDisplayAttribEXT),
    EGL_PROC("eglQueryString", QueryString),
    EGL_PROC("eglQuerySurface", QuerySurface),
    EGL_PROC("eglReleaseTexImage", BindTexImage),
    EGL_PROC("eglReleaseThread", ReleaseThread),
    EGL_PROC("eglSurfaceAttrib", SurfaceAttrib),
    EGL_PROC("eglSwapBuffers", SwapBuffers),
    EGL_PROC("eglSwapInterval", SwapInterval),
    EGL_PROC("eglTerminate", Terminate),
    EGL_PROC("eglWaitClient", WaitClient),
    EGL_PROC("eglWaitGL", WaitClient),
    EGL_PROC("eglWaitNative", WaitNative),
    EGL_PROC("eglWaitSync", WaitSync),
};

void* get_proc_address(const char* name) {
  if (!name) return nullptr;
  if (name[0] == 'e') {
    for (const EglProc& p : kEglProcs)
      if (std::strcmp(p.name, name) == 0) return p.address;
    return nullptr;
  }
  return gles::gl_proc_address(name);
}

// Dispatch stubs. libEGL has stubs of its own for core EGL only; for extension functions a
// vendor hands it stubs that find the vendor of the display (or device) and call its entry
// point, which libEGL fetches by the index it gives each name.
const __EGLapiExports* glvnd = nullptr;

enum Stub {
  kCreateSyncKHR,
  kDestroySyncKHR,
  kClientWaitSyncKHR,
  kGetSyncAttribKHR,
  kCreateImageKHR,
  kDestroyImageKHR,
  kQueryDeviceAttribEXT,
  kQueryDeviceStringEXT,
  kStubCount
};
int stub_index[kStubCount] = {-1, -1, -1, -1, -1, -1, -1, -1};

template <typename Fn>
Fn vendor_entry(__EGLvendorInfo* vendor, Stub stub, EGLint error) {
  Fn fn = vendor && stub_index[stub] >= 0
              ? reinterpret_cast<Fn>(glvnd->fetchDispatchEntry(vendor, stub_index[stub]))
              : nullptr;
  if (!fn) {
    glvnd->setEGLError(error);
    return nullptr;
  }
  glvnd->setLastVendor(vendor);
  return fn;
}
template <typename Fn>
Fn display_entry(EGLDisplay dpy, Stub stub) {
  glvnd->threadInit();
  return vendor_entry<Fn>(glvnd->getVendorFromDisplay(dpy), stub, EGL_BAD_DISPLAY);
}
template <typename Fn>
Fn device_entry(EGLDeviceEXT device, Stub stub) {
  glvnd->threadInit();
  return vendor_entry<Fn>(glvnd->getVendorFromDevice(device), stub, EGL_BAD_DEVICE_EXT);
}

EGLSyncKHR EGLAPIENTRY StubCreateSyncKHR(EGLDisplay dpy, EGLenum type, const EGLint* attribs) {
  auto fn = display_entry<PFNEGLCREATESYNCKHRPROC>(dpy, kCreateSyncKHR);
  return fn ? fn(dpy, type, attribs) : EGL_NO_SYNC_KHR;
}
EGLBoolean EGLAPIENTRY StubDestroySyncKHR(EGLDisplay dpy, EGLSyncKHR sync) {
  auto fn = display_entry<PFNEGLDESTROYSYNCKHRPROC>(dpy, kDestroySyncKHR);
  return fn ? fn(dpy, sync) : EGL_FALSE;
}
EGLint EGLAPIENTRY StubClientWaitSyncKHR(EGLDisplay dpy, EGLSyncKHR sync, EGLint flags,
                                         EGLTimeKHR timeout) {
  auto fn = display_entry<PFNEGLCLIENTWAITSYNCKHRPROC>(dpy, kClientWaitSyncKHR);
  return fn ? fn(dpy, sync, flags, timeout) : EGL_FALSE;
}
EGLBoolean EGLAPIENTRY StubGetSyncAttribKHR(EGLDisplay dpy, EGLSyncKHR sync, EGLint attribute,
                                            EGLint* value) {
  auto fn = display_entry<PFNEGLGETSYNCATTRIBKHRPROC>(dpy, kGetSyncAttribKHR);
  return fn ? fn(dpy, sync, attribute, value) : EGL_FALSE;
}
EGLImageKHR EGLAPIENTRY StubCreateImageKHR(EGLDisplay dpy, EGLContext context, EGLenum target,
                                           EGLClientBuffer buffer, const EGLint* attribs) {
  auto fn = display_entry<PFNEGLCREATEIMAGEKHRPROC>(dpy, kCreateImageKHR);
  return fn ? fn(dpy, context, target, buffer, attribs) : EGL_NO_IMAGE_KHR;
}
EGLBoolean EGLAPIENTRY StubDestroyImageKHR(EGLDisplay dpy, EGLImageKHR image) {
  auto fn = display_entry<PFNEGLDESTROYIMAGEKHRPROC>(dpy, kDestroyImageKHR);
  return fn ? fn(dpy, image) : EGL_FALSE;
}
EGLBoolean EGLAPIENTRY StubQueryDeviceAttribEXT(EGLDeviceEXT device, EGLint attribute,
                                                EGLAttrib* value) {
  auto fn = device_entry<PFNEGLQUERYDEVICEATTRIBEXTPROC>(device, kQueryDeviceAttribEXT);
  return fn ? fn(device, attribute, value) : EGL_FALSE;
}
const char* EGLAPIENTRY StubQueryDeviceStringEXT(EGLDeviceEXT device, EGLint name) {
  auto fn = device_entry<PFNEGLQUERYDEVICESTRINGEXTPROC>(device, kQueryDeviceStringEXT);
  return fn ? fn(device, name) : nullptr;
}

const EglProc kStubs[kStubCount] = {
    EGL_PROC("eglCreateSyncKHR", StubCreateSyncKHR),
    EGL_PROC("eglDestroySyncKHR", StubDestroySyncKHR),
    EGL_PROC("eglClientWaitSyncKHR", StubClientWaitSyncKHR),
    EGL_PROC("eglGetSyncAttribKHR", StubGetSyncAttribKHR),
    EGL_PROC("eglCreateImageKHR", StubCreateImageKHR),
    EGL_PROC("eglDestroyImageKHR", StubDestroyImageKHR),
    EGL_PROC("eglQueryDeviceAttribEXT", StubQueryDeviceAttribEXT),
    EGL_PROC("eglQueryDeviceStringEXT", StubQueryDeviceStringEXT),
};

void* get_dispatch_address(const char* name) {
  for (const EglProc& stub : kStubs)
    if (std::strcmp(stub.name, name) == 0) return stub.address;
  return nullptr;
}

void set_dispatch_index(const char* name, int index) {
  for (int i = 0; i < kStubCount; ++i)
    if (std::strcmp(kStubs[i].name, name) == 0) stub_index[i] = index;
}
#undef EGL_PROC

}  // namespace
}  // namespace gfxrelay::guest::egl

extern "C" __attribute__((visibility("default"))) EGLBoolean __egl_Main(
    uint32_t version, const __EGLapiExports* exports, __EGLvendorInfo*, __EGLapiImports* imports) {
  using namespace gfxrelay::guest::egl;
  if (EGL_VENDOR_ABI_GET_MAJOR_VERSION(version) != EGL_VENDOR_ABI_MAJOR_VERSION) return EGL_FALSE;
  glvnd = exports;
  imports->getPlatformDisplay = get_platform_display;
  imports->getSupportsAPI = supports_api;
  imports->getVendorString = vendor_string;
  imports->getProcAddress = get_proc_address;
  imports->getDispatchAddress = get_dispatch_address;
  imports->setDispatchIndex = set_dispatch_index;
  return EGL_TRUE;
}
