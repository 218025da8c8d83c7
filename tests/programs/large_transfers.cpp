// Payloads larger than the relay carries in one command: an 80 MiB buffer (data, sub-data and
// a mapped read), 2D and 3D textures of tens of MiB uploaded with row lengths, skips and
// alignments, and read back through glReadPixels with pack modes of their own. Prints checksums
// of everything read back; the output must be the same natively and through the relay.
#include <GLES3/gl3.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "surfaceless.h"

const char* const kProgramName = "large_transfers";

namespace {

void make_context() {
  const Surfaceless s = open_surfaceless(EGL_OPENGL_ES3_BIT);
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
  make_current(s, create_context(s, EGL_NO_CONTEXT, attribs));
}

uint64_t checksum(const void* data, size_t n) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(data)[i]) * 1099511628211ull;
  return h;
}

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed;
  for (auto& b : v) b = static_cast<uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
  return v;
}

void buffers() {
  const size_t size = size_t{80} << 20;
  const std::vector<uint8_t> data = pattern(size, 1), patch = pattern(size_t{40} << 20, 2);
  GLuint buffer;
  glGenBuffers(1, &buffer);
  glBindBuffer(GL_COPY_READ_BUFFER, buffer);
  glBufferData(GL_COPY_READ_BUFFER, size, data.data(), GL_STATIC_DRAW);
  glBufferSubData(GL_COPY_READ_BUFFER, 1 << 20, patch.size(), patch.data());
  const void* mapped = glMapBufferRange(GL_COPY_READ_BUFFER, 0, size, GL_MAP_READ_BIT);
  if (!mapped) fail("glMapBufferRange");
  std::printf("buffer of 80 MiB: %016llx\n",
              static_cast<unsigned long long>(checksum(mapped, size)));
  glUnmapBuffer(GL_COPY_READ_BUFFER);
  glDeleteBuffers(1, &buffer);
}

// Reads the bound framebuffer with odd pack modes into a buffer that starts filled with 0xEE
// (the gaps the modes leave must stay untouched).
void read_back(const char* what, GLsizei width, GLsizei height) {
  glPixelStorei(GL_PACK_ROW_LENGTH, width + 4);  // rows of (width + 4) * 4 bytes, a multiple of 8
  glPixelStorei(GL_PACK_SKIP_ROWS, 2);
  glPixelStorei(GL_PACK_SKIP_PIXELS, 1);
  glPixelStorei(GL_PACK_ALIGNMENT, 8);
  std::vector<uint8_t> pixels(size_t(width + 4) * 4 * (height + 2), 0xEE);
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  std::printf("%s read back: %016llx (GL error 0x%x)\n", what,
              static_cast<unsigned long long>(checksum(pixels.data(), pixels.size())),
              glGetError());
  glPixelStorei(GL_PACK_ROW_LENGTH, 0);
  glPixelStorei(GL_PACK_SKIP_ROWS, 0);
  glPixelStorei(GL_PACK_SKIP_PIXELS, 0);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
}

void texture_2d() {
  const GLsizei width = 4096, height = 2600;  // 40.6 MiB of RGBA8
  const std::vector<uint8_t> source = pattern(size_t(width + 6) * 4 * (height + 3), 3);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, width + 6);  // rows of (width + 6) * 4 bytes
  glPixelStorei(GL_UNPACK_SKIP_ROWS, 3);
  glPixelStorei(GL_UNPACK_SKIP_PIXELS, 2);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 8);
  GLuint texture;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
               source.data());
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
  read_back("2D texture (glTexImage2D)", width, height);
  // The same level again, shifted, through glTexSubImage2D.
  glPixelStorei(GL_UNPACK_SKIP_ROWS, 0);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height - 1, GL_RGBA, GL_UNSIGNED_BYTE,
                  source.data());
  read_back("2D texture (glTexSubImage2D)", width, height);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glPixelStorei(GL_UNPACK_SKIP_PIXELS, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glDeleteTextures(1, &texture);
}

// `depth` images of width x height; `image_height` above height leaves rows between images.
void texture_3d(GLsizei width, GLsizei height, GLsizei depth) {
  const GLsizei image_height = height + 2;
  const std::vector<uint8_t> source = pattern(size_t(width) * 4 * image_height * (depth + 1), 4);
  glPixelStorei(GL_UNPACK_IMAGE_HEIGHT, image_height);
  glPixelStorei(GL_UNPACK_SKIP_IMAGES, 1);
  glPixelStorei(GL_UNPACK_SKIP_ROWS, 1);
  GLuint texture;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_3D, texture);
  glTexStorage3D(GL_TEXTURE_3D, 1, GL_RGBA8, width, height, depth);
  glTexSubImage3D(GL_TEXTURE_3D, 0, 0, 0, 0, width, height, depth, GL_RGBA, GL_UNSIGNED_BYTE,
                  source.data());
  glPixelStorei(GL_UNPACK_IMAGE_HEIGHT, 0);
  glPixelStorei(GL_UNPACK_SKIP_IMAGES, 0);
  glPixelStorei(GL_UNPACK_SKIP_ROWS, 0);
  uint64_t all = 0;
  std::vector<uint8_t> layer(size_t(width) * 4 * height);
  for (GLsizei z = 0; z < depth; ++z) {
    glFramebufferTextureLayer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, texture, 0, z);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, layer.data());
    all = all * 31 + checksum(layer.data(), layer.size());
  }
  std::printf("3D texture %dx%dx%d: %016llx (GL error 0x%x)\n", width, height, depth,
              static_cast<unsigned long long>(all), glGetError());
  glDeleteTextures(1, &texture);
}

}  // namespace

int main() {
  make_context();
  buffers();
  GLuint framebuffer;
  glGenFramebuffers(1, &framebuffer);
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
  texture_2d();
  texture_3d(1024, 1024, 12);  // 48 MiB in groups of whole images
  texture_3d(2048, 2048, 2);   // 16.8 MiB images (with the rows between): bands of rows
  texture_3d(4096, 8, 2);      // beyond GL_MAX_3D_TEXTURE_SIZE: the errors, nothing written
  std::printf("glGetError: 0x%x\n", glGetError());
  return 0;
}
