#include "guest/connection.h"

#include <poll.h>

#include <cstdio>
#include <cstdlib>

#include "wire/message.h"

namespace gfxrelay::guest {

void log_error(const std::string& message) {
  std::fprintf(stderr, "gfxrelay: %s\n", message.c_str());
}

Connection* Connection::get() {
  static Connection* connection = [] {
    const char* path = std::getenv("GFXRELAY_SOCKET");
    if (!path || !*path) {
      log_error("GFXRELAY_SOCKET is not set: start programs with `gfxrelay run -- PROGRAM`");
      return static_cast<Connection*>(nullptr);
    }
    auto* c = new Connection;  // lives for the whole process: contexts may outlive main()
    std::string error;
    if (!c->open(path, &error)) {
      log_error(error);
      delete c;
      return static_cast<Connection*>(nullptr);
    }
    return c;
  }();
  return connection;
}

bool Connection::open(const std::string& path, std::string* error) {
  socket_ = transport::connect_unix(path, error);
  if (!socket_) return false;
  wire::MessageWriter hello;
  hello.put<uint32_t>(wire::kHelloMagic);
  hello.put<uint32_t>(wire::kProtocolVersion);
  hello.put<uint32_t>(static_cast<uint32_t>(wire::Api::kEglGles));
  std::vector<uint8_t> reply;
  uint32_t op = 0;
  transport::UniqueFd no_fd;
  if (!transport::send_message(socket_.get(), static_cast<uint32_t>(wire::Control::kHello),
                               hello.bytes()) ||
      !transport::receive_message(socket_.get(), &op, &reply, &no_fd, error)) {
    *error = "handshake with the host at " + path + " failed: " + *error;
    return false;
  }
  if (op == static_cast<uint32_t>(wire::Control::kError)) {
    *error = "the host refused the session: " +
             std::string(reinterpret_cast<const char*>(reply.data()), reply.size());
    return false;
  }
  if (op != static_cast<uint32_t>(wire::Control::kCaps) || !wire::Caps::decode(reply, &caps_)) {
    *error = "the host at " + path + " sent no valid capabilities";
    return false;
  }
  return true;
}

bool Connection::request(wire::Control op, std::span<const uint8_t> payload,
                         std::vector<uint8_t>* reply, transport::UniqueFd* fd) {
  std::lock_guard lock(mutex_);
  if (dead_) return false;
  uint32_t reply_op = 0;
  std::string error;
  transport::UniqueFd received;
  if (!transport::send_message(socket_.get(), static_cast<uint32_t>(op), payload) ||
      !transport::receive_message(socket_.get(), &reply_op, reply, &received, &error)) {
    dead_ = true;
    log_error("lost the connection to the host renderer");
    return false;
  }
  if (reply_op == static_cast<uint32_t>(wire::Control::kError)) {
    dead_ = true;
    log_error("the host ended the session: " +
              std::string(reinterpret_cast<const char*>(reply->data()), reply->size()));
    return false;
  }
  if (fd) *fd = std::move(received);
  return true;
}

bool Connection::host_alive() {
  if (dead_) return false;
  pollfd p{socket_.get(), POLLRDHUP, 0};
  if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR))) dead_ = true;
  return !dead_;
}

}  // namespace gfxrelay::guest
