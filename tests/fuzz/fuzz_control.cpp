// libFuzzer target: a guest's session messages (Hello, ChooseConfig, CreateSurface,
// CreateContext, ...) served by a host Session on llvmpipe. The input is a sequence of
// messages, each u32 opcode, u32 payload length, payload (a length past the end takes what is
// left); the session answers each, as it answers a socket, until the input ends or it ends the
// session. Contexts it creates get worker threads and streams as in a real session.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "host/backend/egl_backend.h"
#include "host/session.h"

namespace {

using namespace gfxrelay;

class ScriptedGuest final : public transport::HostChannel {
 public:
  ScriptedGuest(const uint8_t* data, size_t size) {
    // At most 32 messages: a session is a conversation, not a bulk transfer.
    while (size >= 8 && messages_.size() < 32) {
      uint32_t opcode, length;
      std::memcpy(&opcode, data, 4);
      std::memcpy(&length, data + 4, 4);
      data += 8;
      size -= 8;
      length = static_cast<uint32_t>(std::min<size_t>(length, size));
      messages_.push_back({opcode, std::vector<uint8_t>(data, data + length)});
      data += length;
      size -= length;
    }
  }
  bool receive(uint32_t* opcode, std::vector<uint8_t>* payload, std::string* error) override {
    error->clear();
    if (messages_.empty()) return false;  // the guest left
    *opcode = messages_.front().first;
    *payload = std::move(messages_.front().second);
    messages_.pop_front();
    return true;
  }
  bool send(uint32_t, std::span<const uint8_t>, const transport::ShmRegion*) override {
    return true;
  }
  transport::ShmRegion create_region(std::string* error) override {
    transport::RegionLayout layout;
    layout.ring_bytes = 64u << 10;
    layout.transfer_bytes = 64u << 10;
    return transport::ShmRegion::create(layout, error);
  }
  void interrupt() override {}

 private:
  std::deque<std::pair<uint32_t, std::vector<uint8_t>>> messages_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static host::EglBackend* backend = [] {
    auto* b = new host::EglBackend;
    std::string error;
    if (!b->open(&error)) {
      std::fprintf(stderr, "fuzz_control: %s\n", error.c_str());
      std::abort();
    }
    return b;
  }();
  static uint64_t next_id = 1;
  host::Session session(next_id++, std::make_unique<ScriptedGuest>(data, size), *backend);
  session.run();
  return 0;
}
