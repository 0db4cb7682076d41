// After a call that may have appended to the write-ahead log: under fsync=always, wait (without
// the GIL) until its records are on the disk, so the call returns only once they are. Throws the
// log's failure, for raise_current().
#pragma once

#include <pybind11/pybind11.h>

#include "pymsg/durability/journal.hpp"

namespace pymsg::bindings {

inline void commit_journal() {
  if (!durability::Journal::must_wait()) return;
  pybind11::gil_scoped_release release;
  durability::Journal::commit_pending();
}

}  // namespace pymsg::bindings
