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

struct VmRegion {
  std::shared_ptr<transport::ivshmem::HostRegion> region;
  std::unique_ptr<transport::ivshmem::DoorbellServer> doorbell;  // null: the host polls
};

struct RunningSession {
  std::unique_ptr<Session> session;
  std::thread thread;
  VmRegion* vm = nullptr;  // the VM whose slot it serves, or null for a socket guest
  uint32_t vm_slot = 0;
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
  std::vector<VmRegion> vms;
  for (const VmRegionOptions& vm_options : options.vms) {
    VmRegion& vm = vms.emplace_back();
    vm.region = transport::ivshmem::HostRegion::open(vm_options.path, vm_options.bytes, &error);
    if (!vm.region) {
      log(error);
      return 1;
    }
    if (!vm_options.server_path.empty()) {
      vm.doorbell = transport::ivshmem::DoorbellServer::listen(vm_options.server_path,
                                                               vm.region->fd(), &error);
      if (!vm.doorbell) {
        log(error);
        return 1;
      }
      vm.region->set_host_peer_id(transport::ivshmem::kHostPeerId);
    }
    log("serving " + backend.caps().get("gl_renderer") + " to the VM of " + vm_options.path +
        (vm.doorbell ? " (ivshmem server on " + vm_options.server_path + ")" : ""));
  }
  if (options.ready_fd >= 0) {
    const char ready = 1;
    (void)!write(options.ready_fd, &ready, 1);
    close(options.ready_fd);
  }
  std::list<RunningSession> sessions;
  uint64_t next_id = 1;
  auto start_session = [&](std::unique_ptr<transport::HostChannel> channel, VmRegion* vm,
                           uint32_t slot) {
    RunningSession& s = sessions.emplace_back();
    s.session = std::make_unique<Session>(next_id++, std::move(channel), backend);
    s.vm = vm;
    s.vm_slot = slot;
    Session* session = s.session.get();
    s.thread = std::thread([session] { session->run(); });
  };
  while (!stop) {
    // One poll for every source of work; without a doorbell the VMs' slots are looked at every
    // few milliseconds.
    std::vector<pollfd> fds;
    std::vector<VmRegion*> fd_vm;  // the VM each descriptor belongs to (null: the listener)
    auto watch = [&](int fd, VmRegion* vm) {
      fds.push_back({fd, POLLIN, 0});
      fd_vm.push_back(vm);
    };
    if (listener) watch(listener.get(), nullptr);
    bool polled_vm = false;
    for (VmRegion& vm : vms) {
      if (!vm.doorbell) {
        polled_vm = true;
        continue;
      }
      watch(vm.doorbell->listen_fd(), &vm);
      watch(vm.doorbell->doorbell_fd(), &vm);
      for (int fd : vm.doorbell->client_fds()) watch(fd, &vm);
    }
    const int timeout_ms = polled_vm ? 5 : vms.empty() ? 100 : 20;
    if (poll(fds.data(), fds.size(), timeout_ms) > 0) {
      for (size_t i = 0; i < fds.size(); ++i) {
        const pollfd& p = fds[i];
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        VmRegion* vm = fd_vm[i];
        if (!vm) {
          transport::UniqueFd guest(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
          if (guest) start_session(transport::socket_host_channel(std::move(guest)), nullptr, 0);
        } else if (p.fd == vm->doorbell->listen_fd()) {
          vm->doorbell->accept_vm();
        } else if (p.fd == vm->doorbell->doorbell_fd()) {
          if (vm->doorbell->take_rings()) vm->region->wake_all();
        } else {
          vm->doorbell->drop_vm(p.fd);
        }
      }
    }
    for (VmRegion& vm : vms) {
      for (auto& [slot, channel] : vm.region->scan()) start_session(std::move(channel), &vm, slot);
    }
    // Reap sessions that have ended.
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->session->finished()) {
        it->thread.join();
        if (it->vm) it->vm->region->session_finished(it->vm_slot);
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (RunningSession& s : sessions) s.session->end("the server is shutting down");
  for (size_t i = 0; i < vms.size(); ++i) {
    if (vms[i].doorbell)
      log("the VM of " + options.vms[i].path + " rang the doorbell " +
          std::to_string(vms[i].doorbell->rings()) + " times");
  }
  for (RunningSession& s : sessions) s.thread.join();
  sessions.clear();
  if (listener) unlink(options.socket_path.c_str());
  return 0;
}

}  // namespace gfxrelay::host
