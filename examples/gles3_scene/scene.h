// The GL ES 3.0 side of the demo. It touches the paths an API relay must get right: a VAO with an
// interleaved VBO and a 16-bit index buffer, client-side vertex arrays (VAO 0, interleaved and
// separate), textures uploaded under non-default pixel-store state, mipmap generation, and a
// uniform buffer updated every frame.
#pragma once

#include <GLES3/gl3.h>

#include <cstdint>
#include <vector>

#include "geometry.h"

namespace gles3_scene {

class Scene {
 public:
  Scene();  // needs a current ES 3 context; throws Failure
  ~Scene();
  Scene(const Scene&) = delete;
  Scene& operator=(const Scene&) = delete;

  // Renders frame `frame` (its index is the only notion of time) into the current surface.
  void Render(int frame, int width, int height);
  // Reads the current surface back as RGBA8, bottom row first.
  std::vector<std::uint8_t> ReadPixels(int width, int height);

 private:
  struct Uniforms {
    GLint model = -1;
    GLint view_projection = -1;
    GLint camera_position = -1;
    GLint uv_scale = -1;
    GLint tint = -1;
    GLint texture = -1;
  };

  void DrawTorus(int frame);
  void DrawGround();
  void DrawOrbitingCube(int frame);

  GLuint program_ = 0;
  GLuint vertex_array_ = 0;
  GLuint vertex_buffer_ = 0;
  GLuint index_buffer_ = 0;
  GLuint light_buffer_ = 0;
  GLuint checker_texture_ = 0;
  GLuint stripes_texture_ = 0;
  GLsizei torus_index_count_ = 0;
  Uniforms uniforms_;
  std::vector<Vertex> ground_;  // drawn from client memory
  SeparateArrays cube_;         // drawn from client memory
};

}  // namespace gles3_scene
