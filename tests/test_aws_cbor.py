"""CBOR: the codec against RFC 8949's Appendix A, and Kinesis over ``application/x-amz-cbor-1.1``
(what the Java SDKs send) against ``pymsg serve``."""

from __future__ import annotations

import math
import urllib.error
import urllib.request
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import running_server
from pymsg.aws import cbor
from pymsg.aws.cbor import Tag
from pymsg.aws.server import Server

# (value, encoding) from RFC 8949 Appendix A that both directions agree on (our encoder writes
# every float as a double, so the float rows below are the ones the RFC gives as doubles).
BOTH_WAYS = [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"), (100, "1864"), (1000, "1903e8"),
    (1000000, "1a000f4240"), (1000000000000, "1b000000e8d4a51000"), (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"), (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    (1.1, "fb3ff199999999999a"), (1.0e300, "fb7e37e43c8800759c"), (-4.1, "fbc010666666666666"),
    (False, "f4"), (True, "f5"), (None, "f6"),
    (Tag(0, "2013-03-21T20:04:00Z"), "c074323031332d30332d32315432303a30343a30305a"),
    (Tag(1, 1363896240), "c11a514b67b0"), (Tag(1, 1363896240.5), "c1fb41d452d9ec200000"),
    (b"", "40"), (b"\x01\x02\x03\x04", "4401020304"), ("", "60"), ("a", "6161"), ("IETF", "6449455446"),
    ('"\\', "62225c"), ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"), ("\U00010151", "64f0908591"),
    ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"), ({1: 2, 3: 4}, "a201020304"), ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
]
# Encodings the RFC lists that only decode here: half and single floats, undefined, indefinite lengths.
DECODE_ONLY = [
    ("f90000", 0.0), ("f93c00", 1.0), ("f93e00", 1.5), ("f97bff", 65504.0), ("fa47c35000", 100000.0),
    ("fa7f7fffff", 3.4028234663852886e38), ("f90001", 5.960464477539063e-8), ("f90400", 0.00006103515625),
    ("f9c400", -4.0), ("f97c00", math.inf), ("f9fc00", -math.inf), ("f7", None),
    ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"), ("7f657374726561646d696e67ff", "streaming"),
    ("9fff", []), ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]), ("83018202039f0405ff", [1, [2, 3], [4, 5]]),
    ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}), ("bf6346756ef563416d7421ff", {"Fun": True, "Amt": -2}),
]


@pytest.mark.parametrize("value, encoded", BOTH_WAYS)
def test_rfc_8949_vectors_both_ways(value: Any, encoded: str) -> None:
    assert cbor.dumps(value).hex() == encoded
    decoded = cbor.loads(bytes.fromhex(encoded))
    assert decoded == value and type(decoded) is type(value)


@pytest.mark.parametrize("encoded, value", DECODE_ONLY)
def test_rfc_8949_vectors_that_decode(encoded: str, value: Any) -> None:
    assert cbor.loads(bytes.fromhex(encoded)) == value
    assert math.isnan(cbor.loads(bytes.fromhex("f97e00")))


@pytest.mark.parametrize("encoded, message", [
    ("", "truncated"), ("1a0000", "truncated"), ("62c3", "truncated"), ("0000", "after the CBOR item"),
    ("ff", "break outside"), ("1c", "reserved"), ("f820", "simple value"), ("bf6161ff", "break inside"),
    ("5f6161ff", "chunk of another kind"), ("7f5f40ffff", "chunk of another kind"), ("a1800000", "map key"),
    ("a16161" + "81ff", "break inside"), ("62c328", "not UTF-8"), ("81" * 100 + "00", "nested deeper"),
])
def test_malformed_cbor_is_a_value_error(encoded: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cbor.loads(bytes.fromhex(encoded))


# --- Kinesis over CBOR --------------------------------------------------------------------------

@pytest.fixture
def server(clock: pymsg.ManualClock) -> Iterator[Server]:
    with running_server(lambda: pymsg.Broker(clock, account_id="123456789012")) as s:
        yield s


def call(server: Server, operation: str, request: Any, raw: bytes | None = None) -> tuple[int, str, Any]:
    body = cbor.dumps(request) if raw is None else raw
    http = urllib.request.Request(server.endpoint, data=body, headers={
        "Content-Type": "application/x-amz-cbor-1.1", "X-Amz-Target": f"Kinesis_20131202.{operation}"})
    try:
        with urllib.request.urlopen(http) as answer:
            return answer.status, answer.headers["Content-Type"], cbor.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], cbor.loads(error.read())


def test_kinesis_put_and_get_in_cbor(server: Server, clock: pymsg.ManualClock) -> None:
    assert call(server, "CreateStream", {"StreamName": "s", "ShardCount": 1})[0] == 200
    put_at = clock.now()
    status, content_type, put = call(server, "PutRecord", {"StreamName": "s", "Data": b"\x00\xffbinary",
                                                           "PartitionKey": "k"})
    assert (status, content_type) == (200, "application/x-amz-cbor-1.1")
    assert put["ShardId"] == "shardId-000000000000" and len(put["SequenceNumber"]) == 56
    clock.advance(60)
    # AT_TIMESTAMP as the Java SDKs send it: tag 1 over epoch milliseconds.
    _, _, it = call(server, "GetShardIterator", {"StreamName": "s", "ShardId": "shardId-000000000000",
                                                 "ShardIteratorType": "AT_TIMESTAMP",
                                                 "Timestamp": Tag(1, int(put_at * 1000))})
    _, _, page = call(server, "GetRecords", {"ShardIterator": it["ShardIterator"]})
    (record,) = page["Records"]
    assert record["Data"] == b"\x00\xffbinary" and record["SequenceNumber"] == put["SequenceNumber"]
    assert record["ApproximateArrivalTimestamp"] == Tag(1, round(put_at * 1000))
    _, _, later = call(server, "GetShardIterator", {"StreamName": "s", "ShardId": "shardId-000000000000",
                                                    "ShardIteratorType": "AT_TIMESTAMP",
                                                    "Timestamp": Tag(1, put_at + 1)})  # seconds, as RFC 8949 has it
    assert call(server, "GetRecords", {"ShardIterator": later["ShardIterator"]})[2]["Records"] == []
    _, _, batch = call(server, "PutRecords", {"StreamName": "s", "Records": [
        {"Data": b"a", "PartitionKey": "k"}, {"Data": b"b", "PartitionKey": "k"}]})
    assert batch["FailedRecordCount"] == 0 and len(batch["Records"]) == 2


def test_kinesis_errors_in_cbor_change_nothing(server: Server) -> None:
    status, content_type, error = call(server, "PutRecord", {"StreamName": "nope", "Data": b"x", "PartitionKey": "k"})
    assert (status, content_type) == (400, "application/x-amz-cbor-1.1")
    assert error["__type"] == "ResourceNotFoundException" and "nope" in error["message"]  # no namespace
    status, _, error = call(server, "CreateStream", None, raw=b"\xbf\x61")  # truncated
    assert status == 400 and error["__type"] == "SerializationException"
    status, _, error = call(server, "GetShardIterator", {"StreamName": "s", "Timestamp": Tag(4, 1)})
    assert status == 400 and error["__type"] == "ValidationException"
    assert server.broker.list_streams() == []
