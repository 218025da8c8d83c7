// A malformed stream ends only its own session: a second guest on the same server keeps
// rendering correct pixels. The guests here speak the wire protocol directly (docs/protocol.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <GLES3/gl3.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "host/server.h"
#include "opcodes_gen.h"
#include "transport/shm_ring.h"
#include "transport/socket.h"
#include "wire/caps.h"
#include "wire/handshake.h"
#include "wire/message.h"

namespace gfxrelay {
namespace {

using wire::Op;

class Server {
 public:
  Server() {
    char tmpl[] = "/tmp/gfxrelay-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/socket";
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    host::ServerOptions options{path_, fds[1]};
    thread_ = std::thread([this, options] { host::serve(options, stop_); });
    char byte;
    EXPECT_EQ(read(fds[0], &byte, 1), 1);
    close(fds[0]);
  }
  ~Server() {
    stop_ = true;
    thread_.join();
    std::filesystem::remove_all(dir_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A guest with one pbuffer surface and one context, writing raw commands.
class RawGuest {
 public:
  explicit RawGuest(const std::string& socket_path) {
    std::string error;
    socket_ = transport::connect_unix(socket_path, &error);
    EXPECT_TRUE(socket_) << error;
    wire::MessageWriter hello;
    hello.put<uint32_t>(wire::kHelloMagic);
    hello.put<uint32_t>(wire::kProtocolVersion);
    hello.put<uint32_t>(static_cast<uint32_t>(wire::Api::kEglGles));
    std::vector<uint8_t> reply = request(wire::Control::kHello, hello);
    EXPECT_TRUE(wire::Caps::decode(reply, &caps_));

    // The first config with 8-bit RGBA.
    size_t config = 0;
    for (; config < caps_.configs.size(); ++config) {
      int32_t r = 0, a = 0;
      caps_.config_value(config, 0x3024 /* EGL_RED_SIZE */, &r);
      caps_.config_value(config, 0x3021 /* EGL_ALPHA_SIZE */, &a);
      if (r == 8 && a == 8) break;
    }
    wire::MessageWriter surface;
    surface.put<uint32_t>(1);
    surface.put<uint32_t>(static_cast<uint32_t>(config));
    surface.put<uint32_t>(2);
    for (int32_t v : {0x3057 /* EGL_WIDTH */, 16, 0x3056 /* EGL_HEIGHT */, 16}) surface.put(v);
    reply = request(wire::Control::kCreateSurface, surface);
    EXPECT_EQ(wire::load<uint32_t>(reply.data()), 0x3000u /* EGL_SUCCESS */);

    wire::MessageWriter context;
    context.put<uint32_t>(2);
    context.put<uint32_t>(static_cast<uint32_t>(config));
    context.put<uint32_t>(0);
    context.put<uint32_t>(1);
    for (int32_t v : {0x3098 /* EGL_CONTEXT_MAJOR_VERSION */, 3}) context.put(v);
    transport::UniqueFd fd;
    reply = request(wire::Control::kCreateContext, context, &fd);
    EXPECT_EQ(wire::load<uint32_t>(reply.data()), 0x3000u);
    region_ = transport::ShmRegion::attach(fd.release(), &error);
    EXPECT_TRUE(region_) << error;
    ring_ = transport::RingProducer(region_);
  }

  std::vector<uint8_t> request(wire::Control op, const wire::MessageWriter& w,
                               transport::UniqueFd* fd = nullptr) {
    EXPECT_TRUE(transport::send_message(socket_.get(), static_cast<uint32_t>(op), w.bytes()));
    uint32_t reply_op = 0;
    std::vector<uint8_t> reply;
    transport::UniqueFd received;
    std::string error;
    EXPECT_TRUE(transport::receive_message(socket_.get(), &reply_op, &reply, &received, &error));
    if (fd) *fd = std::move(received);
    return reply;
  }

  void command(Op op, std::initializer_list<uint32_t> words) {
    const size_t size = wire::align_up(8 + 4 * words.size());
    uint8_t* p = ring_.reserve(size);
    ASSERT_NE(p, nullptr);
    std::memset(p, 0, size);
    wire::store<uint32_t>(p, static_cast<uint32_t>(op));
    wire::store<uint32_t>(p + 4, static_cast<uint32_t>(size));
    size_t at = 8;
    for (uint32_t w : words) {
      wire::store<uint32_t>(p + at, w);
      at += 4;
    }
    ring_.commit(size);
  }
  void raw(std::span<const uint8_t> bytes) {
    uint8_t* p = ring_.reserve(bytes.size());
    ASSERT_NE(p, nullptr);
    std::memcpy(p, bytes.data(), bytes.size());
    ring_.commit(bytes.size());
    ring_.publish();
  }

  // Publishes and waits for reply number `++syncs_`; false if the host closed the stream.
  bool wait_reply() {
    ring_.publish();
    const uint32_t expected = ++syncs_;
    auto* control = region_.control();
    for (int i = 0; i < 5000; ++i) {
      if (control->reply_seq.load() == expected) return true;
      if (control->closed.load()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  bool make_current() {
    command(Op::gfxrelay_MakeCurrent, {1, 1, 0, 0});
    return wait_reply() && wire::load<uint32_t>(region_.reply().data()) == 0x3000u;
  }

  // Clears to a colour and reads the 16x16 surface back through the transfer area.
  bool clear_and_read(float r, float g, float b, std::vector<uint8_t>* pixels) {
    command(Op::glClearColor, {std::bit_cast<uint32_t>(r), std::bit_cast<uint32_t>(g),
                               std::bit_cast<uint32_t>(b), std::bit_cast<uint32_t>(1.0f)});
    command(Op::glClear, {GL_COLOR_BUFFER_BIT});
    const uint32_t bytes = 16 * 16 * 4;
    // x, y, w, h, format, type, bufSize, pad, then a transfer blob at position 0.
    const size_t size = 40 + 16;
    uint8_t* p = ring_.reserve(size);
    if (!p) return false;
    const uint32_t words[] = {static_cast<uint32_t>(Op::glReadPixels), size, 0, 0, 16, 16,
                              GL_RGBA, GL_UNSIGNED_BYTE, 0xFFFFFFFFu, 0, bytes,
                              static_cast<uint32_t>(wire::BlobMode::kTransfer)};
    std::memcpy(p, words, sizeof words);
    wire::store<uint64_t>(p + 48, transfer_position_);
    ring_.commit(size);
    if (!wait_reply() || wire::load<uint32_t>(region_.reply().data()) != 1) return false;
    const uint8_t* at = region_.transfer().data() + transfer_position_ % region_.transfer().size();
    pixels->assign(at, at + bytes);
    transfer_position_ += 4096;
    return true;
  }

  bool closed() const { return region_.control()->closed.load() != 0; }
  std::string close_reason() const { return region_.control()->close_reason; }

 private:
  transport::UniqueFd socket_;
  wire::Caps caps_;
  transport::ShmRegion region_;
  transport::RingProducer ring_;
  uint32_t syncs_ = 0;
  uint64_t transfer_position_ = 0;
};

bool all_pixels(const std::vector<uint8_t>& p, uint8_t r, uint8_t g, uint8_t b) {
  for (size_t i = 0; i < p.size(); i += 4)
    if (p[i] != r || p[i + 1] != g || p[i + 2] != b || p[i + 3] != 255) return false;
  return !p.empty();
}

struct BadStream {
  const char* name;
  std::vector<uint8_t> bytes;
};

std::vector<uint8_t> words(std::initializer_list<uint32_t> w) {
  std::vector<uint8_t> out(w.size() * 4);
  std::memcpy(out.data(), std::data(w), out.size());
  return out;
}

class SessionIsolation : public ::testing::TestWithParam<BadStream> {};

TEST_P(SessionIsolation, BadStreamEndsOnlyItsOwnSession) {
  Server server;
  RawGuest good(server.path());
  RawGuest bad(server.path());
  ASSERT_TRUE(good.make_current());
  ASSERT_TRUE(bad.make_current());
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(good.clear_and_read(1, 0, 0, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 255, 0, 0));

  bad.raw(GetParam().bytes);
  for (int i = 0; i < 2000 && !bad.closed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(bad.closed()) << GetParam().name;
  EXPECT_FALSE(bad.close_reason().empty());
  std::printf("  %s -> \"%s\"\n", GetParam().name, bad.close_reason().c_str());

  // The other guest goes on, with correct pixels.
  ASSERT_TRUE(good.clear_and_read(0, 0, 1, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 0, 0, 255));
  EXPECT_FALSE(good.closed());
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, SessionIsolation,
    ::testing::Values(
        BadStream{"unknown opcode", words({0x7FFFFFFF, 8})},
        BadStream{"size smaller than a header", words({static_cast<uint32_t>(Op::glFlush), 4, 0, 0})},
        BadStream{"size past the batch", words({static_cast<uint32_t>(Op::glClear), 0x100000, 0, 0})},
        BadStream{"fixed command with wrong size",
                  words({static_cast<uint32_t>(Op::glClear), 24, GL_COLOR_BUFFER_BIT, 0, 0, 0})},
        BadStream{"blob length that does not match its count",
                  words({static_cast<uint32_t>(Op::glUniform4fv), 40, 0, 1, 4, 0, 1, 2, 3, 4})},
        BadStream{"transfer reference outside the area",
                  words({static_cast<uint32_t>(Op::glBufferData), 48, GL_ARRAY_BUFFER, 0,
                         0x10000, 0, GL_STATIC_DRAW, 0, 0x10000,
                         static_cast<uint32_t>(wire::BlobMode::kTransfer), 0xFFFFFFF0u, 0})},
        BadStream{"guest name reused by glGen",
                  words({static_cast<uint32_t>(Op::glGenTextures), 32, 1, 0, 4, 0, 9, 0,
                         static_cast<uint32_t>(Op::glGenTextures), 32, 1, 0, 4, 0, 9, 0})}),
    [](const ::testing::TestParamInfo<BadStream>& info) {
      std::string n = info.param.name;
      for (char& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

}  // namespace
}  // namespace gfxrelay
