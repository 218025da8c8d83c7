// Micro benchmarks of the relay's own cost, below GLVND: a guest speaking the wire protocol to
// an in-process server on the host's EGL (llvmpipe here).
//   async_commands: small commands encoded into the ring and decoded + executed by the host
//                   (glUniform1i(-1, 0): GL ignores location -1, so the host GL does ~nothing)
//   sync_round_trip: one synchronous command (gfxrelay_Ping) and its reply
#include <benchmark/benchmark.h>

#include "support/raw_guest.h"

namespace gfxrelay {
namespace {

using testing::RawGuest;
using testing::Server;
using wire::Op;

struct Fixture {
  Server server;
  RawGuest guest{server.path()};
  Fixture() { guest.make_current(); }
};

Fixture& fixture() {
  static Fixture* f = new Fixture;
  return *f;
}

void async_commands(benchmark::State& state) {
  RawGuest& g = fixture().guest;
  const int batch = 10000;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) g.command(Op::glUniform1i, {0xFFFFFFFFu, 0});
    g.command(Op::gfxrelay_Ping, {});
    g.wait_reply();  // every command decoded and executed
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(async_commands)->Unit(benchmark::kMillisecond)->UseRealTime();

void sync_round_trip(benchmark::State& state) {
  RawGuest& g = fixture().guest;
  for (auto _ : state) {
    g.command(Op::gfxrelay_Ping, {});
    g.wait_reply();
  }
}
BENCHMARK(sync_round_trip)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace gfxrelay

BENCHMARK_MAIN();
