"""A broker's state on disk, for ``pymsg serve --state FILE``: SQS queues with their attributes
(Policy and the like included), tags and every message (visible, delayed or in flight, with its receive count, timestamps and
FIFO deduplication window); SNS topics with their attributes, tags and subscriptions; Kinesis
streams with every shard (closed ones too) and retained record, their tags, encryption,
resource policies and fan-out consumers; caches with every entry, its TTL and their settings.

What a client holds stays valid across a restart: queue URLs, MessageIds, FIFO SequenceNumbers,
receipt handles of messages in flight, subscription ARNs and pending confirmation tokens, shard
ids, record sequence numbers and shard iterators. Time does not stop while the process is down:
a visibility timeout, delay or retention period that ran out meanwhile has run out when the
state is loaded, as it would have on AWS.

Also kept: SQS message move tasks (a running one goes on after the load) and Kinesis
consumer applications' leases and checkpoints.

Not kept (yet): Python-callable subscriptions (not serializable), FIFO topics'
deduplication windows, caches' recency order, LFU counters and hit/miss statistics, SNS
deliveries waiting for a retry, and the throughput limits' token buckets (they start full).

The file is a 28-byte header (the magic ``PYMSGSNP``, the framing version, the length of what
follows, its CRC-32C and the header's own CRC-32C), then msgpack: a map with the format version,
region, account and one entry per queue, topic, stream and cache, and the same for each other account
and region served (``scopes``); a queue's messages and a stream's shards are the core's own
dumps (``Queue.dump``, ``Stream.dump``, ``Cache.dump``), one bytes value each. A file whose checksums or length do not
match is refused whole (nothing loads, nothing is saved over it); a file of an earlier pymsg,
plain msgpack with no header, still loads.
:func:`save` writes it atomically (a temporary file, fsync, rename), so a crash mid-save leaves
the previous state.

Cost: a dump holds its queue's or stream's lock while it copies, about 0.33 us a message and
0.23 us a record here (a million queued messages: 330 ms in which that queue waits); a dump is
about 47 bytes a message beyond its body. A broker that large wants a longer --state-interval.
"""

from __future__ import annotations

import os
import struct
import tempfile
from typing import TYPE_CHECKING, Any, Callable

import msgpack

from ._core import crc32c
from .messages import BROKER, error

if TYPE_CHECKING:
    from .broker import Broker
    from .sns import Topic

FORMAT = 1
_MAGIC = b"PYMSGSNP"
_FRAMING = 1
# magic, framing version, payload length, payload CRC-32C; then the CRC-32C of those 24 bytes.
_HEADER = struct.Struct("<8sIQI")
_HEADER_BYTES = _HEADER.size + 4
_CONFIG = ("visibility_timeout", "delay_seconds", "message_retention_period", "maximum_message_size",
           "receive_message_wait_time_seconds", "content_based_deduplication", "deduplication_scope",
           "fifo_throughput_limit")


def snapshot(broker: Broker, *, cold_cut: int | None = None) -> bytes:
    """The broker's queues, topics and streams as bytes, with those of every other account and
    region of its family (Broker.scope) under "scopes". Each is captured atomically; taken while
    other threads work, a message moving between two queues (a redrive) may be caught in both
    or neither, so take the one that must be exact when the broker is idle.

    ``cold_cut`` (a data directory's checkpoint): the log's last LSN before the queues were
    listed; each queue is then dumped with its journal id and the LSN its dump covers, so that
    recovery replays exactly the records the snapshot does not hold (no redrive is caught twice)."""
    durable = cold_cut is not None
    state = _scope_state(broker, durable)
    state["saved_at"] = broker.clock.now()
    if durable:
        state["cold_cut"] = cold_cut
    others = [_scope_state(b, durable) for b in broker.scopes() if b is not broker]
    if others:
        state["scopes"] = others
    return _frame(msgpack.packb(state, use_bin_type=True))


def _frame(payload: bytes) -> bytes:
    header = _HEADER.pack(_MAGIC, _FRAMING, len(payload), crc32c(payload))
    return header + struct.pack("<I", crc32c(header)) + payload


def _unframe(data: bytes, what: str) -> bytes:
    """The msgpack inside a framed snapshot, checked; a headerless (older) one as it is."""
    if not data.startswith(_MAGIC[:4]):
        if data[:1] and (0x80 <= data[0] <= 0x8F or data[0] in (0xDE, 0xDF)):
            return data  # a msgpack map, written before snapshots had a header: no checksum to check
        raise error(BROKER, "not_a_snapshot", what=what, why="its header is damaged (bad magic at byte 0)")
    if len(data) < _HEADER_BYTES:
        raise error(BROKER, "not_a_snapshot", what=what, why=f"it is cut short ({len(data)} bytes, inside its header)")
    magic, framing, length, payload_crc = _HEADER.unpack_from(data)
    (header_crc,) = struct.unpack_from("<I", data, _HEADER.size)
    if magic != _MAGIC or header_crc != crc32c(data[:_HEADER.size]):
        raise error(BROKER, "not_a_snapshot", what=what, why="its header is damaged (checksum mismatch at byte 0)")
    if framing != _FRAMING:
        raise error(BROKER, "state_format", format=f"framing {framing}", expected=f"framing {_FRAMING}")
    payload = data[_HEADER_BYTES:]
    if len(payload) != length:
        raise error(BROKER, "not_a_snapshot", what=what,
                    why=f"it is {'cut short' if len(payload) < length else 'longer than written'} "
                        f"({len(payload):,} of {length:,} bytes after the header)")
    if crc32c(payload) != payload_crc:
        raise error(BROKER, "not_a_snapshot", what=what,
                    why=f"its checksum does not match: damaged between byte {_HEADER_BYTES} and its end")
    return payload


def _scope_state(broker: Broker, durable: bool = False) -> dict[str, Any]:
    """One broker's own resources: its region, account, queues, topics and streams."""
    queues = []
    for queue in broker.list_queues():
        try:
            entry: dict[str, Any] = {"name": queue.name}
            if durable:  # the dump first: a config read after it is as new or newer, and replay is idempotent
                entry["dump"], entry["cut"] = queue._core.dump_cut()
                entry["journal_id"] = queue._core.journal_id
            else:
                entry["dump"] = queue._core.dump()
            config = queue._core.config()
            with queue._lock:
                tags, settings = dict(queue._tags), dict(queue._settings)
            entry.update({
                "config": {name: getattr(config, name) for name in _CONFIG},
                "dead_letter_target_arn": config.dead_letter_target_arn,
                "max_receive_count": config.max_receive_count,
                "tags": tags,
                "settings": settings,
            })
            queues.append(entry)
        except LookupError:  # deleted since list_queues: it is not part of the state
            pass
    topics = [entry for entry in (topic_entry(t, with_fifo=True) for t in broker.list_topics()) if entry is not None]
    streams = []
    for stream in broker.list_streams():
        core = stream._core
        try:
            entry = {"name": stream.name}
            if durable:  # the dump first: what is read after it is as new or newer, and replay is idempotent
                entry["dump"], entry["cut"] = core.dump_cut()
                entry["journal_id"] = core.journal_id
            else:
                entry["dump"] = core.dump()
            meta = stream._meta()
            entry.update({"mode": core.mode, "retention_period_hours": core.retention_period_hours,
                          "enforce_limits": core.enforce_limits, "max_record_size_kib": core.max_record_size_kib,
                          "tags": meta.pop("tags"), "meta": meta})
            streams.append(entry)
        except LookupError:  # deleted since list_streams
            pass
    caches = []
    for name in broker._core.list_caches():
        try:
            core = broker._core.get_cache(name)
            entry = {"name": name, "codec": broker._cache_codec(name), "max_memory": core.max_memory,
                     "max_items": core.max_items, "default_ttl": core.default_ttl,
                     "eviction_policy": core.eviction_policy, "shards": core.shards, "dump": core.dump()}
            if durable:
                entry["journal_id"] = core.journal_id
            caches.append(entry)
        except LookupError:  # deleted since list_caches
            pass
    return {"format": FORMAT, "region": broker.region, "account_id": broker.account_id, "queues": queues,
            "topics": topics, "streams": streams, "caches": caches, "move_tasks": broker._moves.state()}


def restore(broker: Broker, data: bytes, *, source: str = "state file",
            adopt: Callable[[Broker, Any, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Puts a snapshot's queues, topics and streams into `broker`, which must have none of them
    and the snapshot's region and account. InvalidParameterValue (or the quota error a new
    broker would raise) otherwise, and `broker` is left as it was: the snapshot is first
    restored into a scratch broker with the same settings, so damage anywhere in it is found
    before the real one changes. ``adopt(owner, core, entry)`` is called for each queue restored
    into `broker`'s family (a data directory's recovery takes its journal id and cut there).
    Returns the snapshot's map."""
    state = _read(_unframe(data, source), broker, source)
    scopes = state.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(x, dict) for x in scopes):
        raise error(BROKER, "not_a_snapshot", what=source, why="its scopes are not a list of maps")
    from .broker import Broker as _Broker

    scratch = _Broker(broker.clock, region=broker.region, account_id=broker.account_id,
                      strict_limits=broker.strict_limits, strict_timing=broker._core.strict_timing,
                      quotas=broker.quotas)
    for target in (scratch, broker):  # the scratch family first: damage is found before `broker` changes
        pairs = [(target, state)] + [(_scope_of(target, x), x) for x in scopes]
        for owner, part in pairs:
            _check_clashes(owner, part)
        for owner, part in pairs:  # every scope's queues first: a topic may deliver to another scope's
            _apply(owner, part, queues=True, adopt=adopt if target is broker else None)
        for owner, part in pairs:
            _apply(owner, part, queues=False, adopt=adopt if target is broker else None)
    return state


def _scope_of(broker: Broker, part: dict[str, Any]) -> Broker:
    missing = sorted({"region", "account_id", "queues", "topics", "streams"} - set(part))
    if missing:
        raise error(BROKER, "not_a_snapshot", what="state file", why=f"a scope has no {missing[0]}")
    return broker.scope(str(part["account_id"]), str(part["region"]))


def _check_clashes(broker: Broker, state: dict[str, Any]) -> None:
    for kind, existing in (("queues", broker.list_queues()), ("topics", broker.list_topics()),
                           ("streams", broker.list_streams()), ("caches", broker._core.list_caches())):
        clash = sorted({getattr(item, "name", item) for item in existing} & {item["name"] for item in state.get(kind, [])})
        if clash:
            raise error(BROKER, "state_clash", kind=kind[:-1], name=clash[0])


def _read(data: bytes, broker: Broker, what: str = "state file") -> dict[str, Any]:
    """The snapshot's map, checked for its format, region, account and members."""
    try:
        state = msgpack.unpackb(data, raw=False)
        if not isinstance(state, dict) or "format" not in state:
            raise ValueError("not a map with a format")
    except ValueError as exc:
        raise error(BROKER, "not_a_snapshot", what=what, why=exc) from None
    if state["format"] != FORMAT:
        raise error(BROKER, "state_format", format=state["format"], expected=FORMAT)
    missing = sorted({"region", "account_id", "queues", "topics", "streams"} - set(state))
    if missing:
        raise error(BROKER, "not_a_snapshot", what=what, why=f"it has no {missing[0]}")
    for key, value in (("region", broker.region), ("account_id", broker.account_id)):
        if state[key] != value:
            raise error(BROKER, "state_scope", key=key, saved=state[key], value=value)
    return state


def topic_entry(topic: Topic, *, with_fifo: bool = False) -> dict[str, Any] | None:
    """A topic as a snapshot holds it (None once deleted): its options, settings, tags and
    subscriptions, pending ones with their confirmation tokens; ``with_fifo``, a FIFO topic's
    deduplication window and sequence number too, with the log LSN they cover."""
    content_based, display_name = topic._core.options()
    with topic._lock:
        tokens: dict[str, list[str]] = {}
        for token, arn in topic._tokens.items():
            tokens.setdefault(arn, []).append(token)
        delivery = {arn: s._delivery_policy for arn, s in topic._subscriptions.items() if s._delivery_policy}
    subscriptions = [
        {"arn": arn, "protocol": protocol, "endpoint": endpoint, "raw": raw, "filter_policy": policy,
         "scope": scope, "dead_letter_target_arn": dlq, "pending": pending, "tokens": tokens.get(arn, []),
         "delivery_policy": delivery.get(arn, "")}
        for arn, protocol, endpoint, raw, policy, scope, dlq, pending in topic._core.subscriptions()
        if protocol != "lambda"  # a Python callable cannot outlive its process
    ]
    with topic._lock:
        settings, tags = dict(topic._settings), dict(topic._tags)
    if topic._core.deleted:  # deleted meanwhile: not part of the state
        return None
    entry = {"name": topic.name, "content_based_deduplication": content_based, "display_name": display_name,
             "settings": settings, "tags": tags, "subscriptions": subscriptions}
    if with_fifo and topic._core.fifo:
        entry["fifo"], entry["fifo_cut"] = topic._core.dump_fifo()
    return entry


def restore_topic(broker: Broker, t: dict[str, Any]) -> None:
    """Makes the topic a topic_entry() describes, in `broker` (which must not have it)."""
    topic = broker.create_topic(t["name"], content_based_deduplication=t["content_based_deduplication"],
                                attributes={"DisplayName": t["display_name"]} if t["display_name"] else None)
    for name, value in t["settings"].items():
        topic.set_attribute(name, value)
    topic.tag(t["tags"])
    if "fifo" in t:
        topic._core.restore_fifo(t["fifo"])
    for s in t["subscriptions"]:
        topic._restore_subscription(s["arn"], s["protocol"], s["endpoint"], s["raw"], s["filter_policy"],
                                    s["scope"], s["dead_letter_target_arn"], s["pending"], s["tokens"],
                                    s.get("delivery_policy", ""))


def _apply(broker: Broker, state: dict[str, Any], *, queues: bool, adopt: Any = None) -> None:
    """Restores the snapshot's queues (`queues`), or else its topics and streams."""
    try:
        if queues:
            _restore_queues(broker, state["queues"], adopt)
            return
        for t in state["topics"]:
            restore_topic(broker, t)
        for st in state["streams"]:
            core = broker._core.restore_stream(st["name"], st["dump"], st["mode"], st["retention_period_hours"],
                                               st["enforce_limits"], st["max_record_size_kib"])
            broker._wrap_stream(core)._restore_meta({**st.get("meta", {}), "tags": st["tags"]})
            if adopt is not None:
                adopt(broker, core, st)
        broker._moves.restore(state.get("move_tasks", []))  # after the queues, which tasks name
        for c in state.get("caches", []):  # snapshots before caches were kept have none
            core = broker._core.restore_cache(c["name"], c["dump"], c["max_memory"], c["max_items"], c["default_ttl"],
                                              c["eviction_policy"], c["shards"])
            broker._wrap_cache(core, c["codec"])
            if adopt is not None:
                adopt(broker, core, c)
    except (KeyError, TypeError, AttributeError) as exc:  # a member missing or of the wrong type
        raise error(BROKER, "not_a_snapshot", what="state file", why=f"a malformed entry ({exc!r})") from None


def _restore_queues(broker: Broker, queues: list[dict[str, Any]], adopt: Any = None) -> None:
    """Dead-letter queues before the queues that redrive to them. A redrive cycle (A to B and B
    to A) is broken by restoring one queue without its policy and setting it at the end; a policy
    whose queue was deleted before the save is dropped (the core accepts only live targets)."""
    names = {q["name"] for q in queues}

    def target(q: dict[str, Any]) -> str | None:
        arn = q["dead_letter_target_arn"]
        name = arn.rsplit(":", 1)[-1] if arn else ""
        return name if name in names else None

    restored: set[str] = set()
    deferred: list[dict[str, Any]] = []
    pending = list(queues)
    while pending:
        ready = [q for q in pending if target(q) is None or target(q) in restored]
        if not ready:
            ready = [pending[0]]
            deferred.append(pending[0])
        for q in ready:
            keep = target(q) is not None and q not in deferred
            core = broker._core.restore_queue(
                q["name"], q["dump"], **q["config"],
                dead_letter_target_arn=q["dead_letter_target_arn"] if keep else "",
                max_receive_count=q["max_receive_count"] if keep else 0)
            broker._wrap(core, q["tags"])._apply_settings(q["settings"])
            if adopt is not None:
                adopt(broker, core, q)
            restored.add(q["name"])
        pending = [q for q in pending if q["name"] not in restored]
    for q in deferred:
        broker.get_queue(q["name"]).set_attributes(dead_letter_queue=q["dead_letter_target_arn"],
                                                   max_receive_count=q["max_receive_count"])


def save(broker: Broker, path: str) -> None:
    """Writes the broker's snapshot to `path` atomically."""
    write_atomically(path, snapshot(broker))


def write_atomically(path: str, data: bytes) -> None:
    """`data` in `path`, whole or not at all: a temporary file, fsync, rename, fsync of the directory."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".pymsg-state-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if os.path.exists(path):
            os.chmod(temporary, os.stat(path).st_mode & 0o7777)  # keep the file's own permissions
        os.replace(temporary, path)
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)  # the rename itself survives a power cut
        finally:
            os.close(directory_fd)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def load(broker: Broker, path: str) -> bool:
    """Restores `path` into `broker` if it exists; returns whether it did."""
    try:
        with open(path, "rb") as source:
            data = source.read()
    except FileNotFoundError:
        return False
    restore(broker, data, source=f"state file ({path})")
    return True
