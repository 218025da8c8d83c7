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

namespace gfxrelay::host {

class ContextWorker;
class VulkanWorker;

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
  EGLImage egl_image(uint64_t guest_id);
  // An image of an object of `context` (current on the calling thread); an EGL error code.
  EGLint create_image(EGLContext context, uint64_t guest_id, EGLenum target, EGLClientBuffer buffer,
                      const EGLint* attribs);

 private:
  bool handle(uint32_t opcode, std::span<const uint8_t> payload, std::string* error);
  void cleanup();

  uint64_t id_;
  std::unique_ptr<transport::HostChannel> channel_;
  EglBackend& backend_;
  std::shared_ptr<SessionQuota> quota_ = std::make_shared<SessionQuota>();
  std::mutex mutex_;  // surfaces_ and images_ (workers look them up)
  std::map<uint32_t, EGLSurface> surfaces_;
  std::map<uint32_t, int64_t> surface_bytes_;  // what each surface counts in quota_
  std::map<uint64_t, EGLImage> images_;
  std::map<uint32_t, std::unique_ptr<ContextWorker>> contexts_;
  std::map<uint32_t, std::unique_ptr<VulkanWorker>> vulkan_streams_;
  std::string end_reason_;
  std::atomic<bool> finished_{false};
};

void log(const std::string& message);

}  // namespace gfxrelay::host
