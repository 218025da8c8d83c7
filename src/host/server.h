// `gfxrelay serve`: accepts guests on a unix socket and/or in the slots of a VM's ivshmem region,
// one Session (thread) each.
#pragma once

#include <atomic>
#include <string>

namespace gfxrelay::host {

struct ServerOptions {
  std::string socket_path;   // same-host guests (may be empty when ivshmem_path is set)
  std::string ivshmem_path;  // a VM's region file (transport/ivshmem.h)
  uint64_t ivshmem_bytes = 512ull << 20;
  std::string ivshmem_server_path;  // act as the VM's ivshmem server here (doorbell)
  int ready_fd = -1;                // written to (one byte) and closed once guests can connect
};

// Runs until `stop` becomes true; returns the process exit code.
int serve(const ServerOptions& options, const std::atomic<bool>& stop);

}  // namespace gfxrelay::host
