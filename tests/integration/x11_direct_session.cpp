// Direct X11 windows at the protocol level (docs/protocol.md, "Direct X11 windows"), under an
// X server (with_xvfb.sh; a separate binary, since it needs one): the host takes a guest's
// display for its own only with the token the guest wrote there, a direct window shows what the
// host drew into it, a window that does not exist costs the host nothing, and a malformed
// message ends only its own session.
#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <string>

#include "support/raw_guest.h"

// Last: Xlib's macros (None, Status, Bool) clash with the headers above.
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

namespace gfxrelay {
namespace {

using testing::RawGuest;
using testing::Server;
using wire::Control;
using wire::Op;

constexpr uint32_t kEglSuccess = 0x3000, kEglBadMatch = 0x3009;

class X11Direct : public ::testing::Test {
 protected:
  void SetUp() override {
    // What `gfxrelay serve --x11-direct` sets; read once per process, by the in-process server.
    setenv("GFXRELAY_X11_DIRECT_HOST", "1", 1);
    dpy_ = XOpenDisplay(nullptr);
    ASSERT_NE(dpy_, nullptr) << "needs an X server (run under tests/integration/with_xvfb.sh)";
  }
  void TearDown() override {
    if (dpy_) XCloseDisplay(dpy_);
  }

  // kCheckX11Display: the host's answer (1: the same X server).
  uint32_t check_display(RawGuest& g, const std::string& name, std::span<const uint8_t> token) {
    wire::MessageWriter w;
    w.put_string(name);
    w.put_bytes(token);
    return wire::load<uint32_t>(g.request(Control::kCheckX11Display, w).data());
  }
  void set_root_property(const std::string& name, std::span<const uint8_t> token) {
    XChangeProperty(dpy_, DefaultRootWindow(dpy_), XInternAtom(dpy_, name.c_str(), False),
                    XA_STRING, 8, PropModeReplace, token.data(), static_cast<int>(token.size()));
    XSync(dpy_, False);
  }
  uint32_t visual() const { return static_cast<uint32_t>(DefaultVisual(dpy_, 0)->visualid); }
  // kCreateX11Surface of the guest's config; the host's status.
  uint32_t create_surface(RawGuest& g, uint32_t id, uint32_t window) {
    wire::MessageWriter w;
    for (uint32_t v : {id, g.config(), visual(), 1u, window, 16u, 16u}) w.put<uint32_t>(v);
    return wire::load<uint32_t>(g.request(Control::kCreateX11Surface, w).data());
  }
  // kCreateX11Context (OpenGL ES 3) of the guest's config; the host's status, *stream its ring.
  uint32_t create_context(RawGuest& g, uint32_t id, transport::ShmRegion* stream) {
    wire::MessageWriter w;
    for (uint32_t v : {id, g.config(), 0u, 0x30A0u /* EGL_OPENGL_ES_API */, visual(), 1u, 1u})
      w.put<uint32_t>(v);
    for (int32_t v : {0x3098 /* EGL_CONTEXT_MAJOR_VERSION */, 3}) w.put(v);
    return wire::load<uint32_t>(g.request(Control::kCreateX11Context, w, stream).data());
  }

  Display* dpy_ = nullptr;
};

TEST_F(X11Direct, OnlyTheTokenMakesADisplayDirect) {
  Server server;
  RawGuest g(server.path());
  const uint8_t token[16] = {7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  // Nothing direct before the check.
  transport::ShmRegion stream;
  EXPECT_EQ(create_context(g, 10, &stream), kEglBadMatch);
  EXPECT_EQ(create_surface(g, 20, static_cast<uint32_t>(DefaultRootWindow(dpy_))), kEglBadMatch);
  // A token the root window does not hold, a property that is not the relay's, a short token.
  EXPECT_EQ(check_display(g, "_GFXRELAY_CHECK_test", token), 0u);
  set_root_property("WM_ICON_NAME", token);
  EXPECT_EQ(check_display(g, "WM_ICON_NAME", token), 0u);
  set_root_property("_GFXRELAY_CHECK_test", std::span(token, 8));
  EXPECT_EQ(check_display(g, "_GFXRELAY_CHECK_test", std::span(token, 8)), 0u);
  set_root_property("_GFXRELAY_CHECK_test", token);
  const uint8_t other[16] = {9};
  EXPECT_EQ(check_display(g, "_GFXRELAY_CHECK_test", other), 0u);
  EXPECT_EQ(check_display(g, "_GFXRELAY_CHECK_test", token), 1u);
  EXPECT_EQ(create_context(g, 10, &stream), kEglSuccess);
  EXPECT_TRUE(stream);
  // The guest's own EGL context is untouched.
  ASSERT_TRUE(g.make_current());
  std::vector<uint8_t> pixels;
  EXPECT_TRUE(g.clear_and_read(0, 1, 0, &pixels));
  EXPECT_TRUE(testing::all_pixels(pixels, 0, 255, 0));
}

TEST_F(X11Direct, WindowShowsWhatTheHostDrew) {
  Server server;
  RawGuest g(server.path());
  RawGuest bystander(server.path());
  const uint8_t token[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};
  set_root_property("_GFXRELAY_CHECK_window", token);
  ASSERT_EQ(check_display(g, "_GFXRELAY_CHECK_window", token), 1u);
  const Window window = XCreateSimpleWindow(dpy_, DefaultRootWindow(dpy_), 0, 0, 16, 16, 0, 0, 0);
  XMapWindow(dpy_, window);
  XSync(dpy_, False);
  ASSERT_EQ(create_surface(g, 20, static_cast<uint32_t>(window)), kEglSuccess);
  // A window id the X server never gave out: accepted (X errors come later), and harmless.
  ASSERT_EQ(create_surface(g, 21, 0x1fffff0u), kEglSuccess);
  transport::ShmRegion stream;
  ASSERT_EQ(create_context(g, 10, &stream), kEglSuccess);
  g.use_stream(std::move(stream));
  // Drawing into it is nothing to the host (Mesa may take the window, or refuse it): the
  // session goes on.
  g.make_current(21, 21);
  g.command(Op::glClear, {GL_COLOR_BUFFER_BIT});
  g.command_with_transfer(Op::gfxrelay_PresentFrame, {21, wire::kPresentX11Direct},
                          wire::kPresentX11DirectBlob);
  ASSERT_TRUE(g.wait_reply());
  g.rewind_transfers();
  ASSERT_TRUE(g.make_current(20, 20));
  g.command(Op::glClearColor, {std::bit_cast<uint32_t>(1.0f), 0, std::bit_cast<uint32_t>(1.0f),
                               std::bit_cast<uint32_t>(1.0f)});
  g.command(Op::glClear, {GL_COLOR_BUFFER_BIT});
  // A direct frame, with its reply: swapped.
  g.command_with_transfer(Op::gfxrelay_PresentFrame, {20, wire::kPresentX11Direct},
                          wire::kPresentX11DirectBlob);
  ASSERT_TRUE(g.wait_reply());
  EXPECT_EQ(g.reply_word(0), static_cast<uint32_t>(wire::PresentResult::kSwapped));
  XSync(dpy_, False);
  XImage* image = XGetImage(dpy_, window, 0, 0, 16, 16, AllPlanes, ZPixmap);
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(XGetPixel(image, 0, 0) & 0xffffff, 0xff00ffu);
  EXPECT_EQ(XGetPixel(image, 15, 15) & 0xffffff, 0xff00ffu);
  XDestroyImage(image);
  // The window goes while the host still has it current: the next frame is nothing to the host.
  XDestroyWindow(dpy_, window);
  XSync(dpy_, False);
  g.command_with_transfer(Op::gfxrelay_PresentFrame, {20, wire::kPresentX11Direct},
                          wire::kPresentX11DirectBlob);
  ASSERT_TRUE(g.wait_reply());
  EXPECT_FALSE(g.closed());
  // A malformed message (no window, no size) ends this session; the other one goes on.
  wire::MessageWriter truncated;
  truncated.put<uint32_t>(22);
  const std::vector<uint8_t> reason = g.request(Control::kCreateX11Surface, truncated);
  EXPECT_NE(std::string(reason.begin(), reason.end()).find("CreateX11Surface: malformed"),
            std::string::npos);
  ASSERT_TRUE(bystander.make_current());
  std::vector<uint8_t> pixels;
  EXPECT_TRUE(bystander.clear_and_read(0, 0, 1, &pixels));
  EXPECT_TRUE(testing::all_pixels(pixels, 0, 0, 255));
}

}  // namespace
}  // namespace gfxrelay
