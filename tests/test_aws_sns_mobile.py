"""SMS, email and mobile push through boto3, in process and over HTTP: pymsg records what SNS
would send, and tests read it back through the Python API and ``pymsg serve``'s
``/_aws/sns/*`` routes."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import MODES, running_server

boto3 = pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError

ACCOUNT = "123456789012"


@pytest.fixture(params=MODES)
def env(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> Iterator[tuple[Any, pymsg.Broker, Any]]:
    """(sns client, broker, the server or None)."""
    broker = pymsg.Broker(clock, account_id=ACCOUNT)
    options = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    if request.param == "serve":
        with running_server(lambda: broker) as server:
            yield boto3.client("sns", endpoint_url=server.endpoint, **options), server.broker, server
    else:
        with pymsg.mock_aws(broker):
            yield boto3.client("sns", **options), broker, None


def error(excinfo: pytest.ExceptionInfo) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_sms_subscriptions_and_direct_sms_are_recorded(env: tuple[Any, pymsg.Broker, Any]) -> None:
    sns, broker, server = env
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15550100")["SubscriptionArn"]
    assert subscription.startswith(topic + ":")  # no confirmation for sms
    sns.publish(TopicArn=topic, Message=json.dumps({"default": "long text", "sms": "short"}), MessageStructure="json")
    direct = sns.publish(PhoneNumber="+15550199", Message="hello")["MessageId"]
    sent = broker.sent_sms()
    assert [(m["PhoneNumber"], m["Message"]) for m in sent] == [("+15550100", "short"), ("+15550199", "hello")]
    assert sent[0]["SubscriptionArn"] == subscription and sent[1]["MessageId"] == direct
    if server is not None:
        with urllib.request.urlopen(server.endpoint + "/_aws/sns/sms-messages") as answer:
            listed = json.loads(answer.read())
        assert listed["region"] == "us-east-1" and set(listed["sms_messages"]) == {"+15550100", "+15550199"}
        urllib.request.urlopen(urllib.request.Request(server.endpoint + "/_aws/sns/sms-messages", method="DELETE"))
        assert broker.sent_sms() == []
    with pytest.raises(ClientError) as excinfo:
        sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="invalid-number")
    assert error(excinfo) == ("InvalidParameter", "Invalid SMS endpoint: invalid-number")
    with pytest.raises(ClientError) as excinfo:
        sns.publish(PhoneNumber="+1a234", Message="x")
    assert error(excinfo) == ("InvalidParameter", "Invalid parameter: PhoneNumber Reason: +1a234 is not valid to publish to")


def test_sms_settings_and_opt_outs(env: tuple[Any, pymsg.Broker, Any]) -> None:
    sns, broker, _ = env
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional", "DefaultSenderID": "pymsg"})
    assert sns.get_sms_attributes(attributes=["DefaultSMSType"])["attributes"] == {"DefaultSMSType": "Transactional"}
    assert sns.get_sms_attributes()["attributes"] == {"DefaultSMSType": "Transactional", "DefaultSenderID": "pymsg"}
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15550100")["isOptedOut"] is False
    broker.opt_out_phone_number("+15550100")
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15550100")["isOptedOut"] is True
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == ["+15550100"]
    sns.opt_in_phone_number(phoneNumber="+15550100")
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []
    with pytest.raises(ClientError) as excinfo:
        sns.check_if_phone_number_is_opted_out(phoneNumber="not a number")
    assert error(excinfo) == ("InvalidParameter", "Invalid parameter: PhoneNumber Reason: input incorrectly formatted")


def test_email_subscriptions_confirm_by_the_recorded_token(env: tuple[Any, pymsg.Broker, Any]) -> None:
    sns, broker, _ = env
    topic = sns.create_topic(Name="news")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com")["SubscriptionArn"] == (
        "pending confirmation")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="b@example.com")
    sns.publish(TopicArn=topic, Message="before confirmation")  # nothing goes to a pending subscription
    requests = broker.sent_emails(clear=True)
    assert [(m["Endpoint"], m["Type"]) for m in requests] == [("a@example.com", "SubscriptionConfirmation"),
                                                              ("b@example.com", "SubscriptionConfirmation")]
    for request in requests:
        sns.confirm_subscription(TopicArn=topic, Token=request["Token"])
    sns.publish(TopicArn=topic, Message="hello", Subject="hi")
    plain, structured = broker.sent_emails()
    assert (plain["Endpoint"], plain["Body"]) == ("a@example.com", "hello")
    assert json.loads(structured["Body"])["Message"] == "hello" and json.loads(structured["Body"])["Subject"] == "hi"
    with pytest.raises(ClientError) as excinfo:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="nobody")
    assert error(excinfo) == ("InvalidParameter", "Invalid parameter: Email address")


def test_platform_applications_endpoints_and_push(env: tuple[Any, pymsg.Broker, Any]) -> None:
    sns, broker, server = env
    app = sns.create_platform_application(Name="app", Platform="GCM",
                                          Attributes={"PlatformCredential": "key"})["PlatformApplicationArn"]
    assert app == f"arn:aws:sns:us-east-1:{ACCOUNT}:app/GCM/app"
    assert sns.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"] == {
        "PlatformCredential": "key"}
    endpoint = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                            CustomUserData="user")["EndpointArn"]
    assert endpoint.startswith(f"arn:aws:sns:us-east-1:{ACCOUNT}:endpoint/GCM/app/")
    assert sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                        CustomUserData="user")["EndpointArn"] == endpoint  # idempotent
    with pytest.raises(ClientError) as excinfo:
        sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="other")
    assert error(excinfo) == ("InvalidParameter", f"Invalid parameter: Token Reason: Endpoint {endpoint} already "
                              "exists with the same Token, but different attributes.")
    assert sns.get_endpoint_attributes(EndpointArn=endpoint)["Attributes"] == {
        "Token": "device-1", "Enabled": "true", "CustomUserData": "user"}
    sns.publish(TargetArn=endpoint, Message=json.dumps({"default": "d", "GCM": '{"data": 1}'}), MessageStructure="json")
    topic = sns.create_topic(Name="pushes")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=endpoint)
    sns.publish(TopicArn=topic, Message="via topic")
    assert [(m["TargetArn"], m["Message"]) for m in broker.push_messages()] == [(endpoint, '{"data": 1}'),
                                                                               (endpoint, "via topic")]
    if server is not None:
        with urllib.request.urlopen(server.endpoint + "/_aws/sns/platform-endpoint-messages") as answer:
            assert len(json.loads(answer.read())["platform_endpoint_messages"][endpoint]) == 2
    sns.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})
    with pytest.raises(ClientError) as excinfo:
        sns.publish(TargetArn=endpoint, Message="x")
    assert error(excinfo) == ("EndpointDisabled", "Endpoint is disabled")
    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert [e["EndpointArn"] for e in listed] == [endpoint]
    assert [a["PlatformApplicationArn"] for a in sns.list_platform_applications()["PlatformApplications"]] == [app]
    sns.delete_endpoint(EndpointArn=endpoint)
    sns.delete_endpoint(EndpointArn=endpoint)  # idempotent
    with pytest.raises(ClientError) as excinfo:
        sns.publish(TargetArn=endpoint, Message="x")
    assert error(excinfo) == ("InvalidParameter",
                              "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")
    sns.delete_platform_application(PlatformApplicationArn=app)
    with pytest.raises(ClientError) as excinfo:
        sns.get_platform_application_attributes(PlatformApplicationArn=app)
    assert error(excinfo) == ("NotFound", "PlatformApplication does not exist")


def test_the_recorded_messages_routes_check_signatures_like_every_route(clock: pymsg.ManualClock) -> None:
    import urllib.error

    with running_server(lambda: pymsg.Broker(clock), access_keys={"AKID": "secret"}) as server:
        for method in ("GET", "DELETE"):
            request = urllib.request.Request(server.endpoint + "/_aws/sns/sms-messages", method=method)
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(request)
            with answer.value:
                assert answer.value.code == 403
