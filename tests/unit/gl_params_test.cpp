#include <GLES3/gl32.h>
// After gl32.h, which defines the types it uses.
#include <GLES2/gl2ext.h>
#include <gtest/gtest.h>

#include "gl_params_gen.h"

namespace gfxrelay::gl {
namespace {

TEST(GlParams, GetValueCounts) {
  EXPECT_EQ(get_value_count(GL_VIEWPORT), 4u);
  EXPECT_EQ(get_value_count(GL_SCISSOR_BOX), 4u);
  EXPECT_EQ(get_value_count(GL_COLOR_WRITEMASK), 4u);
  EXPECT_EQ(get_value_count(GL_COLOR_CLEAR_VALUE), 4u);
  EXPECT_EQ(get_value_count(GL_BLEND_COLOR), 4u);
  EXPECT_EQ(get_value_count(GL_DEPTH_RANGE), 2u);
  EXPECT_EQ(get_value_count(GL_ALIASED_LINE_WIDTH_RANGE), 2u);
  EXPECT_EQ(get_value_count(GL_ALIASED_POINT_SIZE_RANGE), 2u);
  EXPECT_EQ(get_value_count(GL_MAX_VIEWPORT_DIMS), 2u);
  EXPECT_EQ(get_value_count(GL_MULTISAMPLE_LINE_WIDTH_RANGE), 2u);
  EXPECT_EQ(get_value_count(GL_PRIMITIVE_BOUNDING_BOX), 8u);
  EXPECT_EQ(get_value_count(GL_MAX_TEXTURE_SIZE), 1u);
  EXPECT_EQ(get_value_count(GL_ARRAY_BUFFER_BINDING), 1u);
  EXPECT_EQ(get_value_count(0xFFFFFFFFu), 1u);
}

TEST(GlParams, QueriedCounts) {
  EXPECT_EQ(get_value_count(GL_COMPRESSED_TEXTURE_FORMATS), 0u);
  EXPECT_EQ(get_count_pname(GL_COMPRESSED_TEXTURE_FORMATS),
            static_cast<uint32_t>(GL_NUM_COMPRESSED_TEXTURE_FORMATS));
  EXPECT_EQ(get_count_pname(GL_SHADER_BINARY_FORMATS),
            static_cast<uint32_t>(GL_NUM_SHADER_BINARY_FORMATS));
  EXPECT_EQ(get_count_pname(GL_PROGRAM_BINARY_FORMATS),
            static_cast<uint32_t>(GL_NUM_PROGRAM_BINARY_FORMATS));
  EXPECT_EQ(get_count_pname(GL_VIEWPORT), 0u);
  EXPECT_EQ(active_uniform_block_count(GL_UNIFORM_BLOCK_ACTIVE_UNIFORM_INDICES), 0u);
  EXPECT_EQ(active_uniform_block_count_pname(GL_UNIFORM_BLOCK_ACTIVE_UNIFORM_INDICES),
            static_cast<uint32_t>(GL_UNIFORM_BLOCK_ACTIVE_UNIFORMS));
  EXPECT_EQ(internalformat_count_pname(GL_SAMPLES), static_cast<uint32_t>(GL_NUM_SAMPLE_COUNTS));
}

TEST(GlParams, IndexedAndPerObjectCounts) {
  EXPECT_EQ(indexed_get_value_count(GL_COLOR_WRITEMASK), 4u);
  EXPECT_EQ(indexed_get_value_count(GL_MAX_COMPUTE_WORK_GROUP_COUNT), 1u);
  EXPECT_EQ(indexed_get_value_count(GL_UNIFORM_BUFFER_START), 1u);
  EXPECT_EQ(tex_parameter_count(GL_TEXTURE_BORDER_COLOR), 4u);
  EXPECT_EQ(tex_parameter_count(GL_TEXTURE_MIN_FILTER), 1u);
  EXPECT_EQ(sampler_parameter_count(GL_TEXTURE_BORDER_COLOR), 4u);
  EXPECT_EQ(program_count(GL_COMPUTE_WORK_GROUP_SIZE), 3u);
  EXPECT_EQ(program_count(GL_LINK_STATUS), 1u);
  EXPECT_EQ(vertex_attrib_count(GL_CURRENT_VERTEX_ATTRIB), 4u);
  EXPECT_EQ(multisample_count(GL_SAMPLE_POSITION), 2u);
  EXPECT_EQ(shader_count(GL_COMPILE_STATUS), 1u);
  // glGetUnsignedBytevEXT: its own UUID state, otherwise the glGet counts.
  EXPECT_EQ(unsigned_byte_count(GL_DRIVER_UUID_EXT), 16u);
  EXPECT_EQ(unsigned_byte_count(GL_VIEWPORT), 4u);
  EXPECT_EQ(indexed_unsigned_byte_count(GL_DEVICE_UUID_EXT), 16u);
}

TEST(GlParams, ObjectKinds) {
  EXPECT_EQ(get_object_kind(GL_ARRAY_BUFFER_BINDING), ObjectKind::kBuffer);
  EXPECT_EQ(get_object_kind(GL_ELEMENT_ARRAY_BUFFER_BINDING), ObjectKind::kBuffer);
  EXPECT_EQ(get_object_kind(GL_TEXTURE_BUFFER_BINDING), ObjectKind::kBuffer);
  EXPECT_EQ(get_object_kind(GL_TEXTURE_BINDING_2D), ObjectKind::kTexture);
  EXPECT_EQ(get_object_kind(GL_TEXTURE_BINDING_BUFFER), ObjectKind::kTexture);
  EXPECT_EQ(get_object_kind(GL_TEXTURE_BINDING_EXTERNAL_OES), ObjectKind::kTexture);
  EXPECT_EQ(get_object_kind(GL_DRAW_FRAMEBUFFER_BINDING), ObjectKind::kFramebuffer);
  EXPECT_EQ(get_object_kind(GL_READ_FRAMEBUFFER_BINDING), ObjectKind::kFramebuffer);
  EXPECT_EQ(get_object_kind(GL_RENDERBUFFER_BINDING), ObjectKind::kRenderbuffer);
  EXPECT_EQ(get_object_kind(GL_CURRENT_PROGRAM), ObjectKind::kProgram);
  EXPECT_EQ(get_object_kind(GL_VERTEX_ARRAY_BINDING), ObjectKind::kVertexArray);
  EXPECT_EQ(get_object_kind(GL_SAMPLER_BINDING), ObjectKind::kSampler);
  EXPECT_EQ(get_object_kind(GL_TRANSFORM_FEEDBACK_BINDING), ObjectKind::kTransformFeedback);
  EXPECT_EQ(get_object_kind(GL_PROGRAM_PIPELINE_BINDING), ObjectKind::kProgramPipeline);
  EXPECT_EQ(get_object_kind(GL_VIEWPORT), ObjectKind::kNone);
  EXPECT_EQ(get_object_kind(GL_ACTIVE_TEXTURE), ObjectKind::kNone);
  EXPECT_EQ(get_object_kind(0xFFFFFFFFu), ObjectKind::kNone);

  EXPECT_EQ(indexed_get_object_kind(GL_UNIFORM_BUFFER_BINDING), ObjectKind::kBuffer);
  EXPECT_EQ(indexed_get_object_kind(GL_SHADER_STORAGE_BUFFER_BINDING), ObjectKind::kBuffer);
  EXPECT_EQ(indexed_get_object_kind(GL_VERTEX_BINDING_BUFFER), ObjectKind::kBuffer);
  EXPECT_EQ(indexed_get_object_kind(GL_IMAGE_BINDING_NAME), ObjectKind::kTexture);
  EXPECT_EQ(indexed_get_object_kind(GL_UNIFORM_BUFFER_START), ObjectKind::kNone);

  EXPECT_EQ(vertex_attrib_object_kind(GL_VERTEX_ATTRIB_ARRAY_BUFFER_BINDING), ObjectKind::kBuffer);
  EXPECT_EQ(vertex_attrib_object_kind(GL_VERTEX_ATTRIB_ARRAY_SIZE), ObjectKind::kNone);
  EXPECT_EQ(framebuffer_attachment_object_kind(GL_FRAMEBUFFER_ATTACHMENT_OBJECT_NAME),
            ObjectKind::kAttachment);
  EXPECT_EQ(program_pipeline_object_kind(GL_VERTEX_SHADER), ObjectKind::kProgram);
  EXPECT_EQ(program_pipeline_object_kind(GL_ACTIVE_PROGRAM), ObjectKind::kProgram);
  EXPECT_EQ(program_pipeline_object_kind(GL_VALIDATE_STATUS), ObjectKind::kNone);
  EXPECT_EQ(tex_level_parameter_object_kind(GL_TEXTURE_BUFFER_DATA_STORE_BINDING),
            ObjectKind::kBuffer);
  EXPECT_EQ(query_object_kind(GL_CURRENT_QUERY), ObjectKind::kQuery);
}

}  // namespace
}  // namespace gfxrelay::gl
