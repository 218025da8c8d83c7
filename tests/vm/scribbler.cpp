// A hostile process inside a test VM (tests/vm/vm_test.py, job "hostile"): for each of its own
// session slot, its stream's control block and ring, its transfer area, and the region's
// header, it opens a session, writes random bytes over that part of the ivshmem region, and
// reports whether the host ended the session (and why). The host must end only this process's
// sessions; the other VM keeps rendering, and this VM's later sessions work.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "support/raw_guest.h"

namespace {

using gfxrelay::testing::RawGuest;
namespace ivshmem = gfxrelay::transport::ivshmem;

void scribble(uint8_t* at, size_t bytes, std::mt19937& random) {
  for (size_t i = 0; i + 4 <= bytes; i += 4) {
    const uint32_t word = random();
    std::memcpy(at + i, &word, 4);
  }
}

// The slot of this process's (only) open session.
ivshmem::Slot* own_slot(const ivshmem::GuestDevice& device) {
  const ivshmem::Header& h = device.header_copy();
  for (uint32_t i = 0; i < h.slot_count; ++i) {
    auto* slot = reinterpret_cast<ivshmem::Slot*>(device.base() + h.slots_offset +
                                                  uint64_t{i} * h.slot_bytes);
    if (slot->state.load() == static_cast<uint32_t>(ivshmem::SlotState::kOpen) &&
        slot->owner_pid == static_cast<uint32_t>(getpid()))
      return slot;
  }
  return nullptr;
}

}  // namespace

int main() {
  std::string error;
  const std::string where = ivshmem::find_device();
  auto device = ivshmem::GuestDevice::open(where, &error);
  if (!device) {
    std::printf("GFXRELAY-SCRIBBLE error %s\n", error.c_str());
    return 1;
  }
  int failures = 0;
  for (const char* target : {"slot", "ring", "transfer", "header"}) {
    std::mt19937 random(42);
    RawGuest guest(gfxrelay::testing::ivshmem_channel(where));
    if (!guest.make_current()) {
      std::printf("GFXRELAY-SCRIBBLE %s no-session\n", target);
      ++failures;
      continue;
    }
    uint8_t* block = guest.region_base();
    const gfxrelay::transport::RegionLayout& layout = device->header_copy().block_layout;
    const std::string name = target;
    if (name == "slot") {
      ivshmem::Slot* slot = own_slot(*device);
      if (slot) scribble(reinterpret_cast<uint8_t*>(slot), ivshmem::Slot::kBytes, random);
    } else if (name == "ring") {
      scribble(block, gfxrelay::transport::RegionLayout::kControlBytes + layout.ring_bytes, random);
    } else if (name == "transfer") {
      scribble(block + layout.transfer_offset(), layout.transfer_bytes, random);
      guest.raw(std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0x7F, 8, 0, 0, 0});  // and a bad opcode
    } else {
      scribble(device->base(), 4096, random);
      guest.raw(std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0x7F, 8, 0, 0, 0});
    }
    // Nothing here rings the host: it sees the damage when it next looks (it polls too).
    for (int i = 0; i < 5000 && !guest.closed(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::printf("GFXRELAY-SCRIBBLE %s %s %s\n", target, guest.closed() ? "ended" : "NOT-ENDED",
                guest.closed() ? guest.close_reason().c_str() : "");
    if (!guest.closed()) ++failures;
  }
  return failures == 0 ? 0 : 1;
}
