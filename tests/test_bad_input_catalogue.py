"""The bad-input catalogue of the Python API: every public method of Broker, Queue, Topic, Stream
and Cache, each of its parameters in turn given each value of BAD (wrong types, None, huge and
negative ints, NaN and infinities, empty and invalid text, bytes that are not UTF-8, containers,
bools and fractions), the other arguments valid. Each call must either be accepted (some values
are valid for some parameters: True for a bool, 1.5 for seconds) or raise the pymsg exception
named after the AWS (or Redis) error; never a raw TypeError, ValueError, KeyError or SystemError.
When it raises, the broker must be exactly as it was: its snapshot, and the cache's length, used
memory and contents.

Every public method with parameters is in CALLS (with valid arguments for the rest); the others
are in NO_PARAMETERS, and test_every_public_method_is_listed keeps both lists honest."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import pymsg
import pymsg.state
from pymsg.errors import PymsgError

ACCOUNT = "123456789012"
Q_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
SHARD0, SHARD1 = "shardId-000000000000", "shardId-000000000001"
STREAM_ARN = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s"

BAD: list[Any] = [None, object(), -1, 2**64, -(2**64), float("nan"), float("inf"), "", "\ud800", b"\xff\xfe", [], {},
                  True, 1.5]


def world() -> dict[str, Any]:
    clock = pymsg.ManualClock(1_700_000_000.0)
    broker = pymsg.Broker(clock)
    q = broker.create_queue("q")
    broker.create_queue("dlq")
    f = broker.create_queue("f.fifo")
    q.send("hello")
    [m] = q.receive(1)
    t = broker.create_topic("t")
    s = broker.create_stream("s", 2)
    c = broker.create_cache("c", max_memory=1 << 20)
    c.set(b"k", b"v")
    it = s.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    return dict(clock=clock, b=broker, q=q, f=f, handle=m.receipt_handle, t=t, s=s, c=c, it=it)


def _processor(records: Any, checkpointer: Any) -> None:
    pass


# (object, method): valid arguments; "@name" is world()'s value of that name.
CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("b", "create_queue"): dict(name="new"), ("b", "create_cache"): dict(name="nc", max_memory=1 << 20),
    ("b", "create_stream"): dict(name="ns"), ("b", "create_topic"): dict(name="nt"),
    ("b", "get_queue"): dict(name="q"), ("b", "get_queue_by_url"): dict(url=f"http://localhost/{ACCOUNT}/q"),
    ("b", "get_queue_by_arn"): dict(arn=Q_ARN), ("b", "find_queue_by_arn"): dict(arn=Q_ARN),
    ("b", "get_stream"): dict(name_or_arn="s"), ("b", "get_topic"): dict(name_or_arn="t"),
    ("b", "get_cache"): dict(name="c"), ("b", "list_queues"): dict(),
    ("b", "list_message_move_tasks"): dict(source=Q_ARN), ("b", "scope"): dict(), ("b", "find_scope"): dict(),
    ("b", "opt_out_phone_number"): dict(phone_number="+15555550100"), ("b", "sent_sms"): dict(),
    ("b", "sent_emails"): dict(), ("b", "push_messages"): dict(),
    ("b", "delete_queue"): dict(queue="dlq"), ("b", "delete_topic"): dict(topic="t"),
    ("b", "delete_stream"): dict(stream="s"), ("b", "delete_cache"): dict(cache="c"),
    ("b", "start_message_move_task"): dict(source=f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"),
    ("b", "cancel_message_move_task"): dict(task_handle="nope"),
    ("q", "send"): dict(body="x"), ("q", "receive"): dict(), ("q", "delete"): dict(receipt_handle="@handle"),
    ("q", "change_visibility"): dict(receipt_handle="@handle", visibility_timeout=5),
    ("q", "send_batch"): dict(entries=[{"id": "1", "body": "x"}]),
    ("q", "delete_batch"): dict(entries=[{"id": "1", "receipt_handle": "@handle"}]),
    ("q", "change_visibility_batch"): dict(entries=[{"id": "1", "receipt_handle": "@handle", "visibility_timeout": 5}]),
    ("q", "set_attributes"): dict(), ("q", "tag"): dict(tags={"a": "b"}), ("q", "untag"): dict(keys=["a"]),
    ("q", "add_permission"): dict(label="l", account_ids=[ACCOUNT], actions=["SendMessage"]),
    ("q", "remove_permission"): dict(label="l"),
    ("f", "send"): dict(body="x", group_id="g", deduplication_id="d"),
    ("t", "publish"): dict(message="m"), ("t", "publish_batch"): dict(entries=[{"id": "1", "message": "m"}]),
    ("t", "set_attribute"): dict(name="DisplayName", value="d"), ("t", "subscribe"): dict(endpoint="@q"),
    ("t", "unsubscribe"): dict(subscription="arn:aws:sns:us-east-1:123456789012:t:nope"),
    ("t", "confirm_subscription"): dict(token="tok"), ("t", "tag"): dict(tags={"a": "b"}),
    ("t", "untag"): dict(keys=["a"]),
    ("t", "add_permission"): dict(label="l", account_ids=[ACCOUNT], actions=["Publish"]),
    ("t", "remove_permission"): dict(label="l"),
    ("s", "put_record"): dict(data=b"x", partition_key="k"),
    ("s", "put_records"): dict(records=[{"data": b"x", "partition_key": "k"}]),
    ("s", "get_shard_iterator"): dict(shard_id=SHARD0, iterator_type="TRIM_HORIZON"),
    ("s", "get_records"): dict(shard_iterator="@it"),
    ("s", "split_shard"): dict(shard_id=SHARD0, new_starting_hash_key=2**126),
    ("s", "merge_shards"): dict(shard_id=SHARD0, adjacent_shard_id=SHARD1),
    ("s", "update_shard_count"): dict(target_shard_count=4), ("s", "increase_retention_period"): dict(hours=48),
    ("s", "decrease_retention_period"): dict(hours=24), ("s", "add_tags"): dict(tags={"a": "b"}),
    ("s", "remove_tags"): dict(keys=["a"]), ("s", "update_mode"): dict(mode="ON_DEMAND"),
    ("s", "enable_enhanced_monitoring"): dict(metrics=["ALL"]),
    ("s", "disable_enhanced_monitoring"): dict(metrics=["ALL"]),
    ("s", "register_stream_consumer"): dict(consumer_name="c"),
    ("s", "describe_stream_consumer"): dict(consumer_name="c"),
    ("s", "deregister_stream_consumer"): dict(consumer_name="c"),
    ("s", "start_encryption"): dict(encryption_type="KMS", key_id="alias/aws/kinesis"),
    ("s", "stop_encryption"): dict(encryption_type="KMS", key_id="alias/aws/kinesis"),
    ("s", "put_resource_policy"): dict(resource_arn=STREAM_ARN, policy='{"Version": "2012-10-17", "Statement": []}'),
    ("s", "get_resource_policy"): dict(resource_arn=STREAM_ARN),
    ("s", "delete_resource_policy"): dict(resource_arn=STREAM_ARN),
    ("s", "checkpoints"): dict(application_name="app"),
    ("s", "consumer"): dict(application_name="app", worker_id="w", processor=_processor),
    ("c", "set"): dict(key=b"k2", value=b"v"), ("c", "get"): dict(key=b"k"), ("c", "delete"): dict(key=b"k"),
    ("c", "exists"): dict(key=b"k"), ("c", "expire"): dict(key=b"k", ttl=10), ("c", "persist"): dict(key=b"k"),
    ("c", "ttl"): dict(key=b"k"), ("c", "incr"): dict(key=b"n"), ("c", "mget"): dict(keys=[b"k"]),
    ("c", "mset"): dict(mapping={b"a": b"1"}),
    ("c", "get_or_load"): dict(key=b"k3", loader=lambda: b"loaded"),
    ("c", "write_through"): dict(key=b"k4", value=b"v", writer=lambda key, value: None),
    ("c", "cached"): dict(),
}

NO_PARAMETERS = {
    ("b", "checkpoint"), ("b", "close"), ("b", "describe_kinesis_limits"), ("b", "list_streams"),
    ("b", "list_topics"), ("b", "scopes"), ("b", "wake_long_polls"),
    ("q", "attributes"), ("q", "dead_letter_source_queues"), ("q", "purge"), ("q", "tags"),
    ("t", "attributes"), ("t", "subscriptions"), ("t", "tags"),
    ("s", "describe"), ("s", "describe_summary"), ("s", "list_shards"), ("s", "list_stream_consumers"),
    ("s", "list_tags"),
    ("c", "clear"), ("c", "stats"),
}

# Where a bad value is a valid one that waits: a long poll on the manual clock waits until the
# clock moves, which nothing here does.
WAITS = [("q", "receive", "wait_time_seconds", True), ("q", "receive", "wait_time_seconds", 1.5)]
# Documented outcomes that are not errors of the input: ttl() of an absent key raises KeyError
# (Redis answers -2), as a dict does.
ABSENT = [("c", "ttl", "key", b"\xff\xfe"), ("c", "ttl", "key", "")]


def _resolve(value: Any, w: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return w[value[1:]]
    if isinstance(value, list):
        return [_resolve(x, w) for x in value]
    if isinstance(value, dict):
        return {k: _resolve(x, w) for k, x in value.items()}
    return value


def _fingerprint(w: dict[str, Any]) -> tuple[Any, ...]:
    c = w["c"]
    return pymsg.state.snapshot(w["b"]), len(c), c._core.used_memory(), c._core.peek(b"k")


def _parameters(obj: str, method: str) -> list[str]:
    signature = inspect.signature(getattr(world()[obj], method))
    return [p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _cases() -> list[Any]:
    cases = []
    for (obj, method) in CALLS:
        for name in _parameters(obj, method):
            cases.append(pytest.param(obj, method, name, id=f"{obj}.{method}.{name}"))
    return cases


def test_every_public_method_is_listed() -> None:
    w = world()
    for key in "bqtsc":
        public = {(key, n) for n in dir(w[key]) if not n.startswith("_") and callable(getattr(w[key], n))}
        unlisted = public - set(CALLS) - NO_PARAMETERS
        assert not unlisted, f"public methods missing from the catalogue: {sorted(unlisted)}"
    for obj, method in NO_PARAMETERS:
        assert _parameters(obj, method) == [], f"{obj}.{method} takes parameters: list it in CALLS"


@pytest.mark.parametrize("obj,method,name", _cases())
def test_bad_values_raise_pymsg_errors_and_change_nothing(obj: str, method: str, name: str) -> None:
    wrong = []
    for bad in BAD:
        if (obj, method, name, bad) in WAITS or (obj, method, name, bad) in ABSENT:
            continue
        w = world()
        args = {k: _resolve(v, w) for k, v in CALLS[(obj, method)].items()}
        args[name] = bad
        before = _fingerprint(w)
        try:
            getattr(w[obj], method)(**args)
        except PymsgError as e:
            if type(e) is PymsgError:
                wrong.append(f"{bad!r}: the bare PymsgError, not one named after an AWS error: {e}")
            elif _fingerprint(w) != before:
                wrong.append(f"{bad!r}: raised {type(e).__name__} but changed the broker")
        except Exception as e:  # noqa: BLE001 - what the catalogue is here to catch
            wrong.append(f"{bad!r}: raw {type(e).__name__}: {e}")
    assert not wrong, f"{obj}.{method}({name}=...):\n" + "\n".join(wrong)


@pytest.mark.parametrize("call,error", [
    (lambda w: w["b"].create_queue("q\ud800"), "InvalidParameterValue"),
    (lambda w: w["b"].get_queue("q\ud800"), "QueueDoesNotExist"),
    (lambda w: w["t"].publish("m", subject="\udfff"), "InvalidParameter"),
    (lambda w: w["s"].merge_shards(SHARD0, "\ud800"), "ValidationException"),
    (lambda w: w["c"].expire("\ud800", 5), "InvalidParameterValue"),
    (lambda w: w["c"].mget(1.5), "InvalidParameterValue"),
    (lambda w: w["q"].untag(1.5), "MissingParameter"),
    (lambda w: w["s"].remove_tags(1.5), "ValidationException"),
    (lambda w: w["b"].scope(1.5), "InvalidParameterValue"),
    (lambda w: w["b"].create_queue("p", policy=b"\xff"), "InvalidAttributeValue"),
    (lambda w: w["s"].checkpoints({}), "ValidationException"),
], ids=["queue-name", "queue-lookup", "subject", "shard-id", "cache-key", "mget", "sqs-untag", "kinesis-untag",
        "scope", "policy-bytes", "application-name"])
def test_what_each_kind_of_bad_value_gets(call: Any, error: str) -> None:
    w = world()
    with pytest.raises(PymsgError) as raised:
        call(w)
    assert type(raised.value).__name__ == error, raised.value
