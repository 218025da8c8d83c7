// One guest GL context on the host: its own thread, host EGL context and command ring. Decodes
// in order, executes on the host GL, replies to synchronous commands.
#pragma once

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host/decoder/decoding.h"
#include "transport/shm_ring.h"

struct __GLXcontextRec;  // GLXContext, without Xlib's headers

namespace gfxrelay::host {

class Session;

class ContextWorker : public SessionServices {
 public:
  // `share_group`: the host share group of the context this one shares with, or null.
  // `api`: EGL_OPENGL_ES_API or EGL_OPENGL_API, the API `context` was made for.
  // `x11_context`: instead of `context` (EGL_NO_CONTEXT then), a GLX context of a direct X11
  // display (backend/x11_direct.h).
  ContextWorker(Session& session, uint32_t id, EGLenum api, EGLContext context,
                __GLXcontextRec* x11_context, transport::ShmRegion region,
                std::shared_ptr<HostShareGroup> share_group);
  const std::shared_ptr<HostShareGroup>& share_group() const { return state_.share_group(); }
  ~ContextWorker() override;  // stops the thread, destroys the host context

  const transport::ShmRegion& region() const { return region_; }
  EGLenum api() const { return api_; }
  __GLXcontextRec* x11_context() const { return x11_context_; }
  void start();
  // The session is ending: tells the guest (the stream's closed flag) and the thread to stop.
  void close_stream();
  // For the fuzzers (tests/fuzz), on a worker whose thread was never started: decodes `bytes`
  // on the calling thread, where make_current() has made the context current. False (with
  // *error) where the worker would end the session.
  bool decode_inline(std::span<const uint8_t> bytes, std::string* error);

  // SessionServices
  EGLDisplay display() override;
  EGLContext context() override { return context_; }
  EGLSurface surface(uint32_t guest_id) override;
  EGLint make_current(uint32_t draw_id, uint32_t read_id, bool release) override;
  EGLImage egl_image(uint64_t guest_id) override;
  EGLint create_image(uint64_t guest_id, EGLenum target, EGLClientBuffer buffer,
                      const EGLint* attribs) override;
  bool swap_x11_window(uint32_t surface_id) override;

 private:
  void run();
  bool is_current() const;
  EGLint release();  // unbinds the host context; an EGL status
  // Reads the context's API, version and extensions the first time it is current.
  void read_context_api();
  // Decodes the commands in `bytes`; false (with *error) on the first bad one.
  bool decode_batch(std::span<const uint8_t> bytes, std::string* error);

  Session& session_;
  uint32_t id_;
  EGLenum api_;
  EGLContext context_;
  __GLXcontextRec* x11_context_;
  transport::ShmRegion region_;
  transport::RingConsumer ring_;
  HostContext state_;
  bool api_read_ = false;
  // Opcodes the context may use (its API and version, and the extensions it was offered), and
  // the subset allowed now: only the relay's own while the context is not current.
  std::vector<bool> available_;
  std::vector<bool> allowed_;
  std::set<uint32_t> refused_logged_;  // opcodes refused so far (each is logged once)
  std::vector<uint8_t> batch_;         // private copy: the guest can rewrite the ring at any time
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gfxrelay::host
