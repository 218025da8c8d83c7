#include "host/server.h"

#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <list>
#include <memory>
#include <thread>
#include <vector>

#include "host/backend/egl_backend.h"
#include "host/session.h"
#include "transport/channel.h"
#include "transport/ivshmem.h"
#include "transport/ivshmem_server.h"
#include "transport/socket.h"

namespace gfxrelay::host {

namespace {

struct RunningSession {
  std::unique_ptr<Session> session;
  std::thread thread;
  int ivshmem_slot = -1;  // the VM slot it serves, or -1 for a socket guest
};

// Software renderers (llvmpipe) allocate and free megabytes of vertex data per draw on the
// context workers' threads. glibc's defaults give each such block to the kernel and take it
// back at every draw (munmap, or trimming the thread's heap: page faults and zeroing each
// frame); a GL program's own thread keeps them, because glibc raises its thresholds after the
// first free. Measured on glmark2's bump high-poly scene: 131 FPS before, 193 after (native
// 214). Freed memory up to these sizes stays in the process.
void keep_freed_memory_for_renderers() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum for the dynamic threshold
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

}  // namespace

int serve(const ServerOptions& options, const std::atomic<bool>& stop) {
  keep_freed_memory_for_renderers();
  EglBackend backend;
  std::string error;
  if (!backend.open(&error)) {
    log(error);
    return 1;
  }
  transport::UniqueFd listener;
  if (!options.socket_path.empty()) {
    listener = transport::listen_unix(options.socket_path, &error);
    if (!listener) {
      log(error);
      return 1;
    }
    log("serving " + backend.caps().get("gl_renderer") + " on " + options.socket_path);
  }
  std::shared_ptr<transport::ivshmem::HostRegion> region;
  std::unique_ptr<transport::ivshmem::DoorbellServer> doorbell;
  if (!options.ivshmem_path.empty()) {
    region =
        transport::ivshmem::HostRegion::open(options.ivshmem_path, options.ivshmem_bytes, &error);
    if (!region) {
      log(error);
      return 1;
    }
    if (!options.ivshmem_server_path.empty()) {
      doorbell = transport::ivshmem::DoorbellServer::listen(options.ivshmem_server_path,
                                                            region->fd(), &error);
      if (!doorbell) {
        log(error);
        return 1;
      }
      region->set_host_peer_id(transport::ivshmem::kHostPeerId);
    }
    log("serving " + backend.caps().get("gl_renderer") + " to the VM of " + options.ivshmem_path +
        (doorbell ? " (ivshmem server on " + options.ivshmem_server_path + ")" : ""));
  }
  if (options.ready_fd >= 0) {
    const char ready = 1;
    (void)!write(options.ready_fd, &ready, 1);
    close(options.ready_fd);
  }
  std::list<RunningSession> sessions;
  uint64_t next_id = 1;
  auto start_session = [&](std::unique_ptr<transport::HostChannel> channel, int slot) {
    RunningSession& s = sessions.emplace_back();
    s.session = std::make_unique<Session>(next_id++, std::move(channel), backend);
    s.ivshmem_slot = slot;
    Session* session = s.session.get();
    s.thread = std::thread([session] { session->run(); });
  };
  while (!stop) {
    // One poll for every source of work; without a doorbell the VM's slots are looked at
    // every few milliseconds.
    std::vector<pollfd> fds;
    if (listener) fds.push_back({listener.get(), POLLIN, 0});
    if (doorbell) {
      fds.push_back({doorbell->listen_fd(), POLLIN, 0});
      fds.push_back({doorbell->doorbell_fd(), POLLIN, 0});
      for (int fd : doorbell->client_fds()) fds.push_back({fd, POLLIN, 0});
    }
    const int timeout_ms = region ? (doorbell ? 20 : 5) : 100;
    if (poll(fds.data(), fds.size(), timeout_ms) > 0) {
      for (const pollfd& p : fds) {
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (listener && p.fd == listener.get()) {
          transport::UniqueFd guest(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
          if (guest) start_session(transport::socket_host_channel(std::move(guest)), -1);
        } else if (doorbell && p.fd == doorbell->listen_fd()) {
          doorbell->accept_vm();
        } else if (doorbell && p.fd == doorbell->doorbell_fd()) {
          if (doorbell->take_rings()) region->wake_all();
        } else if (doorbell) {
          doorbell->drop_vm(p.fd);
        }
      }
    }
    if (region) {
      for (auto& [slot, channel] : region->scan())
        start_session(std::move(channel), static_cast<int>(slot));
    }
    // Reap sessions that have ended.
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->session->finished()) {
        it->thread.join();
        if (it->ivshmem_slot >= 0) region->session_finished(it->ivshmem_slot);
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (RunningSession& s : sessions) s.session->end("the server is shutting down");
  for (RunningSession& s : sessions) s.thread.join();
  sessions.clear();
  if (listener) unlink(options.socket_path.c_str());
  return 0;
}

}  // namespace gfxrelay::host
