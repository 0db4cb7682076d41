"""For the replay tests: a recovered copy of a live data directory, and the check that it answers
later calls exactly as the broker that wrote the log."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any, Callable

import pymsg


START = 1_700_000_000.0


def open_writer(tmp_path: Path) -> tuple[pymsg.Broker, pymsg.ManualClock, Path, Path]:
    """The broker whose log is copied (fsync="no", no automatic checkpoints), its clock, its data
    directory and where the copy goes."""
    data, copy = tmp_path / "data", tmp_path / "copy"
    data.mkdir()
    clock = pymsg.ManualClock(START)
    return pymsg.Broker(clock=clock, data_dir=data, fsync="no", auto_checkpoint_bytes=0), clock, data, copy


def recover_copy(broker: pymsg.Broker, clock: pymsg.ManualClock, data: Path,
                 copy: Path) -> tuple[pymsg.Broker, pymsg.ManualClock]:
    """What a crash now would leave of `broker` (its directory `data`, flushed and copied to
    `copy`), opened with a clock at the same time."""
    broker._durability.flush()
    shutil.copytree(data, copy)
    recovered_clock = pymsg.ManualClock(clock.now())
    return pymsg.Broker(clock=recovered_clock, data_dir=copy, auto_checkpoint_bytes=0), recovered_clock


def assert_answers_alike(traffic: Callable[..., list[object]], original: Any, recovered: Any, rng: random.Random,
                         clock: pymsg.ManualClock, recovered_clock: pymsg.ManualClock, steps: int) -> None:
    """Runs the same random `traffic` (steps calls) on both and requires the same answers."""
    later = rng.getstate()
    expected = traffic(original, rng, clock, steps)
    rng.setstate(later)
    assert traffic(recovered, rng, recovered_clock, steps) == expected
