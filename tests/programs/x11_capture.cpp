// Reads the X screen (the root window, as the X server composes it) and prints how many
// distinct colours it shows: a test's evidence that a program's frames reached its window.
//
//   gfxrelay-test-x11_capture [OUT.ppm]   (DISPLAY names the server; the PPM is optional)
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <cstdio>
#include <set>

int main(int argc, char** argv) {
  Display* display = XOpenDisplay(nullptr);
  if (!display) {
    std::fprintf(stderr, "x11_capture: cannot open the display\n");
    return 1;
  }
  const Window root = DefaultRootWindow(display);
  XWindowAttributes attributes;
  XGetWindowAttributes(display, root, &attributes);
  XImage* image =
      XGetImage(display, root, 0, 0, attributes.width, attributes.height, AllPlanes, ZPixmap);
  if (!image) return 1;
  std::set<unsigned long> colors;
  std::FILE* out = argc > 1 ? std::fopen(argv[1], "wb") : nullptr;
  if (out) std::fprintf(out, "P6\n%d %d\n255\n", attributes.width, attributes.height);
  for (int y = 0; y < attributes.height; ++y)
    for (int x = 0; x < attributes.width; ++x) {
      const unsigned long pixel = XGetPixel(image, x, y);
      if (colors.size() < 100000) colors.insert(pixel);
      if (out) {
        const unsigned char rgb[3] = {static_cast<unsigned char>(pixel >> 16),
                                      static_cast<unsigned char>(pixel >> 8),
                                      static_cast<unsigned char>(pixel)};
        std::fwrite(rgb, 1, 3, out);
      }
    }
  if (out) std::fclose(out);
  std::printf("colors %zu\n", colors.size());
  XDestroyImage(image);
  XCloseDisplay(display);
  return 0;
}
