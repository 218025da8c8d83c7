#include "transport/shm_ring.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "wire/command.h"

namespace gfxrelay::transport {
namespace {

using namespace std::chrono_literals;
using Status = RingConsumer::Status;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kRing = 64u << 10;
constexpr uint32_t kOpData = 1;
constexpr uint32_t kOpEnd = 2;

// Smallest valid layout, so wrap-around and a full ring come quickly.
RegionLayout small_layout() {
  RegionLayout layout;
  layout.ring_bytes = kRing;
  layout.reply_bytes = 4096;
  layout.transfer_bytes = 4096;
  return layout;
}

struct Regions {
  ShmRegion host;
  ShmRegion guest;
};

// The host creates, the guest attaches its own mapping of the same file: the tests drive the
// producer through one mapping and the consumer through the other, as two processes would.
Regions make_regions(const RegionLayout& layout = small_layout()) {
  Regions r;
  std::string error;
  r.host = ShmRegion::create(layout, &error);
  EXPECT_TRUE(r.host) << error;
  if (!r.host) return r;
  r.guest = ShmRegion::attach(dup(r.host.fd()), &error);
  EXPECT_TRUE(r.guest) << error;
  return r;
}

uint8_t pattern(uint32_t seq, uint32_t i) {
  return static_cast<uint8_t>(seq * 131u + i * 7u);
}

// Test command: header, sequence number, then pattern bytes up to `size`.
bool write_command(RingProducer& producer, uint32_t seq, uint32_t size, uint32_t opcode = kOpData) {
  uint8_t* p = producer.reserve(size);
  if (!p) return false;
  const wire::CommandHeader header{opcode, size};
  std::memcpy(p, &header, sizeof(header));
  std::memcpy(p + 8, &seq, sizeof(seq));
  for (uint32_t i = 12; i < size; ++i) p[i] = pattern(seq, i);
  producer.commit(size);
  return true;
}

// Parses and checks what the consumer hands out, the way the host decoder will.
struct Reader {
  Reader(RingConsumer* c, const ShmRegion& host)
      : consumer(c), ring_end(host.ring().data() + host.ring().size()) {}

  RingConsumer* consumer;
  const uint8_t* ring_end;
  uint32_t next_seq = 0;
  uint64_t pads = 0;
  uint64_t bytes = 0;
  bool ended = false;
  std::string error;

  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }

  // One acquire; checks and releases everything it got.
  Status step(std::chrono::microseconds timeout) {
    std::span<const uint8_t> span;
    const Status status = consumer->acquire(timeout, &span);
    if (status != Status::kData) return status;
    size_t off = 0;
    while (off < span.size() && check(span, &off)) {
    }
    consumer->release(span.size());
    bytes += span.size();
    return status;
  }

  bool check(std::span<const uint8_t> span, size_t* off) {
    if (span.size() - *off < sizeof(wire::CommandHeader)) return fail("truncated header");
    wire::CommandHeader header;
    std::memcpy(&header, span.data() + *off, sizeof(header));
    if (header.size < 8 || header.size % 8 != 0 || header.size > span.size() - *off) {
      return fail("bad command size " + std::to_string(header.size));
    }
    const uint8_t* p = span.data() + *off;
    *off += header.size;
    if (header.opcode == wire::kOpcodePad) {
      // A pad always runs exactly to the end of the ring.
      ++pads;
      if (p + header.size != ring_end) return fail("pad does not reach the ring end");
      return true;
    }
    if (header.size < 12) return fail("command too small");
    uint32_t seq;
    std::memcpy(&seq, p + 8, sizeof(seq));
    if (seq != next_seq) {
      return fail("sequence " + std::to_string(seq) + ", expected " + std::to_string(next_seq));
    }
    ++next_seq;
    for (uint32_t i = 12; i < header.size; ++i) {
      if (p[i] != pattern(seq, i)) return fail("payload mismatch in " + std::to_string(seq));
    }
    if (header.opcode == kOpEnd) ended = true;
    return true;
  }
};

// A byte copy of `src`'s control block in a fresh memfd of `size` bytes.
int copy_to_memfd(const ShmRegion& src, size_t size, bool seal) {
  const int fd = memfd_create("gfxrelay-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
  const size_t header = std::min(size, RegionLayout::kControlBytes);
  EXPECT_EQ(pwrite(fd, src.control(), header, 0), static_cast<ssize_t>(header));
  if (seal) {
    EXPECT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
  }
  return fd;
}

bool fd_is_open(int fd) {
  return fcntl(fd, F_GETFD) != -1;
}

TEST(RegionLayoutTest, Validation) {
  EXPECT_TRUE(RegionLayout{}.valid());
  EXPECT_TRUE(small_layout().valid());

  auto with_ring = [](uint32_t bytes) {
    RegionLayout l = small_layout();
    l.ring_bytes = bytes;
    return l.valid();
  };
  EXPECT_TRUE(with_ring(1u << 30));
  EXPECT_FALSE(with_ring(32u << 10));  // too small
  EXPECT_FALSE(with_ring(96u << 10));  // not a power of two
  EXPECT_FALSE(with_ring(1u << 31));   // too large
  EXPECT_FALSE(with_ring(0));

  RegionLayout l = small_layout();
  l.reply_bytes = 0;
  EXPECT_FALSE(l.valid());
  l.reply_bytes = 4097;
  EXPECT_FALSE(l.valid());
  l = small_layout();
  l.transfer_bytes = 0;
  EXPECT_FALSE(l.valid());
  l.transfer_bytes = 6000;
  EXPECT_FALSE(l.valid());
  l.transfer_bytes = 8192;
  EXPECT_TRUE(l.valid());

  std::string error;
  l.ring_bytes = 12345;
  EXPECT_FALSE(ShmRegion::create(l, &error));
  EXPECT_FALSE(error.empty());
}

TEST(ShmRegionTest, CreateAndAttachShareMemory) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host && r.guest);
  const RegionLayout layout = small_layout();
  EXPECT_EQ(r.guest.layout().ring_bytes, layout.ring_bytes);
  EXPECT_EQ(r.guest.layout().reply_bytes, layout.reply_bytes);
  EXPECT_EQ(r.guest.layout().transfer_bytes, layout.transfer_bytes);
  EXPECT_EQ(r.host.ring().size(), layout.ring_bytes);
  EXPECT_EQ(r.guest.transfer().size(), layout.transfer_bytes);
  EXPECT_NE(r.host.ring().data(), r.guest.ring().data());  // two mappings

  ControlBlock* control = r.host.control();
  EXPECT_EQ(control->magic, ControlBlock::kMagic);
  EXPECT_EQ(control->version, ControlBlock::kVersion);
  EXPECT_EQ(control->ring_head.load(), 0u);
  EXPECT_EQ(control->closed.load(), 0u);
  EXPECT_EQ(control->close_reason[0], '\0');

  r.host.ring()[100] = 0xab;
  r.host.reply().back() = 0xcd;
  r.guest.transfer()[7] = 0xef;
  EXPECT_EQ(r.guest.ring()[100], 0xab);
  EXPECT_EQ(r.guest.reply().back(), 0xcd);
  EXPECT_EQ(r.host.transfer()[7], 0xef);
  r.guest.control()->ring_tail.store(40);
  EXPECT_EQ(control->ring_tail.load(), 40u);

  // Sealed: neither side can resize the file.
  const int seals = fcntl(r.host.fd(), F_GET_SEALS);
  EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
            F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
  EXPECT_NE(ftruncate(r.guest.fd(), 4096), 0);
}

TEST(ShmRegionTest, MoveTransfersOwnership) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host);
  const int fd = r.host.fd();
  ShmRegion moved(std::move(r.host));
  EXPECT_FALSE(r.host);
  EXPECT_EQ(moved.fd(), fd);
  ShmRegion assigned;
  assigned = std::move(moved);
  EXPECT_FALSE(moved);
  EXPECT_TRUE(assigned);
  EXPECT_EQ(assigned.control()->magic, ControlBlock::kMagic);
  assigned = ShmRegion();
  EXPECT_FALSE(fd_is_open(fd));
}

TEST(ShmRegionTest, AttachRejectsWrongMagicAndVersion) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host);
  std::string error;
  r.host.control()->magic = 0x12345678;
  EXPECT_FALSE(ShmRegion::attach(dup(r.host.fd()), &error));
  EXPECT_NE(error.find("magic"), std::string::npos) << error;

  r.host.control()->magic = ControlBlock::kMagic;
  r.host.control()->version = ControlBlock::kVersion + 1;
  error.clear();
  EXPECT_FALSE(ShmRegion::attach(dup(r.host.fd()), &error));
  EXPECT_NE(error.find("version"), std::string::npos) << error;

  r.host.control()->version = ControlBlock::kVersion;
  r.host.control()->layout.ring_bytes = 3;
  error.clear();
  EXPECT_FALSE(ShmRegion::attach(dup(r.host.fd()), &error));
  EXPECT_NE(error.find("layout"), std::string::npos) << error;
}

TEST(ShmRegionTest, AttachRejectsWrongSize) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host);
  const size_t total = small_layout().total_bytes();
  std::string error;
  EXPECT_FALSE(ShmRegion::attach(copy_to_memfd(r.host, total + 4096, true), &error));
  EXPECT_NE(error.find("size"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(ShmRegion::attach(copy_to_memfd(r.host, total - 4096, true), &error));
  EXPECT_NE(error.find("size"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(ShmRegion::attach(copy_to_memfd(r.host, 100, true), &error));
  EXPECT_NE(error.find("smaller"), std::string::npos) << error;

  // The same copy at the right size is accepted: the failures above were the size alone.
  error.clear();
  EXPECT_TRUE(ShmRegion::attach(copy_to_memfd(r.host, total, true), &error)) << error;
}

TEST(ShmRegionTest, AttachRejectsUnsealedFile) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host);
  std::string error;
  EXPECT_FALSE(
      ShmRegion::attach(copy_to_memfd(r.host, small_layout().total_bytes(), false), &error));
  EXPECT_NE(error.find("sealed"), std::string::npos) << error;

  // Not a memfd at all.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  close(pipe_fds[1]);
  EXPECT_FALSE(ShmRegion::attach(pipe_fds[0], &error));
  EXPECT_FALSE(ShmRegion::attach(-1, &error));
}

TEST(ShmRegionTest, AttachClosesFdOnFailure) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host);
  r.host.control()->magic = 0;
  const int fd = dup(r.host.fd());
  ASSERT_TRUE(fd_is_open(fd));
  std::string error;
  EXPECT_FALSE(ShmRegion::attach(fd, &error));
  EXPECT_FALSE(fd_is_open(fd));
}

TEST(ShmRingTest, SingleCommand) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host && r.guest);
  RingProducer producer(r.guest);
  RingConsumer consumer(r.host);
  EXPECT_EQ(producer.max_command_bytes(), kRing / 4);

  ASSERT_TRUE(write_command(producer, 0, 24));
  EXPECT_EQ(producer.unpublished_bytes(), 24u);
  std::span<const uint8_t> span;
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kTimeout);  // committed, not published

  producer.publish();
  EXPECT_EQ(producer.unpublished_bytes(), 0u);
  ASSERT_EQ(consumer.acquire(0us, &span), Status::kData);
  ASSERT_EQ(span.size(), 24u);
  EXPECT_EQ(span.data(), r.host.ring().data());
  wire::CommandHeader header;
  std::memcpy(&header, span.data(), sizeof(header));
  EXPECT_EQ(header.opcode, kOpData);
  EXPECT_EQ(header.size, 24u);
  consumer.release(24);
  EXPECT_EQ(r.host.control()->ring_tail.load(), 24u);
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kTimeout);

  // Several commands published together arrive as one span, in order.
  Reader reader(&consumer, r.host);
  reader.next_seq = 1;
  for (uint32_t seq = 1; seq <= 3; ++seq) ASSERT_TRUE(write_command(producer, seq, 8 + seq * 8));
  producer.publish();
  EXPECT_EQ(reader.step(0us), Status::kData);
  EXPECT_EQ(reader.error, "");
  EXPECT_EQ(reader.next_seq, 4u);
  EXPECT_EQ(reader.bytes, 16u + 24u + 32u);
}

TEST(ShmRingTest, AcquireTimesOut) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host);
  RingConsumer consumer(r.host);
  std::span<const uint8_t> span;
  const auto start = Clock::now();
  EXPECT_EQ(consumer.acquire(2ms, &span), Status::kTimeout);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 2ms);
  EXPECT_LT(elapsed, 500ms);
}

TEST(ShmRingTest, PadAtEndOfRing) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host && r.guest);
  RingProducer producer(r.guest);
  RingConsumer consumer(r.host);
  const uint32_t quarter = kRing / 4;

  // 56 KiB written and consumed: 8 KiB left before the end.
  for (uint32_t seq = 0; seq < 3; ++seq) ASSERT_TRUE(write_command(producer, seq, quarter));
  ASSERT_TRUE(write_command(producer, 3, quarter / 2));
  producer.publish();
  Reader reader(&consumer, r.host);
  while (reader.step(0us) == Status::kData) {
  }
  ASSERT_EQ(reader.bytes, 7u * quarter / 2);

  // A 16 KiB command does not fit: an 8 KiB pad goes first, the command starts at offset 0.
  uint8_t* p = producer.reserve(quarter);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p, r.guest.ring().data());
  EXPECT_EQ(producer.unpublished_bytes(), quarter / 2);  // the pad, committed
  producer.commit(0);
  producer.publish();

  std::span<const uint8_t> span;
  ASSERT_EQ(consumer.acquire(0us, &span), Status::kData);
  ASSERT_EQ(span.size(), quarter / 2);  // up to the ring end only
  wire::CommandHeader header;
  std::memcpy(&header, span.data(), sizeof(header));
  EXPECT_EQ(header.opcode, wire::kOpcodePad);
  EXPECT_EQ(header.size, quarter / 2);
  consumer.release(span.size());
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kTimeout);

  // A command that ends exactly at the ring end needs no pad.
  for (uint32_t seq = 4; seq < 8; ++seq) ASSERT_TRUE(write_command(producer, seq, quarter));
  producer.publish();
  reader.next_seq = 4;
  while (reader.step(0us) == Status::kData) {
  }
  EXPECT_EQ(reader.error, "");
  EXPECT_EQ(reader.next_seq, 8u);
  EXPECT_EQ(reader.pads, 0u);
}

TEST(ShmRingTest, WrapAroundManyLaps) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host && r.guest);
  RingProducer producer(r.guest);
  RingConsumer consumer(r.host);
  Reader reader(&consumer, r.host);

  // Sizes vary from 16 bytes to ~4.8 KiB so the pad lands at many different offsets.
  uint32_t seq = 0;
  uint64_t written = 0;
  while (written < 200ull * kRing) {
    while (producer.unpublished_bytes() < 20000) {
      const uint32_t size = 16 + 8 * ((seq * 7919u) % 600);
      ASSERT_TRUE(write_command(producer, seq++, size));
      written += size;
    }
    producer.publish();
    while (reader.step(0us) == Status::kData) {
    }
    ASSERT_EQ(reader.error, "");
    ASSERT_EQ(reader.next_seq, seq);
  }
  EXPECT_GT(reader.pads, 100u);
  EXPECT_EQ(reader.bytes, r.host.control()->ring_head.load());  // pads included
}

TEST(ShmRingTest, FullRingBlocksProducerUntilRelease) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host && r.guest);
  RingProducer producer(r.guest);
  RingConsumer consumer(r.host);
  const uint32_t quarter = kRing / 4;
  for (uint32_t seq = 0; seq < 4; ++seq) ASSERT_TRUE(write_command(producer, seq, quarter));
  producer.publish();

  std::atomic<bool> done{false};
  uint8_t* got = nullptr;
  std::thread thread([&] {
    got = producer.reserve(8);
    done = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(done.load());

  std::span<const uint8_t> span;
  ASSERT_EQ(consumer.acquire(0us, &span), Status::kData);
  EXPECT_EQ(span.size(), kRing);  // a completely full ring is valid
  consumer.release(quarter);
  thread.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(got, r.guest.ring().data());
}

TEST(ShmRingTest, ConcurrentProducerAndConsumer) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host && r.guest);
  constexpr uint64_t kTotal = 50'000'000;

  std::thread producer_thread([&] {
    RingProducer producer(r.guest);
    uint64_t written = 0;
    uint32_t seq = 0;
    while (written < kTotal) {
      const uint32_t size = 16 + 8 * ((seq * 2654435761u) >> 24);  // 16 .. ~2 KiB
      if (!write_command(producer, seq++, size)) return;
      written += size;
      // Publish in batches, as the encoder does at a flush.
      if (producer.unpublished_bytes() >= 4096) producer.publish();
    }
    write_command(producer, seq, 16, kOpEnd);
    producer.publish();
  });

  RingConsumer consumer(r.host);
  Reader reader(&consumer, r.host);
  Status status = Status::kData;
  while (!reader.ended && reader.error.empty()) {
    status = reader.step(1s);
    if (status != Status::kData) break;
  }
  if (!reader.ended) {
    // Unblock the producer so the join cannot hang.
    r.host.control()->closed.store(1);
    futex_wake_all(&r.host.control()->ring_tail);
  }
  producer_thread.join();
  EXPECT_EQ(reader.error, "");
  EXPECT_TRUE(reader.ended) << "last status " << static_cast<int>(status);
  EXPECT_GE(reader.bytes, kTotal);
  EXPECT_GT(reader.pads, 0u);
}

TEST(ShmRingTest, ImpossibleHeadIsCorrupt) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host);
  RingConsumer consumer(r.host);
  ControlBlock* control = r.host.control();
  std::span<const uint8_t> span;

  control->ring_head.store(kRing + 8);  // more unread bytes than the ring holds
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kCorrupt);
  control->ring_head.store(4);  // not 8-aligned
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kCorrupt);
  control->ring_head.store(0u - 8u);  // "behind" the tail: wraps to a huge count
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kCorrupt);

  control->ring_head.store(kRing);  // exactly full is fine
  ASSERT_EQ(consumer.acquire(0us, &span), Status::kData);
  EXPECT_EQ(span.size(), kRing);
  consumer.release(64);
  control->ring_head.store(64 + kRing + 8);  // relative to the moved tail
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kCorrupt);
}

TEST(ShmRingTest, ClosedRegion) {
  Regions r = make_regions();
  ASSERT_TRUE(r.host && r.guest);
  RingProducer producer(r.guest);
  RingConsumer consumer(r.host);
  ControlBlock* control = r.host.control();

  // A consumer asleep on an empty ring wakes up on close.
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    control->closed.store(1);
    futex_wake_all(&control->ring_head);
  });
  std::span<const uint8_t> span;
  auto start = Clock::now();
  EXPECT_EQ(consumer.acquire(5s, &span), Status::kClosed);
  EXPECT_LT(Clock::now() - start, 1s);
  closer.join();
  control->closed.store(0);

  // A producer blocked on a full ring gives up with nullptr.
  for (uint32_t seq = 0; seq < 4; ++seq) ASSERT_TRUE(write_command(producer, seq, kRing / 4));
  producer.publish();
  uint8_t* got = reinterpret_cast<uint8_t*>(1);
  std::thread blocked([&] { got = producer.reserve(8); });
  std::this_thread::sleep_for(20ms);
  start = Clock::now();
  control->closed.store(1);
  futex_wake_all(&control->ring_tail);
  blocked.join();
  EXPECT_EQ(got, nullptr);
  EXPECT_LT(Clock::now() - start, 1s);

  // Closed wins over pending data.
  EXPECT_EQ(consumer.acquire(0us, &span), Status::kClosed);
}

}  // namespace
}  // namespace gfxrelay::transport
