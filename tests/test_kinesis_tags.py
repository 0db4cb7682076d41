"""Stream tags: CreateStream Tags, AddTagsToStream, RemoveTagsFromStream, ListTagsForStream."""

from __future__ import annotations

import pytest

import pymsg


def test_tags_at_creation_and_after(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", tags={"team": "data"})
    assert stream.list_tags() == {"team": "data"}
    stream.add_tags({"team": "platform", "env": "test"})  # overwrites, adds
    assert stream.list_tags() == {"team": "platform", "env": "test"}
    stream.remove_tags(["env", "not-there"])  # unknown keys are ignored
    assert stream.list_tags() == {"team": "platform"}


@pytest.mark.parametrize(
    "tags, match",
    [({"": "v"}, "1 to 128"), ({"k" * 129: "v"}, "1 to 128"), ({"k": "v" * 257}, "at most 256"), ({"k": 1}, "at most 256")],
)
def test_bad_tags_raise_and_change_nothing(broker: pymsg.Broker, tags: dict, match: str) -> None:
    stream = broker.create_stream("s", tags={"a": "1"})
    with pytest.raises(pymsg.InvalidArgumentException, match=match):
        stream.add_tags(tags)
    assert stream.list_tags() == {"a": "1"}
    with pytest.raises(pymsg.InvalidArgumentException, match=match):
        broker.create_stream("other", tags=tags)
    assert [s.name for s in broker.list_streams()] == ["s"]


def test_fifty_tags_at_most(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(pymsg.InvalidArgumentException, match="cannot have more than 50 tags"):
        stream.add_tags({"one-more": "v"})
    assert len(stream.list_tags()) == 50


def test_remove_tags_takes_one_to_fifty_keys(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", tags={"a": "1"})
    with pytest.raises(pymsg.ValidationException, match="at 'tagKeys' .* length greater than or equal to 1$"):
        stream.remove_tags([])
    with pytest.raises(pymsg.ValidationException, match="at 'tagKeys' .* length less than or equal to 50$"):
        stream.remove_tags([f"k{i}" for i in range(51)])
    with pytest.raises(pymsg.ValidationException, match="Value '{}' at 'tags' .* length greater than or equal to 1$"):
        stream.add_tags({})
    assert stream.list_tags() == {"a": "1"}


def test_tags_of_a_deleted_stream_are_gone(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", tags={"a": "1"})
    broker.delete_stream("s")
    with pytest.raises(pymsg.ResourceNotFoundException):
        stream.list_tags()
    assert broker.create_stream("s").list_tags() == {}
