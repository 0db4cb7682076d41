"""The caching patterns ElastiCache's guides teach, on top of get/set: lazy loading
(``get_or_load``, with single flight under many threads), the ``cached`` decorator, write-through,
and the msgpack codec for values other than bytes.

Thread tests wait on barriers, events and conditions with timeouts; nothing sleeps.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

import pymsg

THREADS = 16
WAIT = 10.0  # seconds: only reached when something is broken


@pytest.fixture
def cache(broker: pymsg.Broker) -> pymsg.Cache:
    return broker.create_cache("c")


@pytest.fixture
def mcache(broker: pymsg.Broker) -> Any:
    """A cache with codec="msgpack" (typed Any: its values are any msgpack value, not bytes)."""
    return broker.create_cache("m", codec="msgpack")


def run_together(n: int, call: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    """Runs `call` on n threads that start together (at a barrier); returns their results and the
    exceptions they raised."""
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(WAIT)
            value = call()
            with lock:
                results.append(value)
        except BaseException as e:  # noqa: BLE001 - reported by the test thread
            with lock:
                errors.append(e)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 3)
    assert not any(t.is_alive() for t in threads), "threads did not finish"
    return results, errors


class GatedLoader:
    """A loader that blocks until all `n` callers have entered get_or_load (or a timeout), so that
    they all miss while it runs. `enter()` is called by each caller just before get_or_load."""

    def __init__(self, n: int, value: Any = b"loaded", error: BaseException | None = None) -> None:
        self.n = n
        self.value = value
        self.error = error
        self.calls = 0
        self.entered = 0
        self.all_entered = False
        self.cond = threading.Condition()

    def enter(self) -> None:
        with self.cond:
            self.entered += 1
            self.cond.notify_all()

    def __call__(self) -> Any:
        with self.cond:
            self.calls += 1
            self.all_entered = self.cond.wait_for(lambda: self.entered >= self.n, timeout=WAIT)
        if self.error is not None:
            raise self.error
        return self.value


# ---------------------------------------------------------------------------------------------
# get_or_load (lazy loading)


def test_get_or_load_loads_a_miss_and_caches_it(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    calls = []

    def loader() -> bytes:
        calls.append(1)
        return b"from db"

    assert cache.get_or_load("k", loader, ttl=60) == b"from db"
    assert cache.get("k") == b"from db"
    assert cache.ttl("k") == pytest.approx(60.0)
    assert cache.get_or_load("k", loader, ttl=60) == b"from db"
    assert len(calls) == 1
    clock.advance(61)  # expired: the next read loads again
    assert cache.get_or_load("k", loader, ttl=60) == b"from db"
    assert len(calls) == 2


def test_get_or_load_does_not_call_the_loader_on_a_hit(cache: pymsg.Cache) -> None:
    cache.set("k", b"cached")

    def loader() -> bytes:
        raise AssertionError("loader called on a hit")

    assert cache.get_or_load("k", loader) == b"cached"
    assert cache.get_or_load(b"k", loader) == b"cached"  # str and bytes are one key


def test_get_or_load_uses_the_default_ttl(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", default_ttl=30)
    cache.get_or_load("k", lambda: b"v")
    assert cache.ttl("k") == pytest.approx(30.0)


def test_get_or_load_with_a_non_bytes_value_raises_and_caches_nothing(cache: pymsg.Cache) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="codec='msgpack'"):
        cache.get_or_load("k", lambda: "text")
    assert "k" not in cache
    assert cache.get_or_load("k", lambda: b"ok") == b"ok"


def test_get_or_load_counts_one_lookup(cache: pymsg.Cache) -> None:
    # One cache-aside read is one lookup: a miss (then the load), or a hit.
    cache.get_or_load("k", lambda: b"v")
    assert (cache.stats()["hits"], cache.stats()["misses"]) == (0, 1)
    cache.get_or_load("k", lambda: b"other")
    assert (cache.stats()["hits"], cache.stats()["misses"]) == (1, 1)
    assert cache.stats()["hit_rate"] == pytest.approx(0.5)


def test_single_flight_runs_the_loader_once_for_16_threads(cache: pymsg.Cache) -> None:
    loader = GatedLoader(THREADS, value=b"loaded")

    def call() -> Any:
        loader.enter()
        return cache.get_or_load("k", loader, ttl=60)

    results, errors = run_together(THREADS, call)
    assert errors == []
    assert loader.all_entered, "the loader gave up waiting for the other callers"
    assert loader.calls == 1
    assert results == [b"loaded"] * THREADS
    assert cache.get("k") == b"loaded"
    assert cache.ttl("k") == pytest.approx(60.0)
    assert len(cache) == 1


def test_single_flight_shares_a_loader_error_and_caches_nothing(cache: pymsg.Cache) -> None:
    boom = ConnectionError("database unreachable")
    loader = GatedLoader(THREADS, error=boom)

    def call() -> Any:
        loader.enter()
        return cache.get_or_load("k", loader)

    results, errors = run_together(THREADS, call)
    assert results == []
    assert len(errors) == THREADS
    assert all(isinstance(e, ConnectionError) and str(e) == "database unreachable" for e in errors)
    assert loader.all_entered
    assert loader.calls == 1
    assert "k" not in cache
    assert len(cache) == 0

    # The failure was not remembered: the next call runs the loader again.
    loader.error = None
    loader.value = b"recovered"
    assert cache.get_or_load("k", loader) == b"recovered"
    assert loader.calls == 2
    assert cache.get("k") == b"recovered"


def test_single_flight_is_per_key(cache: pymsg.Cache) -> None:
    calls: dict[str, int] = {}
    lock = threading.Lock()
    keys = [f"k{i % 4}" for i in range(THREADS)]
    next_key = iter(keys)

    def call() -> Any:
        with lock:
            key = next(next_key)

        def loader() -> bytes:
            with lock:
                calls[key] = calls.get(key, 0) + 1
            return key.encode()

        return key, cache.get_or_load(key, loader)

    results, errors = run_together(THREADS, call)
    assert errors == []
    assert all(value == key.encode() for key, value in results)
    assert calls == {"k0": 1, "k1": 1, "k2": 1, "k3": 1}
    assert all(cache.get(k) == k.encode() for k in calls)


def test_a_loader_error_propagates_to_a_single_caller(cache: pymsg.Cache) -> None:
    def loader() -> bytes:
        raise KeyError("row 7")

    with pytest.raises(KeyError):
        cache.get_or_load("k", loader)
    assert "k" not in cache


# ---------------------------------------------------------------------------------------------
# the cached decorator


def test_cached_calls_the_function_once_per_arguments(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    calls: list[tuple[Any, ...]] = []

    @cache.cached(ttl=30)
    def square(x: int, *, label: str = "") -> bytes:
        calls.append((x, label))
        return f"{label}{x * x}".encode()

    assert square(3) == b"9"
    assert square(3) == b"9"
    assert calls == [(3, "")]
    assert square(4) == b"16"
    assert square(3, label="n=") == b"n=9"
    assert calls == [(3, ""), (4, ""), (3, "n=")]
    assert square(4) == b"16"
    assert len(calls) == 3
    clock.advance(31)  # the ttl passed: called again
    assert square(3) == b"9"
    assert len(calls) == 4


def test_cached_keeps_the_function_name(cache: pymsg.Cache) -> None:
    @cache.cached()
    def load_user(user_id: int) -> bytes:
        """Loads a user."""
        return b"u"

    assert load_user.__name__ == "load_user"
    assert load_user.__doc__ == "Loads a user."


def test_cached_with_a_custom_key(cache: pymsg.Cache) -> None:
    calls = []

    @cache.cached(ttl=60, key=lambda user_id, **_: f"user:{user_id}")
    def load_user(user_id: int, verbose: bool = False) -> bytes:
        calls.append(user_id)
        return f"user {user_id}".encode()

    assert load_user(7) == b"user 7"
    assert cache.get("user:7") == b"user 7"
    assert cache.ttl("user:7") == pytest.approx(60.0)
    assert load_user(7, verbose=True) == b"user 7"  # the same key: not called again
    assert calls == [7]
    cache.set("user:8", b"preloaded")
    assert load_user(8) == b"preloaded"
    assert calls == [7]


def test_cached_functions_with_the_same_arguments_do_not_share_entries(cache: pymsg.Cache) -> None:
    @cache.cached()
    def f(x: int) -> bytes:
        return b"f"

    @cache.cached()
    def g(x: int) -> bytes:
        return b"g"

    assert (f(1), g(1), f(1), g(1)) == (b"f", b"g", b"f", b"g")


def test_cached_does_not_cache_an_exception(cache: pymsg.Cache) -> None:
    calls = []

    @cache.cached()
    def flaky(x: int) -> bytes:
        calls.append(x)
        if len(calls) == 1:
            raise TimeoutError("slow database")
        return b"ok"

    with pytest.raises(TimeoutError):
        flaky(1)
    assert flaky(1) == b"ok"
    assert flaky(1) == b"ok"
    assert calls == [1, 1]


# ---------------------------------------------------------------------------------------------
# write-through


def test_write_through_writes_the_database_first_then_caches(cache: pymsg.Cache) -> None:
    seen = []

    def writer(key: Any, value: Any) -> None:
        seen.append((key, value, key in cache))

    cache.write_through("user:1", b"row", writer, ttl=300)
    assert seen == [("user:1", b"row", False)]  # called with (key, value), before caching
    assert cache.get("user:1") == b"row"
    assert cache.ttl("user:1") == pytest.approx(300.0)

    cache.write_through(b"user:1", b"row v2", lambda k, v: seen.append((k, v, cache.get("user:1"))))
    assert seen[-1] == (b"user:1", b"row v2", b"row")  # the old value was still cached
    assert cache.get("user:1") == b"row v2"
    assert cache.ttl("user:1") is None


def test_a_failing_writer_leaves_an_absent_key_absent(cache: pymsg.Cache) -> None:
    boom = OSError("disk full")

    def writer(key: Any, value: Any) -> None:
        raise boom

    before = (cache.stats()["used_memory"], len(cache))
    with pytest.raises(OSError) as info:
        cache.write_through("k", b"v", writer, ttl=60)
    assert info.value is boom
    assert "k" not in cache
    assert (cache.stats()["used_memory"], len(cache)) == before


def test_a_failing_writer_leaves_the_cached_value_and_ttl(cache: pymsg.Cache) -> None:
    cache.set("k", b"old", ttl=100)

    def writer(key: Any, value: Any) -> None:
        raise RuntimeError("constraint violated")

    with pytest.raises(RuntimeError, match="constraint violated"):
        cache.write_through("k", b"new", writer)
    assert cache.get("k") == b"old"
    assert cache.ttl("k") == pytest.approx(100.0)
    assert len(cache) == 1


def test_write_through_refuses_a_non_bytes_value_before_the_write(cache: pymsg.Cache) -> None:
    calls = []
    with pytest.raises(pymsg.InvalidParameterValue, match="codec='msgpack'"):
        cache.write_through("k", {"not": "bytes"}, lambda k, v: calls.append(k))
    assert calls == []
    assert "k" not in cache


# ---------------------------------------------------------------------------------------------
# codec="msgpack"


@pytest.mark.parametrize(
    "value",
    [
        {"name": "Ada", "roles": ["admin", "dev"], "age": 36},
        [1, 2, [3, {"four": 4}]],
        42,
        -(2**63),
        2**64 - 1,
        3.5,
        "text",
        b"\x00raw bytes",
        True,
        {},
        [],
    ],
)
def test_msgpack_values_round_trip(mcache: Any, value: Any) -> None:
    assert mcache.set("k", value) is True
    assert mcache.get("k") == value
    assert type(mcache.get("k")) is type(value)


def test_msgpack_codec_property(cache: pymsg.Cache, mcache: Any) -> None:
    assert cache.codec is None
    assert mcache.codec == "msgpack"


def test_msgpack_get_of_a_missing_key_returns_the_default(mcache: Any) -> None:
    assert mcache.get("nope") is None
    assert mcache.get("nope", {"default": True}) == {"default": True}
    assert mcache.get("nope", default=0) == 0


def test_msgpack_stored_none_is_not_the_default(mcache: Any) -> None:
    mcache.set("k", None)
    assert "k" in mcache
    assert mcache.get("k", "default") is None


def test_msgpack_mset_and_mget(mcache: Any) -> None:
    mcache.mset({"a": {"x": 1}, "b": [1, 2]}, ttl=60)
    assert mcache.mget(["a", "b", "missing"]) == [{"x": 1}, [1, 2], None]
    assert mcache.mget(iter(["b"])) == [[1, 2]]
    assert mcache.ttl("a") == pytest.approx(60.0)


def test_msgpack_nx_xx_and_ttl(mcache: Any, clock: pymsg.ManualClock) -> None:
    assert mcache.set("k", {"v": 1}, nx=True, ttl=10) is True
    assert mcache.set("k", {"v": 2}, nx=True) is False
    assert mcache.set("k", {"v": 3}, xx=True, ttl=10) is True
    assert mcache.get("k") == {"v": 3}
    clock.advance(11)
    assert mcache.get("k") is None


@pytest.mark.parametrize("value", [object(), {1, 2}, 2**70, {"nested": object()}, complex(1, 2)])
def test_msgpack_unpackable_values_raise_and_change_nothing(mcache: Any, value: Any) -> None:
    mcache.set("k", {"old": True})
    used = mcache.stats()["used_memory"]
    with pytest.raises(pymsg.InvalidParameterValue, match="msgpack"):
        mcache.set("k", value)
    with pytest.raises(pymsg.InvalidParameterValue):
        mcache.set("other", value)
    with pytest.raises(pymsg.InvalidParameterValue):
        mcache.mset({"a": 1, "b": value})
    assert mcache.get("k") == {"old": True}
    assert "other" not in mcache and "a" not in mcache
    assert len(mcache) == 1
    assert mcache.stats()["used_memory"] == used


def test_msgpack_incr_raises(mcache: Any) -> None:
    mcache.set("n", 5)
    with pytest.raises(pymsg.InvalidParameterValue):
        mcache.incr("n")
    with pytest.raises(pymsg.InvalidParameterValue):
        mcache.incr("missing")
    assert mcache.get("n") == 5
    assert "missing" not in mcache


def test_msgpack_get_or_load_and_cached(mcache: Any) -> None:
    assert mcache.get_or_load("u", lambda: {"id": 1, "tags": ["a"]}) == {"id": 1, "tags": ["a"]}
    assert mcache.get("u") == {"id": 1, "tags": ["a"]}
    calls = []

    @mcache.cached(ttl=60)
    def row(i: int) -> dict[str, Any]:
        calls.append(i)
        return {"row": i}

    assert row(1) == {"row": 1}
    assert row(1) == {"row": 1}
    assert calls == [1]


def test_msgpack_get_or_load_of_an_unpackable_value_caches_nothing(mcache: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue):
        mcache.get_or_load("k", lambda: object())
    assert "k" not in mcache


def test_msgpack_write_through(mcache: Any) -> None:
    db: dict[Any, Any] = {}
    mcache.write_through("user:1", {"name": "Ada"}, db.__setitem__)
    assert db == {"user:1": {"name": "Ada"}}
    assert mcache.get("user:1") == {"name": "Ada"}
    calls = []
    with pytest.raises(pymsg.InvalidParameterValue):
        mcache.write_through("user:2", object(), lambda k, v: calls.append(k))
    assert calls == []  # refused before the database write
    assert "user:2" not in mcache


def test_msgpack_memory_limit_counts_the_packed_size(broker: pymsg.Broker) -> None:
    mcache: Any = broker.create_cache("m", codec="msgpack", max_memory=8_192)
    for i in range(100):
        mcache.set(f"k{i}", {"payload": "x" * 300, "i": i})
        assert mcache.stats()["used_memory"] <= 8_192
    assert mcache.stats()["evictions"] > 0
    assert mcache.get("k99") == {"payload": "x" * 300, "i": 99}
