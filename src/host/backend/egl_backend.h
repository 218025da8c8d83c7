// The host's EGL: one display for the whole server (a GPU device where there is one, Mesa's
// llvmpipe where there is not), its configs as guests see them, and the capabilities (Caps)
// narrowed to what the relay carries.
#pragma once

#include <epoxy/egl.h>

#include <string>
#include <vector>

#include "wire/caps.h"

namespace gfxrelay::host {

// The current host context's extensions that the relay carries, and how many it has in all.
std::vector<std::string> carried_extensions_of_current_context(int* host_count = nullptr);

class EglBackend {
 public:
  bool open(std::string* error);
  ~EglBackend();

  EGLDisplay display() const { return display_; }
  const wire::Caps& caps() const { return caps_; }
  // Host config for a guest config index (a row of caps().configs).
  EGLConfig config(size_t index) const {
    return index < configs_.size() ? configs_[index] : nullptr;
  }
  // Guest config indices for host configs, in the order given; unknown ones are dropped.
  std::vector<uint32_t> guest_indices(const std::vector<EGLConfig>& host) const;
  // The host GL's extensions that the relay carries.
  const std::vector<std::string>& carried_extensions() const { return extensions_; }

  // Images of GL objects (EGL_KHR_image_base); EGL_NO_IMAGE and EGL_BAD_PARAMETER (via
  // eglGetError) where the host has none. Callable from any thread.
  EGLImage create_image(EGLContext context, EGLenum target, EGLClientBuffer buffer,
                        const EGLint* attribs);
  void destroy_image(EGLImage image);

 private:
  bool read_gl_strings(std::string* error);

  EGLDisplay display_ = EGL_NO_DISPLAY;
  // Resolved once: libepoxy resolves EGL extension functions only on a thread with a current
  // display, which session threads never have.
  PFNEGLCREATEIMAGEKHRPROC create_image_ = nullptr;
  PFNEGLDESTROYIMAGEKHRPROC destroy_image_ = nullptr;
  std::vector<EGLConfig> configs_;
  std::vector<std::string> extensions_;
  wire::Caps caps_;
};

}  // namespace gfxrelay::host
