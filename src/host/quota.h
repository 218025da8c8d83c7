// What one guest session may take of the host (docs/security.md, "Resources"): limits on one
// command, and quotas on what the whole session holds at once, shared by its contexts' workers.
#pragma once

#include <atomic>
#include <cstdint>

namespace gfxrelay::host {

struct HostLimits {
  // The largest buffer or image one command may allocate: GFXRELAY_MAX_ALLOCATION (bytes, with
  // an optional K, M or G), 4 GiB by default (an image counts 16 bytes a texel here, so a
  // 16384 x 16384 texture of any format passes).
  int64_t max_allocation_bytes = int64_t{4} << 30;
  // The most objects one command may create (Mesa allocates glGenLists' whole range at once).
  int64_t max_objects_per_command = int64_t{1} << 20;
  // The most vertices one draw may process (count times instances): GFXRELAY_MAX_DRAW_VERTICES,
  // 2^28 by default (a draw of 1.5 billion keeps llvmpipe busy for minutes).
  int64_t max_draw_vertices = int64_t{1} << 28;

  // Per session. The memory its buffers, textures, renderbuffers and surfaces take at once
  // (GFXRELAY_SESSION_MEMORY, 8 GiB by default; images at the bytes a texel of their format).
  int64_t session_memory_bytes = int64_t{8} << 30;
  // The GL objects (names), syncs, EGL images and surfaces it holds at once
  // (GFXRELAY_SESSION_OBJECTS, 2^20 by default).
  int64_t session_objects = int64_t{1} << 20;
  // Its GL contexts at once (GFXRELAY_SESSION_CONTEXTS, 64 by default): each is a host thread
  // and a stream region with its transfer area, the only transfer memory a session has.
  int64_t session_contexts = 64;
};

// The limits as the environment sets them now (`gfxrelay serve` sets it from its options).
HostLimits host_limits();

// One session's usage against its quotas. Reservations either fit whole or take nothing.
class SessionQuota {
 public:
  explicit SessionQuota(const HostLimits& limits = host_limits()) : limits_(limits) {}
  const HostLimits& limits() const { return limits_; }

  bool reserve_memory(int64_t bytes) {
    return reserve(memory_, bytes, limits_.session_memory_bytes);
  }
  void release_memory(int64_t bytes) { memory_ -= bytes; }
  bool reserve_objects(int64_t count) { return reserve(objects_, count, limits_.session_objects); }
  void release_objects(int64_t count) { objects_ -= count; }
  int64_t memory() const { return memory_; }
  int64_t objects() const { return objects_; }

 private:
  static bool reserve(std::atomic<int64_t>& used, int64_t amount, int64_t limit) {
    if (amount <= 0) return true;
    int64_t now = used.load();
    do {
      if (amount > limit - now) return false;
    } while (!used.compare_exchange_weak(now, now + amount));
    return true;
  }

  const HostLimits limits_;
  std::atomic<int64_t> memory_{0};
  std::atomic<int64_t> objects_{0};
};

}  // namespace gfxrelay::host
