"""Bad input the issue reports found, each with the pymsg error it now gets and nothing changed:
boolean attributes given as text, a str where a list of tag keys goes, a processor that is not
callable, and a cache flag whose truth test raises."""

from __future__ import annotations

import pytest

import pymsg
from pymsg import errors


@pytest.mark.parametrize("value, expected", [(True, "true"), (False, "false"), ("true", "true"), ("FALSE", "false")])
def test_content_based_deduplication_takes_a_bool_or_awss_strings(value: object, expected: str) -> None:
    broker = pymsg.Broker()
    queue = broker.create_queue("q.fifo", content_based_deduplication=value)  # type: ignore[arg-type]
    assert queue.attributes()["ContentBasedDeduplication"] == expected
    topic = broker.create_topic("t.fifo", content_based_deduplication=value)  # type: ignore[arg-type]
    assert topic.attributes()["ContentBasedDeduplication"] == expected


@pytest.mark.parametrize("value", ["yes", 1, None, "0"])
def test_any_other_deduplication_flag_is_refused_and_makes_nothing(value: object) -> None:
    broker = pymsg.Broker()
    with pytest.raises(errors.InvalidAttributeValue, match="^Invalid value for the parameter ContentBasedDeduplication"):
        broker.create_queue("q.fifo", content_based_deduplication=value)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidParameter, match="ContentBasedDeduplication"):
        broker.create_topic("t.fifo", content_based_deduplication=value)  # type: ignore[arg-type]
    assert broker.list_queues() == [] and broker.list_topics() == []


def test_a_str_of_tag_keys_is_refused_not_taken_a_character_at_a_time() -> None:
    broker = pymsg.Broker()
    queue = broker.create_queue("q", tags={"e": "1", "env": "2"})
    topic = broker.create_topic("t")
    topic.tag({"e": "1", "env": "2"})
    stream = broker.create_stream("s", tags={"e": "1", "env": "2"})
    with pytest.raises(errors.InvalidParameterValue, match="^TagKeys must be a list of tag keys, not a str.$"):
        queue.untag("env")
    with pytest.raises(errors.InvalidParameter, match="TagKeys must be a list of str"):
        topic.untag("env")
    with pytest.raises(errors.ValidationException, match="tagKeys"):
        stream.remove_tags("env")
    assert queue.tags() == topic.tags() == stream.list_tags() == {"e": "1", "env": "2"}


def test_a_consumer_without_a_callable_processor_is_refused_at_once() -> None:
    stream = pymsg.Broker().create_stream("s")
    with pytest.raises(errors.InvalidArgumentException, match="^processor must be a callable"):
        stream.consumer("app", "w1", None)  # type: ignore[arg-type]
    assert stream.checkpoints("app") == {}


class _Untruthful:
    def __bool__(self) -> bool:
        raise RuntimeError("no truth here")


@pytest.mark.parametrize("flag", ["nx", "xx"])
def test_a_cache_flag_whose_truth_raises_stores_nothing(flag: str) -> None:
    cache = pymsg.Broker().create_cache("c")
    with pytest.raises(RuntimeError, match="no truth here"):
        cache.set("k", b"v", **{flag: _Untruthful()})
    assert cache.get("k") is None and len(cache) == 0
