#version 450
// values[i] = values[i] * multiplier + i * i, one invocation per value.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Data { uint values[]; };
layout(push_constant) uniform Push { uint multiplier; } push;

void main() {
  uint i = gl_GlobalInvocationID.x;
  values[i] = values[i] * push.multiplier + i * i;
}
