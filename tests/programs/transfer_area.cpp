// Runs only through the relay: sends 192 MiB of glBufferSubData in 1 MiB pieces, each waited
// for, and checks that the context's shared memory (the session's "gfxrelay-stream" file)
// stays small: the guest's transfer ranges start again at the area's start while it is free,
// so a program never touches most of the area's 128 MiB (docs/protocol.md, "Transfer area").
// Also checks that the buffer holds the last piece sent. Exit status 0 when both hold.
#include <GLES3/gl3.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
