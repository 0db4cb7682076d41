"""SIGKILL under load, over and over on one data directory: what a crash keeps.

A child serves SQS and Kinesis load (an embedded Broker(data_dir=...), or ``pymsg serve
--data-dir`` driven over HTTP) and is killed at a random moment. Every send, delete and put
record is "acknowledged" once the call returned (embedded: the child printed it; serve: the 200
came back), and stamped with the time the test saw it. After each kill a copy of the directory
is opened with a clock an hour ahead (so messages in flight show again), its queue drained and
its stream read:

- fsync="always": no acknowledged send or stream record is missing, no acknowledged delete
  came back;
- fsync="everysec": what is missing or back was acknowledged in the last ~1 s before the kill,
  never earlier.

Nothing that was never sent appears, no stream record appears twice, and the directory goes on across the kills (each child
recovers what the last one left). ``python tests/test_durability_crash.py [KILLS]`` prints the
distribution of losses per kill for each case.
"""

from __future__ import annotations

import base64
import http.client
import inspect
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

import pymsg

KILLS = int(os.environ.get("PYMSG_CRASH_KILLS", "20"))
EVERYSEC_WINDOW = 1.5  # everysec syncs once a second; the rest is the write interval and the test's own delays

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")


def cache_writes(prefix: str, n: int) -> list[tuple[str, Optional[bytes]]]:
    """What the embedded child's step n (a multiple of 4) writes to its cache, in order: its own
    key, then an older key overwritten (every 40th step) or deleted (every 28th)."""
    writes: list[tuple[str, Optional[bytes]]] = [(f"{prefix}-{n}", f"{prefix}-{n}".encode())]
    if n % 40 == 0:
        writes.append((f"{prefix}-{n - 20}", b"again"))
    if n % 28 == 0:
        writes.append((f"{prefix}-{n - 12}", None))
    return writes


# Sends, deletes, puts and cache writes until killed; prints each once the call returned.
_EMBEDDED = "from typing import Optional\n" + inspect.getsource(cache_writes) + """
import sys
import pymsg
broker = pymsg.Broker(data_dir=sys.argv[1], fsync=sys.argv[2], auto_checkpoint_bytes=1 << 16)
queue = broker.create_queue("crash")
try:
    stream = broker.get_stream("crash")
except pymsg.errors.ResourceNotFoundException:
    stream = broker.create_stream("crash", 2, enforce_limits=False)
try:
    cache = broker.get_cache("crash")
except pymsg.errors.CacheClusterNotFound:
    cache = broker.create_cache("crash")
prefix, n = sys.argv[3], 0
print("open", flush=True)
while True:
    n += 1
    body = f"{prefix}-{n}"
    queue.send(body)
    print("S", body, flush=True)
    stream.put_record(body.encode(), body)
    print("K", body, flush=True)
    if n % 4 == 0:  # a cache write, now and then an older key overwritten with a TTL, or deleted
        for key, value in cache_writes(prefix, n):
            if value is None:
                cache.delete(key)
            else:
                cache.set(key, value, ttl=86400 if key != body else None)
        print("C", body, flush=True)
    if n % 2 == 0:
        got = queue.receive(2)
        for m in got:  # a delete that is done but not yet printed when the kill comes is no loss
            print("R", m.body, flush=True)
        for m in got:
            m.delete()
            print("D", m.body, flush=True)
"""


@dataclass
class Ledger:
    """What the children were told was done, with the time the test learnt it."""

    sent: dict[str, float] = field(default_factory=dict)     # body -> when acknowledged
    deleted: dict[str, float] = field(default_factory=dict)
    received: set[str] = field(default_factory=set)           # may have been deleted unacknowledged
    attempted: set[str] = field(default_factory=set)          # every body a send was tried for
    put: dict[str, float] = field(default_factory=dict)      # stream records acknowledged
    cached: dict[str, tuple[bytes | None, float]] = field(default_factory=dict)  # key -> (value or None: deleted, when)
    cache_wrong: list[int] = field(default_factory=list)      # per kill: cache keys not as last written
    uncertain: set[str] = field(default_factory=set)          # keys the unacknowledged last step wrote
    lost: list[int] = field(default_factory=list)             # per kill: acknowledged sends missing
    back: list[int] = field(default_factory=list)             # per kill: acknowledged deletes back
    records_lost: list[int] = field(default_factory=list)     # per kill: acknowledged stream records missing

    def check(self, directory: Path, killed_at: float, fsync: str) -> None:
        present, records, cache = _drain_copy(directory, list(self.cached))
        assert present <= self.attempted, f"messages never sent: {sorted(present - self.attempted)[:5]}"
        assert records <= self.attempted, f"stream records never put: {sorted(records - self.attempted)[:5]}"
        window = 0.0 if fsync == "always" else EVERYSEC_WINDOW
        records_missing = set(self.put) - records
        self.records_lost.append(len(records_missing))
        early = sorted(b for b in records_missing if self.put[b] < killed_at - window)
        assert not early, f"{fsync}: {len(early)} stream records acknowledged before the last {window} s lost"
        for b in records_missing:
            del self.put[b]
        wrong = {key for key, (value, _) in self.cached.items() if cache.get(key) != value} - self.uncertain
        self.cache_wrong.append(len(wrong))
        early = sorted(key for key in wrong if self.cached[key][1] < killed_at - window)
        assert not early, f"{fsync}: {len(early)} cache keys written before the last {window} s not as written: {early[:5]}"
        for key in wrong | (self.uncertain & set(cache)):  # what the copy has is what the next child goes on from
            self.cached[key] = (cache.get(key), killed_at)
        self.uncertain = set()
        missing = {b for b in self.sent if b not in self.deleted and b not in self.received} - present
        back = present & set(self.deleted)
        self.lost.append(len(missing))
        self.back.append(len(back))
        early = sorted(b for b in missing if self.sent[b] < killed_at - window)
        assert not early, f"{fsync}: {len(early)} sends acknowledged before the last {window} s lost: {early[:5]}"
        early = sorted(b for b in back if self.deleted[b] < killed_at - window)
        assert not early, f"{fsync}: {len(early)} deletes acknowledged before the last {window} s came back"
        # What the next child recovers is the truth from now on: a message gone (lost, or deleted
        # unacknowledged) is gone, a delete undone is undone, what is there can be received again.
        for b in [b for b in self.sent if b not in present and b not in self.deleted]:
            del self.sent[b]
        for b in back:
            del self.deleted[b]
        self.received &= present


def _drain_copy(directory: Path, cache_keys: list[str]) -> tuple[set[str], set[str], dict[str, bytes | None]]:
    """The bodies, stream records and values of `cache_keys` a restart finds, read from a copy
    (the next child goes on with the original)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy"
        shutil.copytree(directory, copy)
        broker = pymsg.Broker(clock=pymsg.ManualClock(time.time() + 3600), data_dir=copy,
                              auto_checkpoint_bytes=0)
        bodies: set[str] = set()
        records: set[str] = set()
        values: dict[str, bytes | None] = {}
        try:
            try:
                queue = broker.get_queue("crash")
            except pymsg.errors.QueueDoesNotExist:
                return bodies, records, values
            while got := queue.receive(10):
                for m in got:
                    assert m.body not in bodies, f"{m.body} is in the queue twice"
                    bodies.add(m.body)
                    m.delete()
            if "crash" in broker._core.list_caches():
                cache = broker.get_cache("crash")
                values = {key: cache._core.peek(key.encode()) for key in cache_keys}
            try:
                stream = broker.get_stream("crash")
            except pymsg.errors.ResourceNotFoundException:
                return bodies, records, values
            for shard in stream.list_shards():
                iterator = stream.get_shard_iterator(shard.shard_id, "TRIM_HORIZON")
                while True:
                    got = stream.get_records(iterator, limit=10_000)
                    for r in got.records:
                        body = r.data.decode()
                        assert body not in records, f"stream record {body} is in the stream twice"
                        records.add(body)
                    if not got.records:
                        break
                    iterator = got.next_shard_iterator
            return bodies, records, values
        finally:
            broker._durability.log.close()  # no checkpoint: the copy is thrown away


def _kill_embedded(directory: Path, fsync: str, run: int, ledger: Ledger, seconds: float) -> float:
    prefix = f"r{run}"
    with subprocess.Popen([sys.executable, "-c", _EMBEDDED, str(directory), fsync, prefix],
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        assert child.stdout.readline() == "open\n", "the child did not open the directory"
        # Any body of this run may have been sent when the kill comes: the ledger counts them all as tried.
        deadline = time.monotonic() + seconds

        def read() -> None:
            for line in child.stdout:  # type: ignore[union-attr]
                if not line.endswith("\n"):
                    break  # cut short by the kill: not acknowledged
                kind, body = line.split()
                if kind == "R":
                    ledger.received.add(body)
                elif kind == "K":
                    ledger.put[body] = time.monotonic()
                elif kind == "C":
                    now = time.monotonic()
                    for key, value in cache_writes(prefix, int(body.rsplit("-", 1)[1])):
                        ledger.cached[key] = (value, now)
                else:
                    (ledger.sent if kind == "S" else ledger.deleted)[body] = time.monotonic()

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(max(0.0, deadline - time.monotonic()))  # load runs until the kill (real time: a real crash)
        killed_at = time.monotonic()
        child.send_signal(signal.SIGKILL)
        reader.join()
    sent_in_run = [b for b in ledger.sent if b.startswith(prefix + "-")]
    top = max((int(b.split("-")[1]) for b in sent_in_run), default=0)
    step = (top + 1 + 3) // 4 * 4  # the cache step the kill may have cut short: either outcome is right
    ledger.uncertain = {key for key, _ in cache_writes(prefix, step)} | {key for key, _ in cache_writes(prefix, step - 4)}
    ledger.attempted.update(f"{prefix}-{n}" for n in range(1, top + 2))  # and the one in progress
    return killed_at


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(conn: http.client.HTTPConnection, service: str, action: str, body: dict) -> tuple[int, dict]:
    target, version = ("AmazonSQS", "1.0") if service == "sqs" else ("Kinesis_20131202", "1.1")
    conn.request("POST", "/", json.dumps(body), {
        "Content-Type": f"application/x-amz-json-{version}", "X-Amz-Target": f"{target}.{action}",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def _call(conn: http.client.HTTPConnection, action: str, body: dict) -> dict:
    status, answer = _request(conn, "sqs", action, body)
    if status != 200:
        raise AssertionError(f"{action}: {status} {answer}")
    return answer


def _put_record(conn: http.client.HTTPConnection, body: str) -> bool:
    """PutRecord of `body` to the stream "crash"; False when the shard's write limit refused it."""
    status, answer = _request(conn, "kinesis", "PutRecord", {
        "StreamName": "crash", "PartitionKey": body, "Data": base64.b64encode(body.encode()).decode()})
    if status != 200 and answer.get("__type", "").endswith("ProvisionedThroughputExceededException"):
        return False
    if status != 200:
        raise AssertionError(f"PutRecord: {status} {answer}")
    return True


def _kill_serve(directory: Path, fsync: str, run: int, ledger: Ledger, seconds: float) -> float:
    port = _free_port()
    with subprocess.Popen([sys.executable, "-m", "pymsg", "serve", "--port", str(port), "--data-dir",
                           str(directory), "--fsync", fsync, "--log-level", "warning"]) as server:
        deadline = time.monotonic() + 30
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", "/_pymsg/health")
                conn.getresponse().read()
                break
            except OSError:
                conn.close()
                assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        url = _call(conn, "CreateQueue", {"QueueName": "crash"})["QueueUrl"]
        status, answer = _request(conn, "kinesis", "CreateStream", {"StreamName": "crash", "ShardCount": 4})
        assert status == 200 or "ResourceInUse" in answer.get("__type", ""), answer  # made by an earlier run
        stop_at = time.monotonic() + seconds
        killed_at = None
        n = 0
        try:
            while True:
                n += 1
                body = f"r{run}-{n}"
                ledger.attempted.add(body)
                if killed_at is None and time.monotonic() >= stop_at:  # the kill lands while this send is on its way
                    threading.Timer(0.002, server.send_signal, (signal.SIGKILL,)).start()
                    killed_at = time.monotonic()
                _call(conn, "SendMessage", {"QueueUrl": url, "MessageBody": body})
                ledger.sent[body] = time.monotonic()
                if _put_record(conn, body):
                    ledger.put[body] = time.monotonic()
                if n % 2 == 0:
                    got = _call(conn, "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 2})
                    ledger.received.update(m["Body"] for m in got.get("Messages", []))
                    for m in got.get("Messages", []):
                        _call(conn, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})
                        ledger.deleted[m["Body"]] = time.monotonic()
        except (OSError, http.client.HTTPException):
            pass  # the server died under the request
        finally:
            conn.close()
        server.wait()
    assert killed_at is not None, "serve died before the kill"
    return killed_at


MODES = {"embedded": _kill_embedded, "serve": _kill_serve}


def crash_runs(mode: str, fsync: str, kills: int, directory: Path, seed: int = 15) -> Ledger:
    rng = random.Random(seed)
    ledger = Ledger()
    longest = 0.6 if fsync == "always" else 2.2  # everysec: past a second, so that older writes are at stake
    for run in range(kills):
        killed_at = MODES[mode](directory, fsync, run, ledger, rng.uniform(0.05, longest))
        ledger.check(directory, killed_at, fsync)
    return ledger


@pytest.mark.parametrize("fsync", ["always", "everysec"])
@pytest.mark.parametrize("mode", list(MODES))
def test_sigkill_under_load(tmp_path: Path, mode: str, fsync: str) -> None:
    ledger = crash_runs(mode, fsync, KILLS, tmp_path)
    assert len(ledger.sent) > KILLS * 10, "too little load to prove anything"
    assert len(ledger.put) > KILLS * 10, "too few stream records to prove anything"
    if fsync == "always":
        assert ledger.lost == [0] * KILLS and ledger.back == [0] * KILLS and ledger.records_lost == [0] * KILLS
    if mode == "embedded":  # serve has no cache on the wire yet
        assert len(ledger.cached) > KILLS * 10, "too few cache writes to prove anything"
        if fsync == "always":
            assert ledger.cache_wrong == [0] * KILLS


if __name__ == "__main__":
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else KILLS
    for mode in MODES:
        for fsync in ("always", "everysec"):
            with tempfile.TemporaryDirectory() as d:
                ledger = crash_runs(mode, fsync, kills, Path(d))
            print(f"{mode:9} {fsync:9} kills={kills} acknowledged sends kept={len(ledger.sent)} "
                  f"lost per kill: {sorted(ledger.lost)} deletes back per kill: {sorted(ledger.back)} "
                  f"stream records kept={len(ledger.put)} lost per kill: {sorted(ledger.records_lost)} "
                  f"cache keys={len(ledger.cached)} not as written per kill: {sorted(ledger.cache_wrong)}")
