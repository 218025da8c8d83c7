// CPU-side data of the scene: meshes and procedural textures, all generated deterministically.
#pragma once

#include <cstdint>
#include <vector>

namespace gles3_scene {

// Interleaved layout of the buffer-backed mesh (and of the client-array ground plane).
struct Vertex {
  float position[3];
  float normal[3];
  float uv[2];
};

struct IndexedMesh {
  std::vector<Vertex> vertices;
  std::vector<std::uint16_t> indices;  // drawn with GL_UNSIGNED_SHORT
};

// Separate, tightly packed arrays: drawn from client memory with one pointer per attribute.
struct SeparateArrays {
  std::vector<float> positions;  // 3 per vertex
  std::vector<float> normals;    // 3 per vertex
  std::vector<float> uvs;        // 2 per vertex
  int vertex_count = 0;
};

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;  // 3 (RGB) or 4 (RGBA); rows are tightly packed
  std::vector<std::uint8_t> pixels;
};

IndexedMesh MakeTorus(float major_radius, float minor_radius, int rings, int sides);
std::vector<Vertex> MakeGroundPlane(float half_size, float y, float uv_repeat);  // triangle strip
SeparateArrays MakeCube(float half_size);  // 36 vertices, GL_TRIANGLES

Image MakeCheckerGradient(int size);          // RGBA
Image MakeOddStripes(int width, int height);  // RGB
Image MakeBadge(int width, int height);  // RGBA, a red ring on white (patched in with a sub-image)

}  // namespace gles3_scene
