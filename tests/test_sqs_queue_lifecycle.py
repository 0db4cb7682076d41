"""Queue lifecycle: create, look up, list, delete, attributes and tags."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import pymsg
from conftest import START

FIFO_ATTRIBUTES = {"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}


# --- create_queue: identity ----------------------------------------------------------------


def test_create_queue_returns_a_standard_queue(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    assert isinstance(queue, pymsg.Queue)
    assert queue.name == "jobs"
    assert queue.url == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    assert queue.arn == "arn:aws:sqs:us-east-1:123456789012:jobs"
    assert queue.fifo is False


def test_create_queue_with_fifo_suffix_returns_a_fifo_queue(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs.fifo")
    assert queue.fifo is True
    assert queue.url == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"
    assert queue.arn == "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"


def test_region_and_account_id_are_reflected_in_url_and_arn(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, region="eu-west-2", account_id="123456789012")
    queue = broker.create_queue("jobs")
    assert (broker.region, broker.account_id) == ("eu-west-2", "123456789012")
    assert queue.url == "https://sqs.eu-west-2.amazonaws.com/123456789012/jobs"
    assert queue.arn == "arn:aws:sqs:eu-west-2:123456789012:jobs"


# --- create_queue: idempotency and conflicts -----------------------------------------------


def test_create_twice_with_same_attributes_returns_the_same_queue(broker: pymsg.Broker) -> None:
    first = broker.create_queue("jobs", visibility_timeout=60)
    first.send("kept")
    again = broker.create_queue("jobs", visibility_timeout=60)
    assert again is first
    assert again.attributes()["ApproximateNumberOfMessages"] == "1"


def test_create_with_different_attributes_raises_queue_name_exists(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs", visibility_timeout=60)
    before = queue.attributes()
    with pytest.raises(pymsg.QueueNameExists, match="different value for attribute VisibilityTimeout$"):
        broker.create_queue("jobs", visibility_timeout=61)
    assert queue.attributes() == before
    assert broker.get_queue("jobs") is queue


# --- queue names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["", "a" * 81, "has space", "a.fifo.x", ".fifo", "a" * 76 + ".fifo", "dot.name", "slash/name", "é"],
    ids=["empty", "81-chars", "space", "fifo-in-middle", "only-suffix", "81-fifo", "dot", "slash", "non-ascii"],
)
def test_invalid_queue_name_raises_and_creates_nothing(broker: pymsg.Broker, name: str) -> None:
    with pytest.raises(pymsg.InvalidParameterValue) as excinfo:
        broker.create_queue(name)
    fifo = name.endswith(".fifo") and name != ".fifo"
    assert str(excinfo.value) == (
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with "
        ".fifo suffix and be 1 to 80 in length" if fifo
        else "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
    assert broker.list_queues() == []


@pytest.mark.parametrize("name", ["a" * 80, "a" * 75 + ".fifo", "A-z_0-9", "x", "x.fifo"])
def test_valid_queue_names_are_accepted(broker: pymsg.Broker, name: str) -> None:
    queue = broker.create_queue(name)
    assert queue.name == name
    assert queue.fifo == name.endswith(".fifo")


def test_non_str_queue_name_raises_invalid_parameter_value(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="str"):
        broker.create_queue(42)  # type: ignore[arg-type]
    assert broker.list_queues() == []


# --- look-ups ----------------------------------------------------------------------------------


def test_get_queue_by_name(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    assert broker.get_queue("jobs") is queue


@pytest.mark.parametrize(
    "url",
    [
        "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
        "http://localhost:4566/123456789012/jobs",
        "http://sqs.eu-west-1.localhost.localstack.cloud:4566/123456789012/jobs",
    ],
)
def test_get_queue_by_url_ignores_the_host(broker: pymsg.Broker, url: str) -> None:
    queue = broker.create_queue("jobs")
    assert broker.get_queue_by_url(url) is queue


def test_get_queue_by_arn(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    assert broker.get_queue_by_arn("arn:aws:sqs:us-east-1:123456789012:jobs") is queue


@pytest.mark.parametrize(
    "lookup",
    [
        lambda b: b.get_queue("missing"),
        lambda b: b.get_queue_by_url("https://sqs.us-east-1.amazonaws.com/123456789012/missing"),
        lambda b: b.get_queue_by_url("https://sqs.us-east-1.amazonaws.com/999999999999/jobs"),
        lambda b: b.get_queue_by_url("jobs"),
        lambda b: b.get_queue_by_arn("arn:aws:sqs:us-east-1:123456789012:missing"),
        lambda b: b.get_queue_by_arn("arn:aws:sqs:eu-west-1:123456789012:jobs"),
        lambda b: b.delete_queue("missing"),
    ],
    ids=["name", "url", "url-other-account", "url-no-path", "arn", "arn-other-region", "delete"],
)
def test_unknown_queue_raises_queue_does_not_exist(
    broker: pymsg.Broker, lookup: Callable[[pymsg.Broker], Any]
) -> None:
    queue = broker.create_queue("jobs")
    with pytest.raises(pymsg.QueueDoesNotExist, match="does not exist"):
        lookup(broker)
    assert broker.list_queues() == [queue]


def test_queue_does_not_exist_is_a_lookup_error(broker: pymsg.Broker) -> None:
    with pytest.raises(LookupError):
        broker.get_queue("missing")
    assert issubclass(pymsg.QueueDoesNotExist, pymsg.PymsgError)
    assert pymsg.QueueDoesNotExist.code == "QueueDoesNotExist"


def test_list_queues_returns_all_in_name_order(broker: pymsg.Broker) -> None:
    b = broker.create_queue("b")
    a = broker.create_queue("a.fifo")
    c = broker.create_queue("c")
    assert broker.list_queues() == [a, b, c]


def test_list_queues_filters_by_prefix(broker: pymsg.Broker) -> None:
    jobs = broker.create_queue("jobs")
    jobs_dlq = broker.create_queue("jobs-dlq")
    broker.create_queue("other")
    assert broker.list_queues("jobs") == [jobs, jobs_dlq]
    assert broker.list_queues("nothing") == []


# --- delete_queue ----------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["queue", "name"])
def test_delete_queue_removes_it(broker: pymsg.Broker, by: str) -> None:
    queue = broker.create_queue("jobs")
    broker.delete_queue(queue if by == "queue" else "jobs")
    assert broker.list_queues() == []
    with pytest.raises(pymsg.QueueDoesNotExist):
        broker.get_queue("jobs")


def test_delete_queue_twice_raises_queue_does_not_exist(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    broker.delete_queue(queue)
    with pytest.raises(pymsg.QueueDoesNotExist):
        broker.delete_queue(queue)


@pytest.mark.parametrize(
    "operation",
    [
        lambda q: q.send("x"),
        lambda q: q.receive(),
        lambda q: q.purge(),
        lambda q: q.attributes(),
        lambda q: q.set_attributes(visibility_timeout=5),
        lambda q: q.delete("AQEB" + "A" * 32),
        lambda q: q.change_visibility("AQEB" + "A" * 32, 0),
        lambda q: q.send_batch([{"id": "a", "body": "x"}]),
        lambda q: q.delete_batch([{"id": "a", "receipt_handle": "h"}]),
        lambda q: q.change_visibility_batch([{"id": "a", "receipt_handle": "h", "visibility_timeout": 0}]),
        lambda q: q.tags(),
        lambda q: q.tag({"k": "v"}),
        lambda q: q.untag(["k"]),
    ],
    ids=[
        "send", "receive", "purge", "attributes", "set_attributes", "delete", "change_visibility",
        "send_batch", "delete_batch", "change_visibility_batch", "tags", "tag", "untag",
    ],
)
def test_operations_on_a_deleted_queue_raise_queue_does_not_exist(
    broker: pymsg.Broker, operation: Callable[[pymsg.Queue], Any]
) -> None:
    queue = broker.create_queue("jobs")
    broker.delete_queue(queue)
    with pytest.raises(pymsg.QueueDoesNotExist):
        operation(queue)


def test_received_message_of_a_deleted_queue_cannot_be_deleted(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    queue.send("x")
    [message] = queue.receive()
    broker.delete_queue(queue)
    with pytest.raises(pymsg.QueueDoesNotExist):
        message.delete()


def test_recreate_within_60_seconds_raises_queue_deleted_recently(
    clock: pymsg.ManualClock, broker: pymsg.Broker
) -> None:
    broker.delete_queue(broker.create_queue("jobs"))
    clock.advance(59)
    with pytest.raises(pymsg.QueueDeletedRecently, match="60 seconds"):
        broker.create_queue("jobs")
    assert broker.list_queues() == []


def test_recreate_after_60_seconds_gives_a_fresh_queue(clock: pymsg.ManualClock, broker: pymsg.Broker) -> None:
    old = broker.create_queue("jobs")
    old.send("gone")
    broker.delete_queue(old)
    clock.advance(61)
    new = broker.create_queue("jobs")
    assert new is not old
    assert new.attributes()["ApproximateNumberOfMessages"] == "0"
    with pytest.raises(pymsg.QueueDoesNotExist):
        old.send("x")  # the old object still names the deleted queue


def test_recreate_at_once_works_without_strict_timing(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, strict_timing=False)
    broker.delete_queue(broker.create_queue("jobs"))
    assert broker.create_queue("jobs").name == "jobs"


def test_deleting_one_queue_does_not_block_other_names(broker: pymsg.Broker) -> None:
    broker.delete_queue(broker.create_queue("jobs"))
    assert broker.create_queue("jobs2").name == "jobs2"


# --- attribute ranges ------------------------------------------------------------------------

OUT_OF_RANGE = [
    ("visibility_timeout", 43201, "VisibilityTimeout"),
    ("visibility_timeout", -1, "VisibilityTimeout"),
    ("delay_seconds", 901, "DelaySeconds"),
    ("message_retention_period", 59, "MessageRetentionPeriod"),
    ("message_retention_period", 1209601, "MessageRetentionPeriod"),
    ("maximum_message_size", 1023, "MaximumMessageSize"),
    ("maximum_message_size", 1048577, "MaximumMessageSize"),
    ("receive_message_wait_time_seconds", 21, "ReceiveMessageWaitTimeSeconds"),
]


@pytest.mark.parametrize(("keyword", "value", "aws_name"), OUT_OF_RANGE)
def test_create_with_attribute_out_of_range_raises(
    broker: pymsg.Broker, keyword: str, value: int, aws_name: str
) -> None:
    with pytest.raises(pymsg.InvalidAttributeValue, match=aws_name):
        broker.create_queue("jobs", **{keyword: value})
    assert broker.list_queues() == []


@pytest.mark.parametrize(("keyword", "value", "aws_name"), OUT_OF_RANGE)
def test_set_attribute_out_of_range_raises_and_changes_nothing(
    broker: pymsg.Broker, keyword: str, value: int, aws_name: str
) -> None:
    queue = broker.create_queue("jobs")
    before = queue.attributes()
    with pytest.raises(pymsg.InvalidAttributeValue, match=aws_name):
        queue.set_attributes(**{keyword: value})
    assert queue.attributes() == before


def test_set_attributes_validates_all_before_changing_any(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    before = queue.attributes()
    with pytest.raises(pymsg.InvalidAttributeValue):
        queue.set_attributes(visibility_timeout=60, delay_seconds=901)
    assert queue.attributes() == before


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("visibility_timeout", 43200),
        ("visibility_timeout", 0),
        ("delay_seconds", 900),
        ("message_retention_period", 60),
        ("message_retention_period", 1209600),
        ("maximum_message_size", 1024),
        ("maximum_message_size", 1048576),
        ("receive_message_wait_time_seconds", 20),
    ],
)
def test_attribute_range_bounds_are_accepted(broker: pymsg.Broker, keyword: str, value: int) -> None:
    queue = broker.create_queue("jobs", **{keyword: value})
    queue.set_attributes(**{keyword: value})
    assert broker.create_queue("jobs", **{keyword: value}) is queue


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("content_based_deduplication", True),
        ("deduplication_scope", "messageGroup"),
        ("fifo_throughput_limit", "perMessageGroupId"),
    ],
)
def test_fifo_only_attribute_on_standard_queue_raises_invalid_attribute_name(
    broker: pymsg.Broker, keyword: str, value: Any
) -> None:
    aws_name = {"content_based_deduplication": "ContentBasedDeduplication", "deduplication_scope": "DeduplicationScope",
                "fifo_throughput_limit": "FifoThroughputLimit"}[keyword]
    with pytest.raises(pymsg.InvalidAttributeName, match=f"^Unknown Attribute {aws_name}.$"):
        broker.create_queue("jobs", **{keyword: value})
    assert broker.list_queues() == []
    queue = broker.create_queue("jobs")
    before = queue.attributes()
    with pytest.raises(pymsg.InvalidAttributeName, match=f"^Unknown Attribute {aws_name}.$"):
        queue.set_attributes(**{keyword: value})
    assert queue.attributes() == before


def test_set_attributes_with_unknown_keyword_raises_invalid_attribute_name(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    before = queue.attributes()
    with pytest.raises(pymsg.InvalidAttributeName, match="colour"):
        queue.set_attributes(visibility_timeout=60, colour="blue")
    assert queue.attributes() == before


@pytest.mark.parametrize("value", ["30", None, True, float("nan"), float("inf")])
def test_non_numeric_attribute_value_raises_invalid_attribute_value(broker: pymsg.Broker, value: Any) -> None:
    queue = broker.create_queue("jobs")
    before = queue.attributes()
    with pytest.raises(pymsg.InvalidAttributeValue, match="VisibilityTimeout"):
        queue.set_attributes(visibility_timeout=value)
    assert queue.attributes() == before


# --- attributes() ------------------------------------------------------------------------------


def test_attributes_of_a_standard_queue_have_aws_names_and_defaults(
    clock: pymsg.ManualClock, broker: pymsg.Broker
) -> None:
    queue = broker.create_queue("jobs")
    attributes = queue.attributes()
    assert attributes == {
        "QueueArn": "arn:aws:sqs:us-east-1:123456789012:jobs",
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "CreatedTimestamp": str(int(START)),
        "LastModifiedTimestamp": str(int(START)),
        "VisibilityTimeout": "30",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
    }
    assert all(isinstance(v, str) for v in attributes.values())
    assert not FIFO_ATTRIBUTES & attributes.keys()


def test_attributes_of_a_fifo_queue_include_the_fifo_ones(broker: pymsg.Broker) -> None:
    attributes = broker.create_queue("jobs.fifo").attributes()
    assert {k: attributes[k] for k in FIFO_ATTRIBUTES} == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    assert attributes["VisibilityTimeout"] == "30"


def test_created_timestamp_is_the_clock_time_in_whole_seconds(clock: pymsg.ManualClock, broker: pymsg.Broker) -> None:
    clock.advance(12.75)
    assert broker.create_queue("jobs").attributes()["CreatedTimestamp"] == str(int(START + 12.75))


def test_set_attributes_updates_values(clock: pymsg.ManualClock, broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    clock.advance(5)
    queue.set_attributes(
        visibility_timeout=60,
        delay_seconds=10,
        message_retention_period=600,
        maximum_message_size=2048,
        receive_message_wait_time_seconds=5,
    )
    attributes = queue.attributes()
    assert attributes["VisibilityTimeout"] == "60"
    assert attributes["DelaySeconds"] == "10"
    assert attributes["MessageRetentionPeriod"] == "600"
    assert attributes["MaximumMessageSize"] == "2048"
    assert attributes["ReceiveMessageWaitTimeSeconds"] == "5"
    assert attributes["LastModifiedTimestamp"] == str(int(START + 5))
    assert attributes["CreatedTimestamp"] == str(int(START))


def test_set_attributes_keeps_unnamed_attributes(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs", delay_seconds=7)
    queue.set_attributes(visibility_timeout=60)
    assert queue.attributes()["DelaySeconds"] == "7"


def test_set_fifo_attributes_on_a_fifo_queue(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs.fifo")
    queue.set_attributes(
        content_based_deduplication=True, deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId"
    )
    attributes = queue.attributes()
    assert attributes["ContentBasedDeduplication"] == "true"
    assert attributes["DeduplicationScope"] == "messageGroup"
    assert attributes["FifoThroughputLimit"] == "perMessageGroupId"


# --- tags ----------------------------------------------------------------------------------------


def test_new_queue_has_no_tags(broker: pymsg.Broker) -> None:
    assert broker.create_queue("jobs").tags() == {}


def test_create_queue_with_tags(broker: pymsg.Broker) -> None:
    assert broker.create_queue("jobs", tags={"team": "core"}).tags() == {"team": "core"}


def test_tag_adds_and_overwrites(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs", tags={"team": "core", "env": "dev"})
    queue.tag({"env": "prod", "Owner": "me"})
    assert queue.tags() == {"team": "core", "env": "prod", "Owner": "me"}


def test_untag_removes_keys_and_ignores_missing_ones(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs", tags={"team": "core", "env": "dev"})
    queue.untag(["env", "missing"])
    assert queue.tags() == {"team": "core"}


def test_tags_returns_a_copy(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs", tags={"team": "core"})
    queue.tags()["team"] = "changed"
    assert queue.tags() == {"team": "core"}


def test_untag_with_no_keys_raises(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs", tags={"team": "core"})
    with pytest.raises(pymsg.MissingParameter, match="must contain the parameter TagKeys"):  # as UntagQueue answers
        queue.untag([])
    assert queue.tags() == {"team": "core"}


def test_fifty_tags_are_allowed(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    queue.tag({f"k{i}": "v" for i in range(50)})
    assert len(queue.tags()) == 50


def test_more_than_50_tags_raises_and_changes_nothing(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("jobs")
    queue.tag({f"k{i}": "v" for i in range(49)})
    before = queue.tags()
    with pytest.raises(pymsg.InvalidParameterValue, match="Too many tags added for queue jobs"):
        queue.tag({"x": "1", "y": "2"})
    assert queue.tags() == before


def test_create_with_more_than_50_tags_raises(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="Too many tags added for queue jobs"):
        broker.create_queue("jobs", tags={f"k{i}": "v" for i in range(51)})
    assert broker.list_queues() == []


@pytest.mark.parametrize(
    "tags", [{"": "v"}, {"k" * 129: "v"}, {"k": "v" * 257}, {"k": 1}], ids=["empty-key", "long-key", "long-value", "int-value"]
)
def test_invalid_tag_raises_and_changes_nothing(broker: pymsg.Broker, tags: dict[str, Any]) -> None:
    queue = broker.create_queue("jobs", tags={"team": "core"})
    with pytest.raises(pymsg.InvalidParameterValue, match="Tag"):
        queue.tag(tags)
    assert queue.tags() == {"team": "core"}


def test_create_again_with_another_policy_names_the_attribute(broker: pymsg.Broker) -> None:
    broker.create_queue("jobs", policy={"Version": "2012-10-17"})
    with pytest.raises(pymsg.QueueNameExists) as excinfo:
        broker.create_queue("jobs", policy={"Version": "2008-10-17"})
    assert str(excinfo.value) == "A queue already exists with the same name and a different value for attribute Policy"
