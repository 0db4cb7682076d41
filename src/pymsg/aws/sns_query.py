"""SNS over the query protocol: form-encoded ``Action=<Operation>&...`` requests and XML
responses (namespace ``http://sns.amazonaws.com/doc/2010-03-31/``), as botocore speaks it.
Flattened request members are unflattened here (``MessageAttributes.entry.1.Name``,
``Attributes.entry.1.key``, ``PublishBatchRequestEntries.member.1.Id``, ...)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any, Callable
from xml.sax.saxutils import escape

from .. import messages
from ..broker import Broker
from ..errors import InvalidParameter, NotFound, PymsgError
from ..messages import SNS
from ..sns import Subscription, Topic, check_delivery_policy, looks_like_token, message_structure
from .forms import MALFORMED, form_action, form_tree, malformed
from .ids import request_id

NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/"
VERSION = "2010-03-31"


_WRAPPERS = frozenset({"member", "entry"})  # "A.member.2.B" and "A.entry.1.key" are A's items


def parse(body: bytes) -> dict[Any, Any]:
    """Form members into nested dicts: "A.member.2.B" -> {"A": {2: {"B": ...}}}."""
    return form_tree(body, _WRAPPERS)


def _entries(node: Any) -> list[Any]:
    """A numbered map ({1: ..., 2: ...}) as a list in order."""
    if not isinstance(node, dict):
        return []
    return [node[k] for k in sorted(k for k in node if isinstance(k, int))]


def _map(node: Any, key: str = "key", value: str = "value") -> dict[str, str]:
    return {str(e.get(key)): str(e.get(value, "")) for e in _entries(node) if isinstance(e, dict) and key in e}


def _message_attributes(node: Any, path: str = "messageAttributes") -> dict[str, dict[str, Any]] | None:
    out = {}
    for e in _entries(node):
        v = e.get("Value", {})
        if not v.get("DataType"):  # the service model requires it: refused before SNS looks
            raise messages.error(SNS, "attribute_data_type", path=path, name=e.get("Name"))
        if "BinaryValue" not in v and "StringValue" not in v:
            base = str(v["DataType"]).split(".", 1)[0]
            raise messages.error(SNS, "attribute_empty", name=e.get("Name"), type=base)
        item: dict[str, Any] = {"DataType": v.get("DataType")}
        if "BinaryValue" in v:
            item["BinaryValue"] = base64.b64decode(v["BinaryValue"])
        else:
            item["StringValue"] = v.get("StringValue")
        out[e.get("Name")] = item
    return out or None


def _xml(value: Any) -> str:
    if isinstance(value, dict):
        return "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return "".join(f"<member>{_xml(v)}</member>" for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _attributes_xml(attributes: dict[str, str], element: str = "Attributes") -> str:
    """An attribute map as SNS's XML writes it: <Attributes><entry><key>..</key><value>..</value></entry>..."""
    entries = "".join(f"<entry><key>{escape(k)}</key><value>{escape(v)}</value></entry>" for k, v in attributes.items())
    return f"<{element}>{entries}</{element}>"


def response(action: str, result: str) -> bytes:
    wrapper = f"<{action}Result>{result}</{action}Result>" if result is not None else ""
    return (f'<{action}Response xmlns="{NAMESPACE}">{wrapper}<ResponseMetadata><RequestId>{request_id()}'
            f"</RequestId></ResponseMetadata></{action}Response>").encode()


def error(status: int, code: str, message: str) -> bytes:
    kind = "Sender" if status < 500 else "Receiver"
    return (f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id()}</RequestId></ErrorResponse>").encode()


def _required(r: dict[str, Any], name: str) -> Any:
    if r.get(name) in (None, ""):
        raise messages.error(SNS, "parameter", name=name)
    return r[name]


def _arn_parts(arn: Any, name: str) -> list[str]:
    """The six parts of an ARN, or AWS's refusal of one with fewer (counted as AWS counts)."""
    parts = arn.split(":") if isinstance(arn, str) else [""]
    if len(parts) < 6:
        raise messages.error(SNS, "arn_elements", name=name, count=len(parts))
    return parts


def _topic(broker: Broker, r: dict[str, Any], name: str = "TopicArn") -> Topic:
    """The topic a request names: a malformed ARN or one of another region is InvalidParameter
    (400), a well-formed ARN of no topic NotFound (404), as AWS answers."""
    arn = r.get(name)
    if arn is None:
        raise messages.error(SNS, "no_value", name=name)
    parts = _arn_parts(arn, name)
    if parts[2] != "sns" or parts[3] != broker.region:
        raise messages.error(SNS, "parameter", name=name)
    owner = broker.find_scope(parts[4])  # another account's topic too, as its policy may allow
    try:
        if owner is None:
            raise messages.error(SNS, "topic_missing")
        return owner.get_topic(arn)
    except PymsgError:
        raise messages.error(SNS, "topic_missing") from None


def _subscription_arn(r: dict[str, Any]) -> str:
    """A request's SubscriptionArn, refused as AWS refuses a missing or malformed one."""
    arn = r.get("SubscriptionArn")
    if arn in (None, ""):
        raise messages.error(SNS, "no_value", name="SubscriptionArn")
    parts = _arn_parts(arn, "SubscriptionArn")
    if parts[2] != "sns" or len(parts) < 7:
        raise messages.error(SNS, "subscription_id")
    return arn


def _subscription(broker: Broker, r: dict[str, Any]) -> Subscription:
    arn = _subscription_arn(r)
    try:
        owner = broker.find_scope(arn.split(":")[4])
        if owner is None:
            raise StopIteration
        topic = owner.get_topic(arn.rsplit(":", 1)[0])
        return next(s for s in topic.subscriptions() if s.arn == arn)
    except (PymsgError, StopIteration):
        raise messages.error(SNS, "subscription_missing") from None


def _bool(value: Any) -> bool:
    return str(value).lower() == "true"


def _publish_kwargs(r: dict[str, Any], path: str = "messageAttributes") -> dict[str, Any]:
    return {
        "subject": r.get("Subject"),
        "message_attributes": _message_attributes(r.get("MessageAttributes"), path),
        "message_structure": r.get("MessageStructure"),
        "group_id": r.get("MessageGroupId"),
        "deduplication_id": r.get("MessageDeduplicationId"),
    }


# --- operations ------------------------------------------------------------------------------

def _tags(node: Any) -> dict[str, str]:
    pairs = [(str(e.get("Key")), str(e.get("Value", ""))) for e in _entries(node) if isinstance(e, dict)]
    for i, (key, _) in enumerate(pairs, 1):
        if len(key) > 128:
            raise messages.error(SNS, "tag_key_length", key=key, index=i)
    if len({k for k, _ in pairs}) != len(pairs):
        raise messages.error(SNS, "duplicate_tag_keys")
    return dict(pairs)


_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")


def create_topic(broker: Broker, r: dict[str, Any]) -> str:
    attributes = _map(r.get("Attributes"))
    core_names = ("DisplayName", "FifoTopic", "ContentBasedDeduplication")
    tags = _tags(r.get("Tags"))
    name = _required(r, "Name")
    fifo = attributes.get("FifoTopic", "").lower() == "true"
    if not isinstance(name, str) or not _TOPIC_NAME.fullmatch(name[:-5] if fifo and name.endswith(".fifo") else name) \
            or (fifo and not name.endswith(".fifo")) or len(name) > 256:
        raise messages.error(SNS, "topic_name")
    if not fifo:
        attributes.pop("FifoTopic", None)  # FifoTopic=false is what a standard topic is; AWS keeps nothing
    existing = next((t for t in broker.list_topics() if t.name == name), None)
    if existing is not None:
        # CreateTopic again: only the attributes given are compared (so a topic changed since by
        # SetTopicAttributes is still the same topic); the tags, if given, must be its tags.
        current = existing.attributes()
        if any(current.get(k, "") != v for k, v in attributes.items() if k != "FifoTopic"):
            raise messages.error(SNS, "topic_attributes_differ")
        if tags and tags != existing.tags():
            raise messages.error(SNS, "topic_tags_differ")
        return _xml({"TopicArn": existing.arn})
    topic = broker.create_topic(name, attributes={k: v for k, v in attributes.items() if k in core_names})
    try:
        for key, value in attributes.items():
            if key not in core_names:
                topic.set_attribute(key, value)
        if tags:
            topic.tag(tags)
    except PymsgError:
        broker.delete_topic(topic)  # CreateTopic with a bad attribute or tag creates nothing
        raise
    return _xml({"TopicArn": topic.arn})


def set_topic_attributes(broker: Broker, r: dict[str, Any]) -> str:
    _topic(broker, r).set_attribute(_required(r, "AttributeName"), r.get("AttributeValue", ""))
    return ""


def add_permission(broker: Broker, r: dict[str, Any]) -> str:
    _topic(broker, r).add_permission(
        _required(r, "Label"), [str(a) for a in _entries(r.get("AWSAccountId"))],
        [str(a) for a in _entries(r.get("ActionName"))])
    return ""


def remove_permission(broker: Broker, r: dict[str, Any]) -> str:
    _topic(broker, r).remove_permission(_required(r, "Label"))
    return ""


def _tagged(broker: Broker, r: dict[str, Any]) -> Topic:
    try:
        return _topic(broker, r, "ResourceArn")
    except NotFound:
        raise messages.error(SNS, "resource_missing") from None


def tag_resource(broker: Broker, r: dict[str, Any]) -> str:
    _tagged(broker, r).tag(_tags(r.get("Tags")))
    return ""


def untag_resource(broker: Broker, r: dict[str, Any]) -> str:
    _tagged(broker, r).untag([str(k) for k in _entries(r.get("TagKeys"))])
    return ""


def list_tags_for_resource(broker: Broker, r: dict[str, Any]) -> str:
    tags = sorted(_tagged(broker, r).tags().items())
    return "<Tags>" + "".join(f"<member><Key>{escape(k)}</Key><Value>{escape(v)}</Value></member>"
                              for k, v in tags) + "</Tags>"


PAGE = 100  # List* calls answer 100 at a time


def _page(items: list[Any], r: dict[str, Any], name: str = "NextToken") -> tuple[list[Any], str]:
    """One page of `items` from NextToken (an offset), and the XML of the next token if any."""
    token = r.get(name)
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token, validate=True).decode())
        except (ValueError, UnicodeDecodeError):
            raise messages.error(SNS, "parameter", name="NextToken") from None
    end = start + PAGE
    following = f"<{name}>{base64.b64encode(str(end).encode()).decode()}</{name}>" if end < len(items) else ""
    return items[start:end], following


def delete_topic(broker: Broker, r: dict[str, Any]) -> str:
    try:
        topic = _topic(broker, r)
        topic._broker.delete_topic(topic)  # its own account's broker (another account's topic too)
    except NotFound:
        pass  # deleting a topic that is not there succeeds
    return ""


def list_topics(broker: Broker, r: dict[str, Any]) -> str:
    topics, following = _page(broker.list_topics(), r)
    return "<Topics>" + "".join(f"<member><TopicArn>{escape(t.arn)}</TopicArn></member>"
                                for t in topics) + "</Topics>" + following


def get_topic_attributes(broker: Broker, r: dict[str, Any]) -> str:
    return _attributes_xml(_topic(broker, r).attributes())


# Every protocol SNS knows; pymsg delivers sqs, http and https over the wire.
_PROTOCOLS = frozenset({"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"})
_SUBSCRIPTION_ATTRIBUTES = frozenset({"RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy",
                                      "DeliveryPolicy", "SubscriptionRoleArn", "ReplayPolicy"})


def _subscription_settings(attributes: dict[str, str], reason: str) -> dict[str, Any]:
    """Topic.subscribe / Subscription.set_attributes keywords from subscription attributes,
    refused in AWS's words; `reason` prefixes each message ("Attributes Reason: " on Subscribe)."""
    out: dict[str, Any] = {}
    for name, value in attributes.items():
        if name == "RawMessageDelivery":
            if value.lower() not in ("true", "false"):
                raise messages.error(SNS, "raw_delivery_value", reason=reason, value=value)
            out["raw_message_delivery"] = value.lower() == "true"
        elif name == "FilterPolicyScope":
            if value not in ("MessageAttributes", "MessageBody"):
                raise messages.error(SNS, "filter_policy_scope", reason=reason, value=value)
            out["filter_policy_scope"] = value
        elif name == "FilterPolicy":
            if value:
                try:
                    json.loads(value)
                except ValueError:
                    raise messages.error(SNS, "filter_policy_on_subscribe" if reason else "filter_policy",
                                         why="failed to parse JSON.") from None
            out["filter_policy"] = value or None
        elif name == "RedrivePolicy":
            out["dead_letter_queue"] = _dead_letter_arn(value, reason) if value else None
        elif name == "DeliveryPolicy":
            out["delivery_policy"] = check_delivery_policy(value, reason)  # before anything is made
        elif name not in _SUBSCRIPTION_ATTRIBUTES:
            raise messages.error(SNS, "attribute_name", reason=reason)
    return out


def _dead_letter_arn(value: str, reason: str) -> str:
    try:
        policy = json.loads(value)
    except ValueError:
        raise messages.error(SNS, "redrive_json", reason=reason) from None
    arn = policy.get("deadLetterTargetArn") if isinstance(policy, dict) else None
    if not isinstance(arn, str) or len(arn.split(":")) < 6 or not arn.startswith("arn:"):
        raise messages.error(SNS, "redrive_arn", reason=reason)
    return arn


def subscribe(broker: Broker, r: dict[str, Any]) -> str:
    topic = _topic(broker, r)
    protocol, endpoint = _required(r, "Protocol"), r.get("Endpoint") or ""
    if protocol not in _PROTOCOLS:
        raise messages.error(SNS, "protocol", protocol=protocol)
    if protocol in ("http", "https") and not str(endpoint).startswith(f"{protocol}://"):
        raise messages.error(SNS, "endpoint_protocol")
    if protocol == "sqs" and (len(str(endpoint).split(":")) != 6 or not str(endpoint).startswith("arn:")):
        raise messages.error(SNS, "sqs_endpoint")
    if protocol in ("lambda", "firehose"):
        raise messages.error(SNS, "protocol_unsupported", protocol=protocol)
    if protocol == "sqs" and endpoint.endswith(".fifo") and not topic.fifo:
        raise messages.error(SNS, "fifo_queue_on_standard_topic")
    attributes = _map(r.get("Attributes"))
    settings = _subscription_settings(attributes, "Attributes Reason: ")
    existing = next((s for s in topic.subscriptions() if s.protocol == protocol and s.endpoint == endpoint), None)
    if existing is not None:
        # Subscribe again: only the attributes given are compared (none, or a subset, is the same subscription).
        current = existing.attributes()
        if any(current.get(k, "" if k != "RawMessageDelivery" else "false").lower() != v.lower()
               for k, v in attributes.items() if k in ("RawMessageDelivery", "FilterPolicyScope", "FilterPolicy")):
            raise messages.error(SNS, "subscription_attributes_differ")
        return _xml({"SubscriptionArn": existing.arn})
    delivery_policy = settings.pop("delivery_policy", None)
    recorded = {"protocol": protocol} if protocol in ("sms", "email", "email-json", "application") else {}
    try:
        subscription = topic.subscribe(endpoint, **settings, **recorded)  # an SQS ARN: the queue need not exist
    except InvalidParameter as exc:  # Subscribe words a bad filter policy as one of its Attributes
        message, policy = str(exc), str(messages.error(SNS, "filter_policy", why=""))
        if message.startswith(policy):
            raise messages.error(SNS, "filter_policy_on_subscribe", why=message[len(policy):]) from None
        if message == str(messages.error(SNS, "filter_policy_nested")):
            raise messages.error(SNS, "filter_policy_nested_on_subscribe") from None
        raise
    if delivery_policy:
        subscription.set_attributes(delivery_policy=delivery_policy)
    pending = subscription.attributes()["PendingConfirmation"] == "true"
    arn = "pending confirmation" if pending and not _bool(r.get("ReturnSubscriptionArn", "false")) else subscription.arn
    return _xml({"SubscriptionArn": arn})


def confirm_subscription(broker: Broker, r: dict[str, Any]) -> str:
    token = _required(r, "Token")
    try:
        topic = _topic(broker, r)
    except NotFound:
        topic = None  # a token for no topic is checked as a token
    except InvalidParameter:
        raise messages.error(SNS, "token_topic") from None
    if topic is None:  # the token's shape decides the message, as when the topic exists
        raise messages.error(SNS, "unknown_token" if looks_like_token(token) else "invalid_token")
    return _xml({"SubscriptionArn": topic.confirm_subscription(token).arn})


def unsubscribe(broker: Broker, r: dict[str, Any]) -> str:
    try:
        _subscription(broker, r).unsubscribe()
    except NotFound:
        pass  # a well-formed ARN that is gone or never was: Unsubscribe is idempotent on AWS
    return ""


def _subscriptions_xml(subs: list[Subscription]) -> str:
    return "<Subscriptions>" + "".join(
        "<member>" + _xml({"TopicArn": s._topic.arn, "Protocol": s.protocol, "SubscriptionArn": s.arn,
                           "Owner": s._topic._broker.account_id, "Endpoint": s.endpoint}) + "</member>"
        for s in subs) + "</Subscriptions>"


def list_subscriptions(broker: Broker, r: dict[str, Any]) -> str:
    subscriptions, following = _page([s for t in broker.list_topics() for s in t.subscriptions()], r)
    return _subscriptions_xml(subscriptions) + following


def list_subscriptions_by_topic(broker: Broker, r: dict[str, Any]) -> str:
    subscriptions, following = _page(_topic(broker, r).subscriptions(), r)
    return _subscriptions_xml(subscriptions) + following


def get_subscription_attributes(broker: Broker, r: dict[str, Any]) -> str:
    attrs = _subscription(broker, r).attributes()
    return _attributes_xml(attrs)


def set_subscription_attributes(broker: Broker, r: dict[str, Any]) -> str:
    subscription = _subscription(broker, r)
    name, value = _required(r, "AttributeName"), r.get("AttributeValue", "")
    if name not in _SUBSCRIPTION_ATTRIBUTES:
        raise messages.error(SNS, "attribute_name", reason="")
    subscription.set_attributes(**_subscription_settings({name: value}, ""))
    return ""


def publish(broker: Broker, r: dict[str, Any]) -> str:
    name = "TopicArn" if r.get("TopicArn") else "TargetArn"
    message = r.get("Message")
    if r.get("PhoneNumber") and not r.get(name):
        return _xml({"MessageId": _send_sms(broker, r, message)})
    if not r.get(name):
        raise messages.error(SNS, "no_value", name="TopicArn or TargetArn")
    if message is None or message == "":
        raise messages.error(SNS, "empty_message")
    if name == "TargetArn" and ":endpoint/" in str(r[name]):
        return _xml({"MessageId": _push(broker, r, message)})
    result = _topic(broker, r, name).publish(message, **_publish_kwargs(r))
    return _xml({"MessageId": result.message_id, "SequenceNumber": result.sequence_number})


def publish_batch(broker: Broker, r: dict[str, Any]) -> str:
    topic = _topic(broker, r)
    entries = []
    for i, e in enumerate(_entries(r.get("PublishBatchRequestEntries")), 1):
        path = f"publishBatchRequestEntries.{i}.member.messageAttributes"
        entry = {"id": e.get("Id"), "message": e.get("Message"),
                 **{k: v for k, v in _publish_kwargs(e, path).items() if v is not None}}
        entries.append(entry)
    result = topic.publish_batch(entries)
    successful = [{"Id": i, "MessageId": p.message_id, "SequenceNumber": p.sequence_number} for i, p in result.successful]
    failed = [{"Id": f.id, "Code": f.code, "Message": f.message, "SenderFault": f.sender_fault} for f in result.failed]
    return _xml({"Successful": successful, "Failed": failed})


# --- SMS, email and mobile push (recorded: see pymsg.sns_mobile) ---------------------------------

def _structured(r: dict[str, Any], message: Any, key: str) -> str:
    """The message for one channel: with MessageStructure=json, its `key` entry or the default."""
    if r.get("MessageStructure") != "json":
        return str(message)
    structure = message_structure(message)
    chosen = structure.get(key)
    return chosen if isinstance(chosen, str) else structure["default"]


def _send_sms(broker: Broker, r: dict[str, Any], message: Any) -> str:
    number = broker._mobile.check_phone_number(r.get("PhoneNumber"), "phone_number")
    if message in (None, ""):
        raise messages.error(SNS, "empty_message")
    message_id = str(uuid.uuid4())
    broker._mobile.record_sms(number, _structured(r, message, "sms"), MessageId=message_id,
                              MessageAttributes=_message_attributes(r.get("MessageAttributes")) or {})
    return message_id


def _push(broker: Broker, r: dict[str, Any], message: Any) -> str:
    arn = str(r["TargetArn"])
    platform = arn.split(":endpoint/", 1)[1].split("/", 1)[0]
    message_id = str(uuid.uuid4())
    broker._mobile.push(arn, _structured(r, message, platform), MessageId=message_id)
    return message_id


def set_sms_attributes(broker: Broker, r: dict[str, Any]) -> str:
    broker._mobile.set_sms_attributes(_map(r.get("attributes")))
    return ""


def get_sms_attributes(broker: Broker, r: dict[str, Any]) -> str:
    names = [str(n) for n in _entries(r.get("attributes"))]
    return _attributes_xml(broker._mobile.get_sms_attributes(names), "attributes")


def check_if_phone_number_is_opted_out(broker: Broker, r: dict[str, Any]) -> str:
    return _xml({"isOptedOut": broker._mobile.is_opted_out(r.get("phoneNumber"))})


def list_phone_numbers_opted_out(broker: Broker, r: dict[str, Any]) -> str:
    numbers, following = _page(broker._mobile.opted_out(), r, "nextToken")
    return "<phoneNumbers>" + "".join(f"<member>{escape(n)}</member>" for n in numbers) + "</phoneNumbers>" + following


def opt_in_phone_number(broker: Broker, r: dict[str, Any]) -> str:
    broker._mobile.opt_in(r.get("phoneNumber"))
    return ""


def create_platform_application(broker: Broker, r: dict[str, Any]) -> str:
    arn = broker._mobile.create_application(_required(r, "Name"), _required(r, "Platform"), _map(r.get("Attributes")))
    return _xml({"PlatformApplicationArn": arn})


def get_platform_application_attributes(broker: Broker, r: dict[str, Any]) -> str:
    attributes = broker._mobile.application_attributes(_required(r, "PlatformApplicationArn"))
    return _attributes_xml(attributes)


def set_platform_application_attributes(broker: Broker, r: dict[str, Any]) -> str:
    broker._mobile.set_application_attributes(_required(r, "PlatformApplicationArn"), _map(r.get("Attributes")))
    return ""


def _arns_with_attributes(wrapper: str, arn_name: str, items: list[tuple[str, dict[str, str]]]) -> str:
    """A list of (ARN, attributes) members, as ListPlatformApplications and ListEndpoints... answer."""
    return f"<{wrapper}>" + "".join(
        f"<member><{arn_name}>{escape(arn)}</{arn_name}>{_attributes_xml(a)}</member>"
        for arn, a in items) + f"</{wrapper}>"


def list_platform_applications(broker: Broker, r: dict[str, Any]) -> str:
    applications, following = _page(broker._mobile.applications(), r)
    return _arns_with_attributes("PlatformApplications", "PlatformApplicationArn", applications) + following


def delete_platform_application(broker: Broker, r: dict[str, Any]) -> str:
    broker._mobile.delete_application(_required(r, "PlatformApplicationArn"))
    return ""


def create_platform_endpoint(broker: Broker, r: dict[str, Any]) -> str:
    arn = broker._mobile.create_endpoint(_required(r, "PlatformApplicationArn"), r.get("Token"),
                                         r.get("CustomUserData"), _map(r.get("Attributes")))
    return _xml({"EndpointArn": arn})


def get_endpoint_attributes(broker: Broker, r: dict[str, Any]) -> str:
    attributes = broker._mobile.endpoint_attributes(_required(r, "EndpointArn"))
    return _attributes_xml(attributes)


def set_endpoint_attributes(broker: Broker, r: dict[str, Any]) -> str:
    broker._mobile.set_endpoint_attributes(_required(r, "EndpointArn"), _map(r.get("Attributes")))
    return ""


def list_endpoints_by_platform_application(broker: Broker, r: dict[str, Any]) -> str:
    endpoints, following = _page(broker._mobile.endpoints(_required(r, "PlatformApplicationArn")), r)
    return _arns_with_attributes("Endpoints", "EndpointArn", endpoints) + following


def delete_endpoint(broker: Broker, r: dict[str, Any]) -> str:
    broker._mobile.delete_endpoint(_required(r, "EndpointArn"))
    return ""


OPERATIONS: dict[str, Callable[[Broker, dict[str, Any]], str]] = {
    "CreateTopic": create_topic,
    "DeleteTopic": delete_topic,
    "ListTopics": list_topics,
    "GetTopicAttributes": get_topic_attributes,
    "SetTopicAttributes": set_topic_attributes,
    "AddPermission": add_permission,
    "RemovePermission": remove_permission,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
    "Subscribe": subscribe,
    "ConfirmSubscription": confirm_subscription,
    "Unsubscribe": unsubscribe,
    "ListSubscriptions": list_subscriptions,
    "ListSubscriptionsByTopic": list_subscriptions_by_topic,
    "GetSubscriptionAttributes": get_subscription_attributes,
    "SetSubscriptionAttributes": set_subscription_attributes,
    "Publish": publish,
    "PublishBatch": publish_batch,
    "SetSMSAttributes": set_sms_attributes,
    "GetSMSAttributes": get_sms_attributes,
    "CheckIfPhoneNumberIsOptedOut": check_if_phone_number_is_opted_out,
    "ListPhoneNumbersOptedOut": list_phone_numbers_opted_out,
    "OptInPhoneNumber": opt_in_phone_number,
    "CreatePlatformApplication": create_platform_application,
    "GetPlatformApplicationAttributes": get_platform_application_attributes,
    "SetPlatformApplicationAttributes": set_platform_application_attributes,
    "ListPlatformApplications": list_platform_applications,
    "DeletePlatformApplication": delete_platform_application,
    "CreatePlatformEndpoint": create_platform_endpoint,
    "GetEndpointAttributes": get_endpoint_attributes,
    "SetEndpointAttributes": set_endpoint_attributes,
    "ListEndpointsByPlatformApplication": list_endpoints_by_platform_application,
    "DeleteEndpoint": delete_endpoint,
}

_STATUS = {"NotFound": 404, "ResourceNotFound": 404, "AuthorizationError": 403}


def handle(broker: Broker, body: bytes) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "text/xml"}
    try:
        request = parse(body)
    except ValueError as exc:  # not UTF-8
        return 400, headers, error(400, "MalformedQueryString", f"The request body is not a query string ({exc}).")
    action = form_action(request)
    if action not in OPERATIONS:
        return 400, headers, error(400, "InvalidAction", f"The action {action or '(none)'} is not valid for this endpoint.")
    try:
        return 200, headers, response(action, OPERATIONS[action](broker, request))
    except PymsgError as exc:
        status = _STATUS.get(exc.code, exc.http_status)
        return status, headers, error(status, exc.code, str(exc))
    except MALFORMED as exc:
        return 400, headers, error(400, "InvalidParameter", f"Invalid parameter: {malformed(action, exc)}")

