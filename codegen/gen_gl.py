#!/usr/bin/env python3
"""Generates the OpenGL ES stream code from gl.xml and codegen/annotations/.

One spec, three outputs (all under the build tree):
  opcodes_gen.h        the stable opcode numbers, from codegen/opcodes.txt (append-only)
  gl_encoder_gen.cpp   guest: one encode_* function and one entry point per command, and the
                       name -> entry point table that GLVND's getProcAddress reads
  gl_decoder_gen.cpp   host: one decode_* function per command (reads every field once, checks
                       every length against the one it recomputes, maps guest names to host
                       names) and the opcode dispatch
  gl_carried_gen.cpp   the GLES extensions the relay carries (every command they need is here)

Command layout on the wire (docs/protocol.md): header, then the scalar parameters at fixed,
naturally aligned offsets (padded to 8), then one blob per pointer parameter in parameter order.
"""

import argparse
import importlib.util
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))

# Wire size of each scalar C type. Booleans travel as 4 bytes to keep offsets aligned.
SCALAR_SIZES = {
    'GLenum': 4, 'GLint': 4, 'GLuint': 4, 'GLsizei': 4, 'GLbitfield': 4, 'GLfloat': 4,
    'GLboolean': 4, 'GLfixed': 4, 'GLshort': 4, 'GLushort': 4, 'GLbyte': 4, 'GLubyte': 4,
    'GLchar': 4, 'GLclampf': 4, 'GLhandleARB': 4, 'GLcharARB': 4, 'GLhalfNV': 4,
    'GLdouble': 8, 'GLclampd': 8, 'GLint64EXT': 8, 'GLuint64EXT': 8, 'GLintptrARB': 8,
    'GLsizeiptrARB': 8,
    'GLintptr': 8, 'GLsizeiptr': 8, 'GLint64': 8, 'GLuint64': 8, 'GLsync': 8,
    'GLeglImageOES': 8,  # the guest's EGLImage id; the host looks up its own image
}
WIRE_TYPES = {4: 'uint32_t', 8: 'uint64_t'}
FLOATS = {'GLfloat', 'GLclampf'}   # travel as their bits
DOUBLES = {'GLdouble', 'GLclampd'}

# gl.xml's object classes -> the name spaces the host keeps (shaders and programs share one).
CLASS_KINDS = {
    'buffer': 'kBuffer', 'texture': 'kTexture', 'framebuffer': 'kFramebuffer',
    'renderbuffer': 'kRenderbuffer', 'program': 'kProgram', 'shader': 'kProgram',
    'vertex array': 'kVertexArray', 'sampler': 'kSampler', 'query': 'kQuery',
    'transform feedback': 'kTransformFeedback', 'program pipeline': 'kProgramPipeline',
}

def load_annotations():
    """gles.py, then gl.py adding to its tables."""
    modules = []
    for name in ('gles', 'gl'):
        spec = importlib.util.spec_from_file_location(
            f'{name}_annotations', os.path.join(HERE, 'annotations', f'{name}.py'))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        modules.append(mod)
    ann, extra = modules
    ann.PARAM_CLASSES = {}
    for key, value in vars(extra).items():
        if not key.isupper():
            continue
        base = getattr(ann, key, None)
        if isinstance(value, dict):
            setattr(ann, key, {**(base or {}), **value})
        elif isinstance(value, set):
            setattr(ann, key, (base or set()) | value)
        else:
            sys.exit(f'annotations/gl.py: {key} must be a dict or a set')
    return ann


class Param:
    def __init__(self, elem):
        self.name = elem.find('name').text
        text = ''.join(elem.itertext()).strip()
        self.decl_type = text[: text.rfind(self.name)].strip()  # C type as declared
        self.ptype = elem.find('ptype').text if elem.find('ptype') is not None else None
        self.pointer = self.decl_type.count('*')
        self.const = self.decl_type.startswith('const')
        self.len = elem.get('len')
        self.cls = elem.get('class')
        self.kind = None      # set by classify()
        self.length = None    # C++ element-count expression
        self.elem_type = None  # pointed-to element type
        self.offset = 0       # scalars: byte offset after the header

    @property
    def scalar_size(self):
        return SCALAR_SIZES[self.ptype]


class Command:
    def __init__(self, elem):
        proto = elem.find('proto')
        self.name = proto.find('name').text
        text = ''.join(proto.itertext()).strip()
        self.ret = text[: text.rfind(self.name)].strip()
        self.ret_class = proto.get('class')
        self.params = [Param(p) for p in elem.findall('param')]
        alias = elem.find('alias')
        self.alias = alias.get('name') if alias is not None else None
        self.extensions = []  # empty for core commands
        self.versions = {}  # 'gles2' / 'gl' -> first version that has it (major*10+minor)
        self.compat_only = False  # removed from the OpenGL core profile
        self.opcode = None
        self.guest_hand = False
        self.guest_only = False  # carried out by the guest with other commands; no decoder
        self.host_hand = False
        self.unsupported = False
        self.problems = []

    @property
    def returns(self):
        return self.ret != 'void'

    def scalars(self):
        return [p for p in self.params
                if p.kind in ('scalar', 'name', 'bind_name', 'compat_bind_name', 'sync', 'offset',
                              'egl_image')]

    def blobs(self):
        return [p for p in self.params if p.kind in ('in', 'in_names', 'gen_names', 'string',
                                                     'counted_string', 'strings', 'unpack_image',
                                                     'unpack_blob')]

    def outputs(self):
        return [p for p in self.params if p.kind in ('out', 'out_string')]

    @property
    def creates(self):
        # glCreate*/glFenceSync: the guest picks the name, so the call needs no reply.
        return self.ret_class in CLASS_KINDS or self.ret_class == 'sync'

    @property
    def sync(self):
        return (self.returns and not self.creates) or bool(self.outputs())


def length_expr(cmd, p, ann):
    """C++ element-count expression for pointer parameter p, or None."""
    names = {q.name for q in cmd.params}
    override = ann.LENGTHS.get(cmd.name, {}).get(p.name)
    if override:
        return widen(override, names)
    if p.len is None or p.len.startswith('COMPSIZE'):
        return None
    expr = p.len
    for tok in set(re.findall(r'[A-Za-z_]\w*', expr)):
        if tok not in names:
            return None
    # gl.xml writes lengths like "count*4" and "bufSize / 4"; parameters are C++ names as well.
    return '(' + widen(expr, names) + ')'


def widen(expr, names):
    """`expr` with each parameter in 64 bits: a guest's count of 2^30 times 4 must not overflow
    an int (elements() clamps the result)."""
    return re.sub(r'(?<![.:\w])([A-Za-z_]\w*)\b(?!\s*\()',
                  lambda m: f'int64_t{{{m.group(1)}}}' if m.group(1) in names else m.group(1),
                  expr)


def classify(cmd, ann):
    name = cmd.name
    cmd.guest_only = name in ann.GUEST_ONLY
    cmd.guest_hand = name in ann.GUEST_HAND or cmd.guest_only
    cmd.host_hand = name in ann.HOST_HAND
    cmd.offset_buffer = ann.OFFSET_BUFFERS.get(name)
    cmd.unsupported = name in ann.UNSUPPORTED
    cmd.guest_before = ann.GUEST_BEFORE.get(name)
    for p in cmd.params:
        p.cls = ann.PARAM_CLASSES.get((name, p.name), p.cls)
        p.nullable = (name, p.name) in ann.NULLABLE
        if p.name in ann.SYNC_POINTERS.get(name, ()):
            p.ptype, p.pointer = 'GLsync', 0  # travels as the guest's sync id
        if p.pointer == 0:
            if p.ptype not in SCALAR_SIZES:
                cmd.problems.append(f'{p.name}: scalar type {p.ptype}')
                continue
            if p.ptype == 'GLsync':
                p.kind = 'sync'
            elif p.ptype == 'GLeglImageOES':
                p.kind = 'egl_image'
            elif p.cls in CLASS_KINDS:
                p.kind = ('bind_name' if ann.BIND_CREATES.get(name) == p.cls else
                          'compat_bind_name' if ann.COMPAT_BIND_CREATES.get(name) == p.cls else
                          'name')
            else:
                p.kind = 'scalar'
            continue
        p.elem_type = p.decl_type.replace('const', '').replace('*', '').strip()
        if name in ann.OFFSETS and p.name in ann.OFFSETS[name]:
            p.kind = 'offset'
            continue
        if name in ann.UNPACK_IMAGES and p.name in ann.UNPACK_IMAGES[name]:
            p.kind = 'unpack_image'
            p.length = ann.UNPACK_IMAGES[name][p.name]
            continue
        if name in ann.UNPACK_BLOBS and p.name in ann.UNPACK_BLOBS[name]:
            p.kind = 'unpack_blob'
            p.length = ann.UNPACK_BLOBS[name][p.name]
            continue
        if name in ann.COUNTED_STRINGS and p.name in ann.COUNTED_STRINGS[name]:
            p.kind = 'counted_string'
            p.length = ann.COUNTED_STRINGS[name][p.name]
            continue
        if p.const and p.pointer == 2 and p.elem_type == 'GLchar':
            p.kind = 'strings'
            p.length = length_expr(cmd, p, ann)
            if p.length is None:
                cmd.problems.append(f'{p.name}: string array without length')
            continue
        if p.const and p.elem_type == 'GLchar' and (
                p.len is None or name in ann.STRINGS and p.name in ann.STRINGS[name]):
            p.kind = 'string'
            continue
        annotated = name in ann.LENGTHS and p.name in ann.LENGTHS[name]
        if p.pointer != 1 or p.elem_type == 'void' and not p.const and p.len is None and not annotated:
            cmd.problems.append(f'{p.name}: pointer {p.decl_type}')
            continue
        p.length = length_expr(cmd, p, ann)
        if p.length is None:
            cmd.problems.append(f'{p.name}: length {p.len}')
            continue
        if p.elem_type == 'void':
            p.elem_type = 'uint8_t'
        if p.elem_type not in SCALAR_SIZES and p.elem_type != 'uint8_t':
            cmd.problems.append(f'{p.name}: element type {p.elem_type}')
            continue
        if p.const:
            p.kind = 'in_names' if p.cls in CLASS_KINDS else 'in'
        elif p.cls in CLASS_KINDS and name.startswith(('glGen', 'glCreate')):
            p.kind = 'gen_names'
        elif p.elem_type == 'GLchar':
            p.kind = 'out_string'
        else:
            p.kind = 'out'
    if cmd.ret not in ('void',) and cmd.ret not in SCALAR_SIZES:
        cmd.problems.append(f'return type {cmd.ret}')
    # Lay out the scalars: naturally aligned, in parameter order.
    off = 8
    for p in cmd.scalars():
        size = 8 if p.kind in ('sync', 'offset') else p.scalar_size
        off = (off + size - 1) // size * size
        p.offset = off
        off += size
    cmd.fixed = (off + 7) // 8 * 8


# ---------------------------------------------------------------------------------------------
# Guest encoder

def c_param_list(cmd):
    return ', '.join(f'{p.decl_type} {p.name}' for p in cmd.params) or 'void'


def encoder_params(cmd):
    return ', '.join(['Context& ctx_'] + [f'{p.decl_type} {p.name}' for p in cmd.params])


def c_arg_list(cmd):
    return ', '.join(p.name for p in cmd.params)


def ret_zero(cmd):
    return '' if not cmd.returns else ' 0'


def elem_size(p):
    return '1' if p.elem_type == 'uint8_t' else f'sizeof({p.elem_type})'


def guest_scalar_value(p):
    if p.ptype in FLOATS:
        return f'std::bit_cast<uint32_t>({p.name})'
    if p.ptype in DOUBLES:
        return f'std::bit_cast<uint64_t>({p.name})'
    if p.kind in ('sync', 'egl_image'):
        return f'reinterpret_cast<uintptr_t>({p.name})'
    if p.kind == 'offset':
        return f'reinterpret_cast<uintptr_t>({p.name})'
    return p.name


def emit_encoder(cmd, out):
    """encode_<cmd>: writes the command, and for synchronous ones waits and unpacks the reply."""
    ret = cmd.ret
    out.append(f'{ret} encode_{cmd.name}({encoder_params(cmd)}) {{')
    if cmd.guest_before:
        out.append(f'  {cmd.guest_before};')
    # Names the guest allocates itself (wire rule 3): glGen* outputs and glCreate* returns.
    created = None
    for p in cmd.params:
        if p.kind == 'gen_names':
            out.append(f'  ctx_.names(ObjectKind::{CLASS_KINDS[p.cls]}).generate({p.length}, {p.name});')
    if cmd.ret_class in CLASS_KINDS:
        created = f'ctx_.names(ObjectKind::{CLASS_KINDS[cmd.ret_class]}).create()'
        out.append(f'  const GLuint created_name_ = {created};')
    elif cmd.ret_class == 'sync':
        created = 'sync'
        out.append('  const uint64_t created_name_ = ctx_.new_sync_id();')
    blob_vars = []
    for p in cmd.blobs():
        v = f'blob_{p.name}_'
        blob_vars.append(v)
        if p.kind in ('in', 'in_names', 'gen_names'):
            out.append(f'  Blob {v} = ctx_.blob({p.name}, elements({p.length}) * {elem_size(p)});')
        elif p.kind == 'string':
            out.append(f'  Blob {v} = ctx_.string_blob({p.name});')
        elif p.kind == 'counted_string':
            out.append(f'  Blob {v} = ctx_.counted_string_blob({p.name}, {p.length});')
        elif p.kind == 'strings':
            out.append(f'  Blob {v} = ctx_.strings_blob({p.name}, {p.length});')
        elif p.kind == 'unpack_image':
            f, t, w, h, d = p.length
            out.append(f'  Blob {v} = ctx_.unpack_image_blob({p.name}, {f}, {t}, {w}, {h}, {d});')
        elif p.kind == 'unpack_blob':
            out.append(f'  Blob {v} = ctx_.unpack_blob({p.name}, {p.length});')
    size = str(cmd.fixed) + ''.join(f' + {v}.wire_size()' for v in blob_vars)
    extra = ' + 8' if created else ''
    out.append(f'  const size_t size_ = {size}{extra};')
    out.append(f'  uint8_t* p_ = ctx_.begin(Op::{cmd.name}, size_);')
    out.append(f'  if (!p_) return{ret_zero(cmd)};')
    for p in cmd.scalars():
        wt = WIRE_TYPES[8 if p.kind in ('sync', 'offset') else p.scalar_size]
        out.append(f'  wire::store<{wt}>(p_ + {p.offset}, {guest_scalar_value(p)});')
    if created or blob_vars:
        out.append(f'  size_t at_ = {cmd.fixed};')
    if created:
        out.append('  wire::store<uint64_t>(p_ + at_, created_name_);')
        out.append('  at_ += 8;')
    for i, v in enumerate(blob_vars):
        advance = 'at_ += ' if i + 1 < len(blob_vars) else ''
        out.append(f'  {advance}ctx_.write_blob(p_ + at_, {v});')
    out.append('  ctx_.end(size_);')
    if cmd.sync:
        out.append('  ReplyReader reply_ = ctx_.sync();')
        if cmd.returns and not created:
            wt = WIRE_TYPES[SCALAR_SIZES[ret]]
            out.append(f'  const {ret} result_ = static_cast<{ret}>(reply_.scalar<{wt}>());')
        for p in cmd.outputs():
            out.append(f'  reply_.output({p.name});')
    if created:
        if cmd.ret_class == 'sync':
            out.append('  return reinterpret_cast<GLsync>(static_cast<uintptr_t>(created_name_));')
        else:
            out.append('  return created_name_;')
    elif cmd.returns:
        out.append('  return result_;' if cmd.sync else '  return 0;')
    out.append('}')
    out.append('')


def emit_guest(cmds, aliases, path):
    out = ['// Generated by codegen/gen_gl.py from gl.xml and codegen/annotations/gles.py; do not edit.',
           '#include "gl_encoder_gen.h"',
           '',
           'namespace gfxrelay::guest::gles {',
           '']
    for cmd in cmds:
        if cmd.unsupported or cmd.problems or cmd.guest_only:
            continue
        emit_encoder(cmd, out)
    # Entry points: find the current context, then encode (or hand over to the hand-written one).
    out.append('namespace {')
    for cmd in cmds:
        if cmd.guest_hand:
            continue
        out.append(f'{cmd.ret} GL_APIENTRY entry_{cmd.name}({c_param_list(cmd)}) {{')
        if cmd.unsupported or cmd.problems:
            out.append(f'  unsupported("{cmd.name}");')
            out.extend(f'  (void){p.name};' for p in cmd.params)
            out.append(f'  return{ret_zero(cmd)};')
        else:
            out.append('  Context* ctx = Context::current();')
            out.append(f'  if (!ctx) return{ret_zero(cmd)};')
            out.append(f'  return encode_{cmd.name}(*ctx{", " if cmd.params else ""}{c_arg_list(cmd)});')
        out.append('}')
    out.append('}  // namespace')
    out.append('')
    out.append('const ProcEntry kGlProcs[] = {')
    by_name = {c.name: c for c in cmds}
    entries = {c.name: c for c in cmds}
    entries.update({alias: by_name[core] for alias, core in aliases.items()})
    for name in sorted(entries):
        cmd = entries[name]
        target = f'hand::{cmd.name}' if cmd.guest_hand else f'entry_{cmd.name}'
        out.append(f'    {{"{name}", reinterpret_cast<void*>(&{target})}},')
    out.append('};')
    out.append('const size_t kGlProcCount = sizeof(kGlProcs) / sizeof(kGlProcs[0]);')
    out.append('')
    out.append('}  // namespace gfxrelay::guest::gles')
    write(path, out)


def emit_guest_header(cmds, path):
    out = ['// Generated by codegen/gen_gl.py; do not edit.',
           '#pragma once',
           '#include "guest/gl/encoder_support.h"',
           '',
           'namespace gfxrelay::guest::gles {',
           '']
    for cmd in cmds:
        if cmd.unsupported or cmd.problems or cmd.guest_only:
            continue
        out.append(f'{cmd.ret} encode_{cmd.name}({encoder_params(cmd)});')
    out.append('')
    out.append('namespace hand {')
    for cmd in cmds:
        if cmd.guest_hand:
            out.append(f'{cmd.ret} GL_APIENTRY {cmd.name}({c_param_list(cmd)});')
    out.append('}  // namespace hand')
    out.append('')
    out.append('}  // namespace gfxrelay::guest::gles')
    write(path, out)


# ---------------------------------------------------------------------------------------------
# Host decoder

def host_scalar(p):
    wt = WIRE_TYPES[8 if p.kind in ('sync', 'offset') else p.scalar_size]
    raw = f'wire::load<{wt}>(d_.cmd + {p.offset})'
    if p.kind == 'sync':
        return f'  const GLsync {p.name} = d_.ctx.sync_object({raw});'
    if p.kind == 'egl_image':
        return f'  const GLeglImageOES {p.name} = d_.session.egl_image({raw});'
    if p.kind == 'offset':
        return f'  const void* {p.name} = reinterpret_cast<const void*>(static_cast<uintptr_t>({raw}));'
    if p.kind == 'name':
        return f'  const GLuint {p.name} = d_.ctx.host_name(ObjectKind::{CLASS_KINDS[p.cls]}, {raw});'
    if p.kind == 'bind_name':
        return f'  const GLuint {p.name} = d_.ctx.bind_name(ObjectKind::{CLASS_KINDS[p.cls]}, {raw});'
    if p.kind == 'compat_bind_name':
        return (f'  const GLuint {p.name} = d_.ctx.compat_bind_name(ObjectKind::{CLASS_KINDS[p.cls]}, '
                f'{raw});')
    if p.ptype in FLOATS:
        return f'  const {p.ptype} {p.name} = std::bit_cast<GLfloat>({raw});'
    if p.ptype in DOUBLES:
        return f'  const {p.ptype} {p.name} = std::bit_cast<GLdouble>({raw});'
    if p.ptype == 'GLboolean':
        return f'  const GLboolean {p.name} = {raw} ? GL_TRUE : GL_FALSE;'
    return f'  const {p.ptype} {p.name} = static_cast<{p.ptype}>({raw});'


# Commands that make the host GL allocate storage whose size the guest chooses: buffer data and
# storage, texture and renderbuffer images. Each is checked against the per-command limit and
# counted against the session's memory quota (Decoding::begin_allocation): past either, the
# guest gets GL_OUT_OF_MEMORY, as from a driver, and GL never sees the command.
BUFFER_ALLOCATION = re.compile(r'^gl(Named)?Buffer(Data|Storage)(EXT|ARB|OES)?$')
IMAGE_ALLOCATION = re.compile(r'^gl((Compressed)?(Tex|Texture)(Image|Storage)[123]D(Multisample)?|'
                              r'CopyTex(ture)?Image[12]D|(Named)?RenderbufferStorage(Multisample)?)'
                              r'(EXT|ARB|OES)?$')


# glVertexAttribs{1,2,3,4}*vNV: Mesa 22.3 clamps the count by the index in unsigned arithmetic,
# so an index past its attributes (or a negative count) made it read far past the values
# (fuzz_decoder). Both are GL_INVALID_VALUE here, as NV_vertex_program says, before GL sees them.
NV_ATTRIBS = re.compile(r'^glVertexAttribs[1-4]\w*NV$')
NV_ATTRIB_COUNT = 16


# Display lists: Mesa's glDeleteLists visits every name of its range (a range of 2 billion kept a
# worker busy for 38 s), so the host keeps which names the share group has made lists of
# (glGenLists, glNewList) and deletes only those (HostContext::delete_lists).
LIST_HOOKS_AFTER = {
    'glNewList': 'd_.ctx.note_lists(list, 1);',
    'glGenLists': 'if (result_) d_.ctx.note_lists(result_, range);',
}
LIST_CALLS = {'glDeleteLists': 'd_.ctx.delete_lists(list, range)'}

# Programs and shaders are deleted one name at a time, and live on while in use: the guest name
# is forgotten (and its object given back to the session's quota) once GL has let it go.
FORGET_WHEN_GONE = {
    'glDeleteProgram': ('program', 'glIsProgram'),
    'glDeleteShader': ('shader', 'glIsShader'),
}


# Commands whose image Mesa turns into one of its own (glBitmap, glDrawPixels): the same
# dimension limits as image allocations (fuzz_decoder: glBitmap of 2.4 billion pixels
# overflowed Mesa's size arithmetic and it cleared far past its buffer).
IMAGE_DIMENSIONS = re.compile(r'^gl(Bitmap|DrawPixels)$')


# Copies from the read framebuffer: Mesa 22.3 crashes on glCopyTexImage* with no read buffer
# (GL_NONE), where GL says GL_INVALID_OPERATION (Decoding::read_buffer_set).
READS_READ_BUFFER = {'glCopyTexImage1D': 'internalformat', 'glCopyTexImage2D': 'internalformat',
                     'glCopyPixels': 'type'}

# Invalidations of a framebuffer's attachments, by target or by name: GL is given an empty
# framebuffer object in place of an incomplete one (InvalidationTarget, finding 20 in
# docs/security.md).
INVALIDATES_FRAMEBUFFER = {
    'glDiscardFramebufferEXT': 'target',
    'glInvalidateFramebuffer': 'target',
    'glInvalidateSubFramebuffer': 'target',
    'glInvalidateNamedFramebufferData': 'framebuffer',
    'glInvalidateNamedFramebufferSubData': 'framebuffer',
}


# Draws whose vertex count the guest chooses: past the host's per-draw limit the draw is refused
# (GL_OUT_OF_MEMORY): a legal draw of 1.5 billion vertices keeps llvmpipe busy for minutes.
DRAW = re.compile(r'^glDraw(Arrays|Elements|RangeElements)(?!.*Indirect)\w*$')


def draw_vertices(cmd):
    """`count, instances` as C++ arguments for Decoding::draw_allowed, or None."""
    names = {p.name for p in cmd.params}
    if not DRAW.match(cmd.name) or 'count' not in names:
        return None
    instances = next((n for n in ('instancecount', 'primcount') if n in names), None)
    return f'count, {instances}' if instances else 'count, 1'


def allocation_fields(cmd):
    """C++ statements filling `alloc_` (a Decoding::Allocation) for a command that allocates,
    from the parameters it has; None for other commands."""
    names = {p.name for p in cmd.params}
    if BUFFER_ALLOCATION.match(cmd.name) and 'size' in names:
        kind, obj = 'kBuffer', 'buffer'
    elif IMAGE_ALLOCATION.match(cmd.name) and 'width' in names:
        kind, obj = ('kRenderbuffer', 'renderbuffer') if 'Renderbuffer' in cmd.name else ('kTexture', 'texture')
    else:
        return None
    fields = [f'alloc_.kind = ObjectKind::{kind};']
    if obj in names:
        fields += ['alloc_.named = true;', f'alloc_.object = {obj};']
    for field in ('target', 'level', 'levels', 'internalformat', 'format', 'type'):
        if field in names:
            fields.append(f'alloc_.{field} = static_cast<decltype(alloc_.{field})>({field});')
    for field in ('width', 'height', 'depth', 'samples'):
        if field in names:
            fields.append(f'alloc_.{field} = int64_t{{{field}}};')
    for given in ('size', 'imageSize'):
        if given in names:
            fields.append(f'alloc_.bytes = int64_t{{{given}}};')
    return fields


def emit_decoder(cmd, out):
    out.append(f'bool decode_{cmd.name}(Decoding& d_) {{')
    out.append(f'  if (d_.size < {cmd.fixed}) return d_.fail("command too short");')
    for p in cmd.scalars():
        out.append(host_scalar(p))
    out.append(f'  wire::Reader r_(d_.cmd + {cmd.fixed}, d_.size - {cmd.fixed});')
    if cmd.offset_buffer:
        out.append(f'  if (!d_.state().bound_buffer({cmd.offset_buffer})) {{')
        out.append('    d_.ctx.record_error(GL_INVALID_OPERATION);  // an offset with no buffer')
        out.append('    return true;')
        out.append('  }')
    if any('state.' in str(p.length) for p in cmd.params):
        out.append('  HostState& state = d_.state();')
    created = cmd.ret_class in CLASS_KINDS or cmd.ret_class == 'sync'
    if created:
        out.append('  const uint64_t created_name_ = r_.get<uint64_t>();')
    args = {}
    for p in cmd.blobs():
        v = f'blob_{p.name}'
        if p.kind in ('in', 'in_names', 'gen_names'):
            nullable = 'true' if p.nullable else 'false'
            out.append(f'  const size_t {p.name}_bytes = elements({p.length}) * {elem_size(p)};')
            out.append(f'  Blob {v} = d_.blob(r_, {p.name}_bytes, {nullable});')
            out.append(f'  if (!{v}.ok) return d_.fail("{p.name}: bad length or reference");')
            if p.kind == 'in':
                args[p.name] = f'reinterpret_cast<const {p.elem_type}*>({v}.data)'
            elif p.kind == 'in_names':
                kind = CLASS_KINDS[p.cls]
                out.append(f'  std::vector<GLuint> {p.name}_host = d_.ctx.host_names(ObjectKind::{kind}, {v});')
                args[p.name] = f'{p.name}_host.data()'
            else:
                out.append(f'  std::vector<GLuint> {p.name}_host({p.name}_bytes / sizeof(GLuint));')
                args[p.name] = f'{p.name}_host.data()'
        elif p.kind == 'string':
            out.append(f'  Blob {v} = d_.string_blob(r_);')
            out.append(f'  if (!{v}.ok) return d_.fail("{p.name}: bad string");')
            args[p.name] = f'reinterpret_cast<const GLchar*>({v}.data)'
        elif p.kind == 'counted_string':
            out.append(f'  Blob {v} = d_.counted_string_blob(r_, {p.length});')
            out.append(f'  if (!{v}.ok) return d_.fail("{p.name}: bad string");')
            args[p.name] = f'reinterpret_cast<const GLchar*>({v}.data)'
        elif p.kind == 'strings':
            out.append(f'  StringList {v} = d_.strings_blob(r_, {p.length});')
            out.append(f'  if (!{v}.ok) return d_.fail("{p.name}: bad string list");')
            args[p.name] = f'{v}.pointers.data()'
        elif p.kind == 'unpack_image':
            f, t, w, h, dd = p.length
            nullable = 'true' if p.nullable else 'false'
            out.append(f'  Blob {v} = d_.unpack_image_blob(r_, {f}, {t}, {w}, {h}, {dd}, {nullable});')
            out.append(f'  if (!{v}.ok) return d_.fail("{p.name}: bad image data");')
            # Bitmaps are GLubyte pointers; images are void pointers.
            args[p.name] = (f'static_cast<const {p.elem_type}*>({v}.data)'
                            if p.elem_type != 'void' else f'{v}.data')
        elif p.kind == 'unpack_blob':
            nullable = 'true' if p.nullable else 'false'
            out.append(f'  Blob {v} = d_.unpack_blob(r_, elements({p.length}), {nullable});')
            out.append(f'  if (!{v}.ok) return d_.fail("{p.name}: bad image data");')
            args[p.name] = (f'static_cast<const {p.elem_type}*>({v}.data)'
                            if p.elem_type != 'void' else f'{v}.data')
    out.append('  if (!r_.at_end()) return d_.fail("size does not match its arguments");')
    if IMAGE_DIMENSIONS.match(cmd.name):
        out.append('  if (!d_.image_allocation_allowed({int64_t{width}, int64_t{height}})) {')
        for p in cmd.blobs():
            out.append(f'    d_.release(blob_{p.name});')
        out.append('    return true;')
        out.append('  }')
    if cmd.name in READS_READ_BUFFER:
        out.append(f'  if (!d_.read_buffer_set(static_cast<GLenum>({READS_READ_BUFFER[cmd.name]}))) '
                   'return true;')
    if INVALIDATES_FRAMEBUFFER.get(cmd.name) == 'target':
        out.append('  const InvalidationTarget invalidation_(d_, target);')
    elif INVALIDATES_FRAMEBUFFER.get(cmd.name) == 'framebuffer':
        out.append('  const GLuint invalidated_ = d_.framebuffer_to_invalidate(framebuffer);')
        args['framebuffer'] = 'invalidated_'
    if NV_ATTRIBS.match(cmd.name):
        out.append(f'  if (n < 0 || index >= {NV_ATTRIB_COUNT}) {{')
        out.append('    d_.ctx.record_error(GL_INVALID_VALUE);')
        for p in cmd.blobs():
            out.append(f'    d_.release(blob_{p.name});')
        out.append('    return true;')
        out.append('  }')
    allocation = None if cmd.sync else allocation_fields(cmd)
    vertices = None if cmd.sync else draw_vertices(cmd)
    created_count = None
    if any(p.kind == 'gen_names' for p in cmd.params):
        p = next(p for p in cmd.params if p.kind == 'gen_names')
        created_count = f'static_cast<int64_t>({p.name}_bytes / sizeof(GLuint))'
    elif created:
        created_count = '1'
    if allocation:
        out.append('  Allocation alloc_;')
        out += ['  ' + f for f in allocation]
    checks = ([f'draw_allowed({vertices})'] if vertices else []) + \
        (['begin_allocation(alloc_)'] if allocation else []) + \
        ([f'objects_allowed({created_count})'] if created_count else [])
    if checks:
        # Names the session's quota refuses are never created: the guest's stay unknown.
        assert not cmd.sync, f'{cmd.name}: a refused synchronous command would need a reply'
        out.append(f'  if (!{" || !".join("d_." + c for c in checks)}) {{')
        for p in cmd.blobs():
            if p.kind != 'strings':
                out.append(f'    d_.release(blob_{p.name});')
        out.append('    return true;')
        out.append('  }')
    signed_sizes = []
    for p in cmd.outputs():
        out.append(f'  const size_t {p.name}_count = d_.output_count({p.length}, {elem_size(p)});')
        out.append(f'  std::vector<{p.elem_type}> {p.name}_out(d_.scratch_elements({p.name}_count));')
        limit = re.fullmatch(r'\(int64_t\{(\w+)\}\)', str(p.length))
        if limit:
            # A buffer size (GL writes at most that many): GL gets the size of what the reply
            # can hold where the guest's is larger.
            q = next(q for q in cmd.params if q.name == limit.group(1))
            args[q.name] = f'static_cast<{q.ptype}>({p.name}_count)'
            if q.ptype not in ('GLuint', 'GLenum') and cmd.sync:
                signed_sizes.append(q.name)
        else:
            # GL writes all of them: a count the reply cannot hold is refused before the call.
            out.append(f'  if (elements({p.length}) > {p.name}_count) '
                       f'return d_.fail("{p.name}: more values than a reply holds");')
        args[p.name] = f'{p.name}_out.data()'
        if p.kind == 'out_string':
            pass
    for name in dict.fromkeys(signed_sizes):
        # A negative size is GL_INVALID_VALUE, given here: some drivers (Mesa's
        # glGetInternalformati64v) write through it before they check it.
        out.append(f'  if ({name} < 0) {{')
        out.append('    d_.ctx.record_error(GL_INVALID_VALUE);')
        for b in cmd.blobs():
            if b.kind != 'strings':
                out.append(f'    d_.release(blob_{b.name});')
        out.append('    ReplyWriter w_ = d_.reply();')
        if cmd.returns:
            wt = WIRE_TYPES[SCALAR_SIZES[cmd.ret]]
            out.append(f'    w_.scalar<{wt}>(0);')
        for o in cmd.outputs():
            out.append(f'    w_.output({o.name}_out.data(), 0);')
        out.append('    return d_.finish_reply(w_);')
        out.append('  }')
    call_args = []
    for p in cmd.params:
        call_args.append(args.get(p.name, p.name))
    call = LIST_CALLS.get(cmd.name, f'{cmd.name}({", ".join(call_args)})')
    # A getter that fails writes nothing (GL leaves the program's memory alone): the host sees
    # the error and sends no values, keeping the error for the program's glGetError.
    checks_error = bool(cmd.outputs()) and not cmd.returns and cmd.sync
    if checks_error:
        out.append('  const GLenum before_error_ = glGetError();')
    if cmd.returns and not created:
        wt = WIRE_TYPES[SCALAR_SIZES[cmd.ret]]
        if cmd.name.startswith('glGen') and any(p.name == 'range' for p in cmd.params):
            # glGenLists, glGenFragmentShadersATI, ...: the driver allocates `range` entries.
            out.append(f'  const {cmd.ret} result_ = d_.object_count_allowed(range) ? {call} : 0;')
        else:
            out.append(f'  const {cmd.ret} result_ = {call};')
    elif created and cmd.ret_class == 'sync':
        out.append(f'  d_.ctx.add_sync(created_name_, {call});')
    elif created:
        out.append(f'  d_.ctx.add_name(ObjectKind::{CLASS_KINDS[cmd.ret_class]}, created_name_, {call});')
    elif any(p.kind == 'egl_image' for p in cmd.params):
        # EGL_NO_IMAGE reaches GL as null (the host GL reports its own error); an id with no
        # live image behind it never reaches GL as a pointer.
        image = next(p for p in cmd.params if p.kind == 'egl_image')
        out.append(f'  if ({image.name} || wire::load<uint64_t>(d_.cmd + {image.offset}) == 0)')
        out.append(f'    {call};')
        out.append('  else')
        out.append('    d_.ctx.record_error(GL_INVALID_VALUE);')
    else:
        out.append(f'  {call};')
    if checks_error:
        out.append('  const GLenum call_error_ = glGetError();')
        out.append('  d_.ctx.record_error(before_error_);')
        out.append('  d_.ctx.record_error(call_error_);')
    if allocation:
        out.append('  d_.end_allocation(alloc_);')
    if cmd.name in LIST_HOOKS_AFTER:
        out.append('  ' + LIST_HOOKS_AFTER[cmd.name])
    if cmd.name in FORGET_WHEN_GONE:
        name, exists = FORGET_WHEN_GONE[cmd.name]
        out.append(f'  if ({name} != 0 && {name} != kUnknownName && !{exists}({name}))')
        out.append(f'    d_.ctx.remove_name(ObjectKind::kProgram, wire::load<uint32_t>(d_.cmd + 8));')
    for p in cmd.params:
        if p.kind == 'gen_names':
            kind = CLASS_KINDS[p.cls]
            out.append(f'  if (!d_.ctx.add_names(ObjectKind::{kind}, blob_{p.name}, {p.name}_host)) '
                       f'return d_.fail("{p.name}: name already in use");')
        if p.kind == 'in_names' and cmd.name.startswith('glDelete'):
            out.append(f'  d_.ctx.remove_names(ObjectKind::{CLASS_KINDS[p.cls]}, blob_{p.name});')
    for p in cmd.blobs():
        if p.kind != 'strings':
            out.append(f'  d_.release(blob_{p.name});')
    if cmd.sync:
        out.append('  ReplyWriter w_ = d_.reply();')
        if cmd.returns and not created:
            wt = WIRE_TYPES[SCALAR_SIZES[cmd.ret]]
            out.append(f'  w_.scalar<{wt}>(static_cast<{wt}>(result_));')
        for p in cmd.outputs():
            count = f'call_error_ == GL_NO_ERROR ? {p.name}_count : 0' if checks_error else f'{p.name}_count'
            out.append(f'  w_.output({p.name}_out.data(), {count});')
        out.append('  return d_.finish_reply(w_);')
    else:
        out.append('  return true;')
    out.append('}')
    out.append('')


def emit_host(cmds, specials, path):
    out = ['// Generated by codegen/gen_gl.py from gl.xml and codegen/annotations/gles.py; do not edit.',
           '#include "host/decoder/decoding.h"',
           '',
           'namespace gfxrelay::host::gles {',
           '']
    for name in specials:
        out.append(f'bool decode_{name}(Decoding& d);  // host/decoder/')
    for cmd in cmds:
        if cmd.host_hand:
            out.append(f'bool decode_{cmd.name}(Decoding& d);  // host/decoder/')
    out.append('')
    for cmd in cmds:
        if cmd.host_hand or cmd.unsupported or cmd.problems or cmd.guest_only:
            continue
        emit_decoder(cmd, out)
    out.append('bool dispatch(uint32_t opcode, Decoding& d) {')
    out.append('  switch (static_cast<Op>(opcode)) {')
    for name in specials:
        out.append(f'    case Op::{name}: return decode_{name}(d);')
    for cmd in cmds:
        if cmd.unsupported or cmd.guest_only or (cmd.problems and not cmd.host_hand):
            continue
        out.append(f'    case Op::{cmd.name}: return decode_{cmd.name}(d);')
    out.append('    default: return d.fail("unknown or unsupported opcode");')
    out.append('  }')
    out.append('}')
    out.append('')
    out.append('}  // namespace gfxrelay::host::gles')
    write(path, out)


# ---------------------------------------------------------------------------------------------

def write(path, lines):
    text = '\n'.join(lines) + '\n'
    if os.path.exists(path) and open(path).read() == text:
        return
    with open(path, 'w') as f:
        f.write(text)


def read_opcodes(path):
    names = []
    for line in open(path):
        line = line.split('#', 1)[0].strip()
        if line:
            names.append(line)
    return names


def emit_opcodes(names, path):
    out = ['// Generated by codegen/gen_gl.py from codegen/opcodes.txt; do not edit.',
           '#pragma once',
           '#include <cstdint>',
           '',
           'namespace gfxrelay::wire {',
           '',
           '// Opcode 0 is padding (wire/command.h); the rest are numbered from codegen/opcodes.txt.',
           'enum class Op : uint32_t {',
           '  Pad = 0,']
    for i, n in enumerate(names):
        out.append(f'  {n} = {i + 1},')
    out.append('};')
    out.append(f'inline constexpr uint32_t kOpcodeCount = {len(names) + 1};')
    out.append('const char* opcode_name(uint32_t opcode);')
    out.append('')
    out.append('}  // namespace gfxrelay::wire')
    write(path, out)
    src = ['// Generated by codegen/gen_gl.py; do not edit.',
           '#include "opcodes_gen.h"',
           '',
           'namespace gfxrelay::wire {',
           'const char* opcode_name(uint32_t opcode) {',
           '  static const char* const kNames[] = {"Pad",']
    for n in names:
        src.append(f'      "{n}",')
    src.append('  };')
    src.append('  return opcode < kOpcodeCount ? kNames[opcode] : "unknown";')
    src.append('}')
    src.append('}  // namespace gfxrelay::wire')
    write(path.replace('.h', '.cpp'), src)


def emit_carried(root, cmds, aliases, ann, opcode_names, path):
    """The GLES and desktop GL extensions the relay carries (all their commands are), and, per
    opcode, when a context may use it: the first GLES / GL version that has it, whether the GL
    core profile removed it, the extensions that bring it, and whether it has a reply (the host
    answers a command the context may not use with GL_INVALID_OPERATION and an empty reply)."""
    carried = {c.name for c in cmds
               if not c.unsupported and (not c.problems or c.host_hand or c.guest_only)}
    carried |= {a for a, core in aliases.items() if core in carried}
    exts = []
    for ext in root.find('extensions'):
        apis = extension_apis(ext, ann)
        if not apis or ext.get('name') in ann.HIDDEN_EXTENSIONS:
            continue
        needed = set()
        for req in ext.findall('require'):
            if req.get('api') not in (None, *apis):
                continue
            needed |= {c.get('name') for c in req.findall('command')}
        if needed - ann.OPTIONAL_COMMANDS <= carried:
            exts.append(ext.get('name'))
    exts += [e for e in ann.UNLISTED_EXTENSIONS if e not in exts]
    out = ['// Generated by codegen/gen_gl.py from gl.xml; do not edit.',
           '#include "glcommon/availability.h"',
           '',
           'namespace gfxrelay::gl {',
           '// Extensions the relay can carry, sorted.',
           'extern const char* const kCarriedExtensions[] = {']
    for e in sorted(exts):
        out.append(f'    "{e}",')
    out.append('};')
    out.append(f'extern const size_t kCarriedExtensionCount = {len(exts)};')
    out.append('')
    out.append('// {first GLES version, first GL version, GL core profile removed it, has a reply,')
    out.append('//  space-separated extensions that bring it}; versions are major*10+minor, 0: none.')
    out.append('extern const OpcodeAvailability kOpcodeAvailability[wire::kOpcodeCount] = {')
    by_name = {c.name: c for c in cmds}
    out.append('    {20, 10, false, false, ""},  // Pad')
    for n in opcode_names:
        c = by_name.get(n)
        if n.startswith('gfxrelay_'):
            out.append(f'    {{20, 10, false, false, ""}},  // {n}')
        elif c is None:
            out.append(f'    {{0, 0, false, false, ""}},  // {n} (no longer generated)')
        else:
            compat = 'true' if c.compat_only else 'false'
            sync = 'true' if c.sync else 'false'
            out.append(f'    {{{c.versions.get("gles2", 0)}, {c.versions.get("gl", 0)}, {compat}, '
                       f'{sync}, "{" ".join(c.extensions)}"}},  // {n}')
    out.append('};')
    out.append('}  // namespace gfxrelay::gl')
    write(path, out)


# Which extensions of each API the relay considers: every GLES one (the host narrows them), and
# the multi-vendor desktop ones (vendor extensions are rare in the programs users run).
DESKTOP_EXTENSION = re.compile(r'GL_(ARB|EXT|KHR|OES)_')


def extension_apis(ext, ann):
    """The APIs among ours ('gles2', 'gl') that an extension element belongs to."""
    supported = ext.get('supported', '').split('|')
    apis = []
    if 'gles2' in supported:
        apis.append('gles2')
    # Any vendor's extension that adds no commands (new enums or shading language only) is
    # carried as it is; of those that add commands, the ARB / EXT / KHR / OES ones.
    commandless = not ext.findall('require/command')
    if ('gl' in supported or 'glcore' in supported) and (
            commandless or DESKTOP_EXTENSION.match(ext.get('name')) or
            ext.get('name') in ann.VENDOR_EXTENSIONS):
        apis.append('gl')
    return apis


def version_number(text):
    major, minor = text.split('.')
    return int(major) * 10 + int(minor)


def select_commands(root, all_cmds, ann):
    """The commands of OpenGL ES 2.0-3.2, OpenGL 1.0-4.6 (core and compatibility) and the
    extensions above, in a stable order, each knowing the first version of each API that has
    it; and the extension commands that are another command under a second name."""
    wanted = []
    for feature in root.findall('feature'):
        api = feature.get('api')
        if api not in ('gles2', 'gl'):
            continue
        version = version_number(feature.get('number'))
        for req in feature.findall('require'):
            for c in req.findall('command'):
                cmd = all_cmds[c.get('name')]
                if cmd.name not in wanted:
                    wanted.append(cmd.name)
                if cmd.versions.get(api) is None:
                    cmd.versions[api] = version
        for rem in feature.findall('remove'):
            if rem.get('profile') == 'core':
                for c in rem.findall('command'):
                    all_cmds[c.get('name')].compat_only = True
    core = set(wanted)
    # The APIs each extension command is listed for: it may share a core command's entry point
    # only if that command is core in all of them.
    listed_apis = {}
    for ext in root.find('extensions'):
        apis = extension_apis(ext, ann)
        for req in ext.findall('require'):
            if apis and req.get('api') in (None, *apis):
                for c in req.findall('command'):
                    listed_apis.setdefault(c.get('name'), set()).update(apis)
    aliases = {}
    for ext in root.find('extensions'):
        apis = extension_apis(ext, ann)
        if not apis:
            continue
        for req in ext.findall('require'):
            if req.get('api') not in (None, *apis):
                continue
            for c in req.findall('command'):
                n = c.get('name')
                cmd = all_cmds[n]
                # An alias shares the entry point and opcode of a command that every API of
                # the extension has in core; otherwise it is a command of its own.
                target = ann.ALIASES.get(n) or cmd.alias
                if target in core and n not in core and all(
                        a in all_cmds[target].versions for a in listed_apis[n]):
                    aliases[n] = target
                    # A context older than the core version may have it through the extension.
                    if ext.get('name') not in all_cmds[target].extensions:
                        all_cmds[target].extensions.append(ext.get('name'))
                    continue
                if n not in wanted:
                    wanted.append(n)
                if ext.get('name') not in cmd.extensions:
                    cmd.extensions.append(ext.get('name'))
    return [all_cmds[n] for n in wanted], aliases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--gl-xml', required=True)
    ap.add_argument('--opcodes', default=os.path.join(HERE, 'opcodes.txt'))
    ap.add_argument('--out-dir', required=True)
    ap.add_argument('--append-opcodes', action='store_true',
                    help='append opcodes for commands that have none (then commit opcodes.txt)')
    ap.add_argument('--host-gl-header', default='/usr/include/epoxy/gl_generated.h',
                    help="the host's GL entry points (libepoxy); extension commands it lacks "
                         'are not carried')
    ap.add_argument('--report', action='store_true', help='list commands the generator cannot carry')
    args = ap.parse_args()

    ann = load_annotations()
    root = ET.parse(args.gl_xml).getroot()
    all_cmds = {}
    for c in root.find('commands'):
        cmd = Command(c)
        all_cmds[cmd.name] = cmd
    unknown = sorted(set(ann.GUEST_BEFORE) - set(all_cmds))
    if unknown:
        sys.exit(f'annotations/gl.py GUEST_BEFORE: not commands of gl.xml: {", ".join(unknown)}')
    cmds, aliases = select_commands(root, all_cmds, ann)
    host_has = set(re.findall(r'#define (gl\w+) epoxy_', open(args.host_gl_header).read()))
    for cmd in cmds:
        classify(cmd, ann)
        if cmd.extensions and cmd.name not in host_has and not cmd.guest_only:
            cmd.problems.append("the host's libepoxy does not know it")

    opcode_names = read_opcodes(args.opcodes)
    specials = [n for n in opcode_names if n.startswith('gfxrelay_')]
    missing = [c.name for c in cmds if c.name not in opcode_names]
    if missing:
        if not args.append_opcodes:
            sys.exit(f'gen_gl.py: no opcode for {", ".join(missing[:5])}...: run with '
                     '--append-opcodes and commit codegen/opcodes.txt')
        with open(args.opcodes, 'a') as f:
            for n in missing:
                f.write(n + '\n')
        opcode_names += missing

    if args.report:
        for cmd in cmds:
            if cmd.problems and not cmd.guest_hand:
                print(cmd.name, cmd.problems)
            if cmd.problems and not cmd.host_hand and not cmd.guest_only:
                print('host:', cmd.name, cmd.problems)

    os.makedirs(args.out_dir, exist_ok=True)
    emit_opcodes(opcode_names, os.path.join(args.out_dir, 'opcodes_gen.h'))
    emit_guest_header(cmds, os.path.join(args.out_dir, 'gl_encoder_gen.h'))
    emit_guest(cmds, aliases, os.path.join(args.out_dir, 'gl_encoder_gen.cpp'))
    emit_host(cmds, specials, os.path.join(args.out_dir, 'gl_decoder_gen.cpp'))
    emit_carried(root, cmds, aliases, ann, opcode_names,
                 os.path.join(args.out_dir, 'gl_carried_gen.cpp'))


if __name__ == '__main__':
    main()
