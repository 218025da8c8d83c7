// Guest -> host name maps (wire rule 3).
#include <gtest/gtest.h>

#include "host/decoder/decoding.h"

namespace gfxrelay::host {
namespace {

TEST(NameMap, MapsBothWays) {
  NameMap m;
  EXPECT_TRUE(m.add(5, 101));
  EXPECT_EQ(m.to_host(5), 101u);
  EXPECT_EQ(m.to_guest(101), 5u);
  EXPECT_EQ(m.to_host(6), 0u);
  EXPECT_EQ(m.to_guest(5), 0u);  // host names are not guest names
}

TEST(NameMap, RefusesZeroAndNamesInUse) {
  NameMap m;
  EXPECT_FALSE(m.add(0, 1));
  EXPECT_TRUE(m.add(3, 30));
  EXPECT_FALSE(m.add(3, 31));
  EXPECT_EQ(m.to_host(3), 30u);
}

TEST(NameMap, RemoveForgetsBothDirections) {
  NameMap m;
  m.add(3, 30);
  m.remove(3);
  EXPECT_EQ(m.to_host(3), 0u);
  EXPECT_EQ(m.to_guest(30), 0u);
  EXPECT_TRUE(m.add(3, 31));
  m.remove(99);  // unknown: no effect
}

TEST(HostContext, UnknownNamesBecomeTheSentinel) {
  HostContext ctx;
  EXPECT_EQ(ctx.host_name(ObjectKind::kTexture, 0), 0u);
  EXPECT_EQ(ctx.host_name(ObjectKind::kTexture, 42), kUnknownName);
  ctx.add_name(ObjectKind::kTexture, 42, 7);
  EXPECT_EQ(ctx.host_name(ObjectKind::kTexture, 42), 7u);
  EXPECT_EQ(ctx.host_name(ObjectKind::kBuffer, 42), kUnknownName);  // kinds are separate
  EXPECT_EQ(ctx.guest_name(ObjectKind::kTexture, 7), 42u);
}

TEST(HostContext, ShareGroupSharesOnlySharedKinds) {
  HostContext first;
  HostContext second(first.share_group());
  HostContext other;  // a group of its own
  first.add_name(ObjectKind::kTexture, 5, 50);
  first.add_name(ObjectKind::kBuffer, 6, 60);
  first.add_name(ObjectKind::kFramebuffer, 7, 70);
  first.add_name(ObjectKind::kVertexArray, 8, 80);
  EXPECT_EQ(second.host_name(ObjectKind::kTexture, 5), 50u);
  EXPECT_EQ(second.host_name(ObjectKind::kBuffer, 6), 60u);
  EXPECT_EQ(second.guest_name(ObjectKind::kTexture, 50), 5u);
  // Framebuffers and vertex arrays belong to one context, as in ES.
  EXPECT_EQ(second.host_name(ObjectKind::kFramebuffer, 7), kUnknownName);
  EXPECT_EQ(second.host_name(ObjectKind::kVertexArray, 8), kUnknownName);
  EXPECT_EQ(other.host_name(ObjectKind::kTexture, 5), kUnknownName);
}

TEST(HostContext, SyncsAreSharedAndForgottenOnRemoval) {
  HostContext first;
  HostContext second(first.share_group());
  GLsync fake = reinterpret_cast<GLsync>(uintptr_t{0x1000});
  first.add_sync(3, fake);
  EXPECT_EQ(second.sync_object(3), fake);
  EXPECT_EQ(second.remove_sync(3), fake);
  EXPECT_EQ(first.sync_object(3), nullptr);
  EXPECT_EQ(first.remove_sync(3), nullptr);  // a second delete finds nothing
}

// The session's quota gets back what deletes remove, and everything a context or share group
// held when it goes (tests/integration/quota_test.cpp covers the limits themselves).
TEST(HostContext, QuotaGetsNamesAndMemoryBack) {
  HostLimits limits;
  limits.session_objects = 10;
  auto quota = std::make_shared<SessionQuota>(limits);
  {
    auto group = std::make_shared<HostShareGroup>(quota);
    HostContext a(group);
    HostContext b(group);
    // As the decoder does: reserve, then add.
    ASSERT_TRUE(quota->reserve_objects(3));
    a.add_name(ObjectKind::kTexture, 1, 10);
    a.add_name(ObjectKind::kTexture, 2, 11);
    a.add_name(ObjectKind::kVertexArray, 3, 12);  // a's own
    ASSERT_TRUE(quota->reserve_objects(1));
    b.add_name(ObjectKind::kTexture, 2, 99);  // the name is taken: the reservation goes back
    EXPECT_EQ(quota->objects(), 3);
    EXPECT_FALSE(quota->reserve_objects(8));  // 11 > 10
    ASSERT_TRUE(quota->reserve_memory(4096));
    group->allocations[{ObjectKind::kTexture, 11, 0}] = 4096;
    const uint32_t two = 2;
    Blob names;
    names.ok = true;
    names.data = &two;
    names.length = sizeof two;
    b.remove_names(ObjectKind::kTexture, names);  // texture 2, and what it held
    EXPECT_EQ(quota->objects(), 2);
    EXPECT_EQ(quota->memory(), 0);
  }
  EXPECT_EQ(quota->objects(), 0);
}

}  // namespace
}  // namespace gfxrelay::host
