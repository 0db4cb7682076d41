// The SQS hot path in the CPython API: the per-message calls (send, receive, delete, change
// visibility and their batches) and the objects they return (Message, SendResult), because
// pybind11's dispatch and instance creation cost several hundred nanoseconds each, more than the
// core's own work per message. The cold calls are in register_sqs.cpp.
//
// _core.QueueHandle holds a std::shared_ptr<Queue> and carries the hot methods with their public
// signatures; pymsg.Queue subclasses it, so `queue.send_batch(...)` runs no Python frame.
//
// GIL: request arguments are read while holding it; a receive that must wait releases it
// (a long poll blocks). Short calls keep it: releasing and re-taking costs more than they do.
// Results are copied out of the core under the queue's lock and turned into Python objects only
// after it is released; nothing here calls into Python while holding a core lock.
#include <pybind11/pybind11.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "journal.hpp"
#include "errors.hpp"
#include "core_handle.hpp"
#include "fast_call.hpp"
#include "log.hpp"
#include "pymsg/common/hash.hpp"
#include "pymsg/sqs/queue.hpp"
#include "pymsg/common/validation.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

// ---------------------------------------------------------------------------------------------
// Argument conversion (borrowed references; raise pymsg errors for wrong types)

bool get_body(PyObject* o, std::string_view& body, BodyKind& kind) {
  Py_ssize_t n = 0;
  if (PyUnicode_Check(o)) {
    const char* s = PyUnicode_AsUTF8AndSize(o, &n);
    if (s == nullptr) {
      PyErr_Clear();
      raise(ErrorCode::InvalidMessageContents, "MessageBody is not valid Unicode (it holds lone surrogates).");
      return false;
    }
    body = {s, static_cast<std::size_t>(n)};
    kind = PyUnicode_IS_ASCII(o) ? BodyKind::kAsciiText : BodyKind::kText;
    return true;
  }
  if (PyBytes_Check(o)) {
    body = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
    kind = BodyKind::kBytes;
    return true;
  }
  PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
               "MessageBody must be str or bytes, not %s.", Py_TYPE(o)->tp_name);
  return false;
}

// SQS reports a wrong type as InvalidParameterValue.
bool get_text(PyObject* o, const char* parameter, std::string_view& out) {
  return bindings::get_text(o, ErrorCode::InvalidParameterValue, parameter, out);
}

bool get_optional_text(PyObject* o, const char* parameter, std::optional<std::string_view>& out) {
  if (o == nullptr || o == Py_None) return true;
  std::string_view s;
  if (!get_text(o, parameter, s)) return false;
  out = s;
  return true;
}

bool get_seconds(PyObject* o, const char* parameter, std::optional<double>& out) {
  if (o == nullptr || o == Py_None) return true;
  if (PyBool_Check(o) || !(PyLong_Check(o) || PyFloat_Check(o))) {
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "%s must be a number of seconds, not %s.",
                 parameter, Py_TYPE(o)->tp_name);
    return false;
  }
  const double v = PyFloat_AsDouble(o);
  if (v == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "%s is out of range.", parameter);
    return false;
  }
  out = v;
  return true;
}

// {"name": {"DataType": "String", "StringValue": "v"} | {"DataType": "Binary", "BinaryValue": b"..."}}
bool get_attributes(PyObject* o, std::vector<MessageAttribute>& out) {
  if (o == nullptr || o == Py_None) return true;
  if (!PyDict_Check(o)) {
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
                 "MessageAttributes must be a dict of name -> {'DataType': ..., 'StringValue' or "
                 "'BinaryValue': ...}, not %s.", Py_TYPE(o)->tp_name);
    return false;
  }
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(o, &pos, &key, &value)) {
    MessageAttribute& a = out.emplace_back();
    std::string_view name;
    if (!get_text(key, "A message attribute name", name)) return false;
    a.name = std::string(name);
    if (!PyDict_Check(value)) {
      PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
                   "Message attribute '%s' must be a dict with DataType and StringValue or BinaryValue.",
                   a.name.c_str());
      return false;
    }
    Py_ssize_t vpos = 0;
    PyObject *field, *field_value;
    bool has_value = false;
    while (PyDict_Next(value, &vpos, &field, &field_value)) {
      const char* f = PyUnicode_Check(field) ? PyUnicode_AsUTF8(field) : nullptr;
      std::string_view text;
      if (f != nullptr && std::strcmp(f, "DataType") == 0) {
        if (!get_text(field_value, "DataType", text)) return false;
        a.data_type = std::string(text);
      } else if (f != nullptr && std::strcmp(f, "StringValue") == 0) {
        if (!get_text(field_value, "StringValue", text)) return false;
        a.value = std::string(text);
        has_value = true;
      } else if (f != nullptr && std::strcmp(f, "BinaryValue") == 0) {
        char* data = nullptr;
        Py_ssize_t n = 0;
        if (!PyBytes_Check(field_value) || PyBytes_AsStringAndSize(field_value, &data, &n) != 0) {
          PyErr_Clear();
          PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
                       "BinaryValue of message attribute '%s' must be bytes.", a.name.c_str());
          return false;
        }
        a.value.assign(data, static_cast<std::size_t>(n));
        a.binary = true;
        has_value = true;
      } else {
        PyErr_Clear();
        PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
                     "Message attribute '%s' has an unsupported field %R (use DataType, StringValue, "
                     "BinaryValue; StringListValues and BinaryListValues are reserved by AWS).",
                     a.name.c_str(), field);
        return false;
      }
    }
    if (a.data_type.empty() || !has_value) {
      PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
                   "Message attribute '%s' needs a DataType and a StringValue or BinaryValue.", a.name.c_str());
      return false;
    }
  }
  return true;
}

PyObject* hex_md5(std::string_view data) {
  const auto digest = md5(data);
  return new_str(to_hex(digest));
}

// ---------------------------------------------------------------------------------------------
// _core.SendResult: MessageId and SequenceNumber of a send, MD5s computed on first access.

struct SendResultObject {
  PyObject_HEAD
  PyObject* id;               // batch entry id, or NULL for a single send
  PyObject* body;             // the body sent (for md5_of_body)
  PyObject* attributes;       // bytes of the encoded attributes, or NULL when none were sent
  PyObject* message_id_str;   // cache
  PyObject* md5_str;          // cache
  MessageId message_id;
  std::uint64_t sequence_number;  // 0 for standard queues
};

PyTypeObject* g_send_result_type = nullptr;

PyObject* make_send_result(PyObject* id, PyObject* body, const SendOutcome& outcome) {
  auto* r = PyObject_New(SendResultObject, g_send_result_type);
  if (r == nullptr) return nullptr;
  Py_XINCREF(id);
  Py_INCREF(body);
  r->id = id;
  r->body = body;
  r->attributes = nullptr;
  r->message_id_str = nullptr;
  r->md5_str = nullptr;
  r->message_id = outcome.message_id;
  r->sequence_number = outcome.sequence_number;
  if (!outcome.attributes.empty()) {
    r->attributes = PyBytes_FromStringAndSize(outcome.attributes.data(),
                                              static_cast<Py_ssize_t>(outcome.attributes.size()));
    if (r->attributes == nullptr) {
      Py_DECREF(r);
      return nullptr;
    }
  }
  return reinterpret_cast<PyObject*>(r);
}

void send_result_dealloc(PyObject* self) {
  auto* r = reinterpret_cast<SendResultObject*>(self);
  PyTypeObject* type = Py_TYPE(self);
  Py_XDECREF(r->id);
  Py_XDECREF(r->body);
  Py_XDECREF(r->attributes);
  Py_XDECREF(r->message_id_str);
  Py_XDECREF(r->md5_str);
  PyObject_Free(self);
  Py_DECREF(type);
}

PyObject* cached(PyObject*& slot, PyObject* fresh) {
  if (slot == nullptr) slot = fresh;
  Py_XINCREF(slot);
  return slot;
}

PyObject* message_id_of(PyObject*& cache, const MessageId& id) {
  if (cache != nullptr) return Py_NewRef(cache);
  char text[kUuidLength];
  format_uuid(id, text);
  return cached(cache, new_ascii_str({text, kUuidLength}));
}

PyObject* body_md5(PyObject*& cache, PyObject* body) {
  if (cache != nullptr) return Py_NewRef(cache);
  std::string_view data;
  BodyKind kind;
  if (!get_body(body, data, kind)) return nullptr;
  return cached(cache, hex_md5(data));
}

PyObject* sequence_number_of(std::uint64_t sequence_number) {
  if (sequence_number == 0) Py_RETURN_NONE;
  return new_str(std::to_string(sequence_number));
}

PyObject* send_result_get_id(PyObject* self, void*) {
  auto* r = reinterpret_cast<SendResultObject*>(self);
  if (r->id == nullptr) Py_RETURN_NONE;
  return Py_NewRef(r->id);
}
PyObject* send_result_get_message_id(PyObject* self, void*) {
  auto* r = reinterpret_cast<SendResultObject*>(self);
  return message_id_of(r->message_id_str, r->message_id);
}
PyObject* send_result_get_md5_of_body(PyObject* self, void*) {
  auto* r = reinterpret_cast<SendResultObject*>(self);
  return body_md5(r->md5_str, r->body);
}
PyObject* send_result_get_md5_of_attributes(PyObject* self, void*) {
  auto* r = reinterpret_cast<SendResultObject*>(self);
  if (r->attributes == nullptr) Py_RETURN_NONE;
  return hex_md5({PyBytes_AS_STRING(r->attributes), static_cast<std::size_t>(PyBytes_GET_SIZE(r->attributes))});
}
PyObject* send_result_get_sequence_number(PyObject* self, void*) {
  return sequence_number_of(reinterpret_cast<SendResultObject*>(self)->sequence_number);
}

PyObject* send_result_repr(PyObject* self) {
  py::object id = py::reinterpret_steal<py::object>(send_result_get_message_id(self, nullptr));
  py::object seq = py::reinterpret_steal<py::object>(send_result_get_sequence_number(self, nullptr));
  return PyUnicode_FromFormat("SendResult(message_id=%R, sequence_number=%R)", id.ptr(), seq.ptr());
}

PyGetSetDef send_result_getset[] = {
    {"id", send_result_get_id, nullptr, "The batch entry id (None for a single send).", nullptr},
    {"message_id", send_result_get_message_id, nullptr, "MessageId (the original's for a FIFO duplicate).", nullptr},
    {"md5_of_body", send_result_get_md5_of_body, nullptr, "MD5OfMessageBody: hex MD5 of the UTF-8 body.", nullptr},
    {"md5_of_message_attributes", send_result_get_md5_of_attributes, nullptr,
     "MD5OfMessageAttributes, or None when no attributes were sent.", nullptr},
    {"sequence_number", send_result_get_sequence_number, nullptr, "SequenceNumber (FIFO), else None.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

// ---------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------
// _core.QueueHandle: the base class of pymsg.Queue; QueueHandle.__init__(core) binds it to the
// pybind11 _core.Queue `core`.

using QueueHandle = CoreHandle<Queue>;

PyTypeObject* g_queue_handle_type = nullptr;

Queue* bound(PyObject* self) { return QueueHandle::bound(self); }

// _core.Message: one received message. Strings and dicts are built on first access.

struct MessageObject {
  PyObject_HEAD
  PyObject* body;                     // str or bytes, the type that was sent
  PyObject* message_id_str;           // caches
  PyObject* receipt_handle_str;
  PyObject* md5_str;
  PyObject* attributes_dict;
  PyObject* message_attributes_dict;
  PyObject* owner;                    // the QueueHandle that received it (a strong reference)
  std::unique_ptr<MessageExtras> extras;  // attributes, group and dedup ids, DLQ source
  MessageId message_id;
  ReceiptHandle handle;               // its text is built on first access
  std::uint32_t receive_count;
  TimeUs sent_us;
  TimeUs first_receive_us;
  std::uint64_t sequence_number;
};

PyTypeObject* g_message_type = nullptr;

PyObject* make_message(PyObject* owner, const ReceivedBatch& batch, ReceivedMessage& m) {
  const std::string_view data = batch.body(m);
  const auto size = static_cast<Py_ssize_t>(data.size());
  PyObject* body = m.body_kind == BodyKind::kAsciiText ? new_ascii_str(data)
                   : m.body_kind == BodyKind::kText    ? PyUnicode_DecodeUTF8(data.data(), size, "strict")
                                                       : PyBytes_FromStringAndSize(data.data(), size);
  if (body == nullptr) return nullptr;
  auto* o = PyObject_New(MessageObject, g_message_type);
  if (o == nullptr) {
    Py_DECREF(body);
    return nullptr;
  }
  o->body = body;
  o->message_id_str = o->receipt_handle_str = o->md5_str = nullptr;
  o->attributes_dict = o->message_attributes_dict = nullptr;
  o->owner = Py_NewRef(owner);
  new (&o->extras) std::unique_ptr<MessageExtras>(
      m.extras ? std::make_unique<MessageExtras>(std::move(*m.extras)) : nullptr);
  o->message_id = m.message_id;
  o->handle = m.handle;
  o->receive_count = m.receive_count;
  o->sent_us = m.sent_us;
  o->first_receive_us = m.first_receive_us;
  o->sequence_number = m.sequence_number;
  return reinterpret_cast<PyObject*>(o);
}

void message_dealloc(PyObject* self) {
  auto* o = reinterpret_cast<MessageObject*>(self);
  PyTypeObject* type = Py_TYPE(self);
  Py_XDECREF(o->body);
  Py_XDECREF(o->message_id_str);
  Py_XDECREF(o->receipt_handle_str);
  Py_XDECREF(o->md5_str);
  Py_XDECREF(o->attributes_dict);
  Py_XDECREF(o->message_attributes_dict);
  Py_DECREF(o->owner);
  o->extras.~unique_ptr<MessageExtras>();
  PyObject_Free(self);
  Py_DECREF(type);
}

MessageObject* as_message(PyObject* self) { return reinterpret_cast<MessageObject*>(self); }
Queue& queue_of_message(MessageObject* m) { return QueueHandle::of(m->owner); }

PyObject* message_get_body(PyObject* self, void*) { return Py_NewRef(as_message(self)->body); }
PyObject* message_get_message_id(PyObject* self, void*) {
  return message_id_of(as_message(self)->message_id_str, as_message(self)->message_id);
}
PyObject* message_get_receipt_handle(PyObject* self, void*) {
  MessageObject* o = as_message(self);
  if (o->receipt_handle_str != nullptr) return Py_NewRef(o->receipt_handle_str);
  char text[kReceiptHandleLength];
  queue_of_message(o).encode_handle(o->handle, text);
  return cached(o->receipt_handle_str, new_ascii_str({text, kReceiptHandleLength}));
}
PyObject* message_get_md5_of_body(PyObject* self, void*) {
  return body_md5(as_message(self)->md5_str, as_message(self)->body);
}
PyObject* message_get_receive_count(PyObject* self, void*) {
  return PyLong_FromUnsignedLong(as_message(self)->receive_count);
}
PyObject* message_get_md5_of_attributes(PyObject* self, void*) {
  MessageObject* o = as_message(self);
  if (!o->extras || o->extras->attributes.empty()) Py_RETURN_NONE;
  return hex_md5(o->extras->attributes);
}

PyObject* build_message_attributes(const std::string& encoded) {
  py::dict out;
  for_each_message_attribute(encoded, [&](const AttributeView& a) {
    py::dict shape;
    shape["DataType"] = py::str(a.data_type.data(), a.data_type.size());
    if (a.binary) {
      shape["BinaryValue"] = py::bytes(a.value.data(), a.value.size());
    } else {
      shape["StringValue"] = py::str(a.value.data(), a.value.size());
    }
    out[py::str(a.name.data(), a.name.size())] = shape;
  });
  return out.release().ptr();
}

PyObject* message_get_message_attributes(PyObject* self, void*) {
  MessageObject* o = as_message(self);
  if (o->message_attributes_dict != nullptr) return Py_NewRef(o->message_attributes_dict);
  try {
    return cached(o->message_attributes_dict,
                  o->extras ? build_message_attributes(o->extras->attributes) : PyDict_New());
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  }
}

PyObject* message_get_attributes(PyObject* self, void*) {
  MessageObject* o = as_message(self);
  if (o->attributes_dict != nullptr) return Py_NewRef(o->attributes_dict);
  try {
    py::dict d;
    const std::string& arn = queue_of_message(o).arn();  // arn:aws:sqs:<region>:<account>:<name>
    const std::size_t account_end = arn.rfind(':');
    const std::size_t account_start = arn.rfind(':', account_end - 1) + 1;
    d["SenderId"] = arn.substr(account_start, account_end - account_start);
    d["SentTimestamp"] = std::to_string(o->sent_us / kUsPerMilli);
    d["ApproximateReceiveCount"] = std::to_string(o->receive_count);
    d["ApproximateFirstReceiveTimestamp"] = std::to_string(o->first_receive_us / kUsPerMilli);
    if (o->extras) {
      const MessageExtras& x = *o->extras;
      if (!x.group_id.empty()) d["MessageGroupId"] = x.group_id;
      if (!x.deduplication_id.empty()) d["MessageDeduplicationId"] = x.deduplication_id;
      if (o->sequence_number != 0) d["SequenceNumber"] = std::to_string(o->sequence_number);
      if (!x.dead_letter_source_arn.empty()) d["DeadLetterQueueSourceArn"] = x.dead_letter_source_arn;
      if (!x.trace_header.empty()) d["AWSTraceHeader"] = x.trace_header;
    }
    return cached(o->attributes_dict, d.release().ptr());
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  }
}

PyObject* message_delete(PyObject* self, PyObject*) {
  MessageObject* o = as_message(self);
  try {
    queue_of_message(o).delete_message(o->handle);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  Py_RETURN_NONE;
}

PyObject* message_change_visibility(PyObject* self, PyObject* arg) {
  MessageObject* o = as_message(self);
  std::optional<double> seconds;
  if (!get_seconds(arg, "VisibilityTimeout", seconds)) return nullptr;
  if (!seconds) return raise(ErrorCode::MissingParameter, "The request must contain the parameter VisibilityTimeout.");
  try {
    queue_of_message(o).change_visibility(o->handle, *seconds);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  Py_RETURN_NONE;
}

PyObject* message_repr(PyObject* self) {
  py::object id = py::reinterpret_steal<py::object>(message_get_message_id(self, nullptr));
  return PyUnicode_FromFormat("Message(message_id=%R, body=%.200R, receive_count=%u)", id.ptr(),
                              as_message(self)->body, as_message(self)->receive_count);
}

PyGetSetDef message_getset[] = {
    {"message_id", message_get_message_id, nullptr, "MessageId (a UUID).", nullptr},
    {"receipt_handle", message_get_receipt_handle, nullptr, "ReceiptHandle of this receive.", nullptr},
    {"body", message_get_body, nullptr, "Body: str or bytes, the type that was sent.", nullptr},
    {"md5_of_body", message_get_md5_of_body, nullptr, "MD5OfBody: hex MD5 of the UTF-8 body.", nullptr},
    {"md5_of_message_attributes", message_get_md5_of_attributes, nullptr,
     "MD5OfMessageAttributes, or None when the message has none.", nullptr},
    {"message_attributes", message_get_message_attributes, nullptr,
     "MessageAttributes in AWS's shape: {name: {'DataType': ..., 'StringValue'|'BinaryValue': ...}}.", nullptr},
    {"attributes", message_get_attributes, nullptr,
     "System attributes by AWS name (SentTimestamp, ApproximateReceiveCount, ...), values as strings.", nullptr},
    {"receive_count", message_get_receive_count, nullptr, "ApproximateReceiveCount as an int.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef message_methods[] = {
    {"delete", message_delete, METH_NOARGS, "DeleteMessage with this message's receipt handle."},
    {"change_visibility", message_change_visibility, METH_O,
     "ChangeMessageVisibility(seconds) with this message's receipt handle."},
    {nullptr, nullptr, 0, nullptr}};

// SendResults of the successful entries of a send_batch.
class SendResultSource final : public ItemSource {
 public:
  std::vector<SendOutcome> outcomes;  // filled by Queue::send_batch, one per entry
  std::vector<PyObject*> refs;        // entry i's id and body at 2i and 2i+1 (owned)
  bool all_succeeded = true;          // else `index` maps successful item -> entry
  std::vector<std::uint32_t> index;

  ~SendResultSource() override {
    for (PyObject* o : refs) Py_DECREF(o);
  }
  Py_ssize_t size() const override {
    return static_cast<Py_ssize_t>(all_succeeded ? outcomes.size() : index.size());
  }
  PyObject* make(Py_ssize_t i) const override {
    const std::size_t k = all_succeeded ? static_cast<std::size_t>(i) : index[static_cast<std::size_t>(i)];
    return make_send_result(refs[2 * k], refs[2 * k + 1], outcomes[k]);
  }
};

// The message ids of the successful entries of a delete_batch(messages).
class MessageIdSource final : public ItemSource {
 public:
  explicit MessageIdSource(PyObject* messages) : messages_(messages) {}  // a tuple, taken
  ~MessageIdSource() override { Py_DECREF(messages_); }
  Py_ssize_t size() const override { return PyTuple_GET_SIZE(messages_); }
  PyObject* make(Py_ssize_t i) const override { return message_get_message_id(PyTuple_GET_ITEM(messages_, i), nullptr); }

 private:
  PyObject* messages_;
};

// ---------------------------------------------------------------------------------------------
// Arguments of the hot methods (METH_FASTCALL | METH_KEYWORDS)

struct Names {  // interned argument names and dict keys of batch entries
  PyObject *id, *body, *delay_seconds, *message_attributes, *group_id, *deduplication_id, *trace_header,
      *receipt_handle, *visibility_timeout, *entries, *max_messages, *wait_time_seconds;
} g_names;

// ---------------------------------------------------------------------------------------------
// Batch results: pymsg.sqs.BatchResult(successful, failed) with failed a list of
// BatchResultErrorEntry(id, code, message, sender_fault); both are NamedTuples that pymsg.sqs
// hands over with _core._set_batch_result_types at import.

// The `failed` list: BatchResultErrorEntry(id, code, message, sender_fault) per error, where
// `id_of(i)` is entry i's id (borrowed).
template <class IdOf>
PyObject* failures_list(const EntryErrors& errors, IdOf id_of) {
  PyObject* failed = PyList_New(0);
  for (const auto& [i, e] : errors) {
    if (failed == nullptr) return nullptr;
    PyObject* id = id_of(i);
    PyObject* entry = id == nullptr ? nullptr
                                    : new_named_tuple(ResultType::BatchResultErrorEntry,
                                                      {Py_NewRef(id), PyUnicode_FromString(error_name(e.code)),
                                                       new_str(e.message), PyBool_FromLong(e.sender_fault ? 1 : 0)});
    if (entry == nullptr || PyList_Append(failed, entry) != 0) Py_CLEAR(failed);
    Py_XDECREF(entry);
  }
  return failed;
}

// BatchResult(successful, failed) from the successful sequence (stolen) and the errors.
template <class IdOf>
PyObject* batch_result(PyObject* successful, const EntryErrors& errors, IdOf id_of) {
  if (successful == nullptr) return nullptr;
  return new_named_tuple(ResultType::BatchResult, {successful, failures_list(errors, id_of)});
}

// The ids of the entries without an error: the `successful` of delete and change visibility.
PyObject* successful_ids(const std::vector<PyObject*>& ids, const EntryErrors& errors) {
  PyObject* ok = PyList_New(0);
  std::size_t next_error = 0;
  for (std::size_t i = 0; ok != nullptr && i < ids.size(); ++i) {
    if (next_error < errors.size() && errors[next_error].first == i) {
      ++next_error;
      continue;
    }
    if (PyList_Append(ok, ids[i]) != 0) Py_CLEAR(ok);
  }
  return ok;
}

// The values of one batch entry, in the order of the keys asked for; [0] is the id. Borrowed.
constexpr std::size_t kMaxEntryKeys = 7;
using EntryValues = std::array<PyObject*, kMaxEntryKeys>;

// Reads a dict entry in one pass over its items (keys are interned, so usually matched by
// pointer); an unknown key is an error, a missing one is left nullptr.
bool read_entry(PyObject* entry, std::initializer_list<PyObject*> keys, EntryValues& values) {
  values.fill(nullptr);
  if (!PyDict_Check(entry)) {
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "Each entry must be a dict, not %s.",
                 Py_TYPE(entry)->tp_name);
    return false;
  }
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(entry, &pos, &key, &value)) {
    const std::size_t j = name_index(key, keys);
    if (j == keys.size()) {
      PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "Unknown batch entry key %R.", key);
      return false;
    }
    values[j] = value;
  }
  return true;
}

// `entry` names the request's entries as AWS does in its message: "SendMessageBatchRequestEntry".
bool check_batch_size(std::size_t count, const SqsLimits& limits, const char* entry) {
  if (count == 0) {
    PyErr_Format(error_class(ErrorCode::EmptyBatchRequest), "There should be at least one %s in the request.", entry);
    return false;
  }
  if (count > limits.max_batch_entries) {
    PyErr_Format(error_class(ErrorCode::TooManyEntriesInBatchRequest),
                 "Maximum number of entries per request are %u. You have sent %zu.", limits.max_batch_entries, count);
    return false;
  }
  return true;
}

// Batch-level checks shared by the three batch calls, in AWS's order: count, then each id's
// format, then distinctness. `values[i][0]` holds entry i's id.
bool check_batch_ids(std::size_t count, const SqsLimits& limits, const std::vector<EntryValues>& values,
                     const char* entry) {
  if (!check_batch_size(count, limits, entry)) return false;
  for (std::size_t i = 0; i < values.size(); ++i) {
    PyObject* id = values[i][0];
    std::string_view text;
    if (id == nullptr) return raise(ErrorCode::MissingParameter, "Each entry must have an 'id'."), false;
    if (!get_text(id, "Entry id", text)) return false;
    if (!is_valid_batch_entry_id(text)) {
      PyErr_Format(error_class(ErrorCode::InvalidBatchEntryId),
                   "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                   "It can be at most 80 letters long.");
      return false;
    }
    for (std::size_t j = 0; j < i; ++j) {
      // The earlier ids are valid str (their UTF-8 is cached). Sizes and first bytes first: ids
      // are short, and a memcmp call costs more than they do.
      Py_ssize_t size = 0;
      const char* other = PyUnicode_AsUTF8AndSize(values[j][0], &size);
      if (static_cast<std::size_t>(size) == text.size() && other[0] == text[0] && text == std::string_view(other, text.size())) {
        PyErr_Format(error_class(ErrorCode::BatchEntryIdsNotDistinct), "Id %R repeated.", id);
        return false;
      }
    }
  }
  return true;
}

// Reads every entry of a batch (a list or tuple of dicts) and runs the batch-level checks.
bool read_batch(PyObject* entries, const SqsLimits& limits, const char* entry, std::initializer_list<PyObject*> keys,
                std::vector<EntryValues>& values) {
  if (!PyList_Check(entries) && !PyTuple_Check(entries)) {
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "Entries must be a list of dicts, not %s.",
                 Py_TYPE(entries)->tp_name);
    return false;
  }
  const auto n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(entries));
  if (!check_batch_size(n, limits, entry)) return false;
  PyObject** items = PySequence_Fast_ITEMS(entries);
  values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!read_entry(items[i], keys, values[i])) return false;
  }
  return check_batch_ids(n, limits, values, entry);
}

// ---------------------------------------------------------------------------------------------
// The hot methods

// Fills a SendRequest from (body, delay_seconds, message_attributes, group_id, deduplication_id,
// trace_header), any but the body nullptr; the views borrow from the Python objects, which
// outlive the call.
bool fill_send_request(PyObject* const* a, SendRequest& r) {
  return get_body(a[0], r.body, r.body_kind) && get_seconds(a[1], "DelaySeconds", r.delay_seconds) &&
         get_attributes(a[2], r.attributes) && get_optional_text(a[3], "MessageGroupId", r.group_id) &&
         get_optional_text(a[4], "MessageDeduplicationId", r.deduplication_id) &&
         get_optional_text(a[5], "AWSTraceHeader", r.trace_header);
}

PyObject* queue_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Queue* queue = bound(self);
  PyObject* a[6];
  if (queue == nullptr ||
      !bind_arguments("send", args, nargs, kwnames,
                      {g_names.body, g_names.delay_seconds, g_names.message_attributes, g_names.group_id,
                       g_names.deduplication_id, g_names.trace_header},
                      1, 1, a)) {
    return nullptr;
  }
  SendRequest request;
  if (!fill_send_request(a, request)) return nullptr;
  SendOutcome outcome;
  try {
    outcome = queue->send(request);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  return make_send_result(nullptr, a[0], outcome);
}

PyObject* queue_send_batch(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Queue* queue = bound(self);
  PyObject* entries;
  if (queue == nullptr || !bind_arguments("send_batch", args, nargs, kwnames, {g_names.entries}, 1, 1, &entries)) {
    return nullptr;
  }
  std::vector<EntryValues> values;
  if (!read_batch(entries, queue->limits(), "SendMessageBatchRequestEntry",
                  {g_names.id, g_names.body, g_names.delay_seconds, g_names.message_attributes, g_names.group_id,
                   g_names.deduplication_id, g_names.trace_header},
                  values)) {
    return nullptr;
  }
  const std::size_t n = values.size();
  std::vector<SendRequest> requests(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (values[i][1] == nullptr) {
      PyErr_Format(error_class(ErrorCode::MissingParameter),
                   "The request must contain the parameter MessageBody (entry %R).", values[i][0]);
      return nullptr;
    }
    if (!fill_send_request(values[i].data() + 1, requests[i])) return nullptr;
  }
  auto source = std::make_unique<SendResultSource>();
  EntryErrors errors;
  try {
    queue->send_batch(requests, source->outcomes, errors);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  source->refs.reserve(2 * n);
  source->all_succeeded = errors.empty();
  for (std::size_t i = 0, next_error = 0; i < n; ++i) {
    source->refs.push_back(Py_NewRef(values[i][0]));
    source->refs.push_back(Py_NewRef(values[i][1]));
    if (next_error < errors.size() && errors[next_error].first == i) {
      ++next_error;
    } else if (!source->all_succeeded) {
      source->index.push_back(static_cast<std::uint32_t>(i));
    }
  }
  return batch_result(make_lazy_results(std::move(source)), errors,
                      [&](std::size_t i) { return values[i][0]; });
}

// A receive that moved messages to the dead-letter queue says so on the `pymsg.sqs` logger.
void log_dead_letters(const Queue& queue, std::uint32_t count) {
  const QueueConfig config = queue.config();
  log_event("pymsg.sqs", "info", "sIsIs", "%d message(s) of queue %s reached maxReceiveCount %d and moved to %s",
            count, queue.name().c_str(), config.max_receive_count, config.dead_letter_target_arn.c_str());
}

PyObject* queue_receive(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Queue* queue = bound(self);
  PyObject* a[3];
  if (queue == nullptr ||
      !bind_arguments("receive", args, nargs, kwnames,
                      {g_names.max_messages, g_names.wait_time_seconds, g_names.visibility_timeout}, 1, 0, a)) {
    return nullptr;
  }
  long max_messages = 1;
  if (a[0] != nullptr) {
    max_messages = PyBool_Check(a[0]) ? -1 : PyLong_AsLong(a[0]);
    if (max_messages == -1 && PyErr_Occurred()) {
      PyErr_Clear();
    } else if (!PyBool_Check(a[0]) && max_messages < 1) {  // an int below the range: the core's message, with it
      return raise(invalid_max_messages(max_messages, queue->limits().max_receive_messages));
    }
    if (max_messages < 1 || max_messages > 0xFFFFFFF) {
      return raise(ErrorCode::InvalidParameterValue,
                   "Value for parameter MaxNumberOfMessages is invalid. Reason: must be an int between 1 and 10.");
    }
  }
  std::optional<double> wait, visibility;
  if (!get_seconds(a[1], "WaitTimeSeconds", wait) || !get_seconds(a[2], "VisibilityTimeout", visibility)) {
    return nullptr;
  }
  std::optional<TimeUs> visibility_us;
  if (visibility) visibility_us = *visibility < 0 ? -1 : seconds_to_us(*visibility);
  std::optional<TimeUs> wait_us;
  if (wait) wait_us = *wait < 0 ? -kUsPerSecond : seconds_to_us(*wait);
  ReceivedBatch out;
  try {
    const auto count = static_cast<std::uint32_t>(max_messages);
    // First without blocking, holding the GIL: most receives find a message at once.
    if (queue->receive(count, visibility_us, wait_us, out, /*block=*/false)) {
      py::gil_scoped_release release;  // a long poll blocks: let other threads run meanwhile
      queue->receive(count, visibility_us, wait_us, out);
    }
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  if (out.dead_lettered != 0) log_dead_letters(*queue, out.dead_lettered);
  PyObject* list = PyList_New(static_cast<Py_ssize_t>(out.messages.size()));
  if (list == nullptr) return nullptr;
  for (std::size_t i = 0; i < out.messages.size(); ++i) {
    PyObject* message = make_message(self, out, out.messages[i]);
    if (message == nullptr) {
      Py_DECREF(list);
      return nullptr;
    }
    PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), message);
  }
  return list;
}

PyObject* queue_delete(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Queue* queue = bound(self);
  PyObject* handle_arg;
  std::string_view handle;
  if (queue == nullptr ||
      !bind_arguments("delete", args, nargs, kwnames, {g_names.receipt_handle}, 1, 1, &handle_arg) ||
      !get_text(handle_arg, "ReceiptHandle", handle)) {
    return nullptr;
  }
  try {
    queue->delete_message(handle);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  Py_RETURN_NONE;
}

PyObject* queue_change_visibility(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Queue* queue = bound(self);
  PyObject* a[2];
  std::string_view handle;
  std::optional<double> seconds;
  if (queue == nullptr ||
      !bind_arguments("change_visibility", args, nargs, kwnames, {g_names.receipt_handle, g_names.visibility_timeout},
                      2, 2, a) ||
      !get_text(a[0], "ReceiptHandle", handle) || !get_seconds(a[1], "VisibilityTimeout", seconds)) {
    return nullptr;
  }
  if (!seconds) return raise(ErrorCode::MissingParameter, "The request must contain the parameter VisibilityTimeout.");
  try {
    queue->change_visibility(handle, *seconds);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  Py_RETURN_NONE;
}

// Two 8-byte compares: std::array's == calls memcmp, which costs more than the ids here.
bool same_id(const MessageId& a, const MessageId& b) {
  std::uint64_t x[2], y[2];
  std::memcpy(x, a.data(), sizeof x);
  std::memcpy(y, b.data(), sizeof y);
  return x[0] == y[0] && x[1] == y[1];
}

// delete_batch of received Message objects: the entry id is the message id, and a message this
// queue received is deleted by its handle's fields (no text to encode and decode).
PyObject* delete_messages(Queue& queue, PyObject* entries) {
  const auto n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(entries));
  if (!check_batch_size(n, queue.limits(), "DeleteMessageBatchRequestEntry")) return nullptr;
  PyObject** items = PySequence_Fast_ITEMS(entries);
  std::vector<ReceiptHandle> handles(n);
  bool foreign = false;  // some message came from another queue
  for (std::size_t i = 0; i < n; ++i) {
    if (Py_TYPE(items[i]) != g_message_type) {
      return raise(ErrorCode::InvalidParameterValue, "Entries must be all dicts or all Message objects.");
    }
    MessageObject* m = as_message(items[i]);
    for (std::size_t j = 0; j < i; ++j) {
      if (same_id(as_message(items[j])->message_id, m->message_id)) {
        Py_XDECREF(message_get_message_id(items[i], nullptr));
        PyErr_Format(error_class(ErrorCode::BatchEntryIdsNotDistinct), "Id %R repeated.", m->message_id_str);
        return nullptr;
      }
    }
    handles[i] = m->handle;
    foreign = foreign || &queue_of_message(m) != &queue;
  }
  EntryErrors errors;
  try {
    if (!foreign) {
      queue.delete_batch(handles, errors);
    } else {  // their handles' text, which this queue refuses as AWS does (ReceiptHandleIsInvalid)
      std::vector<std::array<char, kReceiptHandleLength>> texts(n);
      std::vector<std::string_view> views(n);
      for (std::size_t i = 0; i < n; ++i) {
        queue_of_message(as_message(items[i])).encode_handle(handles[i], texts[i].data());
        views[i] = {texts[i].data(), kReceiptHandleLength};
      }
      queue.delete_batch(views, errors);
    }
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  PyObject* succeeded = PyTuple_New(static_cast<Py_ssize_t>(n - errors.size()));  // a snapshot of them
  if (succeeded == nullptr) return nullptr;
  for (std::size_t i = 0, next_error = 0, k = 0; i < n; ++i) {
    if (next_error < errors.size() && errors[next_error].first == i) {
      ++next_error;
    } else {
      PyTuple_SET_ITEM(succeeded, static_cast<Py_ssize_t>(k++), Py_NewRef(items[i]));
    }
  }
  return batch_result(make_lazy_results(std::make_unique<MessageIdSource>(succeeded)), errors, [&](std::size_t i) {
    Py_XDECREF(message_get_message_id(items[i], nullptr));  // caches message_id_str
    return as_message(items[i])->message_id_str;  // borrowed from the message, alive as `entries` is
  });
}

// Entries are dicts with id and receipt_handle, or received Message objects.
PyObject* queue_delete_batch(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Queue* queue = bound(self);
  PyObject* entries;
  if (queue == nullptr || !bind_arguments("delete_batch", args, nargs, kwnames, {g_names.entries}, 1, 1, &entries)) {
    return nullptr;
  }
  if ((PyList_Check(entries) || PyTuple_Check(entries)) && PySequence_Fast_GET_SIZE(entries) > 0 &&
      Py_TYPE(PySequence_Fast_ITEMS(entries)[0]) == g_message_type) {
    return delete_messages(*queue, entries);
  }
  std::vector<EntryValues> values;
  if (!read_batch(entries, queue->limits(), "DeleteMessageBatchRequestEntry", {g_names.id, g_names.receipt_handle},
                  values)) {
    return nullptr;
  }
  std::vector<std::string_view> handles(values.size());
  std::vector<PyObject*> ids(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ids[i] = values[i][0];
    if (values[i][1] == nullptr) {
      return raise(ErrorCode::MissingParameter, "The request must contain the parameter ReceiptHandle in every entry.");
    }
    if (!get_text(values[i][1], "ReceiptHandle", handles[i])) return nullptr;
  }
  EntryErrors errors;
  try {
    queue->delete_batch(handles, errors);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  return batch_result(successful_ids(ids, errors), errors, [&](std::size_t i) { return ids[i]; });
}

PyObject* queue_change_visibility_batch(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Queue* queue = bound(self);
  PyObject* entries;
  if (queue == nullptr ||
      !bind_arguments("change_visibility_batch", args, nargs, kwnames, {g_names.entries}, 1, 1, &entries)) {
    return nullptr;
  }
  std::vector<EntryValues> values;
  if (!read_batch(entries, queue->limits(), "ChangeMessageVisibilityBatchRequestEntry",
                  {g_names.id, g_names.receipt_handle, g_names.visibility_timeout}, values)) {
    return nullptr;
  }
  std::vector<std::pair<std::string_view, double>> requests(values.size());
  std::vector<PyObject*> ids(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ids[i] = values[i][0];
    std::optional<double> seconds;
    if (values[i][1] == nullptr || values[i][2] == nullptr) {
      return raise(ErrorCode::MissingParameter, "Every entry must contain receipt_handle and visibility_timeout.");
    }
    if (!get_text(values[i][1], "ReceiptHandle", requests[i].first) ||
        !get_seconds(values[i][2], "VisibilityTimeout", seconds)) {
      return nullptr;
    }
    requests[i].second = *seconds;
  }
  EntryErrors errors;
  try {
    queue->change_visibility_batch(requests, errors);
    commit_journal();  // the log has what the call did (fsync=always: on the disk)
  } catch (...) {
    return raise_current();
  }
  return batch_result(successful_ids(ids, errors), errors, [&](std::size_t i) { return ids[i]; });
}

// Docstrings start with the signature (the `--` line makes it __text_signature__ for help()).
PyMethodDef queue_hot_methods[] = {
    {"send", fastcall<queue_send>(), kFast,
     "send($self, body, *, delay_seconds=None, message_attributes=None, group_id=None, "
     "deduplication_id=None, trace_header=None)\n--\n\n"
     "SendMessage: enqueue one message; returns a SendResult (message_id, md5_of_body,\n"
     "md5_of_message_attributes, sequence_number).\n\n"
     "``body`` is str or bytes and comes back as the same type. ``group_id`` is required on FIFO\n"
     "queues and optional on standard ones (fair queues); a FIFO send that repeats a\n"
     "deduplication id within five minutes is accepted, not enqueued, and answers with the\n"
     "first message's id."},
    {"send_batch", fastcall<queue_send_batch>(), kFast,
     "send_batch($self, entries)\n--\n\n"
     "SendMessageBatch: 1-10 entries, each a dict with ``id``, ``body`` and the optional keys\n"
     "of send(). Returns BatchResult(successful, failed): successful holds SendResult objects\n"
     "(with ``.id``). Entries fail one by one; the call raises only for batch-level errors\n"
     "(empty, too many, bad or repeated ids, over 1 MiB in total)."},
    {"receive", fastcall<queue_receive>(), kFast,
     "receive($self, max_messages=1, *, wait_time_seconds=None, visibility_timeout=None)\n--\n\n"
     "ReceiveMessage: up to ``max_messages`` (1-10) messages, each invisible to other\n"
     "receivers for ``visibility_timeout`` seconds (default: the queue's). With\n"
     "``wait_time_seconds`` > 0 (default: the queue's ReceiveMessageWaitTimeSeconds) it long-polls,\n"
     "returning as soon as a message is there; the wait releases the GIL."},
    {"delete", fastcall<queue_delete>(), kFast,
     "delete($self, receipt_handle)\n--\n\n"
     "DeleteMessage by receipt handle. Deleting again succeeds; an older handle of a message\n"
     "received since succeeds without deleting it (standard queues), as AWS documents."},
    {"delete_batch", fastcall<queue_delete_batch>(), kFast,
     "delete_batch($self, entries)\n--\n\n"
     "DeleteMessageBatch: entries are dicts with ``id`` and ``receipt_handle``, or the received\n"
     "Message objects themselves (each entry id is then its message id). Returns\n"
     "BatchResult(successful ids, failed)."},
    {"change_visibility", fastcall<queue_change_visibility>(), kFast,
     "change_visibility($self, receipt_handle, visibility_timeout)\n--\n\n"
     "ChangeMessageVisibility: the message becomes visible ``visibility_timeout`` seconds from\n"
     "now (0: at once); the total may not pass 12 hours from its receive."},
    {"change_visibility_batch", fastcall<queue_change_visibility_batch>(), kFast,
     "change_visibility_batch($self, entries)\n--\n\n"
     "ChangeMessageVisibilityBatch: dicts with ``id``, ``receipt_handle``, ``visibility_timeout``.\n"
     "Returns BatchResult(successful ids, failed)."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void register_sqs_hot(py::module_& m) {
  g_names = {PyUnicode_InternFromString("id"),
             PyUnicode_InternFromString("body"),
             PyUnicode_InternFromString("delay_seconds"),
             PyUnicode_InternFromString("message_attributes"),
             PyUnicode_InternFromString("group_id"),
             PyUnicode_InternFromString("deduplication_id"),
             PyUnicode_InternFromString("trace_header"),
             PyUnicode_InternFromString("receipt_handle"),
             PyUnicode_InternFromString("visibility_timeout"),
             PyUnicode_InternFromString("entries"),
             PyUnicode_InternFromString("max_messages"),
             PyUnicode_InternFromString("wait_time_seconds")};

  g_send_result_type = make_type("pymsg._core.SendResult", sizeof(SendResultObject), send_result_dealloc,
                                 send_result_repr, send_result_getset, no_methods,
                                 "The result of SendMessage (or one successful SendMessageBatch entry).");
  g_message_type = make_type("pymsg._core.Message", sizeof(MessageObject), message_dealloc, message_repr,
                             message_getset, message_methods, "A received SQS message.");
  g_queue_handle_type = QueueHandle::make_type("pymsg._core.QueueHandle", "pymsg._core.Queue", queue_hot_methods,
                                                "The per-message SQS calls; the base of pymsg.Queue.");
  if (g_send_result_type == nullptr || g_message_type == nullptr || g_queue_handle_type == nullptr) {
    throw py::error_already_set();
  }
  m.add_object("SendResult", py::handle(reinterpret_cast<PyObject*>(g_send_result_type)));
  m.add_object("Message", py::handle(reinterpret_cast<PyObject*>(g_message_type)));
  m.add_object("QueueHandle", py::handle(reinterpret_cast<PyObject*>(g_queue_handle_type)));
}

}  // namespace pymsg::bindings
