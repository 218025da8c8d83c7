// One guest Vulkan stream on the host: its own thread and command ring. Decodes in order, calls
// the host's Vulkan through the system loader, replies to synchronous commands; everything the
// guest made is destroyed when the stream ends.
#pragma once

#include <atomic>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "host/vk/vk_decoding.h"
#include "transport/shm_ring.h"

namespace gfxrelay::host {

class Session;

class VulkanWorker {
 public:
  VulkanWorker(Session& session, uint32_t id, transport::ShmRegion region);
  ~VulkanWorker();  // stops the thread, destroys what the guest left

  const transport::ShmRegion& region() const { return region_; }
  void start();
  // The session is ending: tells the guest (the stream's closed flag) and the thread to stop.
  void close_stream();
  // For the fuzzers: decodes `bytes` on the calling thread (the thread was never started).
  bool decode_inline(std::span<const uint8_t> bytes, std::string* error);

 private:
  void run();
  bool decode_batch(std::span<const uint8_t> bytes, std::string* error);

  Session& session_;
  uint32_t id_;
  transport::ShmRegion region_;
  transport::RingConsumer ring_;
  vk::Objects objects_;
  vk::Arena arena_;
  std::vector<uint8_t> batch_;  // private copy: the guest can rewrite the ring at any time
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gfxrelay::host
