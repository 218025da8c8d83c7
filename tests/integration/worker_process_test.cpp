// `gfxrelay serve` runs each socket session in a worker process, and each VM's sessions in one
// worker process for that VM: killing a worker (as a crash in the host GL driver would) in the
// middle of a frame ends only its guest's session (or that VM's sessions), with a clear error;
// the other guests keep rendering correct pixels and the server takes new guests.
#include <GLES3/gl3.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_guest.h"

namespace gfxrelay {
namespace {

using testing::all_pixels;
using testing::RawGuest;
using wire::Op;

// The worker processes of `server`: its children, newest last.
std::vector<pid_t> children_of(pid_t server) {
  std::vector<std::pair<unsigned long long, pid_t>> found;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string state, ppid, field;
    fields >> state >> ppid;
    unsigned long long start = 0;
    for (int i = 5; i <= 22 && fields >> field; ++i)
      if (i == 22) start = std::stoull(field);
    if (std::stoi(ppid) == server) found.push_back({start, std::stoi(name)});
  }
  std::sort(found.begin(), found.end());
  std::vector<pid_t> pids;
  for (auto& [start, pid] : found) pids.push_back(pid);
  return pids;
}

// `gfxrelay serve` (the real program, with worker processes) on a socket and two VM regions.
class ServerProcess {
 public:
  ServerProcess() {
    char tmpl[] = "/tmp/gfxrelay-workers-XXXXXX";
    dir_ = mkdtemp(tmpl);
    socket_ = dir_ + "/socket";
    const std::string gfxrelay =
        (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "gfxrelay").string();
    const std::string a = region("a"), b = region("b");
    pid_ = fork();
    if (pid_ == 0) {
      execl(gfxrelay.c_str(), gfxrelay.c_str(), "serve", "--socket", socket_.c_str(), "--ivshmem",
            a.c_str(), "--ivshmem-size", "128M", "--ivshmem", b.c_str(), "--ivshmem-size", "128M",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500 && !std::filesystem::exists(socket_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string region(const char* name) const { return dir_ + "/" + name + ".region"; }
  ~ServerProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
  }
  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }

 private:
  std::string dir_, socket_;
  pid_t pid_ = -1;
};

// A VM session in a slot of `region`, once the VM's worker process serves it.
std::unique_ptr<RawGuest> vm_guest(const std::string& region) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    try {
      auto guest = std::make_unique<RawGuest>(testing::ivshmem_channel(region));
      if (guest->make_current()) return guest;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nullptr;
}

TEST(WorkerProcesses, KilledWorkerEndsOnlyItsSession) {
  ServerProcess server;
  // The two VMs' workers start with the server.
  for (int i = 0; i < 500 && children_of(server.pid()).size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  RawGuest good(server.socket());
  ASSERT_TRUE(good.make_current());
  std::vector<pid_t> workers = children_of(server.pid());
  ASSERT_EQ(workers.size(), 3u);
  RawGuest doomed(server.socket());
  ASSERT_TRUE(doomed.make_current());
  workers = children_of(server.pid());
  ASSERT_EQ(workers.size(), 4u);

  // Mid-frame: commands in flight, a read-back waited for, and the worker killed meanwhile.
  doomed.command(Op::glClearColor, {0, 0, 0, 0});
  doomed.command(Op::glClear, {GL_COLOR_BUFFER_BIT});
  ASSERT_EQ(kill(workers[3], SIGKILL), 0);
  std::vector<uint8_t> pixels;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(doomed.clear_and_read(1, 1, 1, &pixels));
  std::printf("  the killed worker's guest stopped waiting after %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  // Its session is over, with the reason on the session socket.
  std::string error;
  EXPECT_FALSE(doomed.request_ok(wire::Control::kDestroyContext, &error));
  std::printf("  its next request: %s\n", error.c_str());
  EXPECT_NE(error.find("worker process"), std::string::npos) << error;

  // The other session and new ones go on.
  ASSERT_TRUE(good.clear_and_read(0, 1, 0, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 0, 255, 0));
  RawGuest late(server.socket());
  ASSERT_TRUE(late.make_current());
  ASSERT_TRUE(late.clear_and_read(0, 0, 1, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 0, 0, 255));
}

// A VM's sessions run in a worker process of that VM: killing it ends that VM's sessions only;
// the server starts another, and the other VM's session goes on.
TEST(WorkerProcesses, KilledVmWorkerEndsOnlyThatVmsSessions) {
  ServerProcess server;
  std::unique_ptr<RawGuest> in_a = vm_guest(server.region("a"));
  std::unique_ptr<RawGuest> in_b = vm_guest(server.region("b"));
  ASSERT_TRUE(in_a && in_b);
  const std::vector<pid_t> workers = children_of(server.pid());
  ASSERT_EQ(workers.size(), 2u);  // a's worker started first
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  std::vector<uint8_t> pixels;
  EXPECT_FALSE(in_a->clear_and_read(1, 1, 1, &pixels));  // ends when a's new worker is up
  ASSERT_TRUE(in_b->clear_and_read(0, 1, 0, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 0, 255, 0));
  std::unique_ptr<RawGuest> again = vm_guest(server.region("a"));
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->clear_and_read(0, 0, 1, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 0, 0, 255));
}

}  // namespace
}  // namespace gfxrelay
