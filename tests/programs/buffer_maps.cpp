// Write-only mappings that keep the bytes the program leaves alone, after the buffer changed in
// every way the relay's guest may not see as bytes: a copy between buffers, transform
// feedback, a compute shader's storage writes, glBufferSubData of another context in the share
// group, glBufferSubData through a binding the guest does not follow, new storage, and a deleted
// buffer whose name comes back. Each case maps the whole buffer write-only through
// GL_ARRAY_BUFFER first (the relay's guest then knows its contents and maps it in place from
// then on: src/guest/gl/known_buffers.cpp), lets the buffer change, writes 4 bytes through a
// second write-only mapping and prints what the buffer holds. Each case has a share group of
// its own (GL writing buffers ends what the guest knows for the whole group). The output must
// be the same natively and through the relay (same_output_test.sh): a relay that answered such
// mappings from contents it remembered, without noticing the change, fails here.
#include <GLES3/gl31.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>

#include "gl_helpers.h"
#include "surfaceless.h"

const char* const kProgramName = "buffer_maps";

namespace {

constexpr GLsizeiptr kBytes = 64;

Surfaceless egl;

void check(const char* what) {
  if (const GLenum e = glGetError()) {
    std::fprintf(stderr, "%s: %s: GL error 0x%x\n", kProgramName, what, e);
    std::exit(1);
  }
}

GLuint make_buffer(uint8_t first) {
  uint8_t bytes[kBytes];
  for (int i = 0; i < kBytes; ++i) bytes[i] = static_cast<uint8_t>(first + i);
  GLuint buffer = 0;
  glGenBuffers(1, &buffer);
  glBindBuffer(GL_COPY_WRITE_BUFFER, buffer);
  glBufferData(GL_COPY_WRITE_BUFFER, kBytes, bytes, GL_DYNAMIC_DRAW);
  return buffer;
}

// Maps the whole buffer write-only (nothing invalidated) and writes `value` at `offset`.
void write_through_map(GLuint buffer, GLintptr offset, uint32_t value) {
  glBindBuffer(GL_ARRAY_BUFFER, buffer);
  void* p = glMapBufferRange(GL_ARRAY_BUFFER, 0, kBytes, GL_MAP_WRITE_BIT);
  if (!p) fail("glMapBufferRange");
  std::memcpy(static_cast<uint8_t*>(p) + offset, &value, sizeof value);
  glUnmapBuffer(GL_ARRAY_BUFFER);
  check("write_through_map");
}

void print(const char* name, GLuint buffer) {
  glBindBuffer(GL_COPY_READ_BUFFER, buffer);
  const void* p = glMapBufferRange(GL_COPY_READ_BUFFER, 0, kBytes, GL_MAP_READ_BIT);
  if (!p) fail("glMapBufferRange(read)");
  std::printf("%-20s", name);
  for (int i = 0; i < kBytes; ++i) std::printf("%02x", static_cast<const uint8_t*>(p)[i]);
  std::printf("\n");
  glUnmapBuffer(GL_COPY_READ_BUFFER);
  check(name);
}

GLuint link(GLuint program) {
  glLinkProgram(program);
  GLint ok = 0;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (!ok) fail("glLinkProgram");
  return program;
}

void after_copy() {
  const GLuint buffer = make_buffer(0x10), source = make_buffer(0x80);
  write_through_map(buffer, 0, 0x11111111);
  glBindBuffer(GL_COPY_READ_BUFFER, source);
  glBindBuffer(GL_COPY_WRITE_BUFFER, buffer);
  glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 8, 8, 48);
  write_through_map(buffer, 4, 0x22222222);
  print("copy", buffer);
}

void after_transform_feedback() {
  const GLuint buffer = make_buffer(0x20);
  write_through_map(buffer, 0, 0x33333333);
  const GLuint program = glCreateProgram();
  glAttachShader(program, compile(GL_VERTEX_SHADER,
                                  "#version 300 es\nout vec4 captured;\n"
                                  "void main() { captured = vec4(float(gl_VertexID) + 0.5);"
                                  " gl_Position = vec4(0.0); }\n"));
  glAttachShader(program, compile(GL_FRAGMENT_SHADER,
                                  "#version 300 es\nprecision mediump float;\nout vec4 c;\n"
                                  "void main() { c = vec4(1.0); }\n"));
  const char* varyings[] = {"captured"};
  glTransformFeedbackVaryings(program, 1, varyings, GL_INTERLEAVED_ATTRIBS);
  glUseProgram(link(program));
  glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, buffer);
  glEnable(GL_RASTERIZER_DISCARD);
  glBeginTransformFeedback(GL_POINTS);
  glDrawArrays(GL_POINTS, 0, 2);  // 2 x vec4: the first 32 bytes
  glEndTransformFeedback();
  glDisable(GL_RASTERIZER_DISCARD);
  glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, 0);
  write_through_map(buffer, 40, 0x44444444);
  print("transform feedback", buffer);
}

void after_compute() {
  const GLuint buffer = make_buffer(0x30);
  write_through_map(buffer, 0, 0x55555555);
  const GLuint program = glCreateProgram();
  glAttachShader(program, compile(GL_COMPUTE_SHADER,
                                  "#version 310 es\nlayout(local_size_x = 4) in;\n"
                                  "layout(std430, binding = 0) buffer Out { uint v[]; };\n"
                                  "void main() { v[gl_GlobalInvocationID.x + 2u] ="
                                  " 0xc0de0000u + gl_GlobalInvocationID.x; }\n"));
  glUseProgram(link(program));
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, buffer);
  glDispatchCompute(1, 1, 1);
  glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
  write_through_map(buffer, 60, 0x66666666);
  print("compute", buffer);
}

void after_other_context(EGLContext share) {
  const GLuint buffer = make_buffer(0x40);
  write_through_map(buffer, 0, 0x77777777);
  glFinish();
  std::thread([share, buffer] {
    const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
    EGLContext other = create_context(egl, share, attribs);
    make_current(egl, other);
    const uint8_t zeros[16] = {};
    glBindBuffer(GL_ARRAY_BUFFER, buffer);
    glBufferSubData(GL_ARRAY_BUFFER, 16, sizeof zeros, zeros);
    glFinish();
    eglMakeCurrent(egl.display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(egl.display, other);
  }).join();
  write_through_map(buffer, 32, 0x88888888);
  print("other context", buffer);
}

void after_untracked_binding() {
  const GLuint buffer = make_buffer(0x60);
  write_through_map(buffer, 0, 0xbbbbbbbb);
  write_through_map(buffer, 4, 0xcccccccc);  // known by now: mapped in place
  const uint8_t ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  glBindBuffer(GL_COPY_WRITE_BUFFER, buffer);
  glBufferSubData(GL_COPY_WRITE_BUFFER, 24, sizeof ones, ones);
  write_through_map(buffer, 52, 0xdddddddd);
  print("untracked binding", buffer);
}

void after_new_storage() {
  const GLuint buffer = make_buffer(0x70);
  write_through_map(buffer, 0, 0xeeeeeeee);
  uint8_t bytes[kBytes];
  for (int i = 0; i < kBytes; ++i) bytes[i] = static_cast<uint8_t>(0xf0 - i);
  glBindBuffer(GL_ARRAY_BUFFER, buffer);
  glBufferData(GL_ARRAY_BUFFER, kBytes, bytes, GL_DYNAMIC_DRAW);
  write_through_map(buffer, 12, 0x12345678);
  print("new storage", buffer);
}

void after_delete() {
  GLuint buffer = make_buffer(0x50);
  write_through_map(buffer, 0, 0x99999999);
  glDeleteBuffers(1, &buffer);
  buffer = make_buffer(0xa0);  // often the same name again
  write_through_map(buffer, 8, 0xaaaaaaaa);
  print("deleted", buffer);
}

}  // namespace

int main() {
  egl = open_surfaceless(EGL_OPENGL_ES3_BIT);
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 1, EGL_NONE};
  // Each case in a share group of its own.
  for (void (*run)(EGLContext) :
       {+[](EGLContext) { after_copy(); }, +[](EGLContext) { after_transform_feedback(); },
        +[](EGLContext) { after_compute(); }, +[](EGLContext c) { after_other_context(c); },
        +[](EGLContext) { after_untracked_binding(); }, +[](EGLContext) { after_new_storage(); },
        +[](EGLContext) { after_delete(); }}) {
    EGLContext context = create_context(egl, EGL_NO_CONTEXT, attribs);
    make_current(egl, context);
    bind_renderbuffer_framebuffer(4, 4);  // transform feedback draws need a framebuffer
    run(context);
    eglMakeCurrent(egl.display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(egl.display, context);
  }
  return 0;
}
