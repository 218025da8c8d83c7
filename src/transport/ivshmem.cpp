#include "transport/ivshmem.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "wire/handshake.h"

namespace gfxrelay::transport::ivshmem {
namespace {

constexpr uint64_t kMinRegionBytes = 64ull << 20;
constexpr uint64_t kBlockAlignment = 1ull << 20;
// The host's longest sleep between looks at a slot or a ring: short without a doorbell (it is
// the latency of a guest's first command after a pause), longer with one (only a safety net
// for a guest that never rings).
constexpr std::chrono::microseconds kHostPollCap{1000};
constexpr std::chrono::microseconds kHostDoorbellPollCap{20000};
constexpr std::chrono::microseconds kGuestPollCap{1000};

uint64_t round_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

std::string errno_message(const std::string& what) {
  return what + ": " + strerror(errno);
}

// Plain fields of shared memory are read and written through these, so each read is one read
// (the other side may change the field at any time) and the compiler keeps no stale copy.
template <typename T>
T load_shared(T& field) {
  return std::atomic_ref<T>(field).load(std::memory_order_acquire);
}
template <typename T>
void store_shared(T& field, T value) {
  std::atomic_ref<T>(field).store(value, std::memory_order_release);
}

SlotState load_state(Slot* slot) {
  return static_cast<SlotState>(slot->state.load(std::memory_order_acquire));
}

bool cas_state(Slot* slot, SlotState from, SlotState to) {
  uint32_t expected = static_cast<uint32_t>(from);
  return slot->state.compare_exchange_strong(expected, static_cast<uint32_t>(to),
                                             std::memory_order_acq_rel);
}

// Host: a slot whose guest has gone becomes free, with no owner (a slot being claimed has none
// until its new owner writes itself in).
bool free_slot(Slot* slot) {
  store_shared(slot->owner_pid, 0u);
  return cas_state(slot, SlotState::kLeaving, SlotState::kFree);
}

// What /proc/PID/stat says of a process: its state letter (field 3) and start time in clock
// ticks since boot (field 22). False when there is no such process or no /proc.
bool read_process_stat(pid_t pid, char* state, uint64_t* start_time) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return false;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3) *state = field[0];
    if (i == 22) {
      *start_time = std::strtoull(field.c_str(), nullptr, 10);
      return true;
    }
  }
  return false;
}

uint64_t process_start_time(pid_t pid) {
  char state = 0;
  uint64_t start = 0;
  return read_process_stat(pid, &state, &start) ? start : 0;
}

// Whether the process that opened a slot still runs: the same pid with the same start time (pids
// are reused), and not a zombie (a killed process whose parent has not reaped it yet).
bool owner_alive(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  char state = 0;
  uint64_t start = 0;
  if (read_process_stat(pid, &state, &start))
    return state != 'Z' && state != 'X' && (start_time == 0 || start == start_time);
  return !(kill(pid, 0) != 0 && errno == ESRCH);  // no /proc in this guest
}

// ---- Host channel: one slot's mailboxes ----

class HostSlotChannel final : public HostChannel {
 public:
  HostSlotChannel(std::shared_ptr<HostRegion> region, Slot* slot, uint32_t epoch,
                  uint8_t* region_base, Wakeups wakeups)
      : region_(std::move(region)),
        slot_(slot),
        epoch_(epoch),
        region_base_(region_base),
        wakeups_(std::move(wakeups)) {}

  bool receive(uint32_t* opcode, std::vector<uint8_t>* payload, std::string* error) override {
    error->clear();
    Sleeper sleeper(wakeups_);
    for (;;) {
      if (interrupted_.load(std::memory_order_acquire)) return false;
      const SlotState state = load_state(slot_);
      if (state == SlotState::kLeaving) return false;  // the guest left
      if (state != SlotState::kOpen || load_shared(slot_->epoch) != epoch_) {
        *error = "the guest wrote over its session slot (state " +
                 std::to_string(static_cast<uint32_t>(state)) + ")";
        return false;
      }
      const uint32_t seq = slot_->request_seq.load(std::memory_order_acquire);
      if (seq != requests_seen_) {
        if (seq != requests_seen_ + 1) {
          *error = "request sequence number jumped from " + std::to_string(requests_seen_) +
                   " to " + std::to_string(seq);
          return false;
        }
        requests_seen_ = seq;
        *opcode = load_shared(slot_->request_opcode);
        const uint32_t bytes = load_shared(slot_->request_bytes);
        if (bytes > Slot::kMailboxBytes) {
          *error = "request of " + std::to_string(bytes) + " bytes in a mailbox of " +
                   std::to_string(Slot::kMailboxBytes);
          return false;
        }
        payload->assign(slot_->request_mailbox(), slot_->request_mailbox() + bytes);
        return true;
      }
      slot_->host_sleeping.store(1, std::memory_order_seq_cst);
      if (slot_->request_seq.load(std::memory_order_seq_cst) == seq)
        sleeper.sleep(&slot_->request_seq, seq, std::chrono::milliseconds(100));
      slot_->host_sleeping.store(0, std::memory_order_relaxed);
    }
  }

  bool send(uint32_t opcode, std::span<const uint8_t> payload, const ShmRegion* region) override {
    if (opcode == static_cast<uint32_t>(wire::Control::kError)) {
      // The end of the session: the guest finds the reason whatever it waits for.
      const size_t n = std::min(payload.size(), sizeof slot_->close_reason - 1);
      std::memcpy(slot_->close_reason, payload.data(), n);
      slot_->close_reason[n] = '\0';
      slot_->closed.store(1, std::memory_order_seq_cst);
      futex_wake_all(&slot_->reply_seq);
      return true;
    }
    if (payload.size() > Slot::kMailboxBytes) return false;
    std::memcpy(slot_->reply_mailbox(), payload.data(), payload.size());
    store_shared(slot_->reply_opcode, opcode);
    store_shared(slot_->reply_bytes, static_cast<uint32_t>(payload.size()));
    store_shared(
        slot_->region_offset,
        region ? static_cast<uint64_t>(reinterpret_cast<uint8_t*>(region->control()) - region_base_)
               : uint64_t{0});
    slot_->reply_seq.store(++replies_sent_, std::memory_order_seq_cst);
    futex_wake_all(&slot_->reply_seq);
    return true;
  }

  ShmRegion create_region(std::string* error) override { return region_->lend_block(error); }

  void interrupt() override {
    interrupted_.store(true, std::memory_order_release);
    futex_wake_all(&slot_->request_seq);
  }

 private:
  std::shared_ptr<HostRegion> region_;
  Slot* slot_;
  uint32_t epoch_;
  uint8_t* region_base_;
  Wakeups wakeups_;
  uint32_t requests_seen_ = 0;
  uint32_t replies_sent_ = 0;
  std::atomic<bool> interrupted_{false};
};

// ---- Guest channel: the slot this process claimed ----

class GuestSlotChannel final : public GuestChannel {
 public:
  GuestSlotChannel(std::shared_ptr<GuestDevice> device, Slot* slot, uint32_t epoch)
      : device_(std::move(device)), slot_(slot), epoch_(epoch) {
    wakeups_.poll_cap = kGuestPollCap;
    if (device_->has_doorbell()) wakeups_.doorbell = [d = device_.get()] { d->ring_doorbell(); };
  }

  ~GuestSlotChannel() override { leave(); }

  // The host ends the session and frees the slot.
  void leave() override {
    cas_state(slot_, SlotState::kOpen, SlotState::kLeaving);
    if (wakeups_.doorbell) wakeups_.doorbell();
  }

  bool send(uint32_t opcode, std::span<const uint8_t> payload) override {
    if (payload.size() > Slot::kMailboxBytes) return false;
    std::memcpy(slot_->request_mailbox(), payload.data(), payload.size());
    store_shared(slot_->request_opcode, opcode);
    store_shared(slot_->request_bytes, static_cast<uint32_t>(payload.size()));
    slot_->request_seq.store(++requests_sent_, std::memory_order_seq_cst);
    if (slot_->host_sleeping.load(std::memory_order_seq_cst) != 0) {
      futex_wake_all(&slot_->request_seq);
      if (wakeups_.doorbell) wakeups_.doorbell();
    }
    return true;
  }

  bool receive(uint32_t* opcode, std::vector<uint8_t>* payload, ShmRegion* region,
               std::string* error) override {
    const uint32_t expected = ++replies_seen_;
    Sleeper sleeper(wakeups_);
    spin_until([&] { return slot_->reply_seq.load(std::memory_order_acquire) == expected; });
    for (;;) {
      if (slot_->closed.load(std::memory_order_acquire) != 0) {
        *opcode = static_cast<uint32_t>(wire::Control::kError);
        const char* reason = slot_->close_reason;
        payload->assign(reason, reason + strnlen(reason, sizeof slot_->close_reason));
        return true;
      }
      const uint32_t seen = slot_->reply_seq.load(std::memory_order_acquire);
      if (seen == expected) break;
      if (!host_alive()) {
        *error = "the host renderer restarted";
        return false;
      }
      sleeper.sleep(&slot_->reply_seq, seen, std::chrono::milliseconds(100));
    }
    *opcode = load_shared(slot_->reply_opcode);
    const uint32_t bytes = load_shared(slot_->reply_bytes);
    if (bytes > Slot::kMailboxBytes) {
      *error = "reply larger than its mailbox";
      return false;
    }
    payload->assign(slot_->reply_mailbox(), slot_->reply_mailbox() + bytes);
    if (const uint64_t offset = load_shared(slot_->region_offset); offset != 0) {
      const Header& h = device_->header_copy();
      const uint64_t index = (offset - h.blocks_offset) / h.block_bytes;
      if (offset < h.blocks_offset || (offset - h.blocks_offset) % h.block_bytes != 0 ||
          index >= h.block_count) {
        *error = "the host named a context block at a bad offset";
        return false;
      }
      *region = ShmRegion::attach_in(device_->base() + offset, h.block_bytes, wakeups_, error);
      if (!*region) return false;
    }
    return true;
  }

  bool host_alive() override {
    // A header with our magic and another epoch: the host restarted. Anything else there is a
    // process of this VM writing over it, which the host repairs; not a reason to give up.
    auto* header = reinterpret_cast<Header*>(device_->base());
    const bool restarted =
        load_shared(header->magic) == Header::kMagic && load_shared(header->host_epoch) != epoch_;
    return !restarted && slot_->closed.load(std::memory_order_acquire) == 0;
  }

  std::string where() const override {
    return "the host of the ivshmem region at " + device_->where();
  }

 private:
  std::shared_ptr<GuestDevice> device_;
  Slot* slot_;
  uint32_t epoch_;
  Wakeups wakeups_;
  uint32_t requests_sent_ = 0;
  uint32_t replies_seen_ = 0;
};

}  // namespace

RegionLayout vm_block_layout() {
  RegionLayout layout;
  layout.ring_bytes = 2u << 20;
  layout.reply_bytes = 64u << 10;
  layout.transfer_bytes = 32u << 20;
  return layout;
}

bool RegionPlan::make(uint64_t region_bytes, RegionPlan* plan, std::string* error) {
  if (region_bytes < kMinRegionBytes || (region_bytes & (region_bytes - 1)) != 0) {
    *error = "the ivshmem region must be a power of two of at least 64 MiB (a PCI BAR), not " +
             std::to_string(region_bytes) + " bytes";
    return false;
  }
  RegionPlan p;
  p.region_bytes = region_bytes;
  p.block_layout = vm_block_layout();
  p.block_bytes = static_cast<uint32_t>(round_up(p.block_layout.total_bytes(), kBlockAlignment));
  p.blocks_offset =
      round_up(p.slots_offset + uint64_t{p.slot_count} * Slot::kBytes, kBlockAlignment);
  p.block_count = static_cast<uint32_t>((region_bytes - p.blocks_offset) / p.block_bytes);
  *plan = p;
  return true;
}

// ---- HostRegion ----

std::shared_ptr<HostRegion> HostRegion::open(const std::string& path, uint64_t region_bytes,
                                             std::string* error) {
  RegionPlan plan;
  if (!RegionPlan::make(region_bytes, &plan, error)) return nullptr;
  std::shared_ptr<HostRegion> region(new HostRegion);
  region->path_ = path;
  region->plan_ = plan;
  region->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (region->fd_ < 0) {
    *error = errno_message("cannot open " + path);
    return nullptr;
  }
  if (ftruncate(region->fd_, static_cast<off_t>(region_bytes)) != 0) {
    *error = errno_message("cannot size " + path);
    return nullptr;
  }
  // The host touches the header, the slots and the blocks it lends. Their pages are allocated
  // now (blocks: when lent): a page the file system cannot back when first touched (a full
  // /dev/shm) would kill the host with SIGBUS instead of failing one request.
  if (!region->reserve(0, plan.blocks_offset, error)) return nullptr;
  void* base = mmap(nullptr, region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, region->fd_, 0);
  if (base == MAP_FAILED) {
    *error = errno_message("cannot map " + path);
    return nullptr;
  }
  region->base_ = static_cast<uint8_t*>(base);
  auto* header = reinterpret_cast<Header*>(base);
  // A new epoch: guests still holding slots of the last host run see that it is gone.
  const uint32_t old_epoch = header->magic == Header::kMagic ? load_shared(header->host_epoch) : 0;
  region->epoch_ = old_epoch + 1 == 0 ? 1 : old_epoch + 1;
  store_shared(header->magic, 0u);  // guests ignore the region until the header is whole
  std::memset(region->base_ + plan.slots_offset, 0, plan.slot_count * Slot::kBytes);
  Header& h = region->header_;
  h.magic = Header::kMagic;
  h.version = Header::kVersion;
  h.region_bytes = plan.region_bytes;
  h.slot_count = plan.slot_count;
  h.slot_bytes = Slot::kBytes;
  h.slots_offset = plan.slots_offset;
  h.block_count = plan.block_count;
  h.block_bytes = plan.block_bytes;
  h.blocks_offset = plan.blocks_offset;
  h.block_layout = plan.block_layout;
  h.host_peer_id = kNoDoorbell;
  h.host_epoch = region->epoch_;
  region->restore_header();
  region->served_.assign(plan.slot_count, Served::kIdle);
  region->block_lent_.assign(plan.block_count, false);
  return region;
}

HostRegion::~HostRegion() {
  if (base_) munmap(base_, plan_.region_bytes);
  if (fd_ >= 0) close(fd_);
}

void HostRegion::set_host_peer_id(uint32_t id) {
  header_.host_peer_id = id;
  restore_header();
  has_doorbell_ = true;
}

void HostRegion::restore_header() {
  // Magic last: a guest that finds it finds the rest whole.
  auto* shared = reinterpret_cast<Header*>(base_);
  if (std::memcmp(shared, &header_, sizeof header_) == 0) return;
  store_shared(shared->magic, 0u);
  std::memcpy(reinterpret_cast<uint8_t*>(shared) + sizeof(uint32_t),
              reinterpret_cast<const uint8_t*>(&header_) + sizeof(uint32_t),
              sizeof header_ - sizeof(uint32_t));
  store_shared(shared->magic, Header::kMagic);
}

Slot* HostRegion::slot(uint32_t i) const {
  return reinterpret_cast<Slot*>(base_ + plan_.slots_offset + uint64_t{i} * Slot::kBytes);
}

Wakeups HostRegion::host_wakeups() const {
  Wakeups w;
  w.poll_cap = has_doorbell_ ? kHostDoorbellPollCap : kHostPollCap;
  return w;
}

std::vector<std::pair<uint32_t, std::unique_ptr<HostChannel>>> HostRegion::scan() {
  std::vector<std::pair<uint32_t, std::unique_ptr<HostChannel>>> opened;
  restore_header();  // a guest may have written over it; later guests need it whole
  for (uint32_t i = 0; i < plan_.slot_count; ++i) {
    Slot* s = slot(i);
    const SlotState state = load_state(s);
    // Written over by a guest: a slot no session serves becomes free; a served one is left to
    // its session's channel, which ends the session and says why.
    const bool garbage = static_cast<uint32_t>(state) > static_cast<uint32_t>(SlotState::kLeaving);
    if (garbage && served_[i] != Served::kServing) {
      s->state.store(static_cast<uint32_t>(SlotState::kLeaving));
      continue;
    }
    switch (served_[i]) {
      case Served::kIdle:
        if (state == SlotState::kOpen && load_shared(s->epoch) == epoch_) {
          served_[i] = Served::kServing;
          opened.emplace_back(i, std::make_unique<HostSlotChannel>(shared_from_this(), s, epoch_,
                                                                   base_, host_wakeups()));
        } else if (state == SlotState::kLeaving) {
          free_slot(s);
        }
        break;
      case Served::kServing:  // the session's channel sees the guest leave
        break;
      case Served::kDone:
        if (state == SlotState::kLeaving) free_slot(s);
        if (state != SlotState::kOpen) served_[i] = Served::kIdle;
        break;
    }
  }
  return opened;
}

void HostRegion::session_finished(uint32_t i) {
  // The guest may still hold the slot (the host ended its session); it is served again only
  // after the guest has let it go.
  served_[i] = Served::kDone;
  Slot* s = slot(i);
  const SlotState state = load_state(s);
  if (state == SlotState::kLeaving) free_slot(s);
  if (state != SlotState::kOpen) served_[i] = Served::kIdle;
}

void HostRegion::wake_all() {
  for (uint32_t i = 0; i < plan_.slot_count; ++i) futex_wake_all(&slot(i)->request_seq);
  std::lock_guard lock(mutex_);
  for (uint32_t i = 0; i < plan_.block_count; ++i) {
    if (!block_lent_[i]) continue;
    auto* control = reinterpret_cast<ControlBlock*>(base_ + plan_.blocks_offset +
                                                    uint64_t{i} * plan_.block_bytes);
    futex_wake_all(&control->ring_head);
  }
}

bool HostRegion::reserve(uint64_t offset, uint64_t bytes, std::string* error) {
  const int result = posix_fallocate(fd_, static_cast<off_t>(offset), static_cast<off_t>(bytes));
  if (result == 0) return true;
  *error = "cannot allocate " + std::to_string(bytes >> 20) + " MiB of " + path_ + ": " +
           strerror(result);
  return false;
}

ShmRegion HostRegion::lend_block(std::string* error) {
  uint32_t index = 0;
  {
    std::lock_guard lock(mutex_);
    while (index < plan_.block_count && block_lent_[index]) ++index;
    if (index == plan_.block_count) {
      *error = "all " + std::to_string(plan_.block_count) + " context blocks of " + path_ +
               " are in use (a larger --ivshmem-size holds more)";
      return {};
    }
    block_lent_[index] = true;
  }
  const uint64_t offset = plan_.blocks_offset + uint64_t{index} * plan_.block_bytes;
  if (!reserve(offset, plan_.block_bytes, error)) {
    std::lock_guard lock(mutex_);
    block_lent_[index] = false;
    return {};
  }
  uint8_t* block = base_ + offset;
  return ShmRegion::create_in(
      block, plan_.block_bytes, plan_.block_layout, host_wakeups(),
      [self = shared_from_this(), index] {
        std::lock_guard lock(self->mutex_);
        self->block_lent_[index] = false;
      },
      error);
}

// ---- GuestDevice ----

namespace {

bool header_fits(const Header& h, uint64_t mapped, std::string* error) {
  auto fail = [error](const char* why) {
    *error = std::string("bad ivshmem region header: ") + why;
    return false;
  };
  if (h.magic != Header::kMagic) return fail("no gfxrelay host has written it");
  if (h.version != Header::kVersion) return fail("unsupported version");
  if (h.region_bytes > mapped) return fail("larger than the device's memory");
  if (h.slot_bytes != Slot::kBytes || h.slot_count == 0 || h.slot_count > 4096)
    return fail("slot table");
  if (h.slots_offset < sizeof(Header) ||
      h.slots_offset + uint64_t{h.slot_count} * h.slot_bytes > h.region_bytes)
    return fail("slot table outside the region");
  if (!h.block_layout.valid() || h.block_bytes < h.block_layout.total_bytes() ||
      h.block_bytes % 4096 != 0 || h.blocks_offset % 4096 != 0)
    return fail("context block layout");
  if (h.blocks_offset < h.slots_offset + uint64_t{h.slot_count} * h.slot_bytes ||
      h.blocks_offset + uint64_t{h.block_count} * h.block_bytes > h.region_bytes)
    return fail("context blocks outside the region");
  return true;
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  in >> s;
  return s;
}

}  // namespace

std::shared_ptr<GuestDevice> GuestDevice::open(const std::string& where, std::string* error) {
  std::shared_ptr<GuestDevice> device(new GuestDevice);
  device->where_ = where;
  struct stat st {};
  const bool pci_folder = ::stat(where.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  const std::string memory_path = pci_folder ? where + "/resource2" : where;
  const int fd = ::open(memory_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *error = errno_message("cannot open " + memory_path);
    return nullptr;
  }
  if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kMinRegionBytes)) {
    close(fd);
    *error = memory_path + " is smaller than an ivshmem region (64 MiB)";
    return nullptr;
  }
  void* base = mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (base == MAP_FAILED) {
    *error = errno_message("cannot map " + memory_path);
    return nullptr;
  }
  device->base_ = static_cast<uint8_t*>(base);
  device->bytes_ = static_cast<uint64_t>(st.st_size);
  std::memcpy(&device->header_, base, sizeof(Header));  // read once, then checked
  if (!header_fits(device->header_, device->bytes_, error)) return nullptr;

  // The doorbell: BAR 0's registers. IVPosition is the id our ivshmem server gave this VM
  // (from 1); 0 means the device has no server behind it, and nothing would hear the bell.
  if (pci_folder && device->header_.host_peer_id != kNoDoorbell) {
    const int regs = ::open((where + "/resource0").c_str(), O_RDWR | O_CLOEXEC);
    if (regs >= 0) {
      void* r = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, regs, 0);
      close(regs);
      if (r != MAP_FAILED) {
        device->registers_ = static_cast<volatile uint32_t*>(r);
        if (device->registers_[kIvPositionRegister / 4] != 0)
          device->peer_id_ = device->header_.host_peer_id;
      }
    }
  }
  return device;
}

GuestDevice::~GuestDevice() {
  if (registers_) munmap(const_cast<uint32_t*>(registers_), 4096);
  if (base_) munmap(base_, bytes_);
}

void GuestDevice::ring_doorbell() const {
  if (has_doorbell()) registers_[kDoorbellRegister / 4] = peer_id_ << 16;
}

Slot* GuestDevice::slot(uint32_t i) const {
  return reinterpret_cast<Slot*>(base_ + header_.slots_offset + uint64_t{i} * Slot::kBytes);
}

void GuestDevice::reclaim_dead_slots() {
  for (uint32_t i = 0; i < header_.slot_count; ++i) {
    Slot* s = slot(i);
    const SlotState state = load_state(s);
    if (state != SlotState::kOpen && state != SlotState::kOpening) continue;
    const auto pid = static_cast<pid_t>(load_shared(s->owner_pid));
    if (state == SlotState::kOpening && pid == 0) continue;  // being claimed this moment
    if (!owner_alive(pid, load_shared(s->owner_start_time)))
      cas_state(s, state, SlotState::kLeaving);
  }
}

std::unique_ptr<GuestChannel> GuestDevice::connect(std::string* error) {
  reclaim_dead_slots();
  auto* header = reinterpret_cast<Header*>(base_);
  for (uint32_t i = 0; i < header_.slot_count; ++i) {
    Slot* s = slot(i);
    if (!cas_state(s, SlotState::kFree, SlotState::kOpening)) continue;
    const uint32_t epoch = load_shared(header->host_epoch);
    store_shared(s->owner_pid, static_cast<uint32_t>(getpid()));
    store_shared(s->owner_start_time, process_start_time(getpid()));
    s->request_seq.store(0);
    s->reply_seq.store(0);
    s->host_sleeping.store(0);
    s->closed.store(0);
    s->close_reason[0] = '\0';
    store_shared(s->epoch, epoch);
    // Another process may have judged the half-claimed slot abandoned; then try the next one.
    if (!cas_state(s, SlotState::kOpening, SlotState::kOpen)) continue;
    ring_doorbell();  // the host starts the session sooner
    return std::make_unique<GuestSlotChannel>(shared_from_this(), s, epoch);
  }
  *error =
      "all " + std::to_string(header_.slot_count) + " session slots of " + where_ + " are taken";
  return nullptr;
}

std::string find_device() {
  if (const char* set = std::getenv("GFXRELAY_IVSHMEM"); set && *set) return set;
  const char* const kDevices = "/sys/bus/pci/devices";
  DIR* dir = opendir(kDevices);
  if (!dir) return {};
  std::string found;
  while (dirent* e = readdir(dir)) {
    const std::string folder = std::string(kDevices) + "/" + e->d_name;
    if (std::strtoul(read_small_file(folder + "/vendor").c_str(), nullptr, 16) != kPciVendor ||
        std::strtoul(read_small_file(folder + "/device").c_str(), nullptr, 16) != kPciDevice)
      continue;
    // Ours only if a gfxrelay host wrote its header there (other ivshmem devices may exist).
    const int fd = ::open((folder + "/resource2").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    void* head = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (head == MAP_FAILED) continue;
    uint32_t magic = 0;
    std::memcpy(&magic, head, sizeof magic);
    munmap(head, 4096);
    if (magic == Header::kMagic) {
      found = folder;
      break;
    }
  }
  closedir(dir);
  return found;
}

}  // namespace gfxrelay::transport::ivshmem
