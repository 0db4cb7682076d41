"""A bounded fuzz of the wire protocols: random mutations of valid requests, for every operation
botocore's models define for SQS (JSON and query), SNS (query) and Kinesis (JSON and CBOR), must
be answered with AWS's 2xx or 4xx, never a 5xx or an exception (which `pymsg serve` would turn
into a 500, and an SDK would retry).

Each valid request is built from the operation's input shape, with the names of real resources
where a member names one (a queue URL, a topic ARN, a stream name, a receipt handle...), and
serialized by botocore itself; a mutation then replaces, removes or adds one member, or damages
the body. The run is reproducible: PYMSG_FUZZ_SEED picks the seed (default fixed) and
PYMSG_FUZZ_MUTATIONS how many mutations each operation gets (default 12; CI also runs a longer
pass). A failure prints the request, so it can be replayed.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import threading
import urllib.parse
from typing import Any, Iterator

import pytest

import pymsg
from pymsg.aws import cbor, dispatch

botocore = pytest.importorskip("botocore")
from botocore import serialize  # noqa: E402
from botocore.session import get_session  # noqa: E402

SEED = int(os.environ.get("PYMSG_FUZZ_SEED", "20261201"))
MUTATIONS = int(os.environ.get("PYMSG_FUZZ_MUTATIONS", "12"))
ENDPOINT = "http://localhost:4566"

# Values of the wrong type, shape or size for any member.
ODD_VALUES: list[Any] = [
    "abc", "", " ", "\u0000", "é✓𝄞", "x" * 70_000, "-1", "1e309", "NaN", "true", "null", "[]", "{}",
    0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**40, 1.5, -0.0, float("1e308"), True, False, None,
    [], [None], ["a", 1], [{}], {}, {"a": "b"}, {"": None}, {"DataType": "String"}, {"StringValue": 1},
]


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


# ---- valid requests from botocore's models -------------------------------------------------


class Resources:
    """Real resources of the broker under fuzz, whose names valid requests carry."""

    def __init__(self, broker: pymsg.Broker) -> None:
        self.queue = broker.create_queue("fuzz")
        self.fifo = broker.create_queue("fuzz.fifo", content_based_deduplication=True)
        self.dlq = broker.create_queue("fuzz-dlq")
        self.topic = broker.create_topic("fuzz")
        self.stream = broker.create_stream("fuzz", shard_count=2)
        self.queue.send("hello")
        self.handle = self.queue.receive(1)[0].receipt_handle
        self.queue_url = call(broker, "sqs", "GetQueueUrl", {"QueueName": "fuzz"})["QueueUrl"]
        self.subscription = call(broker, "sns", "Subscribe", {"TopicArn": self.topic.arn, "Protocol": "sqs",
                                                              "Endpoint": self.queue.arn})["SubscriptionArn"]
        self.iterator = call(broker, "kinesis", "GetShardIterator", {
            "StreamName": "fuzz", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]

    def value_for(self, name: str) -> Any:
        known = {
            "QueueUrl": self.queue_url, "QueueName": "fuzz", "QueueNamePrefix": "fu", "ReceiptHandle": self.handle,
            "SourceArn": self.dlq.arn, "DestinationArn": self.queue.arn, "TaskHandle": "x",
            "TopicArn": self.topic.arn, "TargetArn": self.topic.arn, "SubscriptionArn": self.subscription,
            "ResourceArn": self.topic.arn, "Protocol": "sqs", "Endpoint": self.queue.arn, "Name": "fuzz-topic",
            "StreamName": "fuzz", "StreamARN": self.stream.arn, "ShardId": "shardId-000000000000",
            "ShardToSplit": "shardId-000000000000", "ShardToMerge": "shardId-000000000000",
            "AdjacentShardToMerge": "shardId-000000000001", "ShardIterator": self.iterator,
            "PartitionKey": "pk", "NewStartingHashKey": "100", "ShardIteratorType": "TRIM_HORIZON",
            "MessageGroupId": "g", "Message": "hello", "MessageBody": "hello", "Id": "id1",
            "ConsumerName": "fuzz-consumer", "Label": "fuzz-label",
        }
        return known.get(name)


def example(shape: Any, name: str, resources: Resources, depth: int = 0) -> Any:
    """A valid-looking value for `shape` (a botocore Shape), required members only."""
    known = resources.value_for(name)
    if known is not None and shape.type_name == "string":
        return known
    kind = shape.type_name
    if kind == "structure":
        return {m: example(shape.members[m], m, resources, depth + 1) for m in shape.required_members}
    if kind == "list":
        return [example(shape.member, name, resources, depth + 1)] if depth < 4 else []
    if kind == "map":
        return {"k": example(shape.value, name, resources, depth + 1)} if depth < 4 else {}
    if kind == "string":
        return shape.enum[0] if shape.enum else "x"
    if kind in ("integer", "long"):
        return int(shape.metadata.get("min", 1))
    if kind == "boolean":
        return True
    if kind in ("double", "float"):
        return 1.0
    if kind == "blob":
        return b"data"
    if kind == "timestamp":
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return "x"


def call(broker: pymsg.Broker, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """A valid request through botocore's serializer and pymsg's dispatch; the parsed answer."""
    model = MODELS[service].operation_model(operation)
    status, _, body = send(broker, serialized(service, model, params))
    assert status == 200, body
    if service == "sns":
        from xml.etree import ElementTree

        root = ElementTree.fromstring(body)
        return {el.tag.split("}")[1]: el.text for el in root.iter() if el.text and el.text.strip()}
    return json.loads(body)


# ---- requests as bytes ---------------------------------------------------------------------


class Request:
    """One HTTP request as dispatch.handle takes it; `kind` says how its body is encoded."""

    def __init__(self, kind: str, headers: dict[str, str], body: Any, path: str = "/") -> None:
        self.kind, self.headers, self.body, self.path = kind, headers, body, path  # body: decoded

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.kind == "json":
            return json.dumps(self.body, default=str).encode()
        if self.kind == "cbor":
            return cbor.dumps(self.body)
        return urllib.parse.urlencode(self.body, doseq=True).encode()

    def __repr__(self) -> str:
        return f"Request({self.kind}, {self.headers}, {self.encoded()[:2000]!r}, path={self.path!r})"


def serialized(service: str, model: Any, params: dict[str, Any], kind: str | None = None) -> Request:
    protocol = model.metadata["protocol"]
    wire = serialize.create_serializer(protocol, include_validation=False).serialize_to_request(params, model)
    headers = {k: v for k, v in wire["headers"].items()}
    body = wire["body"]
    if protocol == "query":
        return Request("query", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                       urllib.parse.parse_qsl(body if isinstance(body, str) else urllib.parse.urlencode(body),
                                              keep_blank_values=True))
    decoded = json.loads(body or b"{}")
    if kind == "cbor":
        headers["Content-Type"] = "application/x-amz-cbor-1.1"
        return Request("cbor", headers, decoded)
    return Request("json", headers, decoded)


def send(broker: pymsg.Broker, request: Request) -> tuple[int, dict[str, str], bytes]:
    return dispatch.handle(broker, request.headers, request.encoded(), ENDPOINT, request.path)


# ---- mutations -----------------------------------------------------------------------------


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, prefix + (i,))


def replace(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[head] = replace(node[head], rest, value)
    return copy


def remove(node: Any, path: tuple) -> Any:
    head, rest = path[0], path[1:]
    copy = dict(node) if isinstance(node, dict) else list(node)
    if rest:
        copy[head] = remove(node[head], rest)
    else:
        del copy[head]
    return copy


def mutate_tree(rng: random.Random, body: Any) -> Any:
    """The decoded JSON/CBOR body with one member replaced, removed or added."""
    spots = list(paths(body))
    path = rng.choice(spots)
    roll = rng.random()
    if roll < 0.6:
        value = deep(rng.choice([50, 500])) if rng.random() < 0.03 else rng.choice(ODD_VALUES)
        return replace(body, path, value)
    if roll < 0.85 and path:
        return remove(body, path)
    target = rng.choice([p for p in spots if not p or isinstance(_at(body, p), dict)] or [()])
    node = _at(body, target)
    if isinstance(node, dict):
        return replace(body, target, {**node, rng.choice(["Unknown", "__type", "", "Attributes", "Entries"]):
                                      rng.choice(ODD_VALUES)})
    return body


def _at(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


def mutate_form(rng: random.Random, form: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The query form with one field's value changed, a field removed or duplicated, or an odd
    field added (numbered names out of order or out of range, `Action.1`, a bare `.member`)."""
    form = list(form)
    roll = rng.random()
    if form and roll < 0.45:
        i = rng.randrange(len(form))
        form[i] = (form[i][0], str(rng.choice(ODD_VALUES))[:70_000])
    elif form and roll < 0.65:
        del form[rng.randrange(len(form))]
    elif form and roll < 0.75:
        form.append(rng.choice(form))
    else:
        key = rng.choice(["Action.1", "Action", "Version", "Attribute.0.Name", "Attribute.1.Value",
                          "Attributes.entry.99999999999999999999.key", "MessageAttribute.1.Value.DataType",
                          "Entries.member.1", "Entries.member.x.Id", "Tags.member.1.Key", "AttributeName.1",
                          "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.DataType",
                          "SendMessageBatchRequestEntry.1.Id", "Attributes.entry.1.value", "", "="])
        form.append((key, str(rng.choice(ODD_VALUES))[:1000]))
    return form


def mutate_bytes(rng: random.Random, raw: bytes) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return raw[: rng.randrange(len(raw) + 1)]
    if choice == 1:
        return raw + b"\xff\xfe"
    if choice == 2:
        return b"\xc3\x28" + raw
    if choice == 3:
        nested = b'{"a": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"  # deeper than Python's recursion limit
        return rng.choice([b"[]", b"1", b'"x"', b"null", b"{", b"[" * 100_000, b"\x9f" * 50_000, nested])
    i = rng.randrange(len(raw) or 1)
    return raw[:i] + bytes([rng.randrange(256)]) + raw[i + 1:]


# ---- the fuzz ------------------------------------------------------------------------------

_session = get_session()
MODELS = {name: _session.get_service_model(name) for name in ("sqs", "sns", "kinesis")}


def legacy_sqs_model() -> Any:
    from aws_endpoints import legacy_sqs_session

    return legacy_sqs_session().get_service_model("sqs")


CASES = [(service, op) for service in ("sqs", "sns", "kinesis") for op in MODELS[service].operation_names]


@pytest.fixture
def fuzz_broker() -> Iterator[tuple[pymsg.Broker, Resources]]:
    """A broker on a manual clock that a thread keeps advancing, so a long poll a mutation asks
    for ends at once instead of blocking the run."""
    clock = pymsg.ManualClock(1_700_000_000.0)
    broker = pymsg.Broker(clock)
    resources = Resources(broker)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.002):
            clock.advance(1)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    yield broker, resources
    stop.set()
    ticker.join(5)


def fuzz(broker: pymsg.Broker, base: Request, rng: random.Random) -> None:
    for _ in range(MUTATIONS):
        roll = rng.random()
        if roll < 0.1:
            request = Request(base.kind, base.headers, mutate_bytes(rng, base.encoded()), base.path)
        elif base.kind == "query":
            request = Request(base.kind, base.headers, mutate_form(rng, base.body), base.path)
        else:
            request = Request(base.kind, base.headers, mutate_tree(rng, base.body), base.path)
        try:
            request.encoded()
        except ValueError:  # a value CBOR cannot carry (an integer past 64 bits): nothing to send
            continue
        try:
            status, _, body = send(broker, request)
        except Exception as exc:  # what serve would answer with a 500
            pytest.fail(f"{request!r} raised {exc!r} (seed {SEED})")
        assert status < 500, f"{request!r} -> {status} {body[:500]!r} (seed {SEED})"


@pytest.mark.parametrize(("service", "operation"), CASES, ids=[f"{s}.{o}" for s, o in CASES])
def test_mutated_requests_never_fail_the_server(fuzz_broker, service: str, operation: str) -> None:
    broker, resources = fuzz_broker
    rng = random.Random(f"{SEED}:{service}:{operation}")
    model = MODELS[service].operation_model(operation)
    params = example(model.input_shape, operation, resources) if model.input_shape is not None else {}
    fuzz(broker, serialized(service, model, params), rng)
    if service == "kinesis":
        fuzz(broker, serialized(service, model, params, kind="cbor"), rng)


@pytest.mark.parametrize("operation", sorted(legacy_sqs_model().operation_names))
def test_mutated_sqs_query_requests_never_fail_the_server(fuzz_broker, operation: str) -> None:
    broker, resources = fuzz_broker
    rng = random.Random(f"{SEED}:sqs-query:{operation}")
    model = legacy_sqs_model().operation_model(operation)
    params = example(model.input_shape, operation, resources) if model.input_shape is not None else {}
    fuzz(broker, serialized("sqs", model, params), rng)


# ---- the causes the fuzz found, each pinned ------------------------------------------------

SQS_JSON = {"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"}


def test_a_string_where_a_map_belongs_is_a_400_without_python_in_it(fuzz_broker, caplog) -> None:
    broker, resources = fuzz_broker
    body = json.dumps({"QueueUrl": resources.queue_url, "MessageBody": "x", "MessageAttributes": "abc"}).encode()
    with caplog.at_level("DEBUG", logger="pymsg.aws"):
        status, _, answer = dispatch.handle(broker, SQS_JSON, body, ENDPOINT)
    error = json.loads(answer)
    assert status == 400 and error["__type"] == "com.amazonaws.sqs#InvalidParameterValueException"
    assert error["message"] == "Malformed request: a member of SendMessage has the wrong type or shape."
    assert any("malformed SendMessage request" in r.getMessage() for r in caplog.records)  # the detail is logged
    assert resources.queue.attributes()["ApproximateNumberOfMessages"] == "0"  # nothing was sent


def test_json_nested_deeper_than_python_recurses_is_a_serialization_exception(fuzz_broker) -> None:
    broker, _ = fuzz_broker
    # 100,000 levels: Python 3.13's json parses 5,000 (its C recursion limit is higher) and refuses this.
    body = b'{"QueueUrl": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, _, answer = dispatch.handle(broker, SQS_JSON, body, ENDPOINT)
    assert status == 400
    assert json.loads(answer)["__type"].endswith("SerializationException")


@pytest.mark.parametrize("version", ["2012-11-05", "2010-03-31"], ids=["sqs-query", "sns"])
def test_a_numbered_action_in_a_form_is_an_invalid_action(fuzz_broker, version: str) -> None:
    broker, _ = fuzz_broker
    form = f"Action=ListQueues&Version={version}&Action.1=x".encode()
    status, _, answer = dispatch.handle(broker, {"Content-Type": "application/x-www-form-urlencoded"}, form, ENDPOINT)
    assert status == 400 and b"InvalidAction" in answer and b"(none)" in answer


def test_serve_answers_a_malformed_request_with_a_400(fuzz_broker) -> None:
    import urllib.error
    import urllib.request

    from aws_endpoints import running_server

    broker, resources = fuzz_broker
    body = json.dumps({"QueueUrl": resources.queue_url, "Entries": [2**31]}).encode()
    headers = {**SQS_JSON, "X-Amz-Target": "AmazonSQS.DeleteMessageBatch"}
    with running_server(lambda: broker) as server:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(urllib.request.Request(server.endpoint + "/", data=body, headers=headers))
    with answer.value:
        assert answer.value.code == 400
        assert json.loads(answer.value.read())["__type"].endswith("#InvalidParameterValueException")
