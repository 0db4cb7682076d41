#include "fast_call.hpp"

#include <cstring>

#include "errors.hpp"

namespace pymsg::bindings {

// ---------------------------------------------------------------------------------------------
// Arguments

// The index of `key` in `names` (names.size() when absent). Keys are almost always the interned
// names themselves, so pointers are compared first and text only when none matches.
std::size_t name_index(PyObject* key, std::initializer_list<PyObject*> names) {
  std::size_t i = 0;
  for (PyObject* name : names) {
    if (key == name) return i;
    ++i;
  }
  i = 0;
  for (PyObject* name : names) {
    if (PyUnicode_Check(key) && PyUnicode_Compare(key, name) == 0) return i;
    ++i;
  }
  return i;
}

// Binds a call's arguments to `names` as Python binds def f(n0, ..., n[positional-1], *, rest):
// out[i] is the argument named names[i] (borrowed) or nullptr when not given. The first
// `required` names must be given. Raises TypeError as Python would.
bool bind_arguments(const char* function, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                    std::initializer_list<PyObject*> names, Py_ssize_t positional, Py_ssize_t required,
                    PyObject** out) {
  if (nargs > positional) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zd positional arguments (%zd given)", function,
                 positional, nargs);
    return false;
  }
  const auto count = static_cast<Py_ssize_t>(names.size());
  for (Py_ssize_t i = 0; i < count; ++i) out[i] = i < nargs ? args[i] : nullptr;
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, k);
    const auto i = static_cast<Py_ssize_t>(name_index(key, names));
    if (i == count) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %R", function, key);
      return false;
    }
    if (out[i] != nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument %R", function, key);
      return false;
    }
    out[i] = args[nargs + k];
  }
  for (Py_ssize_t i = 0; i < required; ++i) {
    if (out[i] == nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument %R", function, names.begin()[i]);
      return false;
    }
  }
  return true;
}

bool get_text(PyObject* o, ErrorCode code, const char* parameter, std::string_view& out) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_Check(o) ? PyUnicode_AsUTF8AndSize(o, &n) : nullptr;
  if (s == nullptr) {
    PyErr_Clear();
    PyErr_Format(error_class(code), "%s must be a str, not %s.", parameter, Py_TYPE(o)->tp_name);
    return false;
  }
  out = {s, static_cast<std::size_t>(n)};
  return true;
}

// ---------------------------------------------------------------------------------------------
// Objects

PyObject* new_str(std::string_view s) {
  return PyUnicode_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
}

// A str of text known to be ASCII: copied, not decoded.
PyObject* new_ascii_str(std::string_view s) {
  PyObject* str = PyUnicode_New(static_cast<Py_ssize_t>(s.size()), 127);
  if (str != nullptr) std::memcpy(PyUnicode_1BYTE_DATA(str), s.data(), s.size());
  return str;
}

PyTypeObject* make_type(const char* name, int basicsize, destructor dealloc, reprfunc repr,
                        PyGetSetDef* getset, PyMethodDef* methods, const char* doc) {
  PyType_Slot slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(dealloc)},
                         {Py_tp_repr, reinterpret_cast<void*>(repr)},
                         {Py_tp_getset, getset},
                         {Py_tp_methods, methods},
                         {Py_tp_doc, const_cast<char*>(doc)},
                         {0, nullptr}};
  PyType_Spec spec = {name, basicsize, 0, Py_TPFLAGS_DEFAULT, slots};
  return reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));
}

PyMethodDef no_methods[] = {{nullptr, nullptr, 0, nullptr}};

namespace {
PyTypeObject* g_result_types[static_cast<int>(ResultType::kCount)] = {};
constexpr const char* kResultTypeNames[] = {"BatchResult", "BatchResultErrorEntry", "PutRecordResult",
                                            "PutRecordsResult", "PutRecordsResultEntry", "GetRecordsResult",
                                            "ChildShard", "HashKeyRange"};
static_assert(sizeof kResultTypeNames / sizeof *kResultTypeNames == static_cast<int>(ResultType::kCount));

PyObject* set_result_types(PyObject*, PyObject* args, PyObject* kwargs) {
  if (PyTuple_GET_SIZE(args) != 0 || kwargs == nullptr) {
    PyErr_SetString(PyExc_TypeError, "_set_result_types takes keyword arguments only (Name=NamedTupleClass).");
    return nullptr;
  }
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(kwargs, &pos, &key, &value)) {
    const char* name = PyUnicode_AsUTF8(key);
    if (name == nullptr) return nullptr;
    int which = 0;
    while (which < static_cast<int>(ResultType::kCount) && std::strcmp(kResultTypeNames[which], name) != 0) ++which;
    if (which == static_cast<int>(ResultType::kCount) || !PyType_Check(value) ||
        !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(value), &PyTuple_Type)) {
      PyErr_Format(PyExc_TypeError, "_set_result_types: %s must name a result type and be a NamedTuple.", name);
      return nullptr;
    }
    Py_XSETREF(g_result_types[which], reinterpret_cast<PyTypeObject*>(Py_NewRef(value)));
  }
  Py_RETURN_NONE;
}

PyMethodDef module_functions[] = {
    {"_set_result_types", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(set_result_types)),
     METH_VARARGS | METH_KEYWORDS,
     "_set_result_types(**types): the NamedTuple classes the C calls return, by name."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

// A NamedTuple instance from new references (stolen), without NamedTuple.__new__'s Python frame.
PyObject* new_named_tuple(ResultType which, std::initializer_list<PyObject*> items) {
  PyTypeObject* type = g_result_types[static_cast<int>(which)];
  PyObject* t = nullptr;
  for (PyObject* item : items) {
    if (item == nullptr) goto fail;
  }
  if (type == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "pymsg did not set its result types (_core._set_result_types).");
    goto fail;
  }
  t = type->tp_alloc(type, static_cast<Py_ssize_t>(items.size()));
  if (t == nullptr) goto fail;
  for (Py_ssize_t i = 0; i < static_cast<Py_ssize_t>(items.size()); ++i) PyTuple_SET_ITEM(t, i, items.begin()[i]);
  return t;
fail:
  for (PyObject* item : items) Py_XDECREF(item);
  return nullptr;
}

namespace {

// ---------------------------------------------------------------------------------------------
// _core.LazyResults: the `successful` of send_batch and of delete_batch(messages), a read-only
// sequence whose items are built on first access. A batch of ten then returns one object
// instead of ten SendResults or ten id strings, which most callers never read; reading them
// costs what building them would have. len() needs no items; anything else builds the list
// once and answers from it (indexing, iteration, ==, repr).

struct LazyResultsObject {
  PyObject_HEAD
  ItemSource* source;  // until the list is built
  PyObject* list;      // the items, once built
};

PyTypeObject* g_lazy_results_type = nullptr;

LazyResultsObject* as_lazy(PyObject* self) { return reinterpret_cast<LazyResultsObject*>(self); }

PyObject* lazy_list(PyObject* self) {  // borrowed
  LazyResultsObject* o = as_lazy(self);
  if (o->list != nullptr) return o->list;
  const Py_ssize_t n = o->source->size();
  PyObject* list = PyList_New(n);
  if (list == nullptr) return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = o->source->make(i);
    if (item == nullptr) {
      Py_DECREF(list);
      return nullptr;
    }
    PyList_SET_ITEM(list, i, item);
  }
  o->list = list;
  delete o->source;
  o->source = nullptr;
  return list;
}

void lazy_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  delete as_lazy(self)->source;
  Py_XDECREF(as_lazy(self)->list);
  PyObject_Free(self);
  Py_DECREF(type);
}

Py_ssize_t lazy_length(PyObject* self) {
  LazyResultsObject* o = as_lazy(self);
  return o->list != nullptr ? PyList_GET_SIZE(o->list) : o->source->size();
}

PyObject* lazy_subscript(PyObject* self, PyObject* key) {
  PyObject* list = lazy_list(self);
  return list == nullptr ? nullptr : PyObject_GetItem(list, key);
}

PyObject* lazy_iter(PyObject* self) {
  PyObject* list = lazy_list(self);
  return list == nullptr ? nullptr : PyObject_GetIter(list);
}

int lazy_contains(PyObject* self, PyObject* item) {
  PyObject* list = lazy_list(self);
  return list == nullptr ? -1 : PySequence_Contains(list, item);
}

PyObject* lazy_repr(PyObject* self) {
  PyObject* list = lazy_list(self);
  return list == nullptr ? nullptr : PyObject_Repr(list);
}

// Compares as a list: with lists, tuples (as list(t)) and other LazyResults.
PyObject* lazy_richcompare(PyObject* self, PyObject* other, int op) {
  PyObject* list = lazy_list(self);
  if (list == nullptr) return nullptr;
  if (Py_TYPE(other) == g_lazy_results_type) {
    PyObject* other_list = lazy_list(other);
    return other_list == nullptr ? nullptr : PyObject_RichCompare(list, other_list, op);
  }
  if (PyTuple_Check(other)) {
    PyObject* other_list = PySequence_List(other);
    if (other_list == nullptr) return nullptr;
    PyObject* result = PyObject_RichCompare(list, other_list, op);
    Py_DECREF(other_list);
    return result;
  }
  if (PyList_Check(other)) return PyObject_RichCompare(list, other, op);
  Py_RETURN_NOTIMPLEMENTED;
}

}  // namespace

// Takes ownership of `source`.
PyObject* make_lazy_results(std::unique_ptr<ItemSource> source) {
  auto* o = PyObject_New(LazyResultsObject, g_lazy_results_type);
  if (o == nullptr) return nullptr;
  o->source = source.release();
  o->list = nullptr;
  return reinterpret_cast<PyObject*>(o);
}

void register_fast_call(pybind11::module_& m) {
  PyType_Slot lazy_slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(lazy_dealloc)},
                              {Py_sq_length, reinterpret_cast<void*>(lazy_length)},
                              {Py_mp_length, reinterpret_cast<void*>(lazy_length)},
                              {Py_mp_subscript, reinterpret_cast<void*>(lazy_subscript)},
                              {Py_sq_contains, reinterpret_cast<void*>(lazy_contains)},
                              {Py_tp_iter, reinterpret_cast<void*>(lazy_iter)},
                              {Py_tp_repr, reinterpret_cast<void*>(lazy_repr)},
                              {Py_tp_richcompare, reinterpret_cast<void*>(lazy_richcompare)},
                              {Py_tp_doc, const_cast<char*>(
                                  "The successful entries of a batch call: a read-only sequence whose items are "
                                  "built on first access; compares equal to the list of them.")},
                              {0, nullptr}};
  PyType_Spec lazy_spec = {"pymsg._core.LazyResults", sizeof(LazyResultsObject), 0, Py_TPFLAGS_DEFAULT, lazy_slots};
  g_lazy_results_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&lazy_spec));
  if (g_lazy_results_type == nullptr) throw pybind11::error_already_set();
  m.add_object("LazyResults", pybind11::handle(reinterpret_cast<PyObject*>(g_lazy_results_type)));
  if (PyModule_AddFunctions(m.ptr(), module_functions) != 0) throw pybind11::error_already_set();
}

}  // namespace pymsg::bindings
