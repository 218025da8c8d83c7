#include "host/server.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
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
#include "wire/handshake.h"

namespace gfxrelay::host {

namespace {

// One VM's region as this process serves it. With worker processes the server only keeps the
// file and the VM's ivshmem server (QEMU's connections); a worker process per VM serves the
// slots, and reads the doorbell's eventfd.
struct VmRegion {
  std::shared_ptr<transport::ivshmem::HostRegion> region;
  std::unique_ptr<transport::ivshmem::DoorbellServer> doorbell;  // null: no ivshmem server here
  int bell_fd = -1;    // the eventfd this process reads (its own server's, or inherited)
  uint64_t rings = 0;  // rings read from it
  pid_t worker = -1;   // the VM's worker process, if it has one
  std::chrono::steady_clock::time_point worker_started;
};

// Consumes an eventfd's count (how often the doorbell rang since the last read).
uint64_t take_rings(int eventfd_fd) {
  uint64_t count = 0;
  return read(eventfd_fd, &count, sizeof count) == sizeof count ? count : 0;
}

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

// A socket session's worker process. The server keeps a second descriptor of the guest's
// socket, to tell the guest why if the worker dies, and then to close the connection (the
// guest's waits end when no process holds the other end any more).
struct WorkerProcess {
  uint64_t id;
  pid_t pid;
  transport::UniqueFd guest;
};

// Starts `program serve ARGS...` with `fd` (if >= 0) as its descriptor 3.
pid_t start_worker(const std::string& program, int fd, const std::vector<std::string>& args) {
  // argv is built before fork: the child may only make async-signal-safe calls (the server
  // has threads).
  std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>("serve")};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  if (fd >= 0 && (fd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(fd, 3) < 0)) _exit(127);
  execv(program.c_str(), argv.data());
  _exit(127);
}

// A socket session's worker: the guest's socket as descriptor 3.
pid_t start_session_worker(const std::string& program, int guest_fd) {
  return start_worker(program, guest_fd, {"--session-fd", "3"});
}

// A VM's worker: the region's slots served by a thread-isolated `serve`, the doorbell's
// eventfd (if any) as descriptor 3.
pid_t start_vm_worker(const std::string& program, const VmRegionOptions& vm, int bell_fd) {
  std::vector<std::string> args{"--isolation=thread", "--ivshmem", vm.path, "--ivshmem-size",
                                std::to_string(vm.bytes)};
  if (bell_fd >= 0) args.insert(args.end(), {"--doorbell-fd", "3"});
  return start_worker(program, bell_fd, args);
}

// Tells a socket guest that its session is over, and why.
void send_error(int socket, const std::string& reason) {
  transport::send_message(socket, static_cast<uint32_t>(wire::Control::kError),
                          {reinterpret_cast<const uint8_t*>(reason.data()), reason.size()});
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status))
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

// Reaps workers that have ended; one that did not end cleanly has its guest told why.
void reap_workers(std::list<WorkerProcess>& workers) {
  for (auto it = workers.begin(); it != workers.end();) {
    int status = 0;
    if (waitpid(it->pid, &status, WNOHANG) != it->pid) {
      ++it;
      continue;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      const std::string reason =
          "the host's worker process for this session died (" + describe_exit(status) + ")";
      log("session " + std::to_string(it->id) + " ended: " + reason);
      send_error(it->guest.get(), reason);
    }
    shutdown(it->guest.get(), SHUT_RDWR);
    it = workers.erase(it);
  }
}

}  // namespace

int serve_one_session(int fd) {
  keep_freed_memory_for_renderers();
  transport::UniqueFd guest(fd);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  EglBackend backend;
  std::string error;
  if (!backend.open(&error)) {
    log(error);
    send_error(fd, "the host renderer could not start: " + error);
    return 1;
  }
  Session session(static_cast<uint64_t>(getpid()), transport::socket_host_channel(std::move(guest)),
                  backend);
  session.run();
  return 0;
}

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
  const bool vm_workers = options.worker_processes && !options.vms.empty();
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
      vm.bell_fd = vm.doorbell->doorbell_fd();
    } else if (vm_options.doorbell_fd >= 0) {
      vm.bell_fd = vm_options.doorbell_fd;  // a VM worker: its server's ivshmem server rings it
    }
    if (vm.bell_fd >= 0) vm.region->set_host_peer_id(transport::ivshmem::kHostPeerId);
    if (vm_workers) {
      vm.worker = start_vm_worker(options.worker_program, vm_options, vm.bell_fd);
      vm.worker_started = std::chrono::steady_clock::now();
    }
    log("serving " + backend.caps().get("gl_renderer") + " to the VM of " + vm_options.path +
        (vm.doorbell ? " (ivshmem server on " + vm_options.server_path + ")" : "") +
        (vm_workers ? " in a worker process" : ""));
  }
  if (options.ready_fd >= 0) {
    const char ready = 1;
    (void)!write(options.ready_fd, &ready, 1);
    close(options.ready_fd);
  }
  std::list<RunningSession> sessions;
  std::list<WorkerProcess> workers;
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
      if (vm.doorbell) {
        watch(vm.doorbell->listen_fd(), &vm);
        for (int fd : vm.doorbell->client_fds()) watch(fd, &vm);
      }
      if (vm_workers) continue;  // the VM's worker serves its slots and reads its bell
      if (vm.bell_fd >= 0)
        watch(vm.bell_fd, &vm);
      else
        polled_vm = true;
    }
    const int timeout_ms = polled_vm ? 5 : vms.empty() ? 100 : 20;
    if (poll(fds.data(), fds.size(), timeout_ms) > 0) {
      for (size_t i = 0; i < fds.size(); ++i) {
        const pollfd& p = fds[i];
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        VmRegion* vm = fd_vm[i];
        if (!vm) {
          transport::UniqueFd guest(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
          if (guest && options.worker_processes) {
            const pid_t pid = start_session_worker(options.worker_program, guest.get());
            if (pid > 0) workers.push_back({next_id++, pid, std::move(guest)});
          } else if (guest) {
            start_session(transport::socket_host_channel(std::move(guest)), nullptr, 0);
          }
        } else if (p.fd == vm->bell_fd) {
          if (const uint64_t rings = take_rings(vm->bell_fd)) {
            vm->rings += rings;
            vm->region->wake_all();
          }
        } else if (p.fd == vm->doorbell->listen_fd()) {
          vm->doorbell->accept_vm();
        } else {
          vm->doorbell->drop_vm(p.fd);
        }
      }
    }
    for (size_t i = 0; i < vms.size(); ++i) {
      VmRegion& vm = vms[i];
      if (!vm_workers) {
        for (auto& [slot, channel] : vm.region->scan())
          start_session(std::move(channel), &vm, slot);
        continue;
      }
      // A VM's worker that died (a crash in the host GL driver) is started again, at most one
      // a second: that VM's sessions are lost (its guests see the new epoch), no other guest
      // is touched, and the loop goes on serving the others meanwhile.
      int status = 0;
      if (vm.worker > 0 && waitpid(vm.worker, &status, WNOHANG) == vm.worker) {
        log("the worker process of the VM of " + options.vms[i].path + " died (" +
            describe_exit(status) + "); starting another");
        vm.worker = -1;
      }
      const auto now = std::chrono::steady_clock::now();
      if (vm.worker < 0 && now - vm.worker_started >= std::chrono::seconds(1)) {
        vm.worker = start_vm_worker(options.worker_program, options.vms[i], vm.bell_fd);
        vm.worker_started = now;
      }
    }
    reap_workers(workers);
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
  for (WorkerProcess& w : workers) kill(w.pid, SIGTERM);
  for (WorkerProcess& w : workers) waitpid(w.pid, nullptr, 0);
  for (VmRegion& vm : vms) {
    if (vm.worker > 0) kill(vm.worker, SIGTERM);
    if (vm.worker > 0) waitpid(vm.worker, nullptr, 0);
  }
  for (size_t i = 0; i < vms.size(); ++i) {
    if (vms[i].bell_fd >= 0 && !vm_workers)
      log("the VM of " + options.vms[i].path + " rang the doorbell " +
          std::to_string(vms[i].rings) + " times");
  }
  for (RunningSession& s : sessions) s.thread.join();
  sessions.clear();
  if (listener) unlink(options.socket_path.c_str());
  return 0;
}

}  // namespace gfxrelay::host
