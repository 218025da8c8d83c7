// The wire Reader never leaves its bytes; Caps and messages survive a round trip.
#include "wire/wire.h"

#include <gtest/gtest.h>

#include "wire/caps.h"
#include "wire/message.h"

namespace gfxrelay::wire {
namespace {

TEST(Reader, ReadsScalarsInOrder) {
  MessageWriter w;
  w.put<uint32_t>(7);
  w.put<uint64_t>(1ull << 40);
  Reader r(w.bytes());
  EXPECT_EQ(r.get<uint32_t>(), 7u);
  EXPECT_EQ(r.get<uint64_t>(), 1ull << 40);
  EXPECT_TRUE(r.at_end());
}

TEST(Reader, PastTheEndFailsStickyAndReturnsZero) {
  const uint8_t bytes[6] = {1, 2, 3, 4, 5, 6};
  Reader r(bytes, sizeof bytes);
  EXPECT_EQ(r.get<uint32_t>(), 0x04030201u);
  EXPECT_EQ(r.get<uint32_t>(), 0u);  // only 2 bytes left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.get<uint8_t>(), 0u);  // sticky even though a byte is there
  EXPECT_FALSE(r.at_end());
}

TEST(Reader, BytesChecksLengthAndPadding) {
  MessageWriter w;
  w.put_string("abc");  // u32 len, u32 0, 3 bytes, 5 bytes pad
  EXPECT_EQ(w.bytes().size(), 16u);
  Reader ok(w.bytes());
  EXPECT_EQ(read_string(ok), "abc");
  EXPECT_TRUE(ok.at_end());
  // A length that runs past the end, and one whose padding does.
  std::vector<uint8_t> lying = w.bytes();
  lying[0] = 200;
  Reader bad(lying);
  EXPECT_TRUE(read_string(bad).empty());
  EXPECT_FALSE(bad.ok());
  std::vector<uint8_t> short_pad(w.bytes().begin(), w.bytes().begin() + 12);
  Reader pad(short_pad);
  read_string(pad);
  EXPECT_FALSE(pad.ok());
}

TEST(Reader, HugeLengthDoesNotWrap) {
  MessageWriter w;
  w.put<uint32_t>(0xFFFFFFFFu);
  w.put<uint32_t>(0);
  Reader r(w.bytes());
  EXPECT_TRUE(read_bytes(r).empty());
  EXPECT_FALSE(r.ok());
}

TEST(Caps, RoundTrip) {
  Caps caps;
  caps.strings["gl_renderer"] = "llvmpipe";
  caps.config_attributes = {0x3028, 0x3024};
  caps.configs = {{1, 8}, {2, 5}};
  Caps back;
  ASSERT_TRUE(Caps::decode(caps.encode(), &back));
  EXPECT_EQ(back.get("gl_renderer"), "llvmpipe");
  int32_t v = 0;
  EXPECT_TRUE(back.config_value(1, 0x3024, &v));
  EXPECT_EQ(v, 5);
  EXPECT_FALSE(back.config_value(2, 0x3024, &v));
  EXPECT_FALSE(back.config_value(0, 0x9999, &v));
}

TEST(Caps, RejectsTruncatedAndOversizedTables) {
  Caps caps;
  caps.config_attributes = {1, 2, 3};
  caps.configs = {{1, 2, 3}};
  std::vector<uint8_t> bytes = caps.encode();
  Caps back;
  EXPECT_FALSE(Caps::decode(std::span(bytes).first(bytes.size() - 4), &back));
  // Claim a billion rows.
  bytes[8] = 0xFF;
  bytes[9] = 0xFF;
  bytes[10] = 0xFF;
  Caps huge;
  EXPECT_FALSE(Caps::decode(bytes, &huge));
}

}  // namespace
}  // namespace gfxrelay::wire
