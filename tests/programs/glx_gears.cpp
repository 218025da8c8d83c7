// A glxgears-like GLX program for the native-vs-relayed comparison: three lit, toothed wheels
// compiled into display lists, drawn with the fixed-function pipeline (matrix stack, lights,
// materials, immediate mode) into a double-buffered window for a fixed number of frames at
// fixed angles, then a resize and more frames. After each phase it prints a hash of the
// window's contents as the X server holds them (XGetImage), so the same output natively and
// relayed means the same pixels in the window.
#include <GL/gl.h>
#include <GL/glx.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>

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

}  // namespace

int main() {
  Display* dpy = XOpenDisplay(nullptr);
  if (!dpy) {
    std::fprintf(stderr, "cannot open the X display\n");
    return 1;
  }
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
  XVisualInfo* vis = glXChooseVisual(dpy, DefaultScreen(dpy), attribs);
  if (!vis) {
    std::fprintf(stderr, "no RGB, double-buffered visual with depth\n");
    return 1;
  }
  XSetWindowAttributes wa{};
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
  GLXContext ctx = glXCreateContext(dpy, vis, nullptr, True);
  if (!ctx || !glXMakeCurrent(dpy, window, ctx)) {
    std::fprintf(stderr, "cannot make a GLX context current\n");
    return 1;
  }
  const float light[] = {5, 5, 10, 0};
  const float colors[3][4] = {{0.8f, 0.1f, 0, 1}, {0, 0.8f, 0.2f, 1}, {0.2f, 0.2f, 1, 1}};
  glLightfv(GL_LIGHT0, GL_POSITION, light);
  glEnable(GL_CULL_FACE);
  glEnable(GL_LIGHTING);
  glEnable(GL_LIGHT0);
  glEnable(GL_DEPTH_TEST);
  const GLuint lists = glGenLists(3);
  const float shapes[3][5] = {
      {1, 4, 1, 20, 0.7f}, {0.5f, 2, 2, 10, 0.7f}, {1.3f, 2, 0.5f, 10, 0.7f}};
  for (int i = 0; i < 3; ++i) {
    glNewList(lists + i, GL_COMPILE);
    glMaterialfv(GL_FRONT, GL_AMBIENT_AND_DIFFUSE, colors[i]);
    wheel(shapes[i][0], shapes[i][1], shapes[i][2], static_cast<int>(shapes[i][3]), shapes[i][4]);
    glEndList();
  }
  glEnable(GL_NORMALIZE);

  auto draw = [&](float angle) {
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
      glCallList(lists + i);
      glPopMatrix();
    }
    glPopMatrix();
    glXSwapBuffers(dpy, window);
  };

  reshape(width, height);
  for (int frame = 0; frame < 20; ++frame) draw(frame * 4.0f);
  glFinish();
  XSync(dpy, False);
  long lit = 0;
  uint64_t hash = window_hash(dpy, window, width, height, &lit);
  std::printf("%dx%d after 20 frames: hash %016llx, %ld lit pixels\n", width, height,
              static_cast<unsigned long long>(hash), lit);

  // A resize: the next frames must fill the new size.
  width = 360;
  height = 200;
  XResizeWindow(dpy, window, width, height);
  for (XEvent e;;) {
    XNextEvent(dpy, &e);
    if (e.type == ConfigureNotify && e.xconfigure.width == width) break;
  }
  reshape(width, height);
  for (int frame = 20; frame < 30; ++frame) draw(frame * 4.0f);
  glFinish();
  XSync(dpy, False);
  hash = window_hash(dpy, window, width, height, &lit);
  std::printf("%dx%d after 30 frames: hash %016llx, %ld lit pixels\n", width, height,
              static_cast<unsigned long long>(hash), lit);
  std::printf("GL error: 0x%x\n", glGetError());

  glXMakeCurrent(dpy, None, nullptr);
  glXDestroyContext(dpy, ctx);
  XDestroyWindow(dpy, window);
  XFree(vis);
  XCloseDisplay(dpy);
  return lit > 0 ? 0 : 1;
}
