#include <pybind11/pybind11.h>

#include <array>

#include "errors.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
PyObject* error_class(ErrorCode code) {
  // Filled lazily: pymsg.errors is pure Python and imported by pymsg/__init__ before _core.
  static std::array<PyObject*, kErrorCodeCount> classes{};
  PyObject*& cls = classes[static_cast<std::size_t>(code)];
  if (cls == nullptr) {
    py::object module = py::module_::import("pymsg.errors");
    cls = py::object(module.attr(error_name(code))).release().ptr();  // kept for the process lifetime
  }
  return cls;
}

std::nullptr_t raise(const Error& error) {
  PyErr_SetString(error_class(error.code()), error.what());
  return nullptr;
}

std::nullptr_t raise(ErrorCode code, const char* message) {
  PyErr_SetString(error_class(code), message);
  return nullptr;
}

void register_errors() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      raise(e);
    }
  });
}

}  // namespace pymsg::bindings
