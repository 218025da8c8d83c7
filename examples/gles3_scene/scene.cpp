#include "scene.h"

#include <cmath>
#include <cstddef>
#include <string>

#include "failure.h"
#include "mat4.h"

namespace gles3_scene {
namespace {

constexpr GLuint kPositionAttrib = 0;
constexpr GLuint kNormalAttrib = 1;
constexpr GLuint kUvAttrib = 2;
constexpr GLuint kLightBinding = 0;

const Vec3 kCameraPosition = {0.0f, 2.4f, 5.2f};

constexpr char kVertexShader[] = R"(#version 300 es
layout(location = 0) in vec3 a_position;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in vec2 a_uv;
uniform mat4 u_model;
uniform mat4 u_view_projection;
uniform vec2 u_uv_scale;
out vec3 v_world_position;
out vec3 v_normal;
out vec2 v_uv;
void main() {
  vec4 world = u_model * vec4(a_position, 1.0);
  v_world_position = world.xyz;
  v_normal = mat3(u_model) * a_normal;  // models use rotations and uniform scale only
  v_uv = a_uv * u_uv_scale;
  gl_Position = u_view_projection * world;
}
)";

constexpr char kFragmentShader[] = R"(#version 300 es
precision highp float;
layout(std140) uniform Light {
  vec4 position;       // world space
  vec4 color;          // diffuse
  vec4 ambient;
  vec4 specular;       // rgb, and the shininess in w
} light;
uniform vec3 u_camera_position;
uniform vec3 u_tint;
uniform sampler2D u_texture;
in vec3 v_world_position;
in vec3 v_normal;
in vec2 v_uv;
out vec4 frag_color;
void main() {
  vec3 n = normalize(v_normal);
  vec3 to_light = light.position.xyz - v_world_position;
  float distance_to_light = length(to_light);
  vec3 l = to_light / distance_to_light;
  vec3 v = normalize(u_camera_position - v_world_position);
  float diffuse = max(dot(n, l), 0.0);
  float specular = 0.0;
  if (diffuse > 0.0) specular = pow(max(dot(reflect(-l, n), v), 0.0), light.specular.w);
  float attenuation = 1.0 / (1.0 + 0.02 * distance_to_light * distance_to_light);
  vec3 albedo = texture(u_texture, v_uv).rgb * u_tint;
  vec3 color = albedo * (light.ambient.rgb + light.color.rgb * diffuse * attenuation) +
               light.specular.rgb * specular * attenuation;
  frag_color = vec4(color, 1.0);
}
)";

struct LightBlock {  // std140 layout of the Light block: four vec4
  float position[4];
  float color[4];
  float ambient[4];
  float specular[4];
};
static_assert(sizeof(LightBlock) == 64);

GLuint CompileShader(GLenum type, const char* source, const char* name) {
  const GLuint shader = glCreateShader(type);
  if (shader == 0) throw Failure("glCreateShader failed: GL error " + Hex(glGetError()));
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok != GL_TRUE) {
    GLint length = 0;
    glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
    std::string log(static_cast<size_t>(length > 1 ? length : 1), '\0');
    glGetShaderInfoLog(shader, static_cast<GLsizei>(log.size()), nullptr, log.data());
    glDeleteShader(shader);
    throw Failure(std::string("glCompileShader(") + name + ") failed: " + log.c_str());
  }
  return shader;
}

GLuint LinkProgram() {
  const GLuint vertex = CompileShader(GL_VERTEX_SHADER, kVertexShader, "vertex");
  GLuint fragment = 0;
  try {
    fragment = CompileShader(GL_FRAGMENT_SHADER, kFragmentShader, "fragment");
  } catch (...) {
    glDeleteShader(vertex);
    throw;
  }
  const GLuint program = glCreateProgram();
  glAttachShader(program, vertex);
  glAttachShader(program, fragment);
  glLinkProgram(program);
  // The program keeps the shaders it needs; flag them for deletion now.
  glDeleteShader(vertex);
  glDeleteShader(fragment);
  GLint ok = GL_FALSE;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (ok != GL_TRUE) {
    GLint length = 0;
    glGetProgramiv(program, GL_INFO_LOG_LENGTH, &length);
    std::string log(static_cast<size_t>(length > 1 ? length : 1), '\0');
    glGetProgramInfoLog(program, static_cast<GLsizei>(log.size()), nullptr, log.data());
    glDeleteProgram(program);
    throw Failure(std::string("glLinkProgram failed: ") + log.c_str());
  }
  return program;
}

GLint UniformLocation(GLuint program, const char* name) {
  const GLint location = glGetUniformLocation(program, name);
  if (location < 0) throw Failure(std::string("glGetUniformLocation(") + name + ") returned -1");
  return location;
}

void SetMipmappedSampling(GLenum wrap) {
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, wrap);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, wrap);
}

GLuint MakeCheckerTexture() {
  GLuint texture = 0;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  const Image checker = MakeCheckerGradient(256);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, checker.width, checker.height, 0, GL_RGBA,
               GL_UNSIGNED_BYTE, checker.pixels.data());

  // Patch a 24x24 window out of the middle of a 64x40 image into the texture: the relay has to
  // honour row length and skips to fetch the right bytes.
  const Image badge = MakeBadge(64, 40);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, badge.width);
  glPixelStorei(GL_UNPACK_SKIP_PIXELS, 20);
  glPixelStorei(GL_UNPACK_SKIP_ROWS, 8);
  for (int i = 0; i < 4; ++i) {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 20 + 64 * i, 100, 24, 24, GL_RGBA, GL_UNSIGNED_BYTE,
                    badge.pixels.data());
  }
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glPixelStorei(GL_UNPACK_SKIP_PIXELS, 0);
  glPixelStorei(GL_UNPACK_SKIP_ROWS, 0);

  SetMipmappedSampling(GL_REPEAT);
  glGenerateMipmap(GL_TEXTURE_2D);
  return texture;
}

GLuint MakeStripesTexture() {
  GLuint texture = 0;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  // 37 RGB pixels make 111-byte rows: with the default alignment of 4 GL would read 112.
  const Image stripes = MakeOddStripes(37, 19);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB, stripes.width, stripes.height, 0, GL_RGB, GL_UNSIGNED_BYTE,
               stripes.pixels.data());
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  SetMipmappedSampling(GL_REPEAT);
  glGenerateMipmap(GL_TEXTURE_2D);
  return texture;
}

}  // namespace

// If this throws part way, the objects made so far go with the context, which main() destroys
// right after.
Scene::Scene() {
  program_ = LinkProgram();
  uniforms_.model = UniformLocation(program_, "u_model");
  uniforms_.view_projection = UniformLocation(program_, "u_view_projection");
  uniforms_.camera_position = UniformLocation(program_, "u_camera_position");
  uniforms_.uv_scale = UniformLocation(program_, "u_uv_scale");
  uniforms_.tint = UniformLocation(program_, "u_tint");
  uniforms_.texture = UniformLocation(program_, "u_texture");
  const GLuint light_block = glGetUniformBlockIndex(program_, "Light");
  if (light_block == GL_INVALID_INDEX) throw Failure("glGetUniformBlockIndex(Light) failed");
  glUniformBlockBinding(program_, light_block, kLightBinding);

  // Torus: interleaved vertices in a VBO, 16-bit indices, all captured by a VAO.
  const IndexedMesh torus = MakeTorus(1.0f, 0.4f, 48, 24);
  torus_index_count_ = static_cast<GLsizei>(torus.indices.size());
  glGenVertexArrays(1, &vertex_array_);
  glBindVertexArray(vertex_array_);
  glGenBuffers(1, &vertex_buffer_);
  glBindBuffer(GL_ARRAY_BUFFER, vertex_buffer_);
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(torus.vertices.size() * sizeof(Vertex)),
               torus.vertices.data(), GL_STATIC_DRAW);
  glGenBuffers(1, &index_buffer_);
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, index_buffer_);
  glBufferData(GL_ELEMENT_ARRAY_BUFFER,
               static_cast<GLsizeiptr>(torus.indices.size() * sizeof(std::uint16_t)),
               torus.indices.data(), GL_STATIC_DRAW);
  const auto stride = static_cast<GLsizei>(sizeof(Vertex));
  glVertexAttribPointer(kPositionAttrib, 3, GL_FLOAT, GL_FALSE, stride,
                        reinterpret_cast<const void*>(offsetof(Vertex, position)));
  glVertexAttribPointer(kNormalAttrib, 3, GL_FLOAT, GL_FALSE, stride,
                        reinterpret_cast<const void*>(offsetof(Vertex, normal)));
  glVertexAttribPointer(kUvAttrib, 2, GL_FLOAT, GL_FALSE, stride,
                        reinterpret_cast<const void*>(offsetof(Vertex, uv)));
  glEnableVertexAttribArray(kPositionAttrib);
  glEnableVertexAttribArray(kNormalAttrib);
  glEnableVertexAttribArray(kUvAttrib);
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);

  // Light parameters live in a uniform buffer, rewritten each frame.
  glGenBuffers(1, &light_buffer_);
  glBindBuffer(GL_UNIFORM_BUFFER, light_buffer_);
  glBufferData(GL_UNIFORM_BUFFER, sizeof(LightBlock), nullptr, GL_DYNAMIC_DRAW);
  glBindBufferBase(GL_UNIFORM_BUFFER, kLightBinding, light_buffer_);

  checker_texture_ = MakeCheckerTexture();
  stripes_texture_ = MakeStripesTexture();

  ground_ = MakeGroundPlane(6.0f, -1.5f, 1.0f);
  cube_ = MakeCube(0.3f);

  glEnable(GL_DEPTH_TEST);
  glDepthFunc(GL_LESS);
  glEnable(GL_CULL_FACE);
  glCullFace(GL_BACK);
  glFrontFace(GL_CCW);
}

Scene::~Scene() {
  glDeleteTextures(1, &stripes_texture_);
  glDeleteTextures(1, &checker_texture_);
  glDeleteBuffers(1, &light_buffer_);
  glDeleteBuffers(1, &index_buffer_);
  glDeleteBuffers(1, &vertex_buffer_);
  glDeleteVertexArrays(1, &vertex_array_);
  glDeleteProgram(program_);
}

void Scene::Render(int frame, int width, int height) {
  glViewport(0, 0, width, height);
  glClearColor(0.08f, 0.10f, 0.16f, 1.0f);
  glClearDepthf(1.0f);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);

  glUseProgram(program_);
  const float light_angle = Radians(40.0f + 9.0f * static_cast<float>(frame));
  const LightBlock light = {
      {4.0f * std::cos(light_angle), 4.5f, 4.0f * std::sin(light_angle), 1.0f},
      {1.0f, 0.95f, 0.85f, 1.0f},
      {0.18f, 0.18f, 0.22f, 1.0f},
      {0.9f, 0.9f, 0.9f, 48.0f},
  };
  glBindBuffer(GL_UNIFORM_BUFFER, light_buffer_);
  glBufferSubData(GL_UNIFORM_BUFFER, 0, sizeof light, &light);

  const Mat4 view_projection =
      Perspective(Radians(50.0f), static_cast<float>(width) / static_cast<float>(height), 0.1f,
                  50.0f) *
      LookAt(kCameraPosition, {0.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 0.0f});
  glUniformMatrix4fv(uniforms_.view_projection, 1, GL_FALSE, view_projection.data());
  glUniform3f(uniforms_.camera_position, kCameraPosition.x, kCameraPosition.y, kCameraPosition.z);
  glUniform1i(uniforms_.texture, 0);
  glActiveTexture(GL_TEXTURE0);

  DrawTorus(frame);
  DrawGround();
  DrawOrbitingCube(frame);
}

void Scene::DrawTorus(int frame) {
  const float f = static_cast<float>(frame);
  const Mat4 model = Translate(0.0f, 0.2f, 0.0f) * RotateY(Radians(12.0f * f)) *
                     RotateX(Radians(60.0f + 7.0f * f));
  glUniformMatrix4fv(uniforms_.model, 1, GL_FALSE, model.data());
  glUniform2f(uniforms_.uv_scale, 1.0f, 1.0f);
  glUniform3f(uniforms_.tint, 1.0f, 1.0f, 1.0f);
  glBindTexture(GL_TEXTURE_2D, checker_texture_);
  glBindVertexArray(vertex_array_);
  glDrawElements(GL_TRIANGLES, torus_index_count_, GL_UNSIGNED_SHORT, nullptr);
  glBindVertexArray(0);
}

void Scene::DrawGround() {
  // Client-side arrays: VAO 0, no GL_ARRAY_BUFFER bound, pointers into our own memory.
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  const Mat4 model = Mat4::Identity();
  glUniformMatrix4fv(uniforms_.model, 1, GL_FALSE, model.data());
  glUniform2f(uniforms_.uv_scale, 7.0f, 7.0f);
  glUniform3f(uniforms_.tint, 1.0f, 1.0f, 1.0f);
  glBindTexture(GL_TEXTURE_2D, stripes_texture_);
  const auto stride = static_cast<GLsizei>(sizeof(Vertex));
  glVertexAttribPointer(kPositionAttrib, 3, GL_FLOAT, GL_FALSE, stride, ground_[0].position);
  glVertexAttribPointer(kNormalAttrib, 3, GL_FLOAT, GL_FALSE, stride, ground_[0].normal);
  glVertexAttribPointer(kUvAttrib, 2, GL_FLOAT, GL_FALSE, stride, ground_[0].uv);
  glEnableVertexAttribArray(kPositionAttrib);
  glEnableVertexAttribArray(kNormalAttrib);
  glEnableVertexAttribArray(kUvAttrib);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, static_cast<GLsizei>(ground_.size()));
  glDisableVertexAttribArray(kPositionAttrib);
  glDisableVertexAttribArray(kNormalAttrib);
  glDisableVertexAttribArray(kUvAttrib);
}

void Scene::DrawOrbitingCube(int frame) {
  // Client-side arrays again, now one tightly packed array per attribute (stride 0).
  const float f = static_cast<float>(frame);
  const float orbit = Radians(20.0f * f);
  const Mat4 model = Translate(2.2f * std::cos(orbit), -0.6f, 2.2f * std::sin(orbit)) *
                     RotateY(Radians(-35.0f * f)) * RotateX(Radians(25.0f));
  glUniformMatrix4fv(uniforms_.model, 1, GL_FALSE, model.data());
  glUniform2f(uniforms_.uv_scale, 1.0f, 1.0f);
  glUniform3f(uniforms_.tint, 0.55f, 0.8f, 1.0f);
  glBindTexture(GL_TEXTURE_2D, checker_texture_);
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glVertexAttribPointer(kPositionAttrib, 3, GL_FLOAT, GL_FALSE, 0, cube_.positions.data());
  glVertexAttribPointer(kNormalAttrib, 3, GL_FLOAT, GL_FALSE, 0, cube_.normals.data());
  glVertexAttribPointer(kUvAttrib, 2, GL_FLOAT, GL_FALSE, 0, cube_.uvs.data());
  glEnableVertexAttribArray(kPositionAttrib);
  glEnableVertexAttribArray(kNormalAttrib);
  glEnableVertexAttribArray(kUvAttrib);
  glDrawArrays(GL_TRIANGLES, 0, cube_.vertex_count);
  glDisableVertexAttribArray(kPositionAttrib);
  glDisableVertexAttribArray(kNormalAttrib);
  glDisableVertexAttribArray(kUvAttrib);
}

std::vector<std::uint8_t> Scene::ReadPixels(int width, int height) {
  std::vector<std::uint8_t> pixels(static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
  // Waits for the frame through a fence, as programs that pace themselves do.
  GLsync fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  if (!fence) throw Failure("glFenceSync failed: GL error " + Hex(glGetError()));
  const GLenum waited = glClientWaitSync(fence, GL_SYNC_FLUSH_COMMANDS_BIT, 10'000'000'000ull);
  glDeleteSync(fence);
  if (waited != GL_ALREADY_SIGNALED && waited != GL_CONDITION_SATISFIED)
    throw Failure("glClientWaitSync returned " + Hex(waited));
  glPixelStorei(GL_PACK_ALIGNMENT, 4);  // RGBA8 rows are always 4-byte aligned
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  return pixels;
}

}  // namespace gles3_scene
