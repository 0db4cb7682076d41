"""What pymsg does without raising is logged under the `pymsg` logger hierarchy, once, at the
right level, and nothing is printed: failed and retried SNS deliveries, messages given up or
dead-lettered, SQS messages moved to a dead-letter queue, throttled Kinesis records, refused
signatures, the server's start, and (only when asked for) one access line a request."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import pymsg
from aws_endpoints import running_server
from test_sns_http import Endpoint, confirmed, endpoint  # noqa: F401 (endpoint: the fixture, shared)

boto3 = pytest.importorskip("boto3")


def records(caplog: pytest.LogCaptureFixture, logger: str, level: int | None = None) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and (level is None or r.levelno == level)]


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="pymsg")
    return caplog


def test_a_callable_subscriber_that_raises_is_logged_once_then_retried(
        broker: pymsg.Broker, log: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    log.set_level(logging.DEBUG, logger="pymsg")  # in the test: pytest resets the handler's level for it
    topic = broker.create_topic("t")

    def subscriber(event: dict) -> None:
        raise ValueError("subscriber is down")

    subscription = topic.subscribe(subscriber)
    message_id = topic.publish("hello").message_id
    [warning] = records(log, "pymsg.sns", logging.WARNING)
    assert message_id in warning.getMessage() and subscription.arn in warning.getMessage()
    assert "subscriber is down" in warning.getMessage()
    [retry] = records(log, "pymsg.sns", logging.INFO)
    assert "retrying delivery" in retry.getMessage()
    assert len(records(log, "pymsg.sns", logging.DEBUG)) >= 2  # the retries after the first, quietly
    assert capsys.readouterr() == ("", "")


def test_an_http_subscriber_that_fails_is_given_up_with_an_error(
        broker: pymsg.Broker, clock: pymsg.ManualClock, endpoint: Endpoint, log: pytest.LogCaptureFixture) -> None:
    topic = broker.create_topic("web")
    subscription = confirmed(topic, endpoint)
    endpoint.status["Notification"] = 500
    message_id = topic.publish("m").message_id
    clock.advance(60)  # the three retries 20 s apart
    assert len(endpoint.notifications()) == 4
    [warning] = records(log, "pymsg.sns", logging.WARNING)
    assert "OSError('HTTP 500 Internal Server Error')" in warning.getMessage()
    [given_up] = records(log, "pymsg.sns", logging.ERROR)
    assert given_up.getMessage() == (f"message {message_id} for {subscription.arn} discarded after 4 attempt(s) "
                                     "(the subscription has no dead-letter queue)")


def test_a_delivery_that_reaches_the_dead_letter_queue_says_so(
        broker: pymsg.Broker, clock: pymsg.ManualClock, endpoint: Endpoint, log: pytest.LogCaptureFixture) -> None:
    topic = broker.create_topic("web")
    dlq = broker.create_queue("dlq")
    confirmed(topic, endpoint, dead_letter_queue=dlq)
    endpoint.status["Notification"] = 503
    topic.publish("m")
    clock.advance(60)
    moved = [r for r in records(log, "pymsg.sns", logging.WARNING) if "dead-letter" in r.getMessage()]
    assert len(moved) == 1 and dlq.arn in moved[0].getMessage()
    assert records(log, "pymsg.sns", logging.ERROR) == []


def test_a_deleted_queue_subscription_fails_client_side_and_is_logged(
        broker: pymsg.Broker, log: pytest.LogCaptureFixture) -> None:
    topic = broker.create_topic("t")
    queue = broker.create_queue("gone")
    topic.subscribe(queue)
    broker.delete_queue("gone")
    topic.publish("m")
    [warning] = records(log, "pymsg.sns", logging.WARNING)
    assert "not retried" in warning.getMessage()
    assert len(records(log, "pymsg.sns", logging.ERROR)) == 1  # given up: no dead-letter queue


def test_an_unreachable_confirmation_leaves_the_subscription_pending_and_says_so(
        broker: pymsg.Broker, log: pytest.LogCaptureFixture) -> None:
    topic = broker.create_topic("web")
    subscription = topic.subscribe("http://127.0.0.1:9/nobody-listens")  # the discard port: refused
    assert subscription.attributes()["PendingConfirmation"] == "true"
    [warning] = records(log, "pymsg.sns", logging.WARNING)
    assert "SubscriptionConfirmation" in warning.getMessage() and "stays pending" in warning.getMessage()


def test_messages_moved_to_a_dead_letter_queue_are_logged_by_the_receive(
        broker: pymsg.Broker, log: pytest.LogCaptureFixture) -> None:
    dlq = broker.create_queue("dlq")
    queue = broker.create_queue("work", dead_letter_queue=dlq, max_receive_count=1)
    queue.send("a")
    queue.send("b")
    queue.receive(max_messages=10, visibility_timeout=0)
    assert queue.receive(max_messages=10) == []
    [moved] = records(log, "pymsg.sqs", logging.INFO)
    assert moved.getMessage() == f"2 message(s) of queue work reached maxReceiveCount 1 and moved to {dlq.arn}"
    queue.receive(max_messages=10)
    assert len(records(log, "pymsg.sqs")) == 1  # a receive that moves nothing says nothing


def test_throttled_records_are_logged(broker: pymsg.Broker, log: pytest.LogCaptureFixture) -> None:
    stream = broker.create_stream("s", 1, enforce_limits=True)
    result = stream.put_records([{"data": b"x" * 600_000, "partition_key": "k"} for _ in range(2)])
    assert result.failed_record_count == 1
    [throttled] = records(log, "pymsg.kinesis", logging.INFO)
    assert throttled.getMessage() == ("put_records: 1 of 2 record(s) throttled on stream s "
                                      "(ProvisionedThroughputExceededException)")


def test_the_server_logs_a_refused_signature_and_its_access_lines_only_when_asked(
        clock: pymsg.ManualClock, log: pytest.LogCaptureFixture) -> None:
    def stranger(server: Any) -> Any:
        return boto3.client("sqs", endpoint_url=server.endpoint, region_name="us-east-1",
                            aws_access_key_id="AKIDOTHER", aws_secret_access_key="x")

    with running_server(lambda: pymsg.Broker(clock), access_keys={"AKIDEXAMPLE": "secret"}) as server:
        with pytest.raises(Exception, match="InvalidClientTokenId"):
            stranger(server).list_queues()
    [refused] = records(log, "pymsg.server", logging.WARNING)
    assert "InvalidClientTokenId" in refused.getMessage()
    assert records(log, "pymsg.server.access") == []  # off by default
    with running_server(lambda: pymsg.Broker(clock), access_keys={"AKIDEXAMPLE": "secret"}, access_log=True) as server:
        with pytest.raises(Exception, match="InvalidClientTokenId"):
            stranger(server).list_queues()
    access = records(log, "pymsg.server.access", logging.INFO)
    assert access and all('"POST / HTTP/1.1" 403' in r.getMessage() for r in access)


def test_pymsg_loggers_form_one_hierarchy() -> None:
    for name in ("pymsg.sns", "pymsg.sqs", "pymsg.kinesis", "pymsg.server", "pymsg.server.access"):
        assert logging.getLogger(name).parent.name in ("pymsg", "pymsg.server")
