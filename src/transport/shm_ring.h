// Shared-memory stream: one region per guest context. Same host: created by the host as a sealed
// memfd and passed to the guest over the session's unix socket (SCM_RIGHTS). Virtual machines: a
// block of the ivshmem region (transport/ivshmem.h), named to the guest by its offset.
//
// Region layout (all offsets 4 KiB aligned):
//   [ControlBlock][command ring: ring_bytes][reply area: reply_bytes][transfer area:
//   transfer_bytes]
//
// The command ring is single-producer (guest encoder) / single-consumer (host context worker).
// Positions are free-running uint32_t counters; capacity is a power of two, so `head - tail` is
// the number of unread bytes even across wrap-around. Commands never straddle the end of the
// ring: the producer fills the tail end with a pad command (wire::kOpcodePad) and starts again
// at offset 0.
//
// Wake-ups: futexes on the shared counters (not FUTEX_PRIVATE, the two sides are different
// processes). A side that is about to sleep sets its *_sleeping flag, re-checks, then waits; the
// other side wakes it only when that flag is set, so the hot path makes no syscall. Across a VM
// boundary a futex wake-up does not reach the other kernel (Wakeups).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace gfxrelay::transport {

struct RegionLayout {
  uint32_t ring_bytes = 4u << 20;        // power of two
  uint32_t reply_bytes = 64u << 10;      // multiple of 4096
  uint32_t transfer_bytes = 128u << 20;  // multiple of 4096

  static constexpr size_t kControlBytes = 4096;
  size_t ring_offset() const { return kControlBytes; }
  size_t reply_offset() const { return ring_offset() + ring_bytes; }
  size_t transfer_offset() const { return reply_offset() + reply_bytes; }
  size_t total_bytes() const { return transfer_offset() + transfer_bytes; }
  // Power-of-two ring in [64 KiB, 1 GiB]; reply and transfer areas non-empty multiples of 4096.
  bool valid() const;
};

// Lives at offset 0 of the region. Every field may be scribbled on by a hostile guest: the host
// reads each one once, into a local, and validates it before use.
struct ControlBlock {
  static constexpr uint32_t kMagic = 0x47465852;  // "GFXR"
  static constexpr uint32_t kVersion = 2;

  uint32_t magic;
  uint32_t version;
  RegionLayout layout;

  // Command ring.
  alignas(64) std::atomic<uint32_t> ring_head;  // written by producer
  std::atomic<uint32_t> consumer_sleeping;
  alignas(64) std::atomic<uint32_t> ring_tail;  // written by consumer
  std::atomic<uint32_t> producer_sleeping;

  // Replies to synchronous commands: the host writes the reply bytes into the reply area, then
  // stores reply_length and bumps reply_seq; the guest waits for reply_seq to reach the number of
  // synchronous commands it has sent.
  alignas(64) std::atomic<uint32_t> reply_seq;
  std::atomic<uint32_t> reply_waiting;
  uint32_t reply_length;

  // Transfer area: the guest allocates from it as a ring of free-running positions (guest-local
  // head); the host stores the end position of each transfer it has finished with, in order.
  alignas(64) std::atomic<uint32_t> transfer_released;
  std::atomic<uint32_t> transfer_waiting;  // how many guest threads sleep on transfer_released

  // KHR_debug: how many messages the host holds for the guest's debug callback (the guest
  // fetches them with gfxrelay_DebugMessages after a reply).
  alignas(64) std::atomic<uint32_t> debug_messages;

  // Set by the host when it ends the session (bad command, shutdown); reason is NUL-terminated.
  alignas(64) std::atomic<uint32_t> closed;
  char close_reason[512];
};
static_assert(sizeof(ControlBlock) <= RegionLayout::kControlBytes);

// How the two sides of a region wake each other. On one host, futexes on the shared words reach
// the peer. A guest in a VM has its own kernel: its futex wake-ups never reach the host, and the
// host's never reach it. There the guest rings the ivshmem doorbell instead (when the VM has one),
// and a side that no wake-up reaches polls, sleeping a little longer each time up to poll_cap.
struct Wakeups {
  // 0: the peer's wake-ups reach this side, sleep as long as asked. Else the longest sleep
  // between two looks at the shared word.
  std::chrono::microseconds poll_cap{0};
  std::function<void()> doorbell;  // rung along with every futex wake-up of the peer
};

// One wait's sleeps on a shared word: the whole timeout where the peer's wake-ups reach this
// side, else polls of 50 µs doubling up to the cap.
class Sleeper {
 public:
  explicit Sleeper(const Wakeups& wakeups) : cap_(wakeups.poll_cap) {}
  void sleep(std::atomic<uint32_t>* word, uint32_t expected, std::chrono::microseconds timeout);

 private:
  std::chrono::microseconds cap_;
  std::chrono::microseconds step_{50};
};

// A region's memory: a memfd this object maps (same host), or a block of memory mapped by someone
// else (an ivshmem region), which it neither unmaps nor closes.
class ShmRegion {
 public:
  ShmRegion() = default;
  ShmRegion(ShmRegion&&) noexcept;
  ShmRegion& operator=(ShmRegion&&) noexcept;
  ShmRegion(const ShmRegion&) = delete;
  ShmRegion& operator=(const ShmRegion&) = delete;
  ~ShmRegion();

  // Host: memfd of layout.total_bytes(), sealed against shrinking and growing, mapped, control
  // block initialised (magic, version, layout, counters zero). Returns an empty region and sets
  // *error on failure.
  static ShmRegion create(const RegionLayout& layout, std::string* error);
  // Guest: maps a region received from the host; checks size (fstat), the shrink/grow seals (an
  // unsealed file could be truncated under the mapping, and touching it would then SIGBUS),
  // magic, version, layout. Takes ownership of fd, also on failure.
  static ShmRegion attach(int fd, std::string* error);
  // Host: a region in `size` bytes at `base` (memory of an ivshmem region), control block
  // initialised as create() does; `on_release` runs when the region is destroyed (the block goes
  // back to its allocator).
  static ShmRegion create_in(uint8_t* base, size_t size, const RegionLayout& layout,
                             Wakeups wakeups, std::function<void()> on_release, std::string* error);
  // Guest: the region the host made at `base`, with at most `size` bytes there; checks magic,
  // version and layout as attach() does.
  static ShmRegion attach_in(uint8_t* base, size_t size, Wakeups wakeups, std::string* error);

  explicit operator bool() const { return base_ != nullptr; }
  int fd() const { return fd_; }  // -1 for a region in an ivshmem block
  const RegionLayout& layout() const { return layout_; }
  const Wakeups& wakeups() const { return wakeups_; }
  // Wakes the peer waiting on `word` (futex, and the doorbell where there is one).
  void wake(std::atomic<uint32_t>* word) const;
  ControlBlock* control() const { return reinterpret_cast<ControlBlock*>(base_); }
  std::span<uint8_t> ring() const;
  std::span<uint8_t> reply() const;
  std::span<uint8_t> transfer() const;

 private:
  // A region in memory someone else mapped; `on_release` runs instead of munmap.
  static ShmRegion borrowed(uint8_t* base, const RegionLayout& layout, Wakeups wakeups,
                            std::function<void()> on_release);

  int fd_ = -1;
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  RegionLayout layout_;  // the host's own copy: never re-read from shared memory
  Wakeups wakeups_;
  std::function<void()> on_release_;
};

// Futex helpers on a shared 32-bit word.
void futex_wake_all(std::atomic<uint32_t>* word);
// Returns when *word != expected, on a wake-up, or after timeout (spurious returns allowed).
void futex_wait(std::atomic<uint32_t>* word, uint32_t expected, std::chrono::microseconds timeout);

// How long a side spins for its peer before sleeping on a futex. A futex wake-up costs tens of
// microseconds of latency (more on large machines), which a program waiting once per frame
// (glFinish, a mapping) pays twice per round trip; spinning costs a core. So: long where
// cores are plentiful, short where the spinning core is one the renderer needs (llvmpipe runs
// a thread per core). 200 µs from 8 cores, 50 µs from 4, else 20 µs; GFXRELAY_SPIN_US sets
// it (both sides read it: the guest library and `gfxrelay serve`).
std::chrono::microseconds spin_budget();

// A pause for spin-wait loops (before sleeping on a futex).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until `ready()` is true or `budget` has passed (the clock is read every 64 pauses);
// whether it became ready. The caller sleeps on its futex after a false.
template <typename Ready>
bool spin_until(Ready ready, std::chrono::microseconds budget = spin_budget()) {
  const auto until = std::chrono::steady_clock::now() + budget;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if (i % 64 == 63 && std::chrono::steady_clock::now() >= until) return false;
  }
}

// Guest side of the command ring. Not thread-safe: one per guest context, used by the thread
// that has the context current.
class RingProducer {
 public:
  RingProducer() = default;
  explicit RingProducer(const ShmRegion& region);

  // Largest command reserve() accepts (a quarter of the ring).
  size_t max_command_bytes() const { return capacity_ / 4; }

  // Returns `bytes` contiguous writable bytes (bytes % 8 == 0, bytes <= max_command_bytes()).
  // Waits for the consumer to free space if needed (publishing first, so it can make progress).
  // Returns nullptr only if the host closed the region.
  uint8_t* reserve(size_t bytes);
  // Marks the `bytes` reserved last as written (not yet visible to the consumer).
  void commit(size_t bytes);
  // Makes everything committed visible and wakes the consumer if it sleeps.
  void publish();
  size_t unpublished_bytes() const { return local_head_ - published_head_; }
  // Whether the consumer is working or spinning for more: a publish now wakes no one.
  bool consumer_awake() const {
    return control_->consumer_sleeping.load(std::memory_order_relaxed) == 0;
  }

 private:
  // Waits until `bytes` are free past local_head_; false if the region was closed meanwhile.
  bool wait_for_space(uint32_t bytes);

  const ShmRegion* region_ = nullptr;
  ControlBlock* control_ = nullptr;
  uint8_t* ring_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t local_head_ = 0;
  uint32_t published_head_ = 0;
  uint32_t cached_tail_ = 0;
  uint32_t reserved_ = 0;  // size of the last reserve(), to check commit()
};

// Host side of the command ring.
class RingConsumer {
 public:
  RingConsumer() = default;
  explicit RingConsumer(const ShmRegion& region);

  enum class Status { kData, kTimeout, kClosed, kCorrupt };
  // Waits up to `timeout` (spinning first) for unread bytes. On kData, *out is the readable span
  // from the current tail up to the newest head or the end of the ring, whichever comes first.
  // kCorrupt: the producer's head is impossible (ahead of tail by more than the capacity, or not
  // 8-aligned). kClosed: control()->closed is set.
  Status acquire(std::chrono::microseconds timeout, std::span<const uint8_t>* out);
  // Frees `bytes` from the tail (the caller has copied or consumed them); wakes the producer.
  void release(size_t bytes);

 private:
  const ShmRegion* region_ = nullptr;
  ControlBlock* control_ = nullptr;
  const uint8_t* ring_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t tail_ = 0;      // the host's own copy; the shared ring_tail is only ever written
  uint32_t acquired_ = 0;  // size of the last span handed out, to check release()
};

}  // namespace gfxrelay::transport
