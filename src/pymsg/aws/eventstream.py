"""AWS's event-stream framing (``application/vnd.amazon.eventstream``), which Kinesis's
SubscribeToShard answers in and botocore reads: a sequence of messages, each

    total length (u32) | headers length (u32) | CRC32 of those 8 bytes (u32)
    headers | payload | CRC32 of everything before it (u32)

with every header as name length (u8), name, value type (u8; 7 is a string), value length
(u16) and value, all big-endian.
"""

from __future__ import annotations

import struct
import zlib

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7


def message(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message."""
    encoded = b"".join(struct.pack(">B", len(k.encode())) + k.encode() + struct.pack(">BH", _STRING, len(v.encode()))
                       + v.encode() for k, v in headers.items())
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    head = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return head + struct.pack(">I", zlib.crc32(head))


def event(event_type: str, payload: bytes, content_type: str = "application/json") -> bytes:
    """An event message (``:message-type`` event) of `event_type`."""
    return message({":event-type": event_type, ":content-type": content_type, ":message-type": "event"}, payload)
