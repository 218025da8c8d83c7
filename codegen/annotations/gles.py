# What gl.xml does not say about the OpenGL ES 2.0-3.2 commands, next to the command it concerns.
# Read by codegen/gen_gl.py. Pure data.
#
# Length expressions are C++ over the command's own parameters. Input lengths are evaluated on
# both sides (the guest to send, the host to check what arrived, wire rule 4); output lengths are
# evaluated on the host only (the guest copies what the reply carries). Helpers they call live in
# src/glcommon/ (gl_params_gen.h, pixel_size.h) and, for `state.`, in the side's context state.

# Element counts for pointer parameters whose gl.xml length is COMPSIZE(...) or missing.
LENGTHS = {
    # EXT_EGL_image_storage: attrib_list must be NULL or point to GL_NONE; GL reads no further
    # than a first value that is not GL_NONE.
    'glEGLImageTargetTexStorageEXT': {'attrib_list': '1'},
    'glEGLImageTargetTextureStorageEXT': {'attrib_list': '1'},
    'glTexParameterfv': {'params': 'gl::tex_parameter_count(pname)'},
    'glTexParameteriv': {'params': 'gl::tex_parameter_count(pname)'},
    'glTexParameterIiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glTexParameterIuiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glSamplerParameteriv': {'param': 'gl::sampler_parameter_count(pname)'},
    'glSamplerParameterfv': {'param': 'gl::sampler_parameter_count(pname)'},
    'glSamplerParameterIiv': {'param': 'gl::sampler_parameter_count(pname)'},
    'glSamplerParameterIuiv': {'param': 'gl::sampler_parameter_count(pname)'},
    # COLOR takes four values; DEPTH and STENCIL one (ES 3.0 section 4.2.3).
    'glClearBufferiv': {'value': 'gl::clear_buffer_count(buffer)'},
    'glClearBufferuiv': {'value': 'gl::clear_buffer_count(buffer)'},
    'glClearBufferfv': {'value': 'gl::clear_buffer_count(buffer)'},
    # Outputs sized by the host from its own tables and state.
    'glGetBooleanv': {'data': 'state.get_count(pname)'},
    'glGetFloatv': {'data': 'state.get_count(pname)'},
    'glGetIntegerv': {'data': 'state.get_count(pname)'},
    'glGetInteger64v': {'data': 'state.get_count(pname)'},
    'glGetBooleani_v': {'data': 'gl::indexed_get_value_count(target)'},
    'glGetIntegeri_v': {'data': 'gl::indexed_get_value_count(target)'},
    'glGetInteger64i_v': {'data': 'gl::indexed_get_value_count(target)'},
    'glGetBufferParameteriv': {'params': '1'},
    'glGetBufferParameteri64v': {'params': '1'},
    'glGetFramebufferAttachmentParameteriv': {'params': '1'},
    'glGetRenderbufferParameteriv': {'params': '1'},
    'glGetFramebufferParameteriv': {'params': '1'},
    'glGetProgramiv': {'params': 'gl::program_count(pname)'},
    'glGetShaderiv': {'params': '1'},
    'glGetQueryiv': {'params': '1'},
    'glGetQueryObjectuiv': {'params': '1'},
    'glGetTexParameterfv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetTexParameteriv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetTexParameterIiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetTexParameterIuiv': {'params': 'gl::tex_parameter_count(pname)'},
    'glGetSamplerParameteriv': {'params': 'gl::sampler_parameter_count(pname)'},
    'glGetSamplerParameterfv': {'params': 'gl::sampler_parameter_count(pname)'},
    'glGetSamplerParameterIiv': {'params': 'gl::sampler_parameter_count(pname)'},
    'glGetSamplerParameterIuiv': {'params': 'gl::sampler_parameter_count(pname)'},
    'glGetTexLevelParameteriv': {'params': '1'},
    'glGetTexLevelParameterfv': {'params': '1'},
    'glGetVertexAttribfv': {'params': 'gl::vertex_attrib_count(pname)'},
    'glGetVertexAttribiv': {'params': 'gl::vertex_attrib_count(pname)'},
    'glGetVertexAttribIiv': {'params': 'gl::vertex_attrib_count(pname)'},
    'glGetVertexAttribIuiv': {'params': 'gl::vertex_attrib_count(pname)'},
    'glGetProgramInterfaceiv': {'params': '1'},
    'glGetProgramPipelineiv': {'params': '1'},
    'glGetMultisamplefv': {'val': '2'},
    # A uniform's value count depends on its type, which only the host's program knows.
    'glGetUniformfv': {'params': 'state.uniform_value_count(program, location)'},
    'glGetUniformiv': {'params': 'state.uniform_value_count(program, location)'},
    'glGetUniformuiv': {'params': 'state.uniform_value_count(program, location)'},
    'glGetActiveUniformsiv': {'params': 'uniformCount'},
    'glGetUniformIndices': {'uniformNames': 'uniformCount', 'uniformIndices': 'uniformCount'},
    # Extension commands.
    'glClearTexImageEXT': {'data': 'gl::pixel_group_bytes(format, type)'},
    'glClearTexSubImageEXT': {'data': 'gl::pixel_group_bytes(format, type)'},
    'glGetFloati_vOES': {'data': 'gl::indexed_get_value_count(target)'},
    'glGetFloati_vNV': {'data': 'gl::indexed_get_value_count(target)'},
    'glGetQueryObjectivEXT': {'params': '1'},
    'glGetQueryObjecti64vEXT': {'params': '1'},
    'glGetQueryObjectui64vEXT': {'params': '1'},
    'glGetQueryivEXT': {'params': '1'},
    'glGetQueryObjectuivEXT': {'params': '1'},
    'glGetProgramPipelineivEXT': {'params': '1'},
    'glViewportArrayvOES': {'v': 'count*4'},
    'glScissorArrayvOES': {'v': 'count*4'},
    'glDepthRangeArrayfvOES': {'v': 'count*2'},
    'glGetActiveUniformBlockiv':
        {'params': 'state.uniform_block_value_count(program, uniformBlockIndex, pname)'},
}

# NUL-terminated input strings whose gl.xml length is COMPSIZE(name) or similar.
STRINGS = {
    'glGetFragDataLocation': ['name'],
    'glGetUniformBlockIndex': ['uniformBlockName'],
    'glGetProgramResourceIndex': ['name'],
    'glGetProgramResourceLocation': ['name'],
    'glBindFragDataLocationEXT': ['name'],
    'glGetProgramResourceLocationIndexEXT': ['name'],
}

# Strings with an explicit length that may be negative, meaning NUL-terminated (KHR_debug).
COUNTED_STRINGS = {
    'glDebugMessageInsert': {'buf': 'length'},
    'glPushDebugGroup': {'message': 'length'},
    'glObjectLabel': {'label': 'length'},
    'glObjectPtrLabel': {'label': 'length'},
}

# Pointer parameters that are byte offsets into a bound buffer object, never client memory.
OFFSETS = {
    'glDrawArraysIndirect': ['indirect'],
    'glDrawElementsIndirect': ['indirect'],
}

# Image data read under the unpack pixel-store state: a byte offset when a PIXEL_UNPACK_BUFFER is
# bound, else client memory of the size that the store modes give. Values are the size arguments.
UNPACK_IMAGES = {
    'glTexImage2D': {'pixels': ('format', 'type', 'width', 'height', '1')},
    'glTexSubImage2D': {'pixels': ('format', 'type', 'width', 'height', '1')},
    'glTexImage3D': {'pixels': ('format', 'type', 'width', 'height', 'depth')},
    'glTexSubImage3D': {'pixels': ('format', 'type', 'width', 'height', 'depth')},
}
# Compressed image data: a byte offset under a bound PIXEL_UNPACK_BUFFER, else imageSize bytes.
UNPACK_BLOBS = {
    'glCompressedTexImage2D': {'data': 'imageSize'},
    'glCompressedTexSubImage2D': {'data': 'imageSize'},
    'glCompressedTexImage3D': {'data': 'imageSize'},
    'glCompressedTexSubImage3D': {'data': 'imageSize'},
}

# Binding commands that create an object for an unknown name (ES keeps bind-to-create for these).
BIND_CREATES = {
    'glBindBuffer': 'buffer',
    'glBindBufferBase': 'buffer',
    'glBindBufferRange': 'buffer',
    'glBindTexture': 'texture',
    'glBindRenderbuffer': 'renderbuffer',
    'glBindFramebuffer': 'framebuffer',
}

# Written by hand on the guest side (src/guest/gl/): client memory, shadowed state, mappings,
# strings. The generator still emits their encode_* functions where it can.
GUEST_HAND = {
    # Shadowed bindings and vertex state (client arrays and pixel-store sizes depend on them).
    'glBindBuffer', 'glBindVertexArray', 'glDeleteBuffers', 'glDeleteVertexArrays',
    'glPixelStorei', 'glVertexAttribPointer', 'glVertexAttribIPointer', 'glVertexAttribDivisor',
    'glEnableVertexAttribArray', 'glDisableVertexAttribArray',
    # Draws that may read client-side vertex arrays or indices.
    'glDrawArrays', 'glDrawElements', 'glDrawRangeElements', 'glDrawArraysInstanced',
    'glDrawElementsInstanced', 'glDrawElementsBaseVertex', 'glDrawRangeElementsBaseVertex',
    'glDrawElementsInstancedBaseVertex', 'glDrawArraysInstancedBaseInstanceEXT',
    'glDrawElementsInstancedBaseInstanceEXT', 'glDrawElementsInstancedBaseVertexBaseInstanceEXT',
    # Payloads that may be too large for one command (src/guest/gl/large_transfers.cpp).
    'glBufferData', 'glBufferSubData', 'glTexImage2D', 'glTexSubImage2D', 'glTexImage3D',
    'glTexSubImage3D',
    # Pack-side pixel transfers and buffer mappings.
    'glReadPixels', 'glReadnPixels', 'glMapBufferRange', 'glUnmapBuffer',
    'glFlushMappedBufferRange',
    # Strings are cached per context; shader sources are arrays of counted strings.
    'glGetString', 'glGetStringi', 'glShaderSource',
    # Errors merge the guest's own; flush and finish end a batch.
    'glGetError', 'glFinish', 'glFlush',
    # KHR_debug: the callback lives in the guest; commands that make a message deliver it.
    'glDebugMessageCallback', 'glDebugMessageInsert', 'glPushDebugGroup', 'glPopDebugGroup',
}

# `const void*` parameters that name a sync object (KHR_debug's pointer labels).
SYNC_POINTERS = {
    'glObjectPtrLabel': ('ptr',),
    'glGetObjectPtrLabel': ('ptr',),
}

# Carried out by the guest as a sequence of other commands (src/guest/gl/); they keep their
# opcodes in opcodes.txt but have no encoder or decoder, and the host refuses them.
GUEST_ONLY = {
    # Multi-draws are a loop of single draws (each may read client memory of its own).
    'glMultiDrawArraysEXT', 'glMultiDrawElementsEXT', 'glMultiDrawElementsBaseVertexEXT',
    # ES 3.2 / KHR_debug's glGetPointerv only returns the guest's own debug callback.
    'glGetPointerv',
    # OES_mapbuffer: the whole buffer, mapped in guest memory as glMapBufferRange maps a range.
    'glMapBufferOES',
    # A mapping's address and a client array's pointer are the guest's own.
    'glGetBufferPointerv', 'glGetVertexAttribPointerv',
}

# Written by hand on the host side (src/host/decoder/).
HOST_HAND = {
    'glDrawElements', 'glDrawRangeElements', 'glDrawElementsInstanced', 'glDrawElementsBaseVertex', 'glDrawRangeElementsBaseVertex',
    'glDrawElementsInstancedBaseVertex', 'glDrawElementsInstancedBaseInstanceEXT',
    'glDrawElementsInstancedBaseVertexBaseInstanceEXT', 'glVertexAttribPointer',
    'glVertexAttribIPointer',
    # glUnmapBuffer and glFlushMappedBufferRange never reach the host: the guest sends the
    # written range as glBufferSubData.
    'glReadPixels', 'glReadnPixels', 'glMapBufferRange', 'glGetString', 'glGetStringi',
    'glShaderSource', 'glGetError',
    'glFinish', 'glObjectLabel', 'glGetObjectLabel',
    # The guest says whether it has a debug callback; the host queues messages for it.
    'glDebugMessageCallback',
    # Deleting a sync also forgets its guest id.
    'glDeleteSync',
    # Results that carry object names or narrowed values are mapped back to guest names.
    'glGetIntegerv', 'glGetInteger64v', 'glGetIntegeri_v', 'glGetInteger64i_v',
    'glGetVertexAttribiv', 'glGetFramebufferAttachmentParameteriv', 'glGetProgramPipelineiv',
    'glGetAttachedShaders',
}

# Not carried: the guest entry point does nothing and, for getters, writes nothing
# (docs/protocol.md lists them).
UNSUPPORTED = set()

# Pointer parameters that may legitimately be NULL with a non-zero length (GL then allocates
# storage without data). Any other NULL the host replaces with zeros rather than let GL read it.
NULLABLE = {
    ('glBufferData', 'data'), ('glTexImage2D', 'pixels'), ('glTexImage3D', 'pixels'),
    ('glCompressedTexImage2D', 'data'), ('glCompressedTexImage3D', 'data'),
}

# Tables only desktop GL fills (annotations/gl.py says what they mean).
OFFSET_BUFFERS = {}
COMPAT_BIND_CREATES = {}
VENDOR_EXTENSIONS = set()

# Extensions never offered although their commands generate: persistent and coherent buffer
# mappings need shared memory the host GL writes to directly (not carried yet).
HIDDEN_EXTENSIONS = {'GL_EXT_buffer_storage'}

# GLES extensions that add no commands (shading language or new enums only) and that Debian's
# gl.xml does not list; the relay carries them when the host offers them.
UNLISTED_EXTENSIONS = {
    'GL_EXT_frag_depth',  # gl_FragDepthEXT in ES 1.00 shaders
}

# Extension commands that are the core command under another name, where gl.xml does not say
# so with <alias>: they share the core entry point and opcode.
ALIASES = {
    'glDrawElementsBaseVertexOES': 'glDrawElementsBaseVertex',
    'glDrawElementsBaseVertexEXT': 'glDrawElementsBaseVertex',
    'glDrawRangeElementsBaseVertexOES': 'glDrawRangeElementsBaseVertex',
    'glDrawRangeElementsBaseVertexEXT': 'glDrawRangeElementsBaseVertex',
    'glDrawElementsInstancedBaseVertexOES': 'glDrawElementsInstancedBaseVertex',
    'glDrawElementsInstancedBaseVertexEXT': 'glDrawElementsInstancedBaseVertex',
}

# Commands an extension lists that exist only together with another extension the relay does
# not carry (OES_draw_elements_base_vertex: the multi-draw form needs EXT_multi_draw_arrays).
OPTIONAL_COMMANDS = {'glMultiDrawElementsBaseVertexEXT', 'glMultiDrawElementsBaseVertexOES'}
