"""SNS HTTP subscriptions against a local endpoint on 127.0.0.1: the SubscriptionConfirmation,
ConfirmSubscription, notifications with their headers, raw delivery, and retries 20 s apart on the
manual clock before the dead-letter queue. Deliveries are
synchronous: a publish or clock.advance returns after the POST was answered."""

from __future__ import annotations

import http.server
import json
import re
import threading
from typing import Any, Iterator, NamedTuple

import pytest

import pymsg
from conftest import counts

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


class Request(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: str

    @property
    def type(self) -> str:
        return self.headers.get("x-amz-sns-message-type", "")

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


class Endpoint:
    """A local HTTP server that records every request and answers with `status[message type]`
    (200 unless set)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.status: dict[str, int] = {}
        self._lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8")
                request = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with endpoint._lock:
                    endpoint.requests.append(request)
                    code = endpoint.status.get(request.type, 200)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sns/endpoint"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, name="sns-endpoint", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        if not self.thread.is_alive():
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def of_type(self, message_type: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.type == message_type]

    def notifications(self) -> list[Request]:
        return self.of_type("Notification")

    def token(self) -> str:
        [confirmation] = self.of_type("SubscriptionConfirmation")
        return confirmation.json()["Token"]


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def topic(broker: pymsg.Broker) -> pymsg.Topic:
    return broker.create_topic("web")


def confirmed(topic: pymsg.Topic, endpoint: Endpoint, **kwargs: Any) -> pymsg.Subscription:
    subscription = topic.subscribe(endpoint.url, **kwargs)
    assert topic.confirm_subscription(endpoint.token()).arn == subscription.arn
    return subscription


# --- confirmation --------------------------------------------------------------------------------


def test_subscribe_posts_a_subscription_confirmation(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = topic.subscribe(endpoint.url)

    assert subscription.protocol == "http"
    assert subscription.endpoint == endpoint.url
    [request] = endpoint.requests
    assert request.method == "POST"
    assert request.path == "/sns/endpoint"
    assert request.type == "SubscriptionConfirmation"
    assert request.headers["x-amz-sns-topic-arn"] == topic.arn
    assert request.headers["x-amz-sns-subscription-arn"] == subscription.arn
    assert request.headers["content-type"] == "text/plain; charset=UTF-8"
    body = request.json()
    assert body["Type"] == "SubscriptionConfirmation"
    assert body["TopicArn"] == topic.arn
    assert re.fullmatch(UUID, body["MessageId"])
    assert request.headers["x-amz-sns-message-id"] == body["MessageId"]
    assert body["Token"]
    assert body["SubscribeURL"].startswith("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&")
    assert "TopicArn=" + topic.arn in body["SubscribeURL"]
    assert "Token=" + body["Token"] in body["SubscribeURL"]
    assert body["Timestamp"] == "2023-11-14T22:13:20.000Z"
    assert body["SignatureVersion"] == "1"
    assert "Signature" in body and "SigningCertURL" in body


def test_subscription_is_pending_until_confirmed(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = topic.subscribe(endpoint.url)
    assert subscription.attributes()["PendingConfirmation"] == "true"
    assert topic.attributes()["SubscriptionsPending"] == "1"
    assert topic.attributes()["SubscriptionsConfirmed"] == "0"

    confirmed_subscription = topic.confirm_subscription(endpoint.token())

    assert confirmed_subscription.arn == subscription.arn
    assert subscription.attributes()["PendingConfirmation"] == "false"
    assert topic.attributes()["SubscriptionsPending"] == "0"
    assert topic.attributes()["SubscriptionsConfirmed"] == "1"


def test_nothing_is_delivered_before_confirmation(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    topic.subscribe(endpoint.url)
    topic.publish("too early")
    assert endpoint.notifications() == []

    topic.confirm_subscription(endpoint.token())
    assert endpoint.notifications() == []  # the early message is not delivered later either

    topic.publish("in time")
    [notification] = endpoint.notifications()
    assert notification.json()["Message"] == "in time"


def test_subscribe_is_idempotent_and_confirms_once(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    first = topic.subscribe(endpoint.url)
    again = topic.subscribe(endpoint.url)
    assert again.arn == first.arn
    assert len(endpoint.of_type("SubscriptionConfirmation")) == 1
    assert len(topic.subscriptions()) == 1


def test_subscribe_again_with_other_settings_raises(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = topic.subscribe(endpoint.url)
    before = subscription.attributes()
    with pytest.raises(pymsg.InvalidParameter, match="different attributes"):
        topic.subscribe(endpoint.url, raw_message_delivery=True)
    assert subscription.attributes() == before
    assert len(endpoint.requests) == 1


@pytest.mark.parametrize("token", ["bad-token", "", None, 42, "ab" * 31, "ab" * 40 + "a", "xy" * 40])
def test_a_string_no_token_looks_like_is_an_invalid_token(topic: pymsg.Topic, endpoint: Endpoint, token: Any) -> None:
    subscription = topic.subscribe(endpoint.url)
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        topic.confirm_subscription(token)
    assert str(excinfo.value) == "Invalid token"
    assert subscription.attributes()["PendingConfirmation"] == "true"
    topic.publish("m")
    assert endpoint.notifications() == []


def test_confirming_twice_is_no_error(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = topic.subscribe(endpoint.url)
    token = endpoint.token()
    assert topic.confirm_subscription(token) is subscription
    assert topic.confirm_subscription(token) is subscription
    assert subscription.attributes()["PendingConfirmation"] == "false"


def test_token_belongs_to_its_topic(broker: pymsg.Broker, topic: pymsg.Topic, endpoint: Endpoint) -> None:
    other = broker.create_topic("other")
    subscription = topic.subscribe(endpoint.url)
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        other.confirm_subscription(endpoint.token())
    assert str(excinfo.value) == "Invalid parameter: Token"
    assert subscription.attributes()["PendingConfirmation"] == "true"


def test_the_token_of_a_removed_subscription_is_refused(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = topic.subscribe(endpoint.url)
    token = endpoint.token()
    subscription.unsubscribe()
    with pytest.raises(pymsg.InvalidParameter, match="^Invalid parameter: Token$"):
        topic.confirm_subscription(token)
    assert topic.subscriptions() == []


def test_unreachable_endpoint_stays_pending(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    url = endpoint.url
    endpoint.close()  # nothing listens there now
    subscription = topic.subscribe(url)  # does not raise
    assert subscription.attributes()["PendingConfirmation"] == "true"
    topic.publish("m")  # nothing to deliver, nothing raised


# --- notifications ---------------------------------------------------------------------------------


def test_notification_envelope_and_headers(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = confirmed(topic, endpoint)
    result = topic.publish("hello", subject="hi", message_attributes={"k": {"DataType": "String", "StringValue": "v"}})

    [notification] = endpoint.notifications()
    assert notification.method == "POST"
    assert notification.path == "/sns/endpoint"
    assert notification.headers["x-amz-sns-message-type"] == "Notification"
    assert notification.headers["x-amz-sns-message-id"] == result.message_id
    assert notification.headers["x-amz-sns-topic-arn"] == topic.arn
    assert notification.headers["x-amz-sns-subscription-arn"] == subscription.arn
    assert notification.headers["content-type"] == "text/plain; charset=UTF-8"

    pairs = json.loads(notification.body, object_pairs_hook=lambda p: p)
    assert [k for k, _ in pairs] == [
        "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
        "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes",
    ]
    envelope = json.loads(notification.body)
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == result.message_id
    assert envelope["TopicArn"] == topic.arn
    assert envelope["Subject"] == "hi"
    assert envelope["Message"] == "hello"
    assert envelope["Timestamp"] == "2023-11-14T22:13:20.000Z"
    assert envelope["UnsubscribeURL"] == (
        "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + subscription.arn
    )
    assert envelope["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
    lines = notification.body.split("\n")
    assert lines[1] == '  "Type" : "Notification",'
    assert lines[2] == f'  "MessageId" : "{result.message_id}",'


def test_every_publish_is_posted_in_order(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    confirmed(topic, endpoint)
    ids = [topic.publish(f"m{i}").message_id for i in range(5)]
    notifications = endpoint.notifications()
    assert [n.json()["Message"] for n in notifications] == [f"m{i}" for i in range(5)]
    assert [n.headers["x-amz-sns-message-id"] for n in notifications] == ids


def test_raw_delivery_posts_the_bare_message(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = confirmed(topic, endpoint, raw_message_delivery=True)
    topic.publish("bare message", message_attributes={"k": {"DataType": "String", "StringValue": "v"}})
    [notification] = endpoint.notifications()
    assert notification.body == "bare message"
    assert notification.headers["x-amz-sns-topic-arn"] == topic.arn
    assert notification.headers["x-amz-sns-subscription-arn"] == subscription.arn


def test_raw_delivery_keeps_the_message_id_header(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    """x-amz-sns-message-id names the message whatever the body looks like."""
    confirmed(topic, endpoint, raw_message_delivery=True)
    result = topic.publish("bare message")
    [notification] = endpoint.notifications()
    assert notification.headers["x-amz-sns-message-id"] == result.message_id


@pytest.mark.parametrize("message", ["{not json", '{"MessageId": "forged"}'])
def test_raw_delivery_of_brace_messages(topic: pymsg.Topic, endpoint: Endpoint, message: str) -> None:
    """A raw body that merely starts with "{" is delivered as is, at once, with the real message id."""
    confirmed(topic, endpoint, raw_message_delivery=True)
    result = topic.publish(message)
    [notification] = endpoint.notifications()
    assert notification.body == message
    assert notification.headers["x-amz-sns-message-id"] == result.message_id


def test_message_structure_json_http_key(broker: pymsg.Broker, topic: pymsg.Topic, endpoint: Endpoint) -> None:
    queue = broker.create_queue("q")
    topic.subscribe(queue)
    confirmed(topic, endpoint)
    topic.publish(json.dumps({"default": "default text", "http": "web text"}), message_structure="json")
    [notification] = endpoint.notifications()
    assert notification.json()["Message"] == "web text"
    assert json.loads(queue.receive()[0].body)["Message"] == "default text"


def test_filter_policy_applies_to_http(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    confirmed(topic, endpoint, filter_policy={"k": ["yes"]})
    topic.publish("no", message_attributes={"k": {"DataType": "String", "StringValue": "no"}})
    topic.publish("yes", message_attributes={"k": {"DataType": "String", "StringValue": "yes"}})
    assert [n.json()["Message"] for n in endpoint.notifications()] == ["yes"]


def test_unsubscribed_endpoint_gets_nothing(topic: pymsg.Topic, endpoint: Endpoint) -> None:
    subscription = confirmed(topic, endpoint)
    subscription.unsubscribe()
    topic.publish("m")
    assert endpoint.notifications() == []
    with pytest.raises(pymsg.NotFound, match="Subscription does not exist"):
        topic.unsubscribe(subscription)


# --- retries ----------------------------------------------------------------------------------------


def test_failing_endpoint_gets_3_retries_20_s_apart_then_the_dlq(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic, endpoint: Endpoint
) -> None:
    dlq = broker.create_queue("dlq")
    confirmed(topic, endpoint, dead_letter_queue=dlq)
    endpoint.status["Notification"] = 500

    result = topic.publish("m")  # does not raise
    assert len(endpoint.notifications()) == 1
    for retry in range(1, 4):
        clock.advance(19.5)
        assert len(endpoint.notifications()) == retry  # not yet
        clock.advance(0.5)
        assert len(endpoint.notifications()) == retry + 1
        assert counts(dlq) == (0, 0, 0) or retry == 3
    assert counts(dlq) == (1, 0, 0)
    assert broker._sns.dead_lettered == 1

    clock.advance(3600)
    assert len(endpoint.notifications()) == 4  # 1 try + 3 retries, then nothing
    notifications = endpoint.notifications()
    assert {n.headers["x-amz-sns-message-id"] for n in notifications} == {result.message_id}
    assert len({n.body for n in notifications}) == 1  # a retry resends the same notification
    [dead] = dlq.receive()
    assert json.loads(dead.body)["MessageId"] == result.message_id
    assert json.loads(dead.body)["Message"] == "m"


def test_failing_endpoint_without_dlq_is_discarded(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic, endpoint: Endpoint
) -> None:
    confirmed(topic, endpoint)
    endpoint.status["Notification"] = 503
    topic.publish("m")
    for _ in range(3):
        clock.advance(20)
    assert len(endpoint.notifications()) == 4
    assert broker._sns.discarded == 1
    assert broker._sns.dead_lettered == 0


def test_endpoint_that_recovers_gets_the_retry(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic, endpoint: Endpoint
) -> None:
    dlq = broker.create_queue("dlq")
    confirmed(topic, endpoint, dead_letter_queue=dlq)
    endpoint.status["Notification"] = 500
    topic.publish("m")
    clock.advance(20)
    endpoint.status.clear()
    clock.advance(20)
    assert len(endpoint.notifications()) == 3  # failed, failed, delivered
    clock.advance(3600)
    assert len(endpoint.notifications()) == 3
    assert counts(dlq) == (0, 0, 0)
    assert broker._sns.dead_lettered == 0
    assert broker._sns.discarded == 0


def test_one_clock_jump_runs_every_due_http_retry(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic, endpoint: Endpoint
) -> None:
    """A manual clock jump wakes every timer whose time came: after 60 s all 3 retries are done."""
    dlq = broker.create_queue("dlq")
    confirmed(topic, endpoint, dead_letter_queue=dlq)
    endpoint.status["Notification"] = 500
    topic.publish("m")
    clock.advance(60)
    assert len(endpoint.notifications()) == 4
    assert counts(dlq) == (1, 0, 0)


def test_failing_endpoint_does_not_block_other_subscribers(
    broker: pymsg.Broker, topic: pymsg.Topic, endpoint: Endpoint
) -> None:
    queue = broker.create_queue("q")
    topic.subscribe(queue)
    confirmed(topic, endpoint)
    endpoint.status["Notification"] = 500
    topic.publish("m")
    assert json.loads(queue.receive()[0].body)["Message"] == "m"
