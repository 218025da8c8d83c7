// One guest GL context on the host: its own thread, host EGL context and command ring. Decodes
// in order, executes on the host GL, replies to synchronous commands.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "host/decoder/decoding.h"
#include "transport/shm_ring.h"

namespace gfxrelay::host {

class Session;

class ContextWorker : public SessionServices {
 public:
  // `share_group`: the host share group of the context this one shares with, or null.
  ContextWorker(Session& session, uint32_t id, EGLContext context, transport::ShmRegion region,
                std::vector<std::string> extensions, std::shared_ptr<HostShareGroup> share_group);
  const std::shared_ptr<HostShareGroup>& share_group() const { return state_.share_group(); }
  ~ContextWorker() override;  // stops the thread, destroys the host context

  const transport::ShmRegion& region() const { return region_; }
  void start();

  // SessionServices
  EGLDisplay display() override;
  EGLContext context() override { return context_; }
  EGLSurface surface(uint32_t guest_id) override;
  EGLint make_current(uint32_t draw_id, uint32_t read_id, bool release) override;
  EGLImage egl_image(uint64_t guest_id) override;
  EGLint create_image(uint64_t guest_id, EGLenum target, EGLClientBuffer buffer,
                      const EGLint* attribs) override;

 private:
  void run();
  void update_allowed();
  // Decodes the commands in `bytes`; false (with *error) on the first bad one.
  bool decode_batch(std::span<const uint8_t> bytes, std::string* error);

  Session& session_;
  uint32_t id_;
  EGLContext context_;
  transport::ShmRegion region_;
  transport::RingConsumer ring_;
  HostContext state_;
  bool extensions_read_ = false;
  std::vector<bool> allowed_;   // opcodes this guest may send: core, or of an offered extension
  std::vector<uint8_t> batch_;  // private copy: the guest can rewrite the ring at any time
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gfxrelay::host
