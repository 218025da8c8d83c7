#include "host/vk/vk_worker.h"

#include <cstring>

#include "host/session.h"
#include "host/stream_serving.h"

namespace gfxrelay::host {

VulkanWorker::VulkanWorker(Session& session, uint32_t id, transport::ShmRegion region)
    : session_(session),
      id_(id),
      region_(std::move(region)),
      ring_(region_),
      objects_(session.quota()) {}

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
  const std::string error = serve_batches(
      ring_, stop_, &batch_,
      "session" + std::to_string(session_.id()) + "-vulkan" + std::to_string(id_),
      [this](std::span<const uint8_t> batch, std::string* e) { return decode_batch(batch, e); });
  if (!error.empty()) {
    close_stream_with_reason(region_, error);
    session_.end("Vulkan stream " + std::to_string(id_) + ": " + error);
  }
}

bool VulkanWorker::decode_batch(std::span<const uint8_t> bytes, std::string* error) {
  return for_each_command(
      bytes, gfxrelay::vk::kVkOpcodeCount, gfxrelay::vk::vk_opcode_name,
      [&](uint32_t opcode, std::span<const uint8_t> command) {
        if (opcode == static_cast<uint32_t>(gfxrelay::vk::VkOp::kPad)) return true;
        // The payload is padded to 8 bytes with zeros (Decoding::at_end checks them).
        vk::Decoding d(command.subspan(sizeof(wire::CommandHeader)), arena_, objects_, region_);
        const bool decoded = vk::dispatch(opcode, d);
        arena_.clear();
        if (!decoded) *error = std::string(gfxrelay::vk::vk_opcode_name(opcode)) + ": " + d.error;
        return decoded;
      },
      error);
}

}  // namespace gfxrelay::host
