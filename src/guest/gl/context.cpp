// The guest context's stream: batching, blobs, the transfer area and synchronous replies.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "guest/connection.h"
#include "guest/gl/encoder_support.h"

namespace gfxrelay::guest::gles {

namespace {

thread_local Context* tls_current = nullptr;

// Waits until `done(transfer_released)`, spinning `spins` times first; false if the session
// ended first. Any guest thread: the program's (transfer space) and a window presenter's (a
// frame written).
template <typename Done>
bool wait_for_release(transport::ControlBlock* control, const transport::Wakeups& wakeups,
                      int spins, Done done) {
  transport::Sleeper sleeper(wakeups);
  for (int spun = 0;; ++spun) {
    const uint32_t released = control->transfer_released.load(std::memory_order_acquire);
    if (done(released)) return true;
    if (control->closed.load(std::memory_order_acquire) != 0) return false;
    if (spun < spins) {
      transport::cpu_relax();
      continue;
    }
    // A count of sleepers: the host wakes them all when any is there.
    control->transfer_waiting.fetch_add(1, std::memory_order_seq_cst);
    if (control->transfer_released.load(std::memory_order_seq_cst) == released)
      sleeper.sleep(&control->transfer_released, released, std::chrono::milliseconds(10));
    control->transfer_waiting.fetch_sub(1, std::memory_order_relaxed);
  }
}

// Publish once this many bytes are waiting, so the host works while the guest still encodes.
constexpr size_t kBatchBytes = 64 * 1024;
// While the host's worker is awake (working, or spinning for more), publish sooner: it costs no
// wake-up, and the host executes a frame's first commands while the program encodes the rest,
// instead of all of them after the frame's synchronous end (glFinish, SwapBuffers).
constexpr size_t kAwakeBatchBytes = 4 * 1024;
// Transfer allocations keep this alignment (cache lines; GL reads them in place).
constexpr uint32_t kTransferAlignment = 64;

}  // namespace

void NameAllocator::generate(GLsizei n, GLuint* out) {
  std::lock_guard lock(mutex_);
  for (GLsizei i = 0; i < n; ++i) out[i] = create_locked();
}

GLuint NameAllocator::create() {
  std::lock_guard lock(mutex_);
  return create_locked();
}

GLuint NameAllocator::create_locked() {
  // Names below next_ are never handed out again; used_ holds only names the program bound
  // ahead of next_ without generating them.
  while (next_ == 0 || used_.erase(next_)) ++next_;
  return next_++;
}

void NameAllocator::release(GLsizei n, const GLuint* names) {
  std::lock_guard lock(mutex_);
  for (GLsizei i = 0; i < n; ++i) used_.erase(names[i]);
}

void NameAllocator::mark_used(GLuint name) {
  std::lock_guard lock(mutex_);
  if (name >= next_) used_.insert(name);
}

Context::Context(uint32_t id, int api_major, transport::ShmRegion region, Connection* connection,
                 std::shared_ptr<ShareGroup> share_group)
    : id_(id),
      api_major_(api_major),
      region_(std::move(region)),
      ring_(region_),
      connection_(connection),
      share_group_(share_group ? std::move(share_group) : std::make_shared<ShareGroup>()) {}

Context::~Context() {
  // A frame handed to another thread's X connection still reads this context's region. (A frame
  // the X server reads itself is not waited for here: the program's display may be closed.)
  if (held_read_by_thread_) release_held_transfer();
}

Context* Context::current() {
  return tls_current;
}
void Context::set_current(Context* ctx) {
  tls_current = ctx;
}

bool Context::alive() const {
  return region_.control()->closed.load(std::memory_order_acquire) == 0;
}

void Context::report_closed() {
  if (closed_reported_) return;
  closed_reported_ = true;
  const auto* control = region_.control();
  char reason[sizeof control->close_reason + 1] = {};
  std::memcpy(reason, control->close_reason, sizeof control->close_reason);
  log_error(std::string("the host ended this context's session: ") +
            (reason[0] ? reason : "no reason given"));
}

uint8_t* Context::begin(Op op, size_t size) {
  // A payload that could not be placed: the command is not sent, and the program sees
  // GL_OUT_OF_MEMORY (sending it without its data would hand GL zeros instead).
  const bool payload_lost = std::exchange(payload_too_large_, false);
  if (payload_lost || size > ring_.max_command_bytes()) {
    command_has_transfer_ = false;  // the command is dropped with its ranges
    log_error(std::string(wire::opcode_name(static_cast<uint32_t>(op))) +
              ": payload too large for the relay's stream; GL_OUT_OF_MEMORY");
    set_error(GL_OUT_OF_MEMORY);
    return nullptr;
  }
  uint8_t* p = ring_.reserve(size);
  if (!p) {
    report_closed();
    return nullptr;
  }
  wire::store<uint32_t>(p, static_cast<uint32_t>(op));
  wire::store<uint32_t>(p + 4, static_cast<uint32_t>(size));
  return p;
}

void Context::end(size_t size) {
  ring_.commit(size);
  command_has_transfer_ = false;
  committed_transfer_end_ = last_transfer_end_;
  const size_t pending = ring_.unpublished_bytes();
  if (pending >= kBatchBytes || std::exchange(large_transfer_, false) ||
      (pending >= kAwakeBatchBytes && ring_.consumer_awake()))
    ring_.publish();
}

void Context::flush() {
  ring_.publish();
}

ReplyReader Context::sync() {
  std::span<const uint8_t> bytes;
  if (!wait_for_reply(&bytes)) return ReplyReader();
  if (!debug_messages_pending()) return ReplyReader(bytes);
  // The fetch reuses the reply area: keep this reply until the caller has read it.
  saved_reply_.assign(bytes.begin(), bytes.end());
  deliver_debug_messages();
  return ReplyReader(saved_reply_);
}

void Context::round_trip() {
  if (!begin(Op::gfxrelay_Ping, 8)) return;
  end(8);
  sync();
}

bool Context::debug_messages_pending() const {
  return debug_callback && !delivering_debug_messages_ &&
         region_.control()->debug_messages.load(std::memory_order_acquire) != 0;
}

void Context::deliver_debug_messages() {
  struct Message {
    GLenum source, type;
    GLuint id;
    GLenum severity;
    std::string text;
  };
  delivering_debug_messages_ = true;  // the callback may call GL; those calls deliver nothing
  while (debug_callback && region_.control()->debug_messages.load(std::memory_order_acquire)) {
    if (!begin(Op::gfxrelay_DebugMessages, 8)) break;
    end(8);
    std::span<const uint8_t> bytes;
    if (!wait_for_reply(&bytes)) break;
    ReplyReader reply(bytes);
    const uint32_t count = reply.scalar<uint32_t>();
    const uint32_t dropped = reply.scalar<uint32_t>();
    if (dropped)
      log_error(std::to_string(dropped) +
                " debug messages were dropped (the host holds a bounded number between fetches)");
    std::vector<Message> messages;
    for (uint32_t i = 0; i < count && reply.live(); ++i) {
      Message m;
      m.source = reply.scalar<uint32_t>();
      m.type = reply.scalar<uint32_t>();
      m.id = reply.scalar<uint32_t>();
      m.severity = reply.scalar<uint32_t>();
      const std::span<const uint8_t> text = reply.output_bytes();
      m.text.assign(text.begin(), text.end());
      messages.push_back(std::move(m));
    }
    if (messages.empty()) break;
    for (const Message& m : messages)
      debug_callback(m.source, m.type, m.id, m.severity, static_cast<GLsizei>(m.text.size()),
                     m.text.c_str(), debug_user_param);
  }
  delivering_debug_messages_ = false;
}

bool Context::wait_for_reply(std::span<const uint8_t>* reply) {
  ring_.publish();
  const uint32_t expected = ++syncs_sent_;
  auto* control = region_.control();
  // Spin briefly: most replies come back within microseconds on the same host; one that takes
  // longer (a read-back waiting for rendering) is waited for on the futex.
  if (transport::spin_until(
          [&] { return control->reply_seq.load(std::memory_order_acquire) == expected; }))
    goto ready;
  for (transport::Sleeper sleeper(region_.wakeups());;) {
    control->reply_waiting.store(1, std::memory_order_seq_cst);
    const uint32_t seen = control->reply_seq.load(std::memory_order_seq_cst);
    if (seen == expected) break;
    if (control->closed.load(std::memory_order_acquire)) {
      report_closed();
      return false;
    }
    if (!connection_->host_alive()) {
      report_closed();
      return false;
    }
    sleeper.sleep(&control->reply_seq, seen, std::chrono::milliseconds(100));
  }
  control->reply_waiting.store(0, std::memory_order_relaxed);
ready : {
  const uint32_t length = std::min<uint32_t>(control->reply_length, region_.reply().size());
  *reply = region_.reply().subspan(0, length);
  return true;
}
}

bool Context::wait_for_transfer(size_t length) {
  auto* control = region_.control();
  auto fits = [&](uint32_t released) { return transfer_fits(length, released); };
  if (fits(control->transfer_released.load(std::memory_order_acquire))) return true;
  ring_.publish();  // the host frees space only for commands it has seen
  if (wait_for_release(control, region_.wakeups(), 2000, fits)) return true;
  report_closed();
  return false;
}

uint32_t Context::effective_released(uint32_t released) const {
  // The host releases ranges, not the gap a restart skipped: once it has released everything
  // before the gap, the gap is free too.
  if (gap_open_ && static_cast<int32_t>(released - gap_start_) >= 0 &&
      static_cast<int32_t>(gap_end_ - released) > 0)
    return gap_end_;
  return released;
}

bool Context::transfer_fits(uint32_t length, uint32_t released) const {
  return transfer_head_ - effective_released(released) + length <= region_.transfer().size();
}

bool Context::reaches_held_transfer(uint32_t length) const {
  return release_held_transfer_ &&
         transfer_head_ + length - held_transfer_ > region_.transfer().size();
}

bool Context::can_restart_transfer(uint32_t length) const {
  // Only a command's first range restarts: a later one would leave the command's earlier
  // ranges, which the host cannot release before the command is sent, between the gap and
  // the ranges that may have to wait for them.
  return !command_has_transfer_ &&
         transfer_fits(length,
                       region_.control()->transfer_released.load(std::memory_order_acquire)) &&
         !reaches_held_transfer(length);
}

Blob Context::output_blob(size_t length) {
  const uint32_t capacity = static_cast<uint32_t>(region_.transfer().size());
  Blob b;
  if (length > capacity / 2) {
    payload_too_large_ = true;  // the next begin() drops its command
    return b;
  }
  const uint32_t aligned =
      (static_cast<uint32_t>(length) + kTransferAlignment - 1) & ~(kTransferAlignment - 1);
  // A gap a lap behind the head is behind the released position too; forgetting it keeps the
  // 32-bit comparisons with it within a lap.
  if (gap_open_ && transfer_head_ - gap_end_ > capacity) gap_open_ = false;
  const uint32_t offset = transfer_head_ % capacity;
  uint32_t skip = offset + aligned > capacity ? capacity - offset : 0;
  if (skip == 0 && offset != 0 && can_restart_transfer(capacity - offset + aligned)) {
    // Back to the area's start whenever the bytes there are free: the ranges in use stay in
    // the first megabytes, warm in the caches, instead of cycling through the whole area. Its
    // first pass costs a page fault per 4 KiB in both processes; a program sending a few MB a
    // frame ran at about half speed for its first second and a half (BENCHMARKS.md, 12).
    skip = capacity - offset;
    gap_open_ = true;
    gap_start_ = committed_transfer_end_;
    gap_end_ = transfer_head_ + skip;
  }
  if (reaches_held_transfer(skip + aligned)) release_held_transfer();
  if (!wait_for_transfer(skip + aligned)) return b;
  transfer_head_ += skip;
  b.mode = wire::BlobMode::kTransfer;
  b.length = static_cast<uint32_t>(length);
  b.ref = transfer_head_;
  transfer_head_ += aligned;
  last_transfer_end_ = static_cast<uint32_t>(b.ref) + b.length;
  command_has_transfer_ = true;
  // The command is published as soon as it is written, so that the host starts on the bytes
  // while the program goes on (texture uploads, buffer data); read-backs are waited for anyway.
  if (length >= kPublishTransferBytes) large_transfer_ = true;
  return b;
}

const uint8_t* Context::transfer_bytes(const Blob& b) const {
  const uint32_t capacity = static_cast<uint32_t>(region_.transfer().size());
  return region_.transfer().data() + (static_cast<uint32_t>(b.ref) % capacity);
}

void Context::hold_transfer(const Blob& b, std::function<void()> release, bool read_by_thread) {
  release_held_transfer();
  held_transfer_ = static_cast<uint32_t>(b.ref);
  release_held_transfer_ = std::move(release);
  held_read_by_thread_ = read_by_thread;
}

void Context::release_held_transfer() {
  if (release_held_transfer_) std::exchange(release_held_transfer_, nullptr)();
}

std::function<bool()> Context::transfer_done_waiter(const Blob& b) const {
  transport::ControlBlock* control = region_.control();
  const uint32_t end = static_cast<uint32_t>(b.ref) + b.length;  // what the host stores
  return [control, wakeups = region_.wakeups(), end] {
    // No spinning: the wait is most of a frame, and a spinning core is one the renderer needs.
    return wait_for_release(control, wakeups, 0, [end](uint32_t released) {
      return static_cast<int32_t>(released - end) >= 0;
    });
  };
}

size_t Context::memory_offset(const Blob& b) const {
  const uint32_t capacity = static_cast<uint32_t>(region_.transfer().size());
  return region_.layout().transfer_offset() + static_cast<uint32_t>(b.ref) % capacity;
}

Blob Context::blob(const void* data, size_t length) {
  Blob b;
  if (!data) return b;  // kNull
  if (length <= wire::kInlineBlobLimit) {
    b.mode = wire::BlobMode::kInline;
    b.data = data;
    b.length = static_cast<uint32_t>(length);
    return b;
  }
  b = output_blob(length);
  if (b.mode == wire::BlobMode::kTransfer)
    std::memcpy(const_cast<uint8_t*>(transfer_bytes(b)), data, length);
  return b;
}

Blob Context::string_blob(const GLchar* s) {
  if (!s) return Blob();
  return blob(s, std::strlen(s) + 1);
}

Blob Context::counted_string_blob(const GLchar* s, GLsizei length) {
  if (!s) return Blob();
  if (length < 0) return string_blob(s);
  // A command may carry two counted strings (glNamedStringARB's name and string), each kept
  // until the command is written: they take turns between two buffers.
  std::vector<uint8_t>& copy = counted_staging_[counted_staging_next_++ % counted_staging_.size()];
  copy.assign(s, s + length);
  copy.push_back(0);
  return blob(copy.data(), copy.size());
}

// Layout: u32 count, count x u32 byte lengths, then the strings back to back (no NULs).
Blob Context::strings_blob(const GLchar* const* strings, GLsizei count) {
  if (!strings || count <= 0) return Blob();
  staging_.clear();
  auto put32 = [this](uint32_t v) {
    const uint8_t* b = reinterpret_cast<const uint8_t*>(&v);
    staging_.insert(staging_.end(), b, b + 4);
  };
  put32(static_cast<uint32_t>(count));
  for (GLsizei i = 0; i < count; ++i) put32(strings[i] ? std::strlen(strings[i]) : 0);
  for (GLsizei i = 0; i < count; ++i)
    if (strings[i])
      staging_.insert(staging_.end(), strings[i], strings[i] + std::strlen(strings[i]));
  return blob(staging_.data(), staging_.size());
}

Blob Context::offset_blob(const void* offset) {
  Blob b;
  b.mode = wire::BlobMode::kOffset;
  b.ref = reinterpret_cast<uintptr_t>(offset);
  return b;
}

Blob Context::unpack_image_blob(const void* pixels, GLenum format, GLenum type, GLsizei width,
                                GLsizei height, GLsizei depth) {
  if (state.pixel_unpack_buffer) return offset_blob(pixels);
  uint64_t bytes = 0;
  if (!pixels || !gl::image_bytes(state.unpack, format, type, width, height, depth, &bytes))
    return Blob();  // the host GL reports the bad enum; no data travels
  return blob(pixels, bytes);
}

Blob Context::unpack_blob(const void* data, size_t length) {
  if (state.pixel_unpack_buffer) return offset_blob(data);
  return blob(data, length);
}

size_t Context::write_blob(uint8_t* at, const Blob& b) {
  wire::store<uint32_t>(at, b.length);
  wire::store<uint32_t>(at + 4, static_cast<uint32_t>(b.mode));
  switch (b.mode) {
    case wire::BlobMode::kInline:
      std::memcpy(at + 8, b.data, b.length);
      std::memset(at + 8 + b.length, 0, wire::align_up(b.length) - b.length);
      break;
    case wire::BlobMode::kTransfer:
    case wire::BlobMode::kOffset:
      wire::store<uint64_t>(at + 8, b.ref);
      break;
    case wire::BlobMode::kNull:
      break;
  }
  return b.wire_size();
}

void unsupported(const char* name) {
  static std::set<std::string> reported;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (reported.insert(name).second)
    log_error(std::string(name) + " is not carried by the relay yet");
}

void* gl_proc_address(const char* name) {
  const ProcEntry* end = kGlProcs + kGlProcCount;
  const ProcEntry* it = std::lower_bound(
      kGlProcs, end, name,
      [](const ProcEntry& e, const char* n) { return std::strcmp(e.name, n) < 0; });
  return it != end && std::strcmp(it->name, name) == 0 ? it->address : nullptr;
}

}  // namespace gfxrelay::guest::gles
