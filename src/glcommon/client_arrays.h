// Client-side vertex arrays travel with each draw (gfxrelay_ClientArrays, docs/protocol.md),
// each named by a slot: a generic attribute's index, or one of the compatibility profile's
// fixed-function arrays, numbered after the generic ones.
#pragma once

#include <cstdint>

namespace gfxrelay::gl {

inline constexpr uint32_t kGenericArraySlots = 64;  // generic attribute indices 0..63
inline constexpr uint32_t kFixedVertexArray = 64;   // glVertexPointer
inline constexpr uint32_t kFixedNormalArray = 65;   // glNormalPointer
inline constexpr uint32_t kFixedColorArray = 66;    // glColorPointer
inline constexpr uint32_t kFixedSecondaryColorArray = 67;
inline constexpr uint32_t kFixedFogCoordArray = 68;
inline constexpr uint32_t kFixedIndexArray = 69;
inline constexpr uint32_t kFixedEdgeFlagArray = 70;
inline constexpr uint32_t kFixedTexCoordArray0 = 71;  // + the client active texture unit
inline constexpr uint32_t kFixedTexCoordUnits = 8;
inline constexpr uint32_t kClientArraySlots = kFixedTexCoordArray0 + kFixedTexCoordUnits;

// How an attribute's values reach the shader: glVertexAttribPointer (converted to float),
// glVertexAttribIPointer (integers) or glVertexAttribLPointer (64-bit). Also the `kind` word of
// gfxrelay_ClientArrays entries.
enum class AttribKind : uint32_t { kFloat = 0, kInteger = 1, kLong = 2 };

constexpr bool is_fixed_function_array(uint32_t slot) {
  return slot >= kFixedVertexArray && slot < kClientArraySlots;
}

// The slot of a glEnableClientState / glDisableClientState array (GL 4.6 compatibility,
// 10.3.9); texture coordinates follow the client active texture. kClientArraySlots when
// the name is no array (GL_INVALID_ENUM).
constexpr uint32_t client_state_slot(uint32_t array, uint32_t client_active_unit) {
  switch (array) {
    case 0x8074:  // GL_VERTEX_ARRAY
      return kFixedVertexArray;
    case 0x8075:  // GL_NORMAL_ARRAY
      return kFixedNormalArray;
    case 0x8076:  // GL_COLOR_ARRAY
      return kFixedColorArray;
    case 0x845E:  // GL_SECONDARY_COLOR_ARRAY
      return kFixedSecondaryColorArray;
    case 0x8457:  // GL_FOG_COORD_ARRAY
      return kFixedFogCoordArray;
    case 0x8077:  // GL_INDEX_ARRAY
      return kFixedIndexArray;
    case 0x8079:  // GL_EDGE_FLAG_ARRAY
      return kFixedEdgeFlagArray;
    case 0x8078:  // GL_TEXTURE_COORD_ARRAY
      return client_active_unit < kFixedTexCoordUnits ? kFixedTexCoordArray0 + client_active_unit
                                                      : kClientArraySlots;
    default:
      return kClientArraySlots;
  }
}

// The slot whose pointer glGetPointerv's `pname` asks for; kClientArraySlots for others.
constexpr uint32_t array_pointer_slot(uint32_t pname, uint32_t client_active_unit) {
  switch (pname) {
    case 0x808E:  // GL_VERTEX_ARRAY_POINTER
      return kFixedVertexArray;
    case 0x808F:  // GL_NORMAL_ARRAY_POINTER
      return kFixedNormalArray;
    case 0x8090:  // GL_COLOR_ARRAY_POINTER
      return kFixedColorArray;
    case 0x845D:  // GL_SECONDARY_COLOR_ARRAY_POINTER
      return kFixedSecondaryColorArray;
    case 0x8456:  // GL_FOG_COORD_ARRAY_POINTER
      return kFixedFogCoordArray;
    case 0x8091:  // GL_INDEX_ARRAY_POINTER
      return kFixedIndexArray;
    case 0x8093:  // GL_EDGE_FLAG_ARRAY_POINTER
      return kFixedEdgeFlagArray;
    case 0x8092:  // GL_TEXTURE_COORD_ARRAY_POINTER
      return client_state_slot(0x8078, client_active_unit);
    default:
      return kClientArraySlots;
  }
}

}  // namespace gfxrelay::gl
