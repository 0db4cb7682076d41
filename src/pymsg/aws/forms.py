"""Query-protocol forms (``Action=...&A.1.B=v``), the request body of SQS's legacy protocol and
of SNS, as nested dicts."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl


def form_tree(body: bytes, skip: frozenset[str] = frozenset()) -> dict[Any, Any]:
    """The form's members nested by their dotted names, numbers as ints: "A.1.B=v" gives
    {"A": {1: {"B": "v"}}}. Parts named in `skip` (SNS's "member" and "entry" wrappers) are
    dropped. A later member wins over an earlier one of the same name. ValueError (a
    UnicodeDecodeError) when the body is not UTF-8."""
    out: dict[Any, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts: list[Any] = [int(p) if p.isascii() and p.isdigit() else p for p in key.split(".") if p not in skip]
        if not parts:
            continue
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # "A=1&A.1=2": the deeper one wins
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out
