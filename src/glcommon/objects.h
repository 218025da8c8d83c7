// Which GL objects the contexts of one share group have in common; guest and host agree on it.
#pragma once

#include "gl_params_gen.h"

namespace gfxrelay::gl {

// ES shares buffers, textures, renderbuffers, samplers, programs and shaders (and syncs) between
// the contexts of a share group; vertex arrays, framebuffers, transform feedbacks, queries and
// program pipelines belong to one context.
constexpr bool shared_kind(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kBuffer:
    case ObjectKind::kTexture:
    case ObjectKind::kRenderbuffer:
    case ObjectKind::kSampler:
    case ObjectKind::kProgram:
    case ObjectKind::kShader:
      return true;
    default:
      return false;
  }
}

}  // namespace gfxrelay::gl
