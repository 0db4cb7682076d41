// Helpers shared by the hot-path bindings (sqs_hot.cpp, kinesis_hot.cpp), which use the CPython
// API directly: argument binding for METH_FASTCALL | METH_KEYWORDS methods, string makers, heap
// types, NamedTuple results built in C, and LazyResults, a sequence whose items are built on
// first access.
#pragma once

#include "python_compat.hpp"
#include <pybind11/pybind11.h>

#include <initializer_list>
#include <memory>
#include <string_view>

#include "pymsg/common/errors.hpp"

namespace pymsg::bindings {

// --- arguments ---------------------------------------------------------------------------------

// The index of `key` in `names` (names.size() when absent): pointers first, then text.
std::size_t name_index(PyObject* key, std::initializer_list<PyObject*> names);

// Binds a call's arguments to `names` as Python binds def f(n0, ..., n[positional-1], *, rest):
// out[i] is the argument named names[i] (borrowed) or nullptr when not given. The first
// `required` names must be given. Raises TypeError as Python would.
bool bind_arguments(const char* function, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                    std::initializer_list<PyObject*> names, Py_ssize_t positional, Py_ssize_t required,
                    PyObject** out);

// A str argument as UTF-8 (borrowed from `o`); raises `code` naming `parameter` for other types.
bool get_text(PyObject* o, ErrorCode code, const char* parameter, std::string_view& out);

template <PyObject* (*F)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*)>
PyCFunction fastcall() {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(F));
}
constexpr int kFast = METH_FASTCALL | METH_KEYWORDS;

// --- objects -----------------------------------------------------------------------------------

PyObject* new_str(std::string_view s);
PyObject* new_ascii_str(std::string_view s);  // text known to be ASCII: copied, not decoded

// A heap type with the given slots (no GC, not subclassable).
PyTypeObject* make_type(const char* name, int basicsize, destructor dealloc, reprfunc repr,
                        PyGetSetDef* getset, PyMethodDef* methods, const char* doc);
extern PyMethodDef no_methods[];

// The NamedTuples the Python layer hands over with _core._set_result_types(Name=cls, ...).
enum class ResultType { BatchResult, BatchResultErrorEntry, PutRecordResult, PutRecordsResult,
                        PutRecordsResultEntry, GetRecordsResult, ChildShard, HashKeyRange, kCount };
// A NamedTuple instance from new references (stolen, also on failure), without
// NamedTuple.__new__'s Python frame.
PyObject* new_named_tuple(ResultType type, std::initializer_list<PyObject*> items);

// --- LazyResults -------------------------------------------------------------------------------

class ItemSource {  // how to build item i; owns its references and is deleted with the GIL held
 public:
  virtual ~ItemSource() = default;
  virtual Py_ssize_t size() const = 0;
  virtual PyObject* make(Py_ssize_t i) const = 0;  // a new reference, or nullptr with an error set
};

// A _core.LazyResults over `source` (taken).
PyObject* make_lazy_results(std::unique_ptr<ItemSource> source);

// Adds LazyResults and _set_result_types to the module.
void register_fast_call(pybind11::module_& m);

}  // namespace pymsg::bindings
