#include "host/session.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "host/context_worker.h"
#include "host/vk/vk_worker.h"
#include "wire/handshake.h"
#include "wire/message.h"
// Last: Xlib's macros (None, Status, Bool) would clash with the headers above.
#include "host/backend/x11_direct.h"

namespace gfxrelay::host {

void log(const std::string& message) {
  std::fprintf(stderr, "gfxrelay serve: %s\n", message.c_str());
}

namespace {

// What a pbuffer surface of this config takes: its color, depth and stencil bits a pixel,
// every sample.
int64_t surface_bytes(EGLDisplay display, EGLConfig config, EGLint width, EGLint height) {
  EGLint color = 32, depth = 0, stencil = 0, samples = 0;
  eglGetConfigAttrib(display, config, EGL_BUFFER_SIZE, &color);
  eglGetConfigAttrib(display, config, EGL_DEPTH_SIZE, &depth);
  eglGetConfigAttrib(display, config, EGL_STENCIL_SIZE, &stencil);
  eglGetConfigAttrib(display, config, EGL_SAMPLES, &samples);
  const int64_t bits = int64_t{color} + depth + stencil;
  // Saturating: a driver may accept (and allocate lazily) a pbuffer whose size does not fit
  // in 64 bits; the quota then refuses it.
  int64_t bytes = 0;
  if (width <= 0 || height <= 0) return 0;
  if (__builtin_mul_overflow(int64_t{width}, int64_t{height}, &bytes) ||
      __builtin_mul_overflow(bytes, int64_t{std::max<EGLint>(samples, 1)}, &bytes) ||
      __builtin_mul_overflow(bytes, std::max<int64_t>((bits + 7) / 8, 0), &bytes))
    return INT64_MAX;
  return bytes;
}

// What the guest's config (a host EGL config) asks of the X server's GLX configs besides the
// visual and double-buffering.
void add_config_sizes(EGLDisplay display, EGLConfig config, X11ConfigWish* wish) {
  eglGetConfigAttrib(display, config, EGL_ALPHA_SIZE, &wish->alpha);
  eglGetConfigAttrib(display, config, EGL_DEPTH_SIZE, &wish->depth);
  eglGetConfigAttrib(display, config, EGL_STENCIL_SIZE, &wish->stencil);
  eglGetConfigAttrib(display, config, EGL_SAMPLES, &wish->samples);
}

std::vector<uint8_t> status_only(EGLint status) {
  wire::MessageWriter w;
  w.put<uint32_t>(static_cast<uint32_t>(status));
  return w.bytes();
}

}  // namespace

Session::Session(uint64_t id, std::unique_ptr<transport::HostChannel> channel, EglBackend& backend)
    : id_(id), channel_(std::move(channel)), backend_(backend) {}

Session::~Session() {
  cleanup();
}

void Session::end(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (end_reason_.empty()) end_reason_ = reason;
  }
  // Wakes run() out of its receive; it tells the guest and frees everything.
  channel_->interrupt();
}

EGLSurface Session::surface(uint32_t guest_id) {
  std::lock_guard lock(mutex_);
  auto it = surfaces_.find(guest_id);
  return it == surfaces_.end() ? EGL_NO_SURFACE : it->second;
}

EGLint Session::create_image(EGLContext context, uint64_t guest_id, EGLenum target,
                             EGLClientBuffer buffer, const EGLint* attribs) {
  {
    std::lock_guard lock(mutex_);
    if (guest_id == 0 || images_.count(guest_id)) return EGL_BAD_ALLOC;
  }
  if (!quota_->reserve_objects(1)) return EGL_BAD_ALLOC;
  EGLImage image = backend_.create_image(context, target, buffer, attribs);
  if (image == EGL_NO_IMAGE) {
    quota_->release_objects(1);
    const EGLint status = eglGetError();
    return status == EGL_SUCCESS ? EGL_BAD_PARAMETER : status;
  }
  std::lock_guard lock(mutex_);
  images_[guest_id] = image;
  return EGL_SUCCESS;
}

EGLImage Session::egl_image(uint64_t guest_id) {
  std::lock_guard lock(mutex_);
  auto it = images_.find(guest_id);
  return it == images_.end() ? EGL_NO_IMAGE : it->second;
}

void Session::run() {
  std::string error;
  bool hello = false;
  for (;;) {
    uint32_t opcode = 0;
    std::vector<uint8_t> payload;
    if (!channel_->receive(&opcode, &payload, &error)) break;  // error empty: the guest left
    if (!hello) {
      wire::Reader r(payload);
      const uint32_t magic = r.get<uint32_t>(), version = r.get<uint32_t>(),
                     api = r.get<uint32_t>();
      if (opcode != static_cast<uint32_t>(wire::Control::kHello) || !r.at_end() ||
          magic != wire::kHelloMagic || version != wire::kProtocolVersion ||
          api != static_cast<uint32_t>(wire::Api::kEglGles)) {
        error = "bad handshake (expected Hello, magic, protocol version " +
                std::to_string(wire::kProtocolVersion) + ", API EGL/GLES)";
        break;
      }
      hello = true;
      const std::vector<uint8_t> caps = backend_.caps().encode();
      if (!channel_->send(static_cast<uint32_t>(wire::Control::kCaps), caps)) break;
      continue;
    }
    if (!handle(opcode, payload, &error)) break;
  }
  std::string reason;
  {
    std::lock_guard lock(mutex_);
    reason = end_reason_.empty() ? error : end_reason_;
  }
  if (!reason.empty()) {
    log("session " + std::to_string(id_) + " ended: " + reason);
    channel_->send(static_cast<uint32_t>(wire::Control::kError),
                   {reinterpret_cast<const uint8_t*>(reason.data()), reason.size()});
  }
  cleanup();
  finished_ = true;
}

bool Session::handle(uint32_t opcode, std::span<const uint8_t> payload, std::string* error) {
  wire::Reader r(payload);
  auto send = [this](const std::vector<uint8_t>& bytes,
                     const transport::ShmRegion* region = nullptr) {
    return send_reply(bytes, region);
  };
  switch (static_cast<wire::Control>(opcode)) {
    case wire::Control::kChooseConfig: {
      std::vector<EGLint> attribs;
      if (!wire::read_attribs(r, &attribs) || !r.at_end()) {
        *error = "ChooseConfig: malformed attribute list";
        return false;
      }
      EGLint count = 0;
      std::vector<EGLConfig> found;
      EGLint status = EGL_SUCCESS;
      if (eglChooseConfig(display(), attribs.data(), nullptr, 0, &count) && count > 0) {
        found.resize(count);
        eglChooseConfig(display(), attribs.data(), found.data(), count, &count);
        found.resize(count);
      } else if (count == 0 && eglGetError() != EGL_SUCCESS) {
        status = EGL_BAD_ATTRIBUTE;
      }
      wire::MessageWriter w;
      w.put<uint32_t>(status);
      const std::vector<uint32_t> indices = backend_.guest_indices(found);
      w.put<uint32_t>(static_cast<uint32_t>(indices.size()));
      for (uint32_t i : indices) w.put<uint32_t>(i);
      return send(w.bytes());
    }
    case wire::Control::kCreateSurface: {
      const uint32_t id = r.get<uint32_t>();
      const uint32_t config = r.get<uint32_t>();
      std::vector<EGLint> attribs;
      if (!wire::read_attribs(r, &attribs) || !r.at_end()) {
        *error = "CreateSurface: malformed message";
        return false;
      }
      EGLConfig c = backend_.config(config);
      EGLint status = EGL_SUCCESS, width = 0, height = 0;
      EGLSurface s = EGL_NO_SURFACE;
      {
        std::lock_guard lock(mutex_);
        if (!c)
          status = EGL_BAD_CONFIG;
        else if (id == 0 || surfaces_.count(id))
          status = EGL_BAD_ALLOC;
      }
      if (status == EGL_SUCCESS && !quota_->reserve_objects(1)) status = EGL_BAD_ALLOC;
      if (status == EGL_SUCCESS) {
        s = eglCreatePbufferSurface(display(), c, attribs.data());
        int64_t bytes = 0;
        if (s != EGL_NO_SURFACE) {
          eglQuerySurface(display(), s, EGL_WIDTH, &width);
          eglQuerySurface(display(), s, EGL_HEIGHT, &height);
          bytes = surface_bytes(display(), c, width, height);
        }
        if (s == EGL_NO_SURFACE) {
          status = eglGetError();
          quota_->release_objects(1);
        } else if (!quota_->reserve_memory(bytes)) {
          // Past the session's memory: as an EGL that cannot allocate the surface.
          eglDestroySurface(display(), s);
          s = EGL_NO_SURFACE;
          width = height = 0;
          status = EGL_BAD_ALLOC;
          quota_->release_objects(1);
        } else {
          std::lock_guard lock(mutex_);
          surfaces_[id] = s;
          surface_bytes_[id] = bytes;
        }
      }
      wire::MessageWriter w;
      w.put<uint32_t>(status);
      w.put<int32_t>(width);
      w.put<int32_t>(height);
      return send(w.bytes());
    }
    case wire::Control::kDestroySurface: {
      const uint32_t id = r.get<uint32_t>();
      if (!r.at_end()) {
        *error = "DestroySurface: malformed message";
        return false;
      }
      EGLSurface s = EGL_NO_SURFACE;
      std::optional<X11Surface> x11_surface;
      {
        std::lock_guard lock(mutex_);
        auto it = surfaces_.find(id);
        auto x = x11_surfaces_.find(id);
        if (it != surfaces_.end()) {
          s = it->second;
          surfaces_.erase(it);
        } else if (x != x11_surfaces_.end()) {
          x11_surface = x->second;
          x11_surfaces_.erase(x);
        }
        if (s != EGL_NO_SURFACE || x11_surface) {
          quota_->release_memory(surface_bytes_[id]);
          quota_->release_objects(1);
          surface_bytes_.erase(id);
        }
      }
      if (s != EGL_NO_SURFACE) eglDestroySurface(display(), s);
      // A window stays the program's; only the relay's pbuffer goes.
      if (x11_surface && !x11_surface->window) x11_->destroy_pbuffer(x11_surface->drawable);
      return send(status_only(s == EGL_NO_SURFACE && !x11_surface ? EGL_BAD_SURFACE : EGL_SUCCESS));
    }
    case wire::Control::kCreateContext:
      return create_context(r, false, error);
    case wire::Control::kCreateX11Context:
      return create_context(r, true, error);
    case wire::Control::kCreateX11Surface:
      return create_x11_surface(r, error);
    case wire::Control::kCheckX11Display: {
      const std::string name(wire::read_string(r));
      const std::span<const uint8_t> token = wire::read_bytes(r);
      if (!r.at_end()) {
        *error = "CheckX11Display: malformed message";
        return false;
      }
      // Only the relay's own property names, and a token no one guesses.
      X11Direct* x = nullptr;
      if (name.starts_with("_GFXRELAY_CHECK_") && name.size() <= 64 && token.size() == 16)
        x = X11Direct::get(backend_.caps().get("gl_renderer"));
      const bool same = x && x->root_holds(name, token);
      if (same) x11_ = x;
      wire::MessageWriter w;
      w.put<uint32_t>(same ? 1 : 0);
      return send(w.bytes());
    }
    case wire::Control::kCreateVulkanStream: {
      const uint32_t id = r.get<uint32_t>();
      if (!r.at_end()) {
        *error = "CreateVulkanStream: malformed message";
        return false;
      }
      if (id == 0 || vulkan_streams_.count(id))
        return send(status_only(VK_ERROR_INITIALIZATION_FAILED));
      // A stream is a host thread and a region, as a context is: the same quota.
      if (static_cast<int64_t>(contexts_.size() + vulkan_streams_.size()) >=
          quota_->limits().session_contexts)
        return send(status_only(VK_ERROR_OUT_OF_HOST_MEMORY));
      std::string region_error;
      transport::ShmRegion region = channel_->create_region(&region_error);
      if (!region) {
        log("session " + std::to_string(id_) + ": " + region_error);
        return send(status_only(VK_ERROR_OUT_OF_HOST_MEMORY));
      }
      auto worker = std::make_unique<VulkanWorker>(*this, id, std::move(region));
      worker->start();
      const transport::ShmRegion& stream = worker->region();
      vulkan_streams_[id] = std::move(worker);
      return send(status_only(VK_SUCCESS), &stream);
    }
    case wire::Control::kDestroyImage: {
      const uint32_t id = r.get<uint32_t>();
      if (!r.at_end()) {
        *error = "DestroyImage: malformed message";
        return false;
      }
      EGLImage image = EGL_NO_IMAGE;
      {
        std::lock_guard lock(mutex_);
        auto it = images_.find(id);
        if (it != images_.end()) {
          image = it->second;
          images_.erase(it);
          quota_->release_objects(1);
        }
      }
      if (image != EGL_NO_IMAGE) backend_.destroy_image(image);
      return send(status_only(image == EGL_NO_IMAGE ? EGL_BAD_PARAMETER : EGL_SUCCESS));
    }
    case wire::Control::kDestroyContext: {
      const uint32_t id = r.get<uint32_t>();
      if (!r.at_end()) {
        *error = "DestroyContext: malformed message";
        return false;
      }
      auto it = contexts_.find(id);
      if (it == contexts_.end()) return send(status_only(EGL_BAD_CONTEXT));
      contexts_.erase(it);  // joins the worker, destroys the host context
      return send(status_only(EGL_SUCCESS));
    }
    default:
      *error = "unknown control message " + std::to_string(opcode);
      return false;
  }
}

bool Session::send_reply(const std::vector<uint8_t>& bytes, const transport::ShmRegion* region) {
  return channel_->send(static_cast<uint32_t>(wire::Control::kReply), bytes, region);
}

bool Session::create_context(wire::Reader& r, bool x11, std::string* error) {
  const uint32_t id = r.get<uint32_t>();
  const uint32_t config = r.get<uint32_t>();
  const uint32_t share = r.get<uint32_t>();
  const EGLenum api = r.get<uint32_t>();
  X11ConfigWish wish;
  if (x11) {
    wish.visual = r.get<uint32_t>();
    wish.double_buffer = r.get<uint32_t>() != 0;
  }
  std::vector<EGLint> attribs;
  if (!wire::read_attribs(r, &attribs) || !r.at_end()) {
    *error = x11 ? "CreateX11Context: malformed message" : "CreateContext: malformed message";
    return false;
  }
  if (api != EGL_OPENGL_ES_API && api != EGL_OPENGL_API)
    return send_reply(status_only(EGL_BAD_MATCH));
  EGLConfig c = config == UINT32_MAX ? EGL_NO_CONFIG_KHR : backend_.config(config);
  if (id == 0 || contexts_.count(id)) return send_reply(status_only(EGL_BAD_MATCH));
  // Each context is a host thread and a stream region: past the session's quota, as an
  // EGL out of memory.
  if (static_cast<int64_t>(contexts_.size()) >= quota_->limits().session_contexts)
    return send_reply(status_only(EGL_BAD_ALLOC));
  if (config != UINT32_MAX && !c) return send_reply(status_only(EGL_BAD_CONFIG));
  // A share context must be one of this session's (never another guest's).
  ContextWorker* shared_with = nullptr;
  if (share != 0) {
    auto it = contexts_.find(share);
    if (it == contexts_.end()) return send_reply(status_only(EGL_BAD_CONTEXT));
    shared_with = it->second.get();
  }
  // A share context must be of the same API and window system as well.
  if (shared_with && (shared_with->api() != api || (shared_with->x11_context() != nullptr) != x11))
    return send_reply(status_only(EGL_BAD_MATCH));
  EGLContext ctx = EGL_NO_CONTEXT;
  GLXContext x11_ctx = nullptr;
  if (x11) {
    // Only on a display that passed the check, with a config the X server has.
    if (!x11_ || !c) return send_reply(status_only(EGL_BAD_MATCH));
    add_config_sizes(display(), c, &wish);
    GLXFBConfig fb = x11_->choose_config(wish);
    if (fb)
      x11_ctx = x11_->create_context(fb, shared_with ? shared_with->x11_context() : nullptr,
                                     api == EGL_OPENGL_ES_API, attribs.data());
    if (!x11_ctx) return send_reply(status_only(EGL_BAD_MATCH));
  } else {
    eglBindAPI(api);
    ctx = eglCreateContext(display(), c, shared_with ? shared_with->context() : EGL_NO_CONTEXT,
                           attribs.data());
    if (ctx == EGL_NO_CONTEXT) return send_reply(status_only(eglGetError()));
  }
  std::string region_error;
  transport::ShmRegion region = channel_->create_region(&region_error);
  if (!region) {
    if (x11_ctx) x11_->destroy_context(x11_ctx);
    if (ctx != EGL_NO_CONTEXT) eglDestroyContext(display(), ctx);
    log("session " + std::to_string(id_) + ": " + region_error);
    return send_reply(status_only(EGL_BAD_ALLOC));
  }
  auto worker = std::make_unique<ContextWorker>(*this, id, api, ctx, x11_ctx, std::move(region),
                                                shared_with ? shared_with->share_group() : nullptr);
  worker->start();
  const transport::ShmRegion& stream = worker->region();
  contexts_[id] = std::move(worker);
  return send_reply(status_only(EGL_SUCCESS), &stream);
}

bool Session::create_x11_surface(wire::Reader& r, std::string* error) {
  const uint32_t id = r.get<uint32_t>();
  const uint32_t config = r.get<uint32_t>();
  X11ConfigWish wish;
  wish.visual = r.get<uint32_t>();
  wish.double_buffer = r.get<uint32_t>() != 0;
  const uint32_t window = r.get<uint32_t>();
  const int32_t width = r.get<int32_t>(), height = r.get<int32_t>();
  if (!r.at_end()) {
    *error = "CreateX11Surface: malformed message";
    return false;
  }
  EGLConfig c = backend_.config(config);
  EGLint status = EGL_SUCCESS;
  {
    std::lock_guard lock(mutex_);
    if (!x11_)
      status = EGL_BAD_MATCH;
    else if (!c)
      status = EGL_BAD_CONFIG;
    else if (id == 0 || surfaces_.count(id) || x11_surfaces_.count(id))
      status = EGL_BAD_ALLOC;
  }
  X11Surface surface;
  int64_t bytes = 0;
  if (status == EGL_SUCCESS && !quota_->reserve_objects(1)) status = EGL_BAD_ALLOC;
  if (status == EGL_SUCCESS && window) {
    // The program's own window: Mesa keeps its images in shared memory with the X server,
    // as natively.
    surface = {window, true};
  } else if (status == EGL_SUCCESS) {
    add_config_sizes(display(), c, &wish);
    bytes = surface_bytes(display(), c, width, height);
    GLXFBConfig fb = x11_->choose_config(wish);
    if (!fb || width <= 0 || height <= 0) {
      status = EGL_BAD_MATCH;
    } else if (!quota_->reserve_memory(bytes)) {
      status = EGL_BAD_ALLOC;
    } else if (!(surface.drawable = x11_->create_pbuffer(fb, width, height))) {
      quota_->release_memory(bytes);
      status = EGL_BAD_ALLOC;
    }
    if (status != EGL_SUCCESS) quota_->release_objects(1);
  }
  if (status == EGL_SUCCESS) {
    std::lock_guard lock(mutex_);
    x11_surfaces_[id] = surface;
    surface_bytes_[id] = bytes;
  }
  wire::MessageWriter w;
  w.put<uint32_t>(status);
  return send_reply(w.bytes());
}

unsigned long Session::x11_drawable(uint32_t guest_id, bool* window) {
  std::lock_guard lock(mutex_);
  auto it = x11_surfaces_.find(guest_id);
  if (it == x11_surfaces_.end()) return 0;
  if (window) *window = it->second.window;
  return it->second.drawable;
}

void Session::cleanup() {
  // Workers first (they may be using surfaces), then surfaces.
  for (auto& [id, worker] : contexts_) worker->close_stream();
  contexts_.clear();
  for (auto& [id, worker] : vulkan_streams_) worker->close_stream();
  vulkan_streams_.clear();
  std::lock_guard lock(mutex_);
  for (auto& [id, image] : images_) backend_.destroy_image(image);
  images_.clear();
  for (auto& [id, s] : surfaces_) eglDestroySurface(display(), s);
  surfaces_.clear();
  for (auto& [id, s] : x11_surfaces_)
    if (!s.window) x11_->destroy_pbuffer(s.drawable);
  x11_surfaces_.clear();
}

}  // namespace gfxrelay::host
