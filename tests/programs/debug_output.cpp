// A KHR_debug client: prints what its debug callback receives and what the debug getters
// return, after each call that waits for the GL. Run natively and through the relay, the two
// outputs must be identical (tests/integration/same_output_test.sh).
#include <GLES3/gl32.h>

#include <cstdio>

#include "surfaceless.h"

const char* const kProgramName = "debug_output";

namespace {

int user_param_tag;

void GL_APIENTRY on_message(GLenum source, GLenum type, GLuint id, GLenum severity, GLsizei length,
                            const GLchar* message, const void* user_param) {
  std::printf("callback: source 0x%x type 0x%x id %u severity 0x%x length %d user %s: %.*s\n",
              source, type, id, severity, length, user_param == &user_param_tag ? "ok" : "WRONG",
              length, message);
}

void make_context() {
  const Surfaceless s = open_surfaceless(EGL_OPENGL_ES3_BIT);
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION,
                            3,
                            EGL_CONTEXT_MINOR_VERSION,
                            2,
                            EGL_CONTEXT_OPENGL_DEBUG,
                            EGL_TRUE,
                            EGL_NONE};
  make_current(s, create_context(s, EGL_NO_CONTEXT, attribs));
}

void insert(GLuint id, const char* text) {
  glDebugMessageInsert(GL_DEBUG_SOURCE_APPLICATION, GL_DEBUG_TYPE_MARKER, id,
                       GL_DEBUG_SEVERITY_NOTIFICATION, -1, text);
}

}  // namespace

int main() {
  make_context();
  GLint flags = 0;
  glGetIntegerv(GL_CONTEXT_FLAGS, &flags);
  std::printf("debug context: %s\n", flags & GL_CONTEXT_FLAG_DEBUG_BIT ? "yes" : "no");

  glEnable(GL_DEBUG_OUTPUT);
  glEnable(GL_DEBUG_OUTPUT_SYNCHRONOUS);
  glDebugMessageCallback(on_message, &user_param_tag);
  void* function = nullptr;
  void* user_param = nullptr;
  glGetPointerv(GL_DEBUG_CALLBACK_FUNCTION, &function);
  glGetPointerv(GL_DEBUG_CALLBACK_USER_PARAM, &user_param);
  std::printf("glGetPointerv: callback %s, user param %s\n",
              function == reinterpret_cast<void*>(&on_message) ? "ok" : "WRONG",
              user_param == &user_param_tag ? "ok" : "WRONG");

  // Messages the program makes itself reach the callback before the call returns.
  insert(1, "first marker");
  insert(2, "second marker");
  glPushDebugGroup(GL_DEBUG_SOURCE_APPLICATION, 7, -1, "group");
  glDebugMessageControl(GL_DEBUG_SOURCE_APPLICATION, GL_DEBUG_TYPE_MARKER, GL_DONT_CARE, 0, nullptr,
                        GL_FALSE);
  insert(3, "filtered out inside the group");
  glPopDebugGroup();
  insert(4, "after the group");

  // Errors the GL reports arrive by the next call that waits for the GL.
  glEnable(0xDEAD);
  glBindBuffer(GL_ARRAY_BUFFER + 100, 0);
  std::printf("glGetError: 0x%x\n", glGetError());

  // Sync objects are labelled by pointer.
  GLsync sync = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  glObjectPtrLabel(sync, -1, "a fence");
  char label[64] = {};
  GLsizei length = -1;
  glGetObjectPtrLabel(sync, sizeof label, &length, label);
  std::printf("sync label: \"%s\" (length %d)\n", label, length);
  glDeleteSync(sync);

  // Without a callback, messages go to the log.
  glDebugMessageCallback(nullptr, nullptr);
  insert(5, "logged, not called back");
  insert(6, "also logged");
  GLint logged = 0;
  glGetIntegerv(GL_DEBUG_LOGGED_MESSAGES, &logged);
  std::printf("logged messages: %d\n", logged);
  GLuint ids[8];
  GLsizei lengths[8];
  char log[1024];
  const GLuint fetched =
      glGetDebugMessageLog(8, sizeof log, nullptr, nullptr, ids, nullptr, lengths, log);
  const char* text = log;
  for (GLuint i = 0; i < fetched; ++i) {
    std::printf("log: id %u: %s\n", ids[i], text);
    text += lengths[i];
  }
  return 0;
}
