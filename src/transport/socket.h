// The session socket: a unix stream socket carrying control messages (wire/handshake.h), each a
// CommandHeader and a payload, optionally with one file descriptor (SCM_RIGHTS).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gfxrelay::transport {

// The largest control message either side accepts.
inline constexpr size_t kMaxControlMessage = 1u << 20;

// RAII file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Sends all of `bytes` (and fd_to_pass >= 0 with the first of them). False on a broken
// connection.
bool send_bytes(int socket, std::span<const uint8_t> bytes, int fd_to_pass = -1);
// Sends one message (and fd_to_pass when >= 0). False on a broken connection.
bool send_message(int socket, uint32_t opcode, std::span<const uint8_t> payload,
                  int fd_to_pass = -1);
// Receives one message. False on EOF, a broken connection, or a malformed frame (*error says
// which). A passed descriptor, if any, lands in *fd.
bool receive_message(int socket, uint32_t* opcode, std::vector<uint8_t>* payload, UniqueFd* fd,
                     std::string* error);

UniqueFd listen_unix(const std::string& path, std::string* error);
UniqueFd connect_unix(const std::string& path, std::string* error);

}  // namespace gfxrelay::transport
