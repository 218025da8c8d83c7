// Quotas (docs/security.md, "Resources"). Per command: a buffer or image larger than
// GFXRELAY_MAX_ALLOCATION, a draw of more than GFXRELAY_MAX_DRAW_VERTICES. Per session: the
// memory its buffers, images and surfaces hold (GFXRELAY_SESSION_MEMORY), its objects
// (GFXRELAY_SESSION_OBJECTS), its contexts (GFXRELAY_SESSION_CONTEXTS). Past one, the guest
// gets GL_OUT_OF_MEMORY (EGL_BAD_ALLOC for surfaces and contexts), as from a driver that cannot
// allocate, and the session goes on; other sessions are not affected.
#include <GLES3/gl3.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/raw_guest.h"

namespace gfxrelay {
namespace {

using testing::RawGuest;
using testing::Server;
using wire::Op;

// glBufferData(GL_ARRAY_BUFFER, bytes, NULL, GL_STATIC_DRAW).
void buffer_data(RawGuest& g, uint64_t bytes) {
  g.command(Op::glBufferData,
            {GL_ARRAY_BUFFER, 0, static_cast<uint32_t>(bytes), static_cast<uint32_t>(bytes >> 32),
             GL_STATIC_DRAW, 0, 0, static_cast<uint32_t>(wire::BlobMode::kNull)});
}

TEST(Quota, AllocationPastTheQuotaIsOutOfMemory) {
  // 64 MiB, so that what llvmpipe would allocate is refused by the quota, not by the driver.
  setenv("GFXRELAY_MAX_ALLOCATION", "64M", 1);
  Server server;
  RawGuest g(server.path());
  ASSERT_TRUE(g.make_current());
  g.command(Op::glBindBuffer, {GL_ARRAY_BUFFER, 3});
  buffer_data(g, 96 << 20);  // never reaches the host GL
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  buffer_data(g, 32 << 20);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  // 1024 x 1024 x 8: 128 MiB at 16 bytes a texel (32 MiB of RGBA8 for the driver).
  g.command(Op::glBindTexture, {GL_TEXTURE_3D, 4});
  g.command(Op::glTexStorage3D, {GL_TEXTURE_3D, 1, GL_RGBA8, 1024, 1024, 8});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, 6});
  g.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 1024, 1024});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  // A dimension past the largest texture size: GL's own GL_INVALID_VALUE, as natively.
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, 5});
  g.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 1 << 20, 1 << 20});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_INVALID_VALUE));
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(g.clear_and_read(1, 0, 1, &pixels));
  EXPECT_FALSE(g.closed());
  unsetenv("GFXRELAY_MAX_ALLOCATION");
}

// The per-draw limit (GFXRELAY_MAX_DRAW_VERTICES, 2^28 vertices by default; 3,000 here): a
// larger draw is refused with GL_OUT_OF_MEMORY, a smaller one is drawn.
TEST(Quota, DrawPastTheLimitIsOutOfMemory) {
  setenv("GFXRELAY_MAX_DRAW_VERTICES", "3000", 1);
  Server server;
  RawGuest g(server.path());
  ASSERT_TRUE(g.make_current());
  g.command(Op::glDrawArrays, {GL_POINTS, 0, 2000});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  g.command(Op::glDrawArrays, {GL_POINTS, 0, 4000});
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  g.command(Op::glDrawArraysInstanced, {GL_POINTS, 0, 1000, 4});  // 4,000 vertices in all
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  EXPECT_FALSE(g.closed());
  unsetenv("GFXRELAY_MAX_DRAW_VERTICES");
}

// glGen*/glDelete* of `count` names from `first`: n, then the names as an inline blob.
void names_command(RawGuest& g, Op op, uint32_t first, uint32_t count) {
  std::vector<uint8_t> cmd(16 + 8 + wire::align_up(4 * count));
  wire::store<uint32_t>(cmd.data(), static_cast<uint32_t>(op));
  wire::store<uint32_t>(cmd.data() + 4, static_cast<uint32_t>(cmd.size()));
  wire::store<uint32_t>(cmd.data() + 8, count);
  wire::store<uint32_t>(cmd.data() + 16, 4 * count);
  wire::store<uint32_t>(cmd.data() + 20, static_cast<uint32_t>(wire::BlobMode::kInline));
  for (uint32_t i = 0; i < count; ++i) wire::store<uint32_t>(cmd.data() + 24 + 4 * i, first + i);
  g.raw(cmd);
}

// A 2048 x 2048 RGBA8 texture: 16 MiB.
void texture_16_mib(RawGuest& g, uint32_t name) {
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, name});
  g.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 2048, 2048});
}

TEST(Quota, SessionMemoryCountsWhatIsHeldAndGetsDeletionsBack) {
  setenv("GFXRELAY_SESSION_MEMORY", "41M", 1);  // 40 MiB, and the 16 x 16 surface
  Server server;
  RawGuest g(server.path());
  RawGuest other(server.path());
  ASSERT_TRUE(g.make_current());
  ASSERT_TRUE(other.make_current());
  texture_16_mib(g, 10);
  texture_16_mib(g, 11);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));  // 32 MiB
  texture_16_mib(g, 12);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_OUT_OF_MEMORY));  // 48 MiB
  g.command(Op::glBindBuffer, {GL_ARRAY_BUFFER, 20});
  buffer_data(g, 4 << 20);
  buffer_data(g, 8 << 20);  // replaces the 4 MiB: 40 MiB of images and buffers held
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  g.command(Op::glBindBuffer, {GL_ARRAY_BUFFER, 21});
  buffer_data(g, 8 << 20);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  // Another session has a quota of its own.
  texture_16_mib(other, 10);
  texture_16_mib(other, 11);
  EXPECT_EQ(other.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  // Deleting a texture gives its 16 MiB back.
  names_command(g, Op::glDeleteTextures, 10, 1);
  g.command(Op::glBindBuffer, {GL_ARRAY_BUFFER, 21});
  buffer_data(g, 8 << 20);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  std::vector<uint8_t> pixels;
  ASSERT_TRUE(g.clear_and_read(1, 0, 1, &pixels));
  EXPECT_EQ(pixels[0], 255);
  EXPECT_FALSE(g.closed());
  // A surface counts too: 2048 x 2048 is at least 16 MiB more than this session has left.
  wire::MessageWriter surface;
  surface.put<uint32_t>(7);
  surface.put<uint32_t>(0);
  surface.put<uint32_t>(2);
  for (int32_t v : {0x3057 /* EGL_WIDTH */, 2048, 0x3056 /* EGL_HEIGHT */, 2048}) surface.put(v);
  std::vector<uint8_t> reply = g.request(wire::Control::kCreateSurface, surface);
  EXPECT_EQ(wire::load<uint32_t>(reply.data()), 0x3003u /* EGL_BAD_ALLOC */);
  unsetenv("GFXRELAY_SESSION_MEMORY");
}

TEST(Quota, SessionObjectsCountNamesHeld) {
  setenv("GFXRELAY_SESSION_OBJECTS", "100", 1);
  Server server;
  RawGuest g(server.path());  // its surface is one object
  ASSERT_TRUE(g.make_current());
  names_command(g, Op::glGenBuffers, 1, 60);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  names_command(g, Op::glGenTextures, 1, 60);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  // Those names were never made: binding one is GL's error for a name not generated.
  names_command(g, Op::glDeleteBuffers, 1, 60);
  names_command(g, Op::glGenTextures, 1, 60);
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  // Programs are deleted one by one; each gives its object back once GL has let it go.
  for (uint32_t name = 1000; name < 1200; ++name) {
    g.command(Op::glCreateProgram, {name, 0});
    g.command(Op::glDeleteProgram, {name});
  }
  EXPECT_EQ(g.gl_error(), static_cast<uint32_t>(GL_NO_ERROR));
  EXPECT_FALSE(g.closed());
  unsetenv("GFXRELAY_SESSION_OBJECTS");
}

TEST(Quota, SessionContexts) {
  setenv("GFXRELAY_SESSION_CONTEXTS", "2", 1);
  Server server;
  RawGuest g(server.path());  // one context
  EXPECT_EQ(g.create_context(3), 0x3000u);
  EXPECT_EQ(g.create_context(4), 0x3003u /* EGL_BAD_ALLOC */);
  EXPECT_EQ(g.request_id(wire::Control::kDestroyContext, 3), 0x3000u);
  EXPECT_EQ(g.create_context(5), 0x3000u);
  ASSERT_TRUE(g.make_current());
  std::vector<uint8_t> pixels;
  EXPECT_TRUE(g.clear_and_read(0, 1, 0, &pixels));
  unsetenv("GFXRELAY_SESSION_CONTEXTS");
}

}  // namespace
}  // namespace gfxrelay
