// The Kinesis hot path in the CPython API: put_record, put_records and get_records, and the
// Record objects get_records returns. The cold calls are in register_kinesis.cpp.
//
// _core.StreamHandle holds a std::shared_ptr<Stream> and carries these methods with their public
// signatures; pymsg.Stream subclasses it. A get_records shares the shard's chunks (a
// _core._RecordBuffer keeps them alive); each Record points into them and builds its sequence
// number, data and partition key only when asked. put_records answers with a
// LazyResults of PutRecordsResultEntry, built on first access.
//
// GIL: held throughout; no call here waits.
#include <pybind11/pybind11.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "core_handle.hpp"
#include "fast_call.hpp"
#include "journal.hpp"
#include "log.hpp"
#include "pymsg/kinesis/sequence_number.hpp"
#include "pymsg/kinesis/stream.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

struct Names {  // interned argument names and dict keys
  PyObject *data, *partition_key, *explicit_hash_key, *sequence_number_for_ordering, *records, *shard_iterator,
      *limit;
} g_names;

// ---------------------------------------------------------------------------------------------
// Arguments

// Data is bytes, bytearray or str (sent as UTF-8, as boto3 does); borrowed from `o`.
bool get_data(PyObject* o, std::string_view& out) {
  if (PyBytes_Check(o)) {
    out = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
    return true;
  }
  if (PyByteArray_Check(o)) {
    out = {PyByteArray_AS_STRING(o), static_cast<std::size_t>(PyByteArray_GET_SIZE(o))};
    return true;
  }
  if (PyUnicode_Check(o)) return get_text(o, ErrorCode::InvalidArgumentException, "Data", out);
  PyErr_Format(error_class(ErrorCode::InvalidArgumentException), "Data must be bytes, bytearray or str, not %s.",
               Py_TYPE(o)->tp_name);
  return false;
}

bool get_optional_text(PyObject* o, const char* parameter, std::optional<std::string_view>& out) {
  if (o == nullptr || o == Py_None) return true;
  std::string_view s;
  if (!get_text(o, ErrorCode::InvalidArgumentException, parameter, s)) return false;
  out = s;
  return true;
}

// One record of put_records: a (data, partition_key) tuple or a dict with data, partition_key
// and optionally explicit_hash_key. Views borrow from the record, which outlives the call.
bool read_record(PyObject* o, PutRecordRequest& r) {
  if (PyTuple_Check(o) && PyTuple_GET_SIZE(o) == 2) {
    return get_data(PyTuple_GET_ITEM(o, 0), r.data) &&
           get_text(PyTuple_GET_ITEM(o, 1), ErrorCode::InvalidArgumentException, "PartitionKey", r.partition_key);
  }
  if (!PyDict_Check(o)) {
    PyErr_Format(error_class(ErrorCode::InvalidArgumentException),
                 "Each record must be a (data, partition_key) tuple or a dict, not %s.", Py_TYPE(o)->tp_name);
    return false;
  }
  PyObject* values[3] = {nullptr, nullptr, nullptr};
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(o, &pos, &key, &value)) {
    const std::size_t j = name_index(key, {g_names.data, g_names.partition_key, g_names.explicit_hash_key});
    if (j == 3) {
      PyErr_Format(error_class(ErrorCode::InvalidArgumentException),
                   "Unknown record key %R (use data, partition_key, explicit_hash_key).", key);
      return false;
    }
    values[j] = value;
  }
  if (values[0] == nullptr || values[1] == nullptr) {
    return raise(ErrorCode::InvalidArgumentException, "Each record needs data and partition_key."), false;
  }
  return get_data(values[0], r.data) &&
         get_text(values[1], ErrorCode::InvalidArgumentException, "PartitionKey", r.partition_key) &&
         get_optional_text(values[2], "ExplicitHashKey", r.explicit_hash_key);
}

PyObject* shard_id_str(std::uint32_t index) {
  char text[32];
  const int n = std::snprintf(text, sizeof text, "shardId-%012u", index);
  return new_ascii_str({text, static_cast<std::size_t>(n)});
}

PyObject* sequence_number_str(const SequenceFields& fields) {
  char text[kMaxSequenceDigits];
  return new_ascii_str({text, format_sequence_number_to(fields, text)});
}

std::uint64_t second_of(TimeUs t) { return static_cast<std::uint64_t>(t < 0 ? 0 : t / kUsPerSecond); }

// ---------------------------------------------------------------------------------------------
// _core._RecordBuffer and _core.Record

struct RecordBufferObject {
  PyObject_HEAD
  RecordsBatch batch;  // keeps alive the shard chunks every Record of one get_records points into
};

PyTypeObject* g_buffer_type = nullptr;

void buffer_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  reinterpret_cast<RecordBufferObject*>(self)->batch.~RecordsBatch();
  PyObject_Free(self);
  Py_DECREF(type);
}

struct RecordObject {
  PyObject_HEAD
  RecordBufferObject* buffer;  // strong reference
  PyObject* sequence_number;   // cache
  const char* bytes;           // data, then the partition key (in buffer)
  std::uint32_t data_size, key_size;
  std::uint64_t record_index;
  TimeUs arrival_us;
};

PyTypeObject* g_record_type = nullptr;

RecordObject* as_record(PyObject* self) { return reinterpret_cast<RecordObject*>(self); }

void record_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_DECREF(reinterpret_cast<PyObject*>(as_record(self)->buffer));
  Py_XDECREF(as_record(self)->sequence_number);
  PyObject_Free(self);
  Py_DECREF(type);
}

PyObject* record_get_sequence_number(PyObject* self, void*) {
  RecordObject* r = as_record(self);
  if (r->sequence_number == nullptr) {
    const RecordsBatch& b = r->buffer->batch;
    r->sequence_number = sequence_number_str({b.shard_stamp, b.shard_index, r->record_index, second_of(r->arrival_us)});
    if (r->sequence_number == nullptr) return nullptr;
  }
  return Py_NewRef(r->sequence_number);
}
PyObject* record_get_data(PyObject* self, void*) {
  RecordObject* r = as_record(self);
  return PyBytes_FromStringAndSize(r->bytes, r->data_size);
}
PyObject* record_get_partition_key(PyObject* self, void*) {
  RecordObject* r = as_record(self);
  return PyUnicode_DecodeUTF8(r->bytes + r->data_size, r->key_size, "strict");
}
PyObject* record_get_arrival(PyObject* self, void*) {
  // AWS gives milliseconds: the float is whole milliseconds in seconds.
  return PyFloat_FromDouble(static_cast<double>(as_record(self)->arrival_us / kUsPerMilli) / 1e3);
}

PyObject* record_repr(PyObject* self) {
  py::object seq = py::reinterpret_steal<py::object>(record_get_sequence_number(self, nullptr));
  py::object key = py::reinterpret_steal<py::object>(record_get_partition_key(self, nullptr));
  if (!seq || !key) return nullptr;
  return PyUnicode_FromFormat("Record(sequence_number=%R, partition_key=%R, %u bytes)", seq.ptr(), key.ptr(),
                              as_record(self)->data_size);
}

PyGetSetDef record_getset[] = {
    {"sequence_number", record_get_sequence_number, nullptr, "SequenceNumber: a 56-digit decimal str.", nullptr},
    {"data", record_get_data, nullptr, "Data: the bytes put.", nullptr},
    {"partition_key", record_get_partition_key, nullptr, "PartitionKey.", nullptr},
    {"approximate_arrival_timestamp", record_get_arrival, nullptr,
     "ApproximateArrivalTimestamp: epoch seconds, millisecond precision.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

// ---------------------------------------------------------------------------------------------
// _core.StreamHandle

using StreamHandle = CoreHandle<Stream>;

PyTypeObject* g_stream_handle_type = nullptr;

Stream* bound(PyObject* self) { return StreamHandle::bound(self); }

// put_record(data, partition_key, *, explicit_hash_key=None, sequence_number_for_ordering=None)
PyObject* stream_put_record(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Stream* stream = bound(self);
  PyObject* a[4];
  PutRecordRequest request;
  if (stream == nullptr ||
      !bind_arguments("put_record", args, nargs, kwnames,
                      {g_names.data, g_names.partition_key, g_names.explicit_hash_key,
                       g_names.sequence_number_for_ordering},
                      2, 2, a) ||
      !get_data(a[0], request.data) ||
      !get_text(a[1], ErrorCode::InvalidArgumentException, "PartitionKey", request.partition_key) ||
      !get_optional_text(a[2], "ExplicitHashKey", request.explicit_hash_key) ||
      !get_optional_text(a[3], "SequenceNumberForOrdering", request.sequence_number_for_ordering)) {
    return nullptr;
  }
  PutRecordOutcome o;
  try {
    o = stream->put_record(request);
    commit_journal();  // the log has the record (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  return new_named_tuple(ResultType::PutRecordResult,
                         {shard_id_str(o.shard_index),
                          sequence_number_str({o.shard_stamp, o.shard_index, o.record_index, second_of(o.arrival_us)})});
}

// The entries of a put_records, built on first access.
class PutRecordsSource final : public ItemSource {
 public:
  std::vector<PutRecordOutcome> outcomes;
  std::string stream_name, account_id;

  Py_ssize_t size() const override { return static_cast<Py_ssize_t>(outcomes.size()); }
  PyObject* make(Py_ssize_t i) const override {
    const PutRecordOutcome& o = outcomes[static_cast<std::size_t>(i)];
    if (o.throttled) {
      char shard[32];
      std::snprintf(shard, sizeof shard, "shardId-%012u", o.shard_index);
      const std::string message = std::string("Rate exceeded for shard ") + shard + " in stream " + stream_name +
                                  " under account " + account_id + ".";
      return new_named_tuple(ResultType::PutRecordsResultEntry,
                             {Py_NewRef(Py_None), Py_NewRef(Py_None),
                              new_ascii_str("ProvisionedThroughputExceededException"), new_str(message)});
    }
    return new_named_tuple(
        ResultType::PutRecordsResultEntry,
        {shard_id_str(o.shard_index),
         sequence_number_str({o.shard_stamp, o.shard_index, o.record_index, second_of(o.arrival_us)}),
         Py_NewRef(Py_None), Py_NewRef(Py_None)});
  }
};

// put_records(records) -> PutRecordsResult(failed_record_count, records)
PyObject* stream_put_records(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Stream* stream = bound(self);
  PyObject* records;
  if (stream == nullptr || !bind_arguments("put_records", args, nargs, kwnames, {g_names.records}, 1, 1, &records)) {
    return nullptr;
  }
  if (!PyList_Check(records) && !PyTuple_Check(records)) {
    PyErr_Format(error_class(ErrorCode::InvalidArgumentException), "Records must be a list, not %s.",
                 Py_TYPE(records)->tp_name);
    return nullptr;
  }
  const auto n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(records));
  PyObject** items = PySequence_Fast_ITEMS(records);
  std::vector<PutRecordRequest> requests(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!read_record(items[i], requests[i])) return nullptr;
  }
  auto source = std::make_unique<PutRecordsSource>();
  try {
    stream->put_records(requests, source->outcomes);
    commit_journal();  // the log has the records (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  long failed = 0;
  for (const PutRecordOutcome& o : source->outcomes) failed += o.throttled ? 1 : 0;
  if (failed > 0) {  // for the error messages
    source->stream_name = stream->name();
    source->account_id = stream->account_id();
    log_event("pymsg.kinesis", "info", "slls", "put_records: %d of %d record(s) throttled on stream %s "
              "(ProvisionedThroughputExceededException)", failed, static_cast<long>(n), stream->name().c_str());
  }
  return new_named_tuple(ResultType::PutRecordsResult, {PyLong_FromLong(failed), make_lazy_results(std::move(source))});
}

PyObject* hash_key_range(uint128 start, uint128 end) {
  return new_named_tuple(ResultType::HashKeyRange,
                         {new_ascii_str(format_hash_key(start)), new_ascii_str(format_hash_key(end))});
}

PyObject* child_shards_list(const std::vector<ShardInfo>& children) {
  PyObject* list = PyList_New(0);
  for (const ShardInfo& c : children) {
    if (list == nullptr) return nullptr;
    PyObject* parents = PyList_New(0);
    for (const auto& p : {c.parent_id, c.adjacent_parent_id}) {
      if (parents != nullptr && p) {
        PyObject* id = new_ascii_str(*p);
        if (id == nullptr || PyList_Append(parents, id) != 0) Py_CLEAR(parents);
        Py_XDECREF(id);
      }
    }
    PyObject* child = new_named_tuple(ResultType::ChildShard,
                                      {new_ascii_str(c.id), parents, hash_key_range(c.starting_hash_key, c.ending_hash_key)});
    if (child == nullptr || PyList_Append(list, child) != 0) Py_CLEAR(list);
    Py_XDECREF(child);
  }
  return list;
}

// get_records(shard_iterator, *, limit=10000) -> GetRecordsResult
PyObject* stream_get_records(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Stream* stream = bound(self);
  PyObject* a[2];
  std::string_view iterator;
  if (stream == nullptr ||
      !bind_arguments("get_records", args, nargs, kwnames, {g_names.shard_iterator, g_names.limit}, 1, 1, a) ||
      !get_text(a[0], ErrorCode::InvalidArgumentException, "ShardIterator", iterator)) {
    return nullptr;
  }
  long limit = 10'000;
  if (a[1] != nullptr && a[1] != Py_None) {
    limit = PyBool_Check(a[1]) ? -1 : PyLong_AsLong(a[1]);
    if (limit == -1 && PyErr_Occurred()) PyErr_Clear();
    if (limit < 1 || limit > 0x7FFFFFFF) limit = 0;  // the core names the valid range
  }
  auto* buffer = PyObject_New(RecordBufferObject, g_buffer_type);
  if (buffer == nullptr) return nullptr;
  new (&buffer->batch) RecordsBatch();
  py::object buffer_ref = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(buffer));
  GetRecordsResult result;
  try {
    result = stream->get_records(iterator, static_cast<std::uint32_t>(limit), buffer->batch);
  } catch (const Error& e) {
    return raise(e);
  }
  const RecordsBatch& batch = buffer->batch;
  PyObject* records = PyList_New(static_cast<Py_ssize_t>(batch.records.size()));
  if (records == nullptr) return nullptr;
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    const RecordsBatch::Entry& e = batch.records[i];
    auto* r = PyObject_New(RecordObject, g_record_type);
    if (r == nullptr) {
      Py_DECREF(records);
      return nullptr;
    }
    Py_INCREF(buffer);
    r->buffer = buffer;
    r->sequence_number = nullptr;
    r->bytes = e.bytes;
    r->data_size = e.data_size;
    r->key_size = e.key_size;
    r->record_index = e.record_index;
    r->arrival_us = e.arrival_us;
    PyList_SET_ITEM(records, static_cast<Py_ssize_t>(i), reinterpret_cast<PyObject*>(r));
  }
  PyObject* next = result.next_iterator ? new_ascii_str(*result.next_iterator) : Py_NewRef(Py_None);
  return new_named_tuple(ResultType::GetRecordsResult,
                         {records, next, PyLong_FromLongLong(result.behind_us / kUsPerMilli),
                          child_shards_list(result.child_shards)});
}

PyMethodDef stream_hot_methods[] = {
    {"put_record", fastcall<stream_put_record>(), kFast,
     "put_record($self, data, partition_key, *, explicit_hash_key=None, sequence_number_for_ordering=None)\n--\n\n"
     "PutRecord: writes one record to the open shard whose hash-key range holds MD5(partition_key)\n"
     "(or explicit_hash_key). Returns PutRecordResult(shard_id, sequence_number). Raises\n"
     "ProvisionedThroughputExceededException when the shard's write limit refuses it."},
    {"put_records", fastcall<stream_put_records>(), kFast,
     "put_records($self, records)\n--\n\n"
     "PutRecords: 1-500 records, each a (data, partition_key) tuple or a dict with data,\n"
     "partition_key and optionally explicit_hash_key. Returns PutRecordsResult(failed_record_count,\n"
     "records): one PutRecordsResultEntry per record in request order, with shard_id and\n"
     "sequence_number, or error_code and error_message when throttled."},
    {"get_records", fastcall<stream_get_records>(), kFast,
     "get_records($self, shard_iterator, *, limit=10000)\n--\n\n"
     "GetRecords: up to `limit` (1-10,000) records and 10 MiB from the iterator's position.\n"
     "Returns GetRecordsResult(records, next_shard_iterator, millis_behind_latest, child_shards);\n"
     "at the end of a closed shard next_shard_iterator is None and child_shards names its children."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void register_kinesis_hot(py::module_& m) {
  g_names = {PyUnicode_InternFromString("data"),
             PyUnicode_InternFromString("partition_key"),
             PyUnicode_InternFromString("explicit_hash_key"),
             PyUnicode_InternFromString("sequence_number_for_ordering"),
             PyUnicode_InternFromString("records"),
             PyUnicode_InternFromString("shard_iterator"),
             PyUnicode_InternFromString("limit")};
  PyType_Slot buffer_slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(buffer_dealloc)},
                                {Py_tp_doc, const_cast<char*>("Keeps the bytes of one get_records alive (private).")},
                                {0, nullptr}};
  PyType_Spec buffer_spec = {"pymsg._core._RecordBuffer", sizeof(RecordBufferObject), 0, Py_TPFLAGS_DEFAULT,
                             buffer_slots};
  g_buffer_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&buffer_spec));
  g_record_type = make_type("pymsg._core.Record", sizeof(RecordObject), record_dealloc, record_repr, record_getset,
                            no_methods, "A Kinesis record from get_records.");
  g_stream_handle_type = StreamHandle::make_type("pymsg._core.StreamHandle", "pymsg._core.Stream", stream_hot_methods,
                                                  "The per-record Kinesis calls; the base of pymsg.Stream.");
  if (g_buffer_type == nullptr || g_record_type == nullptr || g_stream_handle_type == nullptr) {
    throw py::error_already_set();
  }
  m.add_object("Record", py::handle(reinterpret_cast<PyObject*>(g_record_type)));
  m.add_object("StreamHandle", py::handle(reinterpret_cast<PyObject*>(g_stream_handle_type)));
}

}  // namespace pymsg::bindings
