"""boto3 SQS send + receive + delete through pymsg.mock_aws(), beside botocore's Stubber (the
floor) and moto's mock_aws, each of pymsg and moto with 10 and 10,000 messages queued behind
the cycle (moto only when installed: pip install ".[bench]"). Each asserts its cycles worked and
the backlog is intact; timings are never asserted."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import pymsg

boto3 = pytest.importorskip("boto3")
try:  # before any boto3 session exists: moto serves only the sessions made after its import
    import moto
except ImportError:
    moto = None

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
    if moto is None:
        pytest.skip("moto is not installed")
    with moto.mock_aws():
        fn, check = moto_mock(backlog)
        benchmark.pedantic(fn, rounds=5, iterations=1)
        check()


def _fresh_test(mock_aws: Any) -> Callable[[], None]:
    """What a decorated test costs beyond its own calls: a mock started on fresh state, one
    CreateQueue, and the mock stopped."""
    client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")

    def one_test() -> None:
        with mock_aws():
            client.create_queue(QueueName="per-test")

    return one_test


@pytest.mark.benchmark(group="a test's fresh mock")
def test_pymsg_fresh_mock_per_test(benchmark) -> None:
    benchmark(_fresh_test(lambda: pymsg.mock_aws(other_services="block")))


@pytest.mark.benchmark(group="a test's fresh mock")
def test_pymsg_fresh_mock_per_test_with_moto_beside(benchmark) -> None:
    if moto is None:
        pytest.skip("moto is not installed")
    benchmark(_fresh_test(lambda: pymsg.mock_aws(other_services="moto")))


@pytest.mark.benchmark(group="a test's fresh mock")
def test_moto_fresh_mock_per_test(benchmark) -> None:
    if moto is None:
        pytest.skip("moto is not installed")
    benchmark(_fresh_test(moto.mock_aws))
