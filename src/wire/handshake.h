// The session handshake and control messages, sent over the session's unix socket
// (docs/protocol.md, "Session"). Each message is a CommandHeader and a payload.
#pragma once

#include <cstdint>

namespace gfxrelay::wire {

inline constexpr uint32_t kHelloMagic = 0x52584647;  // "GFXR" in memory order
inline constexpr uint32_t kProtocolVersion = 2;

enum class Api : uint32_t { kEglGles = 1 };

// Control opcodes (a separate number space from stream opcodes).
enum class Control : uint32_t {
  kHello = 1,           // guest: u32 magic, u32 version, u32 api
  kCaps = 2,            // host: key/value strings and the config table (see protocol.md)
  kChooseConfig = 3,    // guest: EGLint attribute list; host: u32 status, u32 count, u32 ids[]
  kCreateSurface = 4,   // guest: u32 id, u32 config, EGLint attribs[]; host: u32 status
  kDestroySurface = 5,  // guest: u32 id; host: u32 status
  kCreateContext = 6,   // guest: u32 id, u32 config, u32 share id, u32 EGL API, EGLint attribs[];
                        // host: u32 status (+ region fd by SCM_RIGHTS when status is EGL_SUCCESS)
  kDestroyContext = 7,  // guest: u32 id; host: u32 status
  kError = 8,           // host: the session is over; the reason follows (UTF-8, no NUL)
  kReply = 9,           // host: the answer to the guest's last request
  kDestroyImage = 10,   // guest: u32 image id; host: u32 status (images are made in a stream)
  kCreateVulkanStream = 11,  // guest: u32 id; host: u32 VkResult (+ region fd by SCM_RIGHTS
                             // when VK_SUCCESS): a stream of Vulkan commands (protocol.md)
  // Direct X11 windows (protocol.md): whether the guest's X display is the host's own.
  kCheckX11Display = 12,  // guest: string property name, bytes token; host: u32 1 (same) or 0
  // guest: u32 id, u32 config, u32 share id, u32 EGL API, u32 visual, u32 double-buffered,
  // EGLint attribs[]; host: as kCreateContext. A host GLX context for a checked display.
  kCreateX11Context = 13,
  // guest: u32 id, u32 config, u32 visual, u32 double-buffered, u32 window (0: a pbuffer),
  // i32 width, i32 height; host: u32 status. A window as itself, or a host GLX pbuffer.
  kCreateX11Surface = 14,
};

}  // namespace gfxrelay::wire
