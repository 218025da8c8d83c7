#version 450
// The interpolated colour, scaled by a push constant.
layout(location = 0) in vec3 v_color;
layout(location = 0) out vec4 out_color;
layout(push_constant) uniform Push { float brightness; } push;

void main() {
  out_color = vec4(v_color * push.brightness, 1.0);
}
