#include "transport/channel.h"

#include <poll.h>
#include <sys/socket.h>

#include "transport/ivshmem.h"
#include "wire/handshake.h"
#include "wire/message.h"

namespace gfxrelay::transport {
namespace {

class SocketHostChannel final : public HostChannel {
 public:
  explicit SocketHostChannel(UniqueFd socket) : socket_(std::move(socket)) {}

  bool receive(uint32_t* opcode, std::vector<uint8_t>* payload, std::string* error) override {
    UniqueFd unexpected_fd;  // guests pass none; closed on return
    if (receive_message(socket_.get(), opcode, payload, &unexpected_fd, error)) return true;
    if (*error == "connection closed") error->clear();  // the guest left, or interrupt()
    return false;
  }

  bool send(uint32_t opcode, std::span<const uint8_t> payload, const ShmRegion* region) override {
    return send_message(socket_.get(), opcode, payload, region ? region->fd() : -1);
  }

  ShmRegion create_region(std::string* error) override { return ShmRegion::create({}, error); }

  void interrupt() override { shutdown(socket_.get(), SHUT_RD); }

 private:
  UniqueFd socket_;
};

class SocketGuestChannel final : public GuestChannel {
 public:
  SocketGuestChannel(UniqueFd socket, std::string path)
      : socket_(std::move(socket)), path_(std::move(path)) {}

  bool send(uint32_t opcode, std::span<const uint8_t> payload) override {
    return send_message(socket_.get(), opcode, payload);
  }

  bool receive(uint32_t* opcode, std::vector<uint8_t>* payload, ShmRegion* region,
               std::string* error) override {
    UniqueFd fd;
    if (!receive_message(socket_.get(), opcode, payload, &fd, error)) return false;
    if (fd) {
      *region = ShmRegion::attach(fd.release(), error);
      if (!*region) return false;
    }
    return true;
  }

  bool host_alive() override {
    pollfd p{socket_.get(), POLLRDHUP, 0};
    return !(poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR)));
  }

  std::string where() const override { return "the host at " + path_; }

 private:
  UniqueFd socket_;
  std::string path_;
};

}  // namespace

std::unique_ptr<HostChannel> socket_host_channel(UniqueFd socket) {
  return std::make_unique<SocketHostChannel>(std::move(socket));
}

std::unique_ptr<GuestChannel> socket_guest_channel(UniqueFd socket, std::string path) {
  return std::make_unique<SocketGuestChannel>(std::move(socket), std::move(path));
}

std::unique_ptr<GuestChannel> open_guest_channel(const std::string& socket_path,
                                                 const std::string& ivshmem, std::string* error) {
  if (!socket_path.empty()) {
    UniqueFd socket = connect_unix(socket_path, error);
    if (!socket) return nullptr;
    return socket_guest_channel(std::move(socket), socket_path);
  }
  auto device = ivshmem::GuestDevice::open(ivshmem, error);
  return device ? device->connect(error) : nullptr;
}

bool guest_handshake(GuestChannel& channel, std::vector<uint8_t>* caps, std::string* error) {
  wire::MessageWriter hello;
  hello.put<uint32_t>(wire::kHelloMagic);
  hello.put<uint32_t>(wire::kProtocolVersion);
  hello.put<uint32_t>(static_cast<uint32_t>(wire::Api::kEglGles));
  uint32_t op = 0;
  ShmRegion none;
  if (!channel.send(static_cast<uint32_t>(wire::Control::kHello), hello.bytes()) ||
      !channel.receive(&op, caps, &none, error)) {
    *error = "handshake with " + channel.where() + " failed: " + *error;
    return false;
  }
  if (op == static_cast<uint32_t>(wire::Control::kError)) {
    *error = "the host refused the session: " +
             std::string(reinterpret_cast<const char*>(caps->data()), caps->size());
    return false;
  }
  if (op != static_cast<uint32_t>(wire::Control::kCaps)) {
    *error = channel.where() + " sent no capabilities";
    return false;
  }
  return true;
}

}  // namespace gfxrelay::transport
