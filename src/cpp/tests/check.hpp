// The C++ unit tests' one assertion: check(ok, what) counts passes and prints each failure;
// report() prints "N passed, M failed" (what tests/test_core_cpp.py reads) and is main's exit code.
#pragma once

#include <cstdio>
#include <string>

namespace pymsg::testing {

inline int g_passed = 0;
inline int g_failed = 0;

inline void check(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

inline int report() {
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

}  // namespace pymsg::testing
