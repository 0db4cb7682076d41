"""pytest-benchmark files for the Kinesis core (put_records of 500, get_records of 10,000).

Run ``pytest benchmarks --benchmark-only`` for timings (or ``python benchmarks/compare_kinesis.py``
for per-record medians); CI runs them with ``--benchmark-disable``, where each still runs and
asserts its results. Timings are never asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pymsg
from kinesis_workloads import bytes_per_record, get_records_10000, put_records_500


@pytest.fixture
def broker() -> pymsg.Broker:
    return pymsg.Broker(strict_limits=False)


@pytest.mark.benchmark(group="kinesis put_records (500 records)")
def test_kinesis_put_records_500(benchmark, broker) -> None:
    fn, check = put_records_500(broker)
    benchmark.pedantic(fn, rounds=50, iterations=1, warmup_rounds=2)
    check()


@pytest.mark.benchmark(group="kinesis get_records (10,000 records)")
def test_kinesis_get_records_10000(benchmark, broker) -> None:
    fn, check = get_records_10000(broker)
    benchmark.pedantic(fn, rounds=50, iterations=1, warmup_rounds=2)
    check()


def test_bytes_per_stored_record() -> None:
    # A fresh process, so memory freed by earlier tests cannot hide the growth. The target
    # (<= 48 bytes) is reported by compare_kinesis.py, not asserted; this checks the measurement is sane.
    code = "from kinesis_workloads import bytes_per_record; print(bytes_per_record(200_000))"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True,
                         text=True, check=True)
    overhead = float(out.stdout)
    assert 0 < overhead < 1024, overhead
