"""pytest-benchmark files for SNS fan-out: publish to 1, 10 and 100 queue subscribers, with and
without a filter policy. Each asserts every subscriber got every copy.

Run ``pytest benchmarks --benchmark-only`` (or ``python benchmarks/compare_sns.py`` for the time
per delivered copy); CI runs them with ``--benchmark-disable``. Timings are never asserted.
"""

from __future__ import annotations

import pytest

import pymsg
from sns_workloads import fan_out


@pytest.mark.parametrize("filtered", [False, True], ids=["no-filter", "filter"])
@pytest.mark.parametrize("subscribers", [1, 10, 100])
@pytest.mark.benchmark(group="sns publish fan-out")
def test_publish_fan_out(benchmark, subscribers: int, filtered: bool) -> None:
    publish, drain, check = fan_out(pymsg.Broker(strict_limits=False), subscribers, filtered)
    benchmark.pedantic(publish, setup=drain, rounds=50, iterations=1, warmup_rounds=2)
    check()
