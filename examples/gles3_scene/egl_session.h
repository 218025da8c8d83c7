// The EGL side of the demo: display, an RGBA8 + depth 24 ES 3 config, a pbuffer and a context,
// made current on construction and torn down on Close() (checked) or destruction (best effort).
#pragma once

#include <EGL/egl.h>

namespace gles3_scene {

class EglSession {
 public:
  EglSession(int width, int height);
  ~EglSession();
  EglSession(const EglSession&) = delete;
  EglSession& operator=(const EglSession&) = delete;

  void SwapBuffers();
  // Releases the context and destroys everything, throwing Failure on the first failed call.
  void Close();

  bool used_surfaceless_platform() const { return used_surfaceless_platform_; }

 private:
  EGLDisplay display_ = EGL_NO_DISPLAY;
  EGLSurface surface_ = EGL_NO_SURFACE;
  EGLContext context_ = EGL_NO_CONTEXT;
  bool initialized_ = false;
  bool current_ = false;
  bool used_surfaceless_platform_ = false;
};

}  // namespace gles3_scene
