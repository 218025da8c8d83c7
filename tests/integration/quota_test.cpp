// Quotas (docs/security.md, "Resources"). The per-allocation one: a buffer or image larger than
// GFXRELAY_MAX_ALLOCATION (4 GiB by default; 64 MiB here) is refused with GL_OUT_OF_MEMORY, as
// a driver that cannot allocate it would, and the session goes on.
#include <GLES3/gl3.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/raw_guest.h"

namespace gfxrelay {
namespace {

using testing::RawGuest;
using testing::Server;
using wire::Op;

uint32_t gl_error(RawGuest& g) {
  g.command(Op::glGetError, {});
  if (!g.wait_reply()) return 0xFFFFFFFF;
  return g.reply_word(0);
}

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
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  buffer_data(g, 32 << 20);
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_NO_ERROR));
  // 1024 x 1024 x 8: 128 MiB at 16 bytes a texel (32 MiB of RGBA8 for the driver).
  g.command(Op::glBindTexture, {GL_TEXTURE_3D, 4});
  g.command(Op::glTexStorage3D, {GL_TEXTURE_3D, 1, GL_RGBA8, 1024, 1024, 8});
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, 6});
  g.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 1024, 1024});
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_NO_ERROR));
  // A dimension past the largest texture size: GL's own GL_INVALID_VALUE, as natively.
  g.command(Op::glBindTexture, {GL_TEXTURE_2D, 5});
  g.command(Op::glTexStorage2D, {GL_TEXTURE_2D, 1, GL_RGBA8, 1 << 20, 1 << 20});
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_INVALID_VALUE));
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
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_NO_ERROR));
  g.command(Op::glDrawArrays, {GL_POINTS, 0, 4000});
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  g.command(Op::glDrawArraysInstanced, {GL_POINTS, 0, 1000, 4});  // 4,000 vertices in all
  EXPECT_EQ(gl_error(g), static_cast<uint32_t>(GL_OUT_OF_MEMORY));
  EXPECT_FALSE(g.closed());
  unsetenv("GFXRELAY_MAX_DRAW_VERTICES");
}

}  // namespace
}  // namespace gfxrelay
