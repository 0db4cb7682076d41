// Events the core reports without raising (a receive that moved messages to a dead-letter
// queue, records throttled in a put_records), logged through Python's `logging` on a `pymsg.*`
// logger. Only called when there is something to say, so the hot paths pay one branch.
#pragma once

#include <Python.h>

#include <map>
#include <string>

namespace pymsg::bindings {

// `logging.getLogger(name)`, looked up once per name (the reference is kept for the process).
inline PyObject* logger(const char* name) {
  static std::map<std::string, PyObject*> loggers;
  auto it = loggers.find(name);
  if (it != loggers.end()) return it->second;
  PyObject* logging = PyImport_ImportModule("logging");
  PyObject* got = logging != nullptr ? PyObject_CallMethod(logging, "getLogger", "s", name) : nullptr;
  Py_XDECREF(logging);
  if (got != nullptr) loggers[name] = got;
  return got;
}

// logger(name).<level>(message % args): `arguments` is a Py_BuildValue format for what follows
// (the message is the first, "s"). Never raises: a failing handler must not fail the call.
template <typename... Args>
void log_event(const char* name, const char* level, const char* arguments, Args... args) {
  if (PyObject* log = logger(name)) {
    PyObject* done = PyObject_CallMethod(log, level, arguments, args...);
    Py_XDECREF(done);
  }
  PyErr_Clear();
}

}  // namespace pymsg::bindings
