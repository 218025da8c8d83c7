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
    # The polygon stipple read back is a 32x32 bitmap; under the default pack modes (all that
    # is carried for it) 128 bytes.
    'glGetPolygonStipple': {'mask': '128'},
    # COMPSIZE(n, type): n names of the size of `type`.
    'glCallLists': {'lists': 'n * gl::call_lists_type_bytes(type)'},
    'glGetUniformdv': {'params': 'state.uniform_value_count(program, location)'},
}

STRINGS = {
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
    'glTexImage1D': {'pixels': ('format', 'type', 'width', '1', '1')},
    'glTexSubImage1D': {'pixels': ('format', 'type', 'width', '1', '1')},
    'glDrawPixels': {'pixels': ('format', 'type', 'width', 'height', '1')},
    # Bitmaps: one bit per pixel under the unpack modes (GL 4.6 compatibility, 14.8).
    'glBitmap': {'bitmap': ('GL_COLOR_INDEX', 'GL_BITMAP', 'width', 'height', '1')},
    'glPolygonStipple': {'mask': ('GL_COLOR_INDEX', 'GL_BITMAP', '32', '32', '1')},
}

OFFSETS = {
    'glMultiDrawArraysIndirect': ['indirect'],
    'glMultiDrawElementsIndirect': ['indirect'],
}

# Never offered: persistent / coherent buffer mappings (as GLES's EXT_buffer_storage), and
# external memory and semaphores, whose file descriptors are the guest's and mean nothing (or
# something else) in the host process.
HIDDEN_EXTENSIONS = {
    'GL_ARB_buffer_storage', 'GL_EXT_memory_object', 'GL_EXT_memory_object_fd',
    'GL_EXT_semaphore', 'GL_EXT_semaphore_fd',
}

# The compatibility profile's fixed-function arrays are client arrays like the generic ones
# (src/guest/gl/vertex_arrays.cpp, src/host/decoder/draws.cpp): the guest follows their
# pointers, enables and the client active texture, and sends the used range with each draw.
GUEST_HAND = {
    'glGetTexImage', 'glGetCompressedTexImage',
    'glVertexPointer', 'glNormalPointer', 'glColorPointer', 'glSecondaryColorPointer',
    'glFogCoordPointer', 'glIndexPointer', 'glEdgeFlagPointer', 'glTexCoordPointer',
    'glEnableClientState', 'glDisableClientState', 'glClientActiveTexture',
}
HOST_HAND = {
    # Texture images read back: the guest asks for the level's size to size the transfer.
    'glGetTexImage', 'glGetCompressedTexImage',
    'glVertexPointer', 'glNormalPointer', 'glColorPointer', 'glSecondaryColorPointer',
    'glFogCoordPointer', 'glIndexPointer', 'glEdgeFlagPointer', 'glTexCoordPointer',
}
GUEST_ONLY = {
    # Multi-draws are a loop of single draws; interleaved arrays a sequence of pointer calls.
    'glMultiDrawArrays', 'glMultiDrawElements', 'glMultiDrawElementsBaseVertex',
    'glInterleavedArrays',
    # The whole buffer, mapped in guest memory as glMapBufferRange maps a range.
    'glMapBuffer',
}
