// Micro benchmarks of the relay's own cost, below GLVND: a guest speaking the wire protocol to
// an in-process server on the host's EGL (llvmpipe here).
//   async_commands: small commands encoded into the ring and decoded + executed by the host
//                   (glUniform1i(-1, 0): GL ignores location -1, so the host GL does ~nothing)
//   sync_round_trip: one synchronous command (gfxrelay_Ping) and its reply
//   memcpy_64mb: the machine's copy bandwidth from memory to memory (larger than the caches,
//                as the uploads below are), the yardstick for the three below
//   texture_upload/64: 2048x2048 RGBA glTexSubImage2D, four in flight, in bands of 64 rows as
//                   the guest library sends them: the guest copies the pixels into the
//                   transfer area, the host GL copies them into the texture
//   texture_upload/0: the same as one command per image, published with the batch
//   read_pixels: 2048x2048 RGBA glReadPixels into the transfer area, waited for
//   present_frame: gfxrelay_PresentFrame of a 2048x2048 surface, waited for (the host's part
//                  of a window frame: read-back into the transfer area)
//   async_commands/threads:N: async_commands from N guests at once, each its own session
//
// Inside a VM (GFXRELAY_BENCH_VM=1; tests/vm/vm_test.py --bench) the guests are sessions in the
// ivshmem device's slots, served by the host's `gfxrelay serve --ivshmem`, and no server runs
// in this process.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "support/raw_guest.h"
#include "wire/command.h"

namespace gfxrelay {
namespace {

using testing::RawGuest;
using testing::Server;
using wire::Op;

bool in_vm() {
  static const bool vm = std::getenv("GFXRELAY_BENCH_VM") != nullptr;
  return vm;
}

// A new session: on the in-process server, or in a slot of the VM's ivshmem device.
std::unique_ptr<transport::GuestChannel> new_session(Server* server) {
  if (in_vm()) return testing::ivshmem_channel(transport::ivshmem::find_device());
  return testing::socket_channel(server->path());
}

struct Fixture {
  std::unique_ptr<Server> server{in_vm() ? nullptr : new Server};
  RawGuest guest{new_session(server.get())};
  Fixture() { guest.make_current(); }
};

Fixture& fixture() {
  static Fixture* f = new Fixture;
  return *f;
}

// One guest per benchmark thread, each its own session on the shared server, with a large
// surface for the bandwidth benchmarks.
constexpr int kSide = 2048;
constexpr uint32_t kImageBytes = kSide * kSide * 4;
RawGuest& thread_guest(int index) {
  static std::array<std::unique_ptr<RawGuest>, 8> guests;
  static std::mutex lock;
  std::lock_guard hold(lock);
  auto& g = guests.at(static_cast<size_t>(index));
  if (!g) {
    g = std::make_unique<RawGuest>(new_session(fixture().server.get()), kSide, kSide);
    g->make_current();
  }
  return *g;
}

void async_commands(benchmark::State& state) {
  RawGuest& g = state.threads() == 1 ? fixture().guest : thread_guest(state.thread_index());
  const int batch = 10000;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) g.command(Op::glUniform1i, {0xFFFFFFFFu, 0});
    g.command(Op::gfxrelay_Ping, {});
    g.wait_reply();  // every command decoded and executed
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(async_commands)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2)
    ->Threads(4);

void sync_round_trip(benchmark::State& state) {
  RawGuest& g = fixture().guest;
  for (auto _ : state) {
    g.command(Op::gfxrelay_Ping, {});
    g.wait_reply();
  }
}
BENCHMARK(sync_round_trip)->Unit(benchmark::kMicrosecond)->UseRealTime();

void memcpy_64mb(benchmark::State& state) {
  std::vector<uint8_t> from(4 * kImageBytes, 1), to(4 * kImageBytes);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), from.size());
    benchmark::DoNotOptimize(to.data());
  }
  state.SetBytesProcessed(state.iterations() * 4 * int64_t{kImageBytes});
}
BENCHMARK(memcpy_64mb)->Unit(benchmark::kMillisecond)->UseRealTime();

void texture_upload(benchmark::State& state) {
  RawGuest& g = thread_guest(0);
  std::vector<uint8_t> pixels(kImageBytes, 0x80);
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, 7});
  g.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, kSide, kSide});
  // Four in flight where the transfer area holds them (128 MiB here, 32 MiB in a VM's block).
  const int in_flight = static_cast<int>(std::min<uint64_t>(4, g.transfer_bytes() / kImageBytes));
  for (auto _ : state) {
    for (int i = 0; i < in_flight; ++i) {
      if (state.range(0) > 0) {
        // What the guest library does: bands of range(0) rows (64: 512 KiB), each published as
        // soon as its pixels are in place, so that the host copies one while the guest fills
        // the next. Arg 0: one command per image, published with the batch (before 2026-12-07).
        const uint32_t rows = static_cast<uint32_t>(state.range(0));
        for (uint32_t y = 0; y < kSide; y += rows) {
          uint8_t* at = g.command_with_transfer(
              Op::glTexSubImage2D, {GL_TEXTURE_2D, 0, 0, y, kSide, rows, GL_RGBA, GL_UNSIGNED_BYTE},
              rows * kSide * 4);
          std::memcpy(at, pixels.data() + size_t{y} * kSide * 4, size_t{rows} * kSide * 4);
          g.publish();
        }
        continue;
      }
      uint8_t* at = g.command_with_transfer(
          Op::glTexSubImage2D, {GL_TEXTURE_2D, 0, 0, 0, kSide, kSide, GL_RGBA, GL_UNSIGNED_BYTE},
          kImageBytes);
      std::memcpy(at, pixels.data(), pixels.size());  // what the guest library does
    }
    g.command(Op::gfxrelay_Ping, {});
    if (!g.wait_reply()) state.SkipWithError("the host closed the stream");
    g.rewind_transfers();
  }
  state.SetBytesProcessed(state.iterations() * in_flight * int64_t{kImageBytes});
}
BENCHMARK(texture_upload)->Arg(0)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void read_pixels(benchmark::State& state) {
  RawGuest& g = thread_guest(0);
  for (auto _ : state) {
    // x, y, width, height, format, type, bufSize (none), pad.
    g.command_with_transfer(Op::glReadPixels,
                            {0, 0, kSide, kSide, GL_RGBA, GL_UNSIGNED_BYTE, 0xFFFFFFFFu, 0},
                            kImageBytes);
    if (!g.wait_reply()) state.SkipWithError("the host closed the stream");
    g.rewind_transfers();
  }
  state.SetBytesProcessed(state.iterations() * int64_t{kImageBytes});
}
BENCHMARK(read_pixels)->Unit(benchmark::kMillisecond)->UseRealTime();

void present_frame(benchmark::State& state) {
  RawGuest& g = thread_guest(0);
  for (auto _ : state) {
    // Surface 1 (current), B,G,R,A, top row first where the host can.
    g.command_with_transfer(Op::gfxrelay_PresentFrame, {1, wire::kPresentTopDownBgra}, kImageBytes);
    if (!g.wait_reply()) state.SkipWithError("the host closed the stream");
    g.rewind_transfers();
  }
  state.SetBytesProcessed(state.iterations() * int64_t{kImageBytes});
}
BENCHMARK(present_frame)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gfxrelay

BENCHMARK_MAIN();
