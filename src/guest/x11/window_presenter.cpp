#include "guest/x11/window_presenter.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace gfxrelay::guest::x11 {

namespace {

// Errors of a request we expect may fail (MIT-SHM attach on a remote server, the geometry of
// an XID that is not a window) must not end the program: they are noted and the call fails.
bool request_failed = false;
int note_error(Display*, XErrorEvent*) {
  request_failed = true;
  return 0;
}

// Runs `request` with X errors caught; false if it raised one. Process-wide (Xlib has one
// error handler), so callers hold their vendor's lock.
template <typename Request>
bool without_x_errors(Display* display, Request request) {
  XSync(display, False);
  request_failed = false;
  auto* previous = XSetErrorHandler(note_error);
  bool ok = request();
  XSync(display, False);
  XSetErrorHandler(previous);
  return ok && !request_failed;
}

// B,G,R,A <-> R,G,B,A: the same swap either way.
void copy_swapping_red_blue(char* to, const uint8_t* from, size_t pixels) {
  for (size_t i = 0; i < pixels; ++i, to += 4, from += 4) {
    to[0] = static_cast<char>(from[2]);
    to[1] = static_cast<char>(from[1]);
    to[2] = static_cast<char>(from[0]);
    to[3] = static_cast<char>(from[3]);
  }
}

}  // namespace

struct WindowPresenter::XState {
  Display* display = nullptr;
  Window window = 0;
  GC gc = nullptr;
  Visual* visual = nullptr;
  int depth = 0;
  bool use_shm = false;
  XImage* image = nullptr;
  XShmSegmentInfo shm{};
};

XDisplay* open_default_display() {
  return XOpenDisplay(nullptr);
}

int default_screen(XDisplay* display) {
  return DefaultScreen(display);
}

unsigned long truecolor_visual(XDisplay* display, int screen) {
  Visual* default_visual = DefaultVisual(display, screen);
  XVisualInfo want{};
  want.screen = screen;
  want.depth = 24;
  want.c_class = TrueColor;
  int count = 0;
  XVisualInfo* found =
      XGetVisualInfo(display, VisualScreenMask | VisualDepthMask | VisualClassMask, &want, &count);
  VisualID id = 0;
  for (int i = 0; i < count; ++i)
    if (!id || found[i].visual == default_visual) id = found[i].visualid;
  if (found) XFree(found);
  return id;
}

bool window_size(XDisplay* display, XWindow window, int* width, int* height) {
  Window root;
  int x, y;
  unsigned w, h, border, depth;
  if (!XGetGeometry(display, window, &root, &x, &y, &w, &h, &border, &depth)) return false;
  *width = static_cast<int>(std::max(1u, w));
  *height = static_cast<int>(std::max(1u, h));
  return true;
}

bool checked_window_size(XDisplay* display, XWindow window, int* width, int* height) {
  return without_x_errors(display, [&] { return window_size(display, window, width, height); });
}

WindowPresenter::WindowPresenter(XDisplay* display, XWindow window)
    : x_(std::make_unique<XState>()) {
  x_->display = display;
  x_->window = window;
  XWindowAttributes attributes;
  if (XGetWindowAttributes(display, window, &attributes)) {
    x_->visual = attributes.visual;
    x_->depth = attributes.depth;
  }
  x_->gc = XCreateGC(display, window, 0, nullptr);
  x_->use_shm = XShmQueryExtension(display) && !std::getenv("GFXRELAY_NO_MIT_SHM");
}

WindowPresenter::~WindowPresenter() {
  free_image();
  if (x_->gc) XFreeGC(x_->display, x_->gc);
}

void WindowPresenter::free_image() {
  if (!x_->image) return;
  if (x_->use_shm) {
    XShmDetach(x_->display, &x_->shm);
    XSync(x_->display, False);
    shmdt(x_->shm.shmaddr);
    x_->image->data = nullptr;
  }
  XDestroyImage(x_->image);  // frees data when it was malloc'd
  x_->image = nullptr;
}

bool WindowPresenter::ensure_image(int width, int height) {
  XState& x = *x_;
  if (x.image && x.image->width == width && x.image->height == height) return true;
  free_image();
  if (!x.visual || x.depth < 24) return false;  // frames are 8 bits per channel
  if (x.use_shm) {
    x.image =
        XShmCreateImage(x.display, x.visual, x.depth, ZPixmap, nullptr, &x.shm, width, height);
    if (x.image) {
      x.shm.shmid = shmget(IPC_PRIVATE, static_cast<size_t>(x.image->bytes_per_line) * height,
                           IPC_CREAT | 0600);
      x.shm.shmaddr = x.image->data =
          x.shm.shmid >= 0 ? static_cast<char*>(shmat(x.shm.shmid, nullptr, 0)) : nullptr;
      x.shm.readOnly = False;
      bool attached = false;
      if (x.shm.shmaddr && x.shm.shmaddr != reinterpret_cast<char*>(-1)) {
        attached = without_x_errors(x.display, [&x] { return XShmAttach(x.display, &x.shm); });
      }
      // Marked for removal now: it goes away with the last detach, even if we crash.
      if (x.shm.shmid >= 0) shmctl(x.shm.shmid, IPC_RMID, nullptr);
      if (attached) return true;
      if (x.shm.shmaddr && x.shm.shmaddr != reinterpret_cast<char*>(-1)) shmdt(x.shm.shmaddr);
      x.image->data = nullptr;
      XDestroyImage(x.image);
      x.image = nullptr;
    }
    x.use_shm = false;
  }
  x.image = XCreateImage(x.display, x.visual, x.depth, ZPixmap, 0, nullptr, width, height, 32, 0);
  if (!x.image) return false;
  x.image->data =
      static_cast<char*>(std::malloc(static_cast<size_t>(x.image->bytes_per_line) * height));
  if (!x.image->data) {
    XDestroyImage(x.image);
    x.image = nullptr;
    return false;
  }
  return true;
}

void WindowPresenter::present(const uint8_t* pixels, int width, int height, PixelOrder order) {
  if (width <= 0 || height <= 0 || !ensure_image(width, height)) return;
  XState& x = *x_;
  // A 24/32-bit TrueColor ZPixmap on a little-endian client is B,G,R,X per pixel: B,G,R,A
  // frames are one copy per row, R,G,B,A ones swap red and blue on the way. Rows are flipped:
  // GL's origin is bottom-left.
  const size_t row = static_cast<size_t>(width) * 4;
  for (int y = 0; y < height; ++y) {
    char* to = x.image->data + static_cast<size_t>(y) * x.image->bytes_per_line;
    const uint8_t* from = pixels + static_cast<size_t>(height - 1 - y) * row;
    if (order == PixelOrder::kBgra)
      std::memcpy(to, from, row);
    else
      copy_swapping_red_blue(to, from, static_cast<size_t>(width));
  }
  if (x.use_shm)
    XShmPutImage(x.display, x.window, x.gc, x.image, 0, 0, 0, 0, width, height, False);
  else
    XPutImage(x.display, x.window, x.gc, x.image, 0, 0, 0, 0, width, height);
  // The next frame reuses the image: the server must have read it.
  XSync(x.display, False);
}

}  // namespace gfxrelay::guest::x11
