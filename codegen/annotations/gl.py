# What gl.xml does not say about the desktop OpenGL 1.0-4.6 commands (core and compatibility
# profiles) and their ARB / EXT / KHR extensions. Read by codegen/gen_gl.py after gles.py, whose
# conventions it follows; entries here add to gles.py's tables. Pure data.

LENGTHS = {
    # Fixed-function parameter vectors: counts from get_params.py's FIXED_FUNCTION table.
    **{name: {'params': 'gl::fixed_function_count(pname)'} for name in (
        'glLightfv', 'glLightiv', 'glGetLightfv', 'glGetLightiv', 'glMaterialfv', 'glMaterialiv',
        'glGetMaterialfv', 'glGetMaterialiv', 'glFogfv', 'glFogiv', 'glLightModelfv',
        'glLightModeliv', 'glTexEnvfv', 'glTexEnviv', 'glGetTexEnvfv', 'glGetTexEnviv',
        'glTexGenfv', 'glTexGeniv', 'glTexGendv', 'glGetTexGenfv', 'glGetTexGeniv',
        'glGetTexGendv', 'glPointParameterfv', 'glPointParameteriv')},
    'glGetDoublev': {'data': 'state.get_count(pname)'},
    # ARB_gl_spirv (gl.xml gives these no length).
    'glSpecializeShader': {'pConstantIndex': 'numSpecializationConstants',
                           'pConstantValue': 'numSpecializationConstants'},
    'glGetFloati_v': {'data': 'gl::indexed_get_value_count(target)'},
    'glGetDoublei_v': {'data': 'gl::indexed_get_value_count(target)'},
    'glGetQueryObjectiv': {'params': '1'},
    'glGetQueryObjecti64v': {'params': '1'},
    'glGetQueryObjectui64v': {'params': '1'},
    'glGetQueryIndexediv': {'params': '1'},
    'glPatchParameterfv': {'values': 'gl::patch_parameter_count(pname)'},
    'glViewportArrayv': {'v': 'count*4'},
    'glScissorArrayv': {'v': 'count*4'},
    'glDepthRangeArrayv': {'v': 'count*2'},
    # COMPSIZE(n, type): n names of the size of `type`.
    'glCallLists': {'lists': 'n * gl::call_lists_type_bytes(type)'},
    'glGetUniformdv': {'params': 'state.uniform_value_count(program, location)'},
    # One pixel group of `format` and `type` (GL 4.6 core, 6.3.2 and 8.21); NULL clears to 0.
    **{name: {'data': 'gl::pixel_group_bytes(format, type)'} for name in (
        'glClearBufferData', 'glClearBufferSubData', 'glClearTexImage', 'glClearTexSubImage',
        'glClearNamedBufferData', 'glClearNamedBufferSubData', 'glClearNamedBufferDataEXT',
        'glClearNamedBufferSubDataEXT')},
    # Direct state access (GL 4.5): the lengths of the non-DSA forms.
    'glNamedBufferData': {'data': 'size'},
    'glNamedBufferSubData': {'data': 'size'},
    'glGetNamedBufferSubData': {'data': 'size'},
    'glNamedFramebufferDrawBuffers': {'bufs': 'n'},
    'glInvalidateNamedFramebufferData': {'attachments': 'numAttachments'},
    'glInvalidateNamedFramebufferSubData': {'attachments': 'numAttachments'},
    'glClearNamedFramebufferiv': {'value': 'gl::clear_buffer_count(buffer)'},
    'glClearNamedFramebufferuiv': {'value': 'gl::clear_buffer_count(buffer)'},
    'glClearNamedFramebufferfv': {'value': 'gl::clear_buffer_count(buffer)'},
    'glTextureParameterfv': {'param': 'gl::tex_parameter_count(pname)'},
    'glTextureParameteriv': {'param': 'gl::tex_parameter_count(pname)'},
    'glTextureParameterIiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glTextureParameterIuiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetTextureParameterfv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetTextureParameteriv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetTextureParameterIiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetTextureParameterIuiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glVertexArrayVertexBuffers': {'buffers': 'count', 'offsets': 'count', 'strides': 'count'},
    **{name: {'param': '1'} for name in (
        'glGetTransformFeedbackiv', 'glGetTransformFeedbacki_v', 'glGetTransformFeedbacki64_v',
        'glGetNamedFramebufferParameteriv', 'glGetVertexArrayiv', 'glGetVertexArrayIndexediv',
        'glGetVertexArrayIndexed64iv')},
    **{name: {'params': '1'} for name in (
        'glGetNamedBufferParameteriv', 'glGetNamedBufferParameteri64v',
        'glGetNamedFramebufferAttachmentParameteriv', 'glGetNamedRenderbufferParameteriv',
        'glGetTextureLevelParameterfv', 'glGetTextureLevelParameteriv')},
    # ARB_vertex_program / ARB_fragment_program: the program string as the host holds it.
    'glGetProgramStringARB': {'string': 'state.program_string_length(target)'},
    'glGetUniformi64vARB': {'params': 'state.uniform_value_count(program, location)'},
    'glGetUniformui64vARB': {'params': 'state.uniform_value_count(program, location)'},
    'glGetVertexAttribLdv': {'params': 'gl::vertex_attrib_count(pname)'},
    # Every ARB_shader_objects and ARB_shading_language_include parameter is one value.
    'glGetObjectParameterfvARB': {'params': '1'},
    'glGetObjectParameterivARB': {'params': '1'},
    'glGetNamedStringivARB': {'params': '1'},
    # ARB_shader_subroutine: the compatible subroutines are a list, the rest one value.
    'glGetActiveSubroutineUniformiv':
        {'values': 'state.subroutine_uniform_value_count(program, shadertype, index, pname)'},
    # ARB_shader_atomic_counters: the indices list has one entry per active counter.
    'glGetActiveAtomicCounterBufferiv':
        {'params': 'state.atomic_counter_buffer_value_count(program, bufferIndex, pname)'},
}

# NULL pointers these commands accept (GL then uses zeros or unbinds).
NULLABLE = {
    ('glClearBufferData', 'data'), ('glClearBufferSubData', 'data'), ('glClearTexImage', 'data'),
    ('glClearTexSubImage', 'data'), ('glClearNamedBufferData', 'data'),
    ('glClearNamedBufferSubData', 'data'), ('glClearNamedBufferDataEXT', 'data'),
    ('glClearNamedBufferSubDataEXT', 'data'), ('glClearTexImageEXT', 'data'),
    ('glClearTexSubImageEXT', 'data'), ('glNamedBufferData', 'data'),
    ('glVertexArrayVertexBuffers', 'buffers'), ('glVertexArrayVertexBuffers', 'offsets'),
    ('glVertexArrayVertexBuffers', 'strides'),
}

# ARB_shading_language_include: names and strings with a length, -1 meaning NUL-terminated.
COUNTED_STRINGS = {
    'glNamedStringARB': {'name': 'namelen', 'string': 'stringlen'},
    'glDeleteNamedStringARB': {'name': 'namelen'},
    'glIsNamedStringARB': {'name': 'namelen'},
    'glGetNamedStringARB': {'name': 'namelen'},
    'glGetNamedStringivARB': {'name': 'namelen'},
}

STRINGS = {
    'glSpecializeShader': ['pEntryPoint'],
    'glBindFragDataLocation': ['name'],
    'glBindFragDataLocationIndexed': ['name'],
    'glGetFragDataIndex': ['name'],
    'glGetProgramResourceLocationIndex': ['name'],
}

# Scalar parameters that name an object although gl.xml gives them no class.
PARAM_CLASSES = {
    ('glBeginConditionalRender', 'id'): 'query',
}

UNPACK_IMAGES = {
    'glTextureSubImage1D': {'pixels': ('format', 'type', 'width', '1', '1')},
    'glTextureSubImage2D': {'pixels': ('format', 'type', 'width', 'height', '1')},
    'glTextureSubImage3D': {'pixels': ('format', 'type', 'width', 'height', 'depth')},
    'glTexImage1D': {'pixels': ('format', 'type', 'width', '1', '1')},
    'glTexSubImage1D': {'pixels': ('format', 'type', 'width', '1', '1')},
    'glDrawPixels': {'pixels': ('format', 'type', 'width', 'height', '1')},
    # Bitmaps: one bit per pixel under the unpack modes (GL 4.6 compatibility, 14.8).
    'glBitmap': {'bitmap': ('GL_COLOR_INDEX', 'GL_BITMAP', 'width', 'height', '1')},
    'glPolygonStipple': {'mask': ('GL_COLOR_INDEX', 'GL_BITMAP', '32', '32', '1')},
}

UNPACK_BLOBS = {
    # Pixel maps: `mapsize` values, or an offset into a bound PIXEL_UNPACK_BUFFER (bytes here).
    'glPixelMapfv': {'values': 'elements(mapsize) * 4'},
    'glPixelMapuiv': {'values': 'elements(mapsize) * 4'},
    'glPixelMapusv': {'values': 'elements(mapsize) * 2'},
    'glCompressedTextureSubImage1D': {'data': 'imageSize'},
    'glCompressedTextureSubImage2D': {'data': 'imageSize'},
    'glCompressedTextureSubImage3D': {'data': 'imageSize'},
}

OFFSETS = {
    'glMultiDrawArraysIndirect': ['indirect'],
    'glMultiDrawElementsIndirect': ['indirect'],
    # ARB_indirect_parameters (GL 4.6): commands and their count in buffers; client arrays with
    # these draws are not carried.
    'glMultiDrawArraysIndirectCount': ['indirect'],
    'glMultiDrawElementsIndirectCount': ['indirect'],
}

# The buffer an offset parameter points into (the binding to check). With none bound the host
# reports GL_INVALID_OPERATION instead of calling GL: a compatibility-profile GL would take the
# offset for a pointer into the host's own memory. The guest reads client-memory commands
# itself (src/guest/gl/vertex_arrays.cpp).
OFFSET_BUFFERS = {
    'glDrawArraysIndirect': 'GL_DRAW_INDIRECT_BUFFER_BINDING',
    'glDrawElementsIndirect': 'GL_DRAW_INDIRECT_BUFFER_BINDING',
    'glMultiDrawArraysIndirect': 'GL_DRAW_INDIRECT_BUFFER_BINDING',
    'glMultiDrawElementsIndirect': 'GL_DRAW_INDIRECT_BUFFER_BINDING',
    'glMultiDrawArraysIndirectCount': 'GL_DRAW_INDIRECT_BUFFER_BINDING',
    'glMultiDrawElementsIndirectCount': 'GL_DRAW_INDIRECT_BUFFER_BINDING',
}

# Never offered: persistent / coherent buffer mappings (as GLES's EXT_buffer_storage), and
# external memory and semaphores, whose file descriptors are the guest's and mean nothing (or
# something else) in the host process.
HIDDEN_EXTENSIONS = {
    # Client memory as a buffer's storage: the host cannot see the guest's memory.
    'GL_AMD_pinned_memory',
    'GL_ARB_buffer_storage', 'GL_EXT_memory_object', 'GL_EXT_memory_object_fd',
    'GL_EXT_semaphore', 'GL_EXT_semaphore_fd',
}

# The compatibility profile's fixed-function arrays are client arrays like the generic ones
# (src/guest/gl/vertex_arrays.cpp, src/host/decoder/draws.cpp): the guest follows their
# pointers, enables and the client active texture, and sends the used range with each draw.
GUEST_HAND = {
    'glVertexAttribLPointer', 'glArrayElement', 'glEnable', 'glDisable',
    # Primitive restart indices are left out of client-array vertex ranges.
    'glPrimitiveRestartIndex', 'glPrimitiveRestartIndexNV',
    # One multi-draw on the host (gl_DrawID counts its draws) unless client arrays need a
    # vertex range per draw.
    'glMultiDrawArrays',
    'glFeedbackBuffer', 'glSelectBuffer', 'glRenderMode',
    # Query results into a bound QUERY_BUFFER; invalidating a buffer the guest has mapped.
    'glGetQueryObjectiv', 'glGetQueryObjectuiv', 'glGetQueryObjecti64v', 'glGetQueryObjectui64v',
    'glInvalidateBufferData', 'glInvalidateBufferSubData', 'glGetBufferSubData',
    'glGetPixelMapfv', 'glGetPixelMapuiv', 'glGetPixelMapusv', 'glGetPolygonStipple',
    # Draws that may read client arrays, client indices or client indirect commands.
    'glDrawArraysInstancedBaseInstance', 'glDrawElementsInstancedBaseInstance',
    'glDrawElementsInstancedBaseVertexBaseInstance', 'glDrawArraysIndirect',
    'glDrawElementsIndirect', 'glMultiDrawArraysIndirect', 'glMultiDrawElementsIndirect',
    'glGetTexImage', 'glGetCompressedTexImage', 'glGetTextureImage',
    'glGetCompressedTextureImage', 'glGetTextureSubImage', 'glGetCompressedTextureSubImage',
    'glMapNamedBufferRange',
    'glVertexPointer', 'glNormalPointer', 'glColorPointer', 'glSecondaryColorPointer',
    'glFogCoordPointer', 'glIndexPointer', 'glEdgeFlagPointer', 'glTexCoordPointer',
    'glEnableClientState', 'glDisableClientState', 'glClientActiveTexture',
}
HOST_HAND = {
    'glVertexAttribLPointer',
    # Feedback and selection buffers are kept by GL after the call (host-owned copies).
    'glFeedbackBuffer', 'glSelectBuffer', 'glRenderMode',
    # Pixel state read back into the program or into a bound pack buffer.
    'glGetPixelMapfv', 'glGetPixelMapuiv', 'glGetPixelMapusv', 'glGetPolygonStipple',
    'glDrawElementsInstancedBaseInstance', 'glDrawElementsInstancedBaseVertexBaseInstance',
    # Texture images read back: the guest asks for the level's size to size the transfer.
    'glGetTexImage', 'glGetCompressedTexImage', 'glGetTextureImage',
    'glGetCompressedTextureImage', 'glGetTextureSubImage', 'glGetCompressedTextureSubImage',
    # Mappings by name are guest memory as mappings by target are.
    'glMapNamedBufferRange',
    'glVertexPointer', 'glNormalPointer', 'glColorPointer', 'glSecondaryColorPointer',
    'glFogCoordPointer', 'glIndexPointer', 'glEdgeFlagPointer', 'glTexCoordPointer',
}
GUEST_ONLY = {
    # Multi-draws of elements are a loop of single draws (gl_DrawID is then 0 for each);
    # interleaved arrays a sequence of pointer calls.
    'glMultiDrawElements', 'glMultiDrawElementsBaseVertex',
    'glInterleavedArrays',
    # The whole buffer, mapped in guest memory as glMapBufferRange maps a range; the named forms
    # of unmapping, flushing and the pointer query act on the guest's copy.
    'glMapBuffer', 'glMapNamedBuffer', 'glUnmapNamedBuffer', 'glFlushMappedNamedBufferRange',
    'glGetNamedBufferPointerv',
    # EXT_vertex_array's pointer commands are GL 1.1's with a count.
    'glVertexPointerEXT', 'glNormalPointerEXT', 'glColorPointerEXT', 'glIndexPointerEXT',
    'glTexCoordPointerEXT', 'glEdgeFlagPointerEXT',
}

# NV_depth_buffer_float's forms that ARB_viewport_array lists as an interaction; the host's
# libepoxy lacks them, and the extension stands without them.
OPTIONAL_COMMANDS = {'glDepthRangeArraydvNV', 'glDepthRangeIndexeddNV'}

# Commands that create an object for a name never generated, in the compatibility profile only
# (GL 4.6 compatibility keeps unused names usable there; core and ES report an error).
COMPAT_BIND_CREATES = {
    'glBeginQuery': 'query',
    'glBeginQueryIndexed': 'query',
}

# Extensions that add only enums or shading-language features and that Debian's gl.xml does not
# list; the relay carries them when the host offers them.
UNLISTED_EXTENSIONS = {
    # gl.xml lists it for OpenGL ES only; Mesa offers it on desktop GL too (compressed formats).
    'GL_OES_compressed_ETC1_RGB8_texture',
    'GL_INTEL_shader_atomic_float_minmax', 'GL_EXT_texture_edge_clamp', 'GL_APPLE_packed_pixels',
    'GL_MESA_texture_signed_rgba', 'GL_EXT_texture_rectangle', 'GL_ATI_texture_compression_3dc',
}

# Other vendors' desktop extensions with commands that the relay carries (each command generated
# as any other): those Mesa offers and programs still use.
VENDOR_EXTENSIONS = {
    'GL_ATI_draw_buffers', 'GL_ATI_separate_stencil', 'GL_ATI_fragment_shader',
    'GL_AMD_draw_buffers_blend', 'GL_NV_half_float', 'GL_NV_copy_image', 'GL_NV_texture_barrier',
    'GL_NV_primitive_restart', 'GL_MESA_window_pos', 'GL_INGR_blend_func_separate',
}

# Not carried: OES_fixed_point's feedback buffer is kept by GL after the call like
# glFeedbackBuffer's (and the relay carries no OpenGL ES 1.x).
UNSUPPORTED = {'glFeedbackBufferxOES'}

# Guest code run before a command is encoded (`ctx_` is the context): what the guest knows of
# buffer contents (src/guest/gl/known_buffers.cpp) follows the commands that change them, and
# ends for the share group at the first command that lets GL write buffers itself (transform
# feedback, shader storage, atomic counters, pack and query buffers, buffer textures, copies,
# clears, page commitment).
GUEST_BEFORE = {
    'glBufferSubData': 'known_target_write(ctx_, target, offset, size, data)',
    'glNamedBufferSubData': 'known_buffer_write(ctx_, buffer, offset, size, data)',
    'glBufferData': 'forget_known_target(ctx_, target)',
    'glNamedBufferData': 'forget_known_buffer(ctx_, buffer)',
    'glBufferStorage': 'forget_known_target(ctx_, target)',
    'glNamedBufferStorage': 'forget_known_buffer(ctx_, buffer)',
    'glBindBuffer': 'bind_may_write(ctx_, target, buffer)',
    'glBindBufferBase': 'bind_may_write(ctx_, target, buffer)',
    'glBindBufferRange': 'bind_may_write(ctx_, target, buffer)',
    'glBindBuffersBase': 'bind_may_write(ctx_, target, 1)',
    'glBindBuffersRange': 'bind_may_write(ctx_, target, 1)',
    'glBindBufferOffsetEXT': 'gl_may_write_buffers(ctx_)',
    'glTransformFeedbackBufferBase': 'gl_may_write_buffers(ctx_)',
    'glTransformFeedbackBufferRange': 'gl_may_write_buffers(ctx_)',
    'glCopyBufferSubData': 'gl_may_write_buffers(ctx_)',
    'glCopyNamedBufferSubData': 'gl_may_write_buffers(ctx_)',
    'glClearBufferData': 'gl_may_write_buffers(ctx_)',
    'glClearBufferSubData': 'gl_may_write_buffers(ctx_)',
    'glClearNamedBufferData': 'gl_may_write_buffers(ctx_)',
    'glClearNamedBufferSubData': 'gl_may_write_buffers(ctx_)',
    'glTexBuffer': 'gl_may_write_buffers(ctx_)',
    'glTexBufferRange': 'gl_may_write_buffers(ctx_)',
    'glTextureBuffer': 'gl_may_write_buffers(ctx_)',
    'glTextureBufferRange': 'gl_may_write_buffers(ctx_)',
    'glGetQueryBufferObjecti64v': 'gl_may_write_buffers(ctx_)',
    'glGetQueryBufferObjectiv': 'gl_may_write_buffers(ctx_)',
    'glGetQueryBufferObjectui64v': 'gl_may_write_buffers(ctx_)',
    'glGetQueryBufferObjectuiv': 'gl_may_write_buffers(ctx_)',
    'glBufferPageCommitmentARB': 'gl_may_write_buffers(ctx_)',
    'glNamedBufferPageCommitmentARB': 'gl_may_write_buffers(ctx_)',
    'glNamedBufferPageCommitmentEXT': 'gl_may_write_buffers(ctx_)',
    # Restores the array buffer binding behind the guest's back (GL_CLIENT_VERTEX_ARRAY_BIT).
    'glPopClientAttrib': 'gl_may_write_buffers(ctx_)',
}
