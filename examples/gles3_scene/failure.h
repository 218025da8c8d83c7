// Errors of the demo: every failed EGL or GL call becomes a Failure that names the call and its
// error code; main() prints it and exits 1, and the RAII owners tear down what was created.
#pragma once

#include <EGL/egl.h>
#include <GLES3/gl3.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace gles3_scene {

class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline std::string Hex(unsigned value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%04X", value);
  return text;
}

// Throws when `ok` is false, with eglGetError() of the call just made.
inline void CheckEgl(bool ok, const char* call) {
  if (!ok) throw Failure(std::string(call) + " failed: EGL error " + Hex(eglGetError()));
}

// Throws when GL has recorded an error since the last check; `where` says what ran before.
inline void CheckGl(const char* where) {
  const GLenum error = glGetError();
  if (error != GL_NO_ERROR)
    throw Failure(std::string("glGetError after ") + where + ": " + Hex(error));
}

}  // namespace gles3_scene
