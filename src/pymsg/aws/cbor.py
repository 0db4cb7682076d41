"""CBOR (RFC 8949), as much of it as AWS's ``application/x-amz-cbor-1.1`` bodies use: what the
Java SDKs send Kinesis by default. Definite and indefinite lengths, all integer sizes, half,
single and double floats, tags (kept as :class:`Tag`); no canonical ordering is needed.
"""

from __future__ import annotations

import struct
from typing import Any, NamedTuple

_BREAK = object()
_DOUBLE = struct.Struct(">Bd")  # 0xFB then the double


class Tag(NamedTuple):
    """A tagged item: ``Tag(1, 1363896240)`` is an epoch time."""

    tag: int
    value: Any


def loads(data: bytes) -> Any:
    """One CBOR item; ValueError if `data` is not exactly one well-formed item."""
    view = memoryview(data)
    try:
        value, end = _item(view, 0, 0)
    except (IndexError, struct.error):
        raise ValueError("truncated CBOR") from None
    if value is _BREAK:
        raise ValueError("a CBOR break outside an indefinite-length item")
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes after the CBOR item")
    return value


MAX_DEPTH = 64  # nesting; AWS bodies go a few levels deep, and Python's stack must not run out


def _argument(view: memoryview, pos: int, info: int) -> tuple[int, int]:
    if info < 24:
        return info, pos
    if info > 27:
        raise ValueError(f"reserved CBOR additional information {info}")
    size = 1 << (info - 24)  # 24..27: a 1, 2, 4 or 8 byte argument follows
    if pos + size > len(view):
        raise ValueError("truncated CBOR")
    return int.from_bytes(view[pos:pos + size], "big"), pos + size


def _item(view: memoryview, pos: int, depth: int) -> tuple[Any, int]:
    if depth > MAX_DEPTH:
        raise ValueError(f"CBOR nested deeper than {MAX_DEPTH} levels")
    initial = view[pos]
    major, info = initial >> 5, initial & 31
    pos += 1
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info in (22, 23):
            return None, pos  # null, undefined
        if info == 25:
            return struct.unpack(">e", view[pos:pos + 2])[0], pos + 2
        if info == 26:
            return struct.unpack(">f", view[pos:pos + 4])[0], pos + 4
        if info == 27:
            return struct.unpack(">d", view[pos:pos + 8])[0], pos + 8
        if info == 31:
            return _BREAK, pos
        value, pos = _argument(view, pos, info)
        raise ValueError(f"unassigned CBOR simple value {value}")
    if info == 31:
        return _indefinite(view, pos, major, depth)
    value, pos = _argument(view, pos, info)
    if major == 0:
        return value, pos
    if major == 1:
        return -1 - value, pos
    if major in (2, 3):
        end = pos + value
        if end > len(view):
            raise ValueError("truncated CBOR")
        chunk = bytes(view[pos:end])
        try:
            return (chunk if major == 2 else chunk.decode()), end
        except UnicodeDecodeError:
            raise ValueError("a CBOR text string that is not UTF-8") from None
    if major == 4:
        items = []
        for _ in range(value):
            item, pos = _member(view, pos, depth)
            items.append(item)
        return items, pos
    if major == 5:
        out = {}
        for _ in range(value):
            key, pos = _key(view, pos, depth)
            out[key], pos = _member(view, pos, depth)
        return out, pos
    tagged, pos = _member(view, pos, depth)  # major 6
    return Tag(value, tagged), pos


def _member(view: memoryview, pos: int, depth: int) -> tuple[Any, int]:
    """An item inside a container: a break is not one."""
    item, pos = _item(view, pos, depth + 1)
    if item is _BREAK:
        raise ValueError("a CBOR break inside a definite-length item")
    return item, pos


def _key(view: memoryview, pos: int, depth: int) -> tuple[Any, int]:
    key, pos = _member(view, pos, depth)
    try:
        hash(key)
    except TypeError:
        raise ValueError("a CBOR map key that is an array or a map") from None
    return key, pos


def _indefinite(view: memoryview, pos: int, major: int, depth: int) -> tuple[Any, int]:
    if major in (2, 3):  # chunks: definite-length strings of the same type
        chunks = []
        while view[pos] != 0xFF:
            if view[pos] >> 5 != major or view[pos] & 31 == 31:
                raise ValueError("an indefinite-length CBOR string with a chunk of another kind")
            chunk, pos = _item(view, pos, depth + 1)
            chunks.append(chunk)
        return (b"".join(chunks) if major == 2 else "".join(chunks)), pos + 1
    if major == 4:
        items = []
        while view[pos] != 0xFF:
            item, pos = _member(view, pos, depth)
            items.append(item)
        return items, pos + 1
    if major == 5:
        out = {}
        while view[pos] != 0xFF:
            key, pos = _key(view, pos, depth)
            out[key], pos = _member(view, pos, depth)
        return out, pos + 1
    raise ValueError(f"CBOR major type {major} cannot have an indefinite length")


def dumps(value: Any) -> bytes:
    out = bytearray()
    _write(out, value)
    return bytes(out)


def _head(out: bytearray, major: int, n: int) -> None:
    if n < 24:
        out.append(major << 5 | n)
    elif n < 1 << 8:
        out += bytes((major << 5 | 24, n))
    elif n < 1 << 16:
        out.append(major << 5 | 25)
        out += n.to_bytes(2, "big")
    elif n < 1 << 32:
        out.append(major << 5 | 26)
        out += n.to_bytes(4, "big")
    else:
        out.append(major << 5 | 27)
        out += n.to_bytes(8, "big")


def _write(out: bytearray, value: Any) -> None:
    kind = type(value)  # exact types first, most common first: this runs once per item
    if kind is str:
        encoded = value.encode()
        n = len(encoded)
        if n < 24:
            out.append(0x60 | n)
        else:
            _head(out, 3, n)
        out += encoded
    elif kind is dict:
        _head(out, 5, len(value))
        for k, v in value.items():
            _write(out, k)
            _write(out, v)
    elif kind is bytes or kind is bytearray or kind is memoryview:
        _head(out, 2, len(value))
        out += value
    elif kind is int:
        if value >= 0:
            if value >= 1 << 64:
                raise ValueError(f"{value} does not fit a CBOR integer")
            _head(out, 0, value)
        else:
            if value < -(1 << 64):
                raise ValueError(f"{value} does not fit a CBOR integer")
            _head(out, 1, -1 - value)
    elif kind is list or kind is tuple:
        _head(out, 4, len(value))
        for item in value:
            _write(out, item)
    elif kind is float:
        out += _DOUBLE.pack(0xFB, value)
    elif value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif kind is Tag:
        _head(out, 6, value.tag)
        _write(out, value.value)
    elif isinstance(value, dict):
        _write(out, dict(value))
    elif isinstance(value, (list, tuple)):
        _write(out, list(value))
    elif isinstance(value, int):
        _write(out, int(value))
    elif isinstance(value, str):
        _write(out, str(value))
    else:
        raise TypeError(f"cannot write {type(value).__name__} as CBOR")
