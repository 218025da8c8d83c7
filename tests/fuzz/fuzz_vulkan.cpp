// libFuzzer target: a guest's Vulkan stream, decoded by a host Vulkan worker. The driver under
// it is a stand-in (vk_stub_gen.cpp, vk_stub.cpp: every command succeeds and does nothing; one
// device, real memory for mapped memory), so that what is fuzzed is the relay's decoder: its
// structure and chain readers, lengths, ids and their types, quotas, mapped memory, teardown.
// (Vulkan drivers assume valid use; a real one under a fuzzer crashes in its own code at once.)
// The input is the stream, as the worker copies it out of the ring (a multiple of 8 bytes: the
// tail is cut). One worker lives for 500 inputs, so objects carry over from input to input.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "host/backend/egl_backend.h"
#include "host/session.h"
#include "host/vk/vk_worker.h"

namespace {

using namespace gfxrelay;

class NoGuest final : public transport::HostChannel {
 public:
  bool receive(uint32_t*, std::vector<uint8_t>*, std::string*) override { return false; }
  bool send(uint32_t, std::span<const uint8_t>, const transport::ShmRegion*) override {
    return true;
  }
  transport::ShmRegion create_region(std::string*) override { return {}; }
  void interrupt() override {}
};

struct Harness {
  std::unique_ptr<host::Session> session;
  std::unique_ptr<host::VulkanWorker> worker;

  explicit Harness(host::EglBackend& backend) {
    session = std::make_unique<host::Session>(1, std::make_unique<NoGuest>(), backend);
    transport::RegionLayout layout;
    layout.ring_bytes = 64u << 10;
    layout.transfer_bytes = 1u << 20;
    std::string error;
    transport::ShmRegion region = transport::ShmRegion::create(layout, &error);
    if (!region) {
      std::fprintf(stderr, "fuzz_vulkan: %s\n", error.c_str());
      std::abort();
    }
    worker = std::make_unique<host::VulkanWorker>(*session, 1, std::move(region));
  }
  ~Harness() { worker.reset(); }  // destroys what the inputs left, before the session goes
};

constexpr int kInputsPerWorker = 500;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("GFXRELAY_SESSION_MEMORY", "256M", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static host::EglBackend* backend = [] {
    auto* b = new host::EglBackend;  // the session needs a display; Vulkan uses none of it
    std::string error;
    if (!b->open(&error)) {
      std::fprintf(stderr, "fuzz_vulkan: %s\n", error.c_str());
      std::abort();
    }
    return b;
  }();
  static auto harness = std::make_unique<Harness>(*backend);
  static int inputs = 0;
  if (++inputs % kInputsPerWorker == 0) {
    harness.reset();
    harness = std::make_unique<Harness>(*backend);
  }
  std::vector<uint8_t> batch(data, data + size / 8 * 8);
  std::string error;
  harness->worker->decode_inline(batch, &error);
  return 0;
}
