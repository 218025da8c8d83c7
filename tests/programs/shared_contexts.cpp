// Two EGL contexts in one share group, the second on its own thread: objects one creates (a
// texture, a buffer, a program, a fence) are used by the other; per-context objects (vertex
// arrays, framebuffers) are not shared. Prints what it reads back; the output must be the same
// natively and through the relay (tests/integration/same_output_test.sh).
#include <GLES3/gl3.h>

#include <cstdint>
#include <cstdio>
#include <thread>

#include "gl_helpers.h"
#include "surfaceless.h"

const char* const kProgramName = "shared_contexts";

namespace {

Surfaceless egl;

EGLContext make_context(EGLContext share) {
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
  return create_context(egl, share, attribs);
}

struct Shared {
  GLuint texture = 0, buffer = 0, program = 0, vertex_array = 0;
  GLsync fence = nullptr;
};

// First context: creates the objects the second one uses.
Shared create_objects() {
  Shared s;
  const uint8_t texels[4 * 4] = {255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 0, 255};
  glGenTextures(1, &s.texture);
  glBindTexture(GL_TEXTURE_2D, s.texture);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 2, 2, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  const float quad[] = {-1, -1, 1, -1, -1, 1, 1, 1};
  glGenBuffers(1, &s.buffer);
  glBindBuffer(GL_ARRAY_BUFFER, s.buffer);
  glBufferData(GL_ARRAY_BUFFER, sizeof quad, quad, GL_STATIC_DRAW);
  s.program = glCreateProgram();
  glAttachShader(s.program, compile(GL_VERTEX_SHADER,
                                    "#version 300 es\n"
                                    "in vec2 position; out vec2 uv;\n"
                                    "void main() { uv = position * 0.5 + 0.5;"
                                    " gl_Position = vec4(position, 0.0, 1.0); }\n"));
  glAttachShader(s.program, compile(GL_FRAGMENT_SHADER,
                                    "#version 300 es\nprecision mediump float;\n"
                                    "in vec2 uv; uniform sampler2D image; out vec4 color;\n"
                                    "void main() { color = texture(image, uv); }\n"));
  glBindAttribLocation(s.program, 0, "position");
  glLinkProgram(s.program);
  GLint linked = 0;
  glGetProgramiv(s.program, GL_LINK_STATUS, &linked);
  if (!linked) fail("glLinkProgram");
  glGenVertexArrays(1, &s.vertex_array);
  glBindVertexArray(s.vertex_array);
  s.fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  glFlush();
  return s;
}

// Second context, on another thread: draws with the first one's objects.
void use_objects(EGLContext context, const Shared& s) {
  make_current(egl, context);
  glWaitSync(s.fence, 0, GL_TIMEOUT_IGNORED);
  std::printf("second context sees: texture %d, buffer %d, program %d, vertex array %d\n",
              glIsTexture(s.texture), glIsBuffer(s.buffer), glIsProgram(s.program),
              glIsVertexArray(s.vertex_array));
  bind_renderbuffer_framebuffer(4, 4);
  glViewport(0, 0, 4, 4);
  glUseProgram(s.program);
  glBindTexture(GL_TEXTURE_2D, s.texture);
  glBindBuffer(GL_ARRAY_BUFFER, s.buffer);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  uint8_t pixels[4 * 4 * 4];
  glReadPixels(0, 0, 4, 4, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  for (int y = 0; y < 4; ++y) {
    std::printf("row %d:", y);
    for (int x = 0; x < 4; ++x) {
      const uint8_t* p = pixels + 4 * (4 * y + x);
      std::printf(" %02x%02x%02x%02x", p[0], p[1], p[2], p[3]);
    }
    std::printf("\n");
  }
  // The framebuffer is this context's own; the texture is deleted for both.
  glDeleteTextures(1, &s.texture);
  glFinish();
  std::printf("glGetError in the second context: 0x%x\n", glGetError());
  eglMakeCurrent(egl.display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
}

}  // namespace

int main() {
  egl = open_surfaceless(EGL_OPENGL_ES3_BIT);
  EGLContext first = make_context(EGL_NO_CONTEXT);
  EGLContext second = make_context(first);
  EGLContext unrelated = make_context(EGL_NO_CONTEXT);

  make_current(egl, first);
  const Shared shared = create_objects();
  std::thread([&] { use_objects(second, shared); }).join();
  std::printf("first context after the delete: texture %d, buffer %d\n",
              glIsTexture(shared.texture), glIsBuffer(shared.buffer));

  make_current(egl, unrelated);
  std::printf("unrelated context sees: buffer %d, program %d\n", glIsBuffer(shared.buffer),
              glIsProgram(shared.program));
  eglMakeCurrent(egl.display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(egl.display, second);
  eglDestroyContext(egl.display, unrelated);
  eglDestroyContext(egl.display, first);
  eglTerminate(egl.display);
  return 0;
}
