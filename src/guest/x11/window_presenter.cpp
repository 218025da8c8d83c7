#include "guest/x11/window_presenter.h"

#include <X11/Xlib-xcb.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <xcb/shm.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

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
  // Frames in the guest's shared memory files, which the server maps itself.
  int share_memory = -1;  // -1: not asked yet, 0: no, 1: yes
  xcb_shm_seg_t shared_segment = 0;
  uint64_t shared_key = 0;
  bool async_refused = false;  // frames go the synchronous way (present_shared_async)
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

WindowSizeRequest::WindowSizeRequest(XDisplay* display, XWindow window)
    : display_(display),
      sequence_(xcb_get_geometry(XGetXCBConnection(display), static_cast<xcb_drawable_t>(window))
                    .sequence) {}

WindowSizeRequest::~WindowSizeRequest() {
  if (!read_) xcb_discard_reply(XGetXCBConnection(display_), sequence_);
}

bool WindowSizeRequest::get(int* width, int* height) {
  if (read_) return false;
  read_ = true;
  // An error (the window is gone) comes back here, not to the program's X error handler.
  xcb_generic_error_t* error = nullptr;
  xcb_get_geometry_reply_t* reply = xcb_get_geometry_reply(
      XGetXCBConnection(display_), xcb_get_geometry_cookie_t{sequence_}, &error);
  std::free(error);
  if (!reply) return false;
  *width = std::max<int>(1, reply->width);
  *height = std::max<int>(1, reply->height);
  std::free(reply);
  return true;
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

// A frame the X server may not have read yet. Shared with the relay's transfer allocator, which
// waits for it before reusing the frame's memory; the presenter finishes it first when it goes
// away (its display may close after that).
struct WindowPresenter::PendingFrame {
  xcb_connection_t* connection = nullptr;
  unsigned int sequence = 0;
  bool taken = false;
  bool refused = false;  // the server refused the put (an X error)

  void wait() {
    if (taken) return;
    taken = true;
    xcb_generic_error_t* error = xcb_request_check(connection, xcb_void_cookie_t{sequence});
    if (error) {
      refused = true;
      std::free(error);
    }
  }
};

// present_shared_async's thread and its own X connection (Xlib calls on the program's
// connection from another thread are safe only after XInitThreads, which a library cannot
// call for the program). Frames reach the server through this connection in order; the
// program's own requests may come between them.
class WindowPresenter::FramePutter {
 public:
  FramePutter(xcb_connection_t* connection, XWindow window, int depth)
      : c_(connection), window_(static_cast<xcb_window_t>(window)), depth_(depth) {
    gc_ = xcb_generate_id(c_);
    xcb_create_gc(c_, gc_, window_, 0, nullptr);
    thread_ = std::thread([this] { run(); });
  }
  ~FramePutter() { stop(); }

  // Puts the frame once `written` returns true; waits first until the frame before is done.
  uint64_t hand_over(int memory_fd, uint64_t memory_key, uint32_t offset, uint16_t width,
                     uint16_t height, std::function<bool()> written) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !job_ || stopping_; });
    if (stopping_) return done_;
    job_ = Job{++handed_, memory_fd, memory_key, offset, width, height, std::move(written)};
    changed_.notify_all();
    return handed_;
  }
  void wait_done(uint64_t number) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return done_ >= number; });
  }
  // Whether a put or an attach was refused (later frames go the synchronous way).
  bool failed() {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  // Finishes the frame in hand, then ends the thread and the connection.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!thread_.joinable()) return;
      stopping_ = true;
      changed_.notify_all();
    }
    thread_.join();
    if (segment_) xcb_shm_detach(c_, segment_);
    xcb_free_gc(c_, gc_);
    xcb_disconnect(c_);
  }

 private:
  struct Job {
    uint64_t number;
    int memory_fd;
    uint64_t memory_key;
    uint32_t offset;
    uint16_t width, height;
    std::function<bool()> written;
  };

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return job_ || stopping_; });
      if (!job_) return;  // stopping, nothing in hand
      Job job = *job_;
      lock.unlock();
      const bool shown = job.written() && put(job);
      lock.lock();
      if (!shown) failed_ = true;
      done_ = job.number;
      job_.reset();
      changed_.notify_all();
    }
  }

  bool put(const Job& job) {
    if (!segment_ || key_ != job.memory_key) {
      if (segment_) xcb_shm_detach(c_, segment_);
      segment_ = 0;
      // xcb sends the descriptor and closes it: it gets a copy. The program's thread keeps the
      // context (and its fd) alive until this frame is done.
      const int fd = fcntl(job.memory_fd, F_DUPFD_CLOEXEC, 0);
      if (fd < 0) return false;
      const xcb_shm_seg_t segment = xcb_generate_id(c_);
      if (xcb_generic_error_t* error =
              xcb_request_check(c_, xcb_shm_attach_fd_checked(c_, segment, fd, 1))) {
        std::free(error);
        return false;
      }
      segment_ = segment;
      key_ = job.memory_key;
    }
    const xcb_void_cookie_t put = xcb_shm_put_image_checked(
        c_, window_, gc_, job.width, job.height, 0, 0, job.width, job.height, 0, 0,
        static_cast<uint8_t>(depth_), XCB_IMAGE_FORMAT_Z_PIXMAP, 0, segment_, job.offset);
    // Done once the server has copied the frame (the range may be reused after that).
    xcb_generic_error_t* error = xcb_request_check(c_, put);
    std::free(error);
    return error == nullptr;
  }

  xcb_connection_t* c_;
  xcb_window_t window_;
  int depth_;
  xcb_gcontext_t gc_ = 0;
  xcb_shm_seg_t segment_ = 0;
  uint64_t key_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Job> job_;
  uint64_t handed_ = 0, done_ = 0;
  bool stopping_ = false, failed_ = false;
  std::thread thread_;
};

bool WindowPresenter::present_shared_async(int memory_fd, uint64_t memory_key, size_t offset,
                                           int width, int height, std::function<bool()> written,
                                           std::function<void()>* frame_shown) {
  XState& x = *x_;
  if (x.async_refused || width <= 0 || height <= 0 || width > UINT16_MAX || height > UINT16_MAX ||
      offset > UINT32_MAX || !can_share_memory())
    return false;
  if (putter_ && putter_->failed()) {
    putter_->stop();
    putter_.reset();
    x.async_refused = true;
    return false;
  }
  if (!putter_) {
    if (std::getenv("GFXRELAY_SYNC_PRESENT")) {
      x.async_refused = true;
      return false;
    }
    xcb_connection_t* c = xcb_connect(DisplayString(x.display), nullptr);
    if (xcb_connection_has_error(c)) {
      xcb_disconnect(c);
      x.async_refused = true;
      return false;
    }
    putter_ = std::make_shared<FramePutter>(c, x.window, x.depth);
  }
  // Frames of the two ways must not overtake each other.
  finish_frame();
  const uint64_t number = putter_->hand_over(memory_fd, memory_key, static_cast<uint32_t>(offset),
                                             static_cast<uint16_t>(width),
                                             static_cast<uint16_t>(height), std::move(written));
  *frame_shown = [putter = putter_, number] { putter->wait_done(number); };
  return true;
}

WindowPresenter::~WindowPresenter() {
  if (putter_) putter_->stop();
  finish_frame();
  detach_shared();
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

bool WindowPresenter::can_share_memory() {
  XState& x = *x_;
  if (x.share_memory >= 0) return x.share_memory == 1;
  x.share_memory = 0;
  if (std::getenv("GFXRELAY_NO_SHARED_FRAMES")) return false;
  // Frames are B,G,R,A bytes, 4 per pixel: the layout of a little-endian 8-bit TrueColor
  // visual's ZPixmap with 32 bits per pixel.
  if (!x.use_shm || !x.visual || x.depth < 24 || ImageByteOrder(x.display) != LSBFirst ||
      x.visual->red_mask != 0xff0000 || x.visual->green_mask != 0xff00 ||
      x.visual->blue_mask != 0xff)
    return false;
  int count = 0;
  XPixmapFormatValues* formats = XListPixmapFormats(x.display, &count);
  bool four_bytes = false;
  for (int i = 0; i < count; ++i)
    if (formats[i].depth == x.depth) four_bytes = formats[i].bits_per_pixel == 32;
  if (formats) XFree(formats);
  if (!four_bytes) return false;
  xcb_connection_t* c = XGetXCBConnection(x.display);
  // Descriptors pass only over a local (unix) socket: xcb closes a connection whose descriptor
  // passing fails, so a remote server (ssh -X, TCP) is never asked.
  sockaddr_storage address{};
  socklen_t address_length = sizeof address;
  if (getsockname(xcb_get_file_descriptor(c), reinterpret_cast<sockaddr*>(&address),
                  &address_length) != 0 ||
      address.ss_family != AF_UNIX)
    return false;
  xcb_shm_query_version_reply_t* version =
      xcb_shm_query_version_reply(c, xcb_shm_query_version(c), nullptr);
  if (!version) return false;
  // AttachFd came with MIT-SHM 1.2.
  x.share_memory =
      version->major_version > 1 || (version->major_version == 1 && version->minor_version >= 2);
  std::free(version);
  return x.share_memory == 1;
}

void WindowPresenter::detach_shared() {
  XState& x = *x_;
  if (!x.shared_segment) return;
  xcb_shm_detach(XGetXCBConnection(x.display), x.shared_segment);
  x.shared_segment = 0;
}

void WindowPresenter::finish_frame() {
  if (!pending_) return;
  pending_->wait();
  if (pending_->refused) {
    // Shown nothing; later frames take the copying path.
    detach_shared();
    x_->share_memory = 0;
  }
  pending_.reset();
}

bool WindowPresenter::present_shared(int memory_fd, uint64_t memory_key, size_t offset, int width,
                                     int height, std::function<void()>* frame_taken) {
  finish_frame();
  if (width <= 0 || height <= 0 || offset > UINT32_MAX || !can_share_memory()) return false;
  XState& x = *x_;
  xcb_connection_t* c = XGetXCBConnection(x.display);
  if (!x.shared_segment || x.shared_key != memory_key) {
    detach_shared();
    // xcb sends the descriptor and closes it: it gets a copy.
    const int fd = fcntl(memory_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return false;
    const xcb_shm_seg_t segment = xcb_generate_id(c);
    xcb_generic_error_t* error =
        xcb_request_check(c, xcb_shm_attach_fd_checked(c, segment, fd, /*read_only=*/1));
    if (error) {
      std::free(error);
      x.share_memory = 0;
      return false;
    }
    x.shared_segment = segment;
    x.shared_key = memory_key;
  }
  const uint16_t w = static_cast<uint16_t>(width), h = static_cast<uint16_t>(height);
  // Checked: an error comes back to finish_frame() instead of ending the program.
  const xcb_void_cookie_t put = xcb_shm_put_image_checked(
      c, static_cast<xcb_drawable_t>(x.window), static_cast<xcb_gcontext_t>(XGContextFromGC(x.gc)),
      w, h, 0, 0, w, h, 0, 0, static_cast<uint8_t>(x.depth), XCB_IMAGE_FORMAT_Z_PIXMAP, 0,
      x.shared_segment, static_cast<uint32_t>(offset));
  xcb_flush(c);
  pending_ = std::make_shared<PendingFrame>();
  pending_->connection = c;
  pending_->sequence = put.sequence;
  *frame_taken = [frame = pending_] { frame->wait(); };
  return true;
}

void WindowPresenter::present(const uint8_t* pixels, int width, int height, PixelOrder order,
                              RowOrder rows) {
  if (width <= 0 || height <= 0 || !ensure_image(width, height)) return;
  XState& x = *x_;
  // A 24/32-bit TrueColor ZPixmap on a little-endian client is B,G,R,X per pixel: B,G,R,A
  // frames are one copy per row, R,G,B,A ones swap red and blue on the way. Rows read bottom
  // first (GL's origin is bottom-left) are flipped.
  const size_t row = static_cast<size_t>(width) * 4;
  for (int y = 0; y < height; ++y) {
    char* to = x.image->data + static_cast<size_t>(y) * x.image->bytes_per_line;
    const int from_row = rows == RowOrder::kBottomFirst ? height - 1 - y : y;
    const uint8_t* from = pixels + static_cast<size_t>(from_row) * row;
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
