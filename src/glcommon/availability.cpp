#include "glcommon/availability.h"

#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>

namespace gfxrelay::gl {

namespace {
constexpr int kContextCoreProfileBit = 0x1;  // GL_CONTEXT_CORE_PROFILE_BIT
}

ContextApi current_context_api(const char* version_string, int context_profile_mask) {
  ContextApi api;
  const char* v = version_string ? version_string : "";
  static const char kEsPrefix[] = "OpenGL ES ";
  api.es = std::strncmp(v, kEsPrefix, sizeof kEsPrefix - 1) == 0;
  if (api.es) v += sizeof kEsPrefix - 1;
  int major = 0, minor = 0;
  if (std::sscanf(v, "%d.%d", &major, &minor) == 2) api.version = major * 10 + minor;
  api.core_profile =
      !api.es && api.version >= 32 && (context_profile_mask & kContextCoreProfileBit);
  return api;
}

std::vector<bool> available_opcodes(const ContextApi& api,
                                    const std::vector<std::string>& extensions) {
  const std::set<std::string> offered(extensions.begin(), extensions.end());
  std::vector<bool> allowed(wire::kOpcodeCount, false);
  for (uint32_t op = 0; op < wire::kOpcodeCount; ++op) {
    const OpcodeAvailability& a = kOpcodeAvailability[op];
    const int first = api.es ? a.gles : a.gl;
    bool ok = first != 0 && first <= api.version && !(api.core_profile && a.compat_only);
    std::istringstream names(a.extensions);
    for (std::string e; !ok && names >> e;) ok = offered.count(e) != 0;
    allowed[op] = ok;
  }
  return allowed;
}

}  // namespace gfxrelay::gl
