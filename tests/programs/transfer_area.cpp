// Runs only through the relay: sends 192 MiB of glBufferSubData in 1 MiB pieces, each waited
// for, and checks that the context's shared memory (the session's "gfxrelay-stream" file)
// stays small: the guest's transfer ranges start again at the area's start while it is free,
// so a program never touches most of the area's 128 MiB (docs/protocol.md, "Transfer area").
// Also checks that the buffer holds the last piece sent, and that draws whose client arrays
// are several ranges of one command go through where the first range restarts at the area's
// start and the second does not fit before the data the host released last (such a command
// once waited for itself). Exit status 0 when all hold.
#include <GLES3/gl3.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gl_helpers.h"
#include "surfaceless.h"

const char* const kProgramName = "transfer_area";

namespace {

constexpr size_t kPiece = size_t{1} << 20;
constexpr int kPieces = 192;
constexpr size_t kMostResident = size_t{32} << 20;

// The resident bytes of this process's mappings of the relay's shared memory, or -1 if it has
// none (not running through the relay).
long long stream_memory_resident() {
  std::ifstream smaps("/proc/self/smaps");
  long long total = -1;
  bool in_stream = false;
  for (std::string line; std::getline(smaps, line);) {
    const bool header = line.find('-') < line.find(' ') && line.find(':') > line.find(' ');
    if (header) {
      in_stream = line.find("gfxrelay-stream") != std::string::npos;
      if (in_stream && total < 0) total = 0;
    } else if (in_stream && line.rfind("Rss:", 0) == 0) {
      std::istringstream fields(line.substr(4));
      long long kib = 0;
      fields >> kib;
      total += kib * 1024;
    }
  }
  return total;
}

// Draws points from two client arrays of `bytes` each, after a wait and a glBufferSubData of
// `before` bytes: the wait leaves everything released, the sub-data leaves the area's head
// `before` bytes in, and the first array (at most `before`) then restarts while both do not
// fit before the head. Returns the pixel the last point drew.
uint32_t draw_client_arrays(size_t before, size_t bytes) {
  static GLuint program = 0;
  if (!program) {
    program = glCreateProgram();
    glAttachShader(program, compile(GL_VERTEX_SHADER,
                                    "#version 300 es\n"
                                    "in vec4 position; in vec4 color; out vec4 v_color;\n"
                                    "void main() { gl_Position = vec4(position.xy, 0.0, 1.0);\n"
                                    "  gl_PointSize = 1.0; v_color = color; }\n"));
    glAttachShader(program, compile(GL_FRAGMENT_SHADER,
                                    "#version 300 es\n"
                                    "precision mediump float; in vec4 v_color; out vec4 c;\n"
                                    "void main() { c = v_color; }\n"));
    glBindAttribLocation(program, 0, "position");
    glBindAttribLocation(program, 1, "color");
    glLinkProgram(program);
    GLint ok = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok) fail("glLinkProgram");
  }
  std::vector<uint8_t> filler(before, 1);
  glFinish();
  glBufferSubData(GL_COPY_READ_BUFFER, 0, before, filler.data());
  glFinish();
  const size_t points = bytes / 16;
  std::vector<float> position(points * 4, 0.0f), color(points * 4, 0.0f);
  // Every point lands on pixel (0, 0) of the 1x1 target; the last one's color stays.
  for (size_t i = 0; i < points; ++i) {
    color[i * 4 + 0] = static_cast<float>(i % 256) / 255.0f;
    color[i * 4 + 3] = 1.0f;
  }
  glUseProgram(program);
  glEnableVertexAttribArray(0);
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(0, 4, GL_FLOAT, GL_FALSE, 0, position.data());
  glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, 0, color.data());
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(points));
  uint8_t pixel[4] = {};
  glReadPixels(0, 0, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, pixel);
  return pixel[0];
}

}  // namespace

int main() {
  const Surfaceless s = open_surfaceless(EGL_OPENGL_ES3_BIT);
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
  make_current(s, create_context(s, EGL_NO_CONTEXT, attribs));

  GLuint buffer;
  glGenBuffers(1, &buffer);
  glBindBuffer(GL_COPY_READ_BUFFER, buffer);
  glBufferData(GL_COPY_READ_BUFFER, kPiece, nullptr, GL_STREAM_DRAW);
  std::vector<uint8_t> piece(kPiece);
  for (int i = 0; i < kPieces; ++i) {
    for (size_t b = 0; b < kPiece; ++b) piece[b] = static_cast<uint8_t>(b * 7 + i);
    glBufferSubData(GL_COPY_READ_BUFFER, 0, kPiece, piece.data());
    glFinish();
  }
  const auto* mapped = static_cast<const uint8_t*>(
      glMapBufferRange(GL_COPY_READ_BUFFER, 0, kPiece, GL_MAP_READ_BIT));
  if (!mapped) fail("glMapBufferRange");
  for (size_t b = 0; b < kPiece; ++b) {
    if (mapped[b] != piece[b]) {
      std::fprintf(stderr, "%s: byte %zu of the buffer is %u, the last piece sent has %u\n",
                   kProgramName, b, mapped[b], piece[b]);
      return 1;
    }
  }
  glUnmapBuffer(GL_COPY_READ_BUFFER);

  bind_renderbuffer_framebuffer(1, 1);
  glViewport(0, 0, 1, 1);
  for (const size_t kib : {64, 200, 256, 300}) {
    const size_t bytes = kib << 10;
    const uint32_t red = draw_client_arrays(bytes + (bytes >> 1), bytes);
    const uint32_t expected = (bytes / 16 - 1) % 256;
    if (red != expected) {
      std::fprintf(stderr, "%s: client arrays of %zu KiB drew red %u, not %u\n", kProgramName, kib,
                   red, expected);
      return 1;
    }
  }
  if (glGetError() != GL_NO_ERROR) fail("a GL call");

  const long long resident = stream_memory_resident();
  if (resident < 0) {
    std::fprintf(stderr, "%s: no gfxrelay-stream mapping: run it through the relay\n",
                 kProgramName);
    return 1;
  }
  std::printf("%s: %d MiB sent, %lld KiB of the stream's shared memory resident\n", kProgramName,
              kPieces, resident / 1024);
  if (static_cast<size_t>(resident) > kMostResident) {
    std::fprintf(stderr, "%s: more than %zu MiB resident: the transfer area was not reused\n",
                 kProgramName, kMostResident >> 20);
    return 1;
  }
  return 0;
}
