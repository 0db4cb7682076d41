// CPython API that the bindings use but that older supported Pythons lack, defined here the way
// later CPython releases define it, so the hot-path code can be written against one API.
#pragma once

#include <Python.h>

#if PY_VERSION_HEX < 0x030A0000  // Py_NewRef arrived in Python 3.10.
static inline PyObject* Py_NewRef(PyObject* object) {
  Py_INCREF(object);
  return object;
}
#endif
