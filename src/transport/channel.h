// A session's control messages (wire/handshake.h) between one guest process and the host, and
// how a new context's stream region reaches the guest. Same host: a unix socket, the region a
// memfd passed along with the reply (socket.h). Virtual machines: a mailbox in the ivshmem
// region, the region a block of it named by its offset (ivshmem.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "transport/shm_ring.h"
#include "transport/socket.h"

namespace gfxrelay::transport {

// The host's end of one session.
class HostChannel {
 public:
  virtual ~HostChannel() = default;
  // Waits for the guest's next message. False when the session is over: the guest left or
  // interrupt() was called (*error empty), or the guest broke the framing (*error says how).
  virtual bool receive(uint32_t* opcode, std::vector<uint8_t>* payload, std::string* error) = 0;
  // Sends one message; with `region`, it hands the guest that context's stream region.
  virtual bool send(uint32_t opcode, std::span<const uint8_t> payload,
                    const ShmRegion* region = nullptr) = 0;
  // A new stream region for a context of this session.
  virtual ShmRegion create_region(std::string* error) = 0;
  // Makes receive() return false, from any thread.
  virtual void interrupt() = 0;
};

// The guest's end of its session.
class GuestChannel {
 public:
  virtual ~GuestChannel() = default;
  virtual bool send(uint32_t opcode, std::span<const uint8_t> payload) = 0;
  // Waits for the host's next message; *region is the context stream the host handed over with
  // it, if any (left empty otherwise).
  virtual bool receive(uint32_t* opcode, std::vector<uint8_t>* payload, ShmRegion* region,
                       std::string* error) = 0;
  // False once the host has ended the session or is gone.
  virtual bool host_alive() = 0;
  // Where the host is, for messages ("the host at /tmp/x/socket").
  virtual std::string where() const = 0;
  // The process is ending: gives the session back (a socket does that by closing).
  virtual void leave() {}
};

std::unique_ptr<HostChannel> socket_host_channel(UniqueFd socket);
std::unique_ptr<GuestChannel> socket_guest_channel(UniqueFd socket, std::string path);

// A new session with the host: on the socket at `socket_path`, else (when that is empty) in a
// slot of `ivshmem` (a VM's device folder, or a region file). nullptr and *error on failure.
std::unique_ptr<GuestChannel> open_guest_channel(const std::string& socket_path,
                                                 const std::string& ivshmem, std::string* error);

// Sends Hello and reads Caps (or the host's Error) on a fresh channel: the payload of Caps.
bool guest_handshake(GuestChannel& channel, std::vector<uint8_t>* caps, std::string* error);

}  // namespace gfxrelay::transport
