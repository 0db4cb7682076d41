// Mapping of core errors to the Python exceptions of pymsg.errors (one class per AWS code).
#pragma once

#include <Python.h>

#include "pymsg/common/errors.hpp"

namespace pymsg::bindings {

// The pymsg.errors class for a code (a borrowed reference), imported on first use.
PyObject* error_class(ErrorCode code);

// Sets the Python error for a core error. Returns nullptr so callers can `return raise(e);`.
std::nullptr_t raise(const Error& error);

// Sets InvalidParameterValue / MissingParameter with a message: for conversion errors found by
// the binding (a wrong Python type in a request).
std::nullptr_t raise(ErrorCode code, const char* message);

// Sets the Python error for the C++ exception being handled (call it in a catch block): a
// pymsg::Error as raise() does, the write-ahead log's failures as register_durability translates
// them (CorruptLog, DataDirectoryLocked, the errno's OSError).
std::nullptr_t raise_current();

void register_errors();

}  // namespace pymsg::bindings
