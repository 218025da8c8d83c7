// The little linear algebra the scene needs: column-major 4x4 matrices, as GL expects them.
#pragma once

#include <array>
#include <cmath>

namespace gles3_scene {

struct Vec3 {
  float x, y, z;
};

inline Vec3 operator-(Vec3 a, Vec3 b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
inline float Dot(Vec3 a, Vec3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
inline Vec3 Cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline Vec3 Normalize(Vec3 v) {
  const float length = std::sqrt(Dot(v, v));
  return {v.x / length, v.y / length, v.z / length};
}

struct Mat4 {
  std::array<float, 16> m{};  // m[column * 4 + row]

  float& at(int row, int column) { return m[column * 4 + row]; }
  float at(int row, int column) const { return m[column * 4 + row]; }
  const float* data() const { return m.data(); }

  static Mat4 Identity() {
    Mat4 r;
    for (int i = 0; i < 4; ++i) r.at(i, i) = 1.0f;
    return r;
  }
};

inline Mat4 operator*(const Mat4& a, const Mat4& b) {
  Mat4 r;
  for (int row = 0; row < 4; ++row) {
    for (int column = 0; column < 4; ++column) {
      float sum = 0.0f;
      for (int k = 0; k < 4; ++k) sum += a.at(row, k) * b.at(k, column);
      r.at(row, column) = sum;
    }
  }
  return r;
}

inline Mat4 Translate(float x, float y, float z) {
  Mat4 r = Mat4::Identity();
  r.at(0, 3) = x;
  r.at(1, 3) = y;
  r.at(2, 3) = z;
  return r;
}

inline Mat4 Scale(float s) {
  Mat4 r = Mat4::Identity();
  for (int i = 0; i < 3; ++i) r.at(i, i) = s;
  return r;
}

inline Mat4 RotateX(float radians) {
  Mat4 r = Mat4::Identity();
  const float c = std::cos(radians), s = std::sin(radians);
  r.at(1, 1) = c;
  r.at(1, 2) = -s;
  r.at(2, 1) = s;
  r.at(2, 2) = c;
  return r;
}

inline Mat4 RotateY(float radians) {
  Mat4 r = Mat4::Identity();
  const float c = std::cos(radians), s = std::sin(radians);
  r.at(0, 0) = c;
  r.at(0, 2) = s;
  r.at(2, 0) = -s;
  r.at(2, 2) = c;
  return r;
}

inline Mat4 Perspective(float fovy_radians, float aspect, float near, float far) {
  Mat4 r;
  const float f = 1.0f / std::tan(fovy_radians / 2.0f);
  r.at(0, 0) = f / aspect;
  r.at(1, 1) = f;
  r.at(2, 2) = (far + near) / (near - far);
  r.at(2, 3) = 2.0f * far * near / (near - far);
  r.at(3, 2) = -1.0f;
  return r;
}

inline Mat4 LookAt(Vec3 eye, Vec3 center, Vec3 up) {
  const Vec3 forward = Normalize(center - eye);
  const Vec3 side = Normalize(Cross(forward, up));
  const Vec3 true_up = Cross(side, forward);
  Mat4 r = Mat4::Identity();
  r.at(0, 0) = side.x;
  r.at(0, 1) = side.y;
  r.at(0, 2) = side.z;
  r.at(1, 0) = true_up.x;
  r.at(1, 1) = true_up.y;
  r.at(1, 2) = true_up.z;
  r.at(2, 0) = -forward.x;
  r.at(2, 1) = -forward.y;
  r.at(2, 2) = -forward.z;
  r.at(0, 3) = -Dot(side, eye);
  r.at(1, 3) = -Dot(true_up, eye);
  r.at(2, 3) = Dot(forward, eye);
  return r;
}

constexpr float kPi = 3.14159265358979f;
constexpr float Radians(float degrees) {
  return degrees * kPi / 180.0f;
}

}  // namespace gles3_scene
