// Queries whose answers are narrowed (extensions) or carry object names (mapped back to the
// guest's names: no host name crosses the wire), read-backs, mappings, and the stream's own
// commands (MakeCurrent, SwapBuffers, Ping).
#include <algorithm>
#include <cstring>

#include "host/decoder/decoding.h"
#include "wire/message.h"

namespace gfxrelay::host::gles {

namespace {

ObjectKind name_space(ObjectKind kind) {
  return kind == ObjectKind::kShader ? ObjectKind::kProgram : kind;
}

template <typename T>
void map_to_guest(HostContext& ctx, ObjectKind kind, T* values, size_t count) {
  if (kind == ObjectKind::kNone || kind == ObjectKind::kAttachment) return;
  for (size_t i = 0; i < count; ++i)
    values[i] = static_cast<T>(ctx.guest_name(name_space(kind), static_cast<GLuint>(values[i])));
}

template <typename T>
bool reply_values(Decoding& d, const std::vector<T>& values, size_t count) {
  ReplyWriter w = d.reply();
  w.output(values.data(), count);
  return d.finish_reply(w);
}

// glGetIntegerv and glGetInteger64v.
template <typename T, typename Get>
bool get_values(Decoding& d, Get get) {
  if (d.size != 16) return d.fail("command size");
  const GLenum pname = wire::load<uint32_t>(d.cmd + 8);
  const size_t count = d.state().get_count(pname);
  std::vector<T> values(d.scratch_elements(count));
  if (pname == GL_NUM_EXTENSIONS) {
    values[0] = static_cast<T>(d.ctx.carried_extensions.size());
  } else {
    get(pname, values.data());
    map_to_guest(d.ctx, gl::get_object_kind(pname), values.data(), count);
  }
  return reply_values(d, values, count);
}

template <typename T, typename Get>
bool get_indexed_values(Decoding& d, Get get) {
  if (d.size != 16) return d.fail("command size");
  const GLenum target = wire::load<uint32_t>(d.cmd + 8);
  const GLuint index = wire::load<uint32_t>(d.cmd + 12);
  const size_t count = gl::indexed_get_value_count(target);
  std::vector<T> values(d.scratch_elements(count));
  get(target, index, values.data());
  map_to_guest(d.ctx, gl::indexed_get_object_kind(target), values.data(), count);
  return reply_values(d, values, count);
}

ObjectKind kind_of_identifier(GLenum identifier) {
  switch (identifier) {
    case GL_BUFFER:
      return ObjectKind::kBuffer;
    case GL_SHADER:
    case GL_PROGRAM:
      return ObjectKind::kProgram;
    case GL_VERTEX_ARRAY:
      return ObjectKind::kVertexArray;
    case GL_QUERY:
      return ObjectKind::kQuery;
    case GL_PROGRAM_PIPELINE:
      return ObjectKind::kProgramPipeline;
    case GL_TRANSFORM_FEEDBACK:
      return ObjectKind::kTransformFeedback;
    case GL_SAMPLER:
      return ObjectKind::kSampler;
    case GL_TEXTURE:
      return ObjectKind::kTexture;
    case GL_RENDERBUFFER:
      return ObjectKind::kRenderbuffer;
    case GL_FRAMEBUFFER:
      return ObjectKind::kFramebuffer;
    default:
      return ObjectKind::kNone;
  }
}

GLuint labelled_object(Decoding& d, GLenum identifier, GLuint guest) {
  const ObjectKind kind = kind_of_identifier(identifier);
  return kind == ObjectKind::kNone ? guest : d.ctx.host_name(kind, guest);
}

}  // namespace

bool decode_glGetIntegerv(Decoding& d) {
  return get_values<GLint>(d, glGetIntegerv);
}
bool decode_glGetInteger64v(Decoding& d) {
  return get_values<GLint64>(d, glGetInteger64v);
}
bool decode_glGetIntegeri_v(Decoding& d) {
  return get_indexed_values<GLint>(d, glGetIntegeri_v);
}
bool decode_glGetInteger64i_v(Decoding& d) {
  return get_indexed_values<GLint64>(d, glGetInteger64i_v);
}

bool decode_glGetVertexAttribiv(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const GLuint index = wire::load<uint32_t>(d.cmd + 8);
  const GLenum pname = wire::load<uint32_t>(d.cmd + 12);
  const size_t count = gl::vertex_attrib_count(pname);
  std::vector<GLint> values(d.scratch_elements(count));
  glGetVertexAttribiv(index, pname, values.data());
  map_to_guest(d.ctx, gl::vertex_attrib_object_kind(pname), values.data(), count);
  return reply_values(d, values, count);
}

bool decode_glGetFramebufferAttachmentParameteriv(Decoding& d) {
  if (d.size != 24) return d.fail("command size");
  const GLenum target = wire::load<uint32_t>(d.cmd + 8);
  const GLenum attachment = wire::load<uint32_t>(d.cmd + 12);
  const GLenum pname = wire::load<uint32_t>(d.cmd + 16);
  std::vector<GLint> values(d.scratch_elements(1));
  glGetFramebufferAttachmentParameteriv(target, attachment, pname, values.data());
  if (pname == GL_FRAMEBUFFER_ATTACHMENT_OBJECT_NAME) {
    GLint type = GL_NONE;
    glGetFramebufferAttachmentParameteriv(target, attachment, GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE,
                                          &type);
    const ObjectKind kind = type == GL_TEXTURE        ? ObjectKind::kTexture
                            : type == GL_RENDERBUFFER ? ObjectKind::kRenderbuffer
                                                      : ObjectKind::kNone;
    map_to_guest(d.ctx, kind, values.data(), 1);
  }
  return reply_values(d, values, 1);
}

bool decode_glGetProgramPipelineiv(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const GLuint pipeline =
      d.ctx.host_name(ObjectKind::kProgramPipeline, wire::load<uint32_t>(d.cmd + 8));
  const GLenum pname = wire::load<uint32_t>(d.cmd + 12);
  std::vector<GLint> values(d.scratch_elements(1));
  glGetProgramPipelineiv(pipeline, pname, values.data());
  map_to_guest(d.ctx, gl::program_pipeline_object_kind(pname), values.data(), 1);
  return reply_values(d, values, 1);
}

bool decode_glGetAttachedShaders(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const GLuint program = d.ctx.host_name(ObjectKind::kProgram, wire::load<uint32_t>(d.cmd + 8));
  const GLsizei max_count = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 12));
  const size_t count = elements(std::min<GLsizei>(max_count, 1 << 16));
  std::vector<GLsizei> written(d.scratch_elements(1));
  std::vector<GLuint> shaders(d.scratch_elements(count));
  glGetAttachedShaders(program, max_count < 0 ? max_count : static_cast<GLsizei>(count),
                       written.data(), shaders.data());
  map_to_guest(d.ctx, ObjectKind::kProgram, shaders.data(), count);
  ReplyWriter w = d.reply();
  w.output(written.data(), 1);
  w.output(shaders.data(), count);
  return d.finish_reply(w);
}

bool decode_glGetString(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const GLenum name = wire::load<uint32_t>(d.cmd + 8);
  std::string value;
  if (name == GL_EXTENSIONS) {
    for (const std::string& e : d.ctx.carried_extensions) value += e + " ";
    if (!value.empty()) value.pop_back();
  } else if (const GLubyte* s = glGetString(name)) {
    value = reinterpret_cast<const char*>(s);
  }
  ReplyWriter w = d.reply();
  w.output(value.c_str(), value.size() + 1);
  return d.finish_reply(w);
}

// u32 name, u32 index. The guest answers GL_EXTENSIONS from the narrowed list; only the
// shading language versions (GL 4.3) travel.
bool decode_glGetStringi(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const GLenum name = wire::load<uint32_t>(d.cmd + 8);
  if (name != GL_SHADING_LANGUAGE_VERSION)
    return d.fail("glGetStringi of a name the guest answers");
  const GLubyte* s = glGetStringi(name, wire::load<uint32_t>(d.cmd + 12));
  const std::string value = s ? reinterpret_cast<const char*>(s) : "";
  ReplyWriter w = d.reply();
  w.output(value.c_str(), value.size() + 1);
  return d.finish_reply(w);
}

bool decode_glGetError(Decoding& d) {
  if (d.size != 8) return d.fail("command size");
  GLenum error = d.ctx.pending_error;
  d.ctx.pending_error = GL_NO_ERROR;
  if (error == GL_NO_ERROR) error = glGetError();
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(error);
  return d.finish_reply(w);
}

bool decode_glFinish(Decoding& d) {
  if (d.size != 8) return d.fail("command size");
  glFinish();
  ReplyWriter w = d.reply();
  return d.finish_reply(w);
}

bool decode_glDeleteSync(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const uint64_t guest = wire::load<uint64_t>(d.cmd + 8);
  // Zero is GL's no-op; an id never created is GL's INVALID_VALUE, which a null sync gives.
  GLsync sync = guest ? d.ctx.remove_sync(guest) : nullptr;
  if (guest && !sync) d.ctx.record_error(GL_INVALID_VALUE);
  if (sync) glDeleteSync(sync);
  return true;
}

// u32 image id, u32 target, u32 object name, u32 pairs, pairs x (i32 name, i32 value); replies
// with the EGL status. Made here, on the thread that owns the context: some EGLs (NVIDIA's)
// refuse images of a context current on another thread.
bool decode_gfxrelay_CreateImage(Decoding& d) {
  wire::Reader r(d.cmd + 8, d.size - 8);
  const uint32_t id = r.get<uint32_t>();
  const EGLenum target = r.get<uint32_t>();
  const uint32_t object = r.get<uint32_t>();
  std::vector<EGLint> attribs;
  if (!wire::read_attribs(r, &attribs) || !r.at_end())
    return d.fail("size does not match its arguments");
  EGLint status = EGL_BAD_PARAMETER;
  ObjectKind kind = ObjectKind::kNone;
  switch (target) {
    case EGL_GL_TEXTURE_2D:
    case EGL_GL_TEXTURE_3D:
    case EGL_GL_TEXTURE_CUBE_MAP_POSITIVE_X:
    case EGL_GL_TEXTURE_CUBE_MAP_NEGATIVE_X:
    case EGL_GL_TEXTURE_CUBE_MAP_POSITIVE_Y:
    case EGL_GL_TEXTURE_CUBE_MAP_NEGATIVE_Y:
    case EGL_GL_TEXTURE_CUBE_MAP_POSITIVE_Z:
    case EGL_GL_TEXTURE_CUBE_MAP_NEGATIVE_Z:
      kind = ObjectKind::kTexture;
      break;
    case EGL_GL_RENDERBUFFER:
      kind = ObjectKind::kRenderbuffer;
      break;
    default:
      break;  // only images of GL objects: anything else would be a guest pointer
  }
  if (kind != ObjectKind::kNone) {
    const GLuint host = object ? d.ctx.host_name(kind, object) : 0;
    // The guest may have released the context: make it current (surfaceless) for the call.
    const bool was_current = eglGetCurrentContext() == d.session.context();
    if (!was_current)
      eglMakeCurrent(d.session.display(), EGL_NO_SURFACE, EGL_NO_SURFACE, d.session.context());
    status = d.session.create_image(id, target, reinterpret_cast<EGLClientBuffer>(uintptr_t{host}),
                                    attribs.data());
    if (!was_current)
      eglMakeCurrent(d.session.display(), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  }
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(static_cast<uint32_t>(status));
  return d.finish_reply(w);
}

bool decode_gfxrelay_Ping(Decoding& d) {
  if (d.size != 8) return d.fail("command size");
  ReplyWriter w = d.reply();
  return d.finish_reply(w);
}

bool decode_glShaderSource(Decoding& d) {
  if (d.size < 24) return d.fail("command too short");
  const GLuint shader = d.ctx.host_name(ObjectKind::kProgram, wire::load<uint32_t>(d.cmd + 8));
  const GLsizei count = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 12));
  wire::Reader r(d.cmd + 24, d.size - 24);
  wire::Reader peek = r;
  const uint32_t length = peek.get<uint32_t>();
  Blob source = d.blob(r, length, true);
  if (!source.ok || !r.at_end()) return d.fail("source: bad length or reference");
  const GLchar* text = source.data ? static_cast<const GLchar*>(source.data) : "";
  const GLint text_length = static_cast<GLint>(source.length);
  // One concatenated string; a negative count still reaches GL for its INVALID_VALUE.
  glShaderSource(shader, count < 0 ? count : 1, &text, &text_length);
  d.release(source);
  return true;
}

bool decode_glObjectLabel(Decoding& d) {
  if (d.size < 24) return d.fail("command too short");
  const GLenum identifier = wire::load<uint32_t>(d.cmd + 8);
  const GLuint name = labelled_object(d, identifier, wire::load<uint32_t>(d.cmd + 12));
  wire::Reader r(d.cmd + 24, d.size - 24);
  Blob label = d.string_blob(r);
  if (!label.ok || !r.at_end()) return d.fail("label: bad string");
  glObjectLabel(identifier, name, -1, static_cast<const GLchar*>(label.data));
  d.release(label);
  return true;
}

bool decode_glGetObjectLabel(Decoding& d) {
  if (d.size != 24) return d.fail("command size");
  const GLenum identifier = wire::load<uint32_t>(d.cmd + 8);
  const GLuint name = labelled_object(d, identifier, wire::load<uint32_t>(d.cmd + 12));
  const GLsizei buf_size = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 16));
  const size_t count = elements(std::min<GLsizei>(buf_size, 1 << 16));
  std::vector<GLsizei> length(d.scratch_elements(1));
  std::vector<GLchar> label(d.scratch_elements(count));
  glGetObjectLabel(identifier, name, buf_size < 0 ? buf_size : static_cast<GLsizei>(count),
                   length.data(), label.data());
  ReplyWriter w = d.reply();
  w.output(length.data(), 1);
  w.output(label.data(), count);
  return d.finish_reply(w);
}

// x, y, width, height, format, type, bufSize (-1: glReadPixels), then the destination: an
// offset into the bound PIXEL_PACK_BUFFER (no reply), or a transfer-area range (reply).
// Read-backs whose destination may be an offset into the bound PIXEL_PACK_BUFFER: if the blob
// at `r` is one, *handled is set and `read(at)` runs with it where a pack buffer is bound (else
// the program gets GL_INVALID_OPERATION). False if the command is malformed.
template <typename Read>
static bool read_into_pack_buffer(Decoding& d, wire::Reader& r, bool pack_buffer, bool* handled,
                                  Read read) {
  wire::Reader peek = r;
  peek.get<uint32_t>();
  *handled = static_cast<wire::BlobMode>(peek.get<uint32_t>()) == wire::BlobMode::kOffset;
  if (!*handled) return true;
  r.get<uint32_t>();
  r.get<uint32_t>();
  const uint64_t offset = r.get<uint64_t>();
  if (!r.at_end()) return d.fail("size does not match its arguments");
  if (pack_buffer)
    read(reinterpret_cast<void*>(static_cast<uintptr_t>(offset)));
  else
    d.ctx.record_error(GL_INVALID_OPERATION);
  return true;
}

static bool read_pixels(Decoding& d, bool robust) {
  if (d.size < 40) return d.fail("command too short");
  GLint v[7];
  for (int i = 0; i < 7; ++i) v[i] = static_cast<GLint>(wire::load<uint32_t>(d.cmd + 8 + 4 * i));
  const GLenum format = v[4], type = v[5];
  const GLsizei buf_size = v[6];
  wire::Reader r(d.cmd + 40, d.size - 40);
  const bool pack_buffer = d.state().bound_buffer(GL_PIXEL_PACK_BUFFER_BINDING) != 0;
  bool into_buffer = false;
  if (!read_into_pack_buffer(d, r, pack_buffer, &into_buffer, [&](void* at) {
        if (!d.read_buffer_set(format)) return;
        if (robust)
          glReadnPixels(v[0], v[1], v[2], v[3], format, type, buf_size, at);
        else
          glReadPixels(v[0], v[1], v[2], v[3], format, type, at);
      }))
    return false;
  if (into_buffer) return true;
  wire::Reader peek = r;
  peek.get<uint32_t>();
  const auto mode = static_cast<wire::BlobMode>(peek.get<uint32_t>());
  uint64_t expected = 0;
  const bool sized =
      gl::image_bytes(d.state().pack_store(), format, type, v[2], v[3], 1, &expected);
  if (!sized) expected = 0;
  if (robust && buf_size >= 0 && expected > static_cast<uint64_t>(buf_size)) expected = 0;
  if (!sized && mode != wire::BlobMode::kNull && !pack_buffer) {
    // No size for this image (negative, or past what a size can hold): GL would write past any
    // destination the guest could have sent (rows of width x 4 bytes apart, only the rows inside
    // the framebuffer written). The error GL gives a negative size; else no memory for it.
    Blob out = d.output_blob(r, 0);
    if (!out.ok || !r.at_end()) return d.fail("pixels: destination does not match the image size");
    d.release(out);
    d.ctx.record_error(v[2] < 0 || v[3] < 0 ? GL_INVALID_VALUE : GL_OUT_OF_MEMORY);
    ReplyWriter w = d.reply();
    w.scalar<uint32_t>(0);
    return d.finish_reply(w);
  }
  uint32_t done = 0;
  if (mode == wire::BlobMode::kNull) {
    Blob none = d.blob(r, 0, true);
    if (!none.ok || !r.at_end()) return d.fail("size does not match its arguments");
    // Nothing to read into: GL still validates the arguments and reports its error.
    if (expected == 0 && !pack_buffer && d.read_buffer_set(format)) {
      if (robust)
        glReadnPixels(v[0], v[1], v[2], v[3], format, type, 0, nullptr);
      else
        glReadPixels(v[0], v[1], v[2], v[3], format, type, nullptr);
    }
  } else {
    Blob out = d.output_blob(r, expected);
    if (!out.ok || !r.at_end()) return d.fail("pixels: destination does not match the image size");
    if (pack_buffer) {
      d.ctx.pending_error = GL_INVALID_OPERATION;
    } else if (!d.read_buffer_set(format)) {
      // Nothing written; the program's memory stays as it was.
    } else {
      // The guest copies the pixels only if GL wrote them: an erroneous read leaves the
      // program's memory as it was. GL keeps its first error, so the one before the read (if
      // any) is the one the program will see first.
      void* at = const_cast<void*>(out.data);
      // Where the context has a bounded read, GL is told the destination's size too: a GL that
      // computes the image's size otherwise than the relay refuses instead of writing past it.
      const bool bounded = robust || d.ctx.has(wire::Op::glReadnPixels);
      done = call_checked(d.ctx, [&] {
        if (bounded)
          glReadnPixels(v[0], v[1], v[2], v[3], format, type, static_cast<GLsizei>(expected), at);
        else if (epoxy_has_gl_extension("GL_ARB_robustness"))
          glReadnPixelsARB(v[0], v[1], v[2], v[3], format, type, static_cast<GLsizei>(expected),
                           at);
        else
          glReadPixels(v[0], v[1], v[2], v[3], format, type, at);
      });
    }
    d.release(out);
  }
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(done);
  return d.finish_reply(w);
}

bool decode_glReadPixels(Decoding& d) {
  return read_pixels(d, false);
}
bool decode_glReadnPixels(Decoding& d) {
  return read_pixels(d, true);
}

// glGetTexImage / glGetCompressedTexImage and the direct-state-access glGetTextureImage /
// glGetCompressedTextureImage: target (or texture), level, format, type, bufSize (-1 for the
// non-DSA forms), 0, then the destination (an offset into the pack buffer, or the transfer area
// sized from the level's size, which the guest asked for just before). Replies u32 1 when GL
// wrote the pixels.
static bool get_tex_image(Decoding& d, bool compressed, bool named, bool sub = false) {
  const size_t fixed = sub ? 56 : 32;
  if (d.size < fixed) return d.fail("command too short");
  GLint region[6] = {};
  for (int i = 0; sub && i < 6; ++i)
    region[i] = static_cast<GLint>(wire::load<uint32_t>(d.cmd + 32 + 4 * i));
  const GLenum target = named
                            ? d.ctx.host_name(ObjectKind::kTexture, wire::load<uint32_t>(d.cmd + 8))
                            : wire::load<uint32_t>(d.cmd + 8);
  const GLint level = static_cast<GLint>(wire::load<uint32_t>(d.cmd + 12));
  const GLenum format = wire::load<uint32_t>(d.cmd + 16);
  const GLenum type = wire::load<uint32_t>(d.cmd + 20);
  const GLsizei buf_size = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 24));
  auto get = [&](void* at, GLsizei bytes) {
    if (sub && compressed)
      glGetCompressedTextureSubImage(target, level, region[0], region[1], region[2], region[3],
                                     region[4], region[5], bytes, at);
    else if (sub)
      glGetTextureSubImage(target, level, region[0], region[1], region[2], region[3], region[4],
                           region[5], format, type, bytes, at);
    else if (named && compressed)
      glGetCompressedTextureImage(target, level, bytes, at);
    else if (named)
      glGetTextureImage(target, level, format, type, bytes, at);
    else if (compressed)
      glGetCompressedTexImage(target, level, at);
    else
      glGetTexImage(target, level, format, type, at);
  };
  auto level_value = [&](GLenum pname) {
    GLint v = 0;
    if (named)
      glGetTextureLevelParameteriv(target, level, pname, &v);
    else
      glGetTexLevelParameteriv(target, level, pname, &v);
    return v;
  };
  wire::Reader r(d.cmd + fixed, d.size - fixed);
  const bool pack_buffer = d.state().bound_buffer(GL_PIXEL_PACK_BUFFER_BINDING) != 0;
  bool into_buffer = false;
  if (!read_into_pack_buffer(d, r, pack_buffer, &into_buffer, [&](void* at) { get(at, buf_size); }))
    return false;
  if (into_buffer) return true;
  wire::Reader peek = r;
  peek.get<uint32_t>();
  const auto mode = static_cast<wire::BlobMode>(peek.get<uint32_t>());
  uint64_t expected = 0;
  if (mode != wire::BlobMode::kNull) {
    // GL validates target and level itself when it reads; sizes of a bad one are 0 here.
    const GLenum before = glGetError();
    if (compressed && sub) {
      expected = buf_size > 0 ? static_cast<uint64_t>(buf_size) : 0;
    } else if (compressed) {
      const GLint size = level_value(GL_TEXTURE_COMPRESSED_IMAGE_SIZE);
      expected = size > 0 ? static_cast<uint64_t>(size) : 0;
    } else if (!gl::image_bytes(d.state().pack_store(), format, type,
                                sub ? region[3] : level_value(GL_TEXTURE_WIDTH),
                                sub ? region[4] : level_value(GL_TEXTURE_HEIGHT),
                                sub ? region[5] : level_value(GL_TEXTURE_DEPTH), &expected)) {
      expected = 0;
    }
    glGetError();  // the size queries' own errors are not the program's
    d.ctx.record_error(before);
    if (buf_size >= 0 && expected > static_cast<uint64_t>(buf_size)) expected = 0;
  }
  uint32_t done = 0;
  Blob out = mode == wire::BlobMode::kNull ? d.blob(r, 0, true) : d.output_blob(r, expected);
  if (!out.ok || !r.at_end()) return d.fail("pixels: destination does not match the image size");
  if (pack_buffer) {
    d.ctx.pending_error = GL_INVALID_OPERATION;
  } else if (out.length == 0) {
    // Nothing to write into: GL still validates the arguments and reports its error.
    if (expected == 0) get(nullptr, buf_size);
  } else {
    done = call_checked(
        d.ctx, [&] { get(const_cast<void*>(out.data), static_cast<GLsizei>(out.length)); });
  }
  d.release(out);
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(done);
  return d.finish_reply(w);
}

bool decode_glGetTexImage(Decoding& d) {
  return get_tex_image(d, false, false);
}
bool decode_glGetCompressedTexImage(Decoding& d) {
  return get_tex_image(d, true, false);
}
bool decode_glGetTextureImage(Decoding& d) {
  return get_tex_image(d, false, true);
}
bool decode_glGetCompressedTextureImage(Decoding& d) {
  return get_tex_image(d, true, true);
}
bool decode_glGetTextureSubImage(Decoding& d) {
  return get_tex_image(d, false, true, true);
}
bool decode_glGetCompressedTextureSubImage(Decoding& d) {
  return get_tex_image(d, true, true, true);
}

// Feedback and selection: GL keeps the buffer it is given and fills it later, so the host gives
// it one of the context's own (never a pointer that goes away) and sends the values back when
// glRenderMode leaves the mode (see the guest's transfers.cpp for the wire forms).
static bool set_render_buffer(Decoding& d, bool feedback) {
  if (d.size != 16) return d.fail("command size");
  const auto size = static_cast<GLsizei>(wire::load<uint32_t>(d.cmd + 8));
  const GLenum type = wire::load<uint32_t>(d.cmd + 12);
  constexpr GLsizei kMaxValues = 1 << 22;  // 16 MiB of values, more than any program asks
  std::vector<uint32_t>& storage = feedback ? d.ctx.feedback_storage : d.ctx.select_storage;
  GLint mode = GL_RENDER;
  glGetIntegerv(GL_RENDER_MODE, &mode);
  const bool in_use = mode == (feedback ? GL_FEEDBACK : GL_SELECT);
  if (size > kMaxValues) return d.fail("feedback or selection buffer too large");
  // A negative size, or a new buffer while the mode is on, is GL's own error (INVALID_VALUE,
  // INVALID_OPERATION): GL gets the call, and the buffer it holds stays as it was.
  if (size >= 0 && !in_use) storage.assign(static_cast<size_t>(std::max(size, 1)), 0);
  if (feedback)
    glFeedbackBuffer(size, type, reinterpret_cast<GLfloat*>(storage.data()));
  else
    glSelectBuffer(size, storage.data());
  return true;
}

bool decode_glFeedbackBuffer(Decoding& d) {
  return set_render_buffer(d, true);
}
bool decode_glSelectBuffer(Decoding& d) {
  return set_render_buffer(d, false);
}

bool decode_glRenderMode(Decoding& d) {
  if (d.size < 16) return d.fail("command too short");
  const GLenum mode = wire::load<uint32_t>(d.cmd + 8);
  wire::Reader r(d.cmd + 16, d.size - 16);
  wire::Reader peek = r;
  const uint32_t length = peek.get<uint32_t>();
  GLint before = GL_RENDER;
  glGetIntegerv(GL_RENDER_MODE, &before);
  const std::vector<uint32_t>* storage = before == GL_FEEDBACK ? &d.ctx.feedback_storage
                                         : before == GL_SELECT ? &d.ctx.select_storage
                                                               : nullptr;
  Blob out = length ? d.output_blob(r, length) : d.blob(r, 0, true);
  if (!out.ok || !r.at_end()) return d.fail("render mode: bad destination");
  const GLint result = glRenderMode(mode);
  // Values written: feedback returns their count; selection returns the hit records, each
  // u32 name count, two depths, then the names (-1 for both: the buffer overflowed, all used).
  size_t written = 0;
  if (storage && result > 0 && before == GL_FEEDBACK) {
    written = static_cast<size_t>(result);
  } else if (storage && result != 0 && before == GL_SELECT) {
    for (GLint hit = 0; hit < result && written < storage->size(); ++hit)
      written += 3 + size_t{(*storage)[written]};
  } else if (storage && result < 0) {
    written = storage->size();
  }
  written = std::min({written, storage ? storage->size() : 0, out.length / 4});
  if (written && out.data) std::memcpy(const_cast<void*>(out.data), storage->data(), written * 4);
  d.release(out);
  GLint now = GL_RENDER;
  glGetIntegerv(GL_RENDER_MODE, &now);
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(static_cast<uint32_t>(result));
  w.scalar<uint32_t>(static_cast<uint32_t>(written));
  w.scalar<uint32_t>(static_cast<uint32_t>(now));
  return d.finish_reply(w);
}

// glGetPixelMap*, glGetPolygonStipple: u32 map (0 for the stipple), u32 0, then an offset into
// the bound PIXEL_PACK_BUFFER or no blob; replies with the values when they come back. The
// stipple is 32 x 32 bits under the pack modes; a map has GL_PIXEL_MAP_*_SIZE entries.
template <typename T, typename Get>
static bool get_pixel_state(Decoding& d, Get get, bool stipple = false) {
  if (d.size < 16) return d.fail("command too short");
  const GLenum map = wire::load<uint32_t>(d.cmd + 8);
  // The stipple's size comes from the pack modes alone (a map's would size its 128 bytes).
  if (stipple && map != 0) return d.fail("glGetPolygonStipple with a pixel map");
  wire::Reader r(d.cmd + 16, d.size - 16);
  const bool pack_buffer = d.state().bound_buffer(GL_PIXEL_PACK_BUFFER_BINDING) != 0;
  Blob b = d.offset_or_plain_blob(r);  // an offset, or nothing
  if (!b.ok || (!b.offset && b.length) || !r.at_end())
    return d.fail("size does not match its arguments");
  ReplyWriter w = d.reply();
  if (b.offset) {
    if (pack_buffer)
      get(map, reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(b.data)));
    else
      d.ctx.record_error(GL_INVALID_OPERATION);
    w.output(static_cast<const T*>(nullptr), 0);
    return d.finish_reply(w);
  }
  if (pack_buffer) {
    d.ctx.record_error(GL_INVALID_OPERATION);  // the guest thought no pack buffer was bound
    w.output(static_cast<const T*>(nullptr), 0);
    return d.finish_reply(w);
  }
  size_t count = 0;
  if (stipple) {
    uint64_t bytes = 0;
    if (!gl::image_bytes(d.state().pack_store(), GL_COLOR_INDEX, GL_BITMAP, 32, 32, 1, &bytes)) {
      d.ctx.record_error(GL_INVALID_OPERATION);  // pack modes GL would not have taken
      w.output(static_cast<const T*>(nullptr), 0);
      return d.finish_reply(w);
    }
    count = static_cast<size_t>(bytes);
  } else {
    GLint n = 0;  // GL_PIXEL_MAP_x_SIZE is GL_PIXEL_MAP_x + 0x40 (table 23.17)
    if (map >= GL_PIXEL_MAP_I_TO_I && map <= GL_PIXEL_MAP_A_TO_A)
      glGetIntegerv(map + (GL_PIXEL_MAP_I_TO_I_SIZE - GL_PIXEL_MAP_I_TO_I), &n);
    count = static_cast<size_t>(std::clamp(n, 1, 1 << 16));
  }
  std::vector<T> values(count);
  const bool done = call_checked(d.ctx, [&] { get(map, values.data()); });
  w.output(values.data(), done ? count : 0);
  return d.finish_reply(w);
}

bool decode_glGetPixelMapfv(Decoding& d) {
  return get_pixel_state<GLfloat>(d, [](GLenum m, GLfloat* v) { glGetPixelMapfv(m, v); });
}
bool decode_glGetPixelMapuiv(Decoding& d) {
  return get_pixel_state<GLuint>(d, [](GLenum m, GLuint* v) { glGetPixelMapuiv(m, v); });
}
bool decode_glGetPixelMapusv(Decoding& d) {
  return get_pixel_state<GLushort>(d, [](GLenum m, GLushort* v) { glGetPixelMapusv(m, v); });
}
bool decode_glGetPolygonStipple(Decoding& d) {
  return get_pixel_state<GLubyte>(
      d, [](GLenum, GLubyte* v) { glGetPolygonStipple(v); }, true);
}

// glMapBufferRange / glMapNamedBufferRange: u32 target (or buffer name), u32 access, u64
// offset, u64 length, then the destination. The host maps, copies out what the guest will
// read, and unmaps at once: the guest keeps its own copy and sends written ranges back.
// `map(bits, offset, length)` maps with those access bits; `unmap()` unmaps. The caller checked
// the command's size. Sets *was_mapped to whether GL mapped; false if the command is malformed
// (the session ends).
template <typename Map, typename Unmap>
bool map_for_guest(Decoding& d, Map map, Unmap unmap, bool* was_mapped) {
  *was_mapped = false;
  const GLbitfield wire_access = wire::load<uint32_t>(d.cmd + 12);
  const GLintptr offset = static_cast<GLintptr>(wire::load<uint64_t>(d.cmd + 16));
  const GLsizeiptr length = static_cast<GLsizeiptr>(wire::load<uint64_t>(d.cmd + 24));
  // kMapPreserveContents: a write-only map whose untouched bytes the guest must keep, so it
  // reads them where the buffer allows reading (else its copy starts as zeros).
  const bool preserve = wire_access & gl::kMapPreserveContents;
  const GLbitfield access = wire_access & ~gl::kMapPreserveContents;
  wire::Reader r(d.cmd + 32, d.size - 32);
  const bool read = (access & GL_MAP_READ_BIT) || preserve;
  Blob out =
      read && length > 0 ? d.output_blob(r, static_cast<size_t>(length)) : d.blob(r, 0, true);
  if (!out.ok || !r.at_end()) return d.fail("mapping: destination does not match the length");
  // Unsynchronized and invalidating flags are about the guest's copy; the host only reads.
  const GLbitfield read_access =
      (access & ~(GL_MAP_UNSYNCHRONIZED_BIT | GL_MAP_FLUSH_EXPLICIT_BIT)) | GL_MAP_READ_BIT;
  void* mapped = map(read ? read_access : access & ~GL_MAP_FLUSH_EXPLICIT_BIT, offset, length);
  bool copied = mapped != nullptr;
  if (!mapped && preserve) {
    glGetError();  // the buffer refuses reading: map as the program asked
    mapped = map(access & ~GL_MAP_FLUSH_EXPLICIT_BIT, offset, length);
    copied = false;
    if (mapped && out.data) std::memset(const_cast<void*>(out.data), 0, length);
  }
  if (mapped) {
    if (copied && out.data) std::memcpy(const_cast<void*>(out.data), mapped, length);
    unmap();
  }
  d.release(out);
  *was_mapped = mapped != nullptr;
  return true;
}

// Replies with the guest name of the mapped buffer (0: GL refused the mapping).
bool decode_glMapBufferRange(Decoding& d) {
  if (d.size < 32) return d.fail("command too short");
  const GLenum target = wire::load<uint32_t>(d.cmd + 8);
  bool mapped = false;
  if (!map_for_guest(
          d,
          [target](GLbitfield bits, GLintptr offset, GLsizeiptr length) {
            return glMapBufferRange(target, offset, length, bits);
          },
          [target] { glUnmapBuffer(target); }, &mapped))
    return false;
  GLuint guest_buffer = 0;
  if (mapped) {
    const GLenum binding = buffer_binding(target);
    guest_buffer =
        binding ? d.ctx.guest_name(ObjectKind::kBuffer, d.state().bound_buffer(binding)) : 0;
    if (!guest_buffer) guest_buffer = UINT32_MAX;  // mapped, though the name is not the guest's
  }
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(guest_buffer);
  return d.finish_reply(w);
}

// glMapNamedBufferRange (GL 4.5): as glMapBufferRange, with the buffer's name for the target;
// replies with that name (0: GL refused the mapping).
bool decode_glMapNamedBufferRange(Decoding& d) {
  if (d.size < 32) return d.fail("command too short");
  const uint32_t guest = wire::load<uint32_t>(d.cmd + 8);
  const GLuint buffer = d.ctx.host_name(ObjectKind::kBuffer, guest);
  bool mapped = false;
  if (!map_for_guest(
          d,
          [buffer](GLbitfield bits, GLintptr offset, GLsizeiptr length) {
            return glMapNamedBufferRange(buffer, offset, length, bits);
          },
          [buffer] { glUnmapNamedBuffer(buffer); }, &mapped))
    return false;
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(mapped ? guest : 0);
  return d.finish_reply(w);
}

// draw id, read id, release flag; replies with the EGL error code.
bool decode_gfxrelay_MakeCurrent(Decoding& d) {
  if (d.size != 24) return d.fail("command size");
  const EGLint status =
      d.session.make_current(wire::load<uint32_t>(d.cmd + 8), wire::load<uint32_t>(d.cmd + 12),
                             wire::load<uint32_t>(d.cmd + 16) != 0);
  ReplyWriter w = d.reply();
  w.scalar<uint32_t>(static_cast<uint32_t>(status));
  return d.finish_reply(w);
}

bool decode_gfxrelay_SwapBuffers(Decoding& d) {
  if (d.size != 16) return d.fail("command size");
  const EGLSurface surface = d.session.surface(wire::load<uint32_t>(d.cmd + 8));
  if (surface != EGL_NO_SURFACE) eglSwapBuffers(d.session.display(), surface);
  return true;
}

}  // namespace gfxrelay::host::gles
