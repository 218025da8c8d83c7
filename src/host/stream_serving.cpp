#include "host/stream_serving.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "wire/wire.h"

namespace gfxrelay::host {

std::string serve_batches(
    transport::RingConsumer& ring, const std::atomic<bool>& stop, std::vector<uint8_t>* batch,
    const std::string& record_name,
    const std::function<bool(std::span<const uint8_t>, std::string*)>& decode) {
  std::string error;
  std::FILE* record = nullptr;
  if (const char* dir = std::getenv("GFXRELAY_RECORD_DIR"); dir && *dir) {
    const std::string path =
        std::string(dir) + "/host" + std::to_string(getpid()) + "-" + record_name + ".stream";
    record = std::fopen(path.c_str(), "ab");
  }
  while (!stop) {
    std::span<const uint8_t> bytes;
    const auto status = ring.acquire(std::chrono::milliseconds(50), &bytes);
    if (status == transport::RingConsumer::Status::kTimeout) continue;
    if (status == transport::RingConsumer::Status::kClosed) {
      // Only the host closes a stream, and it stops the worker first.
      if (!stop) error = "the guest wrote over its stream's control block (closed flag)";
      break;
    }
    if (status == transport::RingConsumer::Status::kCorrupt) {
      error = "command ring positions are impossible (ring head overwritten)";
      break;
    }
    batch->assign(bytes.begin(), bytes.end());
    ring.release(bytes.size());
    if (record) std::fwrite(batch->data(), 1, batch->size(), record);
    if (!decode(*batch, &error)) break;
  }
  if (record) std::fclose(record);
  return error;
}

bool for_each_command(std::span<const uint8_t> batch, uint32_t opcode_count,
                      const char* (*name)(uint32_t),
                      const std::function<bool(uint32_t, std::span<const uint8_t>)>& command,
                      std::string* error) {
  size_t at = 0;
  while (at < batch.size()) {
    if (batch.size() - at < sizeof(wire::CommandHeader)) {
      *error = "truncated command header";
      return false;
    }
    const uint32_t opcode = wire::load<uint32_t>(batch.data() + at);
    const uint32_t size = wire::load<uint32_t>(batch.data() + at + 4);
    if (size < sizeof(wire::CommandHeader) || size % wire::kCommandAlignment != 0 ||
        size > batch.size() - at) {
      *error =
          "command " + std::string(name(opcode)) + " has impossible size " + std::to_string(size);
      return false;
    }
    if (opcode >= opcode_count) {
      *error = "unknown opcode " + std::to_string(opcode);
      return false;
    }
    if (!command(opcode, batch.subspan(at, size))) return false;
    at += size;
  }
  return true;
}

void close_stream_with_reason(const transport::ShmRegion& region, const std::string& reason) {
  auto* control = region.control();
  std::strncpy(control->close_reason, reason.c_str(), sizeof control->close_reason - 1);
  control->closed.store(1, std::memory_order_seq_cst);
  transport::futex_wake_all(&control->reply_seq);
  transport::futex_wake_all(&control->ring_tail);
}

}  // namespace gfxrelay::host
