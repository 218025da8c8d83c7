#include "guest/glx/window_presenter.h"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <cstdlib>
#include <cstring>

namespace gfxrelay::guest::glx {

namespace {

// MIT-SHM attach errors (a remote X server cannot see our segment) must not end the program:
// they turn shared images off for this presenter.
bool shm_attach_failed = false;
int ignore_attach_error(Display*, XErrorEvent*) {
  shm_attach_failed = true;
  return 0;
}

}  // namespace

WindowPresenter::WindowPresenter(Display* display, Window window)
    : display_(display), window_(window) {
  XWindowAttributes attributes;
  if (XGetWindowAttributes(display_, window_, &attributes)) {
    visual_ = attributes.visual;
    depth_ = attributes.depth;
  }
  gc_ = XCreateGC(display_, window_, 0, nullptr);
  use_shm_ = XShmQueryExtension(display_) && !std::getenv("GFXRELAY_NO_MIT_SHM");
}

WindowPresenter::~WindowPresenter() {
  free_image();
  if (gc_) XFreeGC(display_, gc_);
}

void WindowPresenter::free_image() {
  if (!image_) return;
  if (use_shm_) {
    XShmDetach(display_, &shm_);
    XSync(display_, False);
    shmdt(shm_.shmaddr);
    image_->data = nullptr;
  }
  XDestroyImage(image_);  // frees data when it was malloc'd
  image_ = nullptr;
}

bool WindowPresenter::ensure_image(int width, int height) {
  if (image_ && image_->width == width && image_->height == height) return true;
  free_image();
  if (!visual_ || depth_ < 24) return false;  // frames are 8 bits per channel
  if (use_shm_) {
    image_ = XShmCreateImage(display_, visual_, depth_, ZPixmap, nullptr, &shm_, width, height);
    if (image_) {
      shm_.shmid = shmget(IPC_PRIVATE, static_cast<size_t>(image_->bytes_per_line) * height,
                          IPC_CREAT | 0600);
      shm_.shmaddr = image_->data =
          shm_.shmid >= 0 ? static_cast<char*>(shmat(shm_.shmid, nullptr, 0)) : nullptr;
      shm_.readOnly = False;
      bool attached = false;
      if (shm_.shmaddr && shm_.shmaddr != reinterpret_cast<char*>(-1)) {
        XSync(display_, False);
        shm_attach_failed = false;
        auto* previous = XSetErrorHandler(ignore_attach_error);
        attached = XShmAttach(display_, &shm_);
        XSync(display_, False);
        XSetErrorHandler(previous);
        attached = attached && !shm_attach_failed;
      }
      // Marked for removal now: it goes away with the last detach, even if we crash.
      if (shm_.shmid >= 0) shmctl(shm_.shmid, IPC_RMID, nullptr);
      if (attached) return true;
      if (shm_.shmaddr && shm_.shmaddr != reinterpret_cast<char*>(-1)) shmdt(shm_.shmaddr);
      image_->data = nullptr;
      XDestroyImage(image_);
      image_ = nullptr;
    }
    use_shm_ = false;
  }
  image_ = XCreateImage(display_, visual_, depth_, ZPixmap, 0, nullptr, width, height, 32, 0);
  if (!image_) return false;
  image_->data =
      static_cast<char*>(std::malloc(static_cast<size_t>(image_->bytes_per_line) * height));
  if (!image_->data) {
    XDestroyImage(image_);
    image_ = nullptr;
    return false;
  }
  return true;
}

void WindowPresenter::present(const uint8_t* pixels, int width, int height) {
  if (width <= 0 || height <= 0 || !ensure_image(width, height)) return;
  // A 24/32-bit TrueColor ZPixmap on a little-endian client is B,G,R,X per pixel: the same
  // bytes GL_BGRA gives, so each row is one copy (rows flipped: GL's origin is bottom-left).
  const size_t row = static_cast<size_t>(width) * 4;
  for (int y = 0; y < height; ++y)
    std::memcpy(image_->data + static_cast<size_t>(y) * image_->bytes_per_line,
                pixels + static_cast<size_t>(height - 1 - y) * row, row);
  if (use_shm_)
    XShmPutImage(display_, window_, gc_, image_, 0, 0, 0, 0, width, height, False);
  else
    XPutImage(display_, window_, gc_, image_, 0, 0, 0, 0, width, height);
  // The next frame reuses the image: the server must have read it.
  XSync(display_, False);
}

}  // namespace gfxrelay::guest::glx
