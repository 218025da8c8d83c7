// What a context worker and a Vulkan stream worker do alike with their stream: take batches off
// the ring, split them into commands, and close the stream with a reason when one is bad.
#pragma once

#include <atomic>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "transport/shm_ring.h"

namespace gfxrelay::host {

// Reads batches from `ring` until `stop` or a bad one: each is copied into *batch (the guest can
// rewrite the ring at any time), released, then passed to `decode`. Returns why the stream went
// bad ("" when stopped). With GFXRELAY_RECORD_DIR set, every batch is also appended to
// DIR/host<pid>-<record_name>.stream (the fuzzers' seeds, tests/fuzz).
std::string serve_batches(
    transport::RingConsumer& ring, const std::atomic<bool>& stop, std::vector<uint8_t>* batch,
    const std::string& record_name,
    const std::function<bool(std::span<const uint8_t>, std::string*)>& decode);

// Splits a batch into commands (header checks: size, alignment, inside the batch; opcode below
// `opcode_count`) and calls `command(opcode, bytes of the whole command)` for each; false (with
// *error) on the first bad one. `name(opcode)` names opcodes in errors.
bool for_each_command(std::span<const uint8_t> batch, uint32_t opcode_count,
                      const char* (*name)(uint32_t),
                      const std::function<bool(uint32_t, std::span<const uint8_t>)>& command,
                      std::string* error);

// Marks the stream closed with `reason` and wakes a guest waiting on it.
void close_stream_with_reason(const transport::ShmRegion& region, const std::string& reason);

}  // namespace gfxrelay::host
