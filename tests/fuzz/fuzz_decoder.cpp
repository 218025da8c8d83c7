// libFuzzer target: a guest's command stream, decoded by a host context worker on llvmpipe.
// The first input byte picks the context (even: OpenGL ES 3.2, odd: OpenGL 4.5 compatibility);
// the rest is the stream, as the worker copies it out of the ring (a multiple of 8 bytes: the
// tail is cut). Both contexts live for 2,000 inputs at a time (kInputsPerContext), current on
// this thread, so GL state carries over from input to input as it does in a long session. A
// stream the worker refuses is fine; a crash, a sanitizer report or a hang is a finding
// (tests/fuzz/README.md).

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "host/backend/egl_backend.h"
#include "host/context_worker.h"
#include "host/session.h"

namespace {

using namespace gfxrelay;

// A session with nobody on the other end: the worker only asks it for surfaces and images.
class NoGuest final : public transport::HostChannel {
 public:
  bool receive(uint32_t*, std::vector<uint8_t>*, std::string*) override { return false; }
  bool send(uint32_t, std::span<const uint8_t>, const transport::ShmRegion*) override {
    return true;
  }
  transport::ShmRegion create_region(std::string*) override { return {}; }
  void interrupt() override {}
};

host::EglBackend& backend() {
  static host::EglBackend* b = [] {
    auto* opened = new host::EglBackend;  // lives for the run (Mesa's threads use it)
    std::string error;
    if (!opened->open(&error)) {
      std::fprintf(stderr, "fuzz_decoder: %s\n", error.c_str());
      std::abort();
    }
    return opened;
  }();
  return *b;
}

struct Harness {
  host::EglBackend& backend = ::backend();
  std::unique_ptr<host::Session> session;
  std::unique_ptr<host::ContextWorker> workers[2];

  Harness() {
    std::string error;
    session = std::make_unique<host::Session>(1, std::make_unique<NoGuest>(), backend);
    const EGLint es[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 2, EGL_NONE};
    const EGLint gl[] = {EGL_CONTEXT_MAJOR_VERSION,
                         4,
                         EGL_CONTEXT_MINOR_VERSION,
                         5,
                         EGL_CONTEXT_OPENGL_PROFILE_MASK,
                         EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT,
                         EGL_NONE};
    const EGLenum apis[] = {EGL_OPENGL_ES_API, EGL_OPENGL_API};
    const EGLint* attribs[] = {es, gl};
    for (int i = 0; i < 2; ++i) {
      eglBindAPI(apis[i]);
      EGLContext context =
          eglCreateContext(backend.display(), EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs[i]);
      transport::RegionLayout layout;
      layout.ring_bytes = 64u << 10;
      layout.transfer_bytes = 1u << 20;
      transport::ShmRegion region = transport::ShmRegion::create(layout, &error);
      if (context == EGL_NO_CONTEXT || !region) {
        std::fprintf(stderr, "fuzz_decoder: no host context (%s)\n", error.c_str());
        std::abort();
      }
      workers[i] = std::make_unique<host::ContextWorker>(*session, i + 1, apis[i], context, nullptr,
                                                         std::move(region), nullptr);
    }
  }

  // Makes worker i's context current here. The other one is released first: EGL keeps a
  // current context per API and thread, and the server never has two on one thread (each worker
  // has its own), so neither may this harness (libepoxy would resolve calls for the wrong one).
  void use(int i) {
    if (current == i) return;
    const EGLenum apis[] = {EGL_OPENGL_ES_API, EGL_OPENGL_API};
    if (current >= 0) {
      eglBindAPI(apis[current]);
      workers[current]->make_current(0, 0, true);
    }
    eglBindAPI(apis[i]);
    workers[i]->make_current(0, 0, false);
    current = i;
  }
  ~Harness() {
    if (current < 0) return;
    eglBindAPI(current == 0 ? EGL_OPENGL_ES_API : EGL_OPENGL_API);
    workers[current]->make_current(0, 0, true);
  }
  int current = -1;
};

}  // namespace

// Fresh contexts every this many inputs: objects the inputs create are rarely deleted, and
// would fill the session's quotas (then every new object is refused).
constexpr int kInputsPerContext = 2000;

// A finding may need the state the inputs before it built. With FUZZ_HISTORY_DIR set, the
// inputs since the contexts were last made fresh are kept, and written there (00000, 00001,
// ...) when a sanitizer reports: `fuzz_decoder DIR/*` replays them in order in a fresh
// process, which rebuilds that state.
std::vector<std::vector<uint8_t>>& history() {
  static std::vector<std::vector<uint8_t>> inputs;
  return inputs;
}

void write_history() {
  const char* dir = std::getenv("FUZZ_HISTORY_DIR");
  if (!dir) return;
  for (size_t i = 0; i < history().size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/%05zu", i);
    if (FILE* f = std::fopen((std::string(dir) + name).c_str(), "wb")) {
      std::fwrite(history()[i].data(), 1, history()[i].size(), f);
      std::fclose(f);
    }
  }
  std::fprintf(stderr, "fuzz_decoder: %zu inputs since the last fresh contexts written to %s\n",
               history().size(), dir);
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // libFuzzer takes the sanitizers' death callback for itself; the history is written when the
  // report aborts (ASAN_OPTIONS=abort_on_error=1, and -handle_abrt=0 so this handler runs).
  if (std::getenv("FUZZ_HISTORY_DIR"))
    std::signal(SIGABRT, [](int) {
      write_history();
      std::_Exit(1);
    });
  // Images and buffers up to 256 MiB, 1 GiB in all (the host's quotas; 4 and 8 GiB by
  // default): what the driver allocates stays inside the run's memory limit.
  setenv("GFXRELAY_MAX_ALLOCATION", "256M", 0);
  setenv("GFXRELAY_SESSION_MEMORY", "1G", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto harness = std::make_unique<Harness>();
  static int inputs = 0;
  if (++inputs % kInputsPerContext == 0) {
    harness.reset();
    harness = std::make_unique<Harness>();
    history().clear();
  }
  if (std::getenv("FUZZ_HISTORY_DIR")) history().emplace_back(data, data + size);
  if (size < 1) return 0;
  const int which = data[0] & 1;
  harness->use(which);
  // The worker decodes an aligned private copy of what it read from the ring.
  std::vector<uint8_t> batch(data + 1, data + 1 + (size - 1) / 8 * 8);
  std::string error;
  harness->workers[which]->decode_inline(batch, &error);
  return 0;
}
