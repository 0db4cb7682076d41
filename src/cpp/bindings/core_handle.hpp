// CoreHandle<T>: a CPython base class holding a std::shared_ptr<T> to a core object, for the
// hot-path types (_core.QueueHandle, _core.StreamHandle). The Python class (pymsg.Queue,
// pymsg.Stream) subclasses it and calls CoreHandle.__init__(core) with the pybind11 object of T,
// so its C methods reach the core through one pointer and the public calls run no Python frame.
#pragma once

#include "python_compat.hpp"
#include <pybind11/pybind11.h>

#include <initializer_list>
#include <memory>
#include <new>
#include <vector>

namespace pymsg::bindings {

template <class T>
struct CoreHandle {
  PyObject_HEAD
  std::shared_ptr<T> core;  // empty until __init__

  // The core object of a handle (or subclass) instance, or nullptr with TypeError set when
  // __init__ was not called. Every hot method starts with it.
  static T* bound(PyObject* self) {
    T* core = reinterpret_cast<CoreHandle*>(self)->core.get();
    if (core == nullptr) PyErr_SetString(PyExc_TypeError, "The handle's __init__(core) was not called.");
    return core;
  }
  static T& of(PyObject* self) { return *reinterpret_cast<CoreHandle*>(self)->core; }

  // A heap type `name` (subclassable) with these methods; `core_name` names T's Python type in
  // errors ("pymsg._core.Queue").
  static PyTypeObject* make_type(const char* name, const char* core_name, PyMethodDef* methods, const char* doc,
                                 std::initializer_list<PyType_Slot> extra = {}) {
    core_name_ = core_name;
    std::vector<PyType_Slot> slots = {{Py_tp_new, reinterpret_cast<void*>(tp_new)},
                                      {Py_tp_init, reinterpret_cast<void*>(tp_init)},
                                      {Py_tp_dealloc, reinterpret_cast<void*>(tp_dealloc)},
                                      {Py_tp_methods, methods},
                                      {Py_tp_doc, const_cast<char*>(doc)}};
    slots.insert(slots.end(), extra.begin(), extra.end());
    slots.push_back({0, nullptr});
    PyType_Spec spec = {name, sizeof(CoreHandle), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots.data()};
    return reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));
  }

 private:
  static inline const char* core_name_ = "core object";

  static PyObject* tp_new(PyTypeObject* type, PyObject*, PyObject*) {
    PyObject* self = type->tp_alloc(type, 0);
    if (self != nullptr) new (&reinterpret_cast<CoreHandle*>(self)->core) std::shared_ptr<T>();
    return self;
  }

  static int tp_init(PyObject* self, PyObject* args, PyObject* kwargs) {
    PyObject* core = nullptr;
    if (kwargs != nullptr || !PyArg_UnpackTuple(args, "__init__", 1, 1, &core)) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "__init__(core) takes one positional argument.");
      return -1;
    }
    try {
      reinterpret_cast<CoreHandle*>(self)->core = pybind11::handle(core).cast<std::shared_ptr<T>>();
    } catch (pybind11::cast_error&) {
      PyErr_Format(PyExc_TypeError, "__init__(core) needs a %s, not %s.", core_name_, Py_TYPE(core)->tp_name);
      return -1;
    }
    return 0;
  }

  static void tp_dealloc(PyObject* self) {
    PyTypeObject* type = Py_TYPE(self);  // a Python subclass's slots were cleared by subtype_dealloc
    reinterpret_cast<CoreHandle*>(self)->core.~shared_ptr<T>();
    type->tp_free(self);
    Py_DECREF(type);
  }
};

}  // namespace pymsg::bindings
