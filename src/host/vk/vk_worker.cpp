#include "host/vk/vk_worker.h"

#include <cstring>

#include "host/session.h"

namespace gfxrelay::host {

VulkanWorker::VulkanWorker(Session& session, uint32_t id, transport::ShmRegion region)
    : session_(session), id_(id), region_(std::move(region)), ring_(region_) {}

VulkanWorker::~VulkanWorker() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  vk::destroy_all(objects_);
}

void VulkanWorker::start() {
  thread_ = std::thread([this] { run(); });
}

void VulkanWorker::close_stream() {
  stop_ = true;
  auto* control = region_.control();
  control->closed.store(1, std::memory_order_seq_cst);
  transport::futex_wake_all(&control->ring_head);
}

bool VulkanWorker::decode_inline(std::span<const uint8_t> bytes, std::string* error) {
  return decode_batch(bytes, error);
}

void VulkanWorker::run() {
  std::string error;
  while (!stop_) {
    std::span<const uint8_t> bytes;
    const auto status = ring_.acquire(std::chrono::milliseconds(50), &bytes);
    if (status == transport::RingConsumer::Status::kTimeout) continue;
    if (status == transport::RingConsumer::Status::kClosed) {
      if (!stop_) error = "the guest wrote over its stream's control block (closed flag)";
      break;
    }
    if (status == transport::RingConsumer::Status::kCorrupt) {
      error = "command ring positions are impossible (ring head overwritten)";
      break;
    }
    batch_.assign(bytes.begin(), bytes.end());
    ring_.release(bytes.size());
    if (!decode_batch(batch_, &error)) break;
  }
  if (!error.empty()) {
    auto* control = region_.control();
    std::strncpy(control->close_reason, error.c_str(), sizeof control->close_reason - 1);
    control->closed.store(1, std::memory_order_seq_cst);
    transport::futex_wake_all(&control->reply_seq);
    transport::futex_wake_all(&control->ring_tail);
    session_.end("Vulkan stream " + std::to_string(id_) + ": " + error);
  }
}

bool VulkanWorker::decode_batch(std::span<const uint8_t> bytes, std::string* error) {
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < sizeof(wire::CommandHeader)) {
      *error = "truncated command header";
      return false;
    }
    const uint32_t opcode = wire::load<uint32_t>(bytes.data() + at);
    const uint32_t size = wire::load<uint32_t>(bytes.data() + at + 4);
    if (size < sizeof(wire::CommandHeader) || size % wire::kCommandAlignment != 0 ||
        size > bytes.size() - at) {
      *error = std::string(gfxrelay::vk::vk_opcode_name(opcode)) + " has impossible size " +
               std::to_string(size);
      return false;
    }
    if (opcode >= gfxrelay::vk::kVkOpcodeCount) {
      *error = "unknown Vulkan opcode " + std::to_string(opcode);
      return false;
    }
    if (opcode != static_cast<uint32_t>(gfxrelay::vk::VkOp::kPad)) {
      // The payload is padded to 8 bytes; decoders read exactly their fields, so the padding
      // is cut off by the length each command's reader expects (it must be zeros).
      std::span<const uint8_t> payload =
          bytes.subspan(at + sizeof(wire::CommandHeader), size - sizeof(wire::CommandHeader));
      vk::Decoding d(payload, arena_, objects_, region_);
      const bool decoded = vk::dispatch(opcode, d);
      arena_.clear();
      if (!decoded) {
        *error = std::string(gfxrelay::vk::vk_opcode_name(opcode)) + ": " + d.error;
        return false;
      }
    }
    at += size;
  }
  return true;
}

}  // namespace gfxrelay::host
