// The cache binding. The per-key calls (get, set, delete, exists, mget, mset, incr) are CPython
// METH_FASTCALL methods of _core.CacheHandle, the base class of pymsg.Cache, so a cache.get(k)
// runs no Python frame; the cold calls (ttl, expire, persist, stats, clear, size) are pybind11
// methods of _core.Cache. Keys are str (as UTF-8) or bytes; values are bytes.
//
// GIL: held throughout; no call here waits. A value is copied out under the shard's lock into a
// per-thread buffer and becomes a bytes object after the lock is released.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <string_view>

#include "core_handle.hpp"
#include "errors.hpp"
#include "fast_call.hpp"
#include "journal.hpp"
#include "pymsg/broker.hpp"
#include "pymsg/cache/cache.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

using CacheHandle = CoreHandle<Cache>;
PyTypeObject* g_cache_handle_type = nullptr;

struct Names {
  PyObject *key, *value, *default_, *ttl, *nx, *xx, *keys, *mapping, *amount;
} g_names;

bool get_key(PyObject* o, std::string_view& out) {
  if (PyBytes_Check(o)) {
    out = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
    return true;
  }
  if (PyUnicode_Check(o)) {
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(o, &n);
    if (s == nullptr) {
      PyErr_Clear();
      return raise(ErrorCode::InvalidParameterValue, "A cache key must be valid Unicode (it holds lone surrogates)."),
             false;
    }
    out = {s, static_cast<std::size_t>(n)};
    return true;
  }
  PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "Cache keys are str or bytes, not %s.",
               Py_TYPE(o)->tp_name);
  return false;
}

bool get_value(PyObject* o, std::string_view& out) {
  if (PyBytes_Check(o)) {
    out = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
    return true;
  }
  PyErr_Format(error_class(ErrorCode::InvalidParameterValue),
               "Cache values are bytes, not %s (create the cache with codec='msgpack' to store other values).",
               Py_TYPE(o)->tp_name);
  return false;
}

// A TTL argument in seconds: nullopt for None (the cache's default), else a positive number.
// Refused in Redis's words for `command`: not a number, or no time Redis would take.
bool get_ttl(PyObject* o, std::optional<TimeUs>& out, const char* command) {
  if (o == nullptr || o == Py_None) return true;
  if (PyBool_Check(o) || !(PyLong_Check(o) || PyFloat_Check(o))) {
    PyErr_SetString(error_class(ErrorCode::InvalidParameterValue), "ERR value is not an integer or out of range");
    return false;
  }
  const double seconds = PyFloat_AsDouble(o);
  if (seconds == -1 && PyErr_Occurred()) PyErr_Clear();
  if (!(seconds > 0) || seconds > 1e12) {  // NaN fails too
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "ERR invalid expire time in '%s' command", command);
    return false;
  }
  out = seconds_to_us(seconds);
  return true;
}

std::string& value_buffer() {
  thread_local std::string buffer;  // reused: a get allocates only its bytes object
  return buffer;
}

// get(key, default=None) -> bytes | default
PyObject* cache_get(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Cache* cache = CacheHandle::bound(self);
  PyObject* a[2];
  std::string_view key;
  if (cache == nullptr || !bind_arguments("get", args, nargs, kwnames, {g_names.key, g_names.default_}, 2, 1, a) ||
      !get_key(a[0], key)) {
    return nullptr;
  }
  std::string& out = value_buffer();
  bool found;
  try {
    found = cache->get(key, out);
  } catch (const Error& e) {
    return raise(e);
  }
  if (!found) return Py_NewRef(a[1] != nullptr ? a[1] : Py_None);
  return PyBytes_FromStringAndSize(out.data(), static_cast<Py_ssize_t>(out.size()));
}

// set(key, value, *, ttl=None, nx=False, xx=False) -> bool
PyObject* cache_set(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Cache* cache = CacheHandle::bound(self);
  PyObject* a[5];
  std::string_view key, value;
  std::optional<TimeUs> ttl;
  if (cache == nullptr ||
      !bind_arguments("set", args, nargs, kwnames, {g_names.key, g_names.value, g_names.ttl, g_names.nx, g_names.xx},
                      2, 2, a) ||
      !get_key(a[0], key) || !get_value(a[1], value) || !get_ttl(a[2], ttl, "set")) {
    return nullptr;
  }
  const int nx_truth = a[3] == nullptr ? 0 : PyObject_IsTrue(a[3]);
  const int xx_truth = a[4] == nullptr ? 0 : PyObject_IsTrue(a[4]);
  if (nx_truth < 0 || xx_truth < 0) return nullptr;  // their __bool__ raised: that error, and nothing stored
  const bool nx = nx_truth == 1, xx = xx_truth == 1;
  if (nx && xx) return raise(ErrorCode::InvalidParameterValue, "ERR syntax error");  // SET k v NX XX
  try {
    const bool stored =
        cache->set(key, value, ttl, nx ? SetCondition::kIfAbsent : xx ? SetCondition::kIfPresent : SetCondition::kAlways);
    commit_journal();  // the log has the write (fsync=always: on the disk)
    return PyBool_FromLong(stored ? 1 : 0);
  } catch (...) {
    return raise_current();
  }
}

template <bool (Cache::*Op)(std::string_view)>
PyObject* cache_key_op(const char* name, PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Cache* cache = CacheHandle::bound(self);
  PyObject* k;
  std::string_view key;
  if (cache == nullptr || !bind_arguments(name, args, nargs, kwnames, {g_names.key}, 1, 1, &k) || !get_key(k, key)) {
    return nullptr;
  }
  try {
    const bool done = (cache->*Op)(key);
    commit_journal();  // a DEL's record (fsync=always: on the disk)
    return PyBool_FromLong(done ? 1 : 0);
  } catch (...) {
    return raise_current();
  }
}

PyObject* cache_delete(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return cache_key_op<&Cache::remove>("delete", self, args, nargs, kwnames);
}
PyObject* cache_exists(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return cache_key_op<&Cache::exists>("exists", self, args, nargs, kwnames);
}
int cache_contains(PyObject* self, PyObject* key) {
  Cache* cache = CacheHandle::bound(self);
  std::string_view k;
  if (cache == nullptr || !get_key(key, k)) return -1;
  try {
    return cache->exists(k) ? 1 : 0;
  } catch (const Error& e) {
    raise(e);
    return -1;
  }
}

// mget(keys) -> list of bytes or None
PyObject* cache_mget(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Cache* cache = CacheHandle::bound(self);
  PyObject* keys;
  if (cache == nullptr || !bind_arguments("mget", args, nargs, kwnames, {g_names.keys}, 1, 1, &keys)) return nullptr;
  py::object seq = py::reinterpret_steal<py::object>(PySequence_Fast(keys, "mget takes a sequence of keys."));
  if (!seq) {
    if (!PyErr_ExceptionMatches(PyExc_TypeError)) return nullptr;
    PyErr_Clear();  // not iterable: the cache's own error, as for any other bad argument
    return raise(Error(ErrorCode::InvalidParameterValue,
                       std::string("mget takes a sequence of keys, not ") + Py_TYPE(keys)->tp_name + "."));
  }
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  PyObject* out = PyList_New(n);
  if (out == nullptr) return nullptr;
  std::string& buffer = value_buffer();
  for (Py_ssize_t i = 0; i < n; ++i) {
    std::string_view key;
    bool found = false;
    if (get_key(items[i], key)) {
      try {
        found = cache->get(key, buffer);
      } catch (const Error& e) {
        raise(e);
      }
    }
    if (PyErr_Occurred()) {
      Py_DECREF(out);
      return nullptr;
    }
    PyObject* value = found ? PyBytes_FromStringAndSize(buffer.data(), static_cast<Py_ssize_t>(buffer.size()))
                            : Py_NewRef(Py_None);
    if (value == nullptr) {
      Py_DECREF(out);
      return nullptr;
    }
    PyList_SET_ITEM(out, i, value);
  }
  return out;
}

// mset(mapping, *, ttl=None): every key is checked before any is written.
PyObject* cache_mset(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Cache* cache = CacheHandle::bound(self);
  PyObject* a[2];
  std::optional<TimeUs> ttl;
  if (cache == nullptr || !bind_arguments("mset", args, nargs, kwnames, {g_names.mapping, g_names.ttl}, 1, 1, a) ||
      !get_ttl(a[1], ttl, "mset")) {
    return nullptr;
  }
  if (!PyDict_Check(a[0])) {
    PyErr_Format(error_class(ErrorCode::InvalidParameterValue), "mset takes a dict of key -> bytes, not %s.",
                 Py_TYPE(a[0])->tp_name);
    return nullptr;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(static_cast<std::size_t>(PyDict_GET_SIZE(a[0])));
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  while (PyDict_Next(a[0], &pos, &k, &v)) {
    auto& p = pairs.emplace_back();
    if (!get_key(k, p.first) || !get_value(v, p.second)) return nullptr;
  }
  try {
    cache->mset(pairs, ttl);
    commit_journal();
  } catch (...) {
    return raise_current();
  }
  Py_RETURN_NONE;
}

// incr(key, amount=1) -> int
PyObject* cache_incr(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Cache* cache = CacheHandle::bound(self);
  PyObject* a[2];
  std::string_view key;
  if (cache == nullptr || !bind_arguments("incr", args, nargs, kwnames, {g_names.key, g_names.amount}, 2, 1, a) ||
      !get_key(a[0], key)) {
    return nullptr;
  }
  long long amount = 1;
  if (a[1] != nullptr) {
    int overflow = 0;
    amount = PyBool_Check(a[1]) || !PyLong_Check(a[1]) ? 0 : PyLong_AsLongLongAndOverflow(a[1], &overflow);
    if (PyBool_Check(a[1]) || !PyLong_Check(a[1]) || overflow != 0) {
      PyErr_SetString(error_class(ErrorCode::InvalidParameterValue), "ERR value is not an integer or out of range");
      return nullptr;
    }
  }
  try {
    const std::int64_t result = cache->incr(key, amount);
    commit_journal();
    return PyLong_FromLongLong(result);
  } catch (...) {
    return raise_current();
  }
}

// Broker.create_cache's and restore_cache's settings (default_ttl in seconds).
CacheOptions cache_options(std::uint64_t max_memory, std::uint64_t max_items, double default_ttl,
                           const std::string& policy, std::uint32_t shards) {
  CacheOptions o;
  o.max_memory = max_memory;
  o.max_items = max_items;
  o.default_ttl = seconds_to_us(default_ttl);
  o.policy = parse_eviction_policy(policy);
  o.shards = shards;
  return o;
}

PyMethodDef cache_hot_methods[] = {
    {"get", fastcall<cache_get>(), kFast,
     "get($self, key, default=None)\n--\n\nGET: the value (bytes), or `default` when the key is absent or expired."},
    {"set", fastcall<cache_set>(), kFast,
     "set($self, key, value, *, ttl=None, nx=False, xx=False)\n--\n\n"
     "SET: stores bytes under key (str or bytes) for `ttl` seconds (None: the cache's default_ttl).\n"
     "nx: only if absent; xx: only if present. Returns whether it stored. Evicts per the policy to\n"
     "stay within max_memory / max_items; raises OutOfMemoryError when it may not."},
    {"delete", fastcall<cache_delete>(), kFast, "delete($self, key)\n--\n\nDEL: whether the key was there."},
    {"exists", fastcall<cache_exists>(), kFast,
     "exists($self, key)\n--\n\nEXISTS: whether the key is there (no recency or hit counting)."},
    {"mget", fastcall<cache_mget>(), kFast,
     "mget($self, keys)\n--\n\nMGET: the values in order, None for absent keys."},
    {"mset", fastcall<cache_mset>(), kFast,
     "mset($self, mapping, *, ttl=None)\n--\n\nMSET: sets every key of the dict (all checked first)."},
    {"incr", fastcall<cache_incr>(), kFast,
     "incr($self, key, amount=1)\n--\n\nINCRBY: adds to a decimal int64 value (a missing key counts from 0);\n"
     "returns the new value."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void register_cache(py::module_& m) {
  g_names = {PyUnicode_InternFromString("key"),  PyUnicode_InternFromString("value"),
             PyUnicode_InternFromString("default"), PyUnicode_InternFromString("ttl"),
             PyUnicode_InternFromString("nx"),   PyUnicode_InternFromString("xx"),
             PyUnicode_InternFromString("keys"), PyUnicode_InternFromString("mapping"),
             PyUnicode_InternFromString("amount")};
  py::class_<Cache, std::shared_ptr<Cache>>(m, "Cache", "The core of one cache.")
      .def_property_readonly("name", &Cache::name)
      .def_property_readonly("max_memory", [](const Cache& c) { return c.options().max_memory; })
      .def_property_readonly("max_items", [](const Cache& c) { return c.options().max_items; })
      .def_property_readonly("default_ttl", [](const Cache& c) { return to_seconds(c.options().default_ttl); })
      .def_property_readonly("eviction_policy", [](const Cache& c) { return eviction_policy_name(c.options().policy); })
      .def("size", [](const Cache& c) { c.check_alive(); return c.size(); })
      .def("used_memory", [](const Cache& c) { c.check_alive(); return c.used_memory(); })
      .def("peek",
           [](Cache& c, py::bytes key) -> py::object {
             std::string out;
             if (!c.peek(std::string_view(key), out)) return py::none();
             return py::bytes(out);
           })
      .def("ttl",
           [](Cache& c, py::bytes key) -> py::object {
             const KeyTtl t = c.ttl(std::string_view(key));
             if (t.state == KeyTtl::kMissing) return py::object(py::bool_(false));
             if (t.state == KeyTtl::kPersistent) return py::none();
             return py::float_(to_seconds(t.remaining));
           })
      .def("expire",
           [](Cache& c, py::bytes key, double seconds) {
             const bool done = c.expire(std::string_view(key), seconds_to_us(seconds));
             commit_journal();
             return done;
           })
      .def("persist",
           [](Cache& c, py::bytes key) {
             const bool done = c.persist(std::string_view(key));
             commit_journal();
             return done;
           })
      .def("clear",
           [](Cache& c) {
             c.clear();
             commit_journal();
           })
      .def_property_readonly("shards", [](const Cache& c) { return c.options().shards; })
      .def_property_readonly("journal_id", &Cache::journal_id)
      .def_property_readonly("deleted", &Cache::deleted)
      .def("attach_journal", &Cache::attach_journal, py::arg("journal"), py::arg("id"))
      .def("dump",
           [](Cache& c) {
             std::string out;
             {
               py::gil_scoped_release release;
               out = c.dump();
             }
             return py::bytes(out);
           },
           "Every entry with its deadline, shard by shard with the log LSN each part covers.")
      .def("sweep_expired", [](Cache& c) { return c.sweep_expired(); })
      .def("stats", [](const Cache& c) {
        const CacheStats s = c.stats();
        return py::make_tuple(s.hits, s.misses, s.evictions, s.expired, s.items, s.used_memory, s.max_memory);
      });

  g_cache_handle_type = CacheHandle::make_type(
      "pymsg._core.CacheHandle", "pymsg._core.Cache", cache_hot_methods, "The per-key cache calls; the base of pymsg.Cache.",
      {{Py_sq_contains, reinterpret_cast<void*>(cache_contains)}});  // `key in cache`: EXISTS
  if (g_cache_handle_type == nullptr) throw py::error_already_set();
  m.add_object("CacheHandle", py::handle(reinterpret_cast<PyObject*>(g_cache_handle_type)));

  auto broker = py::reinterpret_borrow<py::class_<Broker, std::shared_ptr<Broker>>>(m.attr("Broker"));
  broker
      .def(
          "create_cache",
          [](Broker& b, const std::string& name, std::uint64_t max_memory, std::uint64_t max_items, double default_ttl,
             const std::string& policy, std::uint32_t shards) {
            std::shared_ptr<Cache> cache =
                b.create_cache(name, cache_options(max_memory, max_items, default_ttl, policy, shards));
            commit_journal();
            return cache;
          },
          py::arg("name"), py::arg("max_memory"), py::arg("max_items"), py::arg("default_ttl"),
          py::arg("eviction_policy"), py::arg("shards"))
      .def(
          "restore_cache",
          [](Broker& b, const std::string& name, const py::bytes& dump, std::uint64_t max_memory,
             std::uint64_t max_items, double default_ttl, const std::string& policy, std::uint32_t shards) {
            return b.restore_cache(name, cache_options(max_memory, max_items, default_ttl, policy, shards),
                                   std::string_view(dump));
          },
          py::arg("name"), py::arg("dump"), py::arg("max_memory"), py::arg("max_items"), py::arg("default_ttl"),
          py::arg("eviction_policy"), py::arg("shards"))
      .def(
          "replay_create_cache",
          [](Broker& b, const py::bytes& payload) { return b.replay_create_cache(std::string_view(payload)); },
          py::arg("payload"), "Recovery: the cache a kCacheCreate record made.")
      .def("get_cache", &Broker::get_cache, py::arg("name"))
      .def("list_caches", &Broker::list_caches)
      .def("delete_cache",
           [](Broker& b, const std::string& name) {
             b.delete_cache(name);
             commit_journal();
           },
           py::arg("name"));
}

}  // namespace pymsg::bindings
