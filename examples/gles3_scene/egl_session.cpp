#include "egl_session.h"

#include <EGL/eglext.h>

#include <string_view>
#include <vector>

#include "failure.h"

namespace gles3_scene {
namespace {

// Extension strings are space-separated names; match whole names only.
bool HasExtension(const char* extensions, std::string_view name) {
  if (extensions == nullptr) return false;
  std::string_view rest(extensions);
  while (!rest.empty()) {
    const size_t end = rest.find(' ');
    if (rest.substr(0, end) == name) return true;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

EGLint ConfigAttrib(EGLDisplay display, EGLConfig config, EGLint attribute) {
  EGLint value = 0;
  CheckEgl(eglGetConfigAttrib(display, config, attribute, &value) == EGL_TRUE,
           "eglGetConfigAttrib");
  return value;
}

}  // namespace

EglSession::EglSession(int width, int height) {
  // Client extensions; NULL (with EGL_BAD_DISPLAY) when the library has none, which is fine.
  const char* client_extensions = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (client_extensions == nullptr) eglGetError();
  if (HasExtension(client_extensions, "EGL_MESA_platform_surfaceless")) {
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA,
                                     reinterpret_cast<void*>(EGL_DEFAULT_DISPLAY), nullptr);
    CheckEgl(display_ != EGL_NO_DISPLAY, "eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA)");
    used_surfaceless_platform_ = true;
  } else {
    display_ = eglGetDisplay(EGL_DEFAULT_DISPLAY);
    CheckEgl(display_ != EGL_NO_DISPLAY, "eglGetDisplay");
  }

  EGLint major = 0, minor = 0;
  CheckEgl(eglInitialize(display_, &major, &minor) == EGL_TRUE, "eglInitialize");
  initialized_ = true;
  CheckEgl(eglBindAPI(EGL_OPENGL_ES_API) == EGL_TRUE, "eglBindAPI");

  const EGLint config_attribs[] = {
      EGL_SURFACE_TYPE,
      EGL_PBUFFER_BIT,
      EGL_RENDERABLE_TYPE,
      EGL_OPENGL_ES3_BIT,
      EGL_RED_SIZE,
      8,
      EGL_GREEN_SIZE,
      8,
      EGL_BLUE_SIZE,
      8,
      EGL_ALPHA_SIZE,
      8,
      EGL_DEPTH_SIZE,
      24,
      EGL_NONE,
  };
  EGLint count = 0;
  CheckEgl(eglChooseConfig(display_, config_attribs, nullptr, 0, &count) == EGL_TRUE,
           "eglChooseConfig");
  if (count == 0) throw Failure("eglChooseConfig: no RGBA8 / depth 24 / ES3 pbuffer config");
  std::vector<EGLConfig> configs(static_cast<size_t>(count));
  CheckEgl(eglChooseConfig(display_, config_attribs, configs.data(), count, &count) == EGL_TRUE,
           "eglChooseConfig");
  // The sort order puts deeper formats (e.g. 10-bit) on par with RGBA8; take an exact match so
  // every run renders into the same format.
  EGLConfig config = nullptr;
  for (EGLint i = 0; i < count && config == nullptr; ++i) {
    const EGLConfig c = configs[static_cast<size_t>(i)];
    if (ConfigAttrib(display_, c, EGL_RED_SIZE) == 8 &&
        ConfigAttrib(display_, c, EGL_GREEN_SIZE) == 8 &&
        ConfigAttrib(display_, c, EGL_BLUE_SIZE) == 8 &&
        ConfigAttrib(display_, c, EGL_ALPHA_SIZE) == 8 &&
        ConfigAttrib(display_, c, EGL_DEPTH_SIZE) == 24 &&
        ConfigAttrib(display_, c, EGL_SAMPLES) == 0) {
      config = c;
    }
  }
  if (config == nullptr) throw Failure("eglChooseConfig: no config with exactly RGBA8 / depth 24");

  const EGLint surface_attribs[] = {EGL_WIDTH, width, EGL_HEIGHT, height, EGL_NONE};
  surface_ = eglCreatePbufferSurface(display_, config, surface_attribs);
  CheckEgl(surface_ != EGL_NO_SURFACE, "eglCreatePbufferSurface");

  const EGLint context_attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
  context_ = eglCreateContext(display_, config, EGL_NO_CONTEXT, context_attribs);
  CheckEgl(context_ != EGL_NO_CONTEXT, "eglCreateContext");

  CheckEgl(eglMakeCurrent(display_, surface_, surface_, context_) == EGL_TRUE, "eglMakeCurrent");
  current_ = true;
}

EglSession::~EglSession() {
  // Best effort after a failure; the normal path has already run Close().
  if (current_) eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (surface_ != EGL_NO_SURFACE) eglDestroySurface(display_, surface_);
  if (context_ != EGL_NO_CONTEXT) eglDestroyContext(display_, context_);
  if (initialized_) eglTerminate(display_);
  eglReleaseThread();
}

void EglSession::SwapBuffers() {
  CheckEgl(eglSwapBuffers(display_, surface_) == EGL_TRUE, "eglSwapBuffers");
}

void EglSession::Close() {
  if (current_) {
    CheckEgl(eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT) == EGL_TRUE,
             "eglMakeCurrent(EGL_NO_CONTEXT)");
    current_ = false;
  }
  if (surface_ != EGL_NO_SURFACE) {
    const EGLSurface surface = surface_;
    surface_ = EGL_NO_SURFACE;
    CheckEgl(eglDestroySurface(display_, surface) == EGL_TRUE, "eglDestroySurface");
  }
  if (context_ != EGL_NO_CONTEXT) {
    const EGLContext context = context_;
    context_ = EGL_NO_CONTEXT;
    CheckEgl(eglDestroyContext(display_, context) == EGL_TRUE, "eglDestroyContext");
  }
  if (initialized_) {
    initialized_ = false;
    CheckEgl(eglTerminate(display_) == EGL_TRUE, "eglTerminate");
  }
}

}  // namespace gles3_scene
