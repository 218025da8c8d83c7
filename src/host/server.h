// `gfxrelay serve`: accepts guests on a unix socket and/or in the slots of a VM's ivshmem region,
// one Session (thread) each.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace gfxrelay::host {

// One VM's region (transport/ivshmem.h).
struct VmRegionOptions {
  std::string path;               // the region's file, shared with the VM's ivshmem device
  uint64_t bytes = 512ull << 20;  // its size (a power of two)
  std::string server_path;        // act as the VM's ivshmem server here (doorbell), or empty
  int doorbell_fd = -1;           // a VM worker process: the eventfd its server's guests ring
};

struct ServerOptions {
  std::string socket_path;  // same-host guests (may be empty when serving VMs)
  std::vector<VmRegionOptions> vms;
  // Each socket session in its own worker process (`gfxrelay serve --session-fd`, started from
  // `worker_program`), and each VM's sessions in one worker process for that VM (`gfxrelay serve
  // --ivshmem FILE --doorbell-fd N`): a crash in the host GL driver ends only that session, or
  // that VM's sessions. Else threads of this process.
  bool worker_processes = false;
  std::string worker_program;
  int ready_fd = -1;  // written to (one byte) and closed once guests can connect
};

// Runs until `stop` becomes true; returns the process exit code.
int serve(const ServerOptions& options, const std::atomic<bool>& stop);

// A worker process's whole life: one session on the connected socket `fd`; the exit code.
int serve_one_session(int fd);

}  // namespace gfxrelay::host
