"""An ElastiCache-style cache: LRU/LFU/TTL eviction under a memory limit, with the caching
patterns ElastiCache's guides teach (lazy loading and write-through).

``get``, ``set``, ``delete``, ``exists``, ``mget``, ``mset``, ``incr`` and ``key in cache`` are C
methods inherited from ``_core.CacheHandle``; everything else is here. Keys are str or bytes (a
str key is its UTF-8 bytes: ``"a"`` and ``b"a"`` are one key); values are bytes, or any
msgpack-serialisable value with ``codec="msgpack"``.

Combining the patterns (as ElastiCache advises): write through on every database write so reads
find fresh data, give entries a TTL so data written behind the cache's back still ages out, and
read with ``get_or_load`` so a miss (an expired or evicted key) loads from the database once::

    cache.write_through(user_id, row, save_row, ttl=300)
    row = cache.get_or_load(user_id, lambda: load_row(user_id), ttl=300)
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, TypeVar, Union

from . import _core
from .messages import CACHE, error

if TYPE_CHECKING:
    from .broker import Broker

Key = Union[str, bytes]
T = TypeVar("T")
_MISSING = object()


def _key_bytes(key: Key) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        try:
            return key.encode()
        except UnicodeEncodeError:
            raise error(CACHE, "key_unicode") from None
    raise error(CACHE, "key_type", type=type(key).__name__)


_MAX_TTL = 1e12  # seconds (about 31,700 years): beyond it the microsecond clock would overflow
_MAX_KEY_BYTES = 65_535


def _check_key(key: Key) -> None:
    size = len(_key_bytes(key))
    if size > _MAX_KEY_BYTES:
        raise error(CACHE, "key_too_long", most=_MAX_KEY_BYTES, size=size)


def _check_ttl(ttl: Optional[float]) -> None:
    """The rule the C set() applies: None, or a positive number of seconds (refused in Redis's
    words for SET ... EX)."""
    if ttl is None:
        return
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise error(CACHE, "not_an_integer")
    if not 0 < ttl <= _MAX_TTL:
        raise error(CACHE, "invalid_expire_time", command="set")


class _Flight:
    """One load in progress: followers wait for the leader's value or exception."""

    __slots__ = ("done", "value", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: Optional[BaseException] = None


class Cache(_core.CacheHandle):
    """A cache. Create with :meth:`pymsg.Broker.create_cache`. Every method is thread-safe.

    Inherited from C (with AWS/Redis semantics): ``get(key, default=None)``, ``set(key, value, *,
    ttl=None, nx=False, xx=False) -> bool``, ``delete(key) -> bool``, ``exists(key)``,
    ``mget(keys)``, ``mset(mapping, *, ttl=None)``, ``incr(key, amount=1) -> int`` and ``in``.
    """

    __slots__ = ("_core", "_broker", "_flights", "_flights_lock", "__weakref__")

    def __init__(self, broker: Broker, core: _core.Cache) -> None:
        super().__init__(core)
        self._core = core
        self._broker = broker
        self._flights: dict[bytes, _Flight] = {}
        self._flights_lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def eviction_policy(self) -> str:
        return self._core.eviction_policy

    @property
    def codec(self) -> Optional[str]:
        """None (bytes values) or "msgpack"."""
        return None

    def __len__(self) -> int:
        return self._core.size()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {len(self)} items)"

    # --- TTLs ----------------------------------------------------------------------------

    def ttl(self, key: Key) -> Optional[float]:
        """PTTL in seconds: the time left, or None when the key has no TTL. Raises KeyError when
        the key is absent (Redis answers -2)."""
        left = self._core.ttl(_key_bytes(key))
        if left is False:
            raise KeyError(key)
        return left

    def expire(self, key: Key, ttl: float) -> bool:
        """EXPIRE: the key expires `ttl` seconds from now (<= 0 deletes it, as Redis). Whether
        the key was there."""
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise error(CACHE, "not_an_integer")
        if not -_MAX_TTL <= ttl <= _MAX_TTL:  # NaN too
            raise error(CACHE, "invalid_expire_time", command="expire")
        return self._core.expire(_key_bytes(key), float(ttl))

    def persist(self, key: Key) -> bool:
        """PERSIST: removes the key's TTL; whether it had one."""
        return self._core.persist(_key_bytes(key))

    # --- whole cache ---------------------------------------------------------------------

    def clear(self) -> None:
        """FLUSHDB: removes every key (stats keep counting)."""
        self._core.clear()

    def stats(self) -> dict[str, Any]:
        """INFO-like counters: hits, misses, evictions, expired, items, used_memory, max_memory
        and hit_rate (hits / lookups, 0.0 before any)."""
        hits, misses, evictions, expired, items, used, max_memory = self._core.stats()
        lookups = hits + misses
        return {
            "hits": hits,
            "misses": misses,
            "evictions": evictions,
            "expired": expired,
            "items": items,
            "used_memory": used,
            "max_memory": max_memory,
            "hit_rate": hits / lookups if lookups else 0.0,
        }

    # --- caching patterns ----------------------------------------------------------------

    def get_or_load(self, key: Key, loader: Callable[[], Any], *, ttl: Optional[float] = None) -> Any:
        """Lazy loading (cache-aside): the cached value, or ``loader()``'s, which is cached. When
        many threads miss the same key at once the loader runs once (single flight) and the others
        get its value; a loader that raises caches nothing, and every waiting caller gets the
        exception."""
        if not callable(loader):
            raise error(CACHE, "callable", name="loader", type=type(loader).__name__)
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value
        flight_key = _key_bytes(key)
        with self._flights_lock:
            flight = self._flights.get(flight_key)
            leader = flight is None
            if leader:
                flight = self._flights[flight_key] = _Flight()
        assert flight is not None
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value
        try:
            value = self._peek(flight_key)  # a leader that just finished may have filled it
            if value is _MISSING:
                value = loader()
                self.set(key, value, ttl=ttl)
            flight.value = value
            return value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._flights_lock:
                del self._flights[flight_key]
            flight.done.set()

    def cached(
        self, ttl: Optional[float] = None, key: Optional[Callable[..., Key]] = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A decorator: calls go through :meth:`get_or_load`, keyed by ``key(*args, **kwargs)``
        (default: the function's qualified name and the repr of its arguments)."""

        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            prefix = f"{func.__module__}.{func.__qualname__}"

            def default_key(*args: Any, **kwargs: Any) -> str:
                return f"{prefix}:{args!r}:{sorted(kwargs.items())!r}"

            make_key = key or default_key

            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                return self.get_or_load(make_key(*args, **kwargs), lambda: func(*args, **kwargs), ttl=ttl)

            return wrapper

        return decorate

    def write_through(self, key: Key, value: Any, writer: Callable[[Key, Any], Any], *, ttl: Optional[float] = None) -> None:
        """Write-through: ``writer(key, value)`` (the database write), then caches the value. If
        the writer raises, the cache is left unchanged and the exception propagates."""
        _check_key(key)  # bad input fails before the database write
        _check_ttl(ttl)
        if not callable(writer):
            raise error(CACHE, "callable", name="writer", type=type(writer).__name__)
        self._check_value(value)
        writer(key, value)
        self.set(key, value, ttl=ttl)

    def _peek(self, key: bytes) -> Any:
        raw = self._core.peek(key)  # no stats, no recency
        return _MISSING if raw is None else raw

    def _check_value(self, value: Any) -> None:
        if not isinstance(value, bytes):
            raise error(CACHE, "value_type", type=type(value).__name__)


class MsgpackCache(Cache):
    """A cache whose values are any msgpack-serialisable Python value (``codec="msgpack"``);
    they are stored packed, so the memory limit counts their packed size."""

    __slots__ = ()

    @property
    def codec(self) -> Optional[str]:
        return "msgpack"

    def get(self, key: Key, default: Any = None) -> Any:  # type: ignore[override]
        raw = super().get(key, _MISSING)
        return default if raw is _MISSING else _unpack(raw)

    def set(self, key: Key, value: Any, *, ttl: Optional[float] = None, nx: bool = False, xx: bool = False) -> bool:  # type: ignore[override]
        return super().set(key, _pack(value), ttl=ttl, nx=nx, xx=xx)

    def mget(self, keys: Iterable[Key]) -> list[Any]:  # type: ignore[override]
        return [None if raw is None else _unpack(raw) for raw in super().mget(list(keys))]

    def mset(self, mapping: Mapping[Key, Any], *, ttl: Optional[float] = None) -> None:  # type: ignore[override]
        super().mset({k: _pack(v) for k, v in mapping.items()}, ttl=ttl)

    def incr(self, key: Key, amount: int = 1) -> int:  # type: ignore[override]
        raise error(CACHE, "incr_codec")

    def _peek(self, key: bytes) -> Any:
        raw = self._core.peek(key)
        return _MISSING if raw is None else _unpack(raw)

    def _check_value(self, value: Any) -> None:
        _pack(value)


def _pack(value: Any) -> bytes:
    import msgpack  # the codec's dependency, imported when first used

    try:
        return msgpack.packb(value, use_bin_type=True)
    except (TypeError, ValueError, OverflowError) as exc:
        raise error(CACHE, "msgpack_value", reason=exc) from None


def _unpack(raw: bytes) -> Any:
    import msgpack

    return msgpack.unpackb(raw, raw=False)
