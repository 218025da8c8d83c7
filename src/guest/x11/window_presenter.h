// Puts frames that the host rendered into an X window: through a MIT-SHM image where the X
// server has the extension (one copy, into memory the server reads), else with XPutImage.
// Shared by the GLX vendor and EGL's X11 platform. The header names Xlib's types by their
// C names so that its users need not include Xlib (whose macros clash with GL and EGL code).
#pragma once

#include <cstdint>
#include <memory>

struct _XDisplay;

namespace gfxrelay::guest::x11 {

using XDisplay = ::_XDisplay;   // Xlib's Display
using XWindow = unsigned long;  // Xlib's Window (an XID)
constexpr int kTrueColor = 4;   // X.h's visual class TrueColor

// The display named by $DISPLAY, or null (EGL's default display on X11).
XDisplay* open_default_display();
int default_screen(XDisplay* display);
// The screen's 24-bit TrueColor visual (the default one when it is that): the visual of every
// window config the relay offers, since frames come back as 8-bit RGB. 0 if it has none.
unsigned long truecolor_visual(XDisplay* display, int screen);

// The window's size (at least 1 x 1); false if `window` is not a window of `display`.
bool window_size(XDisplay* display, XWindow window, int* width, int* height);
// The same for an XID the program handed in, which may not name a window: the X error is
// caught instead of ending the program (one more round trip).
bool checked_window_size(XDisplay* display, XWindow window, int* width, int* height);

enum class PixelOrder {
  kBgra,  // B,G,R,A bytes: what a little-endian 24/32-bit TrueColor image holds
  kRgba,  // R,G,B,A bytes: what every GL can read back
};

class WindowPresenter {
 public:
  WindowPresenter(XDisplay* display, XWindow window);
  ~WindowPresenter();
  WindowPresenter(const WindowPresenter&) = delete;
  WindowPresenter& operator=(const WindowPresenter&) = delete;

  // `pixels`: width * height pixels of 4 bytes in `order`, bottom row first (as GL reads them).
  // The window gets them top row first. Returns when the X server has taken the pixels.
  void present(const uint8_t* pixels, int width, int height, PixelOrder order);

 private:
  struct XState;
  bool ensure_image(int width, int height);
  void free_image();

  std::unique_ptr<XState> x_;
};

}  // namespace gfxrelay::guest::x11
