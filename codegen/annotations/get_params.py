# How many values each glGet-style query writes (or each glTexParameter*v-style call reads), and
# which queries return GL object names, for OpenGL ES 2.0 to 3.2 and the ES extensions.
#
# Facts from the OpenGL ES 3.2 specification, chapter 21 "State Tables" (and the ES 2.0/3.0/3.1
# state tables before it), and from the "New State" / "New Implementation Dependent State"
# sections of the ES extension specifications named next to the entries. Enum names are resolved
# to values from Khronos' gl.xml by codegen/gen_params.py, which rejects any name gl.xml lacks.
#
# Layout: a query family FAM (a group of commands sharing one pname space, listed in
# FAMILY_COMMANDS) may have
#   FAM_COUNTS            pname -> number of values, for pnames that do not write exactly one;
#                         an unlisted pname writes one value
#   FAM_COUNTS_QUERIED    pname -> the pname of the same query whose value is the count (the
#                         count is only known from the implementation or the object)
#   FAM_OBJECT_PNAMES     pname -> kind of GL object whose name the value is
# OBJECT_NAME_PNAMES and INDEXED_OBJECT_NAME_PNAMES are GET's and INDEXED_GET's object tables.
# Counts must be exact: the guest copies that many values into the application's buffer.
# Object kinds: buffer texture framebuffer renderbuffer program vertex_array sampler
# transform_feedback program_pipeline query shader attachment ('attachment': the kind is given
# by GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE of the same attachment).

FAMILY_COMMANDS = {
    'GET': [
        'glGetBooleanv', 'glGetIntegerv', 'glGetInteger64v', 'glGetFloatv',
        'glGetInteger64vEXT', 'glGetInteger64vAPPLE',
    ],
    'INDEXED_GET': [
        'glGetBooleani_v', 'glGetIntegeri_v', 'glGetInteger64i_v', 'glGetIntegeri_vEXT',
        'glGetFloati_vOES', 'glGetFloati_vNV',
    ],
    # EXT_memory_object / EXT_semaphore: simple queries returning unsigned bytes. They accept the
    # GET / INDEXED_GET state too, so unlisted pnames take those families' counts.
    'UNSIGNED_BYTE': ['glGetUnsignedBytevEXT'],
    'INDEXED_UNSIGNED_BYTE': ['glGetUnsignedBytei_vEXT'],
    'TEX_PARAMETER': [
        'glGetTexParameteriv', 'glGetTexParameterfv', 'glGetTexParameterIiv',
        'glGetTexParameterIuiv', 'glGetTexParameterIivEXT', 'glGetTexParameterIuivEXT',
        'glGetTexParameterIivOES', 'glGetTexParameterIuivOES',
        'glTexParameteriv', 'glTexParameterfv', 'glTexParameterIiv', 'glTexParameterIuiv',
        'glTexParameterIivEXT', 'glTexParameterIuivEXT', 'glTexParameterIivOES',
        'glTexParameterIuivOES',
    ],
    'SAMPLER_PARAMETER': [
        'glGetSamplerParameteriv', 'glGetSamplerParameterfv', 'glGetSamplerParameterIiv',
        'glGetSamplerParameterIuiv', 'glGetSamplerParameterIivEXT',
        'glGetSamplerParameterIuivEXT', 'glGetSamplerParameterIivOES',
        'glGetSamplerParameterIuivOES',
        'glSamplerParameteriv', 'glSamplerParameterfv', 'glSamplerParameterIiv',
        'glSamplerParameterIuiv', 'glSamplerParameterIivEXT', 'glSamplerParameterIuivEXT',
        'glSamplerParameterIivOES', 'glSamplerParameterIuivOES',
    ],
    'TEX_LEVEL_PARAMETER': ['glGetTexLevelParameteriv', 'glGetTexLevelParameterfv'],
    'BUFFER_PARAMETER': ['glGetBufferParameteriv', 'glGetBufferParameteri64v'],
    'RENDERBUFFER_PARAMETER': ['glGetRenderbufferParameteriv'],
    'FRAMEBUFFER_PARAMETER': ['glGetFramebufferParameteriv', 'glGetFramebufferParameterivMESA'],
    'FRAMEBUFFER_ATTACHMENT': ['glGetFramebufferAttachmentParameteriv'],
    'PROGRAM': ['glGetProgramiv'],
    'SHADER': ['glGetShaderiv'],
    'PROGRAM_PIPELINE': ['glGetProgramPipelineiv', 'glGetProgramPipelineivEXT'],
    'PROGRAM_INTERFACE': ['glGetProgramInterfaceiv'],
    'ACTIVE_UNIFORM_BLOCK': ['glGetActiveUniformBlockiv'],
    'VERTEX_ATTRIB': [
        'glGetVertexAttribiv', 'glGetVertexAttribfv', 'glGetVertexAttribIiv',
        'glGetVertexAttribIuiv',
    ],
    'QUERY': ['glGetQueryiv', 'glGetQueryivEXT'],
    'QUERY_OBJECT': [
        'glGetQueryObjectuiv', 'glGetQueryObjectivEXT', 'glGetQueryObjectuivEXT',
        'glGetQueryObjecti64vEXT', 'glGetQueryObjectui64vEXT',
    ],
    'MULTISAMPLE': ['glGetMultisamplefv'],
    # Both take a bufSize that also bounds what is written.
    'INTERNALFORMAT': ['glGetInternalformativ'],
    'SYNC': ['glGetSynciv', 'glGetSyncivAPPLE'],
    # The fixed-function parameter vectors of the compatibility profile (lights, materials,
    # fog, light model, texture environment and coordinate generation, point parameters):
    # their pnames do not overlap, so one table serves them all.
    'FIXED_FUNCTION': [
        'glLightfv', 'glLightiv', 'glGetLightfv', 'glGetLightiv',
        'glMaterialfv', 'glMaterialiv', 'glGetMaterialfv', 'glGetMaterialiv',
        'glFogfv', 'glFogiv', 'glLightModelfv', 'glLightModeliv',
        'glTexEnvfv', 'glTexEnviv', 'glGetTexEnvfv', 'glGetTexEnviv',
        'glTexGenfv', 'glTexGeniv', 'glTexGendv', 'glGetTexGenfv', 'glGetTexGeniv',
        'glGetTexGendv', 'glPointParameterfv', 'glPointParameteriv',
    ],
}

# Families whose unlisted pnames take another family's count instead of 1.
FAMILY_FALLBACK = {
    'UNSIGNED_BYTE': 'GET',
    'INDEXED_UNSIGNED_BYTE': 'INDEXED_GET',
}

# glGetBooleanv / glGetIntegerv / glGetInteger64v / glGetFloatv.
GET_COUNTS = {
    # OpenGL 4.6 compatibility profile specification, chapter 23 "State Tables": current
    # vertex values (23.2), transformation (23.10, 23.11), coloring and lighting (23.13-23.15),
    # rasterization (23.16), pixels (23.24), evaluators (23.34), implementation limits (23.67-).
    'GL_CURRENT_COLOR': 4,
    'GL_CURRENT_SECONDARY_COLOR': 4,
    'GL_CURRENT_TEXTURE_COORDS': 4,
    'GL_CURRENT_NORMAL': 3,
    'GL_CURRENT_RASTER_POSITION': 4,
    'GL_CURRENT_RASTER_COLOR': 4,
    'GL_CURRENT_RASTER_SECONDARY_COLOR': 4,
    'GL_CURRENT_RASTER_TEXTURE_COORDS': 4,
    'GL_MODELVIEW_MATRIX': 16,
    'GL_PROJECTION_MATRIX': 16,
    'GL_TEXTURE_MATRIX': 16,
    'GL_COLOR_MATRIX': 16,
    'GL_TRANSPOSE_MODELVIEW_MATRIX': 16,
    'GL_TRANSPOSE_PROJECTION_MATRIX': 16,
    'GL_TRANSPOSE_TEXTURE_MATRIX': 16,
    'GL_TRANSPOSE_COLOR_MATRIX': 16,
    'GL_LIGHT_MODEL_AMBIENT': 4,
    'GL_FOG_COLOR': 4,
    'GL_ACCUM_CLEAR_VALUE': 4,
    'GL_POLYGON_MODE': 2,
    'GL_POINT_SIZE_RANGE': 2,
    'GL_LINE_WIDTH_RANGE': 2,
    'GL_POINT_DISTANCE_ATTENUATION': 3,
    'GL_MAP1_GRID_DOMAIN': 2,
    'GL_MAP2_GRID_DOMAIN': 4,
    'GL_MAP2_GRID_SEGMENTS': 2,
    'GL_VIEWPORT_BOUNDS_RANGE': 2,
    # ES 2.0
    'GL_ALIASED_LINE_WIDTH_RANGE': 2,
    'GL_ALIASED_POINT_SIZE_RANGE': 2,
    'GL_BLEND_COLOR': 4,
    'GL_COLOR_CLEAR_VALUE': 4,
    'GL_COLOR_WRITEMASK': 4,
    'GL_DEPTH_RANGE': 2,
    'GL_MAX_VIEWPORT_DIMS': 2,
    'GL_SCISSOR_BOX': 4,
    'GL_VIEWPORT': 4,
    # ES 3.2 (EXT/OES_primitive_bounding_box before it)
    'GL_MULTISAMPLE_LINE_WIDTH_RANGE': 2,
    'GL_PRIMITIVE_BOUNDING_BOX': 8,
    # OES_viewport_array, NV_viewport_array
    'GL_VIEWPORT_BOUNDS_RANGE_OES': 2,
}

GET_COUNTS_QUERIED = {
    'GL_COMPRESSED_TEXTURE_FORMATS': 'GL_NUM_COMPRESSED_TEXTURE_FORMATS',
    'GL_SHADER_BINARY_FORMATS': 'GL_NUM_SHADER_BINARY_FORMATS',
    'GL_PROGRAM_BINARY_FORMATS': 'GL_NUM_PROGRAM_BINARY_FORMATS',
}

# glGetBooleani_v / glGetIntegeri_v / glGetInteger64i_v (and the _EXT / Floati_v forms): values
# per index.
INDEXED_GET_COUNTS = {
    # ES 3.2 (EXT/OES_draw_buffers_indexed before it), one mask per draw buffer
    'GL_COLOR_WRITEMASK': 4,
    # ES 3.1: one value per index (x, y, z are indices 0..2)
    'GL_MAX_COMPUTE_WORK_GROUP_COUNT': 1,
    'GL_MAX_COMPUTE_WORK_GROUP_SIZE': 1,
    # OES_viewport_array, NV_viewport_array
    'GL_VIEWPORT': 4,
    'GL_SCISSOR_BOX': 4,
    'GL_DEPTH_RANGE': 2,
    # EXT_window_rectangles
    'GL_WINDOW_RECTANGLE_EXT': 4,
}

# EXT_memory_object, EXT_memory_object_win32: sizes GL_UUID_SIZE_EXT and GL_LUID_SIZE_EXT.
UNSIGNED_BYTE_COUNTS = {
    'GL_DRIVER_UUID_EXT': 16,
    'GL_DEVICE_LUID_EXT': 8,
}

INDEXED_UNSIGNED_BYTE_COUNTS = {
    'GL_DEVICE_UUID_EXT': 16,
}

TEX_PARAMETER_COUNTS = {
    # ES 3.2 (EXT/OES_texture_border_clamp before it)
    'GL_TEXTURE_BORDER_COLOR': 4,
    # OES_draw_texture (an ES 1.x extension; harmless here, GL rejects it in ES 2+ contexts)
    'GL_TEXTURE_CROP_RECT_OES': 4,
    # GL 3.3 / ARB_texture_swizzle, EXT_texture_swizzle: the four swizzles at once
    'GL_TEXTURE_SWIZZLE_RGBA': 4,
}

SAMPLER_PARAMETER_COUNTS = {
    'GL_TEXTURE_BORDER_COLOR': 4,
}

TEX_LEVEL_PARAMETER_COUNTS = {}

TEX_LEVEL_PARAMETER_OBJECT_PNAMES = {
    'GL_TEXTURE_BUFFER_DATA_STORE_BINDING': 'buffer',
}

BUFFER_PARAMETER_COUNTS = {}

RENDERBUFFER_PARAMETER_COUNTS = {}

FRAMEBUFFER_PARAMETER_COUNTS = {}

FRAMEBUFFER_ATTACHMENT_COUNTS = {}

FRAMEBUFFER_ATTACHMENT_OBJECT_PNAMES = {
    'GL_FRAMEBUFFER_ATTACHMENT_OBJECT_NAME': 'attachment',
}

PROGRAM_COUNTS = {
    'GL_COMPUTE_WORK_GROUP_SIZE': 3,
}

SHADER_COUNTS = {}

PROGRAM_PIPELINE_COUNTS = {}

PROGRAM_PIPELINE_OBJECT_PNAMES = {
    'GL_ACTIVE_PROGRAM': 'program',
    'GL_VERTEX_SHADER': 'program',
    'GL_FRAGMENT_SHADER': 'program',
    'GL_COMPUTE_SHADER': 'program',
    'GL_GEOMETRY_SHADER': 'program',
    'GL_TESS_CONTROL_SHADER': 'program',
    'GL_TESS_EVALUATION_SHADER': 'program',
}

PROGRAM_INTERFACE_COUNTS = {}

# The count is the GL_UNIFORM_BLOCK_ACTIVE_UNIFORMS of the same program and block.
ACTIVE_UNIFORM_BLOCK_COUNTS_QUERIED = {
    'GL_UNIFORM_BLOCK_ACTIVE_UNIFORM_INDICES': 'GL_UNIFORM_BLOCK_ACTIVE_UNIFORMS',
}

VERTEX_ATTRIB_COUNTS = {
    'GL_CURRENT_VERTEX_ATTRIB': 4,
}

VERTEX_ATTRIB_OBJECT_PNAMES = {
    'GL_VERTEX_ATTRIB_ARRAY_BUFFER_BINDING': 'buffer',
}

QUERY_COUNTS = {}

# glGetQueryiv (not glGetQueryObject*): the query object active on the target.
QUERY_OBJECT_PNAMES = {
    'GL_CURRENT_QUERY': 'query',
}

QUERY_OBJECT_COUNTS = {}

MULTISAMPLE_COUNTS = {
    'GL_SAMPLE_POSITION': 2,
    # NV_sample_locations
    'GL_SAMPLE_LOCATION_NV': 2,
    'GL_PROGRAMMABLE_SAMPLE_LOCATION_NV': 2,
}

# glGetInternalformativ(target, internalformat, pname, ...): counts for the same target and
# internalformat; at most bufSize values are written.
INTERNALFORMAT_COUNTS_QUERIED = {
    'GL_SAMPLES': 'GL_NUM_SAMPLE_COUNTS',
    # EXT_sparse_texture
    'GL_VIRTUAL_PAGE_SIZE_X_EXT': 'GL_NUM_VIRTUAL_PAGE_SIZES_EXT',
    'GL_VIRTUAL_PAGE_SIZE_Y_EXT': 'GL_NUM_VIRTUAL_PAGE_SIZES_EXT',
    'GL_VIRTUAL_PAGE_SIZE_Z_EXT': 'GL_NUM_VIRTUAL_PAGE_SIZES_EXT',
    # EXT_memory_object
    'GL_TILING_TYPES_EXT': 'GL_NUM_TILING_TYPES_EXT',
}

SYNC_COUNTS = {}

# glGet*v values that are object names.
OBJECT_NAME_PNAMES = {
    'GL_ARRAY_BUFFER_BINDING': 'buffer',
    'GL_ELEMENT_ARRAY_BUFFER_BINDING': 'buffer',
    'GL_COPY_READ_BUFFER_BINDING': 'buffer',
    'GL_COPY_WRITE_BUFFER_BINDING': 'buffer',
    'GL_PIXEL_PACK_BUFFER_BINDING': 'buffer',
    'GL_PIXEL_UNPACK_BUFFER_BINDING': 'buffer',
    'GL_TRANSFORM_FEEDBACK_BUFFER_BINDING': 'buffer',
    'GL_UNIFORM_BUFFER_BINDING': 'buffer',
    'GL_SHADER_STORAGE_BUFFER_BINDING': 'buffer',
    'GL_ATOMIC_COUNTER_BUFFER_BINDING': 'buffer',
    'GL_DRAW_INDIRECT_BUFFER_BINDING': 'buffer',
    'GL_DISPATCH_INDIRECT_BUFFER_BINDING': 'buffer',
    'GL_TEXTURE_BUFFER_BINDING': 'buffer',
    'GL_TEXTURE_BINDING_2D': 'texture',
    'GL_TEXTURE_BINDING_3D': 'texture',
    'GL_TEXTURE_BINDING_2D_ARRAY': 'texture',
    'GL_TEXTURE_BINDING_CUBE_MAP': 'texture',
    'GL_TEXTURE_BINDING_CUBE_MAP_ARRAY': 'texture',
    'GL_TEXTURE_BINDING_2D_MULTISAMPLE': 'texture',
    'GL_TEXTURE_BINDING_2D_MULTISAMPLE_ARRAY': 'texture',
    'GL_TEXTURE_BINDING_BUFFER': 'texture',
    'GL_TEXTURE_BINDING_EXTERNAL_OES': 'texture',  # OES_EGL_image_external
    # OpenGL 4.6 compatibility profile, table 23.8 (texture targets ES lacks)
    'GL_TEXTURE_BINDING_1D': 'texture',
    'GL_TEXTURE_BINDING_1D_ARRAY': 'texture',
    'GL_TEXTURE_BINDING_RECTANGLE': 'texture',
    'GL_QUERY_BUFFER_BINDING': 'buffer',  # GL 4.4, table 23.66
    'GL_SHADING_RATE_IMAGE_BINDING_NV': 'texture',  # NV_shading_rate_image
    'GL_FRAMEBUFFER_BINDING': 'framebuffer',  # the same enum as GL_DRAW_FRAMEBUFFER_BINDING
    'GL_DRAW_FRAMEBUFFER_BINDING': 'framebuffer',
    'GL_READ_FRAMEBUFFER_BINDING': 'framebuffer',
    'GL_RENDERBUFFER_BINDING': 'renderbuffer',
    'GL_CURRENT_PROGRAM': 'program',
    'GL_VERTEX_ARRAY_BINDING': 'vertex_array',
    'GL_SAMPLER_BINDING': 'sampler',
    'GL_TRANSFORM_FEEDBACK_BINDING': 'transform_feedback',
    'GL_PROGRAM_PIPELINE_BINDING': 'program_pipeline',
}

# glGet*i_v values that are object names.
INDEXED_OBJECT_NAME_PNAMES = {
    'GL_UNIFORM_BUFFER_BINDING': 'buffer',
    'GL_TRANSFORM_FEEDBACK_BUFFER_BINDING': 'buffer',
    'GL_SHADER_STORAGE_BUFFER_BINDING': 'buffer',
    'GL_ATOMIC_COUNTER_BUFFER_BINDING': 'buffer',
    'GL_VERTEX_BINDING_BUFFER': 'buffer',
    'GL_IMAGE_BINDING_NAME': 'texture',
}

# OpenGL 4.6 compatibility profile, sections 12.2 (lighting, table 12.1), 16.4 (fog), 14.4
# (points), 16.1 (texture environments) and 12.1.3 (texture coordinate generation).
FIXED_FUNCTION_COUNTS = {
    'GL_AMBIENT': 4,
    'GL_DIFFUSE': 4,
    'GL_SPECULAR': 4,
    'GL_EMISSION': 4,
    'GL_AMBIENT_AND_DIFFUSE': 4,
    'GL_POSITION': 4,
    'GL_SPOT_DIRECTION': 3,
    'GL_COLOR_INDEXES': 3,
    'GL_LIGHT_MODEL_AMBIENT': 4,
    'GL_FOG_COLOR': 4,
    'GL_TEXTURE_ENV_COLOR': 4,
    'GL_OBJECT_PLANE': 4,
    'GL_EYE_PLANE': 4,
    'GL_POINT_DISTANCE_ATTENUATION': 3,
}
