"""The cache's behaviour: one suite parametrised over every eviction policy (what they all share:
get/set/delete, nx/xx, TTLs with lazy and active expiry, stats, incr, and the memory and item limits
after every write), then each policy's own eviction order.

Time moves only through the manual clock (``clock.advance``); nothing sleeps. The manual clock
sweeps expired keys on every advance (active expiry), so the one test of purely lazy expiry runs on
the system clock with a 5 ms TTL and waits by reading that clock.
"""

from __future__ import annotations

import random
from typing import Any, Optional

import pytest

import pymsg
from conftest import cache_snapshot as snapshot

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
VOLATILE = [p for p in POLICIES if p.startswith("volatile-")]
EVICTING = [p for p in POLICIES if p != "noeviction"]
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


@pytest.fixture(params=POLICIES)
def policy(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def cache(broker: pymsg.Broker, policy: str) -> pymsg.Cache:
    """A cache without limits, under each policy."""
    return broker.create_cache("c", eviction_policy=policy)


def evictable_ttl(policy: str, rng: Optional[random.Random] = None) -> Optional[float]:
    """A TTL that makes a key a candidate under `policy` (volatile-* consider only keys with one)."""
    if not policy.startswith("volatile-"):
        return None
    return rng.uniform(1_000, 100_000) if rng is not None else 10_000.0


def used(cache: pymsg.Cache) -> int:
    return cache.stats()["used_memory"]


# ---------------------------------------------------------------------------------------------
# get / set / delete


def test_set_then_get_returns_the_bytes(cache: pymsg.Cache) -> None:
    assert cache.set("k", b"value") is True
    assert cache.get("k") == b"value"
    assert len(cache) == 1


def test_empty_value_round_trips(cache: pymsg.Cache) -> None:
    cache.set("k", b"")
    assert cache.get("k") == b""
    assert "k" in cache


def test_str_and_bytes_name_the_same_key(cache: pymsg.Cache) -> None:
    cache.set("a", b"1")
    assert cache.get(b"a") == b"1"
    cache.set(b"a", b"2")
    assert cache.get("a") == b"2"
    cache.set("clé", b"3")  # a str key is its UTF-8 bytes
    assert cache.get("clé".encode()) == b"3"
    assert len(cache) == 2
    assert cache.delete(b"cl\xc3\xa9") is True
    assert "clé" not in cache


def test_get_of_a_missing_key_returns_the_default(cache: pymsg.Cache) -> None:
    assert cache.get("nope") is None
    sentinel = object()
    assert cache.get("nope", sentinel) is sentinel
    assert cache.get("nope", default=b"d") == b"d"


def test_set_replaces_the_value(cache: pymsg.Cache) -> None:
    cache.set("k", b"first")
    assert cache.set("k", b"second, longer") is True
    assert cache.get("k") == b"second, longer"
    assert len(cache) == 1


def test_delete_reports_whether_the_key_was_there(cache: pymsg.Cache) -> None:
    cache.set("k", b"v")
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    assert cache.get("k") is None
    assert len(cache) == 0


def test_exists_and_in(cache: pymsg.Cache) -> None:
    cache.set("k", b"v")
    assert cache.exists("k") is True
    assert "k" in cache and b"k" in cache
    assert cache.exists("other") is False
    assert "other" not in cache


def test_mset_and_mget(cache: pymsg.Cache) -> None:
    cache.mset({"a": b"1", b"b": b"2", "c": b"3"})
    assert cache.mget(["a", "b", "missing", b"c"]) == [b"1", b"2", None, b"3"]
    assert len(cache) == 3


def test_mset_with_ttl_gives_every_key_that_ttl(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.mset({"a": b"1", "b": b"2"}, ttl=30)
    assert cache.ttl("a") == pytest.approx(30.0)
    assert cache.ttl("b") == pytest.approx(30.0)
    clock.advance(31)
    assert cache.mget(["a", "b"]) == [None, None]


def test_clear_removes_every_key_and_keeps_the_counters(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy)
    fresh = used(cache)
    for i in range(200):
        cache.set(f"k{i}", bytes(i), ttl=100 if i % 2 else None)
    cache.get("k1")
    cache.get("missing")
    cache.clear()
    assert len(cache) == 0
    assert cache.get("k1") is None
    s = cache.stats()
    assert (s["items"], s["hits"], s["misses"]) == (0, 1, 2)
    assert s["used_memory"] == fresh


# ---------------------------------------------------------------------------------------------
# nx / xx


def test_nx_sets_only_an_absent_key(cache: pymsg.Cache) -> None:
    assert cache.set("k", b"first", nx=True) is True
    assert cache.set("k", b"second", nx=True) is False
    assert cache.get("k") == b"first"


def test_xx_sets_only_a_present_key(cache: pymsg.Cache) -> None:
    assert cache.set("k", b"v", xx=True) is False
    assert "k" not in cache
    assert len(cache) == 0
    cache.set("k", b"first")
    assert cache.set("k", b"second", xx=True) is True
    assert cache.get("k") == b"second"


def test_nx_and_xx_see_an_expired_key_as_absent(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("a", b"old", ttl=5)
    cache.set("b", b"old", ttl=5)
    clock.advance(6)
    assert cache.set("a", b"new", nx=True) is True
    assert cache.get("a") == b"new"
    assert cache.set("b", b"new", xx=True) is False
    assert "b" not in cache


def test_a_refused_nx_keeps_the_ttl(cache: pymsg.Cache) -> None:
    cache.set("k", b"v", ttl=50)
    assert cache.set("k", b"w", nx=True, ttl=500) is False
    assert cache.ttl("k") == pytest.approx(50.0)


# ---------------------------------------------------------------------------------------------
# TTLs


def test_ttl_reports_the_seconds_left(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("k", b"v", ttl=100)
    left = cache.ttl("k")
    assert isinstance(left, float)
    assert left == pytest.approx(100.0)
    clock.advance(30.5)
    assert cache.ttl("k") == pytest.approx(69.5)
    clock.advance(69)
    assert cache.ttl("k") == pytest.approx(0.5)


def test_ttl_is_none_for_a_key_without_one(cache: pymsg.Cache) -> None:
    cache.set("k", b"v")
    assert cache.ttl("k") is None


def test_ttl_of_an_absent_key_raises_key_error(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    with pytest.raises(KeyError):
        cache.ttl("nope")
    cache.set("k", b"v", ttl=1)
    clock.advance(2)
    with pytest.raises(KeyError):
        cache.ttl("k")


def test_a_key_lives_until_its_ttl(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("k", b"v", ttl=10)
    clock.advance(9.9)
    assert cache.get("k") == b"v"
    clock.advance(0.2)
    assert cache.get("k") is None
    assert "k" not in cache


def test_active_expiry_drops_expired_keys_on_advance_without_any_access(
    cache: pymsg.Cache, clock: pymsg.ManualClock
) -> None:
    cache.set("long", b"v", ttl=1000)
    cache.set("forever", b"v")
    for i in range(50):
        cache.set(f"short{i}", b"x" * i, ttl=10)
    assert len(cache) == 52
    peak = used(cache)
    clock.advance(11)
    s = cache.stats()  # no key was touched since the advance
    assert s["expired"] == 50
    assert s["items"] == 2
    assert len(cache) == 2
    assert s["used_memory"] <= peak - 50 * (48 + 16)  # each entry and its TTL heap item were freed
    assert (s["hits"], s["misses"]) == (0, 0)
    assert cache.get("long") == b"v" and cache.get("forever") == b"v"


def test_an_expired_key_reads_as_a_miss_and_is_counted_once(
    cache: pymsg.Cache, clock: pymsg.ManualClock
) -> None:
    cache.set("k", b"v", ttl=10)
    clock.advance(11)
    assert cache.get("k", b"default") == b"default"
    assert cache.get("k") is None
    s = cache.stats()
    assert (s["hits"], s["misses"], s["expired"], s["items"]) == (0, 2, 1, 0)
    assert cache.exists("k") is False
    assert cache.delete("k") is False
    assert cache.stats()["expired"] == 1


def test_lazy_expiry_deletes_an_expired_key_when_it_is_accessed(
    broker: pymsg.Broker, clock: pymsg.ManualClock, policy: str
) -> None:
    # Active expiry keeps Redis's pace (10 cycles a second, 20 keys a shard each), so 0.1 s after
    # 100 keys expire together, 20 are gone and 80 linger until an access finds them expired.
    cache = broker.create_cache("c", eviction_policy=policy, shards=1)
    for i in range(100):
        cache.set(f"k{i:03d}", b"v", ttl=10.05 + i / 10_000)  # k000 expires first, k099 last
    cache.set("other", b"v")
    clock.advance(10.1)  # past every deadline, with one cycle (at 10.1) since they passed
    assert len(cache) == 101 - 20 and cache.stats()["expired"] == 20
    assert cache.get("k099") is None  # stored until now: this access expires it
    s = cache.stats()
    assert (s["misses"], s["expired"], s["items"]) == (1, 21, 80)


def test_active_expiry_keeps_redis_pace(broker: pymsg.Broker, clock: pymsg.ManualClock, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, shards=1)
    cache.mset({f"k{i}": b"v" for i in range(300)}, ttl=10)
    clock.advance(10)  # the cycle at 10.0 takes 20
    assert len(cache) == 280
    clock.advance(1)  # ten more cycles of 20
    assert len(cache) == 80
    clock.advance(1)
    assert len(cache) == 0 and cache.stats()["expired"] == 300


def test_default_ttl_applies_to_sets_without_a_ttl(broker: pymsg.Broker, clock: pymsg.ManualClock, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, default_ttl=60)
    cache.set("plain", b"v")
    cache.set("own", b"v", ttl=600)
    cache.mset({"m": b"v"})
    assert cache.ttl("plain") == pytest.approx(60.0)
    assert cache.ttl("m") == pytest.approx(60.0)
    assert cache.ttl("own") == pytest.approx(600.0)
    clock.advance(61)
    assert "plain" not in cache and "m" not in cache
    assert cache.get("own") == b"v"


def test_a_plain_set_drops_the_old_ttl(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("k", b"v", ttl=10)
    cache.set("k", b"w")  # as Redis's SET without EX: the key becomes persistent
    assert cache.ttl("k") is None
    clock.advance(20)
    assert cache.get("k") == b"w"


def test_a_set_with_a_ttl_replaces_the_old_one(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("k", b"v", ttl=10)
    cache.set("k", b"w", ttl=100)
    assert cache.ttl("k") == pytest.approx(100.0)
    clock.advance(50)
    assert cache.get("k") == b"w"
    cache.set("k", b"x", ttl=5)
    assert cache.ttl("k") == pytest.approx(5.0)
    clock.advance(6)
    assert "k" not in cache


def test_expire_gives_a_key_a_ttl_and_persist_removes_it(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("k", b"v")
    assert cache.expire("k", 20) is True
    assert cache.ttl("k") == pytest.approx(20.0)
    clock.advance(5)
    assert cache.expire("k", 100) is True  # a new deadline from now
    assert cache.ttl("k") == pytest.approx(100.0)
    assert cache.persist("k") is True
    assert cache.ttl("k") is None
    assert cache.persist("k") is False  # no TTL to remove
    clock.advance(1000)
    assert cache.get("k") == b"v"


def test_expire_can_shorten_a_ttl(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("k", b"v", ttl=1000)
    assert cache.expire("k", 1) is True
    clock.advance(2)
    assert "k" not in cache
    assert cache.stats()["expired"] == 1


def test_expire_and_persist_of_an_absent_key_return_false(cache: pymsg.Cache) -> None:
    assert cache.expire("nope", 10) is False
    assert cache.persist("nope") is False
    assert len(cache) == 0


@pytest.mark.parametrize("ttl", [0, 0.0, -1, -0.5])
def test_expire_with_a_non_positive_ttl_deletes_the_key(cache: pymsg.Cache, ttl: float) -> None:
    cache.set("k", b"v", ttl=100)
    cache.set("p", b"v")
    assert cache.expire("k", ttl) is True
    assert cache.expire("p", ttl) is True
    assert "k" not in cache and "p" not in cache
    assert len(cache) == 0


def test_expired_keys_give_their_memory_back(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("anchor", b"v")
    baseline = used(cache)
    cache.set("k", b"x" * 1000, ttl=10)
    assert used(cache) > baseline + 1000
    clock.advance(11)
    assert used(cache) == baseline


def test_persist_and_expire_keep_the_accounting(cache: pymsg.Cache) -> None:
    cache.set("k", b"v")
    persistent = used(cache)
    cache.expire("k", 100)
    assert used(cache) >= persistent
    cache.persist("k")
    assert used(cache) == persistent
    cache.delete("k")
    cache.set("k", b"v")
    assert used(cache) == persistent


# ---------------------------------------------------------------------------------------------
# stats


def test_stats_start_at_zero(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, max_memory=1 << 20)
    s = cache.stats()
    assert set(s) == {"hits", "misses", "evictions", "expired", "items", "used_memory", "max_memory", "hit_rate"}
    assert (s["hits"], s["misses"], s["evictions"], s["expired"], s["items"]) == (0, 0, 0, 0, 0)
    assert s["hit_rate"] == 0.0
    assert s["max_memory"] == 1 << 20
    assert s["used_memory"] > 0  # the empty tables


def test_hits_and_misses_count_get_and_mget_lookups_only(cache: pymsg.Cache) -> None:
    cache.set("a", b"1")
    cache.set("b", b"2")
    cache.mset({"c": b"3"})
    cache.set("a", b"1", nx=True)
    cache.set("b", b"2", xx=True)
    cache.exists("a")
    cache.exists("missing")
    assert "a" in cache and "missing" not in cache
    cache.ttl("a")
    cache.expire("a", 100)
    cache.persist("a")
    cache.incr("n")
    cache.delete("c")
    cache.delete("missing")
    assert (cache.stats()["hits"], cache.stats()["misses"]) == (0, 0)

    assert cache.get("a") == b"1"
    assert cache.get("missing") is None
    assert (cache.stats()["hits"], cache.stats()["misses"]) == (1, 1)
    assert cache.mget(["a", "b", "missing", "c"]) == [b"1", b"2", None, None]
    assert (cache.stats()["hits"], cache.stats()["misses"]) == (3, 3)


def test_hit_rate_is_hits_over_lookups(cache: pymsg.Cache) -> None:
    cache.set("a", b"1")
    for _ in range(3):
        cache.get("a")
    cache.get("missing")
    s = cache.stats()
    assert (s["hits"], s["misses"]) == (3, 1)
    assert s["hit_rate"] == pytest.approx(0.75)


def test_items_counts_the_live_keys(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    for i in range(100):
        cache.set(f"k{i}", b"v", ttl=10 if i < 40 else None)
    cache.set("k0", b"again", ttl=10)  # an overwrite is not a new item
    assert cache.stats()["items"] == len(cache) == 100
    cache.delete("k99")
    assert cache.stats()["items"] == len(cache) == 99
    clock.advance(11)
    assert cache.stats()["items"] == len(cache) == 59
    assert cache.stats()["expired"] == 40


# ---------------------------------------------------------------------------------------------
# incr


def test_incr_of_a_missing_key_starts_at_zero(cache: pymsg.Cache) -> None:
    assert cache.incr("n") == 1
    assert cache.get("n") == b"1"
    assert cache.incr("m", 10) == 10
    assert cache.incr("m", amount=-15) == -5
    assert cache.get("m") == b"-5"
    assert cache.ttl("n") is None


def test_incr_adds_to_a_decimal_value(cache: pymsg.Cache) -> None:
    cache.set("n", b"41")
    assert cache.incr("n") == 42
    cache.set("neg", b"-7")
    assert cache.incr("neg", 3) == -4
    cache.set("zero", b"0")
    assert cache.incr("zero", -1) == -1
    assert cache.get("zero") == b"-1"


def test_incr_reaches_the_int64_bounds(cache: pymsg.Cache) -> None:
    cache.set("hi", str(INT64_MAX - 1).encode())
    assert cache.incr("hi") == INT64_MAX
    cache.set("lo", str(INT64_MIN + 1).encode())
    assert cache.incr("lo", -1) == INT64_MIN
    assert cache.get("lo") == str(INT64_MIN).encode()


def test_incr_keeps_the_ttl(cache: pymsg.Cache, clock: pymsg.ManualClock) -> None:
    cache.set("n", b"1", ttl=100)
    clock.advance(10)
    assert cache.incr("n") == 2
    assert cache.ttl("n") == pytest.approx(90.0)
    clock.advance(91)
    assert "n" not in cache
    assert cache.incr("n") == 1  # an expired counter starts again at 0


@pytest.mark.parametrize(
    "value", [b"abc", b"1.5", b" 1", b"1 ", b"01", b"+1", b"-0", b"", b"1e3", b"0x10", b"9223372036854775808"]
)
def test_incr_on_a_non_integer_raises_and_leaves_the_value(cache: pymsg.Cache, value: bytes) -> None:
    cache.set("k", value, ttl=100)
    before = snapshot(cache, ("k",))
    with pytest.raises(pymsg.InvalidParameterValue, match="value is not an integer or out of range"):
        cache.incr("k")
    assert snapshot(cache, ("k",)) == before
    assert cache.get("k") == value


@pytest.mark.parametrize(
    ("start", "amount"), [(INT64_MAX, 1), (INT64_MIN, -1), (1, INT64_MAX), (-2, INT64_MIN)]
)
def test_incr_past_int64_raises_and_leaves_the_value(cache: pymsg.Cache, start: int, amount: int) -> None:
    cache.set("k", str(start).encode())
    before = snapshot(cache, ("k",))
    with pytest.raises(pymsg.InvalidParameterValue, match="would overflow"):
        cache.incr("k", amount)
    assert snapshot(cache, ("k",)) == before
    assert cache.get("k") == str(start).encode()


# ---------------------------------------------------------------------------------------------
# limits: max_memory and max_items hold after every write


def test_used_memory_never_exceeds_max_memory(broker: pymsg.Broker, policy: str) -> None:
    limit = 16_384
    cache = broker.create_cache("c", eviction_policy=policy, max_memory=limit)
    rng = random.Random(20240607)
    refused = 0
    for _ in range(600):
        key = f"key-{rng.randrange(400)}"  # some writes replace a key
        value = bytes([rng.randrange(256)]) * rng.randrange(0, 900)
        ttl = evictable_ttl(policy, rng)
        if policy == "noeviction":
            old = cache.get(key)
            before = snapshot(cache)
            try:
                cache.set(key, value, ttl=ttl)
            except pymsg.OutOfMemoryError:
                refused += 1
                assert snapshot(cache) == before
                assert cache.get(key) == old
                continue
        else:
            assert cache.set(key, value, ttl=ttl) is True
        assert cache.get(key) == value  # the key just written is never the victim
        s = cache.stats()
        assert s["used_memory"] <= limit, f"used_memory {s['used_memory']} > max_memory {limit}"
        assert s["items"] == len(cache)
    if policy == "noeviction":
        assert refused > 0
        assert cache.stats()["evictions"] == 0
    else:
        assert cache.stats()["evictions"] > 0


def test_items_never_exceed_max_items(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, max_items=20)
    rng = random.Random(5)
    for i in range(200):
        key = f"k{i}"
        if policy == "noeviction" and i >= 20:
            before = snapshot(cache)
            with pytest.raises(pymsg.OutOfMemoryError):
                cache.set(key, b"v", ttl=evictable_ttl(policy, rng))
            assert snapshot(cache) == before
            assert key not in cache
        else:
            cache.set(key, b"v", ttl=evictable_ttl(policy, rng))
            assert key in cache
        assert len(cache) <= 20
    assert len(cache) == 20
    assert cache.stats()["evictions"] == (0 if policy == "noeviction" else 180)


def test_overwriting_with_larger_values_stays_within_max_memory(broker: pymsg.Broker, policy: str) -> None:
    limit = 8_192
    cache = broker.create_cache("c", eviction_policy=policy, max_memory=limit)
    ttl = evictable_ttl(policy)
    written = 0
    for i in range(200):
        try:
            cache.set(f"k{i}", b"s" * 40, ttl=ttl)
            written += 1
        except pymsg.OutOfMemoryError:
            assert policy == "noeviction"
            break
    for size in (100, 400, 1_000, 3_000):
        for xx in (False, True):
            before = snapshot(cache, ("k1",))
            try:
                assert cache.set("k1", b"L" * size, ttl=ttl, xx=xx) in (True, False)
            except pymsg.OutOfMemoryError:
                assert policy == "noeviction"
                assert snapshot(cache, ("k1",)) == before
            assert used(cache) <= limit


def test_incr_stays_within_the_limits(broker: pymsg.Broker, policy: str) -> None:
    limit = 8_192
    cache = broker.create_cache("c", eviction_policy=policy, max_memory=limit)
    filled = 0
    try:
        for i in range(40):  # large entries with a TTL, so every policy has victims
            cache.set(f"filler{i}", b"f" * 500, ttl=10_000 + i)
            filled += 1
    except pymsg.OutOfMemoryError:
        assert policy == "noeviction"
    assert filled > 5
    for i in range(30):
        before = snapshot(cache)
        try:
            assert cache.incr(f"counter{i}") == 1
        except pymsg.OutOfMemoryError:
            assert policy == "noeviction"
            assert snapshot(cache) == before
            assert f"counter{i}" not in cache
        assert used(cache) <= limit, f"incr left used_memory {used(cache)} > max_memory {limit}"


@pytest.mark.parametrize("policy", ["noeviction", *VOLATILE])
def test_writes_past_the_limit_raise_when_nothing_may_be_evicted(broker: pymsg.Broker, policy: str) -> None:
    # noeviction evicts nothing; volatile-* evict only keys with a TTL, and these have none.
    # One shard: with several, the write that first fails may be the one whose shard's table had
    # to grow, while a key of another shard still fits (correctly), which would make this flaky.
    limit = 8_192
    cache = broker.create_cache("c", eviction_policy=policy, max_memory=limit, shards=1)
    written = []
    with pytest.raises(pymsg.OutOfMemoryError, match="OOM command not allowed"):
        for i in range(1_000):
            cache.set(f"k{i}", b"v" * 100)
            written.append(f"k{i}")
            assert used(cache) <= limit
    assert len(written) > 10
    assert len(cache) == len(written)
    keys = ("k0", written[-1], "new")
    before = snapshot(cache, keys)

    with pytest.raises(pymsg.OutOfMemoryError):
        cache.set("new", b"v" * 100)
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.set("new", b"v" * 100, ttl=60)  # the key being written is no candidate
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.set("new", b"v" * 100, nx=True)
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.set("k0", b"v" * 2_000)  # a larger value for a present key
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.set("k0", b"v" * 2_000, xx=True)
    assert snapshot(cache, keys) == before
    assert "new" not in cache
    assert cache.stats()["evictions"] == 0

    # A write that fits (a smaller value in place of a larger one) still goes through.
    assert cache.set("k0", b"small") is True
    assert cache.delete("k0") is True
    assert used(cache) <= limit


@pytest.mark.parametrize("policy", ["noeviction", *VOLATILE])
def test_mset_past_the_limit_writes_nothing(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, max_items=10)
    cache.mset({f"k{i}": b"v" for i in range(8)})
    before = snapshot(cache, ("k0", "n0", "n1", "n2"))
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.mset({"n0": b"v", "n1": b"v", "n2": b"v"})  # one too many: as Redis, all or nothing
    assert snapshot(cache, ("k0", "n0", "n1", "n2")) == before
    assert len(cache) == 8


@pytest.mark.parametrize("policy", ["noeviction", *VOLATILE])
def test_incr_of_a_new_key_past_max_items_raises(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, max_items=3)
    for k in ("a", "b", "c"):
        cache.set(k, b"1")
    before = snapshot(cache, ("a", "n"))
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.incr("n")
    assert snapshot(cache, ("a", "n")) == before
    assert cache.incr("a") == 2  # an existing counter still counts
    assert len(cache) == 3


def test_entry_larger_than_max_memory_is_refused(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, max_memory=4_096)
    cache.set("small", b"v", ttl=evictable_ttl(policy))
    before = snapshot(cache, ("small", "huge"))
    with pytest.raises((pymsg.OutOfMemoryError, pymsg.InvalidParameterValue)):
        cache.set("huge", b"x" * 5_000)
    assert snapshot(cache, ("small", "huge")) == before  # nothing was evicted for it either


# ---------------------------------------------------------------------------------------------
# per policy: who is evicted


def recency_survivors(cache: pymsg.Cache, order: list[str]) -> None:
    """Asserts exact LRU: the keys left are the most recently used ones of `order` (oldest first)."""
    present = [k for k in order if k in cache]  # `in` is EXISTS: it touches no recency
    assert present == order[len(order) - len(present) :], f"survivors {present} are not the newest of {order}"


@pytest.mark.parametrize("shards", [16, 1, 2])
def test_lru_evicts_the_least_recently_used_key(broker: pymsg.Broker, shards: int) -> None:
    cache = broker.create_cache("c", eviction_policy="allkeys-lru", max_items=3, shards=shards)
    cache.set("a", b"1")
    cache.set("b", b"2")
    cache.set("c", b"3")
    assert cache.get("a") == b"1"  # a is now newer than b and c
    cache.set("d", b"4")
    assert "b" not in cache
    assert {k for k in "acd" if k in cache} == {"a", "c", "d"}
    assert cache.get("c") == b"3"  # order now: a, d, c
    cache.set("e", b"5")
    assert "a" not in cache
    assert {k for k in "cde" if k in cache} == {"c", "d", "e"}
    assert cache.stats()["evictions"] == 2


def test_lru_counts_a_set_as_a_use(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="allkeys-lru", max_items=3)
    for k in "abc":
        cache.set(k, b"v")
    cache.set("a", b"again")
    cache.set("d", b"v")
    assert "b" not in cache
    assert "a" in cache and "c" in cache and "d" in cache


def test_lru_does_not_count_exists_as_a_use(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="allkeys-lru", max_items=3)
    for k in "abc":
        cache.set(k, b"v")
    assert cache.exists("a") and "a" in cache  # EXISTS does not touch (Redis's LOOKUP_NOTOUCH)
    cache.set("d", b"v")
    assert "a" not in cache


def test_lru_counts_incr_as_a_use(broker: pymsg.Broker) -> None:
    # INCR looks the key up for writing, which touches its LRU clock in Redis.
    cache = broker.create_cache("c", eviction_policy="allkeys-lru", max_items=3)
    for k in "abc":
        cache.set(k, b"1")
    assert cache.incr("a") == 2
    cache.set("d", b"v")
    assert "a" in cache, "the key just incremented was evicted as least recently used"
    assert "b" not in cache


def test_lru_order_is_exact_across_shards_under_max_memory(broker: pymsg.Broker) -> None:
    limit = 12_000
    cache = broker.create_cache("c", eviction_policy="allkeys-lru", max_memory=limit)
    order: list[str] = []  # oldest use first

    def use(key: str) -> None:
        if key in order:
            order.remove(key)
        order.append(key)

    for i in range(40):
        cache.set(f"k{i}", b"x" * 150)
        use(f"k{i}")
    recency_survivors(cache, order)
    survivors = [k for k in order if k in cache]
    for k in survivors[:5]:  # the five oldest survivors become the newest
        assert cache.get(k) is not None
        use(k)
    for i in range(15):
        cache.set(f"n{i}", b"y" * 150)
        use(f"n{i}")
        assert used(cache) <= limit
        recency_survivors(cache, order)
    assert all(k in cache for k in survivors[:5])
    assert cache.stats()["evictions"] == 55 - len(cache)


def test_volatile_lru_evicts_the_least_recently_used_key_with_a_ttl(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="volatile-lru", max_items=6)
    cache.set("p0", b"v")  # persistent and the oldest: never a candidate
    cache.set("v0", b"v", ttl=100)
    cache.set("p1", b"v")
    cache.set("v1", b"v", ttl=100)
    cache.set("v2", b"v", ttl=100)
    cache.set("p2", b"v")
    assert cache.get("v0") == b"v"  # v0 is now the newest volatile key
    cache.set("w0", b"v", ttl=100)
    assert "v1" not in cache
    cache.set("w1", b"v")  # a persistent newcomer still evicts a volatile key
    assert "v2" not in cache
    cache.set("w2", b"v", ttl=100)
    assert "v0" not in cache
    assert all(k in cache for k in ("p0", "p1", "p2", "w1", "w2"))
    assert cache.stats()["evictions"] == 3
    # w0 and w2 are the keys left with a TTL: they go in that order, then nothing qualifies.
    cache.set("w3", b"v")
    assert "w0" not in cache and "w2" in cache
    cache.set("w4", b"v")
    assert "w2" not in cache
    before = snapshot(cache, ("w5",))
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.set("w5", b"v")
    assert snapshot(cache, ("w5",)) == before
    assert all(k in cache for k in ("p0", "p1", "p2", "w1", "w3", "w4"))


def test_volatile_lru_never_evicts_a_persistent_key_under_max_memory(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="volatile-lru", max_memory=16_384)
    for i in range(10):
        cache.set(f"p{i}", b"p" * 200)
    for i in range(200):
        cache.set(f"v{i}", b"v" * 200, ttl=1_000)
        assert used(cache) <= 16_384
    assert all(f"p{i}" in cache for i in range(10))
    assert cache.stats()["evictions"] > 100


def test_lfu_keeps_a_frequently_read_key(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="allkeys-lfu", max_items=10)
    cache.set("hot", b"h")
    for _ in range(50):
        assert cache.get("hot") == b"h"
    for i in range(300):
        cache.set(f"cold{i}", b"c")
        assert "hot" in cache, f"the hot key was evicted at cold{i}"
    assert len(cache) == 10
    assert cache.stats()["evictions"] == 291


def test_lfu_keeps_several_hot_keys_among_many_cold_ones(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="allkeys-lfu", max_memory=16_384)
    hot = [f"hot{i}" for i in range(5)]
    for k in hot:
        cache.set(k, b"h" * 100)
        for _ in range(50):
            cache.get(k)
    for i in range(500):
        cache.set(f"cold{i}", b"c" * 100)
        assert used(cache) <= 16_384
    assert all(k in cache for k in hot)
    assert cache.stats()["evictions"] > 400


def test_volatile_lfu_evicts_cold_keys_with_a_ttl_only(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="volatile-lfu", max_items=12)
    for i in range(3):
        cache.set(f"p{i}", b"p")  # persistent, never read: still never a candidate
    cache.set("hot", b"h", ttl=1_000)
    for _ in range(50):
        cache.get("hot")
    for i in range(200):
        cache.set(f"cold{i}", b"c", ttl=1_000)
    assert all(f"p{i}" in cache for i in range(3))
    assert "hot" in cache
    assert len(cache) == 12


def test_volatile_ttl_evicts_the_soonest_expiry(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="volatile-ttl", max_items=10)
    for i in range(3):
        cache.set(f"p{i}", b"p")
    ttls = {"v0": 50, "v1": 10, "v2": 70, "v3": 30, "v4": 60, "v5": 20, "v6": 40}
    for k, t in ttls.items():
        cache.set(k, b"v", ttl=t)
    cache.set("w0", b"v", ttl=1_000)
    assert "v1" not in cache
    cache.set("w1", b"v", ttl=1_000)
    assert "v5" not in cache
    cache.set("w2", b"v")  # a persistent newcomer evicts the soonest TTL too
    assert "v3" not in cache
    assert all(k in cache for k in ("p0", "p1", "p2", "v0", "v2", "v4", "v6", "w0", "w1", "w2"))
    cache.expire("v2", 1)  # now the soonest
    cache.set("w3", b"v", ttl=1_000)
    assert "v2" not in cache
    assert cache.stats()["evictions"] == 4


def test_volatile_ttl_order_holds_across_shards_under_max_memory(broker: pymsg.Broker) -> None:
    limit = 12_000
    cache = broker.create_cache("c", eviction_policy="volatile-ttl", max_memory=limit)
    rng = random.Random(11)
    deadlines: dict[str, float] = {}
    gone: set[str] = set()
    for i in range(120):
        ttl = rng.uniform(10, 10_000)
        key = f"k{i}"
        cache.set(key, b"x" * 150, ttl=ttl)
        deadlines[key] = ttl
        assert used(cache) <= limit
        # The keys this set evicted expire no later than any survivor (except the key just written).
        # (A key evicted earlier may expire later than one written since: no eviction has run yet.)
        evicted = {k for k in deadlines if k not in cache} - gone
        left = [k for k in deadlines if k in cache and k != key]
        if evicted and left:
            assert max(deadlines[k] for k in evicted) <= min(deadlines[k] for k in left)
        gone |= evicted
    assert cache.stats()["evictions"] > 50


@pytest.mark.parametrize("policy", ["allkeys-random", "volatile-random"])
def test_random_policies_evict_something_and_stay_within_the_limits(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, max_items=8)
    persistent = ["p0", "p1", "p2"] if policy == "volatile-random" else []
    for k in persistent:
        cache.set(k, b"p")
    for i in range(100):
        cache.set(f"k{i}", b"v", ttl=100)
        assert f"k{i}" in cache  # the key just written stays
        assert len(cache) <= 8
    assert len(cache) == 8
    assert cache.stats()["evictions"] == 100 + len(persistent) - 8
    assert all(k in cache for k in persistent)


@pytest.mark.parametrize("policy", ["allkeys-random", "volatile-random"])
def test_random_policies_stay_within_max_memory(broker: pymsg.Broker, policy: str) -> None:
    cache = broker.create_cache("c", eviction_policy=policy, max_memory=10_000)
    rng = random.Random(3)
    for i in range(300):
        cache.set(f"k{i}", b"v" * rng.randrange(1, 600), ttl=100)
        assert used(cache) <= 10_000
    assert 0 < len(cache) < 300
    assert cache.stats()["evictions"] == 300 - len(cache)


def test_noeviction_raises_the_redis_oom_error(broker: pymsg.Broker) -> None:
    cache = broker.create_cache("c", eviction_policy="noeviction", max_items=2)
    cache.set("a", b"v")
    cache.set("b", b"v", ttl=10)
    with pytest.raises(pymsg.OutOfMemoryError, match="OOM command not allowed when used memory > 'maxmemory'"):
        cache.set("c", b"v")
    assert isinstance(pymsg.OutOfMemoryError("x"), RuntimeError)
    assert cache.set("a", b"replaced") is True  # replacing a key needs no room
    assert cache.delete("a") is True
    assert cache.set("c", b"v") is True  # room again
    assert cache.stats()["evictions"] == 0


def test_noeviction_makes_room_as_keys_expire(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    cache = broker.create_cache("c", eviction_policy="noeviction", max_items=2)
    cache.set("a", b"v", ttl=10)
    cache.set("b", b"v")
    with pytest.raises(pymsg.OutOfMemoryError):
        cache.set("c", b"v")
    clock.advance(11)
    assert cache.set("c", b"v") is True
    assert cache.stats()["expired"] == 1
