// Puts frames that the host rendered into an X window. Best: the host wrote the frame, top row
// first, into shared memory that the X server maps itself (MIT-SHM 1.2's AttachFd), so the
// guest copies nothing. Else through a MIT-SHM image (one copy in the guest, into memory the
// server reads), else with XPutImage.
// Shared by the GLX vendor and EGL's X11 platform. The header names Xlib's types by their
// C names so that its users need not include Xlib (whose macros clash with GL and EGL code).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

// A window's size asked for now and read later, so that the round trip overlaps what the caller
// does in between. Presenting asks before the frame goes out: asked after, the answer would wait
// until the X server had copied the whole frame.
class WindowSizeRequest {
 public:
  WindowSizeRequest(XDisplay* display, XWindow window);
  ~WindowSizeRequest();  // drops an answer never read
  WindowSizeRequest(const WindowSizeRequest&) = delete;
  WindowSizeRequest& operator=(const WindowSizeRequest&) = delete;
  // The size (at least 1 x 1); false if the window is gone. Once only.
  bool get(int* width, int* height);

 private:
  XDisplay* display_;
  unsigned int sequence_;
  bool read_ = false;
};

enum class PixelOrder {
  kBgra,  // B,G,R,A bytes: what a little-endian 24/32-bit TrueColor image holds
  kRgba,  // R,G,B,A bytes: what every GL can read back
};

enum class RowOrder {
  kBottomFirst,  // as GL reads them
  kTopFirst,     // as X wants them
};

class WindowPresenter {
 public:
  WindowPresenter(XDisplay* display, XWindow window);
  ~WindowPresenter();
  WindowPresenter(const WindowPresenter&) = delete;
  WindowPresenter& operator=(const WindowPresenter&) = delete;

  // `pixels`: width * height pixels of 4 bytes in `order`, rows in `rows` order. Returns when
  // the X server has taken the pixels.
  void present(const uint8_t* pixels, int width, int height, PixelOrder order, RowOrder rows);

  // Whether the X server can map the guest's shared memory files (a local server with MIT-SHM
  // 1.2); asked once per window.
  bool can_share_memory();
  // A frame of B,G,R,A pixels, top row first, at `offset` in the shared memory file `memory_fd`
  // (attached once while `memory_key` stays the same; the fd is not taken). Returns once the
  // request is sent: the X server reads the pixels later (requests the program sends on the
  // same connection afterwards see the frame), so the memory must stay as it is until
  // `frame_taken` has run. False if the server refused the file (nothing is pending then).
  bool present_shared(int memory_fd, uint64_t memory_key, size_t offset, int width, int height,
                      std::function<void()>* frame_taken);
  // Waits until the X server has read the last frame present_shared sent (at once if it has).
  void finish_frame();

  // present_shared without waiting for the host: the program's thread hands the frame over
  // before the host has written it, and a thread of this presenter, on an X connection of its
  // own, waits for `written` (false: it never will be) and puts the frame. The program renders
  // the next frame meanwhile. One frame in flight: waits first until the one before is shown.
  // `frame_shown` waits until this one is (or was dropped). False where frames cannot go this
  // way (no second connection, a refused put or attach before, GFXRELAY_SYNC_PRESENT set):
  // nothing was handed over.
  bool present_shared_async(int memory_fd, uint64_t memory_key, size_t offset, int width,
                            int height, std::function<bool()> written,
                            std::function<void()>* frame_shown);

 private:
  struct XState;
  bool ensure_image(int width, int height);
  void free_image();
  void detach_shared();

  std::unique_ptr<XState> x_;
  struct PendingFrame;
  std::shared_ptr<PendingFrame> pending_;  // the last shared frame, until the server took it
  class FramePutter;
  std::shared_ptr<FramePutter> putter_;  // present_shared_async's thread, once started
};

}  // namespace gfxrelay::guest::x11
