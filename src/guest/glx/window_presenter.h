// Puts frames that the host rendered into an X window: through a MIT-SHM image where the X
// server has the extension (one copy, into memory the server reads), else with XPutImage.
#pragma once

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>

#include <cstdint>

namespace gfxrelay::guest::glx {

class WindowPresenter {
 public:
  WindowPresenter(Display* display, Window window);
  ~WindowPresenter();
  WindowPresenter(const WindowPresenter&) = delete;
  WindowPresenter& operator=(const WindowPresenter&) = delete;

  // `pixels`: width * height B,G,R,A bytes, bottom row first (as GL reads them). The window
  // gets them top row first. Returns when the X server has taken the pixels.
  void present(const uint8_t* pixels, int width, int height);

 private:
  bool ensure_image(int width, int height);
  void free_image();

  Display* display_;
  Window window_;
  GC gc_ = nullptr;
  Visual* visual_ = nullptr;
  int depth_ = 0;
  bool use_shm_ = false;
  XImage* image_ = nullptr;
  XShmSegmentInfo shm_{};
};

}  // namespace gfxrelay::guest::glx
