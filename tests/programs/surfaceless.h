// What the test programs share: a surfaceless EGL display with a pbuffer-capable config,
// contexts on it, and how a program gives up. Each program defines kProgramName.
#pragma once

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstdio>
#include <cstdlib>

extern const char* const kProgramName;

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "%s: %s failed (EGL error 0x%x)\n", kProgramName, what, eglGetError());
  std::exit(1);
}

struct Surfaceless {
  EGLDisplay display;
  EGLConfig config;
};

// `renderable`: EGL_OPENGL_ES2_BIT or EGL_OPENGL_ES3_BIT.
inline Surfaceless open_surfaceless(EGLint renderable) {
  Surfaceless s;
  s.display = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  if (s.display == EGL_NO_DISPLAY || !eglInitialize(s.display, nullptr, nullptr))
    fail("eglInitialize");
  const EGLint attribs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, renderable,
                            EGL_NONE};
  EGLint count = 0;
  if (!eglChooseConfig(s.display, attribs, &s.config, 1, &count) || count == 0)
    fail("eglChooseConfig");
  eglBindAPI(EGL_OPENGL_ES_API);
  return s;
}

inline EGLContext create_context(const Surfaceless& s, EGLContext share, const EGLint* attribs) {
  EGLContext context = eglCreateContext(s.display, s.config, share, attribs);
  if (context == EGL_NO_CONTEXT) fail("eglCreateContext");
  return context;
}

inline void make_current(const Surfaceless& s, EGLContext context) {
  if (!eglMakeCurrent(s.display, EGL_NO_SURFACE, EGL_NO_SURFACE, context)) fail("eglMakeCurrent");
}
