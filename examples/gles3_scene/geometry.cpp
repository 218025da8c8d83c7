#include "geometry.h"

#include <cmath>

#include "mat4.h"

namespace gles3_scene {

IndexedMesh MakeTorus(float major_radius, float minor_radius, int rings, int sides) {
  IndexedMesh mesh;
  // One extra column and row duplicate the seam so the texture coordinates wrap cleanly.
  for (int ring = 0; ring <= rings; ++ring) {
    const float u = static_cast<float>(ring) / rings;
    const float theta = u * 2.0f * kPi;
    for (int side = 0; side <= sides; ++side) {
      const float v = static_cast<float>(side) / sides;
      const float phi = v * 2.0f * kPi;
      const float nx = std::cos(phi) * std::cos(theta);
      const float ny = std::sin(phi);
      const float nz = std::cos(phi) * std::sin(theta);
      const float ring_x = major_radius * std::cos(theta);
      const float ring_z = major_radius * std::sin(theta);
      mesh.vertices.push_back(
          {{ring_x + minor_radius * nx, minor_radius * ny, ring_z + minor_radius * nz},
           {nx, ny, nz},
           {u * 4.0f, v}});
    }
  }
  const int stride = sides + 1;
  for (int ring = 0; ring < rings; ++ring) {
    for (int side = 0; side < sides; ++side) {
      const auto a = static_cast<std::uint16_t>(ring * stride + side);
      const auto b = static_cast<std::uint16_t>((ring + 1) * stride + side);
      const auto c = static_cast<std::uint16_t>((ring + 1) * stride + side + 1);
      const auto d = static_cast<std::uint16_t>(ring * stride + side + 1);
      mesh.indices.insert(mesh.indices.end(), {a, d, c, a, c, b});
    }
  }
  return mesh;
}

std::vector<Vertex> MakeGroundPlane(float half_size, float y, float uv_repeat) {
  return {
      {{-half_size, y, half_size}, {0, 1, 0}, {0, 0}},
      {{half_size, y, half_size}, {0, 1, 0}, {uv_repeat, 0}},
      {{-half_size, y, -half_size}, {0, 1, 0}, {0, uv_repeat}},
      {{half_size, y, -half_size}, {0, 1, 0}, {uv_repeat, uv_repeat}},
  };
}

SeparateArrays MakeCube(float half_size) {
  // Each face: outward normal, and two in-face axes chosen so (axis_u x axis_v) == normal,
  // which makes the triangles counter-clockwise seen from outside.
  struct Face {
    float normal[3], axis_u[3], axis_v[3];
  };
  static constexpr Face kFaces[] = {
      {{1, 0, 0}, {0, 0, -1}, {0, 1, 0}}, {{-1, 0, 0}, {0, 0, 1}, {0, 1, 0}},
      {{0, 1, 0}, {1, 0, 0}, {0, 0, -1}}, {{0, -1, 0}, {1, 0, 0}, {0, 0, 1}},
      {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}},  {{0, 0, -1}, {-1, 0, 0}, {0, 1, 0}},
  };
  static constexpr float kCorners[6][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 0}, {1, 1}, {0, 1}};
  SeparateArrays cube;
  for (const Face& face : kFaces) {
    for (const auto& corner : kCorners) {
      const float su = corner[0] * 2.0f - 1.0f;
      const float sv = corner[1] * 2.0f - 1.0f;
      for (int k = 0; k < 3; ++k) {
        cube.positions.push_back(half_size *
                                 (face.normal[k] + su * face.axis_u[k] + sv * face.axis_v[k]));
        cube.normals.push_back(face.normal[k]);
      }
      cube.uvs.push_back(corner[0]);
      cube.uvs.push_back(corner[1]);
      ++cube.vertex_count;
    }
  }
  return cube;
}

Image MakeCheckerGradient(int size) {
  Image image{size, size, 4, {}};
  image.pixels.reserve(static_cast<size_t>(size) * size * 4);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const bool light = ((x / 32) + (y / 32)) % 2 == 0;
      const int gx = x * 255 / (size - 1);
      const int gy = y * 255 / (size - 1);
      if (light) {
        image.pixels.insert(image.pixels.end(), {255, static_cast<std::uint8_t>(200 + gy / 5),
                                                 static_cast<std::uint8_t>(120 + gx / 3), 255});
      } else {
        image.pixels.insert(image.pixels.end(),
                            {static_cast<std::uint8_t>(gx), static_cast<std::uint8_t>(60 + gy / 2),
                             static_cast<std::uint8_t>(255 - gx), 255});
      }
    }
  }
  return image;
}

Image MakeOddStripes(int width, int height) {
  Image image{width, height, 3, {}};
  image.pixels.reserve(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      // Diagonal stripes plus a border, so a wrong row pitch shears the pattern visibly.
      const bool stripe = ((x + 2 * y) / 4) % 2 == 0;
      const bool border = x == 0 || y == 0;
      const std::uint8_t r = border ? 30 : (stripe ? 90 : 160);
      const std::uint8_t g = border ? 30 : (stripe ? 150 : 190);
      const std::uint8_t b = border ? 30 : static_cast<std::uint8_t>(80 + x * 4);
      image.pixels.insert(image.pixels.end(), {r, g, b});
    }
  }
  return image;
}

Image MakeBadge(int width, int height) {
  Image image{width, height, 4, {}};
  image.pixels.reserve(static_cast<size_t>(width) * height * 4);
  const float cx = (width - 1) / 2.0f, cy = (height - 1) / 2.0f;
  const float radius = (width < height ? width : height) / 2.0f;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const float d = std::hypot(x - cx, y - cy) / radius;
      const bool ring = d > 0.3f && d < 0.55f;
      if (ring) {
        image.pixels.insert(image.pixels.end(), {240, 40, 40, 255});
      } else {
        image.pixels.insert(image.pixels.end(), {250, 250, 250, 255});
      }
    }
  }
  return image;
}

}  // namespace gles3_scene
