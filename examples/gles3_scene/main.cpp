// gles3_scene: an ordinary EGL + OpenGL ES 3.0 program, used to check gfxrelay end to end. It
// renders an animated, textured, lit scene into a pbuffer and writes each frame as a PNG; time
// is the frame index, so every run (native or relayed) must write the same bytes.
//
//   gfxrelay-demo-gles3 [--frames N] [--size WxH] [--out DIR]

#include <GLES3/gl3.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "egl_session.h"
#include "failure.h"
#include "png_file.h"
#include "scene.h"

namespace gles3_scene {
namespace {

struct Options {
  int frames = 10;
  int width = 320;
  int height = 240;
  std::string out_dir = ".";
};

constexpr int kMaxFrames = 100000;
constexpr int kMaxSize = 8192;

bool ParseInt(std::string_view text, int min, int max, int* value) {
  int parsed = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error != std::errc() || end != text.data() + text.size() || parsed < min || parsed > max) {
    return false;
  }
  *value = parsed;
  return true;
}

bool ParseSize(std::string_view text, int* width, int* height) {
  const size_t x = text.find('x');
  return x != std::string_view::npos && ParseInt(text.substr(0, x), 1, kMaxSize, width) &&
         ParseInt(text.substr(x + 1), 1, kMaxSize, height);
}

void PrintUsage(std::FILE* stream, const char* program) {
  std::fprintf(stream, "usage: %s [--frames N] [--size WxH] [--out DIR]\n", program);
}

// Returns 0 to run, otherwise the exit code to end with (1 on bad usage, 0 after --help).
int ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      PrintUsage(stdout, argv[0]);
      return -1;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s: missing value or unknown option '%s'\n", argv[0], argv[i]);
      PrintUsage(stderr, argv[0]);
      return 1;
    }
    const std::string_view value = argv[++i];
    bool ok = true;
    if (arg == "--frames") {
      ok = ParseInt(value, 1, kMaxFrames, &options->frames);
    } else if (arg == "--size") {
      ok = ParseSize(value, &options->width, &options->height);
    } else if (arg == "--out") {
      options->out_dir = value;
      ok = !value.empty();
    } else {
      std::fprintf(stderr, "%s: unknown option '%s'\n", argv[0], argv[i - 1]);
      PrintUsage(stderr, argv[0]);
      return 1;
    }
    if (!ok) {
      std::fprintf(stderr, "%s: bad value '%s' for %s\n", argv[0], argv[i], argv[i - 1]);
      return 1;
    }
  }
  return 0;
}

std::string FramePath(const std::string& dir, int frame) {
  char name[32];
  std::snprintf(name, sizeof name, "frame-%04d.png", frame);
  return (std::filesystem::path(dir) / name).string();
}

void Run(const Options& options) {
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) throw Failure("cannot create " + options.out_dir + ": " + error.message());

  EglSession egl(options.width, options.height);
  {
    Scene scene;
    CheckGl("setup");
    std::printf("gles3_scene: %s, %s, %s display\n",
                reinterpret_cast<const char*>(glGetString(GL_VERSION)),
                reinterpret_cast<const char*>(glGetString(GL_RENDERER)),
                egl.used_surfaceless_platform() ? "surfaceless" : "default");
    for (int frame = 0; frame < options.frames; ++frame) {
      scene.Render(frame, options.width, options.height);
      const auto pixels = scene.ReadPixels(options.width, options.height);
      CheckGl(("frame " + std::to_string(frame)).c_str());
      const std::string path = FramePath(options.out_dir, frame);
      const std::string problem = WritePngBottomUp(path, options.width, options.height, pixels);
      if (!problem.empty()) throw Failure(problem);
      egl.SwapBuffers();
    }
  }
  CheckGl("teardown of GL objects");
  egl.Close();
  std::printf("gles3_scene: wrote %d frames of %dx%d to %s\n", options.frames, options.width,
              options.height, options.out_dir.c_str());
}

}  // namespace
}  // namespace gles3_scene

int main(int argc, char** argv) {
  gles3_scene::Options options;
  const int parsed = gles3_scene::ParseOptions(argc, argv, &options);
  if (parsed != 0) return parsed < 0 ? 0 : parsed;
  try {
    gles3_scene::Run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gles3_scene: %s\n", e.what());
    return 1;
  }
  return 0;
}
