"""A cache never holds more than max_memory after any operation, whatever the policy: writes
with and without TTLs, TTLs added to keys that had none (EXPIRE), INCR, MSET, deletes and time
passing, checked after every step by a Hypothesis state machine.

A TTL costs a 16-byte heap item; writes and EXPIRE make room for it before they change
anything, and under noeviction (or a volatile policy with nothing to evict) refuse with
OutOfMemoryError instead of going over."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import pymsg
from pymsg import errors

POLICIES = ["allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random", "volatile-random",
            "volatile-ttl", "noeviction"]
KEYS = st.sampled_from([f"key{i}" for i in range(40)])
VALUES = st.binary(min_size=0, max_size=300)
TTLS = st.sampled_from([None, 1, 5, 60])


class MemoryLimit(RuleBasedStateMachine):
    @initialize(policy=st.sampled_from(POLICIES), max_memory=st.integers(600, 6000), shards=st.sampled_from([1, 4]))
    def make(self, policy: str, max_memory: int, shards: int) -> None:
        self.clock = pymsg.ManualClock(1_700_000_000.0)
        self.broker = pymsg.Broker(clock=self.clock)
        self.max_memory = max_memory
        self.cache = self.broker.create_cache("c", max_memory=max_memory, eviction_policy=policy, shards=shards)

    def _call(self, f, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        try:
            f(*args, **kwargs)
        except errors.OutOfMemoryError:  # refused: nothing written
            pass
        except errors.InvalidParameterValue:  # INCR of a value that is not a number
            pass

    @rule(key=KEYS, value=VALUES, ttl=TTLS)
    def set(self, key: str, value: bytes, ttl: int | None) -> None:
        self._call(self.cache.set, key, value, ttl=ttl)

    @rule(key=KEYS, ttl=st.sampled_from([1, 10, 100]))
    def expire(self, key: str, ttl: int) -> None:
        self._call(self.cache.expire, key, ttl)

    @rule(key=KEYS)
    def persist(self, key: str) -> None:
        self._call(self.cache.persist, key)

    @rule(key=KEYS, amount=st.integers(-5, 5))
    def incr(self, key: str, amount: int) -> None:
        self._call(self.cache.incr, key, amount)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=4, unique=True), value=VALUES, ttl=TTLS)
    def mset(self, keys: list[str], value: bytes, ttl: int | None) -> None:
        self._call(self.cache.mset, {k: value for k in keys}, ttl=ttl)

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        self.cache.delete(key)

    @rule(seconds=st.sampled_from([0.5, 2, 30]))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def within_the_limit(self) -> None:
        used = self.cache.stats()["used_memory"]
        assert used <= self.max_memory, f"used_memory {used} > max_memory {self.max_memory}"


MemoryLimit.TestCase.settings = settings(max_examples=150, stateful_step_count=60, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
test_the_cache_never_exceeds_max_memory = MemoryLimit.TestCase


def test_expire_on_a_full_noeviction_cache_is_refused_when_its_heap_item_does_not_fit() -> None:
    broker = pymsg.Broker(clock=pymsg.ManualClock(1_700_000_000.0))
    cache = broker.create_cache("c", max_memory=2000, eviction_policy="noeviction", shards=1)
    for value in (b"x" * 40, b""):  # full: not even an empty value fits any more
        n = 0
        while True:
            try:
                cache.set(f"k{len(value)}-{n}", value)
            except errors.OutOfMemoryError:
                break
            n += 1
    keys = [f"k40-{i}" for i in range(10)]
    for key in keys:
        left = 2000 - cache.stats()["used_memory"]
        if left >= 16:
            assert cache.expire(key, 60) and cache.ttl(key) is not None
        else:
            used = cache.stats()["used_memory"]
            try:
                cache.expire(key, 60)
                raise AssertionError("EXPIRE went past max_memory")
            except errors.OutOfMemoryError as exc:
                assert str(exc) == "OOM command not allowed when used memory > 'maxmemory'."
            assert cache.ttl(key) is None and cache.stats()["used_memory"] == used
            return
    raise AssertionError("the cache never filled up to its last heap item")
