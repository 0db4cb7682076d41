// The Kinesis binding's cold calls through pybind11: the broker's stream registry, shard
// listing, iterators, resharding and retention. The per-record calls are in kinesis_hot.cpp.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "journal.hpp"
#include "pymsg/broker.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

const char* mode_name(StreamMode mode) { return mode == StreamMode::kOnDemand ? "ON_DEMAND" : "PROVISIONED"; }

// A member call that may append to the write-ahead log, then waits as the policy says (journal.hpp).
template <typename Class, typename... Args>
auto logged(void (Class::*method)(Args...)) {
  return [method](Class& self, Args... args) {
    (self.*method)(args...);
    commit_journal();
  };
}

// (shard_id, parent_shard_id, adjacent_parent_shard_id, starting_hash_key, ending_hash_key,
//  starting_sequence_number, ending_sequence_number); the Python layer makes Shard tuples.
py::tuple shard_tuple(const ShardInfo& s) {
  return py::make_tuple(s.id, s.parent_id, s.adjacent_parent_id, format_hash_key(s.starting_hash_key),
                        format_hash_key(s.ending_hash_key), s.starting_sequence_number, s.ending_sequence_number);
}

}  // namespace

void register_kinesis(py::module_& m) {
  py::class_<Stream, std::shared_ptr<Stream>>(m, "Stream", "The core of one Kinesis data stream.")
      .def_property_readonly("name", &Stream::name)
      .def_property_readonly("arn", &Stream::arn)
      .def_property_readonly("mode", [](const Stream& s) { return mode_name(s.mode()); })
      .def_property_readonly("enforce_limits", &Stream::enforce_limits)
      .def("set_mode",
           [](Stream& s, const std::string& mode) {
             s.set_mode(parse_stream_mode(mode));
             commit_journal();
           },
           py::arg("mode"))
      .def_property_readonly("retention_period_hours", &Stream::retention_hours)
      .def_property_readonly("max_record_size_kib", &Stream::max_record_size_kib)
      .def("dump", [](Stream& s) {
        std::string out;
        {
          py::gil_scoped_release release;
          out = s.dump();
        }
        return py::bytes(out);
      }, "Every shard and retained record as bytes, for Broker.restore_stream (pymsg serve --state).")
      .def("dump_cut", [](Stream& s) {
        std::string out;
        std::uint64_t cut = 0;
        {
          py::gil_scoped_release release;
          out = s.dump_cut(cut);
        }
        return py::make_tuple(py::bytes(out), cut);
      }, "dump() and the log LSN it covers (a data directory's checkpoint).")
      .def_property_readonly("journal_id", &Stream::journal_id)
      .def("attach_journal", &Stream::attach_journal, py::arg("journal"), py::arg("id"))
      .def_property_readonly("created_timestamp", [](const Stream& s) { return to_seconds(s.created_us()); })
      .def_property_readonly("deleted", &Stream::deleted)
      .def("open_shard_count", &Stream::open_shard_count)
      .def("owns_iterator", [](const Stream& s, const std::string& iterator) { return s.owns_iterator(iterator); })
      .def(
          "get_shard_iterator",
          [](Stream& s, const std::string& shard_id, const std::string& type, std::optional<std::string> sequence_number,
             std::optional<double> timestamp) {
            std::optional<TimeUs> ts;
            if (timestamp) ts = seconds_to_us(*timestamp);
            std::optional<std::string_view> seq;
            if (sequence_number) seq = *sequence_number;
            return s.get_shard_iterator(shard_id, parse_iterator_type(type), seq, ts);
          },
          py::arg("shard_id"), py::arg("iterator_type"), py::arg("sequence_number"), py::arg("timestamp"))
      .def("list_shards",
           [](Stream& s) {
             py::list out;
             for (const ShardInfo& info : s.list_shards()) out.append(shard_tuple(info));
             return out;
           })
      .def("split_shard", logged(&Stream::split_shard), py::arg("shard_id"), py::arg("new_starting_hash_key"))
      .def("merge_shards", logged(&Stream::merge_shards), py::arg("shard_id"), py::arg("adjacent_shard_id"))
      .def("update_shard_count", logged(&Stream::update_shard_count), py::arg("target_shard_count"))
      .def("increase_retention_period", logged(&Stream::increase_retention_period), py::arg("hours"))
      .def("decrease_retention_period", logged(&Stream::decrease_retention_period), py::arg("hours"));

  auto broker = py::reinterpret_borrow<py::class_<Broker, std::shared_ptr<Broker>>>(m.attr("Broker"));
  broker
      .def(
          "create_stream",
          [](Broker& b, const std::string& name, std::uint32_t shard_count, const std::string& mode,
             std::int64_t retention_period_hours, bool enforce_limits, std::uint32_t max_record_size_kib) {
            StreamOptions o;
            o.shard_count = shard_count;
            o.mode = parse_stream_mode(mode);
            o.retention_hours = retention_period_hours;
            o.enforce_limits = enforce_limits;
            o.max_record_size_kib = max_record_size_kib;
            std::shared_ptr<Stream> stream = b.create_stream(name, o);
            commit_journal();
            return stream;
          },
          py::arg("name"), py::arg("shard_count"), py::arg("mode"), py::arg("retention_period_hours"),
          py::arg("enforce_limits"), py::arg("max_record_size_kib"))
      .def(
          "restore_stream",
          [](Broker& b, const std::string& name, const py::bytes& dump, const std::string& mode,
             std::int64_t retention_period_hours, bool enforce_limits, std::uint32_t max_record_size_kib) {
            StreamOptions o;
            o.mode = parse_stream_mode(mode);
            o.retention_hours = retention_period_hours;
            o.enforce_limits = enforce_limits;
            o.max_record_size_kib = max_record_size_kib;
            const std::string_view bytes = dump;  // held by `dump` for the call
            return b.restore_stream(name, o, bytes);
          },
          py::arg("name"), py::arg("dump"), py::arg("mode"), py::arg("retention_period_hours"),
          py::arg("enforce_limits"), py::arg("max_record_size_kib"))
      .def("get_stream", &Broker::get_stream, py::arg("name_or_arn"))
      .def("list_streams", &Broker::list_streams)
      .def("delete_stream", logged(&Broker::delete_stream), py::arg("name_or_arn"))
      .def(
          "replay_create_stream",
          [](Broker& b, const py::bytes& payload) { return b.replay_create_stream(std::string_view(payload)); },
          py::arg("payload"), "Recovery: the stream a kStreamCreate record made.");
}

}  // namespace pymsg::bindings
