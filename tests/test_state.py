"""pymsg.state and ``pymsg serve --state``: a broker saved and loaded is the same broker to its
clients (queue URLs, MessageIds, receipt handles in flight, FIFO order and deduplication,
redrive, subscriptions), and a bad state file changes nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import pymsg
from pymsg import state
from pymsg.aws.server import Server, serve

ACCOUNT = "123456789012"


def reloaded(broker: pymsg.Broker) -> pymsg.Broker:
    """A new broker on the same clock, restored from `broker`'s snapshot."""
    again = pymsg.Broker(broker.clock, account_id=broker.account_id, region=broker.region)
    state.restore(again, state.snapshot(broker))
    return again


def view(m: pymsg.Message) -> tuple:
    return m.message_id, m.body, m.receive_count, m.md5_of_body, m.md5_of_message_attributes, \
        sorted(m.message_attributes.items()) if m.message_attributes else None


def text(body: str | bytes) -> str:
    return body.decode() if isinstance(body, bytes) else body


@pytest.fixture
def broker(clock: pymsg.ManualClock) -> pymsg.Broker:
    return pymsg.Broker(clock, account_id=ACCOUNT)


def test_a_standard_queue_comes_back_message_for_message(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    q = broker.create_queue("jobs", visibility_timeout=10, tags={"team": "a"}, kms_master_key_id="alias/x")
    q.add_permission("partner", ["111122223333"], ["SendMessage"])
    for i in range(6):
        q.send(f"m{i}" if i % 2 else f"m{i}".encode(), message_attributes={"i": {"DataType": "Number", "StringValue": str(i)}})
    q.send("delayed", delay_seconds=30)
    in_flight = q.receive(2)
    clock.advance(1)
    before = q.attributes()
    again = reloaded(broker).get_queue("jobs")
    assert again.attributes() == before and again.tags() == {"team": "a"} and again.url == q.url
    # The visible ones, in order, with their ids, bodies (bytes stay bytes) and attributes.
    assert [view(m) for m in again.receive(10)] == [view(m) for m in q.receive(10)]
    # A receipt handle issued before the save still works after it.
    again.delete(in_flight[0].receipt_handle)
    clock.advance(30)
    back = again.receive(10)
    assert sorted(text(m.body) for m in back) == ["delayed", "m1", "m2", "m3", "m4", "m5"]
    assert {text(m.body): m.receive_count for m in back}["m1"] == 2  # in flight at the save: received again
    original = {m.message_id: m.attributes["SentTimestamp"] for m in q.receive(10)}
    assert all(original[m.message_id] == m.attributes["SentTimestamp"] for m in back if m.message_id in original)


def test_time_keeps_running_while_the_state_is_on_disk(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    q = broker.create_queue("q", visibility_timeout=10, message_retention_period=60)
    q.send("in flight")
    q.send("expires")
    (m, _) = q.receive(2)
    saved = state.snapshot(broker)
    clock.advance(11)
    again = pymsg.Broker(clock, account_id=ACCOUNT)
    state.restore(again, saved)
    assert sorted(x.body for x in again.get_queue("q").receive(10)) == ["expires", "in flight"]
    clock.advance(60)
    assert again.get_queue("q").attributes()["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert again.get_queue("q").receive(10) == []  # retention ran out for both


def test_fifo_order_groups_and_deduplication_survive(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    f = broker.create_queue("f.fifo", content_based_deduplication=True)
    first = f.send("a1", group_id="a")
    f.send("a2", group_id="a")
    f.send("b1", group_id="b")
    (head,) = f.receive(1)  # a1: group a is blocked while it is in flight
    again = reloaded(broker).get_queue("f.fifo")
    duplicate = again.send("a1", group_id="a")
    assert (duplicate.message_id, duplicate.sequence_number) == (first.message_id, first.sequence_number)
    assert [m.body for m in again.receive(10)] == ["b1"]
    again.delete(head.receipt_handle)
    (a2,) = again.receive(10)
    assert a2.body == "a2"
    later = again.send("c1", group_id="c")
    assert int(later.sequence_number) > int(first.sequence_number)
    clock.advance(5 * 60)
    assert again.send("a1", group_id="a").message_id != first.message_id  # the window has passed


def test_redrive_and_a_redrive_cycle_survive(broker: pymsg.Broker) -> None:
    a = broker.create_queue("a", visibility_timeout=0)
    b = broker.create_queue("b", visibility_timeout=0, dead_letter_queue=a, max_receive_count=1)
    a.set_attributes(dead_letter_queue=b, max_receive_count=1)
    src = broker.create_queue("src", visibility_timeout=0, dead_letter_queue=broker.create_queue("dlq"),
                              max_receive_count=2)
    src.send("poison")
    src.receive(1)
    again = reloaded(broker)
    for name in ("a", "b", "src"):
        assert again.get_queue(name).attributes()["RedrivePolicy"] == broker.get_queue(name).attributes()["RedrivePolicy"]
    assert again.get_queue("src").receive(1)[0].receive_count == 2
    assert again.get_queue("src").receive(1) == []  # the third receive finds it moved
    (moved,) = again.get_queue("dlq").receive(1)
    assert moved.body == "poison" and moved.attributes["DeadLetterQueueSourceArn"] == src.arn


def test_topics_and_subscriptions_keep_their_arns_and_tokens(broker: pymsg.Broker) -> None:
    q = broker.create_queue("inbox")
    topic = broker.create_topic("news", attributes={"DisplayName": "News"})
    topic.set_attribute("SignatureVersion", "2")
    topic.add_permission("partner", ["111122223333"], ["Publish"])
    topic.tag({"team": "a"})
    sub = topic.subscribe(q, raw_message_delivery=True, filter_policy={"kind": ["a"]})
    topic.subscribe(lambda event: None)  # a callable cannot be saved; it is left out
    http = topic.subscribe("http://127.0.0.1:9/hook")  # pending (its confirmation POST fails quietly)
    token = next(iter(topic._tokens))
    again = reloaded(broker)
    news = again.get_topic("news")
    assert {s.arn for s in news.subscriptions()} == {sub.arn, http.arn}
    assert news.attributes()["DisplayName"] == "News" and news.attributes()["SubscriptionsPending"] == "1"
    assert news.attributes()["Policy"] == topic.attributes()["Policy"] and news.attributes()["SignatureVersion"] == "2"
    assert news.tags() == {"team": "a"}
    assert news.confirm_subscription(token).arn == http.arn
    news.publish("no", message_attributes={"kind": {"DataType": "String", "StringValue": "b"}})
    news.publish("yes", message_attributes={"kind": {"DataType": "String", "StringValue": "a"}})
    assert [m.body for m in again.get_queue("inbox").receive(10)] == ["yes"]


def test_streams_keep_shards_records_sequence_numbers_and_iterators(broker: pymsg.Broker,
                                                                     clock: pymsg.ManualClock) -> None:
    s = broker.create_stream("events", 2, tags={"env": "test"}, retention_period_hours=48)
    first = s.put_records([{"data": f"a{i}".encode(), "partition_key": f"k{i}"} for i in range(20)])
    iterator = s.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON")
    s.split_shard("shardId-000000000001", str(3 * 2**126))
    clock.advance(5)
    s.put_records([{"data": f"b{i}".encode(), "partition_key": f"k{i}"} for i in range(20)])
    broker.create_stream("on-demand", mode="ON_DEMAND")
    again = reloaded(broker)
    s2 = again.get_stream("events")
    assert s2.list_shards() == s.list_shards() and s2.list_tags() == {"env": "test"}
    assert s2.describe_summary() == s.describe_summary()
    assert again.describe_kinesis_limits() == broker.describe_kinesis_limits()
    assert again.get_stream("on-demand").mode == "ON_DEMAND"

    def records(stream: pymsg.Stream, iterator: str) -> list[tuple]:
        return [(r.sequence_number, r.data, r.partition_key, r.approximate_arrival_timestamp)
                for r in stream.get_records(iterator).records]

    assert records(s2, iterator) == records(s, iterator) != []  # an iterator from before the save
    for shard in s.list_shards():
        at = s.get_shard_iterator(shard.shard_id, "TRIM_HORIZON")
        assert records(s2, at) == records(s, at)
    assert {e.sequence_number for e in first.records} <= {
        r[0] for shard in s2.list_shards() for r in records(s2, s2.get_shard_iterator(shard.shard_id, "TRIM_HORIZON"))}
    later = s2.put_record(b"c", "k1")
    same_shard = [r for r in records(s2, s2.get_shard_iterator(later.shard_id, "TRIM_HORIZON"))]
    assert same_shard[-1][0] == later.sequence_number and int(same_shard[-2][0]) < int(later.sequence_number)
    with pytest.raises(pymsg.InvalidArgumentException):  # the parent stays closed
        s2.split_shard("shardId-000000000001", str(2**127 + 1))
    clock.advance(48 * 3600 + 1)
    assert records(s2, s2.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON")) == []  # retention ran on


def test_a_damaged_stream_dump_or_a_full_quota_creates_no_stream(broker: pymsg.Broker) -> None:
    dump = broker.create_stream("s", 3)._core.dump()
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT, quotas={"shards": 2})
    options = dict(mode="PROVISIONED", retention_period_hours=24, enforce_limits=True, max_record_size_kib=1024)
    with pytest.raises(pymsg.LimitExceededException):
        target._core.restore_stream("s", dump, **options)
    for bad, message in [(dump[:-3], "truncated"), (b"XXXX" + dump[4:], "PKS1"), (dump + b"\0", "bytes follow")]:
        with pytest.raises(pymsg.InvalidParameterValue, match=message):
            target._core.restore_stream("s", bad, **options)
    assert target.list_streams() == [] and target.describe_kinesis_limits()["OpenShardCount"] == 0


@pytest.mark.parametrize("damage, message", [
    (lambda data: b"not msgpack at all \xc1", "Not a pymsg state file"),
    (lambda data: data[: len(data) // 2], "Not a pymsg"),
])
def test_a_damaged_state_file_is_refused(broker: pymsg.Broker, damage: Any, message: str) -> None:
    broker.create_queue("q").send("x")
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    with pytest.raises(pymsg.InvalidParameterValue, match=message):
        state.restore(target, damage(state.snapshot(broker)))


def _small_state(broker: pymsg.Broker) -> bytes:
    q = broker.create_queue("q")
    q.send("first")
    q.send("second", delay_seconds=5)
    broker.create_topic("t")
    broker.create_stream("s", shard_count=1).put_record(b"r", partition_key="k")
    return state.snapshot(broker)


def test_every_flipped_bit_and_every_cut_of_a_snapshot_is_refused(broker: pymsg.Broker) -> None:
    """The checksums cover the whole file: no damage loads as a different state."""
    saved = _small_state(broker)
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    refused = 0
    for byte in range(len(saved)):
        for bit in range(8):
            damaged = bytearray(saved)
            damaged[byte] ^= 1 << bit
            with pytest.raises(pymsg.InvalidParameterValue):
                state.restore(target, bytes(damaged))
            refused += 1
    for length in range(len(saved)):
        with pytest.raises(pymsg.InvalidParameterValue, match="cut short|Not a pymsg"):
            state.restore(target, saved[:length])
    with pytest.raises(pymsg.InvalidParameterValue, match="longer than written"):
        state.restore(target, saved + b"\0")
    assert refused == 8 * len(saved)
    assert target.list_queues() == [] and target.list_topics() == [] and target.list_streams() == []
    state.restore(target, saved)  # and whole, it loads
    assert [m.body for m in target.get_queue("q").receive(max_messages=10)] == ["first"]


def test_a_snapshot_of_an_earlier_pymsg_without_a_header_still_loads(broker: pymsg.Broker) -> None:
    saved = _small_state(broker)
    headerless = state._unframe(saved, "snapshot")
    assert headerless == saved[28:] and not headerless.startswith(b"PYMS")
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    state.restore(target, headerless)
    assert target.get_queue("q").attributes()["ApproximateNumberOfMessagesDelayed"] == "1"


def test_a_damaged_queue_dump_creates_no_queue(broker: pymsg.Broker) -> None:
    q = broker.create_queue("q")
    q.send("x")
    dump = q._core.dump()
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    config = dict(visibility_timeout=30, delay_seconds=0, message_retention_period=345600,
                  maximum_message_size=1048576, receive_message_wait_time_seconds=0, dead_letter_target_arn="",
                  max_receive_count=0, content_based_deduplication=False, deduplication_scope="queue",
                  fifo_throughput_limit="perQueue")
    for bad, message in [(dump[:-3], "truncated"), (b"XXXX" + dump[4:], "PQS2"), (dump + b"\0", "bytes follow")]:
        with pytest.raises(pymsg.InvalidParameterValue, match=message):
            target._core.restore_queue("q", bad, **config)
        assert target.list_queues() == []


QUEUE_CONFIG = dict(visibility_timeout=30, delay_seconds=0, message_retention_period=345600,
                    maximum_message_size=1048576, receive_message_wait_time_seconds=0, dead_letter_target_arn="",
                    max_receive_count=0, content_based_deduplication=False, deduplication_scope="queue",
                    fifo_throughput_limit="perQueue")


def _freed_out_of_order(broker: pymsg.Broker) -> pymsg.Queue:
    """A queue whose free slots are not in slot order: slots 1-4 handed out, 1 freed, then 3."""
    q = broker.create_queue("q")
    for i in range(6):
        q.send(f"m{i}")
    got = [q.receive(1)[0] for _ in range(4)]
    got[0].delete()
    got[2].delete()
    return q


def test_a_restored_queue_hands_out_the_slots_the_dumped_one_would(broker: pymsg.Broker) -> None:
    q = _freed_out_of_order(broker)
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    restored = target._wrap(target._core.restore_queue("q", q._core.dump(), **QUEUE_CONFIG))
    # The handle names the slot: the same handle means the same slot (3, the last one freed).
    assert restored.receive(1)[0].receipt_handle == q.receive(1)[0].receipt_handle


def test_a_dump_from_before_the_free_slots_were_kept_still_loads(broker: pymsg.Broker) -> None:
    q = _freed_out_of_order(broker)
    dump = q._core.dump()
    old = b"PQS1" + dump[4:-(8 + 4 * 2)]  # no free-slot list (two u32 slots after its u64 count)
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    restored = target._wrap(target._core.restore_queue("q", old, **QUEUE_CONFIG))
    assert restored._core.counts() == (2, 2, 0)
    assert [m.body for m in restored.receive(10)] == ["m4", "m5"]


def test_a_dump_whose_free_slots_are_not_the_empty_ones_is_refused(broker: pymsg.Broker) -> None:
    dump = _freed_out_of_order(broker)._core.dump()
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    for free in ([1], [1, 2], [1, 1], [1, 3, 6], [0, 1, 3]):
        bad = dump[:-(8 + 4 * 2)] + struct.pack(f"<Q{len(free)}I", len(free), *free)
        with pytest.raises(pymsg.InvalidParameterValue, match="its free slots are not the empty ones"):
            target._core.restore_queue("q", bad, **QUEUE_CONFIG)
        assert target.list_queues() == []


def test_the_wrong_account_or_a_name_taken_changes_nothing(broker: pymsg.Broker) -> None:
    broker.create_queue("q")
    saved = state.snapshot(broker)
    with pytest.raises(pymsg.InvalidParameterValue, match="account_id"):
        state.restore(pymsg.Broker(broker.clock, account_id="999999999999"), saved)
    taken = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    taken.create_queue("q", visibility_timeout=5)
    with pytest.raises(pymsg.InvalidParameterValue, match="already has one"):
        state.restore(taken, saved)
    assert taken.get_queue("q").attributes()["VisibilityTimeout"] == "5"


def test_damage_in_any_entry_leaves_the_broker_as_it_was(broker: pymsg.Broker) -> None:
    import msgpack

    broker.create_queue("a").send("x")
    broker.create_queue("b").send("y")
    saved = msgpack.unpackb(state._unframe(state.snapshot(broker), "snapshot"), raw=False)
    saved["queues"][1]["dump"] = saved["queues"][1]["dump"][:-5]  # "a" restores fine, "b" does not
    target = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    with pytest.raises(pymsg.InvalidParameterValue, match="truncated"):
        state.restore(target, msgpack.packb(saved, use_bin_type=True))
    del saved["queues"][1]["config"]
    with pytest.raises(pymsg.InvalidParameterValue, match="malformed entry"):
        state.restore(target, msgpack.packb(saved, use_bin_type=True))
    del saved["streams"]
    with pytest.raises(pymsg.InvalidParameterValue, match="no streams"):
        state.restore(target, msgpack.packb(saved, use_bin_type=True))
    assert target.list_queues() == []


def test_a_queue_deleted_while_the_snapshot_runs_is_left_out(broker: pymsg.Broker,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    kept, gone = broker.create_queue("kept"), broker.create_queue("gone")
    listed = broker.list_queues()
    broker.delete_queue(gone)
    monkeypatch.setattr(broker, "list_queues", lambda prefix="": listed)  # listed before the delete
    again = pymsg.Broker(broker.clock, account_id=ACCOUNT)
    state.restore(again, state.snapshot(broker))
    assert [q.name for q in again.list_queues()] == [kept.name]


# --- pymsg serve --state -----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(path: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "pymsg", "serve", "--port", str(port), "--account-id", ACCOUNT,
                                "--state", str(path), "--state-interval", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    for _ in range(2):  # the start line, then the state line: logged (pymsg.server) to stderr
        assert "INFO pymsg.server: pymsg" in process.stderr.readline()
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    _, log = process.communicate(timeout=30)  # also closes the pipes
    assert process.returncode == 0, log
    assert " ERROR " not in log and " WARNING " not in log, log


def test_serve_keeps_queues_and_messages_across_a_restart(tmp_path: Path) -> None:
    boto3 = pytest.importorskip("boto3")
    path, port = tmp_path / "state.msgpack", free_port()
    client = lambda service="sqs": boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",  # noqa: E731
                                  aws_access_key_id="x", aws_secret_access_key="x")
    process = start(path, port)
    try:
        sqs = client()
        url = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
        sent = [sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"] for i in range(3)]
        (taken,) = sqs.receive_message(QueueUrl=url)["Messages"]
        kinesis = client("kinesis")
        kinesis.create_stream(StreamName="log", ShardCount=1)
        put = kinesis.put_record(StreamName="log", Data=b"kept", PartitionKey="k")
    finally:
        stop(process)
    assert path.exists()
    process = start(path, port)
    try:
        sqs = client()
        assert sqs.get_queue_url(QueueName="durable")["QueueUrl"] == url
        sqs.delete_message(QueueUrl=url, ReceiptHandle=taken["ReceiptHandle"])  # a handle from before the restart
        rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["MessageId"] for m in rest) == sorted(set(sent) - {taken["MessageId"]})
        kinesis = client("kinesis")
        iterator = kinesis.get_shard_iterator(StreamName="log", ShardId=put["ShardId"],
                                              ShardIteratorType="AT_SEQUENCE_NUMBER",
                                              StartingSequenceNumber=put["SequenceNumber"])["ShardIterator"]
        assert [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == [b"kept"]
    finally:
        stop(process)


def test_serve_refuses_a_state_file_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "state.msgpack"
    path.write_bytes(b"\x93\x01\x02")  # msgpack, but not a state map
    done = subprocess.run([sys.executable, "-m", "pymsg", "serve", "--port", "0", "--state", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Not a pymsg state file" in done.stderr
    assert path.read_bytes() == b"\x93\x01\x02"


def test_serve_refuses_a_damaged_state_file_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "state.msgpack"
    saved = bytearray(_small_state(pymsg.Broker(account_id=ACCOUNT)))
    saved[len(saved) // 2] ^= 0x08
    path.write_bytes(bytes(saved))
    done = subprocess.run([sys.executable, "-m", "pymsg", "serve", "--port", "0", "--state", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"Not a pymsg state file ({path}): its checksum does not match" in done.stderr
    assert "Traceback" not in done.stderr and path.read_bytes() == bytes(saved)


def test_serve_saves_periodically(tmp_path: Path) -> None:
    path = tmp_path / "state.msgpack"
    ready = threading.Event()
    servers: list[Server] = []

    def on_ready(server: Server) -> None:
        servers.append(server)
        ready.set()

    thread = threading.Thread(target=serve, kwargs=dict(port=0, state_path=str(path), state_interval=0.05,
                                                        ready=on_ready), daemon=True)
    thread.start()
    assert ready.wait(30)
    servers[0].broker.create_queue("saved-without-a-shutdown")
    deadline = time.monotonic() + 30  # waits for the saver thread, not for broker time
    while not (path.exists() and b"saved-without-a-shutdown" in path.read_bytes()):
        assert time.monotonic() < deadline, "the state file was never written"
        time.sleep(0.02)
    servers[0].shutdown()
    thread.join(30)
    assert not os.path.exists(str(path) + ".tmp")


def test_shutdown_keeps_every_answered_request(tmp_path: Path) -> None:
    import http.client
    import json

    path, port = tmp_path / "state.msgpack", free_port()
    process = start(path, port)
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    url = f"http://127.0.0.1:{port}/{ACCOUNT}/busy"
    answered = 0
    going = threading.Event()

    def produce() -> None:  # one keep-alive connection, as an SDK holds one
        nonlocal answered
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"QueueUrl": url, "MessageBody": "m"})
        try:
            while True:
                try:
                    connection.request("POST", "/", body, {**headers, "X-Amz-Target": "AmazonSQS.SendMessage"})
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    return  # the server is gone
                if response.status != 200:
                    assert response.status == 503  # draining: refused, not half done
                    return
                answered += 1
                going.set()
        finally:
            connection.close()

    setup = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    setup.request("POST", "/", json.dumps({"QueueName": "busy"}), {**headers, "X-Amz-Target": "AmazonSQS.CreateQueue"})
    assert setup.getresponse().status == 200
    setup.close()
    producer = threading.Thread(target=produce)
    producer.start()
    assert going.wait(30)
    stop(process)  # SIGTERM while the producer is mid-stream
    producer.join(30)
    process = start(path, port)
    try:
        count = pymsg.Broker(account_id=ACCOUNT)
        state.load(count, str(path))
        assert count.get_queue("busy").attributes()["ApproximateNumberOfMessages"] == str(answered)
    finally:
        stop(process)


def test_every_account_and_region_is_kept(broker: pymsg.Broker) -> None:
    west = broker.scope(region="us-west-2")
    west.create_queue("q").send("in the west")
    broker.scope("111111111111").create_topic("t")
    data = pymsg.state.snapshot(broker)
    restored = pymsg.Broker(broker.clock, account_id=broker.account_id)
    pymsg.state.restore(restored, data)
    assert [m.body for m in restored.scope(region="us-west-2").get_queue("q").receive()] == ["in the west"]
    assert restored.list_queues() == []
    assert [t.name for t in restored.scope("111111111111").list_topics()] == ["t"]


def test_a_subscription_to_another_accounts_queue_delivers_after_a_restore(broker: pymsg.Broker) -> None:
    theirs = broker.scope("111111111111").create_queue("inbox")
    broker.create_topic("t").subscribe(theirs.arn)
    restored = pymsg.Broker(broker.clock, account_id=broker.account_id)
    pymsg.state.restore(restored, pymsg.state.snapshot(broker))
    restored.get_topic("t").publish("after")
    (message,) = restored.scope("111111111111").get_queue("inbox").receive()
    assert json.loads(message.body)["Message"] == "after"
