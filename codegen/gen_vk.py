#!/usr/bin/env python3
"""Generates the Vulkan stream code from vk.xml and codegen/annotations/vk.py.

Outputs (under the build tree):
  vk_opcodes_gen.h   the stable opcode numbers, from codegen/vk_opcodes.txt (append-only)
  vk_types_gen.cpp   both sides: structure sizes by sType, which structures may extend which,
                     the carried extensions
  vk_guest_gen.cpp   guest: writers of input structures, readers of output structures, one entry
                     point per carried command, and the name -> entry point table
  vk_host_gen.cpp    host: readers of input structures (chains rebuilt from carried sTypes only,
                     lengths checked, guest ids mapped), writers of output structures, one decoder
                     per carried command, and the opcode dispatch

Wire layout of a structure (docs/protocol.md, "Vulkan"): its members in order but sType and
pNext (scalars as their C type, fixed arrays as their bytes, handles as u64 guest ids, pointers
as a u32 element count or 0xffffffff for NULL followed by the elements), then, if it has pNext,
the chain: (u32 sType, members) for each carried structure, ended by a u32 0.
"""

import argparse
import importlib.util
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))

C_SCALARS = {'uint8_t', 'int8_t', 'uint16_t', 'int16_t', 'uint32_t', 'int32_t', 'uint64_t',
             'int64_t', 'float', 'double', 'size_t', 'int', 'char'}
NULL_COUNT = '0xffffffffu'


def load_annotations():
    spec = importlib.util.spec_from_file_location('vk_annotations',
                                                  os.path.join(HERE, 'annotations', 'vk.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Var:
    """A struct member or a command parameter."""

    def __init__(self, elem):
        self.name = elem.find('name').text
        self.type = elem.find('type').text
        text = ''.join(elem.itertext())
        if elem.find('comment') is not None:
            text = text.replace(elem.find('comment').text or '', '')
        before, _, after = text.partition(self.name)
        self.pointer = before.count('*')
        self.const = before.strip().startswith('const')
        self.array = after.strip().startswith('[')
        self.bitfield = after.strip().startswith(':')
        self.len = elem.get('altlen') or elem.get('len')
        self.optional = elem.get('optional', '')
        self.values = elem.get('values')
        self.decl = ' '.join(before.split()) + ' ' + self.name + (after.split('//')[0].strip()
                                                                  if self.array else '')


class Registry:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.types = {}      # name -> element
        self.alias = {}      # alias -> canonical (types and commands)
        self.category = {}
        for t in root.find('types'):
            name = t.get('name') or (t.find('name').text if t.find('name') is not None else None)
            if not name:
                continue
            if t.get('alias'):
                self.alias[name] = t.get('alias')
                self.category[name] = t.get('category')
                continue
            self.types[name] = t
            self.category[name] = t.get('category')
        self.commands = {}
        self.command_alias = {}
        for c in root.find('commands'):
            if c.get('alias'):
                self.command_alias[c.get('name')] = c.get('alias')
                continue
            if c.get('api') and 'vulkan' not in c.get('api').split(','):
                continue
            self.commands[c.find('proto/name').text] = c
        self.features = [f for f in root.findall('feature') if 'vulkan' in f.get('api').split(',')]
        self.extensions = {e.get('name'): e for e in root.find('extensions')}
        self.enum_values = {}
        for block in root.findall('enums'):
            for e in block.findall('enum'):
                if e.get('value') is not None:
                    self.enum_values[e.get('name')] = e.get('value')
        for e in root.iter('enum'):
            if e.get('value') is not None and e.get('name'):
                self.enum_values.setdefault(e.get('name'), e.get('value'))

    def canonical(self, name):
        while name in self.alias:
            name = self.alias[name]
        return name

    def members(self, struct):
        return [Var(m) for m in self.types[struct].findall('member')]

    def is_scalar(self, type_name):
        t = self.canonical(type_name)
        if t in C_SCALARS:
            return True
        cat = self.category.get(t)
        if cat in ('enum', 'bitmask'):
            return True
        if cat == 'basetype':
            text = ''.join(self.types[t].itertext())
            return text.strip().startswith('typedef') and '*' not in text and 'struct' not in text
        return False

    def is_handle(self, type_name):
        return self.category.get(self.canonical(type_name)) == 'handle'

    def dispatchable(self, type_name):
        t = self.types[self.canonical(type_name)]
        return t.find('type').text == 'VK_DEFINE_HANDLE'

    def object_type(self, type_name):
        return self.types[self.canonical(type_name)].get('objtypeenum')

    def is_struct(self, type_name):
        return self.category.get(self.canonical(type_name)) == 'struct'

    def is_union(self, type_name):
        return self.category.get(self.canonical(type_name)) == 'union'


class Model:
    """What the relay carries: structures (serialisable ones), commands, extensions."""

    def __init__(self, reg, ann):
        self.reg, self.ann = reg, ann
        self.api_types = set()      # types required by core 1.0-1.3 or a carried extension
        self.api_commands = set()
        self.protected = set()      # types behind a platform macro (never carried yet)
        for f in reg.features:
            self._require(f)
        self.extensions = []        # (name, 'instance'|'device', spec version)
        for name in ann.INSTANCE_EXTENSIONS + ann.DEVICE_EXTENSIONS:
            ext = reg.extensions[name]
            self._require(ext, carried_extensions=set(ann.INSTANCE_EXTENSIONS +
                                                      ann.DEVICE_EXTENSIONS))
            version = next(e.get('value') for e in ext.iter('enum')
                           if e.get('name', '').endswith('_SPEC_VERSION'))
            self.extensions.append((name, ext.get('type'), version))
        self._supported_cache = {}

    def _require(self, elem, carried_extensions=()):
        for req in elem.findall('require'):
            dep = req.get('extension')
            if dep and dep not in carried_extensions:
                continue
            for t in req.findall('type'):
                self.api_types.add(self.reg.canonical(t.get('name')))
            for c in req.findall('command'):
                self.api_commands.add(c.get('name'))

    # --- structures -------------------------------------------------------------------------

    def member_kind(self, struct, m):
        """How a member travels, or None if the relay cannot carry it."""
        reg = self.reg
        t = reg.canonical(m.type)
        if m.bitfield:
            return None
        if m.name == 'sType' and t == 'VkStructureType':
            return 'stype'
        if m.name == 'pNext':
            return 'pnext'
        if m.array:
            if m.pointer:
                return None
            if reg.is_scalar(t):
                return 'raw'
            if reg.is_union(t) and self.flat_union(t):
                return 'raw'
            if reg.is_struct(t) and self.supported(t) and m.decl.count('[') == 1:
                return 'struct_array'
            return None
        if m.pointer == 0:
            if reg.is_scalar(t):
                return 'size_t' if t == 'size_t' else 'scalar'
            if reg.is_handle(t):
                return 'handle'
            if reg.is_union(t):
                return 'raw' if self.flat_union(t) else None
            if reg.is_struct(t):
                return 'struct' if self.supported(t) else None
            return None
        length = m.len
        if m.pointer == 2:
            if t == 'char' and length and length.endswith(',null-terminated'):
                return 'strings'
            return None
        if m.pointer != 1 or not m.const:
            return None
        if t == 'char' and (length is None or length == 'null-terminated'):
            return 'string'
        if length is None:
            if reg.is_struct(t) and self.supported(t):
                return 'struct_ptr'
            if reg.is_scalar(t):
                return 'scalar_ptr'
            return None
        if ',' in length or 'latexmath' in length:
            return None
        if t == 'void' or reg.is_scalar(t) or (reg.is_union(t) and self.flat_union(t)):
            return 'raw_array'
        if reg.is_handle(t):
            return 'handle_array'
        if reg.is_struct(t) and self.supported(t):
            return 'struct_array_ptr'
        return None

    def flat_union(self, union):
        for m in self.reg.members(union):
            t = self.reg.canonical(m.type)
            if m.pointer or self.reg.is_handle(t):
                return False
            if self.reg.is_struct(t) and not self.flat(t):
                return False
        return True

    def flat(self, struct):
        """No pointers (but pNext) and no handles, nested structures flat too."""
        for m in self.reg.members(struct):
            kind = self.member_kind(struct, m)
            if kind in ('stype', 'pnext', 'scalar', 'size_t', 'raw'):
                continue
            if kind in ('struct', 'struct_array') and self.flat(self.reg.canonical(m.type)):
                continue
            return False
        return True

    def supported(self, struct):
        struct = self.reg.canonical(struct)
        if struct in self._supported_cache:
            return self._supported_cache[struct]
        self._supported_cache[struct] = False  # recursion guard
        ok = all(self.member_kind(struct, m) is not None for m in self.reg.members(struct))
        if ok:
            names = {m.name for m in self.reg.members(struct)}
            for m in self.reg.members(struct):
                if m.pointer == 1 and m.len and self.member_kind(struct, m) in (
                        'raw_array', 'handle_array', 'struct_array_ptr'):
                    if not set(re.findall(r'[A-Za-z_]\w*', m.len)) <= names:
                        ok = False
        self._supported_cache[struct] = ok
        return ok

    def carried_structs(self):
        return sorted(s for s in self.api_types
                      if self.reg.category.get(s) == 'struct' and self.supported(s))

    def stype(self, struct):
        for m in self.reg.members(struct):
            if m.name == 'sType' and m.values:
                return m.values
        return None

    def has_pnext(self, struct):
        return any(m.name == 'pNext' for m in self.reg.members(struct))

    def extends(self, struct):
        e = self.reg.types[struct].get('structextends')
        return [self.reg.canonical(x) for x in e.split(',')] if e else []


# --- code emission ----------------------------------------------------------------------------

def put_flat(kind, t, field):
    """Writing a member of a kind flat structures have (the same on both sides), or None."""
    return {
        'scalar': f'  w.put<{t}>({field});',
        'size_t': f'  w.put<uint64_t>({field});',
        'raw': f'  w.put_raw(&{field}, sizeof {field});',
        'struct': f'  put(w, {field});',
        'struct_array': f'  for (const auto& e : {field}) put(w, e);',
    }.get(kind)


def get_flat(kind, t, field):
    """Reading such a member back into the program's structure (guest)."""
    return {
        'scalar': f'  {field} = r.get<{t}>();',
        'size_t': f'  {field} = static_cast<size_t>(r.get<uint64_t>());',
        'raw': f'  get_raw(r, &{field}, sizeof {field});',
        'struct': f'  get(r, {field});',
        'struct_array': f'  for (auto& e : {field}) get(r, e);',
    }.get(kind)


def len_expr(struct_vars, text, prefix):
    """A vk.xml length over members/params as C, each name prefixed (`s.` or nothing)."""
    names = {v.name for v in struct_vars}
    return re.sub(r'[A-Za-z_]\w*', lambda m: prefix + m.group(0) if m.group(0) in names
                  else m.group(0), text)


class Emitter:
    def __init__(self, model, ann):
        self.m, self.reg, self.ann = model, model.reg, ann
        self.structs = model.carried_structs()
        self.chained = [s for s in self.structs if model.stype(s)]
        # Output structures: flat ones (the guest reads them back into the program's memory).
        # Output structures: flat ones whose chain is an output chain (void* pNext) or that
        # have none (the guest reads them back into the program's memory).
        self.outputs = {s for s in self.structs if model.flat(s) and not any(
            m.name == 'pNext' and m.const for m in self.reg.members(s))}

    # Guest: writer of an input structure ------------------------------------------------------
    def guest_put_body(self, struct, out):
        out.append(f'void put_body(Writer& w, const {struct}& s) {{')
        out.append('  (void)w, (void)s;')
        members = self.reg.members(struct)
        for mem in members:
            kind = self.m.member_kind(struct, mem)
            t = self.reg.canonical(mem.type)
            field = f's.{mem.name}'
            cond = self.ann.READ_ONLY_IF.get((struct, mem.name))
            if kind in ('stype', 'pnext'):
                continue
            elif put_flat(kind, t, field):
                out.append(put_flat(kind, t, field))
            elif kind == 'handle':
                out.append(f'  w.put<uint64_t>({self.guest_id(t, field)});')
            elif kind == 'string':
                out.append(f'  w.put_string({field});')
            elif kind == 'strings':
                count = len_expr(members, mem.len.split(',')[0], 's.')
                out.append(f'  w.put_strings({field}, {count});')
            elif kind == 'struct_ptr':
                out.append(f'  w.put<uint32_t>({field} ? 1u : {NULL_COUNT});')
                out.append(f'  if ({field}) put(w, *{field});')
            elif kind == 'scalar_ptr':
                out.append(f'  w.put<uint32_t>({field} ? 1u : {NULL_COUNT});')
                out.append(f'  if ({field}) w.put<{t}>(*{field});')
            else:  # arrays with a length
                count = len_expr(members, mem.len, 's.')
                present = f'{field} && ({cond})' if cond else field
                out.append(f'  {{')
                out.append(f'    const uint32_t n = {present} ? static_cast<uint32_t>({count}) : '
                           f'{NULL_COUNT};')
                out.append(f'    w.put<uint32_t>(n);')
                out.append(f'    if (n != {NULL_COUNT}) {{')
                if kind == 'raw_array':
                    size = '1' if t == 'void' else f'sizeof({t})'
                    out.append(f'      w.put_raw({field}, size_t{{n}} * {size});')
                elif kind == 'handle_array':
                    out.append(f'      for (uint32_t i = 0; i < n; ++i) '
                               f'w.put<uint64_t>({self.guest_id(t, field + "[i]")});')
                else:
                    out.append(f'      for (uint32_t i = 0; i < n; ++i) put(w, {field}[i]);')
                out.append('    }')
                out.append('  }')
        out.append('}')

    def guest_id(self, handle_type, expr):
        if self.reg.dispatchable(handle_type):
            return f'dispatchable_id({expr})'
        return f'handle_id({expr})'

    # Guest: reader of an output structure (flat) ----------------------------------------------
    def guest_get_body(self, struct, out):
        out.append(f'void get_body(wire::Reader& r, {struct}& s) {{')
        out.append('  (void)r, (void)s;')
        for mem in self.reg.members(struct):
            kind = self.m.member_kind(struct, mem)
            t = self.reg.canonical(mem.type)
            field = f's.{mem.name}'
            if get_flat(kind, t, field):
                out.append(get_flat(kind, t, field))
        out.append('}')

    # Host: reader of an input structure -------------------------------------------------------
    def host_get_body(self, struct, out):
        out.append(f'bool get_body(Decoding& d, {struct}& s) {{')
        out.append('  (void)s;')
        out.append('  wire::Reader& r = d.r;')
        members = self.reg.members(struct)
        for mem in members:
            kind = self.m.member_kind(struct, mem)
            t = self.reg.canonical(mem.type)
            field = f's.{mem.name}'
            where = f'"{struct}::{mem.name}"'
            cond = self.ann.READ_ONLY_IF.get((struct, mem.name))
            if kind in ('stype', 'pnext'):
                continue
            elif kind == 'scalar' and self.reg.category.get(t) == 'enum':
                out.append(f'  if (!d.get_enum(&{field}, {where})) return false;')
            elif kind == 'scalar':
                out.append(f'  {field} = r.get<{t}>();')
            elif kind == 'size_t':
                out.append(f'  {field} = static_cast<size_t>(r.get<uint64_t>());')
            elif kind == 'raw':
                out.append(f'  if (!d.get_raw(&{field}, sizeof {field})) return false;')
            elif kind == 'struct':
                out.append(f'  if (!get(d, {field})) return false;')
            elif kind == 'struct_array':
                out.append(f'  for (auto& e : {field})')
                out.append(f'    if (!get(d, e)) return false;')
            elif kind == 'handle':
                opt = 'true' if mem.optional.startswith('true') else 'false'
                out.append(f'  if (!d.handle({self.reg.object_type(t)}, r.get<uint64_t>(), {opt}, '
                           f'{where}, &{field})) return false;')
            elif kind == 'string':
                out.append(f'  if (!d.get_string(&{field}, {where})) return false;')
            elif kind == 'strings':
                count = len_expr(members, mem.len.split(',')[0], 's.')
                out.append(f'  if (!d.get_strings(&{field}, {count}, {where})) return false;')
            elif kind == 'struct_ptr':
                out.append(f'  {{')
                out.append(f'    const uint32_t n = r.get<uint32_t>();')
                out.append(f'    if (n == 1u) {{')
                out.append(f'      auto* p = d.arena.make<{t}>(1);')
                out.append(f'      if (!p || !get(d, *p)) return d.fail({where}, "bad structure");')
                out.append(f'      {field} = p;')
                out.append(f'    }} else if (n != {NULL_COUNT}) {{')
                out.append(f'      return d.fail({where}, "bad pointer");')
                out.append(f'    }}')
                out.append(f'  }}')
            elif kind == 'scalar_ptr':
                out.append(f'  {{')
                out.append(f'    const uint32_t n = r.get<uint32_t>();')
                out.append(f'    if (n == 1u) {{')
                out.append(f'      auto* p = d.arena.make<{t}>(1);')
                out.append(f'      if (!p) return d.fail({where}, "out of memory");')
                out.append(f'      *p = r.get<{t}>();')
                out.append(f'      {field} = p;')
                out.append(f'    }} else if (n != {NULL_COUNT}) {{')
                out.append(f'      return d.fail({where}, "bad pointer");')
                out.append(f'    }}')
                out.append(f'  }}')
            else:
                count = len_expr(members, mem.len, 's.')
                elem = 'uint8_t' if t == 'void' else t
                out.append(f'  {{')
                out.append(f'    const uint32_t n = r.get<uint32_t>();')
                out.append(f'    {field} = nullptr;')
                out.append(f'    if (n != {NULL_COUNT}) {{')
                out.append(f'      if (!r.ok() || uint64_t{{n}} != uint64_t({count})) '
                           f'return d.fail({where}, "element count differs from its length");')
                if kind == 'raw_array':
                    out.append(f'      auto* p = d.arena.make<{elem}>(n);')
                    out.append(f'      if (n && (!p || !d.get_raw(p, size_t{{n}} * sizeof({elem})))) '
                               f'return d.fail({where}, "truncated");')
                else:
                    out.append(f'      if (n > r.remaining()) return d.fail({where}, "truncated");')
                    out.append(f'      auto* p = d.arena.make<{elem}>(n);')
                    out.append(f'      if (n && !p) return d.fail({where}, "out of memory");')
                    if kind == 'handle_array':
                        opt = 'true' if mem.optional == 'true' else 'false'
                        out.append(f'      for (uint32_t i = 0; i < n; ++i)')
                        out.append(f'        if (!d.handle({self.reg.object_type(t)}, '
                                   f'r.get<uint64_t>(), false, {where}, &p[i])) return false;')
                    else:
                        out.append(f'      for (uint32_t i = 0; i < n; ++i)')
                        out.append(f'        if (!get(d, p[i])) return false;')
                out.append(f'      {field} = p;')
                # NULL with elements counted: refused unless vk.xml says the pointer may be NULL
                # (pResolveAttachments) or the annotations that it is not read then.
                if mem.optional.startswith('true'):
                    out.append(f'    }}')
                else:
                    if cond:
                        out.append(f'    }} else if (({cond}) && uint64_t({count}) != 0) {{')
                    else:
                        out.append(f'    }} else if (uint64_t({count}) != 0) {{')
                    out.append(f'      return d.fail({where}, "NULL with a non-zero length");')
                    out.append(f'    }}')
                out.append(f'  }}')
        out.append('  return r.ok() || d.fail("' + struct + '", "truncated");')
        out.append('}')

    # Host: writer of an output structure (flat) -----------------------------------------------
    def host_put_body(self, struct, out):
        out.append(f'void put_body(Writer& w, const {struct}& s) {{')
        out.append('  (void)w, (void)s;')
        for mem in self.reg.members(struct):
            kind = self.m.member_kind(struct, mem)
            t = self.reg.canonical(mem.type)
            field = f's.{mem.name}'
            if put_flat(kind, t, field):
                out.append(put_flat(kind, t, field))
        out.append('}')

    # ------------------------------------------------------------------------------------------
    def roots(self):
        """Structures with pNext, each with the carried structures that may extend it."""
        ext = {}
        for s in self.chained:
            for root in self.m.extends(s):
                ext.setdefault(root, []).append(s)
        return ext

    def types_cpp(self):
        out = ['// Generated by codegen/gen_vk.py from vk.xml. Do not edit.',
               '#include "vkcommon/vk_types.h"', '', 'namespace gfxrelay::vk {', '']
        out.append('size_t struct_size(VkStructureType type) {')
        out.append('  switch (type) {')
        for s in self.chained:
            out.append(f'    case {self.m.stype(s)}: return sizeof({s});')
        out.append('    default: return 0;')
        out.append('  }')
        out.append('}')
        out.append('')
        out.append('bool is_output_struct(VkStructureType type) {')
        out.append('  switch (type) {')
        for s in self.chained:
            if s in self.outputs:
                out.append(f'    case {self.m.stype(s)}:')
        out.append('      return true;')
        out.append('    default: return false;')
        out.append('  }')
        out.append('}')
        out.append('')
        out.append('bool may_extend(VkStructureType root, VkStructureType type) {')
        out.append('  switch (root) {')
        for root, members in sorted(self.roots().items()):
            if root not in self.structs or not self.m.stype(root):
                continue
            out.append(f'    case {self.m.stype(root)}:')
            out.append('      switch (type) {')
            for s in members:
                out.append(f'        case {self.m.stype(s)}:')
            out.append('          return true;')
            out.append('        default: return false;')
            out.append('      }')
        out.append('    default: return false;')
        out.append('  }')
        out.append('}')
        out.append('')
        out.append('const CarriedExtension kCarriedExtensions[] = {')
        for name, kind, version in self.m.extensions:
            out.append(f'    {{"{name}", {version}, {"true" if kind == "instance" else "false"}}},')
        out.append('};')
        out.append(f'const size_t kCarriedExtensionCount = {len(self.m.extensions)};')
        out.append('')
        out.append('}  // namespace gfxrelay::vk')
        return '\n'.join(out) + '\n'

    def chain_switch(self, out, fn, const, side):
        """A switch calling fn(stream, *(T*)p) for each chained structure of one side."""
        q = 'const ' if const else ''
        candidates = self.chained if side == 'in' else [s for s in self.chained
                                                        if s in self.outputs]
        for s in candidates:
            out.append(f'    case {self.m.stype(s)}:')
            out.append(f'      {fn}*reinterpret_cast<{q}{s}*>(p));')
            out.append('      break;')

    def command_vars(self, name):
        c = self.reg.commands[name]
        return [Var(p) for p in c.findall('param')], c.find('proto/type').text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vk-xml', required=True)
    ap.add_argument('--out-dir', required=True)
    args = ap.parse_args()
    ann = load_annotations()
    reg = Registry(args.vk_xml)
    model = Model(reg, ann)
    emitter = Emitter(model, ann)
    from gen_vk_commands import emit_all  # the command half (entry points, decoders)
    files = emit_all(emitter, os.path.join(HERE, 'vk_opcodes.txt'))
    files['vk_types_gen.cpp'] = emitter.types_cpp()
    os.makedirs(args.out_dir, exist_ok=True)
    for fname, text in files.items():
        path = os.path.join(args.out_dir, fname)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            with open(path, 'w') as f:
                f.write(text)


if __name__ == '__main__':
    sys.path.insert(0, HERE)
    main()
