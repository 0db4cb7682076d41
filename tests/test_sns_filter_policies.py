"""SNS subscription filter policies: every operator with matching and non-matching messages, both
scopes, and the policies refused at subscribe time."""

from __future__ import annotations

import json
from typing import Any, Optional, Union

import pytest

import pymsg

Attributes = dict[str, dict[str, Any]]


def S(value: str) -> dict[str, Any]:
    return {"DataType": "String", "StringValue": value}


def N(value: Union[int, float, str]) -> dict[str, Any]:
    return {"DataType": "Number", "StringValue": str(value)}


def A(values: list[Any]) -> dict[str, Any]:
    return {"DataType": "String.Array", "StringValue": json.dumps(values)}


def B(value: bytes) -> dict[str, Any]:
    return {"DataType": "Binary", "BinaryValue": value}


def received(queue: pymsg.Queue) -> list[str]:
    """The SNS Message of every envelope in the queue (received and deleted), sorted."""
    out: list[str] = []
    while True:
        batch = queue.receive(10)
        if not batch:
            return sorted(out)
        for m in batch:
            out.append(json.loads(m.body)["Message"])
            m.delete()


def run_policy(
    broker: pymsg.Broker,
    policy: Any,
    cases: list[tuple[Optional[Attributes], bool]],
    *,
    scope: str = "MessageAttributes",
    bodies: Optional[list[str]] = None,
) -> None:
    """Subscribes a filtered queue and an unfiltered one, publishes one message per case (its
    attributes, or for body scope its body) and checks that the filtered queue got exactly the
    cases marked True while the unfiltered one got every message."""
    topic = broker.create_topic("t")
    filtered = broker.create_queue("filtered")
    everything = broker.create_queue("everything")
    topic.subscribe(filtered, filter_policy=policy, filter_policy_scope=scope)
    topic.subscribe(everything)
    labels = []
    for i, (attributes, _) in enumerate(cases):
        message = bodies[i] if bodies is not None else f"case-{i}"
        labels.append(message)
        topic.publish(message, message_attributes=attributes)
    expected = sorted(label for label, (_, match) in zip(labels, cases) if match)
    got = received(filtered)
    assert got == expected, "\n".join(
        f"case {i}: {cases[i][0] if bodies is None else bodies[i]!r} expected {cases[i][1]}, got {labels[i] in got}"
        for i in range(len(cases))
        if (labels[i] in got) != cases[i][1]
    )
    assert received(everything) == sorted(labels)


def run_body_policy(broker: pymsg.Broker, policy: Any, cases: list[tuple[Any, bool]]) -> None:
    """Body scope: each case is a body (a JSON-able value, or a str sent as is) and whether it matches."""
    bodies = [c if isinstance(c, str) else json.dumps(c) for c, _ in cases]
    assert len(set(bodies)) == len(bodies)
    run_policy(broker, policy, [(None, m) for _, m in cases], scope="MessageBody", bodies=bodies)


# --- exact matching ------------------------------------------------------------------------


def test_exact_string(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": ["red", "blue"]}, [
        ({"colour": S("red")}, True),
        ({"colour": S("blue")}, True),
        ({"colour": S("green")}, False),
        ({"colour": S("RED")}, False),  # case-sensitive
        ({"colour": S("red ")}, False),
        ({"other": S("red")}, False),  # a missing key fails
        (None, False),
        ({"colour": {"DataType": "String.custom", "StringValue": "red"}}, True),  # a custom label is still a String
    ])


def test_exact_number(broker: pymsg.Broker) -> None:
    run_policy(broker, {"price": [100, 2.5]}, [
        ({"price": N(100)}, True),
        ({"price": N("100.0")}, True),
        ({"price": N("1e2")}, True),
        ({"price": N(2.5)}, True),
        ({"price": N(101)}, False),
        ({"price": N("-100")}, False),
        ({"price": S("100")}, False),  # a number rule compares Number attributes
        (None, False),
    ])


def test_exact_string_does_not_match_number_attribute(broker: pymsg.Broker) -> None:
    run_policy(broker, {"code": ["100"]}, [
        ({"code": S("100")}, True),
        ({"code": N(100)}, False),
    ])


def test_binary_attribute_never_matches_a_value(broker: pymsg.Broker) -> None:
    run_policy(broker, {"blob": ["abc"]}, [
        ({"blob": B(b"abc")}, False),
        ({"blob": S("abc")}, True),
    ])


# --- anything-but --------------------------------------------------------------------------


def test_anything_but_string(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": [{"anything-but": "red"}]}, [
        ({"colour": S("blue")}, True),
        ({"colour": S("Red")}, True),
        ({"colour": S("red")}, False),
        (None, False),  # anything-but still needs the key
    ])


def test_anything_but_list(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": [{"anything-but": ["red", "blue"]}]}, [
        ({"colour": S("green")}, True),
        ({"colour": S("red")}, False),
        ({"colour": S("blue")}, False),
    ])


def test_anything_but_number(broker: pymsg.Broker) -> None:
    run_policy(broker, {"price": [{"anything-but": 100}]}, [
        ({"price": N(5)}, True),
        ({"price": N(100)}, False),
        ({"price": N("100.00")}, False),
    ])


def test_anything_but_number_list(broker: pymsg.Broker) -> None:
    run_policy(broker, {"price": [{"anything-but": [100, 200]}]}, [
        ({"price": N(150)}, True),
        ({"price": N(100)}, False),
        ({"price": N(200)}, False),
    ])


def test_anything_but_prefix(broker: pymsg.Broker) -> None:
    run_policy(broker, {"id": [{"anything-but": {"prefix": "order-"}}]}, [
        ({"id": S("item-1")}, True),
        ({"id": S("Order-1")}, True),
        ({"id": S("order-1")}, False),
        ({"id": S("order-")}, False),
    ])


def test_anything_but_suffix(broker: pymsg.Broker) -> None:
    run_policy(broker, {"file": [{"anything-but": {"suffix": ".png"}}]}, [
        ({"file": S("a.jpg")}, True),
        ({"file": S("a.png.bak")}, True),
        ({"file": S("a.png")}, False),
    ])


def test_anything_but_equals_ignore_case(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": [{"anything-but": {"equals-ignore-case": "Red"}}]}, [
        ({"colour": S("blue")}, True),
        ({"colour": S("reds")}, True),
        ({"colour": S("RED")}, False),
        ({"colour": S("red")}, False),
    ])


# --- prefix, suffix, equals-ignore-case ---------------------------------------------------------


def test_prefix(broker: pymsg.Broker) -> None:
    run_policy(broker, {"region": [{"prefix": "us-"}]}, [
        ({"region": S("us-east-1")}, True),
        ({"region": S("us-")}, True),
        ({"region": S("eu-west-1")}, False),
        ({"region": S("US-east-1")}, False),
        ({"region": S("xus-east")}, False),
    ])


def test_suffix(broker: pymsg.Broker) -> None:
    run_policy(broker, {"file": [{"suffix": ".jpg"}]}, [
        ({"file": S("photo.jpg")}, True),
        ({"file": S("photo.JPG")}, False),
        ({"file": S("photo.jpg.txt")}, False),
    ])


def test_equals_ignore_case(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": [{"equals-ignore-case": "Red"}]}, [
        ({"colour": S("rED")}, True),
        ({"colour": S("red")}, True),
        ({"colour": S("reds")}, False),
        ({"colour": S("blue")}, False),
    ])


def test_operators_mixed_in_one_list_are_ored(broker: pymsg.Broker) -> None:
    run_policy(broker, {"k": ["exact", {"prefix": "pre"}, {"suffix": "fix"}]}, [
        ({"k": S("exact")}, True),
        ({"k": S("prelude")}, True),
        ({"k": S("suffix")}, True),
        ({"k": S("other")}, False),
    ])


# --- numeric ---------------------------------------------------------------------------------


def test_numeric_equals(broker: pymsg.Broker) -> None:
    run_policy(broker, {"n": [{"numeric": ["=", 5]}]}, [
        ({"n": N(5)}, True),
        ({"n": N("5.0")}, True),
        ({"n": N(6)}, False),
        ({"n": N("4.99999")}, False),
        ({"n": S("5")}, False),
    ])


def test_numeric_closed_range(broker: pymsg.Broker) -> None:
    run_policy(broker, {"n": [{"numeric": [">", 0, "<=", 10]}]}, [
        ({"n": N(0)}, False),
        ({"n": N("0.5")}, True),
        ({"n": N(10)}, True),
        ({"n": N("10.01")}, False),
        ({"n": N(-1)}, False),
    ])


def test_numeric_half_open_range(broker: pymsg.Broker) -> None:
    run_policy(broker, {"n": [{"numeric": [">=", 0, "<", 10]}]}, [
        ({"n": N(0)}, True),
        ({"n": N("9.99999")}, True),
        ({"n": N(10)}, False),
        ({"n": N("-0.00001")}, False),
    ])


@pytest.mark.parametrize(
    ("rule", "inside", "outside"),
    [
        ([">", 100], ["101", "100.00001", "1e9"], ["100", "99", "-1000"]),
        ([">=", 100], ["100", "1000"], ["99.99999"]),
        (["<", 0], ["-0.5", "-1e6"], ["0", "1"]),
        (["<=", 5], ["5", "-5"], ["5.00001"]),
    ],
)
def test_numeric_open_ended(broker: pymsg.Broker, rule: list[Any], inside: list[str], outside: list[str]) -> None:
    run_policy(
        broker,
        {"n": [{"numeric": rule}]},
        [({"n": N(v)}, True) for v in inside] + [({"n": N(v)}, False) for v in outside] + [(None, False)],
    )


def test_numeric_never_matches_strings(broker: pymsg.Broker) -> None:
    run_policy(broker, {"n": [{"numeric": [">", 0]}]}, [
        ({"n": S("5")}, False),
        ({"n": N(5)}, True),
    ])


# --- exists -------------------------------------------------------------------------------------


def test_exists_true(broker: pymsg.Broker) -> None:
    run_policy(broker, {"k": [{"exists": True}]}, [
        ({"k": S("anything")}, True),
        ({"k": N(0)}, True),
        ({"k": A([])}, True),
        ({"k": B(b"x")}, True),
        ({"other": S("x")}, False),
        (None, False),
    ])


def test_exists_false(broker: pymsg.Broker) -> None:
    run_policy(broker, {"k": [{"exists": False}]}, [
        (None, True),
        ({"other": S("x")}, True),
        ({"k": S("anything")}, False),
        ({"k": N(1)}, False),
    ])


def test_exists_false_with_another_key(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": ["red"], "deleted": [{"exists": False}]}, [
        ({"colour": S("red")}, True),
        ({"colour": S("red"), "deleted": S("yes")}, False),
        ({"colour": S("blue")}, False),
    ])


# --- cidr ---------------------------------------------------------------------------------------


def test_cidr_ipv4(broker: pymsg.Broker) -> None:
    run_policy(broker, {"ip": [{"cidr": "10.0.0.0/24"}]}, [
        ({"ip": S("10.0.0.0")}, True),
        ({"ip": S("10.0.0.7")}, True),
        ({"ip": S("10.0.0.255")}, True),
        ({"ip": S("10.0.1.7")}, False),
        ({"ip": S("11.0.0.7")}, False),
        ({"ip": S("not-an-ip")}, False),
        ({"ip": S("10.0.0.256")}, False),
        ({"ip": S("2001:db8::1")}, False),
        (None, False),
    ])


def test_cidr_ipv4_odd_prefix_lengths(broker: pymsg.Broker) -> None:
    run_policy(broker, {"ip": [{"cidr": "192.168.0.0/23"}, {"cidr": "172.16.5.4/32"}]}, [
        ({"ip": S("192.168.1.200")}, True),
        ({"ip": S("192.168.2.1")}, False),
        ({"ip": S("172.16.5.4")}, True),
        ({"ip": S("172.16.5.5")}, False),
    ])


def test_cidr_ipv6(broker: pymsg.Broker) -> None:
    run_policy(broker, {"ip": [{"cidr": "2001:db8::/32"}]}, [
        ({"ip": S("2001:db8::1")}, True),
        ({"ip": S("2001:0db8:ffff:ffff::1")}, True),
        ({"ip": S("2001:DB8::abcd")}, True),
        ({"ip": S("2001:db9::1")}, False),
        ({"ip": S("::1")}, False),
        ({"ip": S("10.0.0.1")}, False),
        ({"ip": S("2001:db8:::1")}, False),
    ])


# --- $or ------------------------------------------------------------------------------------


def test_or_at_top_level(broker: pymsg.Broker) -> None:
    run_policy(broker, {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, [
        ({"a": S("1")}, True),
        ({"b": S("2")}, True),
        ({"a": S("1"), "b": S("2")}, True),
        ({"a": S("2"), "b": S("1")}, False),
        (None, False),
    ])


def test_or_combined_with_keys(broker: pymsg.Broker) -> None:
    policy = {"source": ["shop"], "$or": [{"price": [{"numeric": [">", 100]}]}, {"vip": ["yes"]}]}
    run_policy(broker, policy, [
        ({"source": S("shop"), "price": N(150)}, True),
        ({"source": S("shop"), "vip": S("yes")}, True),
        ({"source": S("shop"), "price": N(50)}, False),
        ({"source": S("web"), "price": N(150)}, False),  # the key outside $or is ANDed
        ({"price": N(150), "vip": S("yes")}, False),
    ])


def test_nested_or(broker: pymsg.Broker) -> None:
    policy = {"$or": [{"a": ["1"]}, {"$or": [{"b": ["2"]}, {"c": [{"prefix": "x"}]}]}]}
    run_policy(broker, policy, [
        ({"a": S("1")}, True),
        ({"b": S("2")}, True),
        ({"c": S("xyz")}, True),
        ({"c": S("yz")}, False),
        ({"d": S("1")}, False),
    ])


def test_or_with_multi_key_branches(broker: pymsg.Broker) -> None:
    policy = {"$or": [{"a": ["1"], "b": ["1"]}, {"c": ["1"]}]}
    run_policy(broker, policy, [
        ({"a": S("1"), "b": S("1")}, True),
        ({"a": S("1")}, False),
        ({"c": S("1")}, True),
    ])


# --- String.Array, AND across keys -------------------------------------------------------------


def test_string_array_matches_any_element(broker: pymsg.Broker) -> None:
    run_policy(broker, {"tags": ["red"]}, [
        ({"tags": A(["blue", "red"])}, True),
        ({"tags": A(["red"])}, True),
        ({"tags": A(["blue", "green"])}, False),
        ({"tags": A([])}, False),
        ({"tags": S('["red"]')}, False),  # a String holding JSON is just a string
    ])


def test_string_array_with_operators(broker: pymsg.Broker) -> None:
    run_policy(broker, {"tags": [{"prefix": "pri"}], "scores": [{"numeric": [">", 10]}]}, [
        ({"tags": A(["low", "priority"]), "scores": A([1, 20])}, True),
        ({"tags": A(["low", "priority"]), "scores": A([1, 2])}, False),
        ({"tags": A(["low"]), "scores": A([50])}, False),
    ])


def test_string_array_anything_but(broker: pymsg.Broker) -> None:
    run_policy(broker, {"tags": [{"anything-but": "spam"}]}, [
        ({"tags": A(["ham"])}, True),
        ({"tags": A(["spam"])}, False),
    ])


def test_and_across_keys(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": ["red"], "size": [{"numeric": [">=", 10]}], "shape": [{"prefix": "sq"}]}, [
        ({"colour": S("red"), "size": N(10), "shape": S("square")}, True),
        ({"colour": S("red"), "size": N(9), "shape": S("square")}, False),
        ({"colour": S("blue"), "size": N(10), "shape": S("square")}, False),
        ({"colour": S("red"), "size": N(10), "shape": S("circle")}, False),
        ({"colour": S("red"), "size": N(10)}, False),  # a missing key fails
    ])


def test_attribute_scope_ignores_the_body(broker: pymsg.Broker) -> None:
    run_policy(broker, {"colour": ["red"]}, [(None, False)], bodies=['{"colour": "red"}'])


# --- MessageBody scope --------------------------------------------------------------------------


def test_body_scope_nested_keys(broker: pymsg.Broker) -> None:
    policy = {"order": {"status": ["paid"], "total": [{"numeric": [">", 100]}]}}
    run_body_policy(broker, policy, [
        ({"order": {"status": "paid", "total": 150}}, True),
        ({"order": {"status": "paid", "total": 150, "extra": True}, "other": 1}, True),
        ({"order": {"status": ["open", "paid"], "total": 101}}, True),  # a leaf array matches any element
        ({"order": {"status": "paid", "total": 50}}, False),
        ({"order": {"status": "open", "total": 150}}, False),
        ({"order": {"status": "paid"}}, False),
        ({"status": "paid", "total": 150}, False),  # not nested
        ({"order": "paid"}, False),
        ("not json at all", False),
        ('{"order": {"status": "paid", "total": 150}', False),  # truncated JSON
        ("[1, 2, 3]", False),
    ])


def test_body_scope_deep_nesting_and_types(broker: pymsg.Broker) -> None:
    policy = {"a": {"b": {"c": [True]}}, "flag": [None]}
    run_body_policy(broker, policy, [
        ({"a": {"b": {"c": True}}, "flag": None}, True),
        ({"a": {"b": {"c": "true"}}, "flag": None}, False),
        ({"a": {"b": {"c": False}}, "flag": None}, False),
        ({"a": {"b": {"c": True}}}, False),
        ({"a": {"b": {"c": True}}, "flag": 0}, False),
    ])


def test_body_scope_operators(broker: pymsg.Broker) -> None:
    policy = {
        "ip": [{"cidr": "10.0.0.0/8"}],
        "name": [{"equals-ignore-case": "ALICE"}],
        "note": [{"exists": False}],
        "n": [{"numeric": ["=", 3]}],
    }
    run_body_policy(broker, policy, [
        ({"ip": "10.1.2.3", "name": "alice", "n": 3}, True),
        ({"ip": "10.1.2.3", "name": "alice", "n": 3.0, "x": 1}, True),
        ({"ip": "11.1.2.3", "name": "alice", "n": 3}, False),
        ({"ip": "10.1.2.3", "name": "bob", "n": 3}, False),
        ({"ip": "10.1.2.3", "name": "alice", "n": 3, "note": "x"}, False),
        ({"ip": "10.1.2.3", "name": "alice", "n": "3"}, False),
    ])


def test_body_scope_nested_or(broker: pymsg.Broker) -> None:
    policy = {"detail": {"$or": [{"kind": ["refund"]}, {"amount": [{"numeric": [">", 1000]}]}]}}
    run_body_policy(broker, policy, [
        ({"detail": {"kind": "refund", "amount": 1}}, True),
        ({"detail": {"kind": "sale", "amount": 5000}}, True),
        ({"detail": {"kind": "sale", "amount": 5}}, False),
        ({"kind": "refund"}, False),
    ])


def test_body_scope_top_level_or_with_nesting(broker: pymsg.Broker) -> None:
    policy = {"$or": [{"a": {"b": ["1"]}}, {"c": [{"exists": True}]}]}
    run_body_policy(broker, policy, [
        ({"a": {"b": "1"}}, True),
        ({"c": "x"}, True),
        ({"c": []}, False),  # an empty list is no value: c does not exist
        ({"a": {"b": "2"}}, False),
        ({"a": "x"}, False),
    ])


def test_body_scope_ignores_attributes(broker: pymsg.Broker) -> None:
    run_policy(
        broker,
        {"colour": ["red"]},
        [({"colour": S("red")}, False), (None, True)],
        scope="MessageBody",
        bodies=['{"colour": "blue"}', '{"colour": "red"}'],
    )


def test_body_scope_uses_the_default_message_of_a_json_structure(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("t")
    queue = broker.create_queue("q")
    topic.subscribe(queue, filter_policy={"k": ["v"]}, filter_policy_scope="MessageBody", raw_message_delivery=True)
    topic.publish(json.dumps({"default": '{"k": "v"}', "sqs": "for sqs"}), message_structure="json")
    topic.publish(json.dumps({"default": '{"k": "w"}', "sqs": '{"k": "v"}'}), message_structure="json")
    [m] = queue.receive(10)
    assert m.body == "for sqs"


# --- policies at the limits are accepted ---------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [
        {f"k{i}": ["v"] for i in range(5)},  # 5 keys
        {"a": [str(i) for i in range(6)], "b": [str(i) for i in range(5)], "c": [str(i) for i in range(5)]},  # 150
        {"n": [1_000_000_000, -1_000_000_000, 1.12345]},
        {"n": [{"numeric": [">=", -1_000_000_000, "<=", 1_000_000_000]}]},
    ],
)
def test_policies_at_the_limits_are_accepted(broker: pymsg.Broker, policy: Any) -> None:
    topic = broker.create_topic("t")
    subscription = topic.subscribe(broker.create_queue("q"), filter_policy=policy)
    assert json.loads(subscription.attributes()["FilterPolicy"]) == policy


# --- invalid policies ---------------------------------------------------------------------------

INVALID_POLICIES = [
    pytest.param("{not json", "MessageAttributes", id="bad-json"),
    pytest.param('{"a": ["b"]', "MessageAttributes", id="truncated-json"),
    pytest.param("[1, 2]", "MessageAttributes", id="not-an-object"),
    pytest.param('"a"', "MessageAttributes", id="a-string"),
    pytest.param({f"k{i}": ["v"] for i in range(6)}, "MessageAttributes", id="six-keys"),
    pytest.param(
        {"a": [str(i) for i in range(6)], "b": [str(i) for i in range(5)], "c": [str(i) for i in range(6)]},
        "MessageAttributes",
        id="180-combinations",
    ),
    pytest.param({"a": [str(i) for i in range(151)]}, "MessageAttributes", id="151-values"),
    pytest.param({"a": [{"regex": "x.*"}]}, "MessageAttributes", id="unknown-operator"),
    pytest.param({"a": [{"anything-but": {"wildcard": "x"}}]}, "MessageAttributes", id="unknown-anything-but-operator"),
    pytest.param({"a": [{"prefix": "x", "suffix": "y"}]}, "MessageAttributes", id="two-operators-in-one-object"),
    pytest.param({"a": {"b": ["c"]}}, "MessageAttributes", id="nested-under-attributes-scope"),
    pytest.param({"a": []}, "MessageAttributes", id="empty-array"),
    pytest.param({"a": [{"anything-but": []}]}, "MessageAttributes", id="empty-anything-but"),
    pytest.param({"a": {"b": []}}, "MessageBody", id="empty-nested-array"),
    pytest.param({"a": "b"}, "MessageAttributes", id="value-not-a-list"),
    pytest.param({"a": [["b"]]}, "MessageAttributes", id="list-in-list"),
    pytest.param({"n": [{"numeric": [">", 10, "<", 5]}]}, "MessageAttributes", id="numeric-bottom-over-top"),
    pytest.param({"n": [{"numeric": ["!=", 5]}]}, "MessageAttributes", id="numeric-unknown-op"),
    pytest.param({"n": [{"numeric": [">", "5"]}]}, "MessageAttributes", id="numeric-string-operand"),
    pytest.param({"n": [{"numeric": []}]}, "MessageAttributes", id="numeric-empty"),
    pytest.param({"a": [{"prefix": 5}]}, "MessageAttributes", id="prefix-not-a-string"),
    pytest.param({"a": [{"exists": "yes"}]}, "MessageAttributes", id="exists-not-a-boolean"),
    pytest.param({"ip": [{"cidr": "10.0.0.0"}]}, "MessageAttributes", id="cidr-without-prefix"),
    pytest.param({"ip": [{"cidr": "10.0.0.0/33"}]}, "MessageAttributes", id="cidr-prefix-too-long"),
    pytest.param({"ip": [{"cidr": "2001:db8::/129"}]}, "MessageAttributes", id="cidr-ipv6-prefix-too-long"),
    pytest.param({"ip": [{"cidr": "300.0.0.0/8"}]}, "MessageAttributes", id="cidr-bad-address"),
    pytest.param({"$or": [{"a": ["1"]}]}, "MessageAttributes", id="or-with-one-branch"),
    pytest.param({"$or": {"a": ["1"]}}, "MessageAttributes", id="or-not-a-list"),
    pytest.param('{"a": ["' + "x" * (256 * 1024) + '"]}', "MessageAttributes", id="over-256-kb"),
]


@pytest.mark.parametrize(("policy", "scope"), INVALID_POLICIES)
def test_invalid_policy_raises_at_subscribe_and_creates_nothing(broker: pymsg.Broker, policy: Any, scope: str) -> None:
    topic = broker.create_topic("t")
    queue = broker.create_queue("q")
    with pytest.raises(pymsg.InvalidParameter, match="FilterPolicy|Filter policy"):
        topic.subscribe(queue, filter_policy=policy, filter_policy_scope=scope)
    assert topic.subscriptions() == []
    assert topic.attributes()["SubscriptionsConfirmed"] == "0"
    topic.publish("m", message_attributes={"a": S("b")})
    assert queue.receive() == []


@pytest.mark.parametrize(("policy", "scope"), INVALID_POLICIES)
def test_invalid_policy_in_set_attributes_changes_nothing(broker: pymsg.Broker, policy: Any, scope: str) -> None:
    topic = broker.create_topic("t")
    queue = broker.create_queue("q")
    subscription = topic.subscribe(queue, filter_policy={"a": ["b"]})
    before = subscription.attributes()
    with pytest.raises(pymsg.InvalidParameter, match="FilterPolicy|Filter policy"):
        subscription.set_attributes(filter_policy=policy, filter_policy_scope=scope)
    assert subscription.attributes() == before
    topic.publish("m", message_attributes={"a": S("b")})
    assert len(queue.receive()) == 1  # the old policy still applies


def test_nested_policy_is_valid_only_in_body_scope(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("t")
    policy = {"a": {"b": ["c"]}}
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        topic.subscribe(broker.create_queue("q1"), filter_policy=policy)
    assert str(excinfo.value) == ("Invalid parameter: Filter policy scope MessageAttributes does not support nested "
                                  "filter policy")
    subscription = topic.subscribe(broker.create_queue("q2"), filter_policy=policy, filter_policy_scope="MessageBody")
    assert subscription.attributes()["FilterPolicyScope"] == "MessageBody"
    assert len(topic.subscriptions()) == 1


def test_filtered_out_message_is_not_an_error(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("t")
    queue = broker.create_queue("q")
    topic.subscribe(queue, filter_policy={"a": ["b"]})
    result = topic.publish("m", message_attributes={"a": S("c")})
    assert result.message_id
    assert queue.receive() == []


def test_filter_policy_applies_to_callables(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("t")
    events: list[dict] = []
    topic.subscribe(events.append, filter_policy={"a": [{"prefix": "y"}]})
    topic.publish("no", message_attributes={"a": S("no")})
    topic.publish("yes", message_attributes={"a": S("yes")})
    assert [e["Records"][0]["Sns"]["Message"] for e in events] == ["yes"]


def test_filter_policy_applies_to_raw_delivery(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("t")
    queue = broker.create_queue("q")
    topic.subscribe(queue, filter_policy={"a": ["b"]}, raw_message_delivery=True)
    topic.publish("no", message_attributes={"a": S("c")})
    topic.publish("yes", message_attributes={"a": S("b")})
    assert [m.body for m in queue.receive(10)] == ["yes"]


# --- what AWS accepts and how it counts -------------------------------------------------------


@pytest.mark.parametrize("policy, scope", [
    pytest.param({"n": [1.123456]}, "MessageAttributes", id="six-decimals"),
    pytest.param({"n": [{"numeric": ["<", 1e-6]}]}, "MessageAttributes", id="numeric-six-decimals"),
    pytest.param({"n": [1_000_000_001]}, "MessageAttributes", id="over-1e9"),
    pytest.param({"n": [{"anything-but": 1.123456}]}, "MessageAttributes", id="anything-but-six-decimals"),
    pytest.param({"a": {"b": ["1"], "c": ["2"], "d": ["3"]}, "e": ["4"], "f": ["5"]}, "MessageBody",
                 id="three-top-level-keys-of-a-nested-policy"),
    pytest.param({}, "MessageAttributes", id="empty-policy"),
])
def test_policies_aws_accepts(broker: pymsg.Broker, policy: Any, scope: str) -> None:
    topic = broker.create_topic("t")
    topic.subscribe(broker.create_queue("q"), filter_policy=policy, filter_policy_scope=scope)
    assert len(topic.subscriptions()) == 1


def test_an_empty_policy_matches_everything(broker: pymsg.Broker) -> None:
    run_policy(broker, {}, [({"a": S("b")}, True), (None, True)])


def test_numbers_compare_to_six_decimal_places(broker: pymsg.Broker) -> None:
    run_policy(broker, {"price": [100.123456789]}, [
        ({"price": {"DataType": "Number", "StringValue": "100.1234567"}}, True),  # equal once rounded
        ({"price": {"DataType": "Number", "StringValue": "100.1234561"}}, False),
    ])
    run_policy(pymsg.Broker(broker.clock), {"n": [{"numeric": ["=", 1.000001]}]}, [  # a fresh topic and queues
        ({"n": {"DataType": "Number", "StringValue": "1.000002"}}, False),
        ({"n": {"DataType": "Number", "StringValue": "1.0000011"}}, True),
    ])


def test_complexity_counts_or_branches_and_nesting_as_aws_does(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("t")

    def values(n: int) -> list[str]:
        return [str(i) for i in range(n)]

    def policy(a: int, b: int, c: int, d: int, e: int) -> dict:
        return {"source": values(a), "$or": [{"metricName": values(b)},
                                             {"metricType": values(c), "$or": [{"metricId": values(d)},
                                                                               {"spaceId": values(e)}]}]}

    with pytest.raises(pymsg.InvalidParameter, match="^Invalid parameter: FilterPolicy: Filter policy is too complex$"):
        topic.subscribe(broker.create_queue("q1"), filter_policy=policy(4, 6, 4, 4, 4))  # 24 + 64 + 64 = 152
    topic.subscribe(broker.create_queue("q2"), filter_policy=policy(3, 6, 4, 4, 7))  # 18 + 48 + 84 = 150
    nested = {"a": {"b": {"key_c": values(4)}, "key_e": values(3)}}  # 4 values at depth 3, 3 at depth 2: 72
    topic.subscribe(broker.create_queue("q3"), filter_policy=nested, filter_policy_scope="MessageBody")
    with pytest.raises(pymsg.InvalidParameter, match="too complex"):  # and 3 more at depth 1: 216
        topic.subscribe(broker.create_queue("q4"), filter_policy={**nested, "key_f": values(3)},
                        filter_policy_scope="MessageBody")
    assert len(topic.subscriptions()) == 2


def test_body_scope_flattens_dotted_keys_and_looks_into_arrays_of_objects(broker: pymsg.Broker) -> None:
    run_body_policy(broker, {"object.nested.test": ["v"]}, [
        ({"object": {"nested": {"test": "v"}}}, True),
        ({"object.nested.test": "v"}, True),
        ({"object.nested": {"test": "v"}}, True),
        ({"object": {"nested": {"test": "w"}}}, False),
    ])
    run_body_policy(pymsg.Broker(broker.clock), {"Records": {"eventName": [{"prefix": "ObjectCreated"}]}}, [
        ({"Records": [{"eventName": "ObjectRemoved:Delete"}, {"eventName": "ObjectCreated:Put"}]}, True),
        ({"Records": [[{"eventName": "ObjectCreated:Put"}]]}, True),
        ({"Records": [{"eventName": "ObjectRemoved:Delete"}]}, False),
        ({"Records": {"eventName": {"inner": "ObjectCreated"}}}, False),  # an object where a value belongs
    ])


@pytest.mark.parametrize("policy, message", [
    ({f"k{i}": ["v"] for i in range(6)}, "Filter policy can not have more than 5 keys"),
    ({"key_a": "value_one"}, '"key_a" must be an object or an array'),
    ({"key": [["value"]]}, "Match value must be String, number, true, false, or null"),
    ({"key": [{"wrong-operator": True}]}, "Unrecognized match type wrong-operator"),
    ({"key": [{"suffix": "v", "prefix": "v2"}]}, "Only one key allowed in match expression"),
    ({"key": [{"suffix": 100}]}, "suffix match pattern must be a string"),
    ({"key": [{"exists": None}]}, "exists match pattern must be either true or false."),
    ({"key": [{"anything-but": {"wrong-operator": None}}]}, "Unsupported anything-but pattern: wrong-operator"),
    ({"key": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"key": [{"numeric": ["operator"]}]}, "Unrecognized numeric range operator: operator"),
    ({"key": [{"numeric": [1, "<="]}]}, "Invalid member in numeric match: 1"),
    ({"key": [{"numeric": ["=", "000"]}]}, "Value of equals must be numeric"),
    ({"key": [{"numeric": [">="]}]}, "Value of >= must be numeric"),
    ({"key": [{"numeric": ["<", 100, ">", 10]}]}, "Too many elements in numeric expression"),
    ({"key": [{"numeric": [">=", 1, ">", 2]}]}, "Bad numeric range operator: >"),
    ({"key": [{"numeric": [">", 3, "<", 1]}]}, "Bottom must be less than top"),
    ({"key": [{"numeric": [">", 20, 30]}]}, "Bad value in numeric range: 30"),
    ({"key": [{"numeric": [">", 20, "<", "30"]}]}, "Value of < must be numeric"),
    ({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}, "Too many terms in numeric range expression"),
    ({"key": []}, "Empty arrays are not allowed"),
])
def test_invalid_policies_are_refused_in_aws_words(broker: pymsg.Broker, policy: Any, message: str) -> None:
    topic = broker.create_topic("t")
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        topic.subscribe(broker.create_queue("q"), filter_policy=policy)
    assert str(excinfo.value) == "Invalid parameter: FilterPolicy: " + message
    assert topic.subscriptions() == []
