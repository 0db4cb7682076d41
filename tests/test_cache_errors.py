"""Bad input to the cache gets a clear error and changes nothing; the cache registry
(create/get/delete) raises ElastiCache's errors; a deleted cache refuses every call.

The calls on a deleted cache each run in a child interpreter, so one that crashes the process
fails its own test instead of ending the run.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from typing import Any, Callable

import pytest

import pymsg
from conftest import cache_snapshot

POLICIES = [
    "allkeys-lru",
    "volatile-lru",
    "allkeys-lfu",
    "volatile-lfu",
    "allkeys-random",
    "volatile-random",
    "volatile-ttl",
    "noeviction",
]
MAX_KEY = 65_535


@pytest.fixture
def cache(broker: pymsg.Broker) -> pymsg.Cache:
    """A cache holding a persistent key, a key with a TTL and a counter."""
    c = broker.create_cache("c")
    c.set("present", b"value")
    c.set("volatile", b"value", ttl=100)
    c.set("counter", b"10")
    return c


KEYS = ("present", "volatile", "counter", "new", "a", "b")


def snapshot(cache: pymsg.Cache, keys: tuple[Any, ...] = KEYS) -> tuple[Any, ...]:
    """Everything a refused call must leave as it was, lookup counters aside."""
    return cache_snapshot(cache, keys)


def refused(cache: pymsg.Cache, call: Callable[[], Any], error: type[BaseException] = pymsg.InvalidParameterValue,
            match: str | None = None) -> BaseException:
    """Asserts that call() raises `error` (matching `match`) and leaves the cache unchanged."""
    before = snapshot(cache)
    with pytest.raises(error, match=match) as info:
        call()
    assert snapshot(cache) == before
    return info.value


# ---------------------------------------------------------------------------------------------
# values without a codec


NON_BYTES = ["text", 42, 1.5, None, {"a": 1}, [b"a"]]


@pytest.mark.parametrize("value", NON_BYTES, ids=repr)
def test_set_of_a_non_bytes_value_names_the_codec(cache: pymsg.Cache, value: Any) -> None:
    e = refused(cache, lambda: cache.set("new", value), match="codec='msgpack'")
    assert isinstance(e, ValueError)
    refused(cache, lambda: cache.set("present", value), match="codec='msgpack'")


@pytest.mark.parametrize("value", NON_BYTES, ids=repr)
def test_mset_with_a_non_bytes_value_writes_nothing(cache: pymsg.Cache, value: Any) -> None:
    refused(cache, lambda: cache.mset({"a": b"ok", "present": b"changed", "b": value}), match="codec='msgpack'")


@pytest.mark.parametrize("value", NON_BYTES, ids=repr)
def test_write_through_of_a_non_bytes_value_refuses_before_the_writer(cache: pymsg.Cache, value: Any) -> None:
    calls = []
    refused(cache, lambda: cache.write_through("new", value, lambda k, v: calls.append(k)), match="codec='msgpack'")
    assert calls == []


@pytest.mark.parametrize("value", NON_BYTES, ids=repr)
def test_get_or_load_of_a_non_bytes_value_caches_nothing(cache: pymsg.Cache, value: Any) -> None:
    refused(cache, lambda: cache.get_or_load("new", lambda: value), match="codec='msgpack'")


# ---------------------------------------------------------------------------------------------
# TTLs


BAD_TTLS = [0, 0.0, -1, -0.001, math.nan, math.inf, -math.inf, "10", True, [10]]


@pytest.mark.parametrize("ttl", BAD_TTLS, ids=repr)
def test_set_with_a_bad_ttl_raises(cache: pymsg.Cache, ttl: Any) -> None:
    redis_words = "ERR (invalid expire time in 'set' command|value is not an integer or out of range)"
    refused(cache, lambda: cache.set("new", b"v", ttl=ttl), match=redis_words)
    refused(cache, lambda: cache.set("present", b"changed", ttl=ttl), match=redis_words)
    refused(cache, lambda: cache.set("volatile", b"changed", ttl=ttl), match=redis_words)


@pytest.mark.parametrize("ttl", BAD_TTLS, ids=repr)
def test_mset_with_a_bad_ttl_writes_nothing(cache: pymsg.Cache, ttl: Any) -> None:
    refused(cache, lambda: cache.mset({"a": b"1", "present": b"changed"}, ttl=ttl))


@pytest.mark.parametrize("ttl", [0, -1, math.nan, "10"], ids=repr)
def test_get_or_load_with_a_bad_ttl_caches_nothing(cache: pymsg.Cache, ttl: Any) -> None:
    refused(cache, lambda: cache.get_or_load("new", lambda: b"v", ttl=ttl))


@pytest.mark.parametrize("ttl", [0, -1, math.nan, "10"], ids=repr)
def test_write_through_with_a_bad_ttl_refuses_before_the_writer(cache: pymsg.Cache, ttl: Any) -> None:
    # A bad argument must fail before the database write, or the database and cache disagree.
    calls = []
    refused(cache, lambda: cache.write_through("new", b"v", lambda k, v: calls.append(k), ttl=ttl))
    assert calls == [], "the writer ran although the call was refused"


@pytest.mark.parametrize("ttl", ["10", None, math.nan, True, [1]], ids=repr)
def test_expire_with_a_bad_ttl_raises(cache: pymsg.Cache, ttl: Any) -> None:
    refused(cache, lambda: cache.expire("present", ttl))
    refused(cache, lambda: cache.expire("volatile", ttl))


@pytest.mark.parametrize("ttl", [1e20, math.inf], ids=repr)
def test_expire_with_a_huge_ttl_does_not_delete_the_key(cache: pymsg.Cache, ttl: float) -> None:
    try:
        cache.expire("present", ttl)
    except pymsg.InvalidParameterValue:
        pass  # refusing it is fine too
    assert cache.get("present") == b"value", "expire with a huge ttl deleted the key"


@pytest.mark.parametrize("default_ttl", [0, -1, math.nan, "60", True], ids=repr)
def test_create_cache_with_a_bad_default_ttl_raises(broker: pymsg.Broker, default_ttl: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="default_ttl"):
        broker.create_cache("x", default_ttl=default_ttl)
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.get_cache("x")


# ---------------------------------------------------------------------------------------------
# policies, codecs, limits and names at create_cache


@pytest.mark.parametrize("policy", ["lru", "allkeys_lru", "", "volatile-lfu ", "allkeys", "lfu", "random"])
def test_unknown_eviction_policy_names_the_valid_ones(broker: pymsg.Broker, policy: str) -> None:
    with pytest.raises(pymsg.InvalidParameterValue) as info:
        broker.create_cache("x", eviction_policy=policy)
    message = str(info.value)
    assert all(name in message for name in POLICIES), message
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.get_cache("x")


@pytest.mark.parametrize("policy", [None, 1, ["allkeys-lru"]], ids=repr)
def test_non_str_eviction_policy_raises(broker: pymsg.Broker, policy: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue):
        broker.create_cache("x", eviction_policy=policy)


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_name_is_accepted(broker: pymsg.Broker, policy: str) -> None:
    assert broker.create_cache("x", eviction_policy=policy).eviction_policy == policy


@pytest.mark.parametrize("codec", ["json", "pickle", "", "MSGPACK", 1])
def test_unknown_codec_raises(broker: pymsg.Broker, codec: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="msgpack"):
        broker.create_cache("x", codec=codec)
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.get_cache("x")


@pytest.mark.parametrize("param", ["max_memory", "max_items", "shards"])
@pytest.mark.parametrize("value", [0, -1, 1.5, "100", True], ids=repr)
def test_bad_limits_raise(broker: pymsg.Broker, param: str, value: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match=param):
        broker.create_cache("x", **{param: value})
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.get_cache("x")


@pytest.mark.parametrize("name", [1, None, b"bytes", "", "x" * 41], ids=repr)
def test_bad_cache_names_raise(broker: pymsg.Broker, name: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue):
        broker.create_cache(name)


def test_a_forty_character_name_is_fine(broker: pymsg.Broker) -> None:
    assert broker.create_cache("x" * 40).name == "x" * 40


# ---------------------------------------------------------------------------------------------
# keys


BAD_KEYS = [1, None, 1.5, ("a",)]


def key_calls(cache: pymsg.Cache, key: Any) -> dict[str, Callable[[], Any]]:
    return {
        "get": lambda: cache.get(key),
        "set": lambda: cache.set(key, b"v"),
        "delete": lambda: cache.delete(key),
        "exists": lambda: cache.exists(key),
        "in": lambda: key in cache,
        "ttl": lambda: cache.ttl(key),
        "expire": lambda: cache.expire(key, 10),
        "persist": lambda: cache.persist(key),
        "incr": lambda: cache.incr(key),
        "mget": lambda: cache.mget(["present", key]),
        "mset": lambda: cache.mset({"a": b"v", key: b"v"}),
        "get_or_load": lambda: cache.get_or_load(key, lambda: b"v"),
        "write_through": lambda: cache.write_through(key, b"v", lambda k, v: None),
    }


OPS = list(key_calls(None, None))  # type: ignore[arg-type]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_keys_of_other_types_raise(cache: pymsg.Cache, key: Any, op: str) -> None:
    e = refused(cache, key_calls(cache, key)[op], match="str or bytes")
    assert isinstance(e, ValueError)


def test_a_str_key_that_is_not_valid_unicode_raises(cache: pymsg.Cache) -> None:
    refused(cache, lambda: cache.set("\ud800", b"v"))


def test_a_key_of_65535_bytes_is_fine(cache: pymsg.Cache) -> None:
    key = b"k" * MAX_KEY
    assert cache.set(key, b"v") is True
    assert cache.get(key) == b"v"
    assert cache.incr(b"n" * MAX_KEY) == 1
    assert cache.set("é" * (MAX_KEY // 2), b"v") is True  # 65,534 bytes


@pytest.mark.parametrize("op", ["set", "incr", "mset", "get_or_load"])
@pytest.mark.parametrize(
    "key", [b"k" * (MAX_KEY + 1), "k" * (MAX_KEY + 1), "é" * 40_000], ids=["bytes", "str", "str-utf8-bytes"]
)
def test_a_key_over_65535_bytes_raises(cache: pymsg.Cache, key: Any, op: str) -> None:
    calls = {
        "set": lambda: cache.set(key, b"v"),
        "incr": lambda: cache.incr(key),
        "mset": lambda: cache.mset({"a": b"v", key: b"v"}),  # nothing written, "a" included
        "get_or_load": lambda: cache.get_or_load(key, lambda: b"v"),
    }
    refused(cache, calls[op], match="65535")
    assert key not in cache


def test_write_through_with_an_oversized_key_refuses_before_the_writer(cache: pymsg.Cache) -> None:
    calls = []
    refused(cache, lambda: cache.write_through(b"k" * (MAX_KEY + 1), b"v", lambda k, v: calls.append(k)))
    assert calls == [], "the writer ran although the call was refused"


def test_write_through_with_a_bad_key_refuses_before_the_writer(cache: pymsg.Cache) -> None:
    calls = []
    refused(cache, lambda: cache.write_through(7, b"v", lambda k, v: calls.append(k)))  # type: ignore[arg-type]
    assert calls == []


# ---------------------------------------------------------------------------------------------
# set flags, incr amounts, mset shapes, oversized entries


@pytest.mark.parametrize("key", ["present", "volatile", "new"])
def test_nx_and_xx_together_raise(cache: pymsg.Cache, key: str) -> None:
    refused(cache, lambda: cache.set(key, b"changed", nx=True, xx=True), match="ERR syntax error")


def test_nx_and_xx_together_raise_with_a_codec(broker: pymsg.Broker) -> None:
    m: Any = broker.create_cache("m", codec="msgpack")  # values are any msgpack value
    m.set("k", 1)
    with pytest.raises(pymsg.InvalidParameterValue):
        m.set("k", 2, nx=True, xx=True)
    assert m.get("k") == 1


@pytest.mark.parametrize("amount", [1.5, "1", True, None, 2**63, -(2**63) - 1], ids=repr)
def test_incr_with_a_bad_amount_raises(cache: pymsg.Cache, amount: Any) -> None:
    refused(cache, lambda: cache.incr("counter", amount))
    refused(cache, lambda: cache.incr("new", amount))
    assert cache.get("counter") == b"10"


def test_incr_on_a_non_integer_uses_redis_message(cache: pymsg.Cache) -> None:
    e = refused(cache, lambda: cache.incr("present"), match="value is not an integer or out of range")
    assert isinstance(e, ValueError)


@pytest.mark.parametrize("mapping", [[("a", b"v")], "a", None, 5], ids=repr)
def test_mset_needs_a_dict(cache: pymsg.Cache, mapping: Any) -> None:
    refused(cache, lambda: cache.mset(mapping))


def test_an_entry_larger_than_max_memory_is_refused(broker: pymsg.Broker) -> None:
    c = broker.create_cache("small", max_memory=4_096)
    c.set("a", b"v")
    before = snapshot(c, ("a", "big"))
    with pytest.raises(pymsg.OutOfMemoryError, match="OOM command not allowed when used memory > 'maxmemory'."):
        c.set("big", b"x" * 10_000)
    assert snapshot(c, ("a", "big")) == before


# ---------------------------------------------------------------------------------------------
# the registry


def test_create_get_and_delete(broker: pymsg.Broker) -> None:
    c = broker.create_cache("sessions", eviction_policy="volatile-lru", max_memory=1 << 20)
    assert c.name == "sessions"
    assert c.eviction_policy == "volatile-lru"
    assert broker.get_cache("sessions") is c
    c.set("k", b"v")
    assert broker.get_cache("sessions").get("k") == b"v"
    broker.delete_cache("sessions")
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.get_cache("sessions")


def test_the_default_name(broker: pymsg.Broker) -> None:
    c = broker.create_cache()
    assert c.name == "default"
    assert broker.get_cache() is c
    assert c.eviction_policy == "allkeys-lru"
    broker.delete_cache()
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.get_cache()


def test_caches_are_independent(broker: pymsg.Broker) -> None:
    a = broker.create_cache("a")
    b = broker.create_cache("b")
    a.set("k", b"from a")
    assert b.get("k") is None
    b.set("k", b"from b")
    assert a.get("k") == b"from a"
    broker.delete_cache(a)
    assert b.get("k") == b"from b"


def test_a_taken_name_raises_and_keeps_the_first_cache(broker: pymsg.Broker) -> None:
    first = broker.create_cache("c", eviction_policy="allkeys-lfu")
    first.set("k", b"v")
    with pytest.raises(pymsg.CacheClusterAlreadyExists):
        broker.create_cache("c", eviction_policy="noeviction")
    assert broker.get_cache("c") is first
    assert first.eviction_policy == "allkeys-lfu"
    assert first.get("k") == b"v"


def test_get_of_an_unknown_cache_raises(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.CacheClusterNotFound) as info:
        broker.get_cache("nope")
    assert isinstance(info.value, LookupError)
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.get_cache(5)  # type: ignore[arg-type]


def test_delete_of_an_unknown_or_deleted_cache_raises(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.delete_cache("nope")
    c = broker.create_cache("c")
    broker.delete_cache(c)
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.delete_cache(c)
    with pytest.raises(pymsg.CacheClusterNotFound):
        broker.delete_cache("c")


def test_a_deleted_name_can_be_reused_for_a_fresh_cache(broker: pymsg.Broker) -> None:
    old = broker.create_cache("c")
    old.set("k", b"v")
    broker.delete_cache("c")
    new = broker.create_cache("c", eviction_policy="noeviction")
    assert new is not old
    assert broker.get_cache("c") is new
    assert new.get("k") is None
    assert len(new) == 0
    with pytest.raises(pymsg.CacheClusterNotFound):
        old.get("k")


DELETED_CACHE_CALLS = {
    "get": "c.get('a')",
    "set": "c.set('a', b'v')",
    "delete": "c.delete('a')",
    "exists": "c.exists('a')",
    "in": "'a' in c",
    "mget": "c.mget(['a'])",
    "mset": "c.mset({'a': b'v'})",
    "incr": "c.incr('n')",
    "ttl": "c.ttl('a')",
    "expire": "c.expire('a', 10)",
    "persist": "c.persist('a')",
    "clear": "c.clear()",
    "len": "len(c)",
    "stats": "c.stats()",
    "get_or_load": "c.get_or_load('z', lambda: b'v')",
    "write_through": "c.write_through('a', b'v', lambda k, v: None)",
    "cached": "c.cached()(lambda: b'v')()",
}


@pytest.mark.parametrize("op", list(DELETED_CACHE_CALLS))
def test_every_call_on_a_deleted_cache_raises_not_found(op: str) -> None:
    script = textwrap.dedent(
        f"""
        import pymsg
        broker = pymsg.Broker(pymsg.ManualClock(1_700_000_000.0))
        c = broker.create_cache("c")
        c.set("a", b"v")
        broker.delete_cache(c)
        try:
            result = {DELETED_CACHE_CALLS[op]}
        except pymsg.CacheClusterNotFound as e:
            print("CacheClusterNotFound:", e)
        except BaseException as e:
            print("wrong error:", type(e).__name__, e)
        else:
            print("no error; returned", repr(result))
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (
        f"{op} on a deleted cache crashed the interpreter (rc {run.returncode}): {run.stderr[-500:]}"
    )
    assert run.stdout.startswith("CacheClusterNotFound:"), f"{op} on a deleted cache: {run.stdout.strip()}"
