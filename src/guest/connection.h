// The guest's connection to the host renderer: one per process, over the session socket named
// by GFXRELAY_SOCKET, else through a VM's ivshmem device (GFXRELAY_IVSHMEM, or found on the PCI
// bus). Carries the handshake and the EGL-level control messages; GL calls go through each
// context's own shared-memory stream instead.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "transport/channel.h"
#include "wire/caps.h"
#include "wire/handshake.h"

namespace gfxrelay::guest {

class Connection {
 public:
  // The process's connection, made on first use; nullptr (after printing why, once) when no
  // host can be reached.
  static Connection* get();

  const wire::Caps& caps() const { return caps_; }

  // Sends a control message and waits for its reply (and the context stream handed over with
  // it, if any). Serialised: EGL calls may come from any thread. False if the host is gone.
  bool request(wire::Control op, std::span<const uint8_t> payload, std::vector<uint8_t>* reply,
               transport::ShmRegion* region = nullptr);

  // False once the host has ended the session or is gone.
  bool host_alive();
  // At process exit: gives the session back (a VM's slot).
  void close_at_exit();

  // A new id for a context, surface or image of this session (EGL and GLX share the space).
  static uint32_t new_object_id() {
    static std::atomic<uint32_t> next{1};
    return next++;
  }

 private:
  bool open(std::string* error);

  std::mutex mutex_;
  std::unique_ptr<transport::GuestChannel> channel_;
  wire::Caps caps_;
  std::atomic<bool> dead_{false};
};

// Prints a message from the guest driver to stderr, prefixed "gfxrelay: ".
void log_error(const std::string& message);

}  // namespace gfxrelay::guest
