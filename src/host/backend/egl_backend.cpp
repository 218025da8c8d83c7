#include "host/backend/egl_backend.h"

#include <epoxy/gl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

namespace gfxrelay::gl {
extern const char* const kCarriedExtensions[];
extern const size_t kCarriedExtensionCount;
}  // namespace gfxrelay::gl

namespace gfxrelay::host {

namespace {

bool has_extension(const char* list, const char* name) {
  if (!list) return false;
  const size_t n = std::strlen(name);
  for (const char* p = list; (p = std::strstr(p, name)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
  return false;
}

// The config attributes a guest can query (EGL 1.5 table 3.1, minus the window-system ones).
const EGLint kConfigAttributes[] = {
    EGL_CONFIG_ID,
    EGL_BUFFER_SIZE,
    EGL_RED_SIZE,
    EGL_GREEN_SIZE,
    EGL_BLUE_SIZE,
    EGL_ALPHA_SIZE,
    EGL_LUMINANCE_SIZE,
    EGL_ALPHA_MASK_SIZE,
    EGL_DEPTH_SIZE,
    EGL_STENCIL_SIZE,
    EGL_SAMPLES,
    EGL_SAMPLE_BUFFERS,
    EGL_COLOR_BUFFER_TYPE,
    EGL_CONFIG_CAVEAT,
    EGL_CONFORMANT,
    EGL_RENDERABLE_TYPE,
    EGL_SURFACE_TYPE,
    EGL_LEVEL,
    EGL_MAX_PBUFFER_WIDTH,
    EGL_MAX_PBUFFER_HEIGHT,
    EGL_MAX_PBUFFER_PIXELS,
    EGL_MIN_SWAP_INTERVAL,
    EGL_MAX_SWAP_INTERVAL,
    EGL_NATIVE_RENDERABLE,
    EGL_NATIVE_VISUAL_ID,
    EGL_NATIVE_VISUAL_TYPE,
    EGL_TRANSPARENT_TYPE,
    EGL_TRANSPARENT_RED_VALUE,
    EGL_TRANSPARENT_GREEN_VALUE,
    EGL_TRANSPARENT_BLUE_VALUE,
    EGL_BIND_TO_TEXTURE_RGB,
    EGL_BIND_TO_TEXTURE_RGBA,
};

constexpr EGLint kCarriedApis = EGL_OPENGL_ES2_BIT | EGL_OPENGL_ES3_BIT | EGL_OPENGL_BIT;

}  // namespace

EglBackend::~EglBackend() {
  if (display_ != EGL_NO_DISPLAY) eglTerminate(display_);
}

bool EglBackend::open(std::string* error) {
  // Mesa's shader cache off unless the environment says otherwise: with it, Mesa 22.3 defers
  // compiling a shader it has seen before to link time, and a guest that compiles the same
  // shaders twice could make glLinkProgram read freed memory (fuzz_decoder's finding 8,
  // docs/security.md). Set before the driver loads; other drivers ignore it.
  setenv("MESA_SHADER_CACHE_DISABLE", "true", 0);
  const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  // A GPU device first; Mesa's software device or surfaceless platform where there is none.
  if (has_extension(client, "EGL_EXT_platform_device")) {
    EGLDeviceEXT devices[16];
    EGLint count = 0;
    auto query_devices =
        reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
    if (query_devices && query_devices(16, devices, &count)) {
      for (EGLint i = 0; i < count && display_ == EGL_NO_DISPLAY; ++i) {
        EGLDisplay d = eglGetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr);
        if (d != EGL_NO_DISPLAY && eglInitialize(d, nullptr, nullptr)) display_ = d;
      }
    }
  }
  if (display_ == EGL_NO_DISPLAY && has_extension(client, "EGL_MESA_platform_surfaceless")) {
    EGLDisplay d =
        eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
    if (d != EGL_NO_DISPLAY && eglInitialize(d, nullptr, nullptr)) display_ = d;
  }
  if (display_ == EGL_NO_DISPLAY) {
    *error =
        "no usable host EGL display (neither EGL_EXT_platform_device nor "
        "EGL_MESA_platform_surfaceless works)";
    return false;
  }
  if (!eglBindAPI(EGL_OPENGL_ES_API)) {
    *error = "the host EGL has no OpenGL ES";
    return false;
  }

  EGLint total = 0;
  eglGetConfigs(display_, nullptr, 0, &total);
  std::vector<EGLConfig> all(total);
  eglGetConfigs(display_, all.data(), total, &total);
  caps_.config_attributes.assign(std::begin(kConfigAttributes), std::end(kConfigAttributes));
  for (EGLConfig c : all) {
    EGLint renderable = 0, surface = 0;
    eglGetConfigAttrib(display_, c, EGL_RENDERABLE_TYPE, &renderable);
    eglGetConfigAttrib(display_, c, EGL_SURFACE_TYPE, &surface);
    if (!(renderable & kCarriedApis) || !(surface & EGL_PBUFFER_BIT)) continue;
    std::vector<int32_t> row;
    for (EGLint a : kConfigAttributes) {
      EGLint v = 0;
      eglGetConfigAttrib(display_, c, a, &v);
      // The guest gets pbuffers (its windows are host pbuffers too) and the GL APIs.
      if (a == EGL_SURFACE_TYPE) v &= EGL_PBUFFER_BIT;
      if (a == EGL_RENDERABLE_TYPE || a == EGL_CONFORMANT) v &= kCarriedApis;
      if (a == EGL_NATIVE_RENDERABLE) v = EGL_FALSE;
      if (a == EGL_NATIVE_VISUAL_ID) v = 0;
      if (a == EGL_NATIVE_VISUAL_TYPE) v = EGL_NONE;
      row.push_back(v);
    }
    configs_.push_back(c);
    caps_.configs.push_back(std::move(row));
  }
  if (configs_.empty()) {
    *error = "the host EGL has no OpenGL ES pbuffer configs";
    return false;
  }
  caps_.strings["egl_vendor"] = eglQueryString(display_, EGL_VENDOR);
  caps_.strings["egl_version"] = eglQueryString(display_, EGL_VERSION);
  // Display extensions the relay carries, where the host has them: images of GL objects
  // (kCreateImage) and contexts without a config.
  static const char* const kCarriedEglExtensions[] = {
      "EGL_KHR_image_base",
      "EGL_KHR_gl_texture_2D_image",
      "EGL_KHR_gl_texture_cubemap_image",
      "EGL_KHR_gl_texture_3D_image",
      "EGL_KHR_gl_renderbuffer_image",
      "EGL_KHR_no_config_context",
      "EGL_MESA_configless_context",
  };
  std::string egl_extensions;
  for (const char* e : kCarriedEglExtensions) {
    if (!epoxy_has_egl_extension(display_, e)) continue;
    egl_extensions += (egl_extensions.empty() ? "" : " ") + std::string(e);
  }
  caps_.strings["egl_extensions"] = egl_extensions;
  if (epoxy_has_egl_extension(display_, "EGL_KHR_image_base")) {
    create_image_ =
        reinterpret_cast<PFNEGLCREATEIMAGEKHRPROC>(eglGetProcAddress("eglCreateImageKHR"));
    destroy_image_ =
        reinterpret_cast<PFNEGLDESTROYIMAGEKHRPROC>(eglGetProcAddress("eglDestroyImageKHR"));
  }
  return read_gl_strings(error);
}

bool EglBackend::read_gl_strings(std::string* error) {
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 2, EGL_NONE};
  EGLConfig config = configs_[0];
  for (size_t i = 0; i < configs_.size(); ++i) {
    int32_t renderable = 0;
    caps_.config_value(i, EGL_RENDERABLE_TYPE, &renderable);
    if (renderable & EGL_OPENGL_ES2_BIT) {
      config = configs_[i];
      break;
    }
  }
  EGLContext ctx = eglCreateContext(display_, config, EGL_NO_CONTEXT, attribs);
  if (ctx == EGL_NO_CONTEXT) {
    const EGLint fallback[] = {EGL_CONTEXT_MAJOR_VERSION, 2, EGL_NONE};
    ctx = eglCreateContext(display_, config, EGL_NO_CONTEXT, fallback);
  }
  if (ctx == EGL_NO_CONTEXT || !eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
    *error = "cannot make a host OpenGL ES context current without a surface";
    return false;
  }
  auto str = [](GLenum name) {
    const GLubyte* s = glGetString(name);
    return std::string(s ? reinterpret_cast<const char*>(s) : "");
  };
  caps_.strings["gl_vendor"] = str(GL_VENDOR);
  caps_.strings["gl_renderer"] = str(GL_RENDERER);
  caps_.strings["gl_version"] = str(GL_VERSION);
  caps_.strings["gl_shading_language_version"] = str(GL_SHADING_LANGUAGE_VERSION);
  int count = 0;
  extensions_ = carried_extensions_of_current_context(&count);
  std::string joined;
  for (const std::string& e : extensions_) joined += (joined.empty() ? "" : " ") + e;
  caps_.strings["gl_extensions"] = joined;
  caps_.strings["gl_host_extension_count"] = std::to_string(count);
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(display_, ctx);
  return true;
}

EGLImage EglBackend::create_image(EGLContext context, EGLenum target, EGLClientBuffer buffer,
                                  const EGLint* attribs) {
  if (!create_image_ || !destroy_image_) return EGL_NO_IMAGE;
  return create_image_(display_, context, target, buffer, attribs);
}

void EglBackend::destroy_image(EGLImage image) {
  if (destroy_image_) destroy_image_(display_, image);
}

std::vector<std::string> carried_extensions_of_current_context(int* host_count) {
  std::set<std::string> host;
  GLint count = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &count);
  for (GLint i = 0; i < count; ++i)
    if (const GLubyte* e = glGetStringi(GL_EXTENSIONS, i))
      host.insert(reinterpret_cast<const char*>(e));
  if (host_count) *host_count = count;
  std::vector<std::string> carried;
  for (size_t i = 0; i < gl::kCarriedExtensionCount; ++i)
    if (host.count(gl::kCarriedExtensions[i])) carried.push_back(gl::kCarriedExtensions[i]);
  return carried;
}

std::vector<uint32_t> EglBackend::guest_indices(const std::vector<EGLConfig>& host) const {
  std::vector<uint32_t> out;
  for (EGLConfig c : host) {
    auto it = std::find(configs_.begin(), configs_.end(), c);
    if (it != configs_.end()) out.push_back(static_cast<uint32_t>(it - configs_.begin()));
  }
  return out;
}

}  // namespace gfxrelay::host
