// The write-ahead log for Python: pymsg._core.WriteAheadLog, read_log and repair_log (what
// Broker(data_dir=...) and `python -m pymsg repair-log` build on). Every call that may wait on
// the disk releases the GIL.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <tuple>
#include <vector>

#include "pymsg/durability/crc32c.hpp"
#include "pymsg/durability/file.hpp"
#include "pymsg/durability/wal.hpp"
#include "errors.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

using durability::LogReport;
using durability::WriteAheadLog;

py::dict report_dict(const LogReport& r) {
  py::dict d;
  d["records"] = r.records;
  d["segments"] = r.segments;
  d["next_lsn"] = r.next_lsn;
  d["torn_file"] = r.torn_file;
  d["torn_offset"] = r.torn_offset;
  d["torn_bytes"] = r.torn_bytes;
  d["repaired_file"] = r.repaired_file;
  d["repaired_offset"] = r.repaired_offset;
  d["removed_segments"] = r.removed_segments;
  return d;
}

// The C++ failures as pymsg.errors classes (CorruptLog, DataDirectoryLocked) and OSError.
void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const durability::CorruptLog& e) {
    py::object cls = py::module_::import("pymsg.errors").attr("CorruptLog");
    py::object error = cls(e.what());
    error.attr("file") = e.file();
    error.attr("offset") = e.offset();
    PyErr_SetObject(cls.ptr(), error.ptr());
  } catch (const durability::DirectoryLocked& e) {
    py::object cls = py::module_::import("pymsg.errors").attr("DataDirectoryLocked");
    PyErr_SetObject(cls.ptr(), cls(e.what()).ptr());
  } catch (const durability::IoError& e) {
    // OSError(errno, text) is the errno's own subclass: FileNotFoundError, PermissionError...
    // The text names the path already; filename is set after, so str() does not repeat it.
    py::object error = py::reinterpret_steal<py::object>(PyObject_CallFunction(PyExc_OSError, "is", e.error(), e.what()));
    if (!error) throw py::error_already_set();
    error.attr("filename") = py::reinterpret_steal<py::object>(
        PyUnicode_DecodeFSDefaultAndSize(e.path().data(), static_cast<Py_ssize_t>(e.path().size())));
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  }
}

}  // namespace

std::nullptr_t raise_current() {
  try {
    throw;
  } catch (const Error& e) {
    return raise(e);
  } catch (const py::error_already_set& e) {
    PyErr_SetObject(e.type().ptr(), e.value().ptr());
  } catch (const std::exception& e) {
    try {
      translate(std::current_exception());
    } catch (const std::exception&) {  // not the log's: translate passes it on
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  }
  return nullptr;
}

void register_durability(py::module_& m) {
  py::register_exception_translator(translate);

  py::class_<WriteAheadLog, std::shared_ptr<WriteAheadLog>>(m, "WriteAheadLog",
                            "An append-only log of records in a directory, synced as `fsync` says (always, "
                            "everysec, no). Opening it replays what is there into `replay(lsn, type, payload)`, "
                            "cuts a torn last record off (see recovery) and refuses a damaged log (CorruptLog). "
                            "Thread-safe.")
      .def(py::init([](std::string dir, std::string_view fsync, std::uint64_t segment_bytes,
                       std::uint32_t write_interval_ms, const py::object& replay) {
             durability::WalOptions options{std::move(dir), durability::parse_fsync(fsync), segment_bytes,
                                            write_interval_ms, {}};
             durability::Replay call;
             if (!replay.is_none()) {
               call = [&replay](std::uint64_t lsn, std::uint8_t type, std::string_view payload) {
                 replay(lsn, type, py::bytes(payload.data(), payload.size()));
               };
             }
             return new WriteAheadLog(std::move(options), call);
           }),
           py::arg("dir"), py::arg("fsync") = "everysec", py::arg("segment_bytes") = std::uint64_t{64} << 20,
           py::arg("write_interval_ms") = 2, py::arg("replay") = py::none())
      .def("append",
           [](WriteAheadLog& log, std::uint8_t type, const py::bytes& payload) {
             return log.append(type, std::string_view(payload));
           },
           py::arg("type"), py::arg("payload"), "Adds a record (in memory); returns its LSN.")
      .def("commit", &WriteAheadLog::commit, py::arg("lsn"), py::call_guard<py::gil_scoped_release>(),
           "Returns once record `lsn` is as durable as the policy promises.")
      .def("flush", &WriteAheadLog::flush, py::call_guard<py::gil_scoped_release>(),
           "Writes and syncs everything appended so far.")
      .def("rotate", &WriteAheadLog::rotate, py::call_guard<py::gil_scoped_release>(),
           "Starts a new segment; returns its first LSN.")
      .def("drop_before", &WriteAheadLog::drop_before, py::arg("lsn"), py::call_guard<py::gil_scoped_release>(),
           "Deletes the segments whose records all come before `lsn`; returns how many.")
      .def("close", &WriteAheadLog::close, py::call_guard<py::gil_scoped_release>(),
           "flush(), then releases the directory.")
      .def_property_readonly("fsync", [](const WriteAheadLog& log) { return durability::fsync_name(log.policy()); })
      .def_property_readonly("appended_lsn", &WriteAheadLog::appended_lsn)
      .def_property_readonly("synced_lsn", &WriteAheadLog::synced_lsn)
      .def_property_readonly("syncs", &WriteAheadLog::syncs)
      .def_property_readonly("recovery", [](const WriteAheadLog& log) { return report_dict(log.recovery()); });

  m.def("read_log",
        [](const std::string& dir) {
          py::list records;
          LogReport report = durability::read_log(dir, [&records](std::uint64_t lsn, std::uint8_t type,
                                                                  std::string_view payload) {
            records.append(py::make_tuple(lsn, type, py::bytes(payload.data(), payload.size())));
          });
          return py::make_tuple(records, report_dict(report));
        },
        py::arg("dir"), "The records of the log in `dir` as (lsn, type, payload), and what reading found.");
  m.def("repair_log",
        [](const std::string& dir) {
          LogReport report;
          {
            py::gil_scoped_release unlocked;
            report = durability::repair_log(dir);
          }
          return report_dict(report);
        },
        py::arg("dir"),
        "Cuts the log at its first damaged record, deleting the segments after it.");
  m.def("crc32c",
        [](const py::bytes& data, std::uint32_t crc) { return durability::crc32c(std::string_view(data), crc); },
        py::arg("data"), py::arg("crc") = 0,
        "CRC-32C (Castagnoli) of `data`, going on from `crc` (the checksum of what came before).");
  m.def("_inject_write_error", &durability::inject_write_error, py::arg("error"), py::arg("after_bytes"),
        "For fault tests: the write that passes `after_bytes` more bytes fails with errno `error` (0: off).");
}

}  // namespace pymsg::bindings
