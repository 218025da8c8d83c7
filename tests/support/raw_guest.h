// A gfxrelay server in this process and a guest that speaks the wire protocol directly
// (docs/protocol.md), for tests and benchmarks below the GLVND library.
#pragma once

#include <GLES3/gl3.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "host/server.h"
#include "opcodes_gen.h"
#include "transport/channel.h"
#include "transport/ivshmem.h"
#include "transport/shm_ring.h"
#include "transport/socket.h"
#include "wire/caps.h"
#include "wire/handshake.h"
#include "wire/message.h"

namespace gfxrelay::testing {

using wire::Op;

inline void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("raw guest: " + what);
}

// Whether every RGBA pixel of a read-back is (r, g, b, 255).
inline bool all_pixels(const std::vector<uint8_t>& p, uint8_t r, uint8_t g, uint8_t b) {
  for (size_t i = 0; i < p.size(); i += 4)
    if (p[i] != r || p[i + 1] != g || p[i + 2] != b || p[i + 3] != 255) return false;
  return !p.empty();
}

// With `ivshmem_bytes`, it also serves a VM region in a file of that size (ivshmem_path()),
// which guests of this host can use as a VM's guests do (GFXRELAY_IVSHMEM names the file).
class Server {
 public:
  explicit Server(uint64_t ivshmem_bytes = 0) {
    char tmpl[] = "/tmp/gfxrelay-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/socket";
    int fds[2];
    check(pipe(fds) == 0, "");
    host::ServerOptions options;
    options.socket_path = path_;
    options.ready_fd = fds[1];
    if (ivshmem_bytes) {
      ivshmem_path_ = dir_ + "/ivshmem";
      options.vms.push_back({ivshmem_path_, ivshmem_bytes, ""});
    }
    thread_ = std::thread([this, options] { host::serve(options, stop_); });
    char byte;
    check(read(fds[0], &byte, 1) == 1, "");
    close(fds[0]);
  }
  ~Server() {
    stop_ = true;
    thread_.join();
    std::filesystem::remove_all(dir_);
  }
  const std::string& path() const { return path_; }
  const std::string& ivshmem_path() const { return ivshmem_path_; }

 private:
  std::string dir_, path_, ivshmem_path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

inline std::unique_ptr<transport::GuestChannel> socket_channel(const std::string& path) {
  std::string error;
  auto channel = transport::open_guest_channel(path, "", &error);
  check(static_cast<bool>(channel), error);
  return channel;
}

// A session in a slot of the VM region in `file`, as a guest process of the VM would have.
inline std::unique_ptr<transport::GuestChannel> ivshmem_channel(const std::string& file) {
  std::string error;
  auto channel = transport::open_guest_channel("", file, &error);
  check(static_cast<bool>(channel), error);
  return channel;
}

// A guest with one pbuffer surface (16 x 16 unless told) and one context, writing raw commands.
class RawGuest {
 public:
  explicit RawGuest(const std::string& socket_path, int32_t width = 16, int32_t height = 16)
      : RawGuest(socket_channel(socket_path), width, height) {}
  explicit RawGuest(std::unique_ptr<transport::GuestChannel> channel, int32_t width = 16,
                    int32_t height = 16)
      : channel_(std::move(channel)) {
    std::string error;
    std::vector<uint8_t> reply;
    check(transport::guest_handshake(*channel_, &reply, &error), error);
    check(static_cast<bool>(wire::Caps::decode(reply, &caps_)), "");

    // The first config with 8-bit RGBA.
    size_t config = 0;
    for (; config < caps_.configs.size(); ++config) {
      int32_t r = 0, a = 0;
      caps_.config_value(config, 0x3024 /* EGL_RED_SIZE */, &r);
      caps_.config_value(config, 0x3021 /* EGL_ALPHA_SIZE */, &a);
      if (r == 8 && a == 8) break;
    }
    config_ = config;
    wire::MessageWriter surface;
    surface.put<uint32_t>(1);
    surface.put<uint32_t>(static_cast<uint32_t>(config));
    surface.put<uint32_t>(2);
    for (int32_t v : {0x3057 /* EGL_WIDTH */, width, 0x3056 /* EGL_HEIGHT */, height})
      surface.put(v);
    reply = request(wire::Control::kCreateSurface, surface);
    check(wire::load<uint32_t>(reply.data()) == 0x3000u /* EGL_SUCCESS */, "");

    wire::MessageWriter context;
    context.put<uint32_t>(2);
    context.put<uint32_t>(static_cast<uint32_t>(config));
    context.put<uint32_t>(0);
    context.put<uint32_t>(0x30A0);  // EGL_OPENGL_ES_API
    context.put<uint32_t>(1);
    for (int32_t v : {0x3098 /* EGL_CONTEXT_MAJOR_VERSION */, 3}) context.put(v);
    reply = request(wire::Control::kCreateContext, context, &region_);
    check(wire::load<uint32_t>(reply.data()) == 0x3000u, "");
    check(static_cast<bool>(region_), "no context stream");
    ring_ = transport::RingProducer(region_);
  }

  std::vector<uint8_t> request(wire::Control op, const wire::MessageWriter& w,
                               transport::ShmRegion* region = nullptr) {
    check(channel_->send(static_cast<uint32_t>(op), w.bytes()), "send");
    uint32_t reply_op = 0;
    std::vector<uint8_t> reply;
    transport::ShmRegion received;
    std::string error;
    check(channel_->receive(&reply_op, &reply, &received, &error), error);
    if (region) *region = std::move(received);
    return reply;
  }

  // glGetError's answer (0xFFFFFFFF if the host did not reply).
  uint32_t gl_error() {
    command(wire::Op::glGetError, {});
    return wait_reply() ? reply_word(0) : 0xFFFFFFFFu;
  }

  // kCreateContext of an OpenGL ES 3 context with this id and no config, sharing with `share`
  // (0: none); the host's EGL status.
  uint32_t create_context(uint32_t id, uint32_t share = 0) {
    wire::MessageWriter w;
    w.put<uint32_t>(id);
    w.put<uint32_t>(UINT32_MAX);  // no config
    w.put<uint32_t>(share);
    w.put<uint32_t>(0x30A0);  // EGL_OPENGL_ES_API
    w.put<uint32_t>(1);
    for (int32_t v : {0x3098 /* EGL_CONTEXT_MAJOR_VERSION */, 3}) w.put(v);
    transport::ShmRegion region;
    return wire::load<uint32_t>(request(wire::Control::kCreateContext, w, &region).data());
  }
  // A control message whose payload is one u32 id (kDestroyContext, kDestroySurface, ...); the
  // host's EGL status.
  uint32_t request_id(wire::Control op, uint32_t id) {
    wire::MessageWriter w;
    w.put<uint32_t>(id);
    return wire::load<uint32_t>(request(op, w).data());
  }

  // Sends a control message with a u32 payload; whether the host answered it (false with the
  // host's reason, or the transport's error, in *error).
  bool request_ok(wire::Control op, std::string* error) {
    wire::MessageWriter w;
    w.put<uint32_t>(99);
    // A send to a host that has gone fails; what it said before going is still to be read.
    const bool sent = channel_->send(static_cast<uint32_t>(op), w.bytes());
    uint32_t reply_op = 0;
    std::vector<uint8_t> reply;
    transport::ShmRegion none;
    if (!channel_->receive(&reply_op, &reply, &none, error)) return false;
    if (reply_op != static_cast<uint32_t>(wire::Control::kError)) return sent;
    error->assign(reply.begin(), reply.end());
    return false;
  }

  void command(Op op, std::initializer_list<uint32_t> words) {
    const size_t size = wire::align_up(8 + 4 * words.size());
    uint8_t* p = ring_.reserve(size);
    if (!p) return;
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
  // Makes the commands written so far visible to the host.
  void publish() { ring_.publish(); }
  void raw(std::span<const uint8_t> bytes) {
    uint8_t* p = ring_.reserve(bytes.size());
    if (!p) return;
    std::memcpy(p, bytes.data(), bytes.size());
    ring_.commit(bytes.size());
    ring_.publish();
  }

  // Publishes and waits for reply number `++syncs_`; false if the host closed the stream. Waits
  // as the guest library does: spins, then sleeps on the futex (polls, in a VM).
  bool wait_reply() {
    ring_.publish();
    const uint32_t expected = ++syncs_;
    auto* control = region_.control();
    if (transport::spin_until([&] { return control->reply_seq.load() == expected; })) return true;
    transport::Sleeper sleeper(region_.wakeups());
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < give_up) {
      control->reply_waiting.store(1);
      const uint32_t seen = control->reply_seq.load();
      if (seen == expected) return true;
      if (control->closed.load() || !channel_->host_alive()) return false;
      sleeper.sleep(&control->reply_seq, seen, std::chrono::milliseconds(1));
    }
    return false;
  }

  // The host config of the guest's own surface and context (8-bit RGBA).
  uint32_t config() const { return static_cast<uint32_t>(config_); }
  // Talks to another context's stream from now on (one made with request()).
  void use_stream(transport::ShmRegion region) {
    region_ = std::move(region);
    ring_ = transport::RingProducer(region_);
    syncs_ = 0;
    transfer_position_ = 0;
  }

  bool make_current(uint32_t draw = 1, uint32_t read = 1) {
    command(Op::gfxrelay_MakeCurrent, {draw, read, 0, 0});
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
    const uint32_t words[] = {static_cast<uint32_t>(Op::glReadPixels),
                              size,
                              0,
                              0,
                              16,
                              16,
                              GL_RGBA,
                              GL_UNSIGNED_BYTE,
                              0xFFFFFFFFu,
                              0,
                              bytes,
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

  // A command of 32-bit words followed by one transfer blob of `length` bytes at the next
  // transfer position (returned), which the caller fills before publishing.
  uint8_t* command_with_transfer(Op op, std::initializer_list<uint32_t> words, uint32_t length) {
    const size_t size = 8 + 4 * words.size() + 16;
    uint8_t* p = ring_.reserve(wire::align_up(size));
    if (!p) return nullptr;
    wire::store<uint32_t>(p, static_cast<uint32_t>(op));
    wire::store<uint32_t>(p + 4, static_cast<uint32_t>(wire::align_up(size)));
    size_t at = 8;
    for (uint32_t w : words) {
      wire::store<uint32_t>(p + at, w);
      at += 4;
    }
    const uint32_t capacity = static_cast<uint32_t>(region_.transfer().size());
    if (transfer_position_ % capacity + length > capacity)
      transfer_position_ += capacity - transfer_position_ % capacity;
    wire::store<uint32_t>(p + at, length);
    wire::store<uint32_t>(p + at + 4, static_cast<uint32_t>(wire::BlobMode::kTransfer));
    wire::store<uint64_t>(p + at + 8, transfer_position_);
    ring_.commit(wire::align_up(size));
    uint8_t* bytes = region_.transfer().data() + transfer_position_ % capacity;
    transfer_position_ += (length + 4095) & ~4095u;
    return bytes;
  }
  // The transfer area may be reused from the start (after a reply: the host is done with it).
  void rewind_transfers() { transfer_position_ = 0; }

  bool closed() const { return region_.control()->closed.load() != 0; }
  // Word `i` of the last reply.
  uint32_t reply_word(size_t i) const {
    return wire::load<uint32_t>(region_.reply().data() + 4 * i);
  }
  size_t transfer_bytes() const { return region_.transfer().size(); }
  uint8_t* region_base() const { return reinterpret_cast<uint8_t*>(region_.control()); }
  std::string close_reason() const { return region_.control()->close_reason; }

 private:
  std::unique_ptr<transport::GuestChannel> channel_;
  wire::Caps caps_;
  size_t config_ = 0;
  transport::ShmRegion region_;
  transport::RingProducer ring_;
  uint32_t syncs_ = 0;
  uint64_t transfer_position_ = 0;
};

}  // namespace gfxrelay::testing
