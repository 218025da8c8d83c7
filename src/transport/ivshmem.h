// The channel to guests of a QEMU virtual machine: one region of memory shared through QEMU's
// ivshmem PCI device (vendor 1af4, device 1110; the region is its BAR 2), with a fixed,
// versioned layout (docs/protocol.md, "Virtual machines"):
//
//   [Header 4 KiB][slot 0]...[slot N-1][context block 0]...[context block M-1]
//
// A slot is one guest process's session: its state, a request mailbox (guest to host) and a
// reply mailbox (host to guest). A context block is one context's stream region (shm_ring.h),
// lent by the host to a session at CreateContext and named in the reply by its offset.
//
// Many guest processes of the VM use the region at once, each claiming a free slot. The host
// reads every shared field once and checks it: the guest can scribble over all of it.
//
// Wake-ups: a guest writes the doorbell register (BAR 0) when the host sleeps and the VM's
// device is connected to our ivshmem server (`gfxrelay serve --ivshmem-server`); the host never
// reaches a guest's kernel, so guests poll with a growing sleep, and the host polls too when
// there is no doorbell.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "transport/channel.h"
#include "transport/shm_ring.h"

namespace gfxrelay::transport::ivshmem {

inline constexpr uint16_t kPciVendor = 0x1af4;
inline constexpr uint16_t kPciDevice = 0x1110;
// Doorbell register in BAR 0: bits 16..31 the peer to interrupt, 0..15 the vector.
inline constexpr size_t kDoorbellRegister = 12;
inline constexpr size_t kIvPositionRegister = 8;
inline constexpr uint32_t kNoDoorbell = 0xFFFFFFFF;

struct Header {
  static constexpr uint32_t kMagic = 0x56584647;  // "GFXV"
  static constexpr uint32_t kVersion = 1;

  uint32_t magic;
  uint32_t version;
  uint64_t region_bytes;
  uint32_t slot_count;
  uint32_t slot_bytes;
  uint64_t slots_offset;
  uint32_t block_count;
  uint32_t block_bytes;
  uint64_t blocks_offset;
  RegionLayout block_layout;
  // The host's ivshmem peer id (doorbell target), or kNoDoorbell when the host polls.
  uint32_t host_peer_id;
  // Bumped at each start of the host: a slot opened under an older epoch is not served
  // (read and written through std::atomic_ref).
  uint32_t host_epoch;
};

enum class SlotState : uint32_t {
  kFree = 0,     // anyone may claim it (guest: kFree -> kOpening)
  kOpening = 1,  // a guest is filling it in
  kOpen = 2,     // a guest's session (the host serves it)
  kLeaving = 3,  // the guest is gone (it left, or another guest found its owner dead); the host
                 // ends the session and frees the slot (-> kFree)
};

struct Slot {
  static constexpr size_t kMailboxOffset = 4096;
  static constexpr size_t kMailboxBytes = 64u << 10;
  static constexpr size_t kBytes = kMailboxOffset + 2 * kMailboxBytes;

  std::atomic<uint32_t> state;  // SlotState
  uint32_t epoch;               // the host_epoch the guest opened it under
  uint32_t owner_pid;           // guest-side liveness: another guest process checks these
  uint32_t reserved;
  uint64_t owner_start_time;  // the owner's start time (/proc/PID/stat), against pid reuse

  // Guest to host: the request in the request mailbox, then request_seq + 1.
  alignas(64) std::atomic<uint32_t> request_seq;
  std::atomic<uint32_t> host_sleeping;
  uint32_t request_opcode;
  uint32_t request_bytes;

  // Host to guest: the reply in the reply mailbox, then reply_seq + 1. region_offset: the
  // context block handed over with it (offset in the region), 0 for none.
  alignas(64) std::atomic<uint32_t> reply_seq;
  uint32_t reply_opcode;
  uint32_t reply_bytes;
  uint64_t region_offset;

  // Set by the host when it ends the session; reason NUL-terminated.
  alignas(64) std::atomic<uint32_t> closed;
  char close_reason[512];

  uint8_t* request_mailbox() { return reinterpret_cast<uint8_t*>(this) + kMailboxOffset; }
  uint8_t* reply_mailbox() { return request_mailbox() + kMailboxBytes; }
};
static_assert(sizeof(Slot) <= Slot::kMailboxOffset);

// The layout the host writes for a region of `region_bytes` (a power of two, from 64 MiB):
// 16 slots and as many context blocks of `block_layout` as fit.
struct RegionPlan {
  uint64_t region_bytes = 0;
  uint32_t slot_count = 16;
  uint64_t slots_offset = 4096;
  uint64_t blocks_offset = 0;
  uint32_t block_count = 0;
  uint32_t block_bytes = 0;
  RegionLayout block_layout;
  static bool make(uint64_t region_bytes, RegionPlan* plan, std::string* error);
};
// Each context's stream in a VM: a 2 MiB ring, a 64 KiB reply area and a 32 MiB transfer area
// (frames up to 4 Mpixels, 1/2 of the area, pass whole).
RegionLayout vm_block_layout();

// ---- Host side ----

// The host's view of one VM's region: the file mapped, the header written, the blocks lent to
// sessions. Shared by the server's scan loop and the sessions' channels.
class HostRegion : public std::enable_shared_from_this<HostRegion> {
 public:
  // Creates (or reuses) the file at `path`, sized `region_bytes`, and writes a fresh header:
  // a new host epoch, every slot free.
  static std::shared_ptr<HostRegion> open(const std::string& path, uint64_t region_bytes,
                                          std::string* error);
  ~HostRegion();

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  uint64_t bytes() const { return plan_.region_bytes; }
  uint32_t slot_count() const { return plan_.slot_count; }
  // Sets the doorbell target guests ring (our ivshmem server's own peer id); from then on the
  // host sleeps on its doorbell as well as polling.
  void set_host_peer_id(uint32_t id);

  // One look at the slots: the channel of each session a guest opened since the last scan
  // (the server starts a Session on it), by slot. Slots whose guest left are freed here.
  std::vector<std::pair<uint32_t, std::unique_ptr<HostChannel>>> scan();
  // The session of slot i has ended (the guest left, or the host ended it for a bad message):
  // the slot is freed once its guest has left.
  void session_finished(uint32_t slot);

  // Wakes every host thread waiting on this region (the doorbell rang).
  void wake_all();

  // A context block, or an empty region when all are lent.
  ShmRegion lend_block(std::string* error);

 private:
  HostRegion() = default;
  Slot* slot(uint32_t i) const;
  Wakeups host_wakeups() const;
  // Writes header_ over the region's header if it differs.
  void restore_header();
  // Allocates the file's pages in [offset, offset + bytes).
  bool reserve(uint64_t offset, uint64_t bytes, std::string* error);

  std::string path_;
  int fd_ = -1;
  uint8_t* base_ = nullptr;
  RegionPlan plan_;
  Header header_{};  // what the header must say; the shared one is only ever written
  uint32_t epoch_ = 0;
  std::atomic<bool> has_doorbell_{false};
  // What the host knows of each slot, never read back from the region.
  enum class Served { kIdle, kServing, kDone };
  std::vector<Served> served_;
  std::mutex mutex_;  // block_lent_ (regions are given back from session threads)
  std::vector<bool> block_lent_;
};

// ---- Guest side ----

// The guest's mapping of the region (and of the device registers, for the doorbell). Found by
// find_device(); one per process.
class GuestDevice : public std::enable_shared_from_this<GuestDevice> {
 public:
  // `where`: a PCI device folder (/sys/bus/pci/devices/0000:00:04.0), or a file holding the
  // region (the host's own file: tests on one host).
  static std::shared_ptr<GuestDevice> open(const std::string& where, std::string* error);
  ~GuestDevice();

  const std::string& where() const { return where_; }
  // Claims a slot and returns its channel (nullptr and *error when none is free).
  std::unique_ptr<GuestChannel> connect(std::string* error);

  // Internals for the channel.
  uint8_t* base() const { return base_; }
  uint64_t bytes() const { return bytes_; }
  const Header& header_copy() const { return header_; }
  void ring_doorbell() const;
  bool has_doorbell() const { return registers_ != nullptr && peer_id_ != kNoDoorbell; }

 private:
  GuestDevice() = default;
  // Frees slots whose owner process is gone (kOpen -> kLeaving).
  void reclaim_dead_slots();
  Slot* slot(uint32_t i) const;

  std::string where_;
  uint8_t* base_ = nullptr;
  uint64_t bytes_ = 0;
  volatile uint32_t* registers_ = nullptr;
  uint32_t peer_id_ = kNoDoorbell;
  Header header_{};  // checked copy, read once
};

// Where this process finds the region: $GFXRELAY_IVSHMEM (a PCI device folder or a file), else
// the first ivshmem PCI device whose region carries our header. Empty when there is none.
std::string find_device();

}  // namespace gfxrelay::transport::ivshmem
