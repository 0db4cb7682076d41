// One register_<domain> function per Python-facing domain, called from module.cpp.
#pragma once

#include <pybind11/pybind11.h>

#include "pymsg/common/clock.hpp"

namespace pymsg::bindings {

double to_seconds(TimeUs t);
void register_clock(pybind11::module_& m);
void register_sqs(pybind11::module_& m);      // cold calls (pybind11)
void register_sqs_hot(pybind11::module_& m);  // per-message calls (CPython API)
void register_kinesis(pybind11::module_& m);      // cold calls (pybind11)
void register_kinesis_hot(pybind11::module_& m);  // per-record calls (CPython API)
void register_cache(pybind11::module_& m);        // the cache (both)
void register_sns(pybind11::module_& m);          // topics (pybind11: one call per publish)
void register_bench(pybind11::module_& m);        // the core alone, for pymsg bench
void register_durability(pybind11::module_& m);   // the write-ahead log
void register_journal(pybind11::module_& m);      // the broker's records in it, and recovery

}  // namespace pymsg::bindings
