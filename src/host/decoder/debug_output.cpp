// KHR_debug on the host: a guest with a debug callback has the host GL's messages queued here
// and fetches them after a reply; a guest without one reads the host GL's own message log.
#include <algorithm>
#include <cstring>
#include <utility>

#include "host/decoder/decoding.h"

namespace gfxrelay::host {

void APIENTRY DebugLog::on_message(GLenum source, GLenum type, GLuint id, GLenum severity,
                                   GLsizei length, const GLchar* text, const void* self) {
  auto* log = static_cast<DebugLog*>(const_cast<void*>(self));
  const size_t bytes = text ? (length >= 0 ? static_cast<size_t>(length) : std::strlen(text)) : 0;
  std::lock_guard lock(log->mutex_);
  if (log->messages_.size() == kMaxMessages) {
    log->messages_.pop_front();
    ++log->dropped_;
  }
  log->messages_.push_back({source, type, id, severity,
                            std::string(text ? text : "", std::min(bytes, kMaxMessageBytes))});
  if (log->pending_) log->pending_->store(static_cast<uint32_t>(log->messages_.size()));
}

void DebugLog::set_enabled(bool enabled, std::atomic<uint32_t>* pending) {
  {
    std::lock_guard lock(mutex_);
    pending_ = pending;
    enabled_ = enabled;
  }
  if (enabled)
    glDebugMessageCallback(&DebugLog::on_message, this);
  else
    glDebugMessageCallback(nullptr, nullptr);
}

size_t DebugLog::encoded_size(const Message& m) {
  return 16 + 8 + wire::align_up(m.text.size());
}

std::vector<DebugLog::Message> DebugLog::take(size_t budget, uint32_t* dropped) {
  std::lock_guard lock(mutex_);
  std::vector<Message> out;
  size_t used = 0;
  while (!messages_.empty() && (out.empty() || used + encoded_size(messages_.front()) <= budget)) {
    used += encoded_size(messages_.front());
    out.push_back(std::move(messages_.front()));
    messages_.pop_front();
  }
  *dropped = std::exchange(dropped_, 0);
  if (pending_) pending_->store(static_cast<uint32_t>(messages_.size()));
  return out;
}

namespace gles {

// u32 enabled: whether the guest has a callback (the callback itself stays in the guest).
bool decode_glDebugMessageCallback(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const bool enabled = wire::load<uint32_t>(d.cmd + 8) != 0;
  d.ctx.debug_log.set_enabled(enabled, &d.region.control()->debug_messages);
  return true;
}

// Reply: u32 count, u32 messages dropped since the last fetch, then per message u32 source,
// type, id, severity and the text as an output (no terminating NUL).
bool decode_gfxrelay_DebugMessages(Decoding& d) {
  if (d.size != 8) return d.fail("command size");
  ReplyWriter w = d.reply();
  uint32_t dropped = 0;
  const std::vector<DebugLog::Message> messages =
      d.ctx.debug_log.take(d.region.reply().size() - 8, &dropped);
  w.scalar<uint32_t>(static_cast<uint32_t>(messages.size()));
  w.scalar<uint32_t>(dropped);
  for (const DebugLog::Message& m : messages) {
    w.scalar<uint32_t>(m.source);
    w.scalar<uint32_t>(m.type);
    w.scalar<uint32_t>(m.id);
    w.scalar<uint32_t>(m.severity);
    w.output(m.text.data(), m.text.size());
  }
  return d.finish_reply(w);
}

}  // namespace gles
}  // namespace gfxrelay::host
