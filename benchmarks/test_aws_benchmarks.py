"""boto3 SQS send + receive + delete through pymsg.mock_aws(), beside botocore's Stubber (the
floor) and moto's mock_aws with 10 and 1,000 messages queued (moto only when installed:
pip install ".[bench]"; filling moto with 10,000 takes it over a quarter of an hour, since each
batch it accepts costs more as the queue grows). Each asserts its cycles worked; timings are never
asserted."""

from __future__ import annotations

import pytest

import pymsg

pytest.importorskip("boto3")

from aws_workloads import moto_mock, pymsg_mock, stubbed  # noqa: E402


@pytest.mark.benchmark(group="boto3 SQS cycle")
def test_pymsg_mock_aws(benchmark) -> None:
    with pymsg.mock_aws() as mock:
        fn, check = pymsg_mock(mock)
        benchmark(fn)
        check()


@pytest.mark.benchmark(group="boto3 SQS cycle")
def test_botocore_stubber_floor(benchmark) -> None:
    fn, check = stubbed()
    benchmark(fn)
    check()


@pytest.mark.parametrize("backlog", [10, 1_000])
@pytest.mark.benchmark(group="boto3 SQS cycle")
def test_moto_mock_aws(benchmark, backlog: int) -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        fn, check = moto_mock(backlog)
        benchmark.pedantic(fn, rounds=5, iterations=1)
        check()
