// An ivshmem server (QEMU's docs/specs/ivshmem-spec, "The ivshmem Client-Server Protocol") for
// one region: QEMU's ivshmem-doorbell devices connect to its unix socket and receive the
// region's file, their peer id and the host's eventfd. The host is itself peer 0 (with one
// vector), so a guest's write of (0 << 16 | 0) to its doorbell register makes the host's
// eventfd readable. VMs get ids from 1; the host never interrupts them (guests poll).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transport/socket.h"

namespace gfxrelay::transport::ivshmem {

inline constexpr uint32_t kHostPeerId = 0;

class DoorbellServer {
 public:
  static std::unique_ptr<DoorbellServer> listen(const std::string& socket_path, int region_fd,
                                                std::string* error);
  ~DoorbellServer();

  // For the server's poll(): the listening socket, the VMs' connections. The host's eventfd
  // (doorbell_fd) is read by whichever process serves the region's slots.
  int listen_fd() const { return listener_.get(); }
  int doorbell_fd() const { return doorbell_.get(); }
  std::vector<int> client_fds() const;

  // The listening socket is readable: accepts a VM and sends it the setup messages.
  void accept_vm();
  // A VM's connection is readable or hung up: QEMU sends nothing, so it is gone.
  void drop_vm(int fd);

 private:
  struct Vm {
    uint32_t id;
    UniqueFd connection;
    UniqueFd eventfd;  // the VM's own vector 0 (QEMU wants it; nothing rings it)
  };
  std::string path_;
  int region_fd_ = -1;
  UniqueFd listener_;
  UniqueFd doorbell_;
  std::vector<Vm> vms_;
  uint32_t next_id_ = 1;
};

}  // namespace gfxrelay::transport::ivshmem
