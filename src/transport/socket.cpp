#include "transport/socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wire/command.h"

namespace gfxrelay::transport {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

namespace {

bool read_all(int socket, uint8_t* data, size_t size, UniqueFd* fd) {
  while (size > 0) {
    iovec iov{data, size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int received;
        std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        // Keep the first; close any extra a misbehaving peer sent.
        if (fd && !*fd) {
          *fd = UniqueFd(received);
        } else {
          close(received);
        }
      }
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool send_bytes(int socket, std::span<const uint8_t> bytes, int fd_to_pass) {
  const uint8_t* data = bytes.data();
  size_t size = bytes.size();
  while (size > 0) {
    iovec iov{const_cast<uint8_t*>(data), size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};  // the header's padding too
    if (fd_to_pass >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
    }
    const ssize_t n = sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    fd_to_pass = -1;  // sent with the first bytes
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool send_message(int socket, uint32_t opcode, std::span<const uint8_t> payload, int fd_to_pass) {
  std::vector<uint8_t> frame(sizeof(wire::CommandHeader) + payload.size());
  const wire::CommandHeader header{opcode, static_cast<uint32_t>(frame.size())};
  std::memcpy(frame.data(), &header, sizeof header);
  if (!payload.empty()) std::memcpy(frame.data() + sizeof header, payload.data(), payload.size());
  return send_bytes(socket, frame, fd_to_pass);
}

bool receive_message(int socket, uint32_t* opcode, std::vector<uint8_t>* payload, UniqueFd* fd,
                     std::string* error) {
  wire::CommandHeader header;
  if (!read_all(socket, reinterpret_cast<uint8_t*>(&header), sizeof header, fd)) {
    *error = "connection closed";
    return false;
  }
  if (header.size < sizeof header || header.size > kMaxControlMessage) {
    *error = "control message of impossible size " + std::to_string(header.size);
    return false;
  }
  *opcode = header.opcode;
  payload->resize(header.size - sizeof header);
  if (!read_all(socket, payload->data(), payload->size(), fd)) {
    *error = "connection closed inside a message";
    return false;
  }
  return true;
}

UniqueFd listen_unix(const std::string& path, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    *error = "socket path too long: " + path;
    return {};
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  unlink(path.c_str());
  if (!fd || bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd.get(), 64) != 0) {
    *error = "cannot listen on " + path + ": " + std::strerror(errno);
    return {};
  }
  return fd;
}

UniqueFd connect_unix(const std::string& path, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    *error = "socket path too long: " + path;
    return {};
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot connect to " + path + ": " + std::strerror(errno);
    return {};
  }
  return fd;
}

}  // namespace gfxrelay::transport
