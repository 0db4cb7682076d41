"""Shared fixtures: a manual clock and a broker driven by it (no test sleeps on real time)."""

from __future__ import annotations

import os
from typing import Any

import pytest

import pymsg

START = 1_700_000_000.0

# mock_aws checks each answer it hands boto3 without botocore's parser against that parser.
os.environ["PYMSG_MOCK_VERIFY"] = "1"


def pytest_report_header() -> str:
    """Which pymsg is under test: an installed wheel's, or a build of this checkout."""
    return f"pymsg {pymsg.__version__} from {os.path.dirname(pymsg.__file__)}"


@pytest.fixture
def clock() -> pymsg.ManualClock:
    return pymsg.ManualClock(START)


@pytest.fixture
def broker(clock: pymsg.ManualClock) -> pymsg.Broker:
    return pymsg.Broker(clock)


@pytest.fixture(params=["standard", "fifo"])
def any_queue(request: pytest.FixtureRequest, broker: pymsg.Broker) -> pymsg.Queue:
    """A standard and a FIFO queue (content-based dedup), for behaviour both share."""
    if request.param == "fifo":
        return broker.create_queue("q.fifo", content_based_deduplication=True)
    return broker.create_queue("q")


def send(queue: pymsg.Queue, body: str | bytes, **kwargs: object) -> pymsg.SendResult:
    """Sends to either queue type: FIFO sends get group "g" unless one is given."""
    if queue.fifo:
        kwargs.setdefault("group_id", "g")
    return queue.send(body, **kwargs)  # type: ignore[arg-type]


def counts(queue: pymsg.Queue) -> tuple[int, int, int]:
    """(visible, in flight, delayed) as GetQueueAttributes reports them."""
    a = queue.attributes()
    return (
        int(a["ApproximateNumberOfMessages"]),
        int(a["ApproximateNumberOfMessagesNotVisible"]),
        int(a["ApproximateNumberOfMessagesDelayed"]),
    )


def cache_snapshot(cache: pymsg.Cache, keys: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """What a failed call must leave as it was: counters other than lookups, size, memory, and the
    given keys' values and TTLs. (Reading the values counts lookups, so those are left out.)"""
    s = cache.stats()
    for lookup_counter in ("hits", "misses", "hit_rate"):
        del s[lookup_counter]
    ttls: list[Any] = []
    for k in keys:
        try:
            ttls.append(cache.ttl(k))
        except KeyError:
            ttls.append("absent")
    return s, len(cache), [cache.get(k) for k in keys], ttls
