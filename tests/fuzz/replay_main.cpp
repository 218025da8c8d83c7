// fuzz_decoder's harness without libFuzzer: runs the inputs named on the command line in order,
// in one process, as `fuzz_decoder DIR/*` does. Built in the ordinary build (no sanitizers), so
// a finding's history can run under valgrind, which also sees into llvmpipe's JIT-compiled
// code, and replays a crash that the sanitizer build's memory layout hides (finding 19,
// docs/security.md). Exits non-zero if an input is missing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  const bool verbose = std::getenv("REPLAY_VERBOSE") != nullptr;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "fuzz_decoder_replay: cannot read %s\n", argv[i]);
      return 2;
    }
    const std::vector<uint8_t> input{std::istreambuf_iterator<char>(in),
                                     std::istreambuf_iterator<char>()};
    if (verbose) std::fprintf(stderr, "fuzz_decoder_replay: %s\n", argv[i]);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("fuzz_decoder_replay: %d inputs ran\n", argc - 1);
  return 0;
}
