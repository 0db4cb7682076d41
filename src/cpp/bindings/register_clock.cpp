#include <pybind11/pybind11.h>

#include "pymsg/common/clock.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {

double to_seconds(TimeUs t) { return static_cast<double>(t) / 1e6; }

void register_clock(py::module_& m) {
  py::class_<Clock, std::shared_ptr<Clock>>(m, "Clock", "The time source of a broker's timers.")
      .def("now", [](const Clock& c) { return to_seconds(c.now()); },
           "Seconds since the Unix epoch, as a float.");

  py::class_<SystemClock, Clock, std::shared_ptr<SystemClock>>(
      m, "SystemClock", "The wall clock. Brokers use it when no clock is given.")
      .def(py::init<>());

  py::class_<ManualClock, Clock, std::shared_ptr<ManualClock>>(
      m, "ManualClock",
      "A clock that moves only when told to: time-dependent behaviour without sleeping.\n\n"
      "advance() and set() wake long-poll waiters whose deadline has passed. Thread-safe.")
      .def(py::init([](double start) { return std::make_shared<ManualClock>(seconds_to_us(start)); }),
           py::arg("start") = 1'700'000'000.0)
      .def("advance", [](ManualClock& c, double seconds) { c.advance(seconds_to_us(seconds)); },
           py::arg("seconds"), "Moves time forward by `seconds` (>= 0).")
      .def("set", [](ManualClock& c, double t) { c.set(seconds_to_us(t)); }, py::arg("t"),
           "Sets the time to `t` seconds since the epoch; it cannot move backwards.");
}

}  // namespace pymsg::bindings
