"""boto3 SQS send + receive + delete through pymsg.mock_aws(), beside botocore's Stubber (the
floor) and moto's mock_aws, each of pymsg and moto with 10 and 10,000 messages queued behind
the cycle (moto only when installed: pip install ".[bench]"). Each asserts its cycles worked and
the backlog is intact; timings are never asserted."""

from __future__ import annotations

import pytest

import pymsg

pytest.importorskip("boto3")

from aws_workloads import moto_mock, pymsg_mock, stubbed  # noqa: E402


@pytest.mark.parametrize("backlog", [10, 10_000])
@pytest.mark.benchmark(group="boto3 SQS cycle")
def test_pymsg_mock_aws(benchmark, backlog: int) -> None:
    with pymsg.mock_aws() as mock:
        fn, check = pymsg_mock(mock, backlog)
        benchmark(fn)
        check()


@pytest.mark.benchmark(group="boto3 SQS cycle")
def test_botocore_stubber_floor(benchmark) -> None:
    fn, check = stubbed()
    benchmark(fn)
    check()


@pytest.mark.parametrize("backlog", [10, 10_000])
@pytest.mark.benchmark(group="boto3 SQS cycle")
def test_moto_mock_aws(benchmark, backlog: int) -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        fn, check = moto_mock(backlog)
        benchmark.pedantic(fn, rounds=5, iterations=1)
        check()
