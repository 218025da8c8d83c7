// Which stream opcodes a context may use: those its API and version have, and those of the
// extensions it was offered (tables generated from gl.xml by codegen/gen_gl.py). The host calls
// the GL only through opcodes that pass this check: libepoxy aborts the process when a command
// has no provider in the current context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "opcodes_gen.h"

namespace gfxrelay::gl {

struct OpcodeAvailability {
  uint8_t gles;            // first OpenGL ES version with the command (major*10+minor), 0: none
  uint8_t gl;              // first desktop OpenGL version, 0: none
  bool compat_only;        // removed from the core profile
  bool has_reply;          // the guest waits for a reply
  const char* extensions;  // space-separated extensions that bring it
};
extern const OpcodeAvailability kOpcodeAvailability[wire::kOpcodeCount];
extern const char* const kCarriedExtensions[];
extern const size_t kCarriedExtensionCount;

// The API of one context, as its GL reports it.
struct ContextApi {
  bool es = true;
  int version = 20;  // major*10+minor
  bool core_profile = false;
};

// Reads the current context's GL_VERSION and profile.
ContextApi current_context_api(const char* version_string, int context_profile_mask);

// One flag per opcode: may a context of `api` with `extensions` use it.
std::vector<bool> available_opcodes(const ContextApi& api,
                                    const std::vector<std::string>& extensions);

}  // namespace gfxrelay::gl
