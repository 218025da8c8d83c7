#version 450
// A texture, looked up at the interpolated colour's red and green, scaled by a push constant.
layout(location = 0) in vec3 v_color;
layout(location = 0) out vec4 out_color;
layout(binding = 0) uniform sampler2D tex;
layout(push_constant) uniform Push { float brightness; } push;

void main() {
  out_color = vec4(texture(tex, v_color.xy).rgb * push.brightness, 1.0);
}
