// The SQS binding: pybind11 for the registry and the cold calls; the per-message hot calls
// (send, receive, delete, change visibility, their batches) and the objects they return
// (Message, SendResult) use the CPython API directly, because pybind11's dispatch and instance
// creation cost several hundred nanoseconds each, more than the core's own work per message.
//
// GIL: request arguments are read while holding it; a receive that must wait releases it
// (a long poll blocks). Short calls keep it: releasing and re-taking costs more than they do.
// Results are copied out of the core under the queue's lock and turned into Python objects only
// after it is released; nothing here calls into Python while holding a core lock.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "pymsg/broker.hpp"
#include "pymsg/hash.hpp"
#include "pymsg/validation.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

// ---------------------------------------------------------------------------------------------
// Argument conversion (borrowed references; raise pymsg errors for wrong types)

bool get_body(PyObject* o, std::string_view& body, bool& is_text) {
  Py_ssize_t n = 0;
  if (PyUnicode_Check(o)) {
    const char* s = PyUnicode_AsUTF8AndSize(o, &n);
    if (s == nullptr) {
      PyErr_Clear();
      raise(ErrorCode::InvalidMessageContents, "MessageBody is not valid Unicode (it holds lone surrogates).");
      return false;
    }
    body = {s, static_cast<std::size_t>(n)};
    is_text = true;
    return true;
  }
  if (PyBytes_Check(o)) {
    body = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
    is_text = false;
    return true;
  }
  PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
               "MessageBody must be str or bytes, not %s.", Py_TYPE(o)->tp_name);
  return false;
}

bool get_text(PyObject* o, const char* parameter, std::string_view& out) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_Check(o) ? PyUnicode_AsUTF8AndSize(o, &n) : nullptr;
  if (s == nullptr) {
    PyErr_Clear();
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "%s must be a str, not %s.",
                 parameter, Py_TYPE(o)->tp_name);
    return false;
  }
  out = {s, static_cast<std::size_t>(n)};
  return true;
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

Queue& queue_of(PyObject* self) { return py::handle(self).cast<Queue&>(); }

PyObject* new_str(std::string_view s) {
  return PyUnicode_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
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
  return cached(cache, PyUnicode_FromStringAndSize(text, kUuidLength));
}

PyObject* body_md5(PyObject*& cache, PyObject* body) {
  if (cache != nullptr) return Py_NewRef(cache);
  std::string_view data;
  bool is_text = false;
  if (!get_body(body, data, is_text)) return nullptr;
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
// _core.Message: one received message. Strings and dicts are built on first access.

struct MessageObject {
  PyObject_HEAD
  PyObject* body;                     // str or bytes, the type that was sent
  PyObject* message_id_str;           // caches
  PyObject* receipt_handle_str;
  PyObject* md5_str;
  PyObject* attributes_dict;
  PyObject* message_attributes_dict;
  std::shared_ptr<Queue> queue;       // for delete() and change_visibility()
  std::unique_ptr<MessageExtras> extras;  // attributes, group and dedup ids, DLQ source
  MessageId message_id;
  char receipt_handle[kReceiptHandleLength];
  std::uint32_t receive_count;
  TimeUs sent_us;
  TimeUs first_receive_us;
  std::uint64_t sequence_number;
};

PyTypeObject* g_message_type = nullptr;

PyObject* make_message(const std::shared_ptr<Queue>& queue, ReceivedMessage& m) {
  PyObject* body = m.is_text
                       ? PyUnicode_DecodeUTF8(m.body.data(), static_cast<Py_ssize_t>(m.body.size()), "strict")
                       : PyBytes_FromStringAndSize(m.body.data(), static_cast<Py_ssize_t>(m.body.size()));
  if (body == nullptr) return nullptr;
  auto* o = PyObject_New(MessageObject, g_message_type);
  if (o == nullptr) {
    Py_DECREF(body);
    return nullptr;
  }
  o->body = body;
  o->message_id_str = o->receipt_handle_str = o->md5_str = nullptr;
  o->attributes_dict = o->message_attributes_dict = nullptr;
  new (&o->queue) std::shared_ptr<Queue>(queue);
  new (&o->extras) std::unique_ptr<MessageExtras>(
      m.extras ? std::make_unique<MessageExtras>(std::move(*m.extras)) : nullptr);
  o->message_id = m.message_id;
  std::memcpy(o->receipt_handle, m.receipt_handle, kReceiptHandleLength);
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
  o->queue.~shared_ptr<Queue>();
  o->extras.~unique_ptr<MessageExtras>();
  PyObject_Free(self);
  Py_DECREF(type);
}

MessageObject* as_message(PyObject* self) { return reinterpret_cast<MessageObject*>(self); }

PyObject* message_get_body(PyObject* self, void*) { return Py_NewRef(as_message(self)->body); }
PyObject* message_get_message_id(PyObject* self, void*) {
  return message_id_of(as_message(self)->message_id_str, as_message(self)->message_id);
}
PyObject* message_get_receipt_handle(PyObject* self, void*) {
  MessageObject* o = as_message(self);
  if (o->receipt_handle_str != nullptr) return Py_NewRef(o->receipt_handle_str);
  return cached(o->receipt_handle_str, PyUnicode_FromStringAndSize(o->receipt_handle, kReceiptHandleLength));
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
    const std::string& arn = o->queue->arn();  // arn:aws:sqs:<region>:<account>:<name>
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
    o->queue->delete_message({o->receipt_handle, kReceiptHandleLength});
  } catch (const Error& e) {
    return raise(e);
  }
  Py_RETURN_NONE;
}

PyObject* message_change_visibility(PyObject* self, PyObject* arg) {
  MessageObject* o = as_message(self);
  std::optional<double> seconds;
  if (!get_seconds(arg, "VisibilityTimeout", seconds)) return nullptr;
  if (!seconds) return raise(ErrorCode::MissingParameter, "The request must contain the parameter VisibilityTimeout.");
  try {
    o->queue->change_visibility({o->receipt_handle, kReceiptHandleLength}, *seconds);
  } catch (const Error& e) {
    return raise(e);
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

PyTypeObject* make_type(const char* name, int basicsize, destructor dealloc, reprfunc repr,
                        PyGetSetDef* getset, PyMethodDef* methods, const char* doc) {
  PyType_Slot slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(dealloc)},
                         {Py_tp_repr, reinterpret_cast<void*>(repr)},
                         {Py_tp_getset, getset},
                         {Py_tp_methods, methods},
                         {Py_tp_doc, const_cast<char*>(doc)},
                         {0, nullptr}};
  PyType_Spec spec = {name, basicsize, 0, Py_TPFLAGS_DEFAULT, slots};
  return reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));
}

PyMethodDef no_methods[] = {{nullptr, nullptr, 0, nullptr}};

// ---------------------------------------------------------------------------------------------
// Queue hot methods (METH_FASTCALL, positional; the Python layer maps keywords)

PyObject* arg(PyObject* const* args, Py_ssize_t nargs, Py_ssize_t i) {
  return i < nargs ? args[i] : nullptr;
}

bool check_nargs(const char* name, Py_ssize_t nargs, Py_ssize_t lo, Py_ssize_t hi) {
  if (nargs >= lo && nargs <= hi) return true;
  PyErr_Format(PyExc_TypeError, "%s takes %zd to %zd positional arguments (%zd given)", name, lo, hi, nargs);
  return false;
}

// Fills a SendRequest from (body, delay_seconds, message_attributes, group_id, deduplication_id,
// trace_header); the views borrow from the Python objects, which outlive the call.
bool fill_send_request(PyObject* const* a, Py_ssize_t n, SendRequest& r) {
  return get_body(a[0], r.body, r.is_text) && get_seconds(arg(a, n, 1), "DelaySeconds", r.delay_seconds) &&
         get_attributes(arg(a, n, 2), r.attributes) && get_optional_text(arg(a, n, 3), "MessageGroupId", r.group_id) &&
         get_optional_text(arg(a, n, 4), "MessageDeduplicationId", r.deduplication_id) &&
         get_optional_text(arg(a, n, 5), "AWSTraceHeader", r.trace_header);
}

PyObject* queue_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!check_nargs("send", nargs, 1, 6)) return nullptr;
  SendRequest request;
  if (!fill_send_request(args, nargs, request)) return nullptr;
  SendOutcome outcome;
  try {
    outcome = queue_of(self).send(request);
  } catch (const Error& e) {
    return raise(e);
  }
  return make_send_result(nullptr, args[0], outcome);
}

struct Keys {  // interned dict keys of batch entries
  PyObject *id, *body, *delay_seconds, *message_attributes, *group_id, *deduplication_id, *trace_header,
      *receipt_handle, *visibility_timeout;
} g_keys;

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
    std::size_t j = 0;
    for (PyObject* k : keys) {
      if (key == k || (PyUnicode_Check(key) && PyUnicode_Compare(key, k) == 0)) break;
      ++j;
    }
    if (j == keys.size()) {
      PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "Unknown batch entry key %R.", key);
      return false;
    }
    values[j] = value;
  }
  return true;
}

// Batch-level checks shared by the three batch calls, in AWS's order: count, then each id's
// format, then distinctness. `values[i][0]` holds entry i's id.
bool check_batch_ids(std::size_t count, const SqsLimits& limits, const std::vector<EntryValues>& values) {
  if (count == 0) return raise(ErrorCode::EmptyBatchRequest, "There should be at least one entry in the request."), false;
  if (count > limits.max_batch_entries) {
    PyErr_Format(error_class(ErrorCode::TooManyEntriesInBatchRequest),
                 "Maximum number of entries per request are %u. You have sent %zu.", limits.max_batch_entries, count);
    return false;
  }
  std::vector<std::string_view> texts(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    PyObject* id = values[i][0];
    if (id == nullptr) return raise(ErrorCode::MissingParameter, "Each entry must have an 'id'."), false;
    if (!get_text(id, "Entry id", texts[i])) return false;
    if (!is_valid_batch_entry_id(texts[i])) {
      PyErr_Format(error_class(ErrorCode::InvalidBatchEntryId),
                   "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                   "It can be at most 80 letters long (got %R).", id);
      return false;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (texts[j] == texts[i]) {
        PyErr_Format(error_class(ErrorCode::BatchEntryIdsNotDistinct), "Id %R repeated.", id);
        return false;
      }
    }
  }
  return true;
}

// Reads every entry of a batch (a list or tuple of dicts) and runs the batch-level checks.
bool read_batch(PyObject* entries, const SqsLimits& limits, std::initializer_list<PyObject*> keys,
                std::vector<EntryValues>& values) {
  if (!PyList_Check(entries) && !PyTuple_Check(entries)) {
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "Entries must be a list of dicts, not %s.",
                 Py_TYPE(entries)->tp_name);
    return false;
  }
  const auto n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(entries));
  if (n == 0 || n > limits.max_batch_entries) return check_batch_ids(n, limits, values);
  PyObject** items = PySequence_Fast_ITEMS(entries);
  values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!read_entry(items[i], keys, values[i])) return false;
  }
  return check_batch_ids(n, limits, values);
}

PyObject* failures_list(const std::vector<PyObject*>& ids, const std::vector<std::optional<EntryError>>& errors) {
  PyObject* failed = PyList_New(0);
  if (failed == nullptr) return nullptr;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) continue;
    PyObject* t = Py_BuildValue("(Ossi)", ids[i], error_name(errors[i]->code), errors[i]->message.c_str(),
                                errors[i]->sender_fault ? 1 : 0);
    if (t == nullptr || PyList_Append(failed, t) != 0) {
      Py_XDECREF(t);
      Py_DECREF(failed);
      return nullptr;
    }
    Py_DECREF(t);
  }
  return failed;
}

// Returns (successful, failed): successful a list of SendResult (with .id); failed a list of
// (id, code, message, sender_fault) tuples.
PyObject* queue_send_batch(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!check_nargs("send_batch", nargs, 1, 1)) return nullptr;
  Queue& queue = queue_of(self);
  std::vector<EntryValues> values;
  if (!read_batch(args[0], queue.limits(),
                  {g_keys.id, g_keys.body, g_keys.delay_seconds, g_keys.message_attributes, g_keys.group_id,
                   g_keys.deduplication_id, g_keys.trace_header},
                  values)) {
    return nullptr;
  }
  const std::size_t n = values.size();
  std::vector<SendRequest> requests(n);
  std::vector<PyObject*> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = values[i][0];
    if (values[i][1] == nullptr) {
      PyErr_Format(error_class(ErrorCode::MissingParameter),
                   "The request must contain the parameter MessageBody (entry %R).", ids[i]);
      return nullptr;
    }
    if (!fill_send_request(values[i].data() + 1, 6, requests[i])) return nullptr;
  }
  std::vector<SendOutcome> outcomes;
  std::vector<std::optional<EntryError>> errors;
  try {
    queue.send_batch(requests, outcomes, errors);
  } catch (const Error& e) {
    return raise(e);
  }
  py::list successful;
  for (std::size_t i = 0; i < n; ++i) {
    if (errors[i]) continue;
    PyObject* r = make_send_result(ids[i], values[i][1], outcomes[i]);
    if (r == nullptr) return nullptr;
    successful.append(py::reinterpret_steal<py::object>(r));
  }
  PyObject* failed = failures_list(ids, errors);
  if (failed == nullptr) return nullptr;
  return PyTuple_Pack(2, successful.ptr(), py::reinterpret_steal<py::object>(failed).ptr());
}

// receive(max_messages, wait_time_seconds=None, visibility_timeout=None) -> list[Message]
PyObject* queue_receive(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!check_nargs("receive", nargs, 0, 3)) return nullptr;
  long max_messages = 1;
  if (PyObject* m = arg(args, nargs, 0)) {
    max_messages = PyBool_Check(m) ? -1 : PyLong_AsLong(m);
    if (max_messages == -1 && PyErr_Occurred()) PyErr_Clear();
    if (max_messages < 1 || max_messages > 0xFFFFFFF) {
      return raise(ErrorCode::InvalidParameterValue,
                   "Value for parameter MaxNumberOfMessages is invalid. Reason: must be an int between 1 and 10.");
    }
  }
  std::optional<double> wait, visibility;
  if (!get_seconds(arg(args, nargs, 1), "WaitTimeSeconds", wait) ||
      !get_seconds(arg(args, nargs, 2), "VisibilityTimeout", visibility)) {
    return nullptr;
  }
  const auto queue = py::handle(self).cast<std::shared_ptr<Queue>>();
  std::optional<TimeUs> visibility_us;
  if (visibility) visibility_us = *visibility < 0 ? -1 : seconds_to_us(*visibility);
  std::optional<TimeUs> wait_us;
  if (wait) wait_us = *wait < 0 ? -kUsPerSecond : seconds_to_us(*wait);
  std::vector<ReceivedMessage> out;
  try {
    const auto count = static_cast<std::uint32_t>(max_messages);
    // First without blocking, holding the GIL: most receives find a message at once.
    if (queue->receive(count, visibility_us, wait_us, out, /*block=*/false)) {
      py::gil_scoped_release release;  // a long poll blocks: let other threads run meanwhile
      queue->receive(count, visibility_us, wait_us, out);
    }
  } catch (const Error& e) {
    return raise(e);
  }
  PyObject* list = PyList_New(static_cast<Py_ssize_t>(out.size()));
  if (list == nullptr) return nullptr;
  for (std::size_t i = 0; i < out.size(); ++i) {
    PyObject* message = make_message(queue, out[i]);
    if (message == nullptr) {
      Py_DECREF(list);
      return nullptr;
    }
    PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), message);
  }
  return list;
}

PyObject* queue_delete(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!check_nargs("delete", nargs, 1, 1)) return nullptr;
  std::string_view handle;
  if (!get_text(args[0], "ReceiptHandle", handle)) return nullptr;
  try {
    queue_of(self).delete_message(handle);
  } catch (const Error& e) {
    return raise(e);
  }
  Py_RETURN_NONE;
}

PyObject* queue_change_visibility(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!check_nargs("change_visibility", nargs, 2, 2)) return nullptr;
  std::string_view handle;
  std::optional<double> seconds;
  if (!get_text(args[0], "ReceiptHandle", handle) || !get_seconds(args[1], "VisibilityTimeout", seconds)) {
    return nullptr;
  }
  if (!seconds) return raise(ErrorCode::MissingParameter, "The request must contain the parameter VisibilityTimeout.");
  try {
    queue_of(self).change_visibility(handle, *seconds);
  } catch (const Error& e) {
    return raise(e);
  }
  Py_RETURN_NONE;
}

// Returns (successful ids, failed tuples).
PyObject* batch_result(const std::vector<PyObject*>& ids, const std::vector<std::optional<EntryError>>& errors) {
  PyObject* ok = PyList_New(0);
  if (ok == nullptr) return nullptr;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!errors[i] && PyList_Append(ok, ids[i]) != 0) {
      Py_DECREF(ok);
      return nullptr;
    }
  }
  PyObject* failed = failures_list(ids, errors);
  if (failed == nullptr) {
    Py_DECREF(ok);
    return nullptr;
  }
  PyObject* result = PyTuple_Pack(2, ok, failed);
  Py_DECREF(ok);
  Py_DECREF(failed);
  return result;
}

// Entries are dicts with id and receipt_handle, or received Message objects (the entry id is
// then the message id, and the handle is read without building a str).
PyObject* queue_delete_batch(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!check_nargs("delete_batch", nargs, 1, 1)) return nullptr;
  Queue& queue = queue_of(self);
  PyObject* entries = args[0];
  std::vector<EntryValues> values;
  std::vector<std::string_view> handles;
  if ((PyList_Check(entries) || PyTuple_Check(entries)) && PySequence_Fast_GET_SIZE(entries) > 0 &&
      Py_TYPE(PySequence_Fast_ITEMS(entries)[0]) == g_message_type) {
    const auto n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(entries));
    PyObject** items = PySequence_Fast_ITEMS(entries);
    values.resize(std::min<std::size_t>(n, queue.limits().max_batch_entries + 1));
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (Py_TYPE(items[i]) != g_message_type) {
        return raise(ErrorCode::InvalidParameterValue, "Entries must be all dicts or all Message objects.");
      }
      MessageObject* m = as_message(items[i]);
      Py_XDECREF(message_get_message_id(items[i], nullptr));  // caches m->message_id_str
      if (m->message_id_str == nullptr) return nullptr;
      values[i].fill(nullptr);
      values[i][0] = m->message_id_str;  // borrowed from the message, alive as long as `entries`
      handles.emplace_back(m->receipt_handle, kReceiptHandleLength);
    }
    if (!check_batch_ids(n, queue.limits(), values)) return nullptr;
  } else {
    if (!read_batch(entries, queue.limits(), {g_keys.id, g_keys.receipt_handle}, values)) return nullptr;
    handles.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i][1] == nullptr) {
        return raise(ErrorCode::MissingParameter, "The request must contain the parameter ReceiptHandle in every entry.");
      }
      if (!get_text(values[i][1], "ReceiptHandle", handles[i])) return nullptr;
    }
  }
  std::vector<PyObject*> ids(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) ids[i] = values[i][0];
  std::vector<std::optional<EntryError>> errors;
  try {
    queue.delete_batch(handles, errors);
  } catch (const Error& e) {
    return raise(e);
  }
  return batch_result(ids, errors);
}

PyObject* queue_change_visibility_batch(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!check_nargs("change_visibility_batch", nargs, 1, 1)) return nullptr;
  Queue& queue = queue_of(self);
  std::vector<EntryValues> values;
  if (!read_batch(args[0], queue.limits(), {g_keys.id, g_keys.receipt_handle, g_keys.visibility_timeout}, values)) {
    return nullptr;
  }
  std::vector<std::pair<std::string_view, double>> entries(values.size());
  std::vector<PyObject*> ids(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ids[i] = values[i][0];
    std::optional<double> seconds;
    if (values[i][1] == nullptr || values[i][2] == nullptr) {
      return raise(ErrorCode::MissingParameter, "Every entry must contain receipt_handle and visibility_timeout.");
    }
    if (!get_text(values[i][1], "ReceiptHandle", entries[i].first) ||
        !get_seconds(values[i][2], "VisibilityTimeout", seconds)) {
      return nullptr;
    }
    entries[i].second = *seconds;
  }
  std::vector<std::optional<EntryError>> errors;
  try {
    queue.change_visibility_batch(entries, errors);
  } catch (const Error& e) {
    return raise(e);
  }
  return batch_result(ids, errors);
}

PyMethodDef queue_hot_methods[] = {
    {"send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(queue_send)), METH_FASTCALL,
     "send(body, delay_seconds, message_attributes, group_id, deduplication_id, trace_header) -> SendResult. SendMessage."},
    {"send_batch", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(queue_send_batch)), METH_FASTCALL,
     "send_batch(entries) -> (successful, failed). SendMessageBatch."},
    {"receive", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(queue_receive)), METH_FASTCALL,
     "receive(max_messages, wait_time_seconds, visibility_timeout) -> list[Message]. ReceiveMessage."},
    {"delete", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(queue_delete)), METH_FASTCALL,
     "delete(receipt_handle). DeleteMessage."},
    {"delete_batch", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(queue_delete_batch)), METH_FASTCALL,
     "delete_batch(entries) -> (successful ids, failed). DeleteMessageBatch."},
    {"change_visibility", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(queue_change_visibility)),
     METH_FASTCALL, "change_visibility(receipt_handle, seconds). ChangeMessageVisibility."},
    {"change_visibility_batch",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(queue_change_visibility_batch)), METH_FASTCALL,
     "change_visibility_batch(entries) -> (successful ids, failed). ChangeMessageVisibilityBatch."},
    {nullptr, nullptr, 0, nullptr}};

// ---------------------------------------------------------------------------------------------
// Cold calls through pybind11

DeduplicationScope parse_scope(const std::string& s) {
  if (s == "queue") return DeduplicationScope::kQueue;
  if (s == "messageGroup") return DeduplicationScope::kMessageGroup;
  throw Error(ErrorCode::InvalidAttributeValue,
              "Invalid value for the parameter DeduplicationScope: '" + s + "' (use 'queue' or 'messageGroup').");
}

FifoThroughputLimit parse_throughput(const std::string& s) {
  if (s == "perQueue") return FifoThroughputLimit::kPerQueue;
  if (s == "perMessageGroupId") return FifoThroughputLimit::kPerMessageGroupId;
  throw Error(ErrorCode::InvalidAttributeValue,
              "Invalid value for the parameter FifoThroughputLimit: '" + s +
                  "' (use 'perQueue' or 'perMessageGroupId').");
}

QueueConfig make_config(double visibility_timeout, double delay_seconds, double message_retention_period,
                        std::uint64_t maximum_message_size, double receive_message_wait_time_seconds,
                        const std::string& dead_letter_target_arn, std::uint32_t max_receive_count,
                        bool content_based_deduplication, const std::string& deduplication_scope,
                        const std::string& fifo_throughput_limit) {
  QueueConfig c;
  c.visibility_timeout = seconds_to_us(visibility_timeout);
  c.delay = seconds_to_us(delay_seconds);
  c.retention = seconds_to_us(message_retention_period);
  c.maximum_message_size = maximum_message_size;
  c.receive_wait = seconds_to_us(receive_message_wait_time_seconds);
  c.dead_letter_target_arn = dead_letter_target_arn;
  c.max_receive_count = max_receive_count;
  c.content_based_deduplication = content_based_deduplication;
  c.deduplication_scope = parse_scope(deduplication_scope);
  c.fifo_throughput_limit = parse_throughput(fifo_throughput_limit);
  return c;
}

#define PYMSG_CONFIG_ARGS                                                                              \
  py::arg("visibility_timeout"), py::arg("delay_seconds"), py::arg("message_retention_period"),        \
      py::arg("maximum_message_size"), py::arg("receive_message_wait_time_seconds"),                  \
      py::arg("dead_letter_target_arn"), py::arg("max_receive_count"), py::arg("content_based_deduplication"), \
      py::arg("deduplication_scope"), py::arg("fifo_throughput_limit")

}  // namespace

void register_sqs(py::module_& m) {
  g_keys = {PyUnicode_InternFromString("id"),
            PyUnicode_InternFromString("body"),
            PyUnicode_InternFromString("delay_seconds"),
            PyUnicode_InternFromString("message_attributes"),
            PyUnicode_InternFromString("group_id"),
            PyUnicode_InternFromString("deduplication_id"),
            PyUnicode_InternFromString("trace_header"),
            PyUnicode_InternFromString("receipt_handle"),
            PyUnicode_InternFromString("visibility_timeout")};

  g_send_result_type = make_type("pymsg._core.SendResult", sizeof(SendResultObject), send_result_dealloc,
                                 send_result_repr, send_result_getset, no_methods,
                                 "The result of SendMessage (or one successful SendMessageBatch entry).");
  g_message_type = make_type("pymsg._core.Message", sizeof(MessageObject), message_dealloc, message_repr,
                             message_getset, message_methods, "A received SQS message.");
  if (g_send_result_type == nullptr || g_message_type == nullptr) throw py::error_already_set();
  m.add_object("SendResult", py::handle(reinterpret_cast<PyObject*>(g_send_result_type)));
  m.add_object("Message", py::handle(reinterpret_cast<PyObject*>(g_message_type)));

  py::class_<QueueConfig>(m, "QueueConfig", "A queue's settable attributes (durations in seconds).")
      .def_property_readonly("visibility_timeout", [](const QueueConfig& c) { return to_seconds(c.visibility_timeout); })
      .def_property_readonly("delay_seconds", [](const QueueConfig& c) { return to_seconds(c.delay); })
      .def_property_readonly("message_retention_period", [](const QueueConfig& c) { return to_seconds(c.retention); })
      .def_readonly("maximum_message_size", &QueueConfig::maximum_message_size)
      .def_property_readonly("receive_message_wait_time_seconds",
                             [](const QueueConfig& c) { return to_seconds(c.receive_wait); })
      .def_readonly("dead_letter_target_arn", &QueueConfig::dead_letter_target_arn)
      .def_readonly("max_receive_count", &QueueConfig::max_receive_count)
      .def_readonly("content_based_deduplication", &QueueConfig::content_based_deduplication)
      .def_property_readonly("deduplication_scope", [](const QueueConfig& c) {
        return c.deduplication_scope == DeduplicationScope::kQueue ? "queue" : "messageGroup";
      })
      .def_property_readonly("fifo_throughput_limit", [](const QueueConfig& c) {
        return c.fifo_throughput_limit == FifoThroughputLimit::kPerQueue ? "perQueue" : "perMessageGroupId";
      });

  py::class_<Queue, std::shared_ptr<Queue>> queue(m, "Queue", "The core of one SQS queue.");
  queue.def_property_readonly("name", &Queue::name)
      .def_property_readonly("url", &Queue::url)
      .def_property_readonly("arn", &Queue::arn)
      .def_property_readonly("fifo", &Queue::fifo)
      .def_property_readonly("deleted", &Queue::deleted)
      .def_property_readonly("created_timestamp", [](const Queue& q) { return to_seconds(q.created_us()); })
      .def_property_readonly("last_modified_timestamp", [](const Queue& q) { return to_seconds(q.last_modified_us()); })
      .def("config", &Queue::config)
      .def("counts", [](Queue& q) {
        const QueueCounts c = q.counts();
        return py::make_tuple(c.visible, c.in_flight, c.delayed);
      }, "(visible, in_flight, delayed) message counts.")
      .def("purge", &Queue::purge, "PurgeQueue.");
  for (PyMethodDef* def = queue_hot_methods; def->ml_name != nullptr; ++def) {
    py::object descriptor = py::reinterpret_steal<py::object>(
        PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(queue.ptr()), def));
    if (!descriptor) throw py::error_already_set();
    queue.attr(def->ml_name) = descriptor;
  }

  py::class_<Broker, std::shared_ptr<Broker>>(m, "Broker", "The queue registry and shared settings.")
      .def(py::init([](std::shared_ptr<Clock> clock, std::string region, std::string account_id,
                       bool strict_limits, bool strict_timing) {
             return std::make_shared<Broker>(std::move(clock),
                                             BrokerOptions{std::move(region), std::move(account_id),
                                                           strict_limits, strict_timing});
           }),
           py::arg("clock"), py::arg("region"), py::arg("account_id"), py::arg("strict_limits"),
           py::arg("strict_timing"))
      .def_property_readonly("clock", &Broker::clock)
      .def_property_readonly("region", [](const Broker& b) { return b.options().region; })
      .def_property_readonly("account_id", [](const Broker& b) { return b.options().account_id; })
      .def_property_readonly("strict_limits", [](const Broker& b) { return b.options().strict_limits; })
      .def_property_readonly("strict_timing", [](const Broker& b) { return b.options().strict_timing; })
      .def("create_queue",
           [](Broker& b, const std::string& name, double vt, double ds, double mrp, std::uint64_t mms, double rw,
              const std::string& dlq, std::uint32_t mrc, bool cbd, const std::string& scope,
              const std::string& throughput) {
             return b.create_queue(name, make_config(vt, ds, mrp, mms, rw, dlq, mrc, cbd, scope, throughput));
           },
           py::arg("name"), PYMSG_CONFIG_ARGS)
      .def("set_queue_config",
           [](Broker& b, Queue& q, double vt, double ds, double mrp, std::uint64_t mms, double rw,
              const std::string& dlq, std::uint32_t mrc, bool cbd, const std::string& scope,
              const std::string& throughput) {
             b.set_queue_config(q, make_config(vt, ds, mrp, mms, rw, dlq, mrc, cbd, scope, throughput));
           },
           py::arg("queue"), PYMSG_CONFIG_ARGS)
      .def("get_queue", &Broker::get_queue, py::arg("name"))
      .def("get_queue_by_url", &Broker::get_queue_by_url, py::arg("url"))
      .def("get_queue_by_arn", &Broker::get_queue_by_arn, py::arg("arn"))
      .def("list_queues", &Broker::list_queues, py::arg("prefix"))
      .def("dead_letter_source_queues", &Broker::dead_letter_source_queues, py::arg("queue"))
      .def("delete_queue", &Broker::delete_queue, py::arg("name"));
}

}  // namespace pymsg::bindings
