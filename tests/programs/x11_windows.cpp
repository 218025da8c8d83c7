// Window frames for the native-vs-relayed comparison, in three window systems:
//   glx     GLX and the compatibility profile: three lit, toothed wheels compiled into display
//           lists, drawn with the fixed-function pipeline (matrix stack, lights, materials,
//           immediate mode), as glxgears does;
//   egl     the same wheels through EGL on X11 (EGL_KHR_platform_x11) with desktop OpenGL;
//   egl-es  EGL on X11 with OpenGL ES 2.0: scissored clears and a shaded triangle in colours
//           whose red and blue differ, so a swapped channel order shows.
// Each draws a fixed number of frames at fixed angles into a double-buffered window, then
// resizes it and draws more. After each phase it prints a hash of the window's contents as
// the X server holds them (XGetImage): the same output natively and relayed means the same
// pixels in the window.
#define GL_GLEXT_PROTOTYPES
#include <EGL/egl.h>
#include <GL/gl.h>
#include <GL/glext.h>
#include <GL/glx.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace {

// One wheel: front and back faces, the outward tooth faces and the inner cylinder.
void wheel(float inner, float outer, float width, int teeth, float tooth_depth) {
  const float r0 = inner, r1 = outer - tooth_depth / 2, r2 = outer + tooth_depth / 2;
  const float da = 2.0f * static_cast<float>(M_PI) / teeth / 4.0f;
  glShadeModel(GL_FLAT);
  glNormal3f(0, 0, 1);
  for (float z : {width / 2, -width / 2}) {
    glBegin(GL_QUAD_STRIP);
    for (int i = 0; i <= teeth; ++i) {
      const float a = i * 2.0f * static_cast<float>(M_PI) / teeth;
      glVertex3f(r0 * std::cos(a), r0 * std::sin(a), z);
      glVertex3f(r1 * std::cos(a), r1 * std::sin(a), z);
      if (i < teeth) {
        glVertex3f(r0 * std::cos(a), r0 * std::sin(a), z);
        glVertex3f(r1 * std::cos(a + 3 * da), r1 * std::sin(a + 3 * da), z);
      }
    }
    glEnd();
    glBegin(GL_QUADS);
    for (int i = 0; i < teeth; ++i) {
      const float a = i * 2.0f * static_cast<float>(M_PI) / teeth;
      glVertex3f(r1 * std::cos(a), r1 * std::sin(a), z);
      glVertex3f(r2 * std::cos(a + da), r2 * std::sin(a + da), z);
      glVertex3f(r2 * std::cos(a + 2 * da), r2 * std::sin(a + 2 * da), z);
      glVertex3f(r1 * std::cos(a + 3 * da), r1 * std::sin(a + 3 * da), z);
    }
    glEnd();
    glNormal3f(0, 0, -1);
  }
  glBegin(GL_QUAD_STRIP);
  for (int i = 0; i < teeth; ++i) {
    const float a = i * 2.0f * static_cast<float>(M_PI) / teeth;
    for (float step : {0.0f, 1.0f, 2.0f, 3.0f}) {
      const float r = step == 0.0f || step == 3.0f ? r1 : r2;
      const float b = a + step * da;
      glNormal3f(std::cos(b), std::sin(b), 0);
      glVertex3f(r * std::cos(b), r * std::sin(b), width / 2);
      glVertex3f(r * std::cos(b), r * std::sin(b), -width / 2);
    }
  }
  glVertex3f(r1, 0, width / 2);
  glVertex3f(r1, 0, -width / 2);
  glEnd();
  glShadeModel(GL_SMOOTH);
  glBegin(GL_QUAD_STRIP);
  for (int i = 0; i <= teeth; ++i) {
    const float a = i * 2.0f * static_cast<float>(M_PI) / teeth;
    glNormal3f(-std::cos(a), -std::sin(a), 0);
    glVertex3f(r0 * std::cos(a), r0 * std::sin(a), -width / 2);
    glVertex3f(r0 * std::cos(a), r0 * std::sin(a), width / 2);
  }
  glEnd();
}

void reshape(int width, int height) {
  glViewport(0, 0, width, height);
  glMatrixMode(GL_PROJECTION);
  glLoadIdentity();
  const double aspect = static_cast<double>(height) / width;
  glFrustum(-1, 1, -aspect, aspect, 5, 60);
  glMatrixMode(GL_MODELVIEW);
  glLoadIdentity();
  glTranslatef(0, 0, -40);
}

// FNV-1a over the window's pixels (the unused top byte of each 32-bit pixel left out); *lit:
// pixels that differ from the top-left one (the background).
uint64_t window_hash(Display* dpy, Window window, int width, int height, long* lit) {
  XImage* image = XGetImage(dpy, window, 0, 0, width, height, AllPlanes, ZPixmap);
  if (!image) return 0;
  uint64_t h = 1469598103934665603ull;
  *lit = 0;
  const unsigned long background = XGetPixel(image, 0, 0) & 0xFFFFFF;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const unsigned long p = XGetPixel(image, x, y) & 0xFFFFFF;
      if (p != background) ++*lit;
      for (int b = 0; b < 3; ++b) {
        h ^= (p >> (8 * b)) & 0xFF;
        h *= 1099511628211ull;
      }
    }
  XDestroyImage(image);
  return h;
}

// The fixed-function wheels (glx and egl modes).
class Gears {
 public:
  Gears() {
    const float light[] = {5, 5, 10, 0};
    const float colors[3][4] = {{0.8f, 0.1f, 0, 1}, {0, 0.8f, 0.2f, 1}, {0.2f, 0.2f, 1, 1}};
    glLightfv(GL_LIGHT0, GL_POSITION, light);
    glEnable(GL_CULL_FACE);
    glEnable(GL_LIGHTING);
    glEnable(GL_LIGHT0);
    glEnable(GL_DEPTH_TEST);
    lists_ = glGenLists(3);
    const float shapes[3][5] = {
        {1, 4, 1, 20, 0.7f}, {0.5f, 2, 2, 10, 0.7f}, {1.3f, 2, 0.5f, 10, 0.7f}};
    for (int i = 0; i < 3; ++i) {
      glNewList(lists_ + i, GL_COMPILE);
      glMaterialfv(GL_FRONT, GL_AMBIENT_AND_DIFFUSE, colors[i]);
      wheel(shapes[i][0], shapes[i][1], shapes[i][2], static_cast<int>(shapes[i][3]), shapes[i][4]);
      glEndList();
    }
    glEnable(GL_NORMALIZE);
  }
  void reshape(int width, int height) { ::reshape(width, height); }
  void draw(float angle) {
    glClearColor(0.05f, 0.05f, 0.1f, 1);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glPushMatrix();
    glRotatef(20, 1, 0, 0);
    glRotatef(30, 0, 1, 0);
    const float places[3][3] = {{-3, -2, 0}, {3.1f, -2, 0}, {-3.1f, 4.2f, 0}};
    const float turns[3] = {angle, -2 * angle - 9, -2 * angle - 25};
    for (int i = 0; i < 3; ++i) {
      glPushMatrix();
      glTranslatef(places[i][0], places[i][1], places[i][2]);
      glRotatef(turns[i], 0, 0, 1);
      glCallList(lists_ + i);
      glPopMatrix();
    }
    glPopMatrix();
    markers(angle);
  }

  // Client-side arrays of the compatibility profile, unlit, below the wheels: triangles from
  // glArrayElement inside glBegin/glEnd (vertex, color and normal arrays), and from
  // glInterleavedArrays + glDrawArrays.
  void markers(float angle) {
    const float s = std::sin(angle * static_cast<float>(M_PI) / 180);
    const GLfloat vertices[] = {-9, -8, 0, -6, -8 + s, 0, -7.5f, -5, 0};
    const GLubyte colors[] = {255, 40, 0, 255, 20, 230, 40, 255, 60, 80, 255, 255};
    const GLbyte normals[] = {0, 0, 127, 0, 0, 127, 0, 0, 127};
    const GLfloat interleaved[] = {
        // C3F_V3F: r, g, b, x, y, z
        0.9f, 0.8f, 0.1f, 6, -8, 0, 0.1f, 0.8f, 0.9f, 9, -8 - s, 0, 0.9f, 0.1f, 0.8f, 7.5f, -5, 0};
    glDisable(GL_LIGHTING);
    glVertexPointer(3, GL_FLOAT, 0, vertices);
    glColorPointer(4, GL_UNSIGNED_BYTE, 0, colors);
    glNormalPointer(GL_BYTE, 0, normals);
    glEnableClientState(GL_VERTEX_ARRAY);
    glEnableClientState(GL_COLOR_ARRAY);
    glEnableClientState(GL_NORMAL_ARRAY);
    glBegin(GL_TRIANGLES);
    for (GLint i = 0; i < 3; ++i) glArrayElement(i);
    glEnd();
    glDisableClientState(GL_NORMAL_ARRAY);
    glInterleavedArrays(GL_C3F_V3F, 0, interleaved);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glDisableClientState(GL_VERTEX_ARRAY);
    glDisableClientState(GL_COLOR_ARRAY);
    glEnable(GL_LIGHTING);
  }

  // Feedback and selection of one wheel: what GL reports, printed (the same natively and
  // relayed means the relay returned the buffers GL filled). Feedback is taken of the scene
  // drawn at half size, all inside the view: Mesa 22.3 leaves the colour of a vertex made by
  // clipping unset in feedback mode (whatever was in memory, natively too, so the hash varied
  // from run to run).
  void report_feedback_and_selection() {
    std::vector<GLfloat> feedback(1 << 16);
    glFeedbackBuffer(static_cast<GLsizei>(feedback.size()), GL_3D_COLOR, feedback.data());
    glRenderMode(GL_FEEDBACK);
    glMatrixMode(GL_PROJECTION);
    glPushMatrix();
    glScalef(0.5f, 0.5f, 1);
    glMatrixMode(GL_MODELVIEW);
    draw(10);
    glMatrixMode(GL_PROJECTION);
    glPopMatrix();
    glMatrixMode(GL_MODELVIEW);
    const GLint values = glRenderMode(GL_RENDER);
    uint64_t h = 1469598103934665603ull;
    for (GLint i = 0; i < values; ++i) {
      h ^= static_cast<uint64_t>(std::lround(feedback[i] * 16));
      h *= 1099511628211ull;
    }
    std::printf("feedback: %d values, hash %016llx\n", values, static_cast<unsigned long long>(h));
    GLuint selection[64] = {};
    glSelectBuffer(64, selection);
    glRenderMode(GL_SELECT);
    glInitNames();
    glPushName(0);
    for (GLuint i = 0; i < 3; ++i) {
      glLoadName(i + 1);
      glCallList(lists_ + i);
    }
    const GLint hits = glRenderMode(GL_RENDER);
    std::printf("selection: %d hits, names", hits);
    for (GLint i = 0, at = 0; i < hits && at < 64; ++i, at += 3 + selection[at])
      std::printf(" %u", selection[at + 3]);
    std::printf("\n");
  }

 private:
  GLuint lists_ = 0;
};

// OpenGL ES 2.0 frames (egl-es mode): coloured scissored clears and a turning triangle.
class EsScene {
 public:
  EsScene() {
    const char* vs =
        "attribute vec2 position; attribute vec3 color; uniform float angle;\n"
        "varying vec3 v_color;\n"
        "void main() {\n"
        "  float c = cos(angle), s = sin(angle);\n"
        "  gl_Position = vec4(c * position.x - s * position.y, s * position.x + c * position.y,"
        " 0.0, 1.0);\n"
        "  v_color = color;\n"
        "}\n";
    const char* fs =
        "precision mediump float; varying vec3 v_color;\n"
        "void main() { gl_FragColor = vec4(v_color, 1.0); }\n";
    program_ = glCreateProgram();
    for (auto [type, source] :
         {std::pair{GL_VERTEX_SHADER, vs}, std::pair{GL_FRAGMENT_SHADER, fs}}) {
      const GLuint shader = glCreateShader(type);
      glShaderSource(shader, 1, &source, nullptr);
      glCompileShader(shader);
      glAttachShader(program_, shader);
    }
    glBindAttribLocation(program_, 0, "position");
    glBindAttribLocation(program_, 1, "color");
    glLinkProgram(program_);
    glUseProgram(program_);
    angle_ = glGetUniformLocation(program_, "angle");
  }
  void reshape(int width, int height) {
    width_ = width;
    height_ = height;
    glViewport(0, 0, width, height);
  }
  void draw(float angle) {
    glDisable(GL_SCISSOR_TEST);
    glClearColor(0.05f, 0.05f, 0.1f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    glEnable(GL_SCISSOR_TEST);
    glScissor(0, 0, width_ / 4, height_ / 4);  // bottom left: more red than blue
    glClearColor(0.9f, 0.3f, 0.1f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    glScissor(width_ - width_ / 4, height_ - height_ / 4, width_ / 4, height_ / 4);
    glClearColor(0.1f, 0.4f, 0.8f, 1);  // top right: more blue than red
    glClear(GL_COLOR_BUFFER_BIT);
    glDisable(GL_SCISSOR_TEST);
    const float positions[] = {0, 0.8f, -0.7f, -0.6f, 0.7f, -0.6f};
    const float colors[] = {1, 0.2f, 0, 0.1f, 0.9f, 0.1f, 0, 0.3f, 1};
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, positions);
    glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 0, colors);
    glEnableVertexAttribArray(0);
    glEnableVertexAttribArray(1);
    glUniform1f(angle_, angle * static_cast<float>(M_PI) / 180);
    glDrawArrays(GL_TRIANGLES, 0, 3);
  }

 private:
  GLuint program_ = 0;
  GLint angle_ = -1;
  int width_ = 1, height_ = 1;
};

// A window system: makes a context current on the window and swaps its buffers.
struct WindowSystem {
  XVisualInfo* visual = nullptr;
  std::function<bool(Window)> make_current;
  std::function<void()> swap;
  std::function<void()> finish;
};

WindowSystem glx_window_system(Display* dpy) {
  WindowSystem ws;
  int attribs[] = {GLX_RGBA,
                   GLX_RED_SIZE,
                   1,
                   GLX_GREEN_SIZE,
                   1,
                   GLX_BLUE_SIZE,
                   1,
                   GLX_DOUBLEBUFFER,
                   GLX_DEPTH_SIZE,
                   1,
                   None};
  ws.visual = glXChooseVisual(dpy, DefaultScreen(dpy), attribs);
  if (!ws.visual) return ws;
  XVisualInfo* vis = ws.visual;
  auto window = std::make_shared<Window>(0);
  ws.make_current = [dpy, vis, window](Window w) {
    *window = w;
    GLXContext ctx = glXCreateContext(dpy, vis, nullptr, True);
    return ctx && glXMakeCurrent(dpy, w, ctx);
  };
  ws.swap = [dpy, window] { glXSwapBuffers(dpy, *window); };
  ws.finish = [dpy] {
    GLXContext ctx = glXGetCurrentContext();
    glXMakeCurrent(dpy, None, nullptr);
    glXDestroyContext(dpy, ctx);
  };
  return ws;
}

WindowSystem egl_window_system(Display* dpy, EGLenum api) {
  WindowSystem ws;
  EGLDisplay edpy = eglGetDisplay(dpy);
  if (edpy == EGL_NO_DISPLAY || !eglInitialize(edpy, nullptr, nullptr)) return ws;
  const EGLint attribs[] = {EGL_SURFACE_TYPE,
                            EGL_WINDOW_BIT,
                            EGL_RED_SIZE,
                            1,
                            EGL_GREEN_SIZE,
                            1,
                            EGL_BLUE_SIZE,
                            1,
                            EGL_DEPTH_SIZE,
                            1,
                            EGL_RENDERABLE_TYPE,
                            api == EGL_OPENGL_API ? EGL_OPENGL_BIT : EGL_OPENGL_ES2_BIT,
                            EGL_NONE};
  EGLConfig config;
  EGLint count = 0;
  if (!eglChooseConfig(edpy, attribs, &config, 1, &count) || count == 0) return ws;
  EGLint visual_id = 0;
  eglGetConfigAttrib(edpy, config, EGL_NATIVE_VISUAL_ID, &visual_id);
  XVisualInfo want{};
  want.visualid = static_cast<VisualID>(visual_id);
  int found = 0;
  ws.visual = XGetVisualInfo(dpy, VisualIDMask, &want, &found);
  auto surface = std::make_shared<EGLSurface>(EGL_NO_SURFACE);
  ws.make_current = [edpy, config, api, surface](Window w) {
    eglBindAPI(api);
    const EGLint es2[] = {EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE};
    EGLContext ctx =
        eglCreateContext(edpy, config, EGL_NO_CONTEXT, api == EGL_OPENGL_ES_API ? es2 : nullptr);
    *surface = eglCreateWindowSurface(edpy, config, static_cast<EGLNativeWindowType>(w), nullptr);
    return ctx != EGL_NO_CONTEXT && *surface != EGL_NO_SURFACE &&
           eglMakeCurrent(edpy, *surface, *surface, ctx);
  };
  ws.swap = [edpy, surface] { eglSwapBuffers(edpy, *surface); };
  ws.finish = [edpy, surface] {
    EGLContext ctx = eglGetCurrentContext();
    eglMakeCurrent(edpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroySurface(edpy, *surface);
    eglDestroyContext(edpy, ctx);
    eglTerminate(edpy);
  };
  return ws;
}

template <typename Scene>
int run(Display* dpy, WindowSystem& ws) {
  XSetWindowAttributes wa{};
  XVisualInfo* vis = ws.visual;
  wa.colormap = XCreateColormap(dpy, RootWindow(dpy, vis->screen), vis->visual, AllocNone);
  wa.event_mask = StructureNotifyMask | ExposureMask;
  int width = 300, height = 240;
  Window window =
      XCreateWindow(dpy, RootWindow(dpy, vis->screen), 0, 0, width, height, 0, vis->depth,
                    InputOutput, vis->visual, CWColormap | CWEventMask, &wa);
  XMapWindow(dpy, window);
  for (XEvent e;;) {  // wait until the window is on screen
    XNextEvent(dpy, &e);
    if (e.type == MapNotify) break;
  }
  if (!ws.make_current(window)) {
    std::fprintf(stderr, "cannot make a context current on the window\n");
    return 1;
  }
  Scene scene;
  auto phase = [&](int from, int to) {
    scene.reshape(width, height);
    for (int frame = from; frame < to; ++frame) {
      scene.draw(frame * 4.0f);
      ws.swap();
    }
    glFinish();
    XSync(dpy, False);
    long lit = 0;
    const uint64_t hash = window_hash(dpy, window, width, height, &lit);
    std::printf("%dx%d after %d frames: hash %016llx, %ld lit pixels\n", width, height, to,
                static_cast<unsigned long long>(hash), lit);
    return lit;
  };
  long lit = phase(0, 20);
  if constexpr (requires { scene.report_feedback_and_selection(); })
    scene.report_feedback_and_selection();
  // A resize: the next frames must fill the new size.
  width = 360;
  height = 200;
  XResizeWindow(dpy, window, width, height);
  for (XEvent e;;) {
    XNextEvent(dpy, &e);
    if (e.type == ConfigureNotify && e.xconfigure.width == width) break;
  }
  lit = std::min(lit, phase(20, 30));
  std::printf("GL error: 0x%x\n", glGetError());
  ws.finish();
  XDestroyWindow(dpy, window);
  return lit > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "glx";
  Display* dpy = XOpenDisplay(nullptr);
  if (!dpy) {
    std::fprintf(stderr, "cannot open the X display\n");
    return 1;
  }
  WindowSystem ws = mode == "glx"      ? glx_window_system(dpy)
                    : mode == "egl"    ? egl_window_system(dpy, EGL_OPENGL_API)
                    : mode == "egl-es" ? egl_window_system(dpy, EGL_OPENGL_ES_API)
                                       : WindowSystem{};
  if (!ws.visual) {
    std::fprintf(stderr, "%s: no RGB, double-buffered window config with depth\n", mode.c_str());
    return 1;
  }
  const int status = mode == "egl-es" ? run<EsScene>(dpy, ws) : run<Gears>(dpy, ws);
  XFree(ws.visual);
  XCloseDisplay(dpy);
  return status;
}
