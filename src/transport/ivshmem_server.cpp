#include "transport/ivshmem_server.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wire/wire.h"

namespace gfxrelay::transport::ivshmem {
namespace {

// Every message of the protocol: one little-endian int64, maybe with one descriptor.
bool send_number(int socket, int64_t value, int fd = -1) {
  uint8_t bytes[8];
  wire::store<int64_t>(bytes, value);
  return send_bytes(socket, bytes, fd);
}

}  // namespace

std::unique_ptr<DoorbellServer> DoorbellServer::listen(const std::string& socket_path,
                                                       int region_fd, std::string* error) {
  auto server = std::unique_ptr<DoorbellServer>(new DoorbellServer);
  server->path_ = socket_path;
  server->region_fd_ = region_fd;
  server->listener_ = listen_unix(socket_path, error);
  if (!server->listener_) return nullptr;
  server->doorbell_ = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!server->doorbell_) {
    *error = std::string("eventfd: ") + strerror(errno);
    return nullptr;
  }
  return server;
}

DoorbellServer::~DoorbellServer() {
  if (listener_) unlink(path_.c_str());
}

std::vector<int> DoorbellServer::client_fds() const {
  std::vector<int> fds;
  for (const Vm& vm : vms_) fds.push_back(vm.connection.get());
  return fds;
}

void DoorbellServer::accept_vm() {
  UniqueFd connection(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!connection) return;
  Vm vm{next_id_, std::move(connection), UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))};
  if (!vm.eventfd || next_id_ > 0xFFFF) return;  // ids are 16 bits (the doorbell register)
  const int s = vm.connection.get();
  // Version 0, its id, the memory, the host as a connected peer with one vector, then the
  // VM's own vector.
  const bool sent = send_number(s, 0) && send_number(s, vm.id) && send_number(s, -1, region_fd_) &&
                    send_number(s, kHostPeerId, doorbell_.get()) &&
                    send_number(s, vm.id, vm.eventfd.get());
  if (!sent) return;
  ++next_id_;
  vms_.push_back(std::move(vm));
}

void DoorbellServer::drop_vm(int fd) {
  char byte;
  if (recv(fd, &byte, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN) return;  // still there
  vms_.erase(std::remove_if(vms_.begin(), vms_.end(),
                            [fd](const Vm& vm) { return vm.connection.get() == fd; }),
             vms_.end());
}

}  // namespace gfxrelay::transport::ivshmem
