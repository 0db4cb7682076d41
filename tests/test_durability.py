"""A broker with a data directory (Broker(data_dir=..., fsync=...)): what a restart keeps, the
checkpoint that bounds the log, and the faults a directory can have.

A "crash" here closes the log without a checkpoint, which leaves on disk exactly what a killed
process leaves after its last sync: the snapshot of the last checkpoint and the log after it.
The real kills (SIGKILL of a child under load) are in test_durability_crash.py."""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from pathlib import Path

import pytest

import pymsg
from pymsg import errors

START = 1_700_000_000.0


def open_broker(path: Path, now: float = START, **options: object) -> tuple[pymsg.Broker, pymsg.ManualClock]:
    clock = pymsg.ManualClock(now)
    return pymsg.Broker(clock=clock, data_dir=path, **options), clock


def crash(broker: pymsg.Broker) -> None:
    """What a killed process leaves: the log as synced, no new snapshot."""
    broker._durability.log.close()


def counts(queue: pymsg.Queue) -> tuple[int, int, int]:
    a = queue.attributes()
    return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
            int(a["ApproximateNumberOfMessagesDelayed"]))


@pytest.fixture(params=["always", "everysec", "no"])
def fsync(request: pytest.FixtureRequest) -> str:
    return request.param


def test_a_restart_keeps_each_message_in_its_state(tmp_path: Path, fsync: str) -> None:
    broker, clock = open_broker(tmp_path, fsync=fsync)
    q = broker.create_queue("jobs", visibility_timeout=30)
    for i in range(6):
        q.send(f"m{i}")
    q.send("later", delay_seconds=60)
    got = q.receive(3)
    got[0].delete()
    kept = got[1]
    q.change_visibility(got[2].receipt_handle, 100)
    clock.advance(10)
    crash(broker)

    broker, clock = open_broker(tmp_path, START + 10)
    q = broker.get_queue("jobs")
    assert counts(q) == (3, 2, 1)
    q.delete(kept.receipt_handle)  # a receipt handle from before the restart still works
    assert counts(q) == (3, 1, 1)
    clock.advance(20)  # kept's and the others' 30 s have run; got[2] has 100 s
    assert counts(q) == (3, 1, 1)
    clock.advance(30)  # 60 s: the delayed message is due
    assert counts(q) == (4, 1, 0)
    clock.advance(50)
    bodies = sorted(m.body for m in q.receive(10))
    assert bodies == ["later", "m2", "m3", "m4", "m5"]
    again = [m for m in q.receive(10, visibility_timeout=0)]
    assert again == []
    broker.close()


def test_receive_counts_and_deadlines_survive_to_drive_the_dead_letter_queue(tmp_path: Path) -> None:
    broker, clock = open_broker(tmp_path, fsync="always")
    dlq = broker.create_queue("dead")
    q = broker.create_queue("work", visibility_timeout=5, dead_letter_queue=dlq, max_receive_count=2)
    q.send("poison")
    q.send("fine")
    assert {m.body for m in q.receive(10)} == {"poison", "fine"}
    clock.advance(5)
    first = {m.body: m for m in q.receive(10)}
    assert {m.receive_count for m in first.values()} == {2}
    first["fine"].delete()
    crash(broker)

    broker, clock = open_broker(tmp_path, START + 5)
    q, dlq = broker.get_queue("work"), broker.get_queue("dead")
    assert counts(q) == (0, 1, 0)
    clock.advance(5)  # poison has been received twice: the third receive moves it
    assert q.receive(10) == []
    assert [m.body for m in dlq.receive(10)] == ["poison"]
    crash(broker)

    broker, _ = open_broker(tmp_path, START + 10)
    assert counts(broker.get_queue("work")) == (0, 0, 0)
    assert counts(broker.get_queue("dead")) == (0, 1, 0)
    broker.close()


def test_fifo_sequence_numbers_deduplication_and_groups_survive(tmp_path: Path) -> None:
    broker, clock = open_broker(tmp_path, fsync="always")
    f = broker.create_queue("orders.fifo", content_based_deduplication=True)
    sent = [f.send(f"o{i}", group_id="g") for i in range(3)]
    f.send("other", group_id="h")
    held = f.receive(1)[0]  # g's head is in flight: the rest of g waits
    crash(broker)

    broker, clock = open_broker(tmp_path)
    f = broker.get_queue("orders.fifo")
    repeat = f.send("o1", group_id="g")  # within five minutes: the same message, not a new one
    assert repeat.message_id == sent[1].message_id
    assert [m.body for m in f.receive(10)] == ["other"]
    f.delete(held.receipt_handle)
    after = f.send("o9", group_id="g")
    assert int(after.sequence_number) > int(sent[-1].sequence_number)
    assert [m.body for m in f.receive(10)] == ["o1", "o2", "o9"]
    clock.advance(301)
    assert f.send("o1", group_id="g").message_id != sent[1].message_id  # the window has passed
    broker.close()


def test_queue_attributes_tags_policy_purge_and_deletion_are_kept(tmp_path: Path) -> None:
    broker, clock = open_broker(tmp_path, fsync="everysec")
    q = broker.create_queue("q", tags={"team": "a"})
    gone = broker.create_queue("gone")
    gone.send("x")
    q.set_attributes(visibility_timeout=77, delay_seconds=3)
    q.tag({"env": "test"})
    q.untag(["team"])
    q.add_permission("p1", ["123456789012"], ["SendMessage"])
    q.send("purged")
    q.purge()
    broker.delete_queue("gone")
    crash(broker)

    broker, clock = open_broker(tmp_path)
    q = broker.get_queue("q")
    attributes = q.attributes()
    assert (attributes["VisibilityTimeout"], attributes["DelaySeconds"]) == ("77", "3")
    assert "p1" in attributes["Policy"]
    assert q.tags() == {"env": "test"}
    assert counts(q) == (0, 0, 0)
    assert [x.name for x in broker.list_queues()] == ["q"]
    with pytest.raises(errors.QueueDeletedRecently):  # the 60 s from the deletion still run
        broker.create_queue("gone")
    clock.advance(61)
    assert counts(broker.create_queue("gone")) == (0, 0, 0)  # a new, empty queue of that name
    broker.close()


def _topics(broker: pymsg.Broker) -> dict[str, object]:
    """Everything a client can read of the broker's topics."""
    return {t.name: (t.attributes(), t.tags(), sorted(tuple(sorted(s.attributes().items())) for s in t.subscriptions()))
            for t in broker.list_topics()}


@pytest.mark.parametrize("checkpoint_midway", [False, True])
def test_topics_and_subscriptions_are_kept_through_the_log(tmp_path: Path, checkpoint_midway: bool) -> None:
    broker, _ = open_broker(tmp_path, fsync="always")
    q = broker.create_queue("inbox")
    dlq = broker.create_queue("dead")
    topic = broker.create_topic("news", attributes={"DisplayName": "News"})
    fifo = broker.create_topic("orders.fifo", content_based_deduplication=True)
    gone = broker.create_topic("gone")
    gone.subscribe(q)
    if checkpoint_midway:
        broker.checkpoint()
    topic.set_attribute("DisplayName", "Daily news")
    topic.add_permission("p1", ["111122223333"], ["Publish"])
    topic.tag({"team": "a", "env": "test"})
    topic.untag(["team"])
    kept = topic.subscribe(q, raw_message_delivery=True, filter_policy={"kind": ["sport"]})
    kept.set_attributes(dead_letter_queue=dlq)
    waiting_http = topic.subscribe("http://127.0.0.1:9/hook", protocol="http")
    waiting_http.set_attributes(delivery_policy='{"healthyRetryPolicy": {"numRetries": 5}}')
    dropped = topic.subscribe(broker.create_queue("other"))
    waiting = topic.subscribe("a@example.com", protocol="email")
    confirmed = topic.subscribe("b@example.com", protocol="email")
    token = [e["Token"] for e in broker.sent_emails() if e.get("SubscriptionArn") == confirmed.arn][0]
    topic.confirm_subscription(token)
    dropped.unsubscribe()
    fifo.set_attribute("ContentBasedDeduplication", "false")
    broker.delete_topic("gone")
    before = _topics(broker)
    crash(broker)

    broker, _ = open_broker(tmp_path)
    assert _topics(broker) == before
    assert sorted(before) == ["news", "orders.fifo"]
    topic = broker.get_topic("news")
    topic.publish("goal", message_attributes={"kind": {"DataType": "String", "StringValue": "sport"}})
    assert [m.body for m in broker.get_queue("inbox").receive(10)] == ["goal"]  # raw, through the filter
    pending = [s for s in topic.subscriptions() if s.arn == waiting.arn][0]
    assert pending.attributes()["PendingConfirmation"] == "true"
    broker.close()


def test_other_accounts_and_regions_are_kept(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    broker.scope("111111111111", "eu-west-1").create_queue("theirs").send("hi")
    broker.create_queue("ours")
    crash(broker)
    broker, _ = open_broker(tmp_path)
    theirs = broker.scope("111111111111", "eu-west-1").get_queue("theirs")
    assert [m.body for m in theirs.receive()] == ["hi"]
    assert [x.name for x in broker.list_queues()] == ["ours"]
    broker.close()


def test_a_checkpoint_bounds_the_log_and_a_restart_after_it_is_exact(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path, fsync="always", segment_bytes=4096)  # always: a write per send
    q = broker.create_queue("q")
    for i in range(2000):
        q.send(f"message {i}")
    for m in q.receive(10):
        m.delete()
    segments = [p for p in os.listdir(tmp_path) if p.startswith("wal-")]
    assert len(segments) > 10
    broker.checkpoint()
    assert len([p for p in os.listdir(tmp_path) if p.startswith("wal-")]) == 1
    q.send("after the checkpoint")
    crash(broker)

    broker, _ = open_broker(tmp_path)
    assert counts(broker.get_queue("q")) == (1991, 0, 0)
    assert broker._durability._replayer.skipped == 0
    broker.close()


def test_a_checkpoint_under_load_loses_and_doubles_nothing(tmp_path: Path) -> None:
    broker, clock = open_broker(tmp_path, segment_bytes=1 << 16)
    a, b = broker.create_queue("a"), broker.create_queue("b")
    stop = threading.Event()
    sent: list[list[str]] = [[], []]

    def load(t: int) -> None:
        i = 0
        while not stop.is_set() or i < 500:
            body = f"{t}-{i}"
            a.send(body)
            sent[t].append(body)
            for m in a.receive(1):  # some of what was sent moves to b
                b.send(m.body)
                m.delete()
            i += 1

    threads = [threading.Thread(target=load, args=(t,)) for t in range(2)]
    for t in threads:
        t.start()
    for _ in range(5):
        broker.checkpoint()
    stop.set()
    for t in threads:
        t.join()
    crash(broker)

    broker, clock = open_broker(tmp_path)
    bodies: list[str] = []
    for name in ("a", "b"):
        q = broker.get_queue(name)
        while got := q.receive(10):
            bodies += [m.body for m in got]
            for m in got:
                m.delete()
    assert sorted(bodies) == sorted(sent[0] + sent[1])
    broker.close()


def test_the_log_is_compacted_once_it_outgrows_the_threshold(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path, segment_bytes=4096, auto_checkpoint_bytes=64 << 10)
    q = broker.create_queue("q")
    durability = broker._durability
    assert not durability.checkpoint_due()
    for i in range(3000):  # about 200 KB of log
        q.send(f"message {i:05}")
        m = q.receive()[0]
        m.delete()
    durability.flush()
    deadline = time.monotonic() + 30
    while durability.checkpoint_due() and time.monotonic() < deadline:  # the checkpoint thread's
        time.sleep(0.05)
    assert not durability.checkpoint_due()
    assert (tmp_path / "snapshot.pymsg").exists() and durability.log_bytes() <= 64 << 10
    q.send("kept")
    crash(broker)
    broker, _ = open_broker(tmp_path)
    assert [m.body for m in broker.get_queue("q").receive(10)] == ["kept"]
    broker.close()


def test_close_then_reopen_needs_no_replay(tmp_path: Path) -> None:
    with open_broker(tmp_path)[0] as broker:
        broker.create_queue("q").send("x")
    broker, _ = open_broker(tmp_path)
    assert broker._durability._replayer.replayed == 0
    assert counts(broker.get_queue("q")) == (1, 0, 0)
    broker.close()
    broker.close()  # idempotent


def test_a_torn_last_record_is_cut_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broker, _ = open_broker(tmp_path)
    q = broker.create_queue("q")
    q.send("one")
    q.send("two")
    crash(broker)
    segment = max(tmp_path.glob("wal-*.log"))
    with open(segment, "r+b") as f:
        f.truncate(segment.stat().st_size - 3)  # the last send, half written
    with caplog.at_level(logging.WARNING, logger="pymsg"):
        broker, _ = open_broker(tmp_path)
    assert "torn last record" in caplog.text and segment.name in caplog.text
    assert [m.body for m in broker.get_queue("q").receive(10)] == ["one"]
    broker.close()


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))


def test_a_damaged_log_record_refuses_to_start_and_changes_nothing(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    q = broker.create_queue("q")
    for i in range(20):
        q.send(f"message {i}")
    crash(broker)
    segment = max(tmp_path.glob("wal-*.log"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _flip(segment, segment.stat().st_size // 2)
    damaged = segment.read_bytes()
    with pytest.raises(errors.CorruptLog) as excinfo:
        open_broker(tmp_path)
    assert segment.name in str(excinfo.value) and "offset" in str(excinfo.value)
    assert segment.read_bytes() == damaged
    assert {p.name for p in tmp_path.iterdir()} == set(before)
    repaired = pymsg._core.repair_log(str(tmp_path))
    assert repaired["repaired_file"] == str(segment) and repaired["repaired_offset"] > 0
    broker, _ = open_broker(tmp_path)  # repaired: the records before the damage
    assert 0 < counts(broker.get_queue("q"))[0] < 20
    broker.close()


def test_a_record_whose_checksum_holds_but_whose_contents_do_not_refuses_to_start(tmp_path: Path) -> None:
    """A record another version wrote (here: a queue's configuration with a byte too many)."""
    broker, _ = open_broker(tmp_path)
    broker.create_queue("q").set_attributes(visibility_timeout=40)
    crash(broker)
    config = [payload for _, kind, payload in pymsg._core.read_log(str(tmp_path))[0] if kind == 3][0]
    log = pymsg._core.WriteAheadLog(str(tmp_path), "no")
    log.append(3, config + b"\0")
    log.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    why = r"wal-.*offset \d+.*cannot be replayed: .*bytes follow its end.*another version"
    with pytest.raises(errors.CorruptLog, match=why):
        open_broker(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert pymsg._core.repair_log(str(tmp_path))["repaired_file"] == ""  # no damage repair could cut


@pytest.mark.parametrize("where", ["frame", "body", "end"])
def test_a_damaged_or_truncated_snapshot_refuses_to_start(tmp_path: Path, where: str) -> None:
    broker, _ = open_broker(tmp_path)
    broker.create_queue("q").send("x" * 500)
    broker.close()
    snapshot = tmp_path / "snapshot.pymsg"
    data = snapshot.read_bytes()
    if where == "end":
        snapshot.write_bytes(data[:-40])
    else:
        _flip(snapshot, 4 if where == "frame" else len(data) // 2)
    damaged = snapshot.read_bytes()
    with pytest.raises(errors.InvalidParameterValue, match="snapshot"):
        open_broker(tmp_path)
    assert snapshot.read_bytes() == damaged  # never overwritten


def test_a_missing_directory_and_bad_arguments_are_errors_that_make_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        open_broker(tmp_path / "absent")
    assert str(tmp_path / "absent") in str(missing.value)
    assert not (tmp_path / "absent").exists()
    with pytest.raises(errors.InvalidParameterValue, match="fsync must be 'always', 'everysec' or 'no', not 'sync'"):
        open_broker(tmp_path, fsync="sync")
    with pytest.raises(errors.InvalidParameterValue, match="data_dir must be a path"):
        pymsg.Broker(data_dir=7)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidParameterValue, match="segment_bytes must be an int from 4096"):
        open_broker(tmp_path, segment_bytes=10)
    assert list(tmp_path.iterdir()) == []


def test_a_second_broker_on_the_directory_is_refused(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    broker.create_queue("q").send("x")
    with pytest.raises(errors.DataDirectoryLocked, match="in use"):
        open_broker(tmp_path)
    assert counts(broker.get_queue("q")) == (1, 0, 0)  # the first goes on
    broker.close()
    broker, _ = open_broker(tmp_path)  # released at close
    broker.close()


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root writes anywhere; POSIX permissions only")
def test_an_unwritable_directory_is_refused_at_start(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            open_broker(tmp_path)
    finally:
        tmp_path.chmod(0o700)


def test_a_full_disk_fails_the_call_and_keeps_what_was_acknowledged(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path, fsync="always")
    q = broker.create_queue("q")
    q.send("kept")
    pymsg._core._inject_write_error(errno.ENOSPC, 1)  # the next write gets ENOSPC
    try:
        with pytest.raises(OSError) as full:
            q.send("refused")
    finally:
        pymsg._core._inject_write_error(0, 0)
    assert full.value.errno == errno.ENOSPC
    with pytest.raises(OSError):  # the log stays stopped: nothing is acknowledged past the failure
        q.send("after")
    crash(broker)
    broker, _ = open_broker(tmp_path)
    assert [m.body for m in broker.get_queue("q").receive(10)] == ["kept"]
    broker.close()


def test_calls_after_close_raise_and_change_nothing(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    q = broker.create_queue("q")
    broker.close()
    with pytest.raises(RuntimeError, match="the write-ahead log is closed"):
        q.send("after close")
    broker.close()  # idempotent
    broker, _ = open_broker(tmp_path)
    assert counts(broker.get_queue("q")) == (0, 0, 0)
    broker.close()


@pytest.mark.parametrize("checkpoint_midway", [False, True])
def test_a_running_message_move_task_resumes_after_a_crash(tmp_path: Path, checkpoint_midway: bool) -> None:
    broker, clock = open_broker(tmp_path, fsync="always")
    dlq = broker.create_queue("dlq")
    src = broker.create_queue("src", dead_letter_queue=dlq, max_receive_count=1)
    for i in range(10):
        src.send(f"m{i}")
        while src.receive(1, visibility_timeout=0):
            pass
    target = broker.create_queue("target")
    done = broker.create_queue("done-dlq")
    broker.create_queue("feeder", dead_letter_queue=done)
    broker.start_message_move_task(done)  # nothing to move: COMPLETED at once, and kept as history
    broker.start_message_move_task(dlq, target, max_messages_per_second=2)
    clock.advance(2)
    if checkpoint_midway:
        broker.checkpoint()
    clock.advance(1)
    before = broker.list_message_move_tasks(dlq)
    assert before[0]["Status"] == "RUNNING" and before[0]["ApproximateNumberOfMessagesMoved"] == 6
    history = broker.list_message_move_tasks(done)
    crash(broker)

    broker, clock = open_broker(tmp_path, START + 3)
    assert broker.list_message_move_tasks("arn:aws:sqs:us-east-1:123456789012:dlq") == before
    assert broker.list_message_move_tasks("arn:aws:sqs:us-east-1:123456789012:done-dlq") == history
    clock.advance(2)  # the task goes on at its rate: the last four by 5 s after its start
    (after,) = broker.list_message_move_tasks("arn:aws:sqs:us-east-1:123456789012:dlq")
    assert after["Status"] == "COMPLETED" and after["ApproximateNumberOfMessagesMoved"] == 10
    assert counts(broker.get_queue("target")) == (10, 0, 0)
    assert counts(broker.get_queue("dlq")) == (0, 0, 0)
    broker.close()


@pytest.mark.parametrize("checkpoint_midway", [False, True])
def test_a_fifo_topics_deduplication_window_and_sequence_numbers_survive(tmp_path: Path,
                                                                          checkpoint_midway: bool) -> None:
    broker, clock = open_broker(tmp_path, fsync="always")
    topic = broker.create_topic("orders.fifo")
    inbox = broker.create_queue("inbox.fifo")
    topic.subscribe(inbox, raw_message_delivery=True)
    first = topic.publish("one", group_id="g", deduplication_id="d1")
    if checkpoint_midway:
        broker.checkpoint()
    second = topic.publish("two", group_id="g", deduplication_id="d2")
    topic.set_attribute("DisplayName", "Orders")  # a change to the topic, logged whole, keeps the window
    clock.advance(60)
    crash(broker)

    broker, clock = open_broker(tmp_path, START + 60)
    topic = broker.get_topic("orders.fifo")
    again = topic.publish("two, retried", group_id="g", deduplication_id="d2")  # within five minutes
    assert (again.message_id, again.sequence_number) == (second.message_id, second.sequence_number)
    third = topic.publish("three", group_id="g", deduplication_id="d3")
    assert int(third.sequence_number) > int(second.sequence_number) > int(first.sequence_number)
    clock.advance(300)  # d1's window has run out
    assert topic.publish("one again", group_id="g", deduplication_id="d1").message_id != first.message_id
    bodies = [m.body for m in broker.get_queue("inbox.fifo").receive(10)]
    assert bodies == ["one", "two", "three", "one again"]  # the retry was a duplicate: not delivered
    broker.close()


def test_a_flipped_bit_anywhere_in_a_snapshots_header_or_body_refuses_to_start(tmp_path: Path) -> None:
    """Each of the frame's fields (magic, version, length, checksum, header checksum: its first 28
    bytes) and points through the body: every one refuses, names the snapshot, overwrites nothing."""
    broker, _ = open_broker(tmp_path)
    broker.create_queue("q").send("x" * 200)
    broker.create_stream("s").put_record(b"r", "k")
    broker.create_cache("c").set("k", b"v", ttl=60)
    broker.close()
    snapshot = tmp_path / "snapshot.pymsg"
    whole = snapshot.read_bytes()
    for offset in list(range(28)) + list(range(28, len(whole), max(1, len(whole) // 40))):
        for bit in (0x01, 0x80):
            damaged = bytearray(whole)
            damaged[offset] ^= bit
            snapshot.write_bytes(bytes(damaged))
            with pytest.raises(errors.InvalidParameterValue, match="snapshot"):
                open_broker(tmp_path)
            assert snapshot.read_bytes() == bytes(damaged), f"byte {offset} was overwritten"
    snapshot.write_bytes(whole)
    broker, _ = open_broker(tmp_path)  # the undamaged one still opens, with everything
    assert broker.get_cache("c").get("k") == b"v" and broker.get_queue("q").receive()[0].body == "x" * 200
    broker.close()
