// EGL images of GL objects and EGL_KHR_fence_sync, reached the way programs reach them (through
// eglGetProcAddress): a texture and a renderbuffer made in one context become images that a
// second, unshared context binds and reads. Prints what it reads; the output must be the same
// natively and through the relay (tests/integration/same_output_test.sh).
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>

#include <cstdint>
#include <cstdio>

#include "surfaceless.h"

const char* const kProgramName = "egl_images";

namespace {

EGLDisplay display;
PFNEGLCREATEIMAGEKHRPROC create_image;
PFNEGLDESTROYIMAGEKHRPROC destroy_image;
PFNGLEGLIMAGETARGETTEXTURE2DOESPROC image_target_texture;
PFNGLEGLIMAGETARGETRENDERBUFFERSTORAGEOESPROC image_target_renderbuffer;

template <typename Fn>
Fn proc(const char* name) {
  auto fn = reinterpret_cast<Fn>(eglGetProcAddress(name));
  if (!fn) fail(name);
  return fn;
}

void print_framebuffer(const char* what) {
  uint8_t pixels[2 * 2 * 4] = {};
  glReadPixels(0, 0, 2, 2, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  std::printf("%s:", what);
  for (int i = 0; i < 4; ++i)
    std::printf(" %02x%02x%02x%02x", pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2],
                pixels[4 * i + 3]);
  std::printf(" (GL error 0x%x)\n", glGetError());
}

void fence_sync() {
  auto create_sync = proc<PFNEGLCREATESYNCKHRPROC>("eglCreateSyncKHR");
  auto wait_sync = proc<PFNEGLCLIENTWAITSYNCKHRPROC>("eglClientWaitSyncKHR");
  auto sync_attrib = proc<PFNEGLGETSYNCATTRIBKHRPROC>("eglGetSyncAttribKHR");
  auto destroy_sync = proc<PFNEGLDESTROYSYNCKHRPROC>("eglDestroySyncKHR");
  EGLSyncKHR sync = create_sync(display, EGL_SYNC_FENCE_KHR, nullptr);
  if (sync == EGL_NO_SYNC_KHR) fail("eglCreateSyncKHR");
  const EGLint waited = wait_sync(display, sync, EGL_SYNC_FLUSH_COMMANDS_BIT_KHR, EGL_FOREVER_KHR);
  EGLint status = 0, type = 0;
  sync_attrib(display, sync, EGL_SYNC_STATUS_KHR, &status);
  sync_attrib(display, sync, EGL_SYNC_TYPE_KHR, &type);
  std::printf("fence sync: wait 0x%x, status 0x%x, type 0x%x, destroyed %d\n", waited, status, type,
              destroy_sync(display, sync));
}

}  // namespace

int main() {
  const Surfaceless egl = open_surfaceless(EGL_OPENGL_ES2_BIT);
  display = egl.display;
  const EGLint attribs[] = {EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE};
  EGLContext maker = create_context(egl, EGL_NO_CONTEXT, attribs);
  EGLContext user = create_context(egl, EGL_NO_CONTEXT, attribs);
  create_image = proc<PFNEGLCREATEIMAGEKHRPROC>("eglCreateImageKHR");
  destroy_image = proc<PFNEGLDESTROYIMAGEKHRPROC>("eglDestroyImageKHR");
  image_target_texture = proc<PFNGLEGLIMAGETARGETTEXTURE2DOESPROC>("glEGLImageTargetTexture2DOES");
  image_target_renderbuffer =
      proc<PFNGLEGLIMAGETARGETRENDERBUFFERSTORAGEOESPROC>("glEGLImageTargetRenderbufferStorageOES");

  // The first context makes a 2x2 texture and a cleared renderbuffer, and images of both.
  make_current(egl, maker);
  const uint8_t texels[] = {255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 9, 8, 7, 6};
  GLuint texture, renderbuffer, framebuffer;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, 2, 2, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glGenRenderbuffers(1, &renderbuffer);
  glBindRenderbuffer(GL_RENDERBUFFER, renderbuffer);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8_OES, 2, 2);
  glGenFramebuffers(1, &framebuffer);
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, renderbuffer);
  glClearColor(0.0f, 0.5f, 1.0f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  fence_sync();
  const auto client_buffer = [](GLuint name) {
    return reinterpret_cast<EGLClientBuffer>(static_cast<uintptr_t>(name));
  };
  EGLImageKHR texture_image =
      create_image(display, maker, EGL_GL_TEXTURE_2D_KHR, client_buffer(texture), nullptr);
  EGLImageKHR renderbuffer_image =
      create_image(display, maker, EGL_GL_RENDERBUFFER_KHR, client_buffer(renderbuffer), nullptr);
  if (!texture_image || !renderbuffer_image) fail("eglCreateImageKHR");
  EGLImageKHR bad =
      create_image(display, maker, EGL_GL_TEXTURE_2D_KHR, client_buffer(12345), nullptr);
  std::printf("image of a texture that does not exist: %s (EGL error 0x%x)\n",
              bad ? "created" : "refused", eglGetError());
  glFinish();

  // The second context shares nothing: it reaches the objects through the images only.
  make_current(egl, user);
  GLuint sibling_texture, sibling_renderbuffer, user_framebuffer;
  glGenFramebuffers(1, &user_framebuffer);
  glBindFramebuffer(GL_FRAMEBUFFER, user_framebuffer);
  glGenTextures(1, &sibling_texture);
  glBindTexture(GL_TEXTURE_2D, sibling_texture);
  image_target_texture(GL_TEXTURE_2D, texture_image);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, sibling_texture, 0);
  print_framebuffer("texture through its image");
  glGenRenderbuffers(1, &sibling_renderbuffer);
  glBindRenderbuffer(GL_RENDERBUFFER, sibling_renderbuffer);
  image_target_renderbuffer(GL_RENDERBUFFER, renderbuffer_image);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                            sibling_renderbuffer);
  print_framebuffer("renderbuffer through its image");

  // An image of an object of a context that is current nowhere (Mesa makes one, NVIDIA's EGL
  // refuses: the relay must do what the host does).
  EGLImageKHR later =
      create_image(display, maker, EGL_GL_TEXTURE_2D_KHR, client_buffer(texture), nullptr);
  std::printf("image of a context current nowhere: %s (EGL error 0x%x)\n",
              later ? "created" : "refused", later ? EGL_SUCCESS : eglGetError());
  if (later) {
    GLuint later_texture;
    glGenTextures(1, &later_texture);
    glBindTexture(GL_TEXTURE_2D, later_texture);
    image_target_texture(GL_TEXTURE_2D, later);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, later_texture, 0);
    print_framebuffer("texture through that image");
    destroy_image(display, later);
  }

  // The image outlives its destruction in the objects bound to it.
  std::printf("destroyed: %d %d\n", destroy_image(display, texture_image),
              destroy_image(display, renderbuffer_image));
  std::printf("destroyed again: %d (EGL error 0x%x)\n", destroy_image(display, texture_image),
              eglGetError());
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, sibling_texture, 0);
  print_framebuffer("texture after eglDestroyImage");
  eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(display, user);
  eglDestroyContext(display, maker);
  eglTerminate(display);
  return 0;
}
