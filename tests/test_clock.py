"""ManualClock and SystemClock: the time sources behind every broker timer."""

from __future__ import annotations

import time

import pytest

import pymsg
from conftest import START


def test_manual_clock_starts_at_the_given_time(clock: pymsg.ManualClock) -> None:
    assert clock.now() == START


def test_manual_clock_default_start() -> None:
    assert pymsg.ManualClock().now() == 1_700_000_000.0


def test_manual_clock_does_not_move_by_itself(clock: pymsg.ManualClock) -> None:
    sum(range(100_000))  # real time passes; the manual clock must not
    assert clock.now() == START


def test_advance_moves_time_forward(clock: pymsg.ManualClock) -> None:
    clock.advance(31)
    clock.advance(0.5)
    assert clock.now() == pytest.approx(START + 31.5)


def test_advance_by_zero_is_allowed(clock: pymsg.ManualClock) -> None:
    clock.advance(0)
    assert clock.now() == START


def test_set_moves_time_to_the_given_instant(clock: pymsg.ManualClock) -> None:
    clock.set(START + 100)
    assert clock.now() == START + 100


def test_set_to_the_current_time_is_allowed(clock: pymsg.ManualClock) -> None:
    clock.set(START)
    assert clock.now() == START


def test_set_backwards_raises_and_keeps_the_time(clock: pymsg.ManualClock) -> None:
    clock.advance(10)
    with pytest.raises(pymsg.InvalidParameterValue, match="backwards"):
        clock.set(START)
    assert clock.now() == START + 10


def test_advance_negative_raises_and_keeps_the_time(clock: pymsg.ManualClock) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match=">= 0"):
        clock.advance(-1)
    assert clock.now() == START


def test_broker_uses_the_given_clock(clock: pymsg.ManualClock, broker: pymsg.Broker) -> None:
    assert broker.clock is clock


def test_broker_without_clock_uses_system_clock() -> None:
    broker = pymsg.Broker()
    assert isinstance(broker.clock, pymsg.SystemClock)
    assert broker.clock.now() == pytest.approx(time.time(), abs=5)


def test_system_clock_tracks_wall_time() -> None:
    assert pymsg.SystemClock().now() == pytest.approx(time.time(), abs=5)


def test_queue_timestamps_follow_the_manual_clock(clock: pymsg.ManualClock, broker: pymsg.Broker) -> None:
    clock.advance(42)
    queue = broker.create_queue("q")
    assert queue.attributes()["CreatedTimestamp"] == str(int(START + 42))
