// The command framing shared by every stream (docs/protocol.md, "Commands").
#pragma once

#include <cstddef>
#include <cstdint>

namespace gfxrelay::wire {

// Every command starts with this header; `size` counts the header and the padded payload.
struct CommandHeader {
  uint32_t opcode;
  uint32_t size;
};
static_assert(sizeof(CommandHeader) == 8);

// Commands are 8-byte aligned; sizes on the wire are always multiples of this.
inline constexpr size_t kCommandAlignment = 8;

constexpr size_t align_up(size_t n) {
  return (n + kCommandAlignment - 1) & ~(kCommandAlignment - 1);
}

// Opcode 0 is reserved for padding: the consumer skips `size` bytes. A ring producer writes it
// when a command would not fit before the end of the ring and continues at the start.
inline constexpr uint32_t kOpcodePad = 0;

// gfxrelay_PresentFrame. The format word's low byte is the pixel order the guest takes
// (kPresentBgra: B,G,R,A bytes; kPresentRgba: R,G,B,A); kPresentTopDownBgra asks for rows top
// first in B,G,R,A where the host can read them so, which the guest hands to its X server
// without copying. The reply says what the host wrote; with kPresentNoReply there is none (the
// guest, which knows what the host writes from an earlier frame's reply, learns that the frame
// is written when the host releases its transfer range). kPresentX11Direct: the surface is a
// direct X11 window, which the host swaps itself; the blob carries no pixels (the guest waits
// for its release to stay at most one frame ahead).
inline constexpr uint32_t kPresentBgra = 0, kPresentRgba = 1, kPresentTopDownBgra = 1u << 8,
                          kPresentNoReply = 1u << 9, kPresentX11Direct = 1u << 10;
inline constexpr uint32_t kPresentX11DirectBlob = 16;  // bytes of a direct frame's blob
enum class PresentResult : uint32_t {
  kNotCurrent = 0,   // the surface is not the context's current draw surface: nothing written
  kBottomUp = 1,     // bottom row first, in the order asked for
  kTopDownBgra = 2,  // top row first, B,G,R,A
  kSwapped = 3,      // a direct X11 window: the host swapped it
};

}  // namespace gfxrelay::wire
