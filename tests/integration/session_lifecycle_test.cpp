// Sessions that come and go leave nothing behind in the server: 1,000 guests, each making a
// surface, a context and a texture with pixels, rendering, and leaving without destroying
// anything (as a killed program does). The server's descriptors and resident memory are
// measured before and after (printed) and must not grow with the number of sessions.
#include <GLES3/gl3.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/raw_guest.h"

namespace gfxrelay {
namespace {

using testing::RawGuest;
using testing::Server;
using wire::Op;

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// One short-lived guest with live objects.
void one_session(std::unique_ptr<transport::GuestChannel> channel) {
  RawGuest guest(std::move(channel), 64, 64);
  ASSERT_TRUE(guest.make_current());
  guest.command(Op::glBindTexture, {GL_TEXTURE_2D, 5});
  guest.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 256, 256});
  uint8_t* pixels = guest.command_with_transfer(
      Op::glTexSubImage2D, {GL_TEXTURE_2D, 0, 0, 0, 256, 256, GL_RGBA, GL_UNSIGNED_BYTE},
      256 * 256 * 4);
  ASSERT_NE(pixels, nullptr);
  std::memset(pixels, 0x5A, 256 * 256 * 4);
  std::vector<uint8_t> read;
  ASSERT_TRUE(guest.clear_and_read(0, 1, 0, &read));
}

// Runs `cycles` sessions after a warm-up (the first ones load driver state that stays), then
// waits for the server to have reaped them all; returns {fd growth, RSS growth in KiB}.
template <typename NewChannel>
std::pair<long, long> growth(int cycles, NewChannel new_channel, const char* what) {
  for (int i = 0; i < 20; ++i) one_session(new_channel());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const size_t fds_before = open_fds();
  const long rss_before = resident_kib();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < cycles; ++i) one_session(new_channel());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t fds_after = open_fds();
  for (int i = 0; i < 100 && fds_after > fds_before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fds_after = open_fds();
  }
  const long rss_after = resident_kib();
  std::printf(
      "  %d %s sessions in %.1f s: descriptors %zu -> %zu, resident memory %ld -> %ld KiB\n",
      cycles, what, seconds, fds_before, fds_after, rss_before, rss_after);
  return {static_cast<long>(fds_after) - static_cast<long>(fds_before), rss_after - rss_before};
}

TEST(SessionLifecycle, ThousandSocketSessionsLeaveNothingBehind) {
  Server server;
  const auto [fds, rss] = growth(
      1000, [&] { return testing::socket_channel(server.path()); }, "socket");
  EXPECT_LE(fds, 0);
  // Each session's texture alone is 256 KiB: 1,000 leaked would be 250 MiB.
  EXPECT_LT(rss, 32 * 1024);
}

TEST(SessionLifecycle, ThousandVmSessionsLeaveNothingBehind) {
  Server server(256ull << 20);
  const auto [fds, rss] = growth(
      1000, [&] { return testing::ivshmem_channel(server.ivshmem_path()); }, "ivshmem");
  EXPECT_LE(fds, 0);
  EXPECT_LT(rss, 32 * 1024);
}

}  // namespace
}  // namespace gfxrelay
