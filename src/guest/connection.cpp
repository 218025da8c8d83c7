#include "guest/connection.h"

#include <cstdio>
#include <cstdlib>

#include "transport/ivshmem.h"
#include "wire/message.h"

namespace gfxrelay::guest {

void log_error(const std::string& message) {
  std::fprintf(stderr, "gfxrelay: %s\n", message.c_str());
}

Connection* Connection::get() {
  static Connection* connection = [] {
    auto* c = new Connection;  // lives for the whole process: contexts may outlive main()
    std::string error;
    if (!c->open(&error)) {
      log_error(error);
      delete c;
      return static_cast<Connection*>(nullptr);
    }
    // A VM's session slot is given back when the process ends (a socket closes by itself).
    std::atexit([] { connection->close_at_exit(); });
    return c;
  }();
  return connection;
}

bool Connection::open(std::string* error) {
  const char* socket = std::getenv("GFXRELAY_SOCKET");
  const std::string path = socket ? socket : "";
  const std::string device = path.empty() ? transport::ivshmem::find_device() : std::string();
  if (path.empty() && device.empty()) {
    *error =
        "no host renderer: GFXRELAY_SOCKET is not set and there is no gfxrelay ivshmem device "
        "(start programs with `gfxrelay run -- PROGRAM`)";
    return false;
  }
  channel_ = transport::open_guest_channel(path, device, error);
  if (!channel_) return false;
  std::vector<uint8_t> caps;
  if (!transport::guest_handshake(*channel_, &caps, error)) return false;
  if (!wire::Caps::decode(caps, &caps_)) {
    *error = channel_->where() + " sent no valid capabilities";
    return false;
  }
  return true;
}

void Connection::close_at_exit() {
  dead_ = true;
  channel_->leave();
}

bool Connection::request(wire::Control op, std::span<const uint8_t> payload,
                         std::vector<uint8_t>* reply, transport::ShmRegion* region) {
  std::lock_guard lock(mutex_);
  if (dead_) return false;
  uint32_t reply_op = 0;
  std::string error;
  transport::ShmRegion received;
  // A send to a host that has gone fails; what it said before going is still to be read.
  const bool sent = channel_->send(static_cast<uint32_t>(op), payload);
  if (!channel_->receive(&reply_op, reply, &received, &error) ||
      (!sent && reply_op != static_cast<uint32_t>(wire::Control::kError))) {
    dead_ = true;
    log_error("lost the connection to the host renderer" + (error.empty() ? "" : ": " + error));
    return false;
  }
  if (reply_op == static_cast<uint32_t>(wire::Control::kError)) {
    dead_ = true;
    log_error("the host ended the session: " +
              std::string(reinterpret_cast<const char*>(reply->data()), reply->size()));
    return false;
  }
  if (region) *region = std::move(received);
  return true;
}

bool Connection::host_alive() {
  // Without the lock: a context's thread asks while another thread waits for a reply.
  if (!dead_ && !channel_->host_alive()) dead_ = true;
  return !dead_;
}

}  // namespace gfxrelay::guest
