"""SNS: topics, subscriptions, filter policies and fan-out.

A publish is one call into the core, which checks the message, builds the JSON envelope,
evaluates every subscription's compiled filter policy and sends a copy to every matching queue.
What the core hands back is delivered here: calls to Python callables (protocol ``lambda``, with
the Lambda SNS event), POSTs to HTTP endpoints, and copies that failed, which are retried per
AWS's delivery policy on the broker clock and then sent to the subscription's dead-letter queue.
Nothing a subscriber does raises into the publisher.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import re
import threading
import urllib.error
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

from . import _core
from .errors import PymsgError
from .messages import SNS, check_unicode, error
from .policy import ALREADY_EXISTS, add_statement, remove_statement
from .sns_mobile import EMAIL, PHONE_NUMBER
from .sqs import MAX_TAGS, BatchResult, BatchResultErrorEntry, Queue, check_tags

if TYPE_CHECKING:
    from .broker import Broker
    from .http_targets import HttpTargets

Endpoint = Union[Queue, Callable[[dict], Any], str]

# AWS's delivery policies, as the delays before each retry, in seconds.
# AWS-managed endpoints (SQS, Lambda): 3 immediate, 2 one second apart, 10 backing off
# exponentially from 1 to 20 s, then 100,000 twenty seconds apart (23 days in all).
_MANAGED_RETRIES: tuple[float, ...] = (0.0,) * 3 + (1.0,) * 2 + tuple(20.0 ** (i / 9) for i in range(10))
_MANAGED_POST_BACKOFF = 100_000  # retries 20 s apart after the schedule above
_HTTP_RETRIES: tuple[float, ...] = (20.0,) * 3  # HTTP/S default: 3 retries, 20 s apart (linear)


_log = logging.getLogger("pymsg.sns")  # deliveries that fail, retry, dead-letter or are given up
_RAW_PROTOCOLS = ("sqs", "http", "https", "firehose")  # the protocols raw message delivery applies to
_RECORDED_PROTOCOLS = ("sms", "email", "email-json", "application")  # what pymsg records instead of sending


class PublishResult(NamedTuple):
    """The result of Publish: the MessageId, and the SequenceNumber on FIFO topics."""

    message_id: str
    sequence_number: Optional[str]


class Subscription:
    """A subscription: ``arn``, ``protocol`` (sqs, lambda, http, https; sms, email, email-json and
    application, recorded), ``endpoint``."""

    __slots__ = ("_topic", "arn", "protocol", "endpoint", "_target", "_delivery_policy")

    def __init__(self, topic: Topic, arn: str, protocol: str, endpoint: str, target: Any) -> None:
        self._topic = topic
        self.arn = arn
        self.protocol = protocol
        self.endpoint = endpoint
        self._target = target  # the Queue, callable or URL
        self._delivery_policy = ""  # its DeliveryPolicy (JSON), kept and returned, not applied

    def __repr__(self) -> str:
        return f"Subscription({self.protocol}, {self.endpoint!r})"

    def attributes(self) -> dict[str, str]:
        """GetSubscriptionAttributes, values as strings as AWS sends them."""
        arn, protocol, endpoint, raw, policy, scope, dlq, pending = self._topic._core.subscription(self.arn)
        out = {
            "SubscriptionArn": arn,
            "TopicArn": self._topic.arn,
            "Owner": self._topic._broker.account_id,
            "Protocol": protocol,
            "Endpoint": endpoint,
            "ConfirmationWasAuthenticated": "false" if pending else "true",
            "PendingConfirmation": "true" if pending else "false",
            "RawMessageDelivery": "true" if raw else "false",
            # who subscribed: the caller pymsg's GetCallerIdentity names
            "SubscriptionPrincipal": f"arn:aws:iam::{self._topic._broker.account_id}:user/pymsg",
        }
        if policy:
            out["FilterPolicy"] = policy
            out["FilterPolicyScope"] = scope
        if dlq:
            out["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq})
        if self._delivery_policy:
            out["DeliveryPolicy"] = out["EffectiveDeliveryPolicy"] = self._delivery_policy
        return out

    def set_attributes(
        self,
        *,
        raw_message_delivery: Optional[bool] = None,
        filter_policy: Union[str, Mapping[str, Any], None, bool] = False,
        filter_policy_scope: Optional[str] = None,
        dead_letter_queue: Union[Queue, str, None, bool] = False,
        delivery_policy: Optional[str] = None,
    ) -> None:
        """SetSubscriptionAttributes. Only the settings given change; ``filter_policy=None``
        removes the policy and ``dead_letter_queue=None`` the redrive policy; ``delivery_policy``
        (JSON; "" removes it) is kept and returned, not applied."""
        _, _, _, raw, policy, scope, dlq, pending = self._topic._core.subscription(self.arn)
        if delivery_policy is not None:
            self._delivery_policy = check_delivery_policy(delivery_policy)
        if raw_message_delivery is not None:
            if raw_message_delivery and self.protocol not in _RAW_PROTOCOLS:
                raise error(SNS, "raw_delivery_protocol", reason="", protocol=self.protocol)
            raw = bool(raw_message_delivery)
        if filter_policy is not False and filter_policy is not True:
            policy = _policy_text(filter_policy)
        if filter_policy_scope is not None:
            scope = filter_policy_scope
        if dead_letter_queue is not False and dead_letter_queue is not True:
            self._topic._check_dead_letter_queue(dead_letter_queue, "")
            dlq = _queue_arn(dead_letter_queue)
        self._topic._core.set_subscription(self.arn, raw, policy, scope, dlq, pending)
        self._topic._journal()

    def unsubscribe(self) -> None:
        """Unsubscribe."""
        self._topic.unsubscribe(self)


class Topic:
    """An SNS topic, standard or FIFO (name ending in ``.fifo``). Every method is thread-safe."""

    __slots__ = ("_core", "_broker", "_subscriptions", "_tokens", "_settings", "_tags", "_lock", "__weakref__")

    def __init__(self, broker: Broker, core: _core.Topic) -> None:
        self._core = core
        self._broker = broker
        self._subscriptions: dict[str, Subscription] = {}  # by ARN
        self._tokens: dict[str, str] = {}  # confirmation token -> subscription ARN
        self._settings: dict[str, str] = {}  # SetTopicAttributes values the core does not use (Policy, ...)
        self._tags: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def arn(self) -> str:
        return self._core.arn

    @property
    def fifo(self) -> bool:
        return self._core.fifo

    def __repr__(self) -> str:
        return f"Topic({self.name!r})"

    # --- subscriptions -------------------------------------------------------------------

    def subscribe(
        self,
        endpoint: Endpoint,
        *,
        raw_message_delivery: bool = False,
        filter_policy: Union[str, Mapping[str, Any], None] = None,
        filter_policy_scope: str = "MessageAttributes",
        dead_letter_queue: Union[Queue, str, None] = None,
        protocol: Optional[str] = None,
    ) -> Subscription:
        """Subscribe a Queue (protocol sqs; or an SQS queue ARN), a Python callable (protocol
        lambda: it gets the Lambda SNS event) or an ``http://``/``https://`` URL (it gets a
        SubscriptionConfirmation and receives nothing until :meth:`confirm_subscription`). With
        ``protocol`` "sms" (a phone number), "email" or "email-json" (an address, confirmed as
        http ones are) or "application" (a platform endpoint ARN), what SNS would send is
        recorded instead (Broker.sent_sms, sent_emails, push_messages). The policy is compiled
        now (InvalidParameter when invalid). Subscribing the same endpoint again returns the same
        subscription; with other settings it raises InvalidParameter."""
        if protocol in _RECORDED_PROTOCOLS:
            endpoint_text, queue_core = self._recorded_endpoint(protocol, endpoint), None
        elif isinstance(endpoint, Queue):
            protocol, endpoint_text, queue_core = "sqs", endpoint.arn, endpoint._core
        elif isinstance(endpoint, str) and endpoint.startswith("arn:") and endpoint.split(":")[2:3] == ["sqs"]:
            # An SQS queue by ARN: AWS subscribes one it cannot see (another account's, or none yet);
            # deliveries to a queue this broker does not have fail and are logged.
            try:
                endpoint = self._broker.find_queue_by_arn(endpoint)  # in any account and region served
            except PymsgError:
                protocol, endpoint_text, queue_core = "sqs", endpoint, None
            else:
                protocol, endpoint_text, queue_core = "sqs", endpoint.arn, endpoint._core
        elif isinstance(endpoint, str) and endpoint.startswith(("http://", "https://")):
            protocol, endpoint_text, queue_core = endpoint.split(":", 1)[0], endpoint, None
        elif callable(endpoint):
            name = getattr(endpoint, "__qualname__", type(endpoint).__name__)
            protocol, endpoint_text, queue_core = "lambda", f"{name}@{id(endpoint):x}", None
        else:
            raise error(SNS, "endpoint_type", endpoint=repr(endpoint))
        if raw_message_delivery and protocol not in _RAW_PROTOCOLS:
            raise error(SNS, "raw_delivery_protocol", reason="Attributes Reason: ", protocol=protocol)
        if not isinstance(filter_policy_scope, str):
            raise error(SNS, "filter_policy_scope_type")
        check_unicode(SNS, FilterPolicy=filter_policy, FilterPolicyScope=filter_policy_scope)
        pending = protocol in ("http", "https", "email", "email-json")
        self._check_dead_letter_queue(dead_letter_queue, "Attributes Reason: ")
        arn = self._core.subscribe(
            protocol, endpoint_text, queue_core, bool(raw_message_delivery), _policy_text(filter_policy),
            filter_policy_scope, _queue_arn(dead_letter_queue), pending,
        )
        with self._lock:
            subscription = self._subscriptions.get(arn)
            if subscription is None:
                subscription = self._subscriptions[arn] = Subscription(self, arn, protocol, endpoint_text, endpoint)
                if pending:
                    token = uuid.uuid4().hex + uuid.uuid4().hex
                    self._tokens[token] = arn
                    self._broker._sns.confirm_request(self, subscription, token)
        self._journal()
        return subscription

    def _recorded_endpoint(self, protocol: str, endpoint: Any) -> str:
        """The endpoint of an sms, email, email-json or application subscription, checked as AWS checks it."""
        if protocol == "sms":
            if not isinstance(endpoint, str) or not PHONE_NUMBER.fullmatch(endpoint):
                raise error(SNS, "sms_endpoint", endpoint=endpoint)
        elif protocol in ("email", "email-json"):
            if not isinstance(endpoint, str) or not EMAIL.fullmatch(endpoint):
                raise error(SNS, "email_endpoint")
        elif not isinstance(endpoint, str) or not self._broker._mobile.has_endpoint(endpoint):
            raise error(SNS, "application_endpoint", endpoint=endpoint)
        return endpoint

    def _restore_subscription(self, arn: str, protocol: str, endpoint: str, raw: bool, policy: str, scope: str,
                              dead_letter_arn: str, pending: bool, tokens: Iterable[str],
                              delivery_policy: str = "") -> None:
        """Puts back a snapshot's subscription (pymsg.state): the same ARN and, while it is
        pending, the same confirmation tokens; no new SubscriptionConfirmation is sent."""
        target: Any = endpoint
        queue_core = None
        if protocol == "sqs":
            try:
                target = self._broker.find_queue_by_arn(endpoint)  # in any account and region served
                queue_core = target._core
            except PymsgError:
                pass  # the queue is gone: deliveries to it fail as they did before
        self._core.subscribe(protocol, endpoint, queue_core, raw, policy, scope, dead_letter_arn, pending, arn)
        subscription = Subscription(self, arn, protocol, endpoint, target)
        subscription._delivery_policy = delivery_policy
        with self._lock:
            self._subscriptions[arn] = subscription
            self._tokens.update({token: arn for token in tokens})

    def _check_dead_letter_queue(self, queue: Union[Queue, str, None], reason: str) -> None:
        """A FIFO topic's subscriptions need a FIFO dead-letter queue (`reason` prefixes the
        message as in _subscription_settings)."""
        arn = _queue_arn(queue)
        if arn and self.fifo and not arn.endswith(".fifo"):
            raise error(SNS, "fifo_dead_letter_queue", reason=reason)

    def confirm_subscription(self, token: str) -> Subscription:
        """ConfirmSubscription with the Token an HTTP endpoint received; confirming again is no
        error. InvalidParameter ("Invalid token" for a string no token looks like, "Invalid
        parameter: Token" for one this topic did not issue or whose subscription is gone)."""
        if not looks_like_token(token):
            raise error(SNS, "invalid_token")
        with self._lock:
            arn = self._tokens.get(token)
            subscription = self._subscriptions.get(arn) if arn else None
        if subscription is None:
            raise error(SNS, "unknown_token")
        _, _, _, raw, policy, scope, dlq, _pending = self._core.subscription(arn)
        self._core.set_subscription(arn, raw, policy, scope, dlq, False)
        self._journal()
        return self._subscriptions[arn]

    def unsubscribe(self, subscription: Union[Subscription, str]) -> None:
        """Unsubscribe by Subscription or ARN; NotFound when it does not exist."""
        arn = subscription.arn if isinstance(subscription, Subscription) else subscription
        if not isinstance(arn, str):
            raise error(SNS, "subscription_arn_type", type=type(arn).__name__)
        check_unicode(SNS, SubscriptionArn=arn)
        self._core.unsubscribe(arn)
        with self._lock:
            self._subscriptions.pop(arn, None)
        self._journal()

    def subscriptions(self) -> list[Subscription]:
        """ListSubscriptionsByTopic."""
        arns = [t[0] for t in self._core.subscriptions()]
        with self._lock:
            return [self._subscriptions[a] for a in arns if a in self._subscriptions]

    # --- publishing ----------------------------------------------------------------------

    def publish(
        self,
        message: str,
        *,
        subject: Optional[str] = None,
        message_attributes: Optional[Mapping[str, Mapping[str, Any]]] = None,
        message_structure: Optional[str] = None,
        group_id: Optional[str] = None,
        deduplication_id: Optional[str] = None,
    ) -> PublishResult:
        """Publish: one copy to every subscription whose filter policy matches (256 KB at most,
        attributes included). ``message_structure="json"`` takes a JSON object with a "default"
        message and per-protocol ones (sqs, lambda, http, https). FIFO topics need ``group_id``
        and a ``deduplication_id`` unless content-based deduplication is on."""
        for value, what in ((message, "Message"), (subject, "Subject"), (group_id, "MessageGroupId"),
                            (deduplication_id, "MessageDeduplicationId")):
            if value is not None and not isinstance(value, str):
                raise error(SNS, "message_type", name=what, type=type(value).__name__)
        if message is None:
            raise error(SNS, "parameter", name="Message")
        if message_structure not in (None, "json"):
            raise error(SNS, "message_structure_value")
        try:
            message_id, sequence, duplicate, _delivered, pending = self._core.publish(
                message, subject, message_attributes, message_structure == "json", group_id, deduplication_id
            )
        except TypeError:  # the binding cannot take a lone surrogate: checked here, off the hot path
            check_unicode(SNS, Message=message, Subject=subject, MessageGroupId=group_id,
                          MessageDeduplicationId=deduplication_id)
            raise
        if pending:
            self._broker._sns.deliver(self, pending, message_id, group_id)
        return PublishResult(message_id, sequence)

    def publish_batch(self, entries: Sequence[Mapping[str, Any]]) -> BatchResult:
        """PublishBatch: 1-10 entries, each a dict with ``id``, ``message`` and the optional
        keywords of :meth:`publish`. As on AWS, a FIFO entry without ``group_id`` (or without a
        deduplication id where content-based deduplication is off), a ``message_structure``
        without a default and bad message attributes fail the whole request, before anything is
        published; other faults (an empty message, a bad subject) fail their entry alone
        (``failed``). ``successful`` holds (id, PublishResult) pairs."""
        if not isinstance(entries, (list, tuple)):
            raise error(SNS, "batch_entries_type")
        if not entries:
            raise error(SNS, "batch_empty")
        if len(entries) > 10:
            raise error(SNS, "batch_too_many")
        ids = []
        for entry in entries:
            entry_id = entry.get("id") if isinstance(entry, Mapping) else None
            if not isinstance(entry_id, str) or not entry_id:
                raise error(SNS, "batch_id_invalid")
            if len(entry_id) > 80:
                raise error(SNS, "batch_id_too_long", id=entry_id)
            if not all(c.isascii() and (c.isalnum() or c in "-_") for c in entry_id):
                raise error(SNS, "batch_id_character", id=entry_id)
            ids.append(entry_id)
        if len(set(ids)) != len(ids):
            raise error(SNS, "batch_ids_not_distinct")
        if sum(len(str(e.get("message", "")).encode()) for e in entries) > 262_144:
            raise error(SNS, "batch_too_long")
        for entry in entries:
            self._check_whole_batch_entry(entry)
        successful: list[Any] = []
        failed: list[BatchResultErrorEntry] = []
        allowed = {"id", "message", "subject", "message_attributes", "message_structure", "group_id", "deduplication_id"}
        for entry in entries:
            try:
                unknown = set(entry) - allowed
                if unknown:
                    raise error(SNS, "batch_entry_key", key=repr(sorted(unknown)[0]))
                kwargs = {k: v for k, v in entry.items() if k not in ("id", "message")}
                successful.append((entry["id"], self.publish(entry.get("message"), **kwargs)))
            except PymsgError as exc:
                failed.append(BatchResultErrorEntry(entry["id"], exc.code, str(exc), True))
        return BatchResult(successful, failed)

    def _check_whole_batch_entry(self, entry: Mapping[str, Any]) -> None:
        """Raises for the faults of a PublishBatch entry that fail the whole request on AWS."""
        if self.fifo:
            if not entry.get("group_id"):
                raise error(SNS, "group_id_required")
            if not entry.get("deduplication_id") and not self._core.options()[0]:
                raise error(SNS, "deduplication_required")
        if entry.get("message_structure") == "json":
            message_structure(entry.get("message"))
        _core.check_sns_message_attributes(entry.get("message_attributes"))

    def attributes(self) -> dict[str, str]:
        """GetTopicAttributes, values as strings: Policy and EffectiveDeliveryPolicy are AWS's
        defaults until set."""
        self._check_alive()
        content_based, display_name = self._core.options()
        subs = self._core.subscriptions()
        with self._lock:
            settings = dict(self._settings)
        out = {
            "TopicArn": self.arn,
            "Owner": self._broker.account_id,
            "Policy": settings.pop("Policy", None) or _default_policy(self.arn, self._broker.account_id),
            "DisplayName": display_name,
            "SubscriptionsConfirmed": str(sum(1 for s in subs if not s[7])),
            "SubscriptionsPending": str(sum(1 for s in subs if s[7])),
            "SubscriptionsDeleted": "0",
            "EffectiveDeliveryPolicy": settings.get("DeliveryPolicy") or _DEFAULT_DELIVERY_POLICY,
        }  # SignatureVersion and the rest only once set, as AWS answers
        if self.fifo:
            out["FifoTopic"] = "true"
            out["ContentBasedDeduplication"] = "true" if content_based else "false"
            out["FifoThroughputScope"] = settings.pop("FifoThroughputScope", "Topic")
        out.update(settings)
        return out

    def set_attribute(self, name: str, value: str) -> None:
        """SetTopicAttributes: one attribute by AWS's name (DisplayName, Policy, DeliveryPolicy,
        SignatureVersion, TracingConfig, KmsMasterKeyId, the delivery-status feedback ones; for
        FIFO topics ContentBasedDeduplication, FifoThroughputScope and ArchivePolicy), the value
        a string. InvalidParameter for any other name or a value AWS refuses."""
        self._check_alive()
        if not isinstance(name, str) or not isinstance(value, str):
            raise error(SNS, "attribute_types")
        check_unicode(SNS, AttributeName=name, AttributeValue=value)
        if name in ("DisplayName", "ContentBasedDeduplication"):
            content_based, display_name = self._core.options()
            if name == "DisplayName":
                if len(value) > 100:
                    raise error(SNS, "display_name")
                display_name = value
            else:
                if not self.fifo or value.lower() not in ("true", "false"):
                    raise error(SNS, "content_based_deduplication")
                content_based = value.lower() == "true"
            self._core.set_options(content_based, display_name)
        else:
            _check_topic_setting(name, value, self.fifo)
            with self._lock:
                if value:
                    self._settings[name] = value
                else:
                    self._settings.pop(name, None)  # an empty value puts the default back
        self._journal()

    def add_permission(self, label: str, account_ids: Sequence[str], actions: Sequence[str]) -> None:
        """AddPermission: a policy statement named `label` letting `account_ids` call `actions`
        (SNS action names such as "Publish"). InvalidParameter when the label is taken."""
        self._check_alive()
        if isinstance(actions, (list, tuple)) and not all(a in _TOPIC_ACTIONS for a in actions):
            raise error(SNS, "action_scope")
        with self._lock:
            current = self._settings.get("Policy") or _default_policy(self.arn, self._broker.account_id)
            self._settings["Policy"] = add_statement(current, label, account_ids, actions, "SNS", self.arn,
                                                     _invalid_permission)
        self._journal()

    def remove_permission(self, label: str) -> None:
        """RemovePermission: drops the statement named `label`; a label the policy lacks is no error."""
        self._check_alive()
        with self._lock:
            current = self._settings.get("Policy") or _default_policy(self.arn, self._broker.account_id)
            self._settings["Policy"] = remove_statement(current, label, None)
        self._journal()

    # --- tags -------------------------------------------------------------------------------

    def tags(self) -> dict[str, str]:
        """ListTagsForResource."""
        self._check_alive()
        with self._lock:
            return dict(self._tags)

    def tag(self, tags: Mapping[str, str]) -> None:
        """TagResource: adds or overwrites tags, at most 50 (TagLimitExceeded past them)."""
        self._check_alive()
        with self._lock:
            merged = check_tags(tags, self._tags, SNS, limit=None)
            if len(merged) > MAX_TAGS:
                raise error(SNS, "tag_quota")
            self._tags = merged
        self._journal()

    def untag(self, keys: Iterable[str]) -> None:
        """UntagResource: removes tags by key; keys the topic does not have are ignored."""
        self._check_alive()
        if isinstance(keys, str):  # a str is an iterable of one-character keys: surely not meant
            raise error(SNS, "tag_keys_str")
        keys = list(keys) if isinstance(keys, Iterable) else []
        if not keys or not all(isinstance(k, str) for k in keys):
            raise error(SNS, "tag_keys")
        with self._lock:
            for key in keys:
                self._tags.pop(key, None)
        self._journal()

    def _check_alive(self) -> None:
        if self._core.deleted:
            raise error(SNS, "topic_missing")

    def _journal(self) -> None:
        """With a data directory: logs this topic's whole state after a change to it (called
        without self._lock, which reading the state takes)."""
        durability = self._broker._durability
        if durability is not None:
            durability.log_topic(self._broker, self)


_DEFAULT_DELIVERY_POLICY = json.dumps({
    "http": {"defaultHealthyRetryPolicy": {"numNoDelayRetries": 0, "numMinDelayRetries": 0, "minDelayTarget": 20,
                                           "maxDelayTarget": 20, "numMaxDelayRetries": 0, "numRetries": 3,
                                           "backoffFunction": "linear"},
             "disableSubscriptionOverrides": False, "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}},
})
_TOKEN = re.compile(r"(?:[0-9a-f]{2}){32,}")  # what confirmation tokens look like: 64 or more hex digits


def message_structure(message: Any) -> dict[str, Any]:
    """A MessageStructure=json message's entries, refused as AWS refuses one that is not a JSON
    object or has no string default (what the core checks again when it publishes)."""
    try:
        structure = json.loads(message)
    except (TypeError, ValueError):
        raise error(SNS, "structure_parse") from None
    if not isinstance(structure, dict) or not isinstance(structure.get("default"), str):
        raise error(SNS, "structure_default")
    return structure


def looks_like_token(token: object) -> bool:
    """Whether `token` has a confirmation token's shape (AWS tells a malformed token from an
    unknown one)."""
    return isinstance(token, str) and _TOKEN.fullmatch(token) is not None
_FEEDBACK = re.compile(r"(HTTP|Firehose|Lambda|Application|SQS)(SuccessFeedbackRoleArn|FailureFeedbackRoleArn|"
                       r"SuccessFeedbackSampleRate)")


def _invalid_permission(label: str, reason: str) -> Exception:
    return error(SNS, "statement_exists") if reason == ALREADY_EXISTS else error(SNS, "parameter", name=reason)


# The actions a topic policy can grant (what AddPermission's ActionName may name).
_TOPIC_ACTIONS = ("GetTopicAttributes", "SetTopicAttributes", "AddPermission", "RemovePermission", "DeleteTopic",
                  "Subscribe", "ListSubscriptionsByTopic", "Publish")


def _default_policy(arn: str, account_id: str) -> str:
    return json.dumps({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": [f"SNS:{a}" for a in _TOPIC_ACTIONS], "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": account_id}}}]})


def _check_topic_setting(name: str, value: str, fifo: bool) -> None:
    """InvalidParameter unless SetTopicAttributes takes `value` for `name` (beyond DisplayName
    and ContentBasedDeduplication, which the core holds)."""
    def refuse(reason: str) -> None:
        raise error(SNS, "topic_attribute_value", name=name, reason=reason)

    if name in ("Policy", "DeliveryPolicy", "ArchivePolicy"):
        if name == "ArchivePolicy" and not fifo:
            refuse("for FIFO topics only")
        if value:
            try:
                if not isinstance(json.loads(value), dict):
                    raise ValueError
            except ValueError:
                refuse("must be a JSON object")
    elif name == "SignatureVersion":
        if value not in ("1", "2"):
            refuse("must be 1 or 2")
    elif name == "TracingConfig":
        if value not in ("PassThrough", "Active"):
            refuse("must be PassThrough or Active")
    elif name == "FifoThroughputScope":
        if not fifo or value not in ("Topic", "MessageGroup"):
            refuse("Topic or MessageGroup, for FIFO topics only")
    elif name == "KmsMasterKeyId":
        pass
    elif _FEEDBACK.fullmatch(name):
        if name.endswith("SampleRate") and not (value.isdigit() and 0 <= int(value) <= 100):
            raise error(SNS, "sample_rate", name=name, value=value)
    else:
        raise error(SNS, "attribute_name", reason="")  # FifoTopic too: fixed at creation


def check_delivery_policy(value: Any, reason: str = "") -> str:
    """A subscription's DeliveryPolicy, checked to be a JSON object as AWS checks it."""
    if not isinstance(value, str):
        raise error(SNS, "delivery_policy_type", reason=reason)
    if value:
        try:
            if not isinstance(json.loads(value), dict):
                raise ValueError
        except ValueError:
            raise error(SNS, "delivery_policy_json", reason=reason) from None
    return value


def _policy_text(policy: Union[str, Mapping[str, Any], None]) -> str:
    if policy is None:
        return ""
    if isinstance(policy, str):
        return policy
    if isinstance(policy, Mapping):
        return json.dumps(policy)
    raise error(SNS, "filter_policy_type")


def _queue_arn(queue: Union[Queue, str, None]) -> str:
    if queue is None:
        return ""
    if isinstance(queue, Queue):
        return queue.arn
    if isinstance(queue, str) and queue.startswith("arn:aws:sqs:"):
        return queue
    raise error(SNS, "dead_letter_queue_type")


# ---------------------------------------------------------------------------------------------
# Delivery of what the core hands back


class _Attempt(NamedTuple):
    due: float  # when this attempt is (was) due on the broker clock
    order: int
    topic: Topic
    subscription_arn: str
    protocol: str
    body: str
    dead_letter_arn: str
    message_id: str
    group_id: Optional[str]  # FIFO topics: for a FIFO dead-letter queue
    attempt: int  # retries made so far


class Deliveries:
    """The broker's SNS deliveries outside the core: callables and HTTP endpoints, retried per
    AWS's delivery policies on the broker clock; then, or at once for client-side failures such
    as a deleted queue, the subscription's dead-letter queue (discarded without one)."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._heap: list[_Attempt] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self.dead_lettered = 0  # copies sent to dead-letter queues
        self.discarded = 0      # copies given up without one

    def deliver(self, topic: Topic, pending: Iterable[tuple[str, str, str, str, str, str]], message_id: str,
                group_id: Optional[str]) -> None:
        now = self._broker.clock.now()
        for arn, protocol, _endpoint, body, failure, dlq in pending:
            attempt = _Attempt(now, 0, topic, arn, protocol, body, dlq, message_id, group_id, 0)
            if failure:  # a queue delivery failed: client-side, no retries
                _log.warning("delivery of message %s to %s failed: %s (client-side: not retried)",
                             message_id, arn, failure)
                self._dead_letter(attempt)
            else:
                self._try(attempt)
        self.run_due()

    def confirm_request(self, topic: Topic, subscription: Subscription, token: str) -> None:
        """POSTs the SubscriptionConfirmation an HTTP(S) subscriber must answer (an email
        subscriber's is recorded as the email it would get)."""
        region = self._broker.region
        body = json.dumps({
            "Type": "SubscriptionConfirmation",
            "MessageId": str(uuid.uuid4()),
            "Token": token,
            "TopicArn": topic.arn,
            "Message": f"You have chosen to subscribe to the topic {topic.arn}.\n"
                       "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic.arn}&Token={token}",
            "Timestamp": _core.iso8601(self._broker.clock.now()),
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-pymsg.pem",
        }, indent=2)
        if subscription.protocol in ("email", "email-json"):
            self._broker._mobile.record_email(subscription.endpoint, body, Type="SubscriptionConfirmation", Token=token,
                                              TopicArn=topic.arn, SubscriptionArn=subscription.arn)
            return
        try:
            _post(self._broker._http_targets, subscription._target, body, "SubscriptionConfirmation", topic.arn,
                  subscription.arn, json.loads(body)["MessageId"])
        except Exception as exc:  # an endpoint that is down simply stays pending, as on AWS
            _log.warning("the SubscriptionConfirmation for %s could not be delivered to %s: %s; the subscription "
                         "stays pending", subscription.arn, subscription.endpoint, repr(exc))

    def run_due(self) -> None:
        """Runs every retry whose time came (called after publishes and clock moves)."""
        now = self._broker.clock.now()
        while True:
            with self._lock:
                if not self._heap or self._heap[0].due > now:
                    return
                attempt = heapq.heappop(self._heap)
            self._try(attempt)

    def _try(self, a: _Attempt) -> None:
        with a.topic._lock:
            subscription = a.topic._subscriptions.get(a.subscription_arn)
        if subscription is None:  # unsubscribed meanwhile
            return
        try:
            if a.protocol in _RECORDED_PROTOCOLS:
                self._record(a, subscription)
            elif a.protocol == "lambda":
                subscription._target(_lambda_event(a.subscription_arn, a.body))
            else:
                _post(self._broker._http_targets, subscription._target, a.body, "Notification", a.topic.arn,
                      a.subscription_arn, a.message_id)
            return
        except Exception as exc:  # a failing subscriber never raises into the publisher: it is logged
            # The first failure is a warning; the retries that follow it, at debug level, so a
            # subscriber that stays down logs once, then once more when the message is given up.
            level = logging.WARNING if a.attempt == 0 else logging.DEBUG
            _log.log(level, "delivery of message %s to %s (%s) failed on attempt %d: %s", a.message_id,
                     a.subscription_arn, a.protocol, a.attempt + 1, repr(exc), exc_info=_log.isEnabledFor(logging.DEBUG))
        delay = self._next_delay(a.protocol, a.attempt)
        if delay is None:
            self._dead_letter(a)
            return
        _log.log(logging.INFO if a.attempt == 0 else logging.DEBUG, "retrying delivery of message %s to %s in %g s "
                 "(retry %d, as its delivery policy says)", a.message_id, a.subscription_arn, delay, a.attempt + 1)
        # Due from this attempt's own time, so one long clock jump runs every retry it covers.
        retry = a._replace(due=a.due + delay, order=next(self._order), attempt=a.attempt + 1)
        if delay == 0:
            self._try(retry)
        else:
            with self._lock:
                heapq.heappush(self._heap, retry)

    def _record(self, a: _Attempt, subscription: Subscription) -> None:
        """An sms, email, email-json or application delivery, recorded as what would be sent."""
        mobile = self._broker._mobile
        try:
            envelope = json.loads(a.body)
            message = envelope["Message"] if isinstance(envelope, dict) and "Message" in envelope else a.body
        except ValueError:  # raw delivery
            message = a.body
        fields = {"MessageId": a.message_id, "TopicArn": a.topic.arn, "SubscriptionArn": a.subscription_arn}
        if a.protocol == "sms":
            mobile.record_sms(subscription.endpoint, message, **fields)
        elif a.protocol == "application":
            mobile.push(subscription.endpoint, message, **fields)
        else:  # email gets the message text, email-json the whole notification
            mobile.record_email(subscription.endpoint, message if a.protocol == "email" else a.body,
                                Type="Notification", **fields)

    @staticmethod
    def _next_delay(protocol: str, retries_made: int) -> Optional[float]:
        if protocol in ("http", "https"):
            return _HTTP_RETRIES[retries_made] if retries_made < len(_HTTP_RETRIES) else None
        if retries_made < len(_MANAGED_RETRIES):
            return _MANAGED_RETRIES[retries_made]
        return 20.0 if retries_made < len(_MANAGED_RETRIES) + _MANAGED_POST_BACKOFF else None

    def _dead_letter(self, a: _Attempt) -> None:
        if a.dead_letter_arn:
            try:
                queue = self._broker.find_queue_by_arn(a.dead_letter_arn)
                if queue.fifo:  # a FIFO topic's copy keeps its group; its message id dedups it
                    queue.send(a.body, group_id=a.group_id or "sns", deduplication_id=a.message_id)
                else:
                    queue.send(a.body)
                self.dead_lettered += 1
                _log.warning("message %s for %s moved to its dead-letter queue %s after %d attempt(s)", a.message_id,
                             a.subscription_arn, a.dead_letter_arn, a.attempt + 1)
                return
            except PymsgError as exc:
                _log.error("the dead-letter queue %s of %s refused message %s: %s", a.dead_letter_arn,
                           a.subscription_arn, a.message_id, exc)
        self.discarded += 1
        _log.error("message %s for %s discarded after %d attempt(s)%s", a.message_id, a.subscription_arn,
                   a.attempt + 1, "" if a.dead_letter_arn else " (the subscription has no dead-letter queue)")


def _lambda_event(subscription_arn: str, body: str) -> dict:
    """The event AWS Lambda gets from SNS, built from the envelope."""
    try:
        envelope = json.loads(body)
    except ValueError:  # a raw body (never for lambda, which has no raw delivery)
        envelope = {"Message": body}
    sns = {
        "Type": envelope.get("Type", "Notification"),
        "MessageId": envelope.get("MessageId"),
        "TopicArn": envelope.get("TopicArn"),
        "Subject": envelope.get("Subject"),
        "Message": envelope.get("Message"),
        "Timestamp": envelope.get("Timestamp"),
        "SignatureVersion": envelope.get("SignatureVersion"),
        "Signature": envelope.get("Signature"),
        "SigningCertUrl": envelope.get("SigningCertURL"),
        "UnsubscribeUrl": envelope.get("UnsubscribeURL"),
        "MessageAttributes": envelope.get("MessageAttributes", {}),
    }
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": subscription_arn,
                         "Sns": sns}]}


def _post(targets: HttpTargets, url: str, body: str, message_type: str, topic_arn: str, subscription_arn: str,
          message_id: str) -> None:
    """One HTTP(S) delivery as SNS makes it, where `targets` allows; a status outside 2xx (a
    redirect too) or no answer fails it."""
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "text/plain; charset=UTF-8",
        "x-amz-sns-message-type": message_type,
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
        "x-amz-sns-subscription-arn": subscription_arn,
        "User-Agent": "Amazon Simple Notification Service Agent",
    })
    try:
        with targets.post(request, timeout=15) as response:
            if not 200 <= response.status < 300:
                raise OSError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:  # it holds the connection: close it, keep only the status
        exc.close()
        raise OSError(f"HTTP {exc.code} {exc.reason}") from None
