// Ownership of GLib/GObject/GStreamer things in C++ members and return values. Locals use
// g_autoptr/g_autofree directly; members use these unique_ptr aliases and guards, so the type
// says who owns what and everything dies with its owner.
//
// Transfer is named at the call site:
//   adopt(p)          take a reference we already own (transfer full)
//   retain(p)         add a reference (transfer none → owned)
//   adoptFloating(p)  sink a floating reference (fresh GstElement from gst_element_factory_make)
// Thread-safety: the pointers are as thread-safe as the objects; guards must be destroyed on the
// thread that owns the main context they were attached to.
#pragma once

#include <glib-object.h>
#include <gst/gst.h>

#include <memory>
#include <utility>

namespace mls {

struct GObjectUnref {
  void operator()(gpointer p) const noexcept {
    if (p) g_object_unref(p);
  }
};
struct GstObjectUnref {
  void operator()(gpointer p) const noexcept {
    if (p) gst_object_unref(p);
  }
};
struct GstMiniObjectUnref {
  void operator()(gpointer p) const noexcept {
    if (p) gst_mini_object_unref(GST_MINI_OBJECT_CAST(p));
  }
};
struct GFree {
  void operator()(gpointer p) const noexcept { g_free(p); }
};

template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;
template <typename T>
using GstPtr = std::unique_ptr<T, GstObjectUnref>;
template <typename T>
using GstMiniPtr = std::unique_ptr<T, GstMiniObjectUnref>;
using GCharPtr = std::unique_ptr<gchar, GFree>;

template <typename T>
GObjectPtr<T> adopt(T* p) {
  return GObjectPtr<T>(p);
}
template <typename T>
GObjectPtr<T> retain(T* p) {
  return GObjectPtr<T>(p ? static_cast<T*>(g_object_ref(p)) : nullptr);
}
template <typename T>
GstPtr<T> adoptGst(T* p) {
  return GstPtr<T>(p);
}
template <typename T>
GstPtr<T> retainGst(T* p) {
  return GstPtr<T>(p ? static_cast<T*>(gst_object_ref(p)) : nullptr);
}
template <typename T>
GstPtr<T> adoptFloating(T* p) {
  return GstPtr<T>(p ? static_cast<T*>(gst_object_ref_sink(p)) : nullptr);
}

// A GSource attached to a context; removed (destroyed) when the guard dies.
class SourceGuard {
 public:
  SourceGuard() = default;
  explicit SourceGuard(GSource* source) : source_(source) {}  // adopts the reference
  SourceGuard(const SourceGuard&) = delete;
  SourceGuard& operator=(const SourceGuard&) = delete;
  SourceGuard(SourceGuard&& other) noexcept : source_(std::exchange(other.source_, nullptr)) {}
  SourceGuard& operator=(SourceGuard&& other) noexcept {
    if (this != &other) {
      reset();
      source_ = std::exchange(other.source_, nullptr);
    }
    return *this;
  }
  ~SourceGuard() { reset(); }

  void reset() noexcept {
    if (source_) {
      g_source_destroy(source_);
      g_source_unref(source_);
      source_ = nullptr;
    }
  }
  explicit operator bool() const { return source_ != nullptr; }

  // A timeout on the thread-default main context; `fn` returns G_SOURCE_CONTINUE/REMOVE.
  template <typename Fn>
  static SourceGuard timeout(guint ms, Fn&& fn);
  template <typename Fn>
  static SourceGuard idle(Fn&& fn);

 private:
  GSource* source_ = nullptr;
};

namespace detail {
template <typename Fn>
gboolean invokeSourceFn(gpointer data) noexcept {
  return (*static_cast<Fn*>(data))();
}
template <typename Fn>
void deleteFn(gpointer data) noexcept {
  delete static_cast<Fn*>(data);
}
template <typename Fn>
SourceGuard attach(GSource* source, Fn&& fn) {
  using F = std::decay_t<Fn>;
  g_source_set_callback(source, invokeSourceFn<F>, new F(std::forward<Fn>(fn)), deleteFn<F>);
  g_source_attach(source, g_main_context_get_thread_default());
  return SourceGuard(source);
}
}  // namespace detail

template <typename Fn>
SourceGuard SourceGuard::timeout(guint ms, Fn&& fn) {
  return detail::attach(g_timeout_source_new(ms), std::forward<Fn>(fn));
}
template <typename Fn>
SourceGuard SourceGuard::idle(Fn&& fn) {
  return detail::attach(g_idle_source_new(), std::forward<Fn>(fn));
}

// A signal handler disconnected when the guard dies (if the instance is still alive).
class SignalConnection {
 public:
  SignalConnection() = default;
  SignalConnection(gpointer instance, gulong id) : instance_(instance), id_(id) {
    g_object_weak_ref(G_OBJECT(instance_), onFinalized, this);
  }
  SignalConnection(const SignalConnection&) = delete;
  SignalConnection& operator=(const SignalConnection&) = delete;
  ~SignalConnection() { reset(); }

  void reset() noexcept {
    if (instance_) {
      g_signal_handler_disconnect(instance_, id_);
      g_object_weak_unref(G_OBJECT(instance_), onFinalized, this);
      instance_ = nullptr;
    }
  }

 private:
  static void onFinalized(gpointer self, GObject*) noexcept {
    static_cast<SignalConnection*>(self)->instance_ = nullptr;
  }
  gpointer instance_ = nullptr;
  gulong id_ = 0;
};

}  // namespace mls
