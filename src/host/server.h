// `gfxrelay serve`: accepts guests on a unix socket, one Session (thread) each.
#pragma once

#include <atomic>
#include <string>

namespace gfxrelay::host {

struct ServerOptions {
  std::string socket_path;
  int ready_fd = -1;  // written to (one byte) and closed once the socket accepts guests
};

// Runs until `stop` becomes true; returns the process exit code.
int serve(const ServerOptions& options, const std::atomic<bool>& stop);

}  // namespace gfxrelay::host
