// The session's memory quota for what GL allocates on a guest's behalf: buffer data and storage,
// texture and renderbuffer images. Each allocation is an entry of its share group
// (HostShareGroup::allocations: object, level and face, or the whole storage), so re-specifying
// an image replaces its entry and deleting the object gives all of them back.
#include <algorithm>

#include "host/decoder/decoding.h"

namespace gfxrelay::host {

namespace {

// Bits a texel of this internal format takes as the driver stores it (3-component formats
// padded to 4). Unsized formats take what the data the program gives takes (format, type);
// formats not listed count 128 bits, the largest uncompressed texel.
int64_t texel_bits(GLenum internalformat, GLenum format, GLenum type) {
  switch (internalformat) {
    case GL_R8:
    case GL_R8I:
    case GL_R8UI:
    case GL_R8_SNORM:
    case GL_ALPHA8_EXT:
    case GL_LUMINANCE8_EXT:
    case GL_INTENSITY8:
    case GL_STENCIL_INDEX8:
      return 8;
    case GL_RG8:
    case GL_RG8I:
    case GL_RG8UI:
    case GL_RG8_SNORM:
    case GL_R16:
    case GL_R16F:
    case GL_R16I:
    case GL_R16UI:
    case GL_R16_SNORM:
    case GL_RGB565:
    case GL_RGBA4:
    case GL_RGB5_A1:
    case GL_DEPTH_COMPONENT16:
    case GL_LUMINANCE8_ALPHA8_EXT:
    case GL_LUMINANCE16:
    case GL_ALPHA16:
    case GL_INTENSITY16:
      return 16;
    case GL_RGB8:
    case GL_SRGB8:
    case GL_RGB8I:
    case GL_RGB8UI:
    case GL_RGB8_SNORM:
    case GL_DEPTH_COMPONENT24:
    case GL_RGBA8:
    case GL_SRGB8_ALPHA8:
    case GL_RGBA8I:
    case GL_RGBA8UI:
    case GL_RGBA8_SNORM:
    case GL_RGB10_A2:
    case GL_RGB10_A2UI:
    case GL_R11F_G11F_B10F:
    case GL_RGB9_E5:
    case GL_RG16:
    case GL_RG16F:
    case GL_RG16I:
    case GL_RG16UI:
    case GL_RG16_SNORM:
    case GL_R32F:
    case GL_R32I:
    case GL_R32UI:
    case GL_DEPTH24_STENCIL8:
    case GL_DEPTH_COMPONENT32:
    case GL_DEPTH_COMPONENT32F:
    case GL_BGRA8_EXT:
    case GL_RGB10:
      return 32;
    case GL_RGB16:
    case GL_RGB16F:
    case GL_RGB16I:
    case GL_RGB16UI:
    case GL_RGB16_SNORM:
    case GL_RGBA16:
    case GL_RGBA16F:
    case GL_RGBA16I:
    case GL_RGBA16UI:
    case GL_RGBA16_SNORM:
    case GL_RG32F:
    case GL_RG32I:
    case GL_RG32UI:
    case GL_DEPTH32F_STENCIL8:
      return 64;
    case GL_RGB32F:
    case GL_RGB32I:
    case GL_RGB32UI:
    case GL_RGBA32F:
    case GL_RGBA32I:
    case GL_RGBA32UI:
      return 128;
    // Compressed: a block's bits over its texels (ASTC at its densest, 4x4).
    case GL_ETC1_RGB8_OES:
    case GL_COMPRESSED_RGB8_ETC2:
    case GL_COMPRESSED_SRGB8_ETC2:
    case GL_COMPRESSED_RGB8_PUNCHTHROUGH_ALPHA1_ETC2:
    case GL_COMPRESSED_SRGB8_PUNCHTHROUGH_ALPHA1_ETC2:
    case GL_COMPRESSED_R11_EAC:
    case GL_COMPRESSED_SIGNED_R11_EAC:
    case GL_COMPRESSED_RGB_S3TC_DXT1_EXT:
    case GL_COMPRESSED_RGBA_S3TC_DXT1_EXT:
    case GL_COMPRESSED_SRGB_S3TC_DXT1_EXT:
    case GL_COMPRESSED_SRGB_ALPHA_S3TC_DXT1_EXT:
    case GL_COMPRESSED_RED_RGTC1:
    case GL_COMPRESSED_SIGNED_RED_RGTC1:
      return 4;
    case GL_COMPRESSED_RGBA8_ETC2_EAC:
    case GL_COMPRESSED_SRGB8_ALPHA8_ETC2_EAC:
    case GL_COMPRESSED_RG11_EAC:
    case GL_COMPRESSED_SIGNED_RG11_EAC:
    case GL_COMPRESSED_RGBA_S3TC_DXT3_EXT:
    case GL_COMPRESSED_RGBA_S3TC_DXT5_EXT:
    case GL_COMPRESSED_SRGB_ALPHA_S3TC_DXT3_EXT:
    case GL_COMPRESSED_SRGB_ALPHA_S3TC_DXT5_EXT:
    case GL_COMPRESSED_RG_RGTC2:
    case GL_COMPRESSED_SIGNED_RG_RGTC2:
    case GL_COMPRESSED_RGBA_BPTC_UNORM:
    case GL_COMPRESSED_SRGB_ALPHA_BPTC_UNORM:
    case GL_COMPRESSED_RGB_BPTC_SIGNED_FLOAT:
    case GL_COMPRESSED_RGB_BPTC_UNSIGNED_FLOAT:
      return 8;
    // Unsized: as the data given (3 bytes padded to 4); 4 bytes where the command gives none.
    case 1:
    case 2:
    case 3:
    case 4:
    case GL_RED:
    case GL_RG:
    case GL_RGB:
    case GL_RGBA:
    case GL_BGRA_EXT:
    case GL_ALPHA:
    case GL_LUMINANCE:
    case GL_LUMINANCE_ALPHA:
    case GL_INTENSITY:
    case GL_DEPTH_COMPONENT:
    case GL_DEPTH_STENCIL: {
      const uint32_t bytes = format ? gl::pixel_group_bytes(format, type) : 4;
      return bytes == 0 ? 128 : bytes == 3 ? 32 : bytes * 8;
    }
    default:
      if ((internalformat >= GL_COMPRESSED_RGBA_ASTC_4x4_KHR &&
           internalformat <= GL_COMPRESSED_RGBA_ASTC_12x12_KHR) ||
          (internalformat >= GL_COMPRESSED_SRGB8_ALPHA8_ASTC_4x4_KHR &&
           internalformat <= GL_COMPRESSED_SRGB8_ALPHA8_ASTC_12x12_KHR))
        return 8;
      return 128;
  }
}

// The binding that names the texture an image command of `target` specifies, and the cube face
// it is (0 for other targets); 0 for proxies and targets GL will refuse.
GLenum texture_binding(GLenum target, uint32_t* face) {
  *face = 0;
  if (target >= GL_TEXTURE_CUBE_MAP_POSITIVE_X && target <= GL_TEXTURE_CUBE_MAP_NEGATIVE_Z) {
    *face = target - GL_TEXTURE_CUBE_MAP_POSITIVE_X;
    return GL_TEXTURE_BINDING_CUBE_MAP;
  }
  switch (target) {
    case GL_TEXTURE_1D:
      return GL_TEXTURE_BINDING_1D;
    case GL_TEXTURE_2D:
      return GL_TEXTURE_BINDING_2D;
    case GL_TEXTURE_3D:
      return GL_TEXTURE_BINDING_3D;
    case GL_TEXTURE_1D_ARRAY:
      return GL_TEXTURE_BINDING_1D_ARRAY;
    case GL_TEXTURE_2D_ARRAY:
      return GL_TEXTURE_BINDING_2D_ARRAY;
    case GL_TEXTURE_RECTANGLE:
      return GL_TEXTURE_BINDING_RECTANGLE;
    case GL_TEXTURE_CUBE_MAP:
      return GL_TEXTURE_BINDING_CUBE_MAP;
    case GL_TEXTURE_CUBE_MAP_ARRAY:
      return GL_TEXTURE_BINDING_CUBE_MAP_ARRAY;
    case GL_TEXTURE_2D_MULTISAMPLE:
      return GL_TEXTURE_BINDING_2D_MULTISAMPLE;
    case GL_TEXTURE_2D_MULTISAMPLE_ARRAY:
      return GL_TEXTURE_BINDING_2D_MULTISAMPLE_ARRAY;
    default:
      return 0;
  }
}

// Entry of a texture's storage (all levels at once); images are level * 8 + face.
constexpr uint32_t kStorageSlot = UINT32_MAX;

// Bytes of the image or storage `a` describes.
int64_t allocation_bytes(const Allocation& a, GLenum texture_target) {
  if (a.bytes) return *a.bytes;  // buffers; compressed images give their size
  const int64_t bits = texel_bits(a.internalformat, a.format, a.type);
  auto texels = [&](int64_t level) {
    // Width and height halve each level; depth too in 3D textures only (else it is layers,
    // and 1D arrays' height is layers as well).
    const int64_t w = std::max<int64_t>(1, a.width >> level);
    const int64_t h =
        texture_target == GL_TEXTURE_1D_ARRAY ? a.height : std::max<int64_t>(1, a.height >> level);
    const int64_t d =
        texture_target == GL_TEXTURE_3D ? std::max<int64_t>(1, a.depth >> level) : a.depth;
    return w * h * d * std::max<int64_t>(1, a.samples);
  };
  int64_t total = 0;
  if (a.levels > 0) {
    for (int64_t level = 0; level < std::min<int64_t>(a.levels, 32); ++level)
      total += texels(level);
    if (texture_target == GL_TEXTURE_CUBE_MAP) total *= 6;
  } else {
    total = texels(0);
  }
  return (total * bits + 7) / 8;
}

}  // namespace

GLenum buffer_binding(GLenum target) {
  switch (target) {
    case GL_ARRAY_BUFFER:
      return GL_ARRAY_BUFFER_BINDING;
    case GL_ELEMENT_ARRAY_BUFFER:
      return GL_ELEMENT_ARRAY_BUFFER_BINDING;
    case GL_PIXEL_PACK_BUFFER:
      return GL_PIXEL_PACK_BUFFER_BINDING;
    case GL_PIXEL_UNPACK_BUFFER:
      return GL_PIXEL_UNPACK_BUFFER_BINDING;
    case GL_COPY_READ_BUFFER:
      return GL_COPY_READ_BUFFER_BINDING;
    case GL_COPY_WRITE_BUFFER:
      return GL_COPY_WRITE_BUFFER_BINDING;
    case GL_UNIFORM_BUFFER:
      return GL_UNIFORM_BUFFER_BINDING;
    case GL_TRANSFORM_FEEDBACK_BUFFER:
      return GL_TRANSFORM_FEEDBACK_BUFFER_BINDING;
    case GL_SHADER_STORAGE_BUFFER:
      return GL_SHADER_STORAGE_BUFFER_BINDING;
    case GL_ATOMIC_COUNTER_BUFFER:
      return GL_ATOMIC_COUNTER_BUFFER_BINDING;
    case GL_DRAW_INDIRECT_BUFFER:
      return GL_DRAW_INDIRECT_BUFFER_BINDING;
    case GL_DISPATCH_INDIRECT_BUFFER:
      return GL_DISPATCH_INDIRECT_BUFFER_BINDING;
    case GL_TEXTURE_BUFFER:
      return GL_TEXTURE_BUFFER_BINDING;
    case GL_QUERY_BUFFER:
      return GL_QUERY_BUFFER_BINDING;
    default:
      return 0;
  }
}

bool Decoding::begin_allocation(Allocation& a) {
  a.tracked = false;
  // The per-command limits first (images at 16 bytes a texel, whatever their format).
  if (a.bytes ? !allocation_allowed(*a.bytes)
              : !image_allocation_allowed({a.width, a.height, a.depth, a.samples}))
    return false;
  // Negative sizes are GL's errors to report; nothing is allocated.
  if (a.bytes ? *a.bytes < 0 : std::min({a.width, a.height, a.depth, a.samples, a.levels}) < 0)
    return true;
  // Which object: the one named, or the one bound to the target (none for proxies and
  // targets GL refuses: GL reports those, nothing is allocated).
  uint32_t slot = 0;
  GLenum texture_target = a.target;
  GLuint object = a.object;
  if (!a.named) {
    GLenum binding = 0;
    if (a.kind == ObjectKind::kBuffer) binding = buffer_binding(a.target);
    if (a.kind == ObjectKind::kRenderbuffer) binding = GL_RENDERBUFFER_BINDING;
    if (a.kind == ObjectKind::kTexture) binding = texture_binding(a.target, &slot);
    if (!binding) return true;
    GLint bound = 0;
    glGetIntegerv(binding, &bound);
    object = static_cast<GLuint>(bound);
  } else if (object == kUnknownName) {
    return true;  // GL reports the unknown name
  } else if (a.kind == ObjectKind::kTexture) {
    GLint target = 0;  // a named texture's own target (how its levels shrink)
    glGetTextureParameteriv(object, GL_TEXTURE_TARGET, &target);
    texture_target = static_cast<GLenum>(target);
  }
  if (a.kind == ObjectKind::kTexture)
    slot = a.levels > 0 ? kStorageSlot
                        : static_cast<uint32_t>(std::clamp<int64_t>(a.level, 0, 64)) * 8 + slot;
  a.key = {a.kind, object, slot};
  a.total = allocation_bytes(a, texture_target);
  {
    std::lock_guard lock(ctx.share_group()->mutex);
    auto& held = ctx.share_group()->allocations;
    auto it = held.find(a.key);
    a.reserved = a.total - (it == held.end() ? 0 : it->second);
  }
  if (!ctx.quota().reserve_memory(a.reserved)) {
    ctx.record_error(GL_OUT_OF_MEMORY);
    return false;
  }
  for (GLenum e; (e = glGetError()) != GL_NO_ERROR;) ctx.record_error(e);
  a.tracked = true;
  return true;
}

void Decoding::end_allocation(const Allocation& a) {
  if (!a.tracked) return;
  const GLenum error = glGetError();
  ctx.record_error(error);
  SessionQuota& quota = ctx.quota();
  if (error != GL_NO_ERROR) {
    if (a.reserved > 0) quota.release_memory(a.reserved);
    return;
  }
  std::lock_guard lock(ctx.share_group()->mutex);
  auto& held = ctx.share_group()->allocations;
  int64_t& entry = held[a.key];
  // What the entry held may have changed since begin_allocation (another context of the
  // group): settle the difference.
  quota.release_memory(a.reserved - (a.total - entry));
  entry = a.total;
  if (entry == 0) held.erase(a.key);
}

}  // namespace gfxrelay::host
