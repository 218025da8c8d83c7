// The `gfxrelay` command: run, serve, info.
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vulkan/vulkan_core.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host/server.h"
#include "transport/channel.h"
#include "transport/ivshmem.h"
#include "transport/socket.h"
#include "wire/caps.h"
#include "wire/handshake.h"
#include "wire/message.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  gfxrelay run [--socket PATH] -- PROGRAM [ARGS...]\n"
    "      Runs PROGRAM with its EGL/OpenGL ES calls relayed to a host renderer: the one at\n"
    "      PATH (or $GFXRELAY_SOCKET), else, inside a VM, the host behind its ivshmem device\n"
    "      ($GFXRELAY_IVSHMEM or found on the PCI bus), else an embedded one for this run\n"
    "      (which, serving only PROGRAM, keeps Mesa's shader cache on as a native run does,\n"
    "      and draws GLX windows straight into PROGRAM's X server: --x11-direct below;\n"
    "      GFXRELAY_X11_DIRECT=0 turns that off).\n"
    "  gfxrelay serve [--socket PATH] [--ivshmem FILE [--ivshmem-size BYTES]\n"
    "                 [--ivshmem-server SOCKET]]... [--isolation=process|thread]\n"
    "                 [--max-allocation BYTES] [--max-draw-vertices N]\n"
    "                 [--session-memory BYTES] [--session-objects N] [--session-contexts N]\n"
    "                 [--mesa-shader-cache] [--x11-direct]\n"
    "      Runs the host renderer for any number of guests: processes of this machine on\n"
    "      PATH, and those of each QEMU VM sharing a FILE (default size 512M; with\n"
    "      --ivshmem-server, also its ivshmem server, so guests ring instead of the host\n"
    "      polling). Each socket guest's session, and each VM's sessions, run in a worker\n"
    "      process of their own (a crash there ends only those sessions) unless\n"
    "      --isolation=thread.\n"
    "      --max-allocation: the largest buffer or image one command may make the host\n"
    "      allocate (default 4G; past it the guest gets GL_OUT_OF_MEMORY); --max-draw-vertices:\n"
    "      the most vertices (count x instances) one draw may process (default 268435456).\n"
    "      Per session: --session-memory, what its buffers, images and surfaces hold at once\n"
    "      (default 8G); --session-objects, its GL objects, syncs, images and surfaces\n"
    "      (default 1048576); --session-contexts, its contexts (default 64). Past one, the\n"
    "      guest gets GL_OUT_OF_MEMORY or EGL_BAD_ALLOC.\n"
    "      --mesa-shader-cache: keeps Mesa's shader cache on in the host (off by default: a\n"
    "      guest could crash Mesa 22.3 through it; see docs/security.md).\n"
    "      --x11-direct: a guest GLX display that is this host's own X server ($DISPLAY) gets\n"
    "      host GLX contexts, and its windows are drawn by the host with no read-back (only for\n"
    "      guests that may use that X server anyway; `gfxrelay run` gives its own host this).\n"
    "  gfxrelay vm-args --ivshmem FILE [--ivshmem-size BYTES] [--ivshmem-server SOCKET]\n"
    "      Prints the QEMU arguments that give a VM that region.\n"
    "  gfxrelay info [--socket PATH]\n"
    "      Prints what a guest sees: the host GPU's strings, versions, extensions.\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "gfxrelay: %s\n", message.c_str());
  return 2;
}

fs::path self_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  buf[n] = 0;
  return fs::path(buf).parent_path();
}

// The guest libraries sit at ../lib/gfxrelay relative to the binary, in the build tree and in
// an installed prefix alike.
fs::path guest_library_dir() {
  return (self_dir() / ".." / "lib" / "gfxrelay").lexically_normal();
}

// A private folder for the run's socket and vendor file; removed on destruction.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gfxrelay-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// An embedded `gfxrelay serve` for one run.
struct EmbeddedServer {
  pid_t pid = -1;
  ~EmbeddedServer() { stop(); }
  bool start(const std::string& socket_path, std::string* error) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      *error = "pipe failed";
      return false;
    }
    // Mesa's shader cache stays on here, as in a native run of the program, unless the
    // environment decides: this host serves only the program this run starts, as the same user,
    // so a Mesa bug the cache exposes (docs/security.md, finding 8) reaches nothing the program
    // could not reach natively. A shared `gfxrelay serve` keeps it off.
    const bool shader_cache = std::getenv("MESA_SHADER_CACHE_DISABLE") == nullptr;
    // For the same reason its GLX windows may be drawn by the host straight into the program's
    // X server, where the program's display is this one (checked per display; docs/protocol.md,
    // "Direct X11 windows"). GFXRELAY_X11_DIRECT=0 keeps every frame on the read-back path.
    const char* direct = std::getenv("GFXRELAY_X11_DIRECT");
    const bool x11_direct = std::getenv("DISPLAY") && !(direct && std::strcmp(direct, "0") == 0);
    const std::string exe = (self_dir() / "gfxrelay").string();
    const std::string ready_fd = std::to_string(pipe_fds[1]);
    std::vector<const char*> args = {exe.c_str(),         "serve",      "--socket",
                                     socket_path.c_str(), "--ready-fd", ready_fd.c_str()};
    if (shader_cache) args.push_back("--mesa-shader-cache");
    if (x11_direct) args.push_back("--x11-direct");
    args.push_back(nullptr);
    pid = fork();
    if (pid == 0) {
      fcntl(pipe_fds[1], F_SETFD, 0);  // the ready pipe survives exec
      execv(exe.c_str(), const_cast<char* const*>(args.data()));
      _exit(127);
    }
    close(pipe_fds[1]);
    if (pid < 0) {
      close(pipe_fds[0]);
      *error = "fork failed";
      return false;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    char byte = 0;
    const bool ready = poll(&p, 1, 60000) > 0 && read(pipe_fds[0], &byte, 1) == 1;
    close(pipe_fds[0]);
    if (!ready) {
      *error = "the embedded host renderer did not start (see its messages above)";
      stop();
      return false;
    }
    return true;
  }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    pid = -1;
  }
};

std::atomic<bool> stop_requested{false};
pid_t forward_to = -1;

void on_stop_signal(int sig) {
  stop_requested = true;
  if (forward_to > 0) kill(forward_to, sig);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

// Parses [--socket PATH]; leaves `i` at the first unparsed argument.
bool parse_socket(int argc, char** argv, int* i, std::string* socket) {
  while (*i < argc) {
    const std::string a = argv[*i];
    if (a == "--socket" && *i + 1 < argc) {
      *socket = argv[*i + 1];
      *i += 2;
    } else if (a.rfind("--socket=", 0) == 0) {
      *socket = a.substr(9);
      *i += 1;
    } else {
      return true;
    }
  }
  return true;
}

// Finds or starts a host: the socket given, $GFXRELAY_SOCKET, a VM's ivshmem device (*socket
// stays empty, *ivshmem names it), or an embedded server.
bool find_host(std::string* socket, std::string* ivshmem, TempDir& dir, EmbeddedServer& server,
               std::string* error) {
  if (socket->empty()) {
    if (const char* env = std::getenv("GFXRELAY_SOCKET"); env && *env) *socket = env;
  }
  if (!socket->empty()) return true;
  *ivshmem = gfxrelay::transport::ivshmem::find_device();
  if (!ivshmem->empty()) return true;
  if (dir.path.empty()) {
    *error = "cannot create a temporary folder";
    return false;
  }
  *socket = (dir.path / "socket").string();
  return server.start(*socket, error);
}

int cmd_run(int argc, char** argv) {
  int i = 2;
  std::string socket;
  parse_socket(argc, argv, &i, &socket);
  if (i < argc && std::strcmp(argv[i], "--") == 0) ++i;
  if (i >= argc) return fail(std::string("run: no program given\n") + kUsage);

  const fs::path library = guest_library_dir() / "libEGL_gfxrelay.so.0";
  if (!fs::exists(library)) return fail("guest library not found at " + library.string());
  TempDir dir;
  EmbeddedServer server;
  std::string error;
  install_signal_handlers();
  std::string ivshmem;
  if (!find_host(&socket, &ivshmem, dir, server, &error)) return fail(error);

  // GLVND picks our EGL vendor from this file: no LD_PRELOAD, no replaced system library.
  const fs::path vendor_json = dir.path / "egl_vendor_gfxrelay.json";
  {
    std::ofstream out(vendor_json);
    out << "{\n  \"file_format_version\": \"1.0.0\",\n  \"ICD\": {\n    \"library_path\": \""
        << library.string() << "\"\n  }\n}\n";
  }

  // The Vulkan loader finds our driver through this manifest (LoaderDriverInterface.md).
  const fs::path vulkan_library = guest_library_dir() / "libvulkan_gfxrelay.so";
  const fs::path vulkan_json = dir.path / "vulkan_icd_gfxrelay.json";
  {
    std::ofstream out(vulkan_json);
    out << "{\n  \"file_format_version\": \"1.0.1\",\n  \"ICD\": {\n    \"library_path\": \""
        << vulkan_library.string() << "\",\n    \"api_version\": \""
        << VK_API_VERSION_MAJOR(VK_HEADER_VERSION_COMPLETE) << "."
        << VK_API_VERSION_MINOR(VK_HEADER_VERSION_COMPLETE) << "." << VK_HEADER_VERSION
        << "\",\n    \"library_arch\": \"" << sizeof(void*) * 8 << "\"\n  }\n}\n";
  }

  const pid_t child = fork();
  if (child == 0) {
    if (!socket.empty()) setenv("GFXRELAY_SOCKET", socket.c_str(), 1);
    // Only our Vulkan driver: the newer variable and the older one the loader still reads.
    setenv("VK_DRIVER_FILES", vulkan_json.c_str(), 1);
    setenv("VK_ICD_FILENAMES", vulkan_json.c_str(), 1);
    setenv("__EGL_VENDOR_LIBRARY_FILENAMES", vendor_json.c_str(), 1);
    unsetenv("__EGL_VENDOR_LIBRARY_DIRS");
    // GLVND's libGLX loads the vendor named here as libGLX_<name>.so.0 from the library path.
    setenv("__GLX_VENDOR_LIBRARY_NAME", "gfxrelay", 1);
    const char* old_path = std::getenv("LD_LIBRARY_PATH");
    const std::string path =
        guest_library_dir().string() + (old_path && *old_path ? ":" + std::string(old_path) : "");
    setenv("LD_LIBRARY_PATH", path.c_str(), 1);
    execvp(argv[i], argv + i);
    std::fprintf(stderr, "gfxrelay: cannot run %s: %s\n", argv[i], std::strerror(errno));
    _exit(127);
  }
  if (child < 0) return fail("fork failed");
  forward_to = child;
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  forward_to = -1;
  server.stop();
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// Sizes as QEMU writes them: a number of bytes with an optional K, M or G.
bool parse_size(const std::string& text, uint64_t* bytes) {
  char* end = nullptr;
  uint64_t value = std::strtoull(text.c_str(), &end, 10);
  const std::string unit = end ? end : "";
  if (unit == "K" || unit == "k")
    value <<= 10;
  else if (unit == "M" || unit == "m")
    value <<= 20;
  else if (unit == "G" || unit == "g")
    value <<= 30;
  else if (!unit.empty())
    return false;
  *bytes = value;
  return end != text.c_str();
}

// --ivshmem FILE (a new VM), --ivshmem-size BYTES, --ivshmem-server SOCKET (of the last VM) at
// argv[*i]; false if it is none of them, or misplaced.
bool parse_ivshmem_option(int argc, char** argv, int* i, gfxrelay::host::ServerOptions* options) {
  const std::string a = argv[*i];
  if (*i + 1 >= argc) return false;
  if (a == "--ivshmem") {
    options->vms.emplace_back().path = argv[++*i];
    return true;
  }
  if (options->vms.empty()) return false;
  if (a == "--ivshmem-server") {
    options->vms.back().server_path = argv[++*i];
    return true;
  }
  if (a == "--ivshmem-size") return parse_size(argv[++*i], &options->vms.back().bytes);
  if (a == "--doorbell-fd") {  // internal: a VM worker process started by `serve`
    options->vms.back().doorbell_fd = std::atoi(argv[++*i]);
    return true;
  }
  return false;
}

int cmd_vm_args(int argc, char** argv) {
  gfxrelay::host::ServerOptions options;
  for (int i = 2; i < argc; ++i) {
    if (!parse_ivshmem_option(argc, argv, &i, &options))
      return fail(std::string("vm-args: unknown argument ") + argv[i] + "\n" + kUsage);
  }
  if (options.vms.size() != 1)
    return fail(std::string("vm-args: one --ivshmem FILE is required\n") + kUsage);
  const gfxrelay::host::VmRegionOptions& vm = options.vms.front();
  if (!vm.server_path.empty()) {
    // The memory comes from the server (`gfxrelay serve --ivshmem-server`), with the doorbell.
    std::printf(
        "-chardev socket,path=%s,id=gfxrelay -device ivshmem-doorbell,chardev=gfxrelay,vectors=1\n",
        vm.server_path.c_str());
  } else {
    std::printf(
        "-object memory-backend-file,id=gfxrelay,share=on,mem-path=%s,size=%llu "
        "-device ivshmem-plain,memdev=gfxrelay\n",
        vm.path.c_str(), static_cast<unsigned long long>(vm.bytes));
  }
  return 0;
}

int cmd_serve(int argc, char** argv) {
  gfxrelay::host::ServerOptions options;
  options.worker_processes = true;
  options.worker_program = "/proc/self/exe";
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--session-fd" && i + 1 < argc) {
      signal(SIGPIPE, SIG_IGN);
      return gfxrelay::host::serve_one_session(std::atoi(argv[++i]));
    }
    if (a == "--isolation=thread") {
      options.worker_processes = false;
      continue;
    }
    if (a == "--isolation=process") continue;
    // Limits, read by the sessions (and inherited by worker processes).
    static const std::pair<const char*, const char*> kLimitOptions[] = {
        {"--max-allocation", "GFXRELAY_MAX_ALLOCATION"},
        {"--max-draw-vertices", "GFXRELAY_MAX_DRAW_VERTICES"},
        {"--session-memory", "GFXRELAY_SESSION_MEMORY"},
        {"--session-objects", "GFXRELAY_SESSION_OBJECTS"},
        {"--session-contexts", "GFXRELAY_SESSION_CONTEXTS"},
    };
    const auto limit = std::find_if(std::begin(kLimitOptions), std::end(kLimitOptions),
                                    [&](const auto& o) { return a == o.first; });
    if (limit != std::end(kLimitOptions) && i + 1 < argc) {
      setenv(limit->second, argv[++i], 1);
      continue;
    }
    if (a == "--mesa-shader-cache") {  // off by default (EglBackend::open)
      setenv("MESA_SHADER_CACHE_DISABLE", "false", 1);
      continue;
    }
    if (a == "--x11-direct") {  // read by X11Direct::get, in worker processes too
      setenv("GFXRELAY_X11_DIRECT_HOST", "1", 1);
      continue;
    }
    if (a == "--socket" && i + 1 < argc) {
      options.socket_path = argv[++i];
    } else if (a == "--ready-fd" && i + 1 < argc) {
      options.ready_fd = std::atoi(argv[++i]);
    } else if (!parse_ivshmem_option(argc, argv, &i, &options)) {
      return fail("serve: unknown argument " + a + "\n" + kUsage);
    }
  }
  if (options.socket_path.empty() && options.vms.empty())
    return fail(std::string("serve: --socket PATH or --ivshmem FILE is required\n") + kUsage);
  install_signal_handlers();
  signal(SIGPIPE, SIG_IGN);
  return gfxrelay::host::serve(options, stop_requested);
}

int cmd_info(int argc, char** argv) {
  int i = 2;
  std::string socket;
  parse_socket(argc, argv, &i, &socket);
  if (i != argc) return fail(std::string("info: unknown argument\n") + kUsage);
  TempDir dir;
  EmbeddedServer server;
  std::string error;
  std::string ivshmem;
  if (!find_host(&socket, &ivshmem, dir, server, &error)) return fail(error);
  std::unique_ptr<gfxrelay::transport::GuestChannel> channel =
      gfxrelay::transport::open_guest_channel(socket, ivshmem, &error);
  if (!channel) return fail(error);
  std::vector<uint8_t> reply;
  gfxrelay::wire::Caps caps;
  if (!gfxrelay::transport::guest_handshake(*channel, &reply, &error)) return fail(error);
  if (!gfxrelay::wire::Caps::decode(reply, &caps))
    return fail(channel->where() + " sent no valid capabilities");
  const std::string extensions = caps.get("gl_extensions");
  size_t count = extensions.empty() ? 0 : 1;
  for (char c : extensions) count += c == ' ';
  std::printf("connected to %s\n", channel->where().c_str());
  std::printf("EGL API version: 1.5 (host EGL %s, %s)\n", caps.get("egl_version").c_str(),
              caps.get("egl_vendor").c_str());
  std::printf("EGL client APIs: OpenGL_ES\n");
  std::printf("EGL configs: %zu\n", caps.configs.size());
  std::printf("OpenGL ES profile vendor: %s\n", caps.get("gl_vendor").c_str());
  std::printf("OpenGL ES profile renderer: %s\n", caps.get("gl_renderer").c_str());
  std::printf("OpenGL ES profile version: %s\n", caps.get("gl_version").c_str());
  std::printf("OpenGL ES profile shading language version: %s\n",
              caps.get("gl_shading_language_version").c_str());
  std::printf("OpenGL ES extensions carried: %zu of the host's %s\n", count,
              caps.get("gl_host_extension_count").c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return fail(kUsage);
  const std::string command = argv[1];
  if (command == "run") return cmd_run(argc, argv);
  if (command == "serve") return cmd_serve(argc, argv);
  if (command == "info") return cmd_info(argc, argv);
  if (command == "vm-args") return cmd_vm_args(argc, argv);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return fail("unknown command " + command + "\n" + kUsage);
}
