// pymsg._core: the pybind11 module over the C++ core. Shims only; the behaviour lives in
// src/cpp/pymsg and the Python API in src/pymsg.
#include <pybind11/pybind11.h>

#include "errors.hpp"
#include "fast_call.hpp"
#include "register.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "pymsg's C++ core (private: use the pymsg package).";
  m.attr("__version__") = PYMSG_VERSION;
  pymsg::bindings::register_errors();
  pymsg::bindings::register_clock(m);
  pymsg::bindings::register_fast_call(m);
  pymsg::bindings::register_sqs(m);
  pymsg::bindings::register_sqs_hot(m);
  pymsg::bindings::register_kinesis(m);
  pymsg::bindings::register_kinesis_hot(m);
  pymsg::bindings::register_cache(m);
  pymsg::bindings::register_sns(m);
  pymsg::bindings::register_bench(m);
  pymsg::bindings::register_durability(m);
  pymsg::bindings::register_journal(m);
}
