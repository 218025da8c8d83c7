// One guest session (a process): its control messages (configs, surfaces, contexts) and one
// ContextWorker thread per guest GL context. A bad message or command ends this session only.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "host/backend/egl_backend.h"
#include "host/quota.h"
#include "transport/channel.h"
#include "wire/wire.h"

// GLX's handle types, without Xlib's headers (their macros clash with the decoders').
struct __GLXcontextRec;
struct __GLXFBConfigRec;

namespace gfxrelay::host {

class ContextWorker;
class VulkanWorker;
class X11Direct;

class Session {
 public:
  Session(uint64_t id, std::unique_ptr<transport::HostChannel> channel, EglBackend& backend);
  ~Session();

  // Serves the connection until the guest leaves or breaks a rule; then frees everything.
  void run();
  // Ends the session from another thread (a worker's bad command, server shutdown).
  void end(const std::string& reason);
  bool finished() const { return finished_; }

  uint64_t id() const { return id_; }
  // What the session holds of the host against its quotas (shared with its contexts' groups).
  const std::shared_ptr<SessionQuota>& quota() const { return quota_; }
  EGLDisplay display() const { return backend_.display(); }
  EGLSurface surface(uint32_t guest_id);
  // The host's X connection where the guest's display passed kCheckX11Display, else null.
  X11Direct* x11() const { return x11_; }
  // A direct X11 surface's drawable (an X window or a GLX pbuffer), 0 if there is none;
  // *window tells which.
  unsigned long x11_drawable(uint32_t guest_id, bool* window = nullptr);
  EGLImage egl_image(uint64_t guest_id);
  // An image of an object of `context` (current on the calling thread); an EGL error code.
  EGLint create_image(EGLContext context, uint64_t guest_id, EGLenum target, EGLClientBuffer buffer,
                      const EGLint* attribs);

 private:
  bool handle(uint32_t opcode, std::span<const uint8_t> payload, std::string* error);
  // kCreateContext, and kCreateX11Context where `x11`.
  bool create_context(wire::Reader& r, bool x11, std::string* error);
  bool create_x11_surface(wire::Reader& r, std::string* error);
  bool send_reply(const std::vector<uint8_t>& bytes, const transport::ShmRegion* region = nullptr);
  void cleanup();

  uint64_t id_;
  std::unique_ptr<transport::HostChannel> channel_;
  EglBackend& backend_;
  std::shared_ptr<SessionQuota> quota_ = std::make_shared<SessionQuota>();
  std::mutex mutex_;  // surfaces_ and images_ (workers look them up)
  std::map<uint32_t, EGLSurface> surfaces_;
  std::map<uint32_t, int64_t> surface_bytes_;  // what each surface counts in quota_
  std::map<uint64_t, EGLImage> images_;
  struct X11Surface {
    unsigned long drawable = 0;
    bool window = false;
  };
  X11Direct* x11_ = nullptr;
  std::map<uint32_t, X11Surface> x11_surfaces_;
  std::map<uint32_t, std::unique_ptr<ContextWorker>> contexts_;
  std::map<uint32_t, std::unique_ptr<VulkanWorker>> vulkan_streams_;
  std::string end_reason_;
  std::atomic<bool> finished_{false};
};

void log(const std::string& message);

}  // namespace gfxrelay::host
