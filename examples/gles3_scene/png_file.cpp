#include "png_file.h"

#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace gles3_scene {
namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// libpng reports errors by longjmp; this function keeps only trivially destructible locals
// between setjmp and the calls that may jump, so nothing is skipped over.
bool EncodeToFile(std::FILE* file, int width, int height, png_bytep* rows, char* message,
                  size_t message_size) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) {
    std::snprintf(message, message_size, "png_create_write_struct failed");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(message, message_size, "png_create_info_struct failed");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::snprintf(message, message_size, "libpng failed while encoding");
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

std::string WritePngBottomUp(const std::string& path, int width, int height,
                             std::span<const std::uint8_t> rgba) {
  const size_t pitch = static_cast<size_t>(width) * 4;
  if (width <= 0 || height <= 0 || rgba.size() != pitch * static_cast<size_t>(height)) {
    return "bad image dimensions for " + path;
  }
  // Flip by pointing the PNG's first row at the last row read back.
  std::vector<png_bytep> rows(static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) {
    rows[static_cast<size_t>(y)] =
        const_cast<png_bytep>(rgba.data() + pitch * static_cast<size_t>(height - 1 - y));
  }
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (!file) return "cannot open " + path + ": " + std::strerror(errno);
  char message[128] = {};
  if (!EncodeToFile(file.get(), width, height, rows.data(), message, sizeof message)) {
    return std::string(message) + " (" + path + ")";
  }
  if (std::fclose(file.release()) != 0) return "cannot write " + path + ": " + std::strerror(errno);
  return {};
}

}  // namespace gles3_scene
