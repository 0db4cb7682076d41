// The broker's write-ahead log for Python: pymsg._core.Journal (what queues append to),
// Replayer (recovery: each record of the log to the object it changes, in C++, the Python
// layer's own records to a Python callable) and open_journal, which opens a log and replays it
// through a Replayer without the GIL.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "journal.hpp"
#include "pymsg/broker.hpp"
#include "pymsg/durability/journal.hpp"
#include "pymsg/durability/snapshot_io.hpp"
#include "pymsg/durability/wal.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

using durability::Journal;
using durability::Record;
using durability::WriteAheadLog;

// Recovery's routing table. Queues and streams come from the snapshot (with the LSN their dump
// covers) and from the log's kQueueCreate and kStreamCreate records (which the Python layer
// handles: it knows the scopes). Queues and streams share one id space.
class Replayer {
 public:
  template <typename Object>
  struct Entry {
    std::shared_ptr<Broker> broker;
    std::shared_ptr<Object> object;
    std::uint64_t cut = 0;  // this object's records up to here are in its dump
  };

  void add_queue(std::uint64_t id, std::shared_ptr<Broker> broker, std::shared_ptr<Queue> queue, std::uint64_t cut) {
    queues_[id] = Entry<Queue>{std::move(broker), std::move(queue), cut};
    if (id > max_id_) max_id_ = id;
  }
  void add_stream(std::uint64_t id, std::shared_ptr<Broker> broker, std::shared_ptr<Stream> stream,
                  std::uint64_t cut) {
    streams_[id] = Entry<Stream>{std::move(broker), std::move(stream), cut};
    if (id > max_id_) max_id_ = id;
  }
  // A cache's dump has a cut per shard, which the cache applies itself (Cache::replay).
  void add_cache(std::uint64_t id, std::shared_ptr<Broker> broker, std::shared_ptr<Cache> cache) {
    caches_[id] = Entry<Cache>{std::move(broker), std::move(cache), 0};
    if (id > max_id_) max_id_ = id;
  }
  bool has_object(std::uint64_t id) const {
    return queues_.count(id) != 0 || streams_.count(id) != 0 || caches_.count(id) != 0;
  }

  // One record, called by the log without the GIL. A record it cannot apply is a BadRecord.
  void dispatch(std::uint64_t lsn, std::uint8_t type, std::string_view payload) {
    try {
      apply(lsn, type, payload);
    } catch (const Error& e) {
      throw durability::BadRecord(e.what());
    }
  }

  std::uint64_t cold_cut = 0;  // the snapshot's: registry and Python records up to here are in it
  py::object cold;             // cold(lsn, type, payload), with the GIL
  std::uint64_t max_id() const { return max_id_; }
  std::uint64_t replayed() const { return replayed_; }
  std::uint64_t skipped() const { return skipped_; }

 private:
  void apply(std::uint64_t lsn, std::uint8_t type, std::string_view payload) {
    const auto record = static_cast<Record>(type);
    if (record == Record::kQueueCreate || record == Record::kStreamCreate || record == Record::kCacheCreate ||
        record == Record::kTopicPublish || record == Record::kPython) {
      if (lsn <= cold_cut) {
        ++skipped_;
        return;
      }
      py::gil_scoped_acquire gil;
      cold(lsn, type, py::bytes(payload.data(), payload.size()));
      ++replayed_;
      return;
    }
    SnapshotReader r(payload, "log record");
    const std::uint64_t id = r.u64();
    const TimeUs now = r.i64();
    if (type >= static_cast<std::uint8_t>(Record::kStreamCreate) &&
        type <= static_cast<std::uint8_t>(Record::kStreamMode)) {
      apply_stream(lsn, record, id, r, payload);
      return;
    }
    if (type >= static_cast<std::uint8_t>(Record::kCacheDelete) && type <= static_cast<std::uint8_t>(Record::kCacheClear)) {
      apply_cache(lsn, record, id, r, payload);
      return;
    }
    auto it = queues_.find(id);
    if (it == queues_.end() || lsn <= it->second.cut) {  // deleted before the snapshot, or in its dump
      ++skipped_;
      return;
    }
    Entry<Queue>& e = it->second;
    ++replayed_;
    switch (record) {
      case Record::kQueueDelete:
        if (!r.done()) r.fail("bytes follow its end");
        e.broker->replay_delete_queue(e.object->name(), now);
        queues_.erase(it);
        return;
      case Record::kQueueConfig: {
        const QueueConfig config = Queue::read_config(r);
        if (!r.done()) r.fail("bytes follow its end");
        e.broker->set_queue_config(*e.object, config);
        return;
      }
      default:
        e.object->replay(record, payload);
    }
  }

  void apply_stream(std::uint64_t lsn, Record record, std::uint64_t id, SnapshotReader& r, std::string_view payload) {
    auto it = streams_.find(id);
    if (it == streams_.end() || lsn <= it->second.cut) {
      ++skipped_;
      return;
    }
    ++replayed_;
    if (record == Record::kStreamDelete) {
      if (!r.done()) r.fail("bytes follow its end");
      it->second.broker->replay_delete_stream(it->second.object->name());
      streams_.erase(it);
      return;
    }
    it->second.object->replay(record, payload);
  }

  void apply_cache(std::uint64_t lsn, Record record, std::uint64_t id, SnapshotReader& r, std::string_view payload) {
    auto it = caches_.find(id);
    if (it == caches_.end()) {  // deleted before the snapshot
      ++skipped_;
      return;
    }
    if (record == Record::kCacheDelete) {
      if (!r.done()) r.fail("bytes follow its end");
      it->second.broker->replay_delete_cache(it->second.object->name());
      caches_.erase(it);
      ++replayed_;
      return;
    }
    ++(it->second.object->replay(lsn, record, payload) ? replayed_ : skipped_);
  }

  std::unordered_map<std::uint64_t, Entry<Queue>> queues_;
  std::unordered_map<std::uint64_t, Entry<Cache>> caches_;
  std::unordered_map<std::uint64_t, Entry<Stream>> streams_;
  std::uint64_t max_id_ = 0;
  std::uint64_t replayed_ = 0, skipped_ = 0;
};

}  // namespace

void register_journal(py::module_& m) {
  py::class_<Journal, std::shared_ptr<Journal>>(m, "Journal", "The broker's records in a WriteAheadLog.")
      .def(py::init<std::shared_ptr<WriteAheadLog>>(), py::arg("log"))
      .def_property_readonly("log", &Journal::wal_ptr)
      .def("taken_id", &Journal::taken_id, py::arg("id"), "Recovery: ids up to `id` are in use.")
      .def("append",
           [](Journal& j, std::uint8_t type, const py::bytes& payload) {
             return j.append(static_cast<Record>(type), std::string_view(payload));
           },
           py::arg("type"), py::arg("payload"), "Appends a record for this thread's next commit_pending().");

  py::class_<Replayer>(m, "Replayer", "Recovery's routing of log records to queues and streams (open_journal).")
      .def(py::init<>())
      .def("add_queue", &Replayer::add_queue, py::arg("id"), py::arg("broker"), py::arg("queue"), py::arg("cut"))
      .def("add_stream", &Replayer::add_stream, py::arg("id"), py::arg("broker"), py::arg("stream"), py::arg("cut"))
      .def("add_cache", &Replayer::add_cache, py::arg("id"), py::arg("broker"), py::arg("cache"))
      .def("has_object", &Replayer::has_object, py::arg("id"))
      .def_readwrite("cold_cut", &Replayer::cold_cut)
      .def_readwrite("cold", &Replayer::cold)
      .def_property_readonly("max_id", &Replayer::max_id)
      .def_property_readonly("replayed", &Replayer::replayed)
      .def_property_readonly("skipped", &Replayer::skipped);

  m.def("open_journal",
        [](std::string dir, std::string_view fsync, std::uint64_t segment_bytes, std::uint32_t write_interval_ms,
           Replayer& replayer, const py::object& before_replay) {
          durability::WalOptions options{std::move(dir), durability::parse_fsync(fsync), segment_bytes,
                                         write_interval_ms, {}};
          options.before_replay = [&before_replay] {
            py::gil_scoped_acquire gil;
            before_replay();
          };
          std::shared_ptr<WriteAheadLog> log;
          {
            py::gil_scoped_release release;
            log = std::make_shared<WriteAheadLog>(
                std::move(options),
                [&replayer](std::uint64_t lsn, std::uint8_t type, std::string_view payload) {
                  replayer.dispatch(lsn, type, payload);
                });
          }
          return log;
        },
        py::arg("dir"), py::arg("fsync"), py::arg("segment_bytes"), py::arg("write_interval_ms"),
        py::arg("replayer"), py::arg("before_replay"),
        "Locks `dir`, calls before_replay() (to load the snapshot), replays the log through `replayer`, "
        "and returns the log, open for appending.");
  m.def("commit_pending",
        [] {
          commit_journal();
        },
        "Waits until what this thread appended to a log is as durable as its policy promises.");
  m.def("object_create_head",
        [](const py::bytes& payload) {
          SnapshotReader r(std::string_view(payload), "log record");
          const Broker::ObjectHead h = Broker::read_object_head(r);
          return py::make_tuple(h.id, h.account_id, h.region, h.name);
        },
        py::arg("payload"), "A kQueueCreate, kStreamCreate or kCacheCreate record's (object id, account, region, name).");
}

}  // namespace pymsg::bindings
