"""pytest-benchmark file for ``pymsg serve --state``: saving and loading a broker holding
100,000 queued messages (10,000 of them in flight) and 100,000 Kinesis records, each of 100 bytes.

Run ``pytest benchmarks/test_state_benchmarks.py --benchmark-only`` for timings; CI runs it
with ``--benchmark-disable``, where each still runs and checks that the loaded broker holds
what was saved. Timings are never asserted.
"""

from __future__ import annotations

import pytest

import pymsg
from pymsg import state

MESSAGES = 100_000
BODY = "x" * 100


@pytest.fixture(scope="module")
def saved() -> tuple[pymsg.Broker, bytes]:
    broker = pymsg.Broker(pymsg.ManualClock(1_700_000_000), account_id="123456789012")
    queue = broker.create_queue("q")
    for _ in range(MESSAGES // 10):
        queue.send_batch([{"id": str(j), "body": BODY} for j in range(10)])
    for _ in range(MESSAGES // 100):
        queue.receive(10)
    stream = broker.create_stream("s", 4, enforce_limits=False)
    for _ in range(MESSAGES // 500):
        stream.put_records([{"data": BODY.encode(), "partition_key": f"k{j}"} for j in range(500)])
    return broker, state.snapshot(broker)


@pytest.mark.benchmark(group="state (100k messages + 100k records)")
def test_snapshot(benchmark, saved) -> None:
    broker, _ = saved
    data = benchmark.pedantic(state.snapshot, args=(broker,), rounds=5, iterations=1)
    assert len(data) > MESSAGES * 2 * len(BODY)


@pytest.mark.benchmark(group="state (100k messages + 100k records)")
def test_restore(benchmark, saved) -> None:
    broker, data = saved

    def load() -> pymsg.Broker:
        fresh = pymsg.Broker(broker.clock, account_id="123456789012")
        state.restore(fresh, data)
        return fresh

    loaded = benchmark.pedantic(load, rounds=5, iterations=1)
    attributes = loaded.get_queue("q").attributes()
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == (
        str(MESSAGES - MESSAGES // 10), str(MESSAGES // 10))
    assert loaded.get_stream("s").list_shards() == broker.get_stream("s").list_shards()
