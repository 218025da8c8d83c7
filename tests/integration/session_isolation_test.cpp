// A malformed stream ends only its own session: a second guest on the same server keeps
// rendering correct pixels. The guests here speak the wire protocol directly (docs/protocol.md).
#include <GLES3/gl3.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "support/raw_guest.h"

namespace gfxrelay {
namespace {

using testing::all_pixels;
using testing::RawGuest;
using testing::Server;
using wire::Op;

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

// Names are per session: a guest that deletes "texture 5" deletes its own (here: none), never
// the texture 5 of another session.
TEST(SessionIsolation, NamesOfAnotherSessionAreOutOfReach) {
  Server server;
  RawGuest owner(server.path());
  RawGuest other(server.path());
  ASSERT_TRUE(owner.make_current());
  ASSERT_TRUE(other.make_current());
  owner.command(Op::glBindTexture, {GL_TEXTURE_2D, 5});
  owner.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 16, 16});
  other.raw(words({static_cast<uint32_t>(Op::glDeleteTextures), 32, 1, 0, 4,
                   static_cast<uint32_t>(wire::BlobMode::kInline), 5, 0}));
  other.command(Op::glIsTexture, {5});
  ASSERT_TRUE(other.wait_reply());
  EXPECT_EQ(other.reply_word(0) & 0xFF, 0u) << "the other session sees no texture 5";
  owner.command(Op::glIsTexture, {5});
  ASSERT_TRUE(owner.wait_reply());
  EXPECT_EQ(owner.reply_word(0) & 0xFF, 1u) << "the owner's texture 5 is still there";
  EXPECT_FALSE(other.closed());
}

// The malformed corpus' "wrong context": another session's context and surface named. Ids are
// per session, so they are unknown here (EGL_BAD_CONTEXT, EGL_BAD_SURFACE, as EGL answers for a
// handle it never gave): an error to the guest, not the end of its session, and the owner's
// context and surface are untouched. (Another session's GL names: the test above.)
TEST(SessionIsolation, WrongContextIsAnErrorAndTouchesNothing) {
  Server server;
  RawGuest owner(server.path());
  RawGuest other(server.path());
  ASSERT_EQ(owner.create_context(3, 2), 0x3000u);  // shares with the owner's context 2
  ASSERT_TRUE(owner.make_current());
  ASSERT_TRUE(other.make_current());
  EXPECT_EQ(other.request_id(wire::Control::kDestroyContext, 3), 0x3006u /* EGL_BAD_CONTEXT */);
  EXPECT_EQ(other.request_id(wire::Control::kDestroySurface, 5), 0x300Du /* EGL_BAD_SURFACE */);
  other.command(Op::gfxrelay_MakeCurrent, {5, 5, 0, 0});  // a surface it does not have
  ASSERT_TRUE(other.wait_reply());
  EXPECT_EQ(other.reply_word(0), 0x300Du /* EGL_BAD_SURFACE */);
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(other.clear_and_read(0, 0, 1, &pixels));
  EXPECT_EQ(pixels[2], 255);
  ASSERT_TRUE(owner.clear_and_read(0, 1, 0, &pixels));
  EXPECT_EQ(pixels[1], 255);
  EXPECT_EQ(owner.request_id(wire::Control::kDestroyContext, 3), 0x3000u) << "still there";
  EXPECT_FALSE(owner.closed());
  EXPECT_FALSE(other.closed());
}

// Client-array data comes in a relay command that calls GL itself: with the context released it
// is refused as a GL command would be, not run without a current context (libepoxy aborted the
// host there; found by fuzz_decoder), and the session goes on.
TEST(SessionIsolation, ClientArraysWithoutACurrentContextAreRefused) {
  Server server;
  RawGuest g(server.path());
  ASSERT_TRUE(g.make_current());
  g.command(Op::gfxrelay_MakeCurrent, {0, 0, 1, 0});  // released
  ASSERT_TRUE(g.wait_reply());
  // One array: count 1, pad; slot 0, 4 floats, not normalized, float kind, stride 0, from byte
  // 0 (u64); then 16 bytes inline (length, mode 0, the bytes).
  g.command(Op::gfxrelay_ClientArrays, {1, 0, 0, 4, GL_FLOAT, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0});
  ASSERT_TRUE(g.make_current());
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(g.clear_and_read(0, 1, 0, &pixels));
  EXPECT_EQ(pixels[1], 255);
  EXPECT_FALSE(g.closed());
}

// An enabled array with no buffer behind it would make GL read host memory at whatever pointer
// the array has (here null plus 2^28 vertices of 16 bytes). The host disables such arrays
// before a draw: the draw gets GL_INVALID_OPERATION, and the session goes on.
TEST(SessionIsolation, ArraysWithoutBuffersAreNeverRead) {
  Server server;
  RawGuest g(server.path());
  ASSERT_TRUE(g.make_current());
  g.command(Op::glEnableVertexAttribArray, {0});
  g.command(Op::glDrawArrays, {GL_POINTS, 1u << 28, 1});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_OPERATION));
  // Once the vertex array has been checked whole, an array enabled later is checked too.
  g.command(Op::glDrawArrays, {GL_POINTS, 0, 1});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  g.command(Op::glEnableVertexAttribArray, {1});
  g.command(Op::glDrawArrays, {GL_POINTS, 1u << 28, 1});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_OPERATION));
  // An offset whose buffer is deleted: the attribute loses its buffer, the offset stays.
  g.command(Op::glBindBuffer, {GL_ARRAY_BUFFER, 7});
  g.command(Op::glBufferData, {GL_ARRAY_BUFFER, 0, 4096, 0, GL_STATIC_DRAW, 0, 0,
                               static_cast<uint32_t>(wire::BlobMode::kNull)});
  g.command(Op::glVertexAttribPointer, {2, 4, GL_FLOAT, 0, 0, 0, 0x1000, 0});
  g.command(Op::glEnableVertexAttribArray, {2});
  g.command(Op::glDrawArrays, {GL_POINTS, 0, 1});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  g.raw(words({static_cast<uint32_t>(Op::glDeleteBuffers), 32, 1, 0, 4,
               static_cast<uint32_t>(wire::BlobMode::kInline), 7, 0}));
  g.command(Op::glDrawArrays, {GL_POINTS, 1u << 28, 1});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_OPERATION));
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(g.clear_and_read(0, 1, 0, &pixels));
  EXPECT_EQ(pixels[1], 255);
  EXPECT_FALSE(g.closed());
}

// An array checked with a buffer, then pointed again while a vertex array object but no buffer
// is bound: it has no buffer from then on, and GL would read it from host memory at the
// pointer (null here; the compatibility profile takes any offset there as an address, finding
// 19 in docs/security.md). The host refuses a non-zero offset there and checks the array again
// before the next draw.
TEST(SessionIsolation, ArraysPointedAgainWithoutABufferAreCheckedAgain) {
  Server server;
  RawGuest g(server.path());
  ASSERT_TRUE(g.make_current());
  g.raw(words({static_cast<uint32_t>(Op::glGenVertexArrays), 32, 1, 0, 4,
               static_cast<uint32_t>(wire::BlobMode::kInline), 5, 0}));
  g.command(Op::glBindVertexArray, {5});
  g.command(Op::glBindBuffer, {GL_ARRAY_BUFFER, 7});
  g.command(Op::glBufferData, {GL_ARRAY_BUFFER, 0, 4096, 0, GL_STATIC_DRAW, 0, 0,
                               static_cast<uint32_t>(wire::BlobMode::kNull)});
  g.command(Op::glVertexAttribPointer, {0, 4, GL_FLOAT, 0, 0, 0, 0, 0});
  g.command(Op::glEnableVertexAttribArray, {0});
  g.command(Op::glDrawArrays, {GL_POINTS, 0, 1});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  g.command(Op::glBindBuffer, {GL_ARRAY_BUFFER, 0});
  g.command(Op::glVertexAttribPointer, {0, 4, GL_FLOAT, 0, 0, 0, 0x1000, 0});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_OPERATION));
  g.command(Op::glVertexAttribPointer, {0, 4, GL_FLOAT, 0, 0, 0, 0, 0});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  g.command(Op::glDrawArrays, {GL_POINTS, 1u << 28, 1});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_OPERATION));
  g.command(Op::glBindVertexArray, {0});
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(g.clear_and_read(0, 1, 0, &pixels));
  EXPECT_EQ(pixels[1], 255);
  EXPECT_FALSE(g.closed());
}

// Reading a framebuffer whose read buffer is GL_NONE is GL_INVALID_OPERATION; Mesa 22.3 crashes
// on it in glReadPixels and glCopyTexImage2D, so the host answers it without calling GL.
TEST(SessionIsolation, ReadsWithNoReadBufferAreErrors) {
  Server server;
  RawGuest g(server.path());
  ASSERT_TRUE(g.make_current());
  g.raw(words({static_cast<uint32_t>(Op::glGenFramebuffers), 32, 1, 0, 4,
               static_cast<uint32_t>(wire::BlobMode::kInline), 1, 0}));
  g.command(Op::glBindFramebuffer, {GL_FRAMEBUFFER, 1});
  g.raw(words({static_cast<uint32_t>(Op::glGenTextures), 32, 1, 0, 4,
               static_cast<uint32_t>(wire::BlobMode::kInline), 1, 0}));
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, 1});
  g.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 16, 16});
  g.command(Op::glFramebufferTexture2D,
            {GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, 1, 0, 0});
  g.command(Op::glReadBuffer, {GL_NONE});
  std::vector<uint8_t> pixels;
  EXPECT_FALSE(g.clear_and_read(1, 0, 0, &pixels)) << "no pixels were read";
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_OPERATION));
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, 2});  // a texture that may take a new image
  g.command(Op::glCopyTexImage2D, {GL_TEXTURE_2D, 0, GL_RGBA, 0, 0, 4, 4, 0});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_OPERATION));
  g.command(Op::glReadBuffer, {GL_COLOR_ATTACHMENT0});
  ASSERT_TRUE(g.clear_and_read(1, 0, 0, &pixels));
  EXPECT_EQ(pixels[0], 255);
  EXPECT_FALSE(g.closed());
}

// Guests that stop mid-message or never read their replies stall only themselves: one sends
// half a control message header and waits, one sends Hello and never reads the answer, one
// fills its ring with commands whose replies it never reads; a fourth guest connects after
// them and renders.
TEST(SessionIsolation, StalledGuestsStallOnlyThemselves) {
  Server server;
  std::string error;
  transport::UniqueFd half = transport::connect_unix(server.path(), &error);
  ASSERT_TRUE(half);
  const uint8_t partial[6] = {1, 0, 0, 0, 0xFF, 0};
  ASSERT_EQ(write(half.get(), partial, sizeof partial), 6);
  transport::UniqueFd deaf = transport::connect_unix(server.path(), &error);
  ASSERT_TRUE(deaf);
  wire::MessageWriter hello;
  hello.put<uint32_t>(wire::kHelloMagic);
  hello.put<uint32_t>(wire::kProtocolVersion);
  hello.put<uint32_t>(static_cast<uint32_t>(wire::Api::kEglGles));
  ASSERT_TRUE(transport::send_message(deaf.get(), static_cast<uint32_t>(wire::Control::kHello),
                                      hello.bytes()));
  RawGuest unread(server.path());
  ASSERT_TRUE(unread.make_current());
  for (int i = 0; i < 1000; ++i) unread.command(Op::glGetError, {});  // replies never read
  unread.publish();

  RawGuest late(server.path());
  ASSERT_TRUE(late.make_current());
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(late.clear_and_read(1, 0, 0, &pixels));
  EXPECT_TRUE(all_pixels(pixels, 255, 0, 0));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, SessionIsolation,
    ::testing::Values(
        BadStream{"unknown opcode", words({0x7FFFFFFF, 8})},
        BadStream{"size smaller than a header",
                  words({static_cast<uint32_t>(Op::glFlush), 4, 0, 0})},
        BadStream{"size past the batch",
                  words({static_cast<uint32_t>(Op::glClear), 0x100000, 0, 0})},
        BadStream{"fixed command with wrong size",
                  words({static_cast<uint32_t>(Op::glClear), 24, GL_COLOR_BUFFER_BIT, 0, 0, 0})},
        BadStream{"blob length that does not match its count",
                  words({static_cast<uint32_t>(Op::glUniform4fv), 40, 0, 1, 4, 0, 1, 2, 3, 4})},
        BadStream{"transfer reference outside the area",
                  words({static_cast<uint32_t>(Op::glBufferData), 48, GL_ARRAY_BUFFER, 0, 0x10000,
                         0, GL_STATIC_DRAW, 0, 0x10000,
                         static_cast<uint32_t>(wire::BlobMode::kTransfer), 0xFFFFFFF0u, 0})},
        BadStream{"guest name reused by glGen",
                  words({static_cast<uint32_t>(Op::glGenTextures), 32, 1, 0, 4, 0, 9, 0,
                         static_cast<uint32_t>(Op::glGenTextures), 32, 1, 0, 4, 0, 9, 0})},
        BadStream{
            "image attribute count past the command",
            words({static_cast<uint32_t>(Op::gfxrelay_CreateImage), 32, 1, 0x30B1, 1, 129, 0, 0})},
        BadStream{"debug message fetch with a payload",
                  words({static_cast<uint32_t>(Op::gfxrelay_DebugMessages), 16, 0, 0})},
        BadStream{"multi-draw the guest carries out itself",
                  words({static_cast<uint32_t>(Op::glMultiDrawArraysEXT), 8})},
        BadStream{"huge count with no data",
                  words({static_cast<uint32_t>(Op::glDeleteTextures), 24, 0x7FFFFFFF, 0, 0,
                         static_cast<uint32_t>(wire::BlobMode::kInline)})}),
    [](const ::testing::TestParamInfo<BadStream>& info) {
      std::string n = info.param.name;
      for (char& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

}  // namespace
}  // namespace gfxrelay
