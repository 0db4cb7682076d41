"""Account quotas: queues, standard and FIFO topics, ON_DEMAND streams and open shards per broker
(one account in one region). AWS's defaults where AWS has one, configurable, and each refusal
is the AWS error, says what was wrong and changes nothing."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import pymsg


def test_defaults_follow_aws_and_the_region() -> None:
    assert pymsg.Broker().quotas == {"queues": 100_000, "topics": 100_000, "fifo_topics": 1_000,
                                     "on_demand_streams": 50, "shards": 20_000}
    for region in ("us-west-2", "eu-west-1"):
        assert pymsg.Broker(region=region).quotas["shards"] == 20_000
    assert pymsg.Broker(region="ap-south-1").quotas["shards"] == 1_000
    assert pymsg.Broker(quotas={"queues": 7}).quotas["queues"] == 7


def test_queue_quota_raises_over_limit_and_counts_live_queues(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, quotas={"queues": 2}, strict_timing=False)
    broker.create_queue("a")
    broker.create_queue("b.fifo")
    with pytest.raises(pymsg.OverLimit, match="Cannot create queue c: 2 queues exist under account"):
        broker.create_queue("c")
    assert [q.name for q in broker.list_queues()] == ["a", "b.fifo"]
    assert broker.create_queue("a").name == "a"  # CreateQueue of an existing queue is not a new one
    broker.delete_queue("a")
    broker.create_queue("c")
    assert [q.name for q in broker.list_queues()] == ["b.fifo", "c"]


def test_standard_and_fifo_topics_have_quotas_of_their_own(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, quotas={"topics": 1, "fifo_topics": 1})
    broker.create_topic("t")
    broker.create_topic("f.fifo")
    with pytest.raises(pymsg.TopicLimitExceeded, match="^Topic limit exceeded$"):
        broker.create_topic("u")
    with pytest.raises(pymsg.TopicLimitExceeded, match="^Topic limit exceeded$"):
        broker.create_topic("g.fifo")
    assert sorted(t.name for t in broker.list_topics()) == ["f.fifo", "t"]
    assert broker.create_topic("t").name == "t"  # idempotent at the quota
    broker.delete_topic("f.fifo")
    broker.create_topic("g.fifo")
    with pytest.raises(pymsg.TopicLimitExceeded):
        broker.create_topic("h.fifo")
    assert sorted(t.name for t in broker.list_topics()) == ["g.fifo", "t"]


def test_on_demand_stream_quota_gives_the_shards_back(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, quotas={"on_demand_streams": 1, "shards": 10})
    broker.create_stream("od", mode="ON_DEMAND")  # 4 shards
    before = broker.describe_kinesis_limits()
    assert before == {"ShardLimit": 10, "OpenShardCount": 4, "OnDemandStreamCount": 1, "OnDemandStreamCountLimit": 1}
    with pytest.raises(pymsg.LimitExceededException, match="the account has 1 ON_DEMAND streams, the most allowed"):
        broker.create_stream("od2", mode="ON_DEMAND")
    assert broker.describe_kinesis_limits() == before
    assert [s.name for s in broker.list_streams()] == ["od"]
    broker.create_stream("p", 6)  # provisioned streams count only their shards: 10 in all
    with pytest.raises(pymsg.LimitExceededException, match="shard limit"):
        broker.create_stream("q", 1)
    broker.delete_stream("od")
    assert broker.describe_kinesis_limits()["OpenShardCount"] == 6
    broker.create_stream("od2", mode="ON_DEMAND")


@pytest.mark.parametrize("quotas, message", [
    ({"bogus": 1}, "Unknown quota bogus"),
    ({"queues": -1}, "must be a count"),
    ({"queues": True}, "must be a count"),
    ({"queues": 1.5}, "must be a count"),
    ({"queues": 2**32}, "must be a count"),
    ({1: 1}, "Quota names are str"),
    ([("queues", 1)], "quotas must be a mapping"),
])
def test_bad_quotas_raise_invalid_parameter_value(quotas: Any, message: str) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match=message):
        pymsg.Broker(quotas=quotas)


def test_quota_errors_reach_boto3_with_aws_codes(clock: pymsg.ManualClock) -> None:
    boto3 = pytest.importorskip("boto3")
    broker = pymsg.Broker(clock, quotas={"queues": 1, "topics": 1, "on_demand_streams": 0})
    options = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    with pymsg.mock_aws(broker):
        sqs, sns, kinesis = (boto3.client(s, **options) for s in ("sqs", "sns", "kinesis"))
        sqs.create_queue(QueueName="one")
        with pytest.raises(sqs.exceptions.ClientError) as over:
            sqs.create_queue(QueueName="two")
        assert over.value.response["Error"]["Code"] == "OverLimit"
        sns.create_topic(Name="one")
        with pytest.raises(sns.exceptions.TopicLimitExceededException) as topics:
            sns.create_topic(Name="two")
        assert topics.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(kinesis.exceptions.LimitExceededException):
            kinesis.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        limits = kinesis.describe_limits()
        assert (limits["ShardLimit"], limits["OpenShardCount"], limits["OnDemandStreamCountLimit"]) == (20_000, 0, 0)


@pytest.mark.parametrize("flag, message", [
    ("bogus=1", "Unknown quota bogus"),
    ("queues=many", "expected NAME=COUNT"),
])
def test_serve_refuses_a_bad_quota_flag(flag: str, message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pymsg", "serve", "--port", "0", "--quota", flag],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and message in done.stderr
