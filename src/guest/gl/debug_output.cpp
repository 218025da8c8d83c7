// KHR_debug in the guest: the program's callback is called here, with the messages the host GL
// produced (fetched after replies, see Context::sync); everything else is relayed.
#include "gl_encoder_gen.h"

namespace gfxrelay::guest::gles::hand {

// Wire form: u32 whether a callback is set (the function pointer means nothing to the host).
void GL_APIENTRY glDebugMessageCallback(GLDEBUGPROC callback, const void* userParam) {
  Context* ctx = Context::current();
  if (!ctx) return;
  ctx->debug_callback = callback;
  ctx->debug_user_param = userParam;
  uint8_t* p = ctx->begin(Op::glDebugMessageCallback, 16);
  if (!p) return;
  wire::store<uint32_t>(p + 8, callback != nullptr);
  wire::store<uint32_t>(p + 12, 0);
  ctx->end(16);
}

void GL_APIENTRY glGetPointerv(GLenum pname, void** params) {
  Context* ctx = Context::current();
  if (!ctx || !params) return;
  switch (pname) {
    case GL_DEBUG_CALLBACK_FUNCTION:
      *params = reinterpret_cast<void*>(ctx->debug_callback);
      break;
    case GL_DEBUG_CALLBACK_USER_PARAM:
      *params = const_cast<void*>(ctx->debug_user_param);
      break;
    default: {
      // The compatibility profile's array pointers: the guest's own (client memory or offsets).
      const uint32_t slot = gl::array_pointer_slot(pname, ctx->state.client_active_unit);
      if (slot < gl::kClientArraySlots) {
        *params =
            ctx->state.vertex_array ? nullptr : const_cast<void*>(ctx->state.attribs[slot].pointer);
        break;
      }
      ctx->set_error(GL_INVALID_ENUM);
      break;
    }
  }
}

// These make a message of their own: with a callback set, it is called before they return
// (what a program that enabled GL_DEBUG_OUTPUT_SYNCHRONOUS expects).
void GL_APIENTRY glDebugMessageInsert(GLenum source, GLenum type, GLuint id, GLenum severity,
                                      GLsizei length, const GLchar* buf) {
  Context* ctx = Context::current();
  if (!ctx) return;
  encode_glDebugMessageInsert(*ctx, source, type, id, severity, length, buf);
  if (ctx->debug_callback) ctx->round_trip();
}

void GL_APIENTRY glPushDebugGroup(GLenum source, GLuint id, GLsizei length, const GLchar* message) {
  Context* ctx = Context::current();
  if (!ctx) return;
  encode_glPushDebugGroup(*ctx, source, id, length, message);
  if (ctx->debug_callback) ctx->round_trip();
}

void GL_APIENTRY glPopDebugGroup() {
  Context* ctx = Context::current();
  if (!ctx) return;
  encode_glPopDebugGroup(*ctx);
  if (ctx->debug_callback) ctx->round_trip();
}

}  // namespace gfxrelay::guest::gles::hand
