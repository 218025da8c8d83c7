#include "transport/shm_ring.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>
#include <utility>

#include "wire/command.h"

namespace gfxrelay::transport {
namespace {

// The futex syscall works on the raw 32-bit word, and the other process maps the same word.
static_assert(std::atomic<uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

constexpr uint32_t kMinRingBytes = 64u << 10;
constexpr uint32_t kMaxRingBytes = 1u << 30;
constexpr uint32_t kPageBytes = 4096;
constexpr unsigned kRequiredSeals = F_SEAL_SHRINK | F_SEAL_GROW;

// The producer's spin before sleeping on a full ring: the consumer frees space as it goes.
constexpr int kProducerSpins = 2000;
// The producer re-checks `closed` at this interval while it sleeps on a full ring.
constexpr std::chrono::microseconds kProducerSleep{10'000};

std::string errno_message(const char* what) {
  return std::string(what) + ": " + strerror(errno);
}

void set_error(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

uint32_t* futex_word(std::atomic<uint32_t>* word) {
  return reinterpret_cast<uint32_t*>(word);
}

}  // namespace

bool RegionLayout::valid() const {
  const bool ring_ok = ring_bytes >= kMinRingBytes && ring_bytes <= kMaxRingBytes &&
                       (ring_bytes & (ring_bytes - 1)) == 0;
  return ring_ok && reply_bytes >= kPageBytes && reply_bytes % kPageBytes == 0 &&
         transfer_bytes >= kPageBytes && transfer_bytes % kPageBytes == 0;
}

ShmRegion::ShmRegion(ShmRegion&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      layout_(other.layout_),
      wakeups_(std::move(other.wakeups_)),
      on_release_(std::exchange(other.on_release_, nullptr)) {}

ShmRegion& ShmRegion::operator=(ShmRegion&& other) noexcept {
  if (this != &other) {
    ShmRegion old(std::move(*this));
    fd_ = std::exchange(other.fd_, -1);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    layout_ = other.layout_;
    wakeups_ = std::move(other.wakeups_);
    on_release_ = std::exchange(other.on_release_, nullptr);
  }
  return *this;
}

ShmRegion::~ShmRegion() {
  if (on_release_) {
    on_release_();  // memory mapped by someone else
  } else if (base_) {
    munmap(base_, size_);
  }
  if (fd_ >= 0) close(fd_);
}

void ShmRegion::wake(std::atomic<uint32_t>* word) const {
  futex_wake_all(word);
  if (wakeups_.doorbell) wakeups_.doorbell();
}

namespace {

ControlBlock* init_control_block(void* base, const RegionLayout& layout) {
  // Value-initialisation zeroes every counter, the closed flag and the reason.
  ControlBlock* control = new (base) ControlBlock();
  control->magic = ControlBlock::kMagic;
  control->version = ControlBlock::kVersion;
  control->layout = layout;
  return control;
}

// Reads the header fields once (the peer may change them at any time) and checks them.
bool read_header(const void* base, RegionLayout* layout, std::string* error) {
  const auto* control = static_cast<const ControlBlock*>(base);
  uint32_t magic = 0;
  uint32_t version = 0;
  std::memcpy(&magic, &control->magic, sizeof(magic));
  std::memcpy(&version, &control->version, sizeof(version));
  std::memcpy(layout, &control->layout, sizeof(*layout));
  if (magic != ControlBlock::kMagic) {
    set_error(error, "bad region magic");
    return false;
  }
  if (version != ControlBlock::kVersion) {
    set_error(error, "unsupported region version " + std::to_string(version));
    return false;
  }
  if (!layout->valid()) {
    set_error(error, "invalid region layout");
    return false;
  }
  return true;
}

}  // namespace

ShmRegion ShmRegion::create_in(uint8_t* base, size_t size, const RegionLayout& layout,
                               Wakeups wakeups, std::function<void()> on_release,
                               std::string* error) {
  if (!layout.valid() || layout.total_bytes() > size) {
    set_error(error, "invalid region layout");
    if (on_release) on_release();
    return {};
  }
  init_control_block(base, layout);
  return borrowed(base, layout, std::move(wakeups), std::move(on_release));
}

ShmRegion ShmRegion::borrowed(uint8_t* base, const RegionLayout& layout, Wakeups wakeups,
                              std::function<void()> on_release) {
  ShmRegion region;
  region.base_ = base;
  region.size_ = layout.total_bytes();
  region.layout_ = layout;
  region.wakeups_ = std::move(wakeups);
  region.on_release_ = std::move(on_release);
  return region;
}

ShmRegion ShmRegion::attach_in(uint8_t* base, size_t size, Wakeups wakeups, std::string* error) {
  if (size < RegionLayout::kControlBytes) {
    set_error(error, "region smaller than its control block");
    return {};
  }
  RegionLayout layout;
  if (!read_header(base, &layout, error)) return {};
  if (layout.total_bytes() > size) {
    set_error(error, "region layout larger than its block");
    return {};
  }
  return borrowed(base, layout, std::move(wakeups), [] {});  // the channel owns the mapping
}

ShmRegion ShmRegion::create(const RegionLayout& layout, std::string* error) {
  if (!layout.valid()) {
    set_error(error, "invalid region layout");
    return {};
  }
  ShmRegion region;
  region.layout_ = layout;
  region.fd_ = memfd_create("gfxrelay-stream", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (region.fd_ < 0) {
    set_error(error, errno_message("memfd_create"));
    return {};
  }
  const size_t size = layout.total_bytes();
  if (ftruncate(region.fd_, static_cast<off_t>(size)) != 0) {
    set_error(error, errno_message("ftruncate"));
    return {};
  }
  // The guest holds the fd too; if it could shrink the file, the host's next touch of the
  // missing pages would SIGBUS.
  if (fcntl(region.fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    set_error(error, errno_message("F_ADD_SEALS"));
    return {};
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, region.fd_, 0);
  if (base == MAP_FAILED) {
    set_error(error, errno_message("mmap"));
    return {};
  }
  region.base_ = static_cast<uint8_t*>(base);
  region.size_ = size;
  init_control_block(base, layout);
  return region;
}

ShmRegion ShmRegion::attach(int fd, std::string* error) {
  ShmRegion region;
  region.fd_ = fd;  // owned from here on, closed by the destructor on every failure path
  if (fd < 0) {
    set_error(error, "invalid fd");
    return region;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    set_error(error, errno_message("fstat"));
    return {};
  }
  if (st.st_size < static_cast<off_t>(RegionLayout::kControlBytes)) {
    set_error(error, "region smaller than its control block");
    return {};
  }
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (static_cast<unsigned>(seals) & kRequiredSeals) != kRequiredSeals) {
    set_error(error, "region is not sealed against resizing");
    return {};
  }

  // Read the header once into locals; only the validated copy is used afterwards.
  RegionLayout layout;
  {
    void* head = mmap(nullptr, RegionLayout::kControlBytes, PROT_READ, MAP_SHARED, fd, 0);
    if (head == MAP_FAILED) {
      set_error(error, errno_message("mmap control block"));
      return {};
    }
    const bool ok = read_header(head, &layout, error);
    munmap(head, RegionLayout::kControlBytes);
    if (!ok) return {};
  }
  if (layout.total_bytes() != static_cast<size_t>(st.st_size)) {
    set_error(error, "region size does not match its layout");
    return {};
  }

  void* base = mmap(nullptr, layout.total_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    set_error(error, errno_message("mmap"));
    return {};
  }
  region.base_ = static_cast<uint8_t*>(base);
  region.size_ = layout.total_bytes();
  region.layout_ = layout;
  return region;
}

std::span<uint8_t> ShmRegion::ring() const {
  if (!base_) return {};
  return {base_ + layout_.ring_offset(), layout_.ring_bytes};
}

std::span<uint8_t> ShmRegion::reply() const {
  if (!base_) return {};
  return {base_ + layout_.reply_offset(), layout_.reply_bytes};
}

std::span<uint8_t> ShmRegion::transfer() const {
  if (!base_) return {};
  return {base_ + layout_.transfer_offset(), layout_.transfer_bytes};
}

std::chrono::microseconds spin_budget() {
  static const std::chrono::microseconds budget = [] {
    if (const char* set = std::getenv("GFXRELAY_SPIN_US"))  // for measurements
      return std::chrono::microseconds(std::strtoul(set, nullptr, 10));
    const unsigned cores = std::thread::hardware_concurrency();
    return std::chrono::microseconds(cores >= 8 ? 200 : cores >= 4 ? 50 : 20);
  }();
  return budget;
}

void futex_wake_all(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, futex_word(word), FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0);
}

void Sleeper::sleep(std::atomic<uint32_t>* word, uint32_t expected,
                    std::chrono::microseconds timeout) {
  if (cap_.count() == 0) {
    futex_wait(word, expected, timeout);
    return;
  }
  // A futex wait with a timeout is the poll's sleep: it also returns early where a wake-up does
  // reach this side (the ivshmem doorbell on the host; a guest process on the host, in tests).
  futex_wait(word, expected, std::min(timeout, step_));
  step_ = std::min(step_ * 2, cap_);
}

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected, std::chrono::microseconds timeout) {
  if (timeout.count() <= 0) return;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(secs.count());
  ts.tv_nsec = static_cast<long>((timeout - secs).count() * 1000);
  // EAGAIN (value already changed), EINTR and ETIMEDOUT all mean "return and re-check", which
  // every caller does in a loop, so the result is not needed.
  syscall(SYS_futex, futex_word(word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

RingProducer::RingProducer(const ShmRegion& region)
    : region_(&region),
      control_(region.control()),
      ring_(region.ring().data()),
      capacity_(region.layout().ring_bytes) {}

uint8_t* RingProducer::reserve(size_t bytes) {
  assert(control_ && bytes % wire::kCommandAlignment == 0 && bytes <= max_command_bytes());
  const uint32_t size = static_cast<uint32_t>(bytes);
  const uint32_t offset = local_head_ & (capacity_ - 1);
  const uint32_t to_end = capacity_ - offset;
  // Commands never straddle the end: if this one does not fit, the rest of the lap is padding.
  const uint32_t pad = to_end < size ? to_end : 0;
  if (!wait_for_space(pad + size)) return nullptr;
  if (pad != 0) {
    const wire::CommandHeader header{wire::kOpcodePad, pad};
    std::memcpy(ring_ + offset, &header, sizeof(header));
    local_head_ += pad;
  }
  reserved_ = size;
  return ring_ + (local_head_ & (capacity_ - 1));
}

void RingProducer::commit(size_t bytes) {
  assert(bytes <= reserved_ && bytes % wire::kCommandAlignment == 0);
  local_head_ += static_cast<uint32_t>(bytes);
  reserved_ = 0;
}

void RingProducer::publish() {
  if (local_head_ == published_head_) return;
  published_head_ = local_head_;
  // seq_cst store then seq_cst load, mirrored by the consumer (flag, then head): at least one
  // side sees the other's write, so a sleeping consumer is never missed.
  control_->ring_head.store(published_head_, std::memory_order_seq_cst);
  if (control_->consumer_sleeping.load(std::memory_order_seq_cst) != 0) {
    region_->wake(&control_->ring_head);
  }
}

bool RingProducer::wait_for_space(uint32_t bytes) {
  auto has_space = [&] { return capacity_ - (local_head_ - cached_tail_) >= bytes; };
  if (has_space()) return true;
  cached_tail_ = control_->ring_tail.load(std::memory_order_acquire);
  if (has_space()) return true;

  // The consumer can only free what it can see.
  publish();
  for (int i = 0; i < kProducerSpins; ++i) {
    cpu_relax();
    cached_tail_ = control_->ring_tail.load(std::memory_order_acquire);
    if (has_space()) return true;
    if (control_->closed.load(std::memory_order_acquire) != 0) return false;
  }

  control_->producer_sleeping.store(1, std::memory_order_seq_cst);
  Sleeper sleeper(region_->wakeups());
  bool ok = false;
  for (;;) {
    // Re-read after raising the flag (see publish() for the pairing).
    const uint32_t tail = control_->ring_tail.load(std::memory_order_seq_cst);
    cached_tail_ = tail;
    if (has_space()) {
      ok = true;
      break;
    }
    if (control_->closed.load(std::memory_order_acquire) != 0) break;
    sleeper.sleep(&control_->ring_tail, tail, kProducerSleep);
  }
  control_->producer_sleeping.store(0, std::memory_order_relaxed);
  return ok;
}

RingConsumer::RingConsumer(const ShmRegion& region)
    : region_(&region),
      control_(region.control()),
      ring_(region.ring().data()),
      capacity_(region.layout().ring_bytes) {}

RingConsumer::Status RingConsumer::acquire(std::chrono::microseconds timeout,
                                           std::span<const uint8_t>* out) {
  using Clock = std::chrono::steady_clock;
  // Keeps `now + timeout` from overflowing for "wait forever" style arguments.
  timeout = std::min<std::chrono::microseconds>(timeout, std::chrono::hours(24));
  const auto deadline = Clock::now() + timeout;
  acquired_ = 0;
  uint32_t head = 0;
  if (timeout.count() > 0) {
    spin_until(
        [&] {
          return control_->closed.load(std::memory_order_acquire) != 0 ||
                 control_->ring_head.load(std::memory_order_acquire) != tail_;
        },
        std::min(spin_budget(), timeout));
  }
  Sleeper sleeper(region_->wakeups());
  for (;;) {
    if (control_->closed.load(std::memory_order_acquire) != 0) return Status::kClosed;
    head = control_->ring_head.load(std::memory_order_acquire);
    if (head != tail_) break;
    const auto now = Clock::now();
    if (now >= deadline) return Status::kTimeout;
    control_->consumer_sleeping.store(1, std::memory_order_seq_cst);
    // Re-check after raising the flag (see RingProducer::publish() for the pairing).
    if (control_->ring_head.load(std::memory_order_seq_cst) == tail_) {
      sleeper.sleep(&control_->ring_head, tail_,
                    std::chrono::ceil<std::chrono::microseconds>(deadline - now));
    }
    control_->consumer_sleeping.store(0, std::memory_order_relaxed);
  }

  // `head` was read once; the guest may change ring_head again, but only this copy is used.
  const uint32_t used = head - tail_;
  if (used > capacity_ || used % wire::kCommandAlignment != 0) return Status::kCorrupt;
  const uint32_t offset = tail_ & (capacity_ - 1);
  const uint32_t length = std::min(used, capacity_ - offset);
  acquired_ = length;
  *out = {ring_ + offset, length};
  return Status::kData;
}

void RingConsumer::release(size_t bytes) {
  assert(bytes <= acquired_ && bytes % wire::kCommandAlignment == 0);
  acquired_ -= static_cast<uint32_t>(bytes);
  tail_ += static_cast<uint32_t>(bytes);
  control_->ring_tail.store(tail_, std::memory_order_seq_cst);
  if (control_->producer_sleeping.load(std::memory_order_seq_cst) != 0) {
    region_->wake(&control_->ring_tail);
  }
}

}  // namespace gfxrelay::transport
